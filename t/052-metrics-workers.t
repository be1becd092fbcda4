# mytimetable_metrics with two workers: the counters are the sum over every
# worker (any worker's scrape shows all the requests, exactly), they survive
# a reload (HUP) and a worker's crash, the store's gauges agree with LMDB's
# own mdb_stat, and the text passes promtool. The single-process checks of
# each counter are in t/051-metrics.t.
use strict;
use warnings;

use Test::More;
use HTTP::Tiny;
use Time::HiRes qw(sleep time);

use MyTimetable::Server;
use MyTimetable::Promtool;

plan skip_all => 'TEST_NGINX_LOAD_MODULES must name the module'
    unless $ENV{TEST_NGINX_LOAD_MODULES} && -f $ENV{TEST_NGINX_LOAD_MODULES};

my $srv = MyTimetable::Server->new(
    workers         => 2,
    location_config => 'add_header X-Worker $pid always;',
    server_config   => 'location = /metrics { allow 127.0.0.1; deny all; mytimetable_metrics; '
                     . 'add_header X-Worker $pid always; }',
);
$srv->start;
my $http = HTTP::Tiny->new(timeout => 30, keep_alive => 0); # a connection per request

# ---------------------------------------------------------------- helpers

# One scrape: its text and the worker that answered it.
sub scrape {
    my $r = $http->get('http://127.0.0.1:' . $srv->port . '/metrics');
    die "GET /metrics answered $r->{status}: $r->{content}\n" unless $r->{status} == 200;
    return ($r->{content}, $r->{headers}{'x-worker'});
}

# The value of one sample (name with its labels, as the text spells it); 0 when absent.
sub sample {
    my ($text, $name) = @_;
    return $text =~ /^\Q$name\E (\S+)$/m ? $1 : 0;
}

my $get_user = 'mytimetable_requests_total{api="v0",route="v0/users/{username}",code="200"}';
my $put_user = 'mytimetable_requests_total{api="v0",route="v0/users/{username}",code="204"}';
my $not_found = 'mytimetable_requests_total{api="v0",route="v0/users/{username}",code="404"}';

# Scrapes until $name reaches $want (a request is counted when its worker
# frees it, a moment after the client has read the answer), at most 5 s;
# returns the last value seen.
sub settled {
    my ($name, $want) = @_;
    my $deadline = time + 5;
    my $seen;
    while (1) {
        $seen = sample((scrape())[0], $name);
        return $seen if $seen >= $want || time > $deadline;
        sleep 0.05;
    }
}

# Sends $n requests of `GET v0/users/alice`, each on its own connection;
# returns how many each worker answered.
sub storm {
    my $n = shift;
    my %by_worker;
    for (1 .. $n) {
        my $r = $srv->request(GET => 'v0/users/alice');
        die "GET answered $r->{status}\n" unless $r->{status} == 200;
        $by_worker{ $r->{headers}{'x-worker'} // '?' }++;
    }
    return \%by_worker;
}

# ---------------------------------------------------------------- (a) the sum over both workers

is($srv->request(PUT => 'v0/users/alice')->{status}, 204, 'alice is written');
my $by_worker = storm(300);
my @workers = $srv->worker_pids;
is(scalar(grep { ($by_worker->{$_} // 0) > 0 } @workers), 2,
    'the 300 requests were spread over both workers')
    or diag explain $by_worker;
is(settled($get_user, 300), 300, 'a scrape counts the 300 GETs, exactly');
is(sample((scrape())[0], $put_user), 1, 'and the one PUT');

{
    my (%values, %answered);
    for (1 .. 20) {
        my ($text, $pid) = scrape();
        $values{ sample($text, $get_user) . ' ' . sample($text, $put_user) }++;
        $answered{$pid}++;
    }
    is(scalar(keys %answered), 2, 'both workers answered scrapes') or diag explain \%answered;
    is_deeply([keys %values], ['300 1'], 'every scrape, by either worker, shows the same sums');
}

# ---------------------------------------------------------------- (b) a reload

{
    my @old = $srv->worker_pids;
    kill 'HUP', $srv->master_pid;
    my @new = $srv->wait_workers(2, 10, @old);
    is(scalar @new, 2, 'HUP: two new workers');
    my ($text) = scrape();
    is(sample($text, $get_user), 300, 'after HUP the counters go on from where they were');
    storm(50);
    is(settled($get_user, 350), 350, 'and the new workers add to them');
}

# ---------------------------------------------------------------- (c) a worker's crash

{
    my @old = $srv->worker_pids;
    kill 'KILL', $old[0];
    my @now = $srv->wait_workers(2, 10, $old[0]);
    is(scalar @now, 2, 'the killed worker is replaced');
    is(sample((scrape())[0], $get_user), 350, 'a killed worker takes none of the counts with it');
    $srv->request(GET => 'v0/users/nobody');
    is(settled($not_found, 1), 1, 'a 404 after the crash is counted under its status');
}

# ---------------------------------------------------------------- (d) the store's gauges and mdb_stat

SKIP: {
    skip 'mdb_stat (lmdb-utils) is not installed', 8
        unless system('sh', '-c', 'command -v mdb_stat >/dev/null') == 0;
    my @st;
    for my $tag (qw(alice bob carol)) {
        push @st, $srv->request(PUT => "v0/users/$tag")->{status};
        push @st, $srv->request(PUT => 'v0/synchronizations', "username=$tag&type=googlecalendar")
            ->{status};
    }
    my $syncs = $srv->json($srv->request(GET => 'v0/synchronizations'))->{synchronizations};
    push @st, $srv->request(PUT => "v0/synchronizations/$syncs->[0]{id}/events/ev-$_",
        'start=2031-03-04T09:00:00Z&end=2031-03-04T10:00:00Z&summary=Lecture&location=Hall+1')
        ->{status} for 1 .. 3;
    is("@st", join(' ', (204) x 9), 'users, synchronizations and events written');
    my ($text) = scrape();
    my $stat = `mdb_stat -a -e '${\ $srv->store}' 2>&1`;
    my %lmdb;
    my $table;
    for (split /\n/, $stat) {
        $table = $1 if /^Status of (\S+)/;
        $lmdb{$table} = $1 if defined $table && /^\s+Entries: (\d+)/;
    }
    my (%gauge, @tables);
    while ($text =~ /^mytimetable_store_entries\{table="([^"]+)"\} (\d+)$/mg) {
        $gauge{$1} = $2;
        push @tables, $1;
    }
    is(join(' ', @tables), 'meta users users_by_name users_by_email users_by_first users_by_last users_by_name_fold users_by_external_id users_by_role groups groups_by_name syncs syncs_by_user events events_by_user',
        'every table has its gauge');
    is_deeply(\%gauge, { map { $_ => $lmdb{$_} } @tables },
        "the entries per table are mdb_stat's") or diag $stat;
    is("@gauge{qw(users syncs events)}", '3 3 3', 'their gauges count them');
    my ($map) = $stat =~ /Map size: (\d+)/;
    my ($pages) = $stat =~ /Number of pages used: (\d+)/;
    my ($psize) = $stat =~ /Page size: (\d+)/;
    my ($max) = $stat =~ /Max readers: (\d+)/;
    is(sample($text, 'mytimetable_store_map_size_bytes'), $map, "the map size is mdb_stat's");
    is(sample($text, 'mytimetable_store_used_bytes'), $pages * $psize,
        "the bytes used are mdb_stat's pages used times the page size");
    is(sample($text, 'mytimetable_store_max_readers'), $max, "the reader slots are mdb_stat's");
    is(sample($text, 'mytimetable_store_layout_version'), 4, 'the layout version');
}

# ---------------------------------------------------------------- (e) promtool

{
    my ($text) = scrape();
    my ($out, $rc) = MyTimetable::Promtool::check($text);
    is("$rc $out", '0 ', 'promtool check metrics passes on the text of two workers after traffic');
    like($text, qr/^mytimetable_batch_writes_count [1-9]\d*$/m, 'batches were counted');
}

is(join('', grep { /\[(alert|crit|emerg)\]/ && !/worker process \d+ exited on signal 9/ }
            split /^/m, $srv->error_log), '', 'no alert in the error log but the kill');
$srv->stop;
done_testing;
