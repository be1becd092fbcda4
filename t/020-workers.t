# Several workers on one store: persistence across restarts and reloads,
# concurrent writers, unique synchronization ids, relaxed durability, the
# store directory and its owner, a store that cannot be opened, and the
# configuration checks of `nginx -t`, and passwords hashed in nginx's thread
# pool.
use strict;
use warnings;

use Test::More;
use File::Temp qw(tempdir);
use HTTP::Tiny;
use IO::Socket::INET;
use Time::HiRes qw(time);

use MyTimetable::Server;
use MyTimetable::Load;

plan skip_all => 'TEST_NGINX_LOAD_MODULES must name the module'
    unless $ENV{TEST_NGINX_LOAD_MODULES} && -f $ENV{TEST_NGINX_LOAD_MODULES};

our $TODO;
my $NGINX = $ENV{TEST_NGINX_BINARY} // 'nginx';
my $started = time;

# ---------------------------------------------------------------- helpers

sub usernames {
    my $srv = shift;
    my $r = $srv->request(GET => 'v0/users');
    return undef unless $r->{status} == 200;
    return $srv->json($r)->{users};
}

sub synchronizations {
    my $srv = shift;
    my $r = $srv->request(GET => 'v0/synchronizations');
    return undef unless $r->{status} == 200;
    return $srv->json($r)->{synchronizations};
}

sub event_ids {
    my ($srv, $id) = @_;
    my $r = $srv->request(GET => "v0/synchronizations/$id/events");
    return undef unless $r->{status} == 200;
    return [ map { $_->{id} } @{ $srv->json($r)->{events} } ];
}

my $event_form = 'start=2031-03-04T09:00:00Z&end=2031-03-04T10:00:00Z&summary=Lecture&location=Hall+1';

# Writes a user, a synchronization and an event tagged $tag; returns the sync id.
sub write_set {
    my ($srv, $tag) = @_;
    my @st;
    push @st, $srv->request(PUT => "v0/users/$tag")->{status};
    push @st, $srv->request(PUT => 'v0/synchronizations', "username=$tag&type=googlecalendar")->{status};
    my ($sync) = grep { $_->{username} eq $tag } @{ synchronizations($srv) // [] };
    my $id = $sync ? $sync->{id} : 0;
    push @st, $srv->request(PUT => "v0/synchronizations/$id/events/ev-$tag", $event_form)->{status};
    is("@st", '204 204 204', "$tag: user, synchronization and event written");
    return $id;
}

# Checks that the sets written by write_set are all there.
sub has_sets {
    my ($srv, $what, %ids) = @_;
    my $users = usernames($srv) // [];
    my %user = map { $_ => 1 } @$users;
    my %sync = map { $_->{id} => $_ } @{ synchronizations($srv) // [] };
    my @missing;
    for my $tag (sort keys %ids) {
        my $id = $ids{$tag};
        push @missing, "user $tag" unless $user{$tag};
        push @missing, "synchronization $id of $tag"
            unless $sync{$id} && $sync{$id}{username} eq $tag && $sync{$id}{type} eq 'googlecalendar';
        my $events = event_ids($srv, $id) // [];
        push @missing, "event ev-$tag" unless "@$events" eq "ev-$tag";
    }
    is("@missing", '', "$what: every write is there (" . join(', ', sort keys %ids) . ")");
    is(scalar @$users, scalar keys %ids, "$what: and nothing else");
}

# Runs $code with STDERR on /dev/null: for the starts expected to fail, whose
# complaint nginx prints before the test reads it from error.log.
# Runs $code with standard error in a file; returns its result and what was
# written there (nginx reports a refused configuration on stderr at start).
sub stderr_of {
    my $code = shift;
    my ($fh, $file) = File::Temp::tempfile(UNLINK => 1);
    open my $saved, '>&', \*STDERR or die $!;
    open STDERR, '>&', $fh or die $!;
    my $r = eval { $code->() };
    open STDERR, '>&', $saved or die $!;
    local $/;
    open my $in, '<', $file or die $!;
    return ($r, scalar <$in>);
}

sub quietly {
    my $code = shift;
    open my $saved, '>&', \*STDERR or die $!;
    open STDERR, '>', '/dev/null' or die $!;
    my @r = eval { $code->() };
    my $err = $@;
    open STDERR, '>&', $saved or die $!;
    die $err if $err;
    return wantarray ? @r : $r[0];
}

sub store_errors {
    my $log = shift;
    return join '', grep { /mytimetable: (?!cleared)/ || /\[(?:alert|crit|emerg)\]/ } split /^/m, $log;
}

# ---------------------------------------------------------------- (a) restarts and reloads

{
    my $srv = MyTimetable::Server->new(workers => 2, http_config => 'mytimetable_durability full;');
    $srv->start;
    my %ids;
    $ids{alice} = write_set($srv, 'alice');

    $srv->stop_now;
    $srv->start;
    has_sets($srv, 'after a graceful restart', %ids);
    $ids{bob} = write_set($srv, 'bob');

    my @before = $srv->worker_pids;
    $srv->reload;
    my @after = $srv->wait_workers(2, 10, @before);
    is(scalar @after, 2, 'reload (HUP): a new generation of two workers replaced the old one');
    has_sets($srv, 'after a reload', %ids);
    $ids{carol} = write_set($srv, 'carol');
    has_sets($srv, 'written after a reload', %ids);

    # reload into relaxed durability: old and new workers share the store
    $srv->set_http_config('mytimetable_durability relaxed;');
    @before = $srv->worker_pids;
    $srv->reload;
    ok(scalar $srv->wait_workers(2, 10, @before), 'reload into relaxed durability');
    $ids{dave} = write_set($srv, 'dave');
    has_sets($srv, 'after a reload into relaxed durability', %ids);

    # full -> relaxed -> full across restarts
    $srv->stop_now;
    $srv->start;
    has_sets($srv, 'restarted in relaxed durability', %ids);
    $ids{erin} = write_set($srv, 'erin');
    $srv->stop_now;
    $srv->set_http_config('mytimetable_durability full;');
    $srv->start;
    has_sets($srv, 'restarted in full durability again', %ids);
    $srv->stop_now;
    is(store_errors($srv->error_log), '', 'no store error in the log of the restarts and reloads');
}

# ---------------------------------------------------------------- (b) concurrent writers lose nothing

{
    my $srv = MyTimetable::Server->new(
        workers         => 2,
        http_config     => 'mytimetable_durability full;',
        location_config => 'add_header X-Worker $pid always;',
    );
    $srv->start;
    my ($clients, $each) = (8, 100);
    my $t0 = time;
    my $load = MyTimetable::Load->new(port => $srv->port, clients => $clients, seconds => 40);
    $load->start(sub {
        my $c = shift;
        for my $n (1 .. $each) {
            last if $c->expired;
            my $name = sprintf 'u-%d-%03d', $c->id, $n;
            my $r = $c->request(PUT => "v0/users/$name");
            $c->log($r->{status}, $name, $r->{headers}{'x-worker'});
        }
    });
    is($load->wait, 0, "$clients clients x $each PUT v0/users/...: every client finished");
    my @lines = $load->logs;
    my @acked = map { $_->[2] } grep { $_->[1] == 204 } @lines;
    is(scalar @acked, $clients * $each, 'every PUT answered 204');
    my %workers = map { $_->[3] // '' => 1 } @lines;
    cmp_ok(scalar keys %workers, '>=', 2, 'both workers served the writes')
        or diag explain \%workers;
    my $users = usernames($srv) // [];
    my @expected = sort map { my $c = $_; map { sprintf 'u-%d-%03d', $c, $_ } 1 .. $each } 0 .. $clients - 1;
    is(scalar @$users, $clients * $each, 'GET v0/users lists exactly ' . $clients * $each . ' users');
    is_deeply($users, \@expected, 'and exactly the names written');
    note sprintf '%d writes in %.2f s', scalar @lines, time - $t0;

    # deletes from both workers at once, too
    $load = MyTimetable::Load->new(port => $srv->port, clients => $clients, seconds => 40);
    $load->start(sub {
        my $c = shift;
        for my $n (grep { $_ % 2 } 1 .. $each) {
            last if $c->expired;
            my $name = sprintf 'u-%d-%03d', $c->id, $n;
            my $r = $c->request(DELETE => "v0/users/$name");
            $c->log($r->{status}, $name);
        }
    });
    is($load->wait, 0, 'concurrent DELETE v0/users/...: every client finished');
    is(scalar(grep { $_->[1] == 204 } $load->logs), $clients * $each / 2, 'every DELETE answered 204');
    $users = usernames($srv) // [];
    is_deeply($users, [ grep { !/[13579]$/ } @expected ], 'exactly the even names remain');
    $srv->stop_now;
}

# ---------------------------------------------------------------- (c) unique synchronization ids

{
    my $srv = MyTimetable::Server->new(workers => 2, http_config => 'mytimetable_durability full;');
    $srv->start;
    my ($clients, $each) = (8, 25);
    my $n = $clients * $each;
    my $load = MyTimetable::Load->new(port => $srv->port, clients => $clients, seconds => 40);
    $load->start(sub {
        my $c = shift;
        for my $k (1 .. $each) {
            my $name = sprintf 's-%d-%02d', $c->id, $k;
            $c->log($c->request(PUT => "v0/users/$name")->{status});
        }
    });
    $load->wait;
    is(scalar(grep { $_->[1] == 204 } $load->logs), $n, "$n users to synchronize");

    $load = MyTimetable::Load->new(port => $srv->port, clients => $clients, seconds => 40);
    $load->start(sub {
        my $c = shift;
        for my $k (1 .. $each) {
            last if $c->expired;
            my $name = sprintf 's-%d-%02d', $c->id, $k;
            my $r = $c->request(PUT => 'v0/synchronizations', "username=$name&type=googlecalendar");
            $c->log($r->{status}, $name, $r->{t0}, $r->{t1});
        }
    });
    is($load->wait, 0, "$clients clients create $n synchronizations at once");
    my @acks = grep { $_->[1] == 204 } $load->logs;
    is(scalar @acks, $n, 'every PUT v0/synchronizations answered 204');

    my $syncs = synchronizations($srv) // [];
    is(scalar @$syncs, $n, "GET v0/synchronizations lists exactly $n");
    is_deeply([ map { $_->{id} } @$syncs ], [ 1 .. $n ], "with the ids 1..$n, no gap, no duplicate");
    is_deeply([ sort map { $_->{username} } @$syncs ], [ sort map { $_->[2] } @acks ],
        'one synchronization per user');
    is(scalar(grep { $_->{type} ne 'googlecalendar' } @$syncs), 0, 'all of the type asked for');

    # a synchronization acknowledged before another was asked for has the smaller id
    my %id = map { $_->{username} => $_->{id} } @$syncs;
    my %ack = map { $_->[2] => $_ } @acks;
    my @bad;
    for my $x (values %ack) {
        for my $y (values %ack) {
            push @bad, "$x->[2]=$id{$x->[2]} answered before $y->[2]=$id{$y->[2]} was sent"
                if $x->[4] < $y->[3] && ($id{$x->[2]} // 0) >= ($id{$y->[2]} // 0);
        }
    }
    is("@bad[0 .. ($#bad < 4 ? $#bad : 4)]", '', 'ids increase with the order of the requests');

    # the counter survives a restart: the next id is n+1
    $srv->stop_now;
    $srv->start;
    $srv->request(PUT => 'v0/users/late');
    $srv->request(PUT => 'v0/synchronizations', 'username=late&type=googlecalendar');
    $syncs = synchronizations($srv) // [];
    is($syncs->[-1]{id}, $n + 1, 'after a restart the next id is ' . ($n + 1));
    $srv->stop_now;
}

# ---------------------------------------------------------------- (d) relaxed durability, graceful stop

# A graceful stop must flush what relaxed durability has not synced yet. (What
# relaxed durability risks, an OS crash or a power cut in the second before
# the sync, is beyond a test that only stops or kills processes: the kernel
# keeps what a killed process wrote.)

{
    my $srv = MyTimetable::Server->new(workers => 2, http_config => 'mytimetable_durability relaxed;');
    $srv->start;
    my $load = MyTimetable::Load->new(port => $srv->port, clients => 4, seconds => 20);
    $load->start(sub {
        my $c = shift;
        for my $k (1 .. 40) {
            last if $c->expired;
            my $name = sprintf 'r-%d-%02d', $c->id, $k;
            my $r = $c->request(PUT => "v0/users/$name");
            next unless $r->{status} == 204;
            $c->log('user', $name);
            $r = $c->request(PUT => 'v0/synchronizations', "username=$name&type=googlecalendar");
            $c->log('sync', $name) if $r->{status} == 204;
        }
    });
    is($load->wait, 0, 'relaxed: 4 clients wrote users and synchronizations');
    my @acks = $load->logs;
    $srv->stop_now;    # at once: well inside the one-second sync period
    $srv->set_http_config('mytimetable_durability full;');
    $srv->start;
    my %user = map { $_ => 1 } @{ usernames($srv) // [] };
    my %sync = map { $_->{username} => 1 } @{ synchronizations($srv) // [] };
    my @lost = map { "$_->[1] $_->[2]" } grep { $_->[1] eq 'user' ? !$user{ $_->[2] } : !$sync{ $_->[2] } } @acks;
    is(scalar(@acks), 320, 'relaxed: 160 users and 160 synchronizations acknowledged');
    is("@lost", '', 'relaxed: every acknowledged write is there after a graceful stop');
    $srv->stop_now;
    is(store_errors($srv->error_log), '', 'relaxed: no store error in the log');
}

# ---------------------------------------------------------------- reload and stop in the middle of writes

for my $durability (qw(full relaxed)) {
    my $srv = MyTimetable::Server->new(workers => 2, http_config => "mytimetable_durability $durability;");
    $srv->start;
    # 4 clients PUT users until their time is out or nginx is gone
    my $storm = sub {
        my ($tag, $seconds) = @_;
        my $load = MyTimetable::Load->new(port => $srv->port, clients => 4, seconds => $seconds);
        $load->start(sub {
            my $c = shift;
            my $fails = 0;
            for (my $k = 1; !$c->expired && $fails < 3; $k++) {
                my $name = sprintf '%s-%d-%04d', $tag, $c->id, $k;
                my $r = $c->request(PUT => "v0/users/$name");
                $fails = $r->{status} == 599 ? $fails + 1 : 0;
                $c->log($r->{status}, $name);
            }
        });
        return $load;
    };
    my $check = sub {
        my ($what, @lines) = @_;
        my %present = map { $_ => 1 } @{ usernames($srv) // [] };
        my %tried = map { $_->[2] => 1 } @lines;
        my @acked = grep { $_->[1] == 204 } @lines;
        my @lost = map { $_->[2] } grep { !$present{ $_->[2] } } @acked;
        my @unknown = grep { !$tried{$_} } keys %present;
        cmp_ok(scalar @acked, '>', 0, "$durability, $what: writes were acknowledged (" . scalar(@acked) . ')');
        is("@lost[0 .. ($#lost < 4 ? $#lost : 4)]", '', "$durability, $what: every acknowledged write is there");
        is("@unknown[0 .. ($#unknown < 4 ? $#unknown : 4)]", '', "$durability, $what: and no write that was not made");
    };

    my $load = $storm->('reload', 1.5);
    sleep 0.5;
    my @old = $srv->worker_pids;
    $srv->reload;
    ok(scalar $srv->wait_workers(2, 10, @old), "$durability: reload in the middle of writes");
    $load->wait;
    my @reload_lines = $load->logs;
    my @failed = map { "$_->[2]: $_->[1]" } grep { $_->[1] != 204 } @reload_lines;
    is("@failed", '', "$durability: no write failed across the reload");
    $check->('reload', @reload_lines);

    $load = $storm->('stop', 3);
    sleep 0.5;
    $srv->stop_now;
    $load->wait;
    $srv->start;
    $check->('graceful stop', @reload_lines, $load->logs);
    $srv->stop_now;
    is(store_errors($srv->error_log), '', "$durability: no store error in the log");
}

# ---------------------------------------------------------------- (e) the store directory

{
    my $root = $> == 0;
    my $nobody = getpwnam('nobody');

    my $srv = MyTimetable::Server->new(workers => 2);
    ok(!-e $srv->store, 'the store directory does not exist yet');
    $srv->start;
    is($srv->request(GET => 'v0/users')->{status}, 200, 'a missing store directory is created');
    ok(-d $srv->store, 'it is a directory');
    SKIP: {
        skip 'nginx runs as root only in a root test run', 3 unless $root && defined $nobody;
        for my $path ($srv->store, $srv->store . '/data.mdb', $srv->store . '/lock.mdb') {
            is((stat $path)[4], $nobody, "$path belongs to the worker user nobody (the workers made the files)");
        }
    }
    $srv->stop_now;

    my $dir = tempdir('mtt-nested-XXXXXX', TMPDIR => 1, CLEANUP => 1);
    chmod 0755, $dir;
    my $nested = "$dir/deeper/still/store";
    $srv = MyTimetable::Server->new(workers => 2, store => $nested);
    my $ok = quietly(sub { eval { $srv->start; 1 } });
    {
        ok($ok, 'nginx starts with a store path whose parents are missing')
            or diag $srv->error_log;
        is($ok && $srv->request(GET => 'v0/users')->{status}, 200, 'and the API answers');
        ok(-d $nested, 'the nested store directory was created');
        SKIP: {
            skip 'not root', 1 unless $root && defined $nobody;
            is((stat $nested)[4], $nobody, 'and belongs to the worker user');
        }
    }
    $srv->stop_now;
}

# The master runs as root and the worker user owns the store directory: what
# that user puts there must not make the master change anything of root's.
SKIP: {
    my $nobody = getpwnam('nobody');
    skip 'the symbolic link and ownership checks need a root test run', 9 unless $> == 0 && defined $nobody;
    my $dir = tempdir('mtt-hostile-XXXXXX', TMPDIR => 1, CLEANUP => 1);
    chmod 0755, $dir;
    open my $f, '>', "$dir/root-secret" or die $!;
    print $f "root's\n";
    close $f;
    chmod 0600, "$dir/root-secret";

    my $srv = MyTimetable::Server->new(workers => 2, store => "$dir/store");
    $srv->start;
    is($srv->request(PUT => 'v0/users/alice')->{status}, 204, 'a store made by the master serves');
    $srv->stop_now;
    # as the worker user could: lock.mdb replaced by a link to a file of root's
    unlink "$dir/store/lock.mdb";
    symlink "$dir/root-secret", "$dir/store/lock.mdb" or die $!;
    quietly(sub { eval { $srv->start; 1 } });
    $srv->reload if $srv->master_pid;
    $srv->stop_now;
    my @st = stat "$dir/root-secret";
    is($st[4], 0, 'a linked file of root\'s still belongs to root after a start and a reload');
    is($st[2] & 07777, 0600, '... with its mode');
    open $f, '<', "$dir/root-secret" or die $!;
    is(scalar <$f>, "root's\n", '... and its content');
    close $f;

    # an existing directory of root's is not taken over: -t and start refuse it
    mkdir "$dir/roots", 0755;
    $srv = MyTimetable::Server->new(workers => 2, store => "$dir/roots");
    my ($ok, $err) = stderr_of(sub { eval { $srv->start; 1 } });
    ok(!$ok, 'a store directory the worker user cannot write: nginx refuses to start');
    like($err,
        qr/\[emerg\] .*"mytimetable_store": the worker user "nobody" cannot write the directory "\Q$dir\E\/roots" \(give it to that user, e\.g\. install -d -o nobody -m 700 \Q$dir\E\/roots\)/,
        '... naming the directory and the user');
    is((stat "$dir/roots")[4], 0, '... and the directory still belongs to root');
    chown $nobody, -1, "$dir/roots";
    chmod 0700, "$dir/roots";
    $ok = quietly(sub { eval { $srv->start; 1 } });
    ok($ok, 'once prepared as README says (owned by the worker user, 0700), it serves') or diag $srv->error_log;
    is($ok && $srv->request(GET => 'v0/users')->{status}, 200, '... and the API answers');
    $srv->stop_now;
}

# ---------------------------------------------------------------- (f) a store that cannot be opened

{
    my $other = MyTimetable::Server::free_port();
    my $other_server = "server { listen 127.0.0.1:$other; location / { return 200 \"other\\n\"; } }";
    my $http = HTTP::Tiny->new(timeout => 10);

    my $check = sub {
        my ($srv, $what) = @_;
        my $ok = quietly(sub { eval { $srv->start; 1 } });
        ok($ok, "$what: nginx starts") or diag $srv->error_log;
        my $r = $ok ? $srv->request(GET => 'v0/users') : { status => 0, headers => {}, content => '' };
        is($r->{status}, 503, "$what: the API answers 503");
        like($r->{headers}{'content-type'} // '', qr{^application/json}, "$what: in JSON");
        my $body = eval { $srv->json($r) } // {};
        ok(defined $body->{error} && $body->{error} ne '' && ($body->{message} // '') =~ /store/,
            "$what: with the error object") or diag $r->{content};
        like($srv->error_log, qr/\[emerg\] .*mytimetable: cannot open the store/, "$what: and an error.log line");
        is($ok && $http->get("http://127.0.0.1:$other/")->{content}, "other\n",
            "$what: nginx keeps serving the other locations");
        $srv->stop_now;
    };

    my $dir = tempdir('mtt-bad-XXXXXX', TMPDIR => 1, CLEANUP => 1);
    chmod 0755, $dir;
    open my $f, '>', "$dir/plain-file" or die $!;
    print $f "not a store\n";
    close $f;
    {
        my $srv = MyTimetable::Server->new(workers => 2, store => "$dir/plain-file", http_config => $other_server);
        my ($ok, $err) = stderr_of(sub { eval { $srv->start; 1 } });
        ok(!$ok, 'mytimetable_store naming a regular file: nginx refuses to start');
        like($err, qr/\[emerg\] .*"mytimetable_store": "\Q$dir\E\/plain-file" is not a directory/,
            '... and says why');
    }

    mkdir "$dir/junk";
    open $f, '>', "$dir/junk/data.mdb" or die $!;
    print $f 'x' x 100_000;
    close $f;
    chmod 0777, "$dir/junk";
    chmod 0666, "$dir/junk/data.mdb";
    $check->(MyTimetable::Server->new(workers => 2, store => "$dir/junk", http_config => $other_server),
        'the data file is not an LMDB file');
}

# ---------------------------------------------------------------- (g) nginx -t

{
    my $prefix = tempdir('mtt-conf-XXXXXX', TMPDIR => 1, CLEANUP => 1);
    mkdir "$prefix/$_" for qw(conf logs);
    my $module = $ENV{TEST_NGINX_LOAD_MODULES};
    my $port = MyTimetable::Server::free_port();

    # Writes conf/nginx.conf with $http at line 6 and $location inside the
    # API location; returns the line of the brace that closes http.
    my $write = sub {
        my ($http, $location) = @_;
        my @lines = (
            "load_module $module;",
            'pid logs/nginx.pid;',
            'error_log logs/error.log notice;',
            'events { worker_connections 64; }',
            'http {',
            $http,
            "    server {",
            "        listen 127.0.0.1:$port;",
            '        location /plain/ { return 200 "plain\n"; }',
            ($location // '        location /api/ { mytimetable; }'),
            '    }',
            '}',
        );
        open my $f, '>', "$prefix/conf/nginx.conf" or die $!;
        print $f map { "$_\n" } @lines;
        close $f;
        return scalar @lines;
    };
    my $nginx_t = sub {
        local $ENV{LD_PRELOAD} = $ENV{TEST_NGINX_LD_PRELOAD} if $ENV{TEST_NGINX_LD_PRELOAD};
        my $out = `'$NGINX' -t -p '$prefix/' -c conf/nginx.conf -e logs/error.log 2>&1`;
        return ($? >> 8, $out);
    };
    my $conf = "$prefix/conf/nginx.conf";

    my @cases = (
        # directive, message, directive line (else the end of http)
        ['mytimetable_durability sometimes;', '"mytimetable_durability" must be "full" or "relaxed", not "sometimes"', 6],
        ['mytimetable_store_size 10k;', '"mytimetable_store_size" must be at least 64k, not 10240', 6],
        ['mytimetable_store_size 1000000g;',
            '"mytimetable_store_size" 1073741824000000 is more than this machine can map (12: Cannot allocate memory)', 6],
        ['mytimetable_store "";', '"mytimetable_store" must name a directory, not ""', 6],
        ['mytimetable_store_size abc;', '"mytimetable_store_size" directive invalid value', 6],
        ['mytimetable_sync_type "bad type";',
            q{"mytimetable_sync_type": invalid type "bad type": use 1 to 64 letters, digits, '-', '_' or '.'}, 6],
        ['mytimetable_sync_type x notmailbox;', '"mytimetable_sync_type": invalid parameter "notmailbox": the only one is "mailbox"', 6],
        ['mytimetable_sync_type x; mytimetable_sync_type x mailbox;', '"mytimetable_sync_type": duplicate type "x"', 6],
        ['mytimetable_instance_id "a b";',
            q{"mytimetable_instance_id": invalid value "a b": use 1 to 64 letters, digits, '-', '_' or '.'}, 6],
        ['mytimetable_base_url ftp://x;',
            '"mytimetable_base_url": invalid value "ftp://x": expected an absolute http:// or https:// URL without query or fragment', 6],
        ['mytimetable_base_url https:///api;',
            '"mytimetable_base_url": invalid value "https:///api": expected an absolute http:// or https:// URL without query or fragment', 6],
        ['mytimetable_root api/;',
            q{"mytimetable_root": invalid value "api/": expected a path that starts and ends with '/', such as /api/, without '.', '..' or empty segments, '%', '?' or '#'}, 6],
        ['mytimetable_root /api/../x/;',
            q{"mytimetable_root": invalid value "/api/../x/": expected a path that starts and ends with '/', such as /api/, without '.', '..' or empty segments, '%', '?' or '#'}, 6],
        ['mytimetable;', '"mytimetable" directive is not allowed here', 6],
    );
    # location kinds that cannot carry the API, and a second mytimetable; (line 10)
    my @location_cases = (
        ['        location ~ ^/api/ { mytimetable; }',
            '"mytimetable" cannot be used in a regular expression location: use a prefix location such as "location /api/"'],
        ['        location = /api/v0/users { mytimetable; }',
            '"mytimetable" cannot be used in an exact location ("="): use a prefix location such as "location /api/"'],
        ['        location @api { mytimetable; }',
            '"mytimetable" cannot be used in a named location: use a prefix location such as "location /api/"'],
        ['        location /api/ { mytimetable; mytimetable; }', '"mytimetable" directive is duplicate'],
    );
    for my $case (@location_cases) {
        my ($location, $message) = @$case;
        $write->('', $location);
        my ($rc, $out) = $nginx_t->();
        is($rc, 1, "nginx -t refuses $location");
        is((split /\n/, $out)[0], "nginx: [emerg] $message in $conf:10", "... with the message: $message");
    }
    {
        # merged at the end of http: nginx names the line of its closing brace
        my $end = $write->('mytimetable_root /api/;', '        location /other/ { mytimetable; }');
        my ($rc, $out) = $nginx_t->();
        is($rc, 1, 'nginx -t refuses a mytimetable location outside mytimetable_root');
        is((split /\n/, $out)[0],
            qq{nginx: [emerg] "mytimetable" in location "/other/" is outside "mytimetable_root /api/": none of its requests could reach a route in $conf:$end},
            '... naming the location and the root');
    }
    for my $case (@cases) {
        my ($directive, $message, $line) = @$case;
        my $end = $write->($directive);
        $line ||= $end;
        my ($rc, $out) = $nginx_t->();
        is($rc, 1, "nginx -t refuses $directive");
        is((split /\n/, $out)[0], "nginx: [emerg] $message in $conf:$line", "... with the message: $message");
        like($out, qr/^nginx: configuration file \Q$conf\E test failed$/m, '... and says the test failed');
        my ($name) = $directive =~ /^(\w+)/;
        like((split /\n/, $out)[0], qr/"\Q$name\E"/, "... naming the directive $name");
    }

    $write->(join "\n",
        'mytimetable_store_size 64k;', 'mytimetable_durability relaxed;', 'mytimetable_instance_id campus-1.a_b;',
        'mytimetable_sync_type o365 mailbox;', 'mytimetable_sync_type google-cal;',
        'mytimetable_base_url https://timetable.example.org/api;', 'mytimetable_root /api/;');
    my ($rc, $out) = $nginx_t->();
    is($rc, 0, 'nginx -t accepts good values of every directive') or diag $out;
    $write->('mytimetable_base_url $http_x_forwarded_proto://$http_x_forwarded_host/api;');
    ($rc, $out) = $nginx_t->();
    is($rc, 0, 'nginx -t accepts a mytimetable_base_url with variables') or diag $out;

    # the module loaded, no `mytimetable;` location: no store anywhere (in a
    # fresh prefix: `nginx -t` above created the default store of its prefix)
    $prefix = tempdir('mtt-conf-XXXXXX', TMPDIR => 1, CLEANUP => 1);
    mkdir "$prefix/$_" for qw(conf logs);
    $write->("mytimetable_store $prefix/unused-store;", '        location /api/ { return 404; }');
    ($rc, $out) = $nginx_t->();
    is($rc, 0, 'nginx -t accepts a configuration without a mytimetable location') or diag $out;
    {
        local $ENV{LD_PRELOAD} = $ENV{TEST_NGINX_LD_PRELOAD} if $ENV{TEST_NGINX_LD_PRELOAD};
        system($NGINX, '-p', "$prefix/", '-c', 'conf/nginx.conf', '-e', 'logs/error.log') == 0
            or diag "nginx did not start";
    }
    my $res;
    for (1 .. 100) {
        $res = HTTP::Tiny->new(timeout => 5)->get("http://127.0.0.1:$port/plain/");
        last if $res->{status} == 200;
        select undef, undef, undef, 0.05;
    }
    is($res->{content}, "plain\n", 'nginx serves without a mytimetable location');
    if (open my $p, '<', "$prefix/logs/nginx.pid") {
        chomp(my $pid = <$p>);
        kill 'QUIT', $pid;
        for (1 .. 200) { last unless kill 0, $pid; select undef, undef, undef, 0.05 }
    }
    ok(!-e "$prefix/unused-store", 'no store is created at the configured path');
    ok(!-e "$prefix/mytimetable", 'nor at the default path');
}

# ---------------------------------------------------------------- (h) passwords in the thread pool

# Sends a request on a fresh connection without waiting for the answer.
sub send_raw {
    my ($srv, $method, $path, $body) = @_;
    my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $srv->port) or die $!;
    my $req = "$method /api/$path HTTP/1.0\r\nHost: localhost\r\n";
    $req .= "Content-Type: application/json\r\nContent-Length: " . length($body) . "\r\n" if defined $body;
    print $s $req, "\r\n", $body // '';
    return $s;
}

# The status line's code of the answer on $s (waits for it).
sub status_of {
    my $s = shift;
    my $line = <$s> // '';
    return $line =~ m{^HTTP/1\.\d (\d+)} ? $1 : "no answer: $line";
}

{
    my $srv = MyTimetable::Server->new(workers => 1, http_config => 'mytimetable_durability full;');
    $srv->start;
    # Six passwords of 25 ms each, two at a time: the worker's event loop stays free meanwhile.
    my @posts = map {
        send_raw($srv, POST => 'users', qq({"UserName":"pw$_","Email":"pw$_\@example.org","Password":"Password$_$_"}))
    } 1 .. 6;
    select undef, undef, undef, 0.01;
    my $t0 = time;
    my $get = send_raw($srv, GET => 'v0/users/nobody');
    is(status_of($get), 404, 'a read while passwords are hashed is answered');
    my $read = time - $t0;
    my @st = map { status_of($_) } @posts;
    my $all = time - $t0;
    is("@st", '201 201 201 201 201 201', 'every user with a password is created');
    cmp_ok($read, '<', $all / 2, sprintf('the read (%.0f ms) did not wait for the hashing (%.0f ms)',
                                         $read * 1000, $all * 1000));

    # A graceful stop while passwords are being hashed waits for their writes.
    @posts = map {
        send_raw($srv, POST => 'users', qq({"UserName":"st$_","Email":"st$_\@example.org","Password":"Password$_$_"}))
    } 1 .. 4;
    select undef, undef, undef, 0.02; # read, and hashing (25 ms each, two at a time)
    kill 'QUIT', $srv->master_pid;
    @st = map { status_of($_) } @posts;
    is("@st", '201 201 201 201', 'passwords in the pool when nginx is told to stop: all answered');
    $srv->stop;
    $srv->start;
    my %user = map { $_ => 1 } @{ usernames($srv) // [] };
    is(join(' ', grep { !$user{$_} } map { ("pw$_", "st$_") } 1 .. 4), '', 'and all written');
    $srv->stop_now;
    is(store_errors($srv->error_log), '', 'no store error in the log');
}

note sprintf 'ran in %.1f s', time - $started;
done_testing;
