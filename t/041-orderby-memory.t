# $orderby answers with bounded memory: with $top only the $skip+$top best
# users are held; without it the users are held without their rendered JSON
# and the answer is streamed. A worker's private memory stays far below what
# building the whole sorted answer took (hundreds of MB for six requests).
use strict;
use warnings;

use Test::More;
use HTTP::Tiny;
use POSIX ();

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

# Four clients ask for the whole sorted list at once while the worker's
# private memory is sampled: its peak is what a request costs.
my $http = HTTP::Tiny->new(timeout => 60);
my @kids;
for my $client (1 .. 4) {
    my $pid = fork // die "fork: $!";
    if (!$pid) {
        my $all = $http->get($srv->url('users?$orderby=UserName%20desc&$inlinecount=allpages'));
        my $count = () = $all->{content} =~ /"UserName":/g;
        my $ok = $all->{status} == 200 && $count == $users
            && $all->{content} =~ /^\{"Skip":0,"Top":null,"Total":$users,"Items":\[\{"Id":"[^"]+","UserName":"u20000"/;
        POSIX::_exit($ok ? 0 : 1);
    }
    push @kids, $pid;
}
my $peak = 0;
my %left = map { $_ => 1 } @kids;
my $failed = 0;
while (%left) {
    my $now = rss_anon();
    $peak = $now if $now > $peak;
    for my $pid (keys %left) {
        next unless waitpid($pid, POSIX::WNOHANG()) == $pid;
        $failed++ if $?;
        delete $left{$pid};
    }
    select undef, undef, undef, 0.002;
}
is($failed, 0, 'four whole sorted lists at once: each 200, every user, in order, in the envelope');
my $growth = ($peak - $before) / 1024;
note sprintf 'worker RssAnon: %.1f MiB before, %.1f MiB at its peak (+%.1f MiB); each answer is %.1f MiB',
    $before / 1024, $peak / 1024, $growth, 20000 * 0.9 / 1024;
cmp_ok($growth, '<', 100, 'the worker\'s private memory grows by less than 100 MiB (whole JSON answers took over 200) for four 20k-user sorted answers');

$srv->stop_now;
done_testing;
