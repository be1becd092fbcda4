# A SCIM list that tests every user runs in nginx's thread pool, as the
# directory's long queries do (t/025): while one worker scans 20,000 users
# with a slow filter, a point request to the same worker is answered before
# the scan is; mytimetable_query_max_time bounds such a scan with SCIM's
# error; a filter an index answers is not bounded by it.
use strict;
use warnings;

use Test::More;
use JSON::PP;
use File::Temp qw(tempfile);
use POSIX ();
use HTTP::Tiny;
use Time::HiRes qw(sleep time);

use MyTimetable::Scim;

plan skip_all => 'TEST_NGINX_LOAD_MODULES must name the module'
    unless $ENV{TEST_NGINX_LOAD_MODULES} && -f $ENV{TEST_NGINX_LOAD_MODULES};

my $users = 20000;
my $s = MyTimetable::Scim->new(workers => 1, http_config => "mytimetable_durability relaxed;");
my @bad = grep { $_ != 204 } map { $s->api(PUT => sprintf('v0/users/u%05d', $_))->{status} } 1 .. $users;
is(scalar @bad, 0, "$users users written");

# a filter that no index answers, slow on every user: each user's resource is
# tested on 40 substrings
my $slow = join('+or+', map { "userName+co+%22q$_%22" } 1 .. 40);
my $t0 = time;
my $r = $s->scim(GET => "Users?filter=$slow&attributes=userName");
my $scan = time - $t0;
note(sprintf('the scan takes %.0f ms', $scan * 1000));
is($r->{status}, 200, 'the slow scan answers');
is($r->{json}{totalResults}, 0, 'no user matches');

# the scan, from a child, with the time its answer came
my (undef, $out) = tempfile(UNLINK => 1);
my $pid = fork // die "fork: $!";
if (!$pid) {
    my $a = $s->scim(GET => "Users?filter=$slow+or+userName+eq+%22u00008%22&attributes=userName");
    open my $f, '>', $out or die $!;
    print $f join("\t", $a->{status}, time, $a->{json}{totalResults} // '',
        $a->{json}{Resources}[0]{userName} // '');
    close $f;
    POSIX::_exit(0);
}
sleep($scan / 4);    # the scan is under way
my $p = HTTP::Tiny->new(timeout => 30)->get($s->server->url('v0/users/u00001'));
my $point_done = time;
waitpid($pid, 0);
my ($status, $done, $total, $name) = split /\t/, do { local (@ARGV, $/) = ($out); <> };
is($p->{status}, 200, 'the point request answers');
is($status, 200, 'the scan answers');
is("$total $name", '1 u00008', 'with its one match');
cmp_ok($point_done, '<', $done, 'the point request, sent while the scan ran, was answered first');

# mytimetable_query_max_time: the same scan under a limit of 20 ms answers
# SCIM's 400 tooMany naming the limit; an indexed filter still answers
my $srv = $s->server;
my @old = $srv->worker_pids;
$srv->set_http_config($MyTimetable::Scim::HTTP_CONFIG
    . "mytimetable_durability relaxed;\nmytimetable_query_max_time 20ms;")->reload;
$srv->wait_workers(1, 10, @old);
$r = $s->scim(GET => "Users?filter=$slow+or+userName+eq+%22u00009%22&attributes=userName");
is($r->{status}, 400, 'a scan longer than mytimetable_query_max_time is refused');
is($r->{content}, '{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"400",'
    . '"scimType":"tooMany","detail":"this filter or sortBy ran longer than 20 ms '
    . '(mytimetable_query_max_time 20ms); filter by userName eq or externalId eq, which read an '
    . 'index"}', 'naming the limit');
$r = $s->scim(GET => 'Users?filter=userName+eq+%22u00009%22&attributes=userName');
is($r->{status}, 200, 'an indexed filter answers under the same limit');
is($r->{json}{Resources}[0]{userName}, 'u00009', 'with its user');
$srv->stop_now;

done_testing;
