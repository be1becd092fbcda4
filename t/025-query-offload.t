# A directory query that reads every user runs in nginx's thread pool: while
# one worker scans 20,000 users with a slow filter, a point request to the
# same worker is answered before the scan is; and mytimetable_query_max_time
# bounds such a scan.
use strict;
use warnings;

use Test::More;
use HTTP::Tiny;
use Time::HiRes qw(sleep time);

use MyTimetable::Load;
use MyTimetable::Server;

plan skip_all => 'TEST_NGINX_LOAD_MODULES must name the module'
    unless $ENV{TEST_NGINX_LOAD_MODULES} && -f $ENV{TEST_NGINX_LOAD_MODULES};

my $users = 20000;
my $srv = MyTimetable::Server->new(workers => 1,
    http_config => "mytimetable_durability relaxed;")->start;
my @bad = grep { $_ != 204 } map { $srv->request(PUT => sprintf('v0/users/u%05d', $_))->{status} } 1 .. $users;
is(scalar @bad, 0, "$users users written");

# a filter that no index helps, slow on every user (about 5 us each)
my $slow = join('%20or%20', map { "indexof(tolower(UserName),'q$_')%20eq%203" } 1 .. 80);
my $r = $srv->request(GET => "users?\$filter=$slow&\$inlinecount=allpages&\$select=UserName");
is($r->{content}, '{"Skip":0,"Top":null,"Total":0,"Items":[]}', 'the slow scan answers (no user matches)');
my $t0 = time;
$srv->request(GET => "users?\$filter=$slow%20or%20UserName%20eq%20'u00007'&\$select=UserName");
my $scan = time - $t0;
note(sprintf('the scan takes %.0f ms', $scan * 1000));

my $load = MyTimetable::Load->new(port => $srv->port, clients => 1, seconds => 30);
$load->start(sub {
    my $c = shift;
    # not the request above: the answer cache would reply at once
    my $a = $c->request(GET => "users?\$filter=$slow%20or%20UserName%20eq%20'u00008'&\$select=UserName");
    $c->log('scan', $a->{status}, $a->{t1}, $a->{content});
});
sleep($scan / 4);    # the scan is under way
my $http = HTTP::Tiny->new(timeout => 30);
my $p = $http->get($srv->url('v0/users/u00001'));
my $point_done = time;
$load->wait;
my ($line) = $load->log(0);
is($p->{status}, 200, 'the point request answers');
is($line->[1], 200, 'the scan answers');
is($line->[3], '[{"UserName":"u00008"}]', 'with its one match');
cmp_ok($point_done, '<', $line->[2], 'the point request, sent while the scan ran, was answered first');

# mytimetable_query_max_time: the same scan (100 ms or more) under a limit of
# 20 ms answers 400 naming the limit; an indexed query still answers
my @old = $srv->worker_pids;
$srv->set_http_config("mytimetable_durability relaxed;\nmytimetable_query_max_time 20ms;")->reload;
$srv->wait_workers(1, 10, @old);
$r = $srv->request(GET => "users?\$filter=$slow%20or%20UserName%20eq%20'u00009'&\$select=UserName");
is($r->{status}, 400, 'a scan longer than mytimetable_query_max_time is refused');
is($r->{content}, '{"error":"bad_request","message":"the query ran longer than 20 ms '
    . '(mytimetable_query_max_time 20ms): add to $filter a condition on an indexed field (UserName, '
    . 'Email, FirstName, LastName or Id with eq, in, gt, ge, lt, le or startswith), or make the '
    . 'filter simpler"}', 'naming the limit');
$r = $srv->request(GET => "users?\$filter=UserName%20eq%20'u00009'&\$select=UserName");
is($r->{content}, '[{"UserName":"u00009"}]', 'an indexed query answers under the same limit');
$srv->stop_now;

done_testing;
