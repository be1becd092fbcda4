# A write that waits for LMDB's writer lock holds nobody up. Here a bulk
# load from outside (the loader, build/bench/load, writing 150,000 users in
# one transaction) holds the lock while the module runs: the worker goes on
# answering reads, the writes that reach it meanwhile join one batch, and
# each answers once the load has committed, with its user stored.
use strict;
use warnings;

use Test::More;
use HTTP::Tiny;
use IO::Select;
use IO::Socket::INET;
use POSIX qw(:sys_wait_h);
use Time::HiRes qw(sleep time);

use MyTimetable::Server;

plan skip_all => 'TEST_NGINX_LOAD_MODULES must name the module'
    unless $ENV{TEST_NGINX_LOAD_MODULES} && -f $ENV{TEST_NGINX_LOAD_MODULES};
# the loader of this build (make bench-tools; `make t` builds it)
my $LOAD = $ENV{MYTIMETABLE_LOADER} // 'build/bench/load';
plan skip_all => "the loader $LOAD is needed (make bench-tools)" unless -x $LOAD;

my $srv = MyTimetable::Server->new(workers => 1,
    server_config => 'location = /metrics { mytimetable_metrics; }')->start;
is($srv->request(PUT => 'v0/users/before')->{status}, 204, 'a write before the load');

my $http = HTTP::Tiny->new(timeout => 30);

# The batches the worker committed: (count, sum of their writes).
sub batches {
    my $r = $http->get('http://127.0.0.1:' . $srv->port . '/metrics');
    my ($count) = $r->{content} =~ /^mytimetable_batch_writes_count (\d+)$/m;
    my ($sum) = $r->{content} =~ /^mytimetable_batch_writes_sum (\d+)$/m;
    return ($count // -1, $sum // -1);
}

# A PUT of a new user on a connection of its own, its answer read later.
sub send_put {
    my $name = shift;
    my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $srv->port) or die "connect: $!";
    print $s "PUT /api/v0/users/$name HTTP/1.1\r\nHost: localhost\r\nContent-Length: 0\r\n"
        . "Connection: close\r\n\r\n";
    return $s;
}
sub answered { my ($s, $seconds) = @_; return scalar IO::Select->new($s)->can_read($seconds) }
sub status_of { my $s = shift; local $/; my $all = <$s> // ''; return $all =~ m{^HTTP/1\.1 (\d+)} ? $1 : 0 }

my ($count0, $sum0) = batches();
my $loader = fork // die "fork: $!";
if (!$loader) {
    exec $LOAD, '--store', $srv->store, '--users', 150000, '--first', 1000000,
        '--syncs-per-user', 0, '--batch', 150000, '--quiet';
    exit 127;
}
my $loading = sub { waitpid($loader, WNOHANG) == 0 };

# Writes go until one waits: the load holds the writer lock.
my ($waiting, $quick) = (undef, 0);
while ($loading->()) {
    my $s = send_put("probe$quick");
    if (!answered($s, 0.2)) {
        $waiting = $s;
        last;
    }
    is(status_of($s), 204, "probe$quick, before the load took the lock, is written");
    $quick++;
}
ok($waiting, 'a write waits while the load holds the writer lock') or BAIL_OUT('the load ended too soon');
my $joining = send_put('joins');

my $t0 = time;
my $r = $srv->request(GET => 'v0/users/before');
my $took = time - $t0;
my $still = $loading->();
my $put_answered = answered($waiting, 0) || answered($joining, 0);
is($r->{status}, 200, 'a read answers while the write waits');
ok($still && !$put_answered, 'it answers before the load has committed and the writes answered')
    or diag("loading: $still, a write answered: $put_answered");
cmp_ok($took, '<', 1, 'it answers at once, not after the load') or diag("it took ${took}s");

waitpid($loader, 0);
is($?, 0, 'the load succeeded');
ok(answered($waiting, 10) && answered($joining, 10), 'the writes answer once the load committed');
is(status_of($waiting) . ' ' . status_of($joining), '204 204', 'both write their user');
is($srv->request(GET => "v0/users/probe$quick")->{status}, 200, 'the first user is there');
is($srv->request(GET => 'v0/users/joins')->{status}, 200, 'the second is there');
is($srv->request(GET => 'v0/users/u1149999')->{status}, 200, 'and so is the last user of the load');

my ($count, $sum) = batches();
is($count - $count0, $quick + 1, 'the write that came while the first waited joined its batch');
is($sum - $sum0, $quick + 2, 'one batch carried the two');

like($srv->error_log, qr/^(?!.*\[(?:alert|crit|emerg)\])/s, 'nothing alarming in the error log');
$srv->stop;
done_testing;
