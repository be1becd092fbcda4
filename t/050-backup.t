# mytimetable_backup: a compacted copy of the live store, taken during a storm
# of writes, restores every write acknowledged before the backup began and
# none sent after its copy was answered; it opens with mdb_stat and serves
# again as a store. A client that leaves midway leaves no file behind and the
# worker goes on; a reload midway lets it finish. Other methods are 405; one
# backup at a time per worker; the directive's configuration checks.
use strict;
use warnings;

use Test::More;
use File::Temp qw(tempdir);
use HTTP::Tiny;
use POSIX ();
use IO::Socket::INET;
use Socket qw(SOL_SOCKET SO_RCVBUF);
use Time::HiRes qw(sleep time);

use MyTimetable::Server;
use MyTimetable::Load;

plan skip_all => 'TEST_NGINX_LOAD_MODULES must name the module'
    unless $ENV{TEST_NGINX_LOAD_MODULES} && -f $ENV{TEST_NGINX_LOAD_MODULES};
plan skip_all => 'mdb_stat (package lmdb-utils) is needed' unless `mdb_stat -V 2>&1` =~ /LMDB/;

my $NGINX = $ENV{TEST_NGINX_BINARY} // 'nginx';
my $BACKUP = 'location = /backup { allow 127.0.0.1; deny all; mytimetable_backup; }'
    . ' location = /metrics { mytimetable_metrics; }';

# One worker, so that the storm's writes and the backup share one event loop;
# small socket buffers, so that the copy takes many writes to send.
my $srv = MyTimetable::Server->new(workers => 1, listen_params => 'sndbuf=4k', server_config => $BACKUP);
$srv->start;
# (the master listens before its worker is forked: wait for the worker)
my ($worker) = $srv->wait_workers(1, 10) or BAIL_OUT('the worker did not start');

# ---------------------------------------------------------------- helpers

# A raw request: the answer's head, then the socket (its body follows).
sub open_request {
    my ($method, $path, %opt) = @_;
    my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $srv->port) or die "connect: $!";
    setsockopt($s, SOL_SOCKET, SO_RCVBUF, $opt{rcvbuf}) or die "SO_RCVBUF: $!" if $opt{rcvbuf};
    print $s "$method $path HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
        . ($opt{body} ? "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: "
            . length($opt{body}) . "\r\n\r\n$opt{body}" : "\r\n");
    my $head = '';
    while ($head !~ /\r\n\r\n/) {
        my $n = sysread($s, my $buf, 1) or last;
        $head .= $buf;
    }
    return ($head, $s);
}

# Reads the rest of the answer, a piece at a time, pausing between pieces.
sub read_body {
    my ($s, $pause) = @_;
    my $body = '';
    while (1) {
        my $n = sysread($s, my $buf, 4096);
        last unless $n;
        $body .= $buf;
        sleep $pause if $pause;
    }
    return $body;
}

sub request {
    my ($method, $path, %opt) = @_;
    my ($head, $s) = open_request($method, $path, %opt);
    my $body = read_body($s);
    my ($status) = $head =~ m{^HTTP/1\.1 (\d+)};
    return ($status // 0, $head, $body);
}

# The file descriptors of the worker open on files without a name (deleted)
# in the store directory: the copies it holds.
sub held_copies {
    my $store = $srv->store;
    my @held;
    for my $fd (glob "/proc/$worker/fd/*") {
        my $target = readlink($fd) // next;
        push @held, $target if $target =~ /^\Q$store\E\/.*\(deleted\)$/;
    }
    return @held;
}

sub store_files {
    opendir my $d, $srv->store or die $!;
    return join ' ', sort grep { !/^\.\.?$/ } readdir $d;
}

# Puts a backup as data.mdb into a fresh directory owned by the worker user,
# as README's restore procedure does.
sub restore_dir {
    my $copy = shift;
    my $dir = tempdir('mtt-restore-XXXXXX', TMPDIR => 1, CLEANUP => 1);
    open my $f, '>', "$dir/data.mdb" or die $!;
    binmode $f;
    print $f $copy;
    close $f;
    if ($> == 0) {
        my (undef, undef, $uid, $gid) = getpwnam('nobody');
        chown $uid, $gid, $dir, "$dir/data.mdb";
        chmod 0755, $dir;
    }
    return $dir;
}

# The users written first have a profile of about 1.3 kB: the store is some
# hundreds of kB, which take a while through 4 kB buffers.
my $profile = 'displayName=' . ('D' x 200) . '&attributes=note%3D' . ('n' x 1000);

# ---------------------------------------------------------------- methods

{
    my ($status, $head, $body) = request(POST => '/backup', body => 'x=1');
    is($status, 405, 'POST answers 405');
    like($head, qr/^Allow: GET\r$/m, 'with Allow: GET');
    is($body, '{"error":"method_not_allowed","message":"the method POST is not allowed here; allowed: GET"}',
        'and a JSON body that names the method');
    ($status) = request(HEAD => '/backup');
    is($status, 405, 'HEAD answers 405 (it would make a copy for nothing)');
    ($status, undef, $body) = request(DELETE => '/backup');
    is("$status $body", '405 {"error":"method_not_allowed","message":"the method DELETE is not allowed here; allowed: GET"}',
        'DELETE answers 405 too');
}

# ---------------------------------------------------------------- a backup during a storm

for my $i (1 .. 300) {
    my $r = $srv->request(PUT => "v0/users/pre$i", $profile);
    die "PUT pre$i: $r->{status}" unless $r->{status} =~ /^20[01]$/;
}

my $load = MyTimetable::Load->new(port => $srv->port, clients => 3, seconds => 4);
$load->start(sub {
    my $c = shift;
    my $n = 0;
    until ($c->expired) {
        my $u = sprintf 'storm-c%d-%05d', $c->id, ++$n;
        my $r = $c->request(PUT => "v0/users/$u");
        $c->log($r->{status} == 204 ? 'ack' : "st$r->{status}", $u,
            sprintf('%.6f', $r->{t0}), sprintf('%.6f', $r->{t1}));
    }
});
sleep 1.5;
my $began = time;
my ($head, $s) = open_request(GET => '/backup');
my $answered = time;    # the copy was made before its first byte came
my $copy = read_body($s, 0.01);    # 400 kB/s
my $received = time;
close $s;
$load->wait;

my @lines = map { $load->log($_) } 0 .. 2;
my @before = grep { $_->[0] eq 'ack' && $_->[3] < $began } @lines;
my @after = grep { $_->[2] > $answered } @lines;
my @during = grep { $_->[0] eq 'ack' && $_->[2] > $answered && $_->[3] < $received } @lines;
my @failed = grep { $_->[0] ne 'ack' } @lines;
note sprintf '%d writes acknowledged before the backup, %d sent after its copy; %d bytes in %.2f s',
    scalar @before, scalar @after, length $copy, $received - $began;

like($head, qr{^HTTP/1\.1 200 }, 'GET /backup answers 200');
like($head, qr{^Content-Type: application/octet-stream\r$}m, 'as application/octet-stream');
like($head, qr{^Content-Disposition: attachment; filename="mytimetable-\d{8}T\d{6}Z\.mdb"\r$}m,
    'as an attachment with a dated file name');
my ($stamp) = $head =~ /filename="mytimetable-(\d{8}T\d{6}Z)\.mdb"/;
my @near = map { POSIX::strftime('%Y%m%dT%H%M%SZ', gmtime($_)) } int($began) - 1 .. int($answered) + 1;
ok(defined $stamp && grep({ $_ eq $stamp } @near), 'named by the UTC time of the request (' . ($stamp // '?') . ')');
my ($length) = $head =~ /^Content-Length: (\d+)\r$/m;
is(length $copy, $length // -1, 'the whole copy came, as long as Content-Length says');
is(scalar @failed, 0, 'every write of the storm succeeded') or diag explain [ @failed[0 .. 4] ];
ok(@before > 10, 'writes were acknowledged before the backup began (' . @before . ')');
ok(@during > 10, 'writes were acknowledged by the same worker while the backup was sent (' . @during . ')');

my $dir = restore_dir($copy);
my $stat = `mdb_stat -a '$dir' 2>&1`;
is($?, 0, 'mdb_stat opens the copy and reads every database') or diag $stat;
my (%entries, $table);
for (split /\n/, $stat) {
    $table = $1 if /^Status of (.+)$/;
    $entries{$table} = $1 if defined $table && /^\s+Entries: (\d+)/;
}
my $users = $entries{users};
ok(defined $users && $users >= 300 + @before, 'its users table holds every user written before ('
    . ($users // '?') . ')');

# the copy, restored as a store of its own, serves every acknowledged write
my $restored = MyTimetable::Server->new(workers => 1, store => restore_dir($copy));
$restored->start;
my $r = $restored->request(GET => 'v0/users');
is($r->{status}, 200, 'the copy, restored as data.mdb in a store directory, serves') or diag $restored->error_log;
my %has = map { $_ => 1 } @{ $restored->json($r)->{users} // [] };
my @missing = grep { !$has{$_} } (map { "pre$_" } 1 .. 300), map { $_->[1] } @before;
is("@missing", '', 'the restored store has every write acknowledged before the backup began');
my @late = grep { $has{ $_->[1] } } @after;
is(scalar @late, 0, 'and none of the writes sent after its copy was answered');
$r = $restored->request(GET => "v0/users/pre7");
like($r->{content}, qr/"displayName":"D{200}"/, 'a restored user has its profile');
$r = $restored->request(PUT => 'v0/users/after-restore');
is($r->{status}, 204, 'the restored store takes writes');
$restored->stop;

is(store_files(), 'data.mdb lock.mdb', 'the store directory holds only the store');
is(scalar held_copies(), 0, 'and the worker holds no copy once it is sent');

# ---------------------------------------------------------------- a client that leaves midway

{
    my ($head, $s) = open_request(GET => '/backup', rcvbuf => 4096);
    like($head, qr{^HTTP/1\.1 200 }, 'a second backup starts');
    sysread($s, my $piece, 4096);
    my @held = held_copies();
    is(scalar @held, 1, 'while it is sent, the worker holds its copy, a file without a name')
        or diag "@held";
    my ($status, $busy, $body) = request(GET => '/backup');
    like($busy, qr/^Retry-After: 5\r$/m, 'with Retry-After');
    is("$status $body",
        '503 {"error":"service_unavailable","message":"another backup is in progress in this worker; retry when it is done"}',
        'a backup asked for meanwhile answers 503');
    close $s;    # midway
    my $deadline = time + 5;
    sleep 0.05 while held_copies() && time < $deadline;
    is(scalar held_copies(), 0, 'the client left midway: the worker let its copy go');
    is(store_files(), 'data.mdb lock.mdb', 'nothing is left in the store directory');
    is(join(' ', $srv->worker_pids), $worker, 'the worker is the same');
    ($status, $head, $body) = request(GET => '/backup');
    my ($length) = $head =~ /^Content-Length: (\d+)\r$/m;
    is("$status " . length($body), "200 " . ($length // -1), 'the next backup is whole');
    is($srv->request(GET => 'v0/users/pre1')->{status}, 200, 'and the API answers');
    (undef, undef, $body) = request(GET => '/metrics');
    my %backups = $body =~ /^mytimetable_backups_total\{result="(\w+)"\} (\d+)$/mg;
    is(join(' ', map { "$_=$backups{$_}" } sort keys %backups), 'failed=0 made=3 refused=1',
       'the metrics count the three copies made and the one refused');
    my ($bytes) = $body =~ /^mytimetable_backup_bytes_total (\d+)$/m;
    ok($bytes && $bytes > $length, "and their bytes (more than the last copy's $length)") or diag $bytes;
}

# ---------------------------------------------------------------- a reload midway

{
    my ($head, $s) = open_request(GET => '/backup', rcvbuf => 4096);
    my ($length) = $head =~ /^Content-Length: (\d+)\r$/m;
    sysread($s, my $first, 4096);
    $srv->reload;
    my ($new, $deadline) = (undef, time + 10);
    until ($new || time > $deadline) {    # the old worker is the master's child still
        ($new) = grep { $_ != $worker } $srv->worker_pids;
        sleep 0.05;
    }
    ok($new, 'a reload during a backup starts a new worker');
    ok(kill(0, $worker), 'while the old one goes on sending the backup');
    my $rest = read_body($s);
    is(length($first . $rest), $length // -1, 'the backup comes whole across the reload');
    ok(MyTimetable::Server::wait_gone($worker, 10), 'then the old worker exits');
    my ($status) = request(GET => '/backup');
    is($status, 200, 'and the new worker makes backups');
}

unlike($srv->error_log, qr/\[(?:alert|crit|emerg)\]|mytimetable: backup|AddressSanitizer|runtime error/, 'nothing went wrong in the error log')
    or diag $srv->error_log;
$srv->stop;

# ---------------------------------------------------------------- configuration

# A location with only the backup opens the store by itself.
{
    my $only = MyTimetable::Server->new(workers => 1, server_config => 'location = /copy { mytimetable_backup; }');
    $only->start;
    my $r = HTTP::Tiny->new->get('http://127.0.0.1:' . $only->port . '/copy');
    is($r->{status}, 200, 'a configuration whose only API location is a backup serves the backup');
    $only->stop;
}

sub nginx_t {
    my $server = shift;
    my $prefix = tempdir('mtt-conf-XXXXXX', TMPDIR => 1, CLEANUP => 1);
    open my $f, '>', "$prefix/nginx.conf" or die $!;
    print $f "load_module $ENV{TEST_NGINX_LOAD_MODULES};\nevents {}\nhttp {\n"
        . "mytimetable_store $prefix/store;\nserver {\nlisten 127.0.0.1:1;\n$server\n}\n}\n";
    close $f;
    local $ENV{LD_PRELOAD} = $ENV{TEST_NGINX_LD_PRELOAD} if $ENV{TEST_NGINX_LD_PRELOAD};
    my $out = `$NGINX -p $prefix/ -c $prefix/nginx.conf -t -g 'error_log stderr;' 2>&1`;
    $out =~ s/^nginx: configuration file .* test failed\n//m;
    $out =~ s{\Q$prefix\E}{PREFIX}g;
    return $out;
}

like(nginx_t('location = /b { mytimetable_backup; mytimetable_backup; }'),
    qr/\[emerg\] \d+#\d+: "mytimetable_backup" directive is duplicate in PREFIX\/nginx.conf:7/,
    'nginx -t refuses mytimetable_backup twice in a location');
like(nginx_t('location /api/ { mytimetable; mytimetable_backup; }'),
    qr/\[emerg\] \d+#\d+: "mytimetable_backup": the location "\/api\/" already has a content handler/,
    'nginx -t refuses mytimetable_backup in a location that has another content handler');
like(nginx_t('mytimetable_backup;'), qr/\[emerg\] \d+#\d+: "mytimetable_backup" directive is not allowed here in PREFIX\/nginx.conf:7/,
    'nginx -t refuses mytimetable_backup outside a location');

done_testing();
