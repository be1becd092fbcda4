# $orderby answers with bounded memory: with $top only the $skip+$top best
# users are held; without it the users are held without their rendered JSON
# and the answer is streamed. A worker's private memory stays far below what
# building the whole sorted answer took (hundreds of MB for six requests).
use strict;
use warnings;

use Test::More;
use HTTP::Tiny;

use MyTimetable::Server;

plan skip_all => 'TEST_NGINX_LOAD_MODULES must name the module'
    unless $ENV{TEST_NGINX_LOAD_MODULES} && -f $ENV{TEST_NGINX_LOAD_MODULES};

my $users = 20000;
my $srv = MyTimetable::Server->new(workers => 1,
    http_config => "mytimetable_durability relaxed;")->start;

my @bad = grep { $_ != 204 } map { $srv->request(PUT => sprintf('v0/users/u%05d', $_))->{status} } 1 .. $users;
is(scalar @bad, 0, "$users users written");

# The worker's private, anonymous memory (its heap), in KiB.
sub rss_anon {
    my ($pid) = $srv->worker_pids;
    open my $f, '<', "/proc/$pid/status" or return 0;
    while (<$f>) { return $1 if /^RssAnon:\s+(\d+) kB/ }
    return 0;
}

my $warm = $srv->request(GET => 'users?$orderby=UserName%20desc&$top=1');
is($warm->{status}, 200, 'an $orderby query answers');
my $before = rss_anon();

my $r = $srv->request(GET => 'users?$orderby=UserName%20desc&$top=3&$skip=2');
is($r->{status}, 200, '$orderby with $top and $skip: 200');
my @names = $r->{content} =~ /"UserName":"([^"]+)"/g;
is("@names", 'u19998 u19997 u19996', '... the right users in the right order');

my $http = HTTP::Tiny->new(timeout => 60);
my $peak = 0;
for my $round (1 .. 3) {
    my $all = $http->get($srv->url('users?$orderby=UserName%20desc&$inlinecount=allpages'));
    is($all->{status}, 200, "round $round: the whole sorted list answers 200");
    my $count = () = $all->{content} =~ /"UserName":/g;
    is($count, $users, "... with every user");
    like($all->{content}, qr/^\{"Skip":0,"Top":null,"Total":$users,"Items":\[\{"Id":"[^"]+","UserName":"u20000"/,
        '... in order, in the envelope');
    my $now = rss_anon();
    $peak = $now if $now > $peak;
}
my $growth = ($peak - $before) / 1024;
note sprintf 'worker RssAnon: %.1f MiB before, %.1f MiB after (+%.1f MiB); the answer is %.1f MiB',
    $before / 1024, $peak / 1024, $growth, 20000 * 0.9 / 1024;
cmp_ok($growth, '<', 40, 'the worker\'s private memory grows by less than 40 MiB for a 20k-user sorted answer');

$srv->stop_now;
done_testing;
