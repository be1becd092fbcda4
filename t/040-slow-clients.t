# Slow clients: a client that reads a streamed list slowly holds no snapshot
# (writes meanwhile keep succeeding in a small store), the streams a worker
# carries at once are bounded (503 + Retry-After beyond), and a point GET is
# still answered beside them.
use strict;
use warnings;

use Test::More;
use IO::Socket::INET;
use Socket qw(SOL_SOCKET SO_RCVBUF);
use Time::HiRes qw(sleep);

use MyTimetable::Server;

plan skip_all => 'TEST_NGINX_LOAD_MODULES must name the module'
    unless $ENV{TEST_NGINX_LOAD_MODULES} && -f $ENV{TEST_NGINX_LOAD_MODULES};

my $srv = MyTimetable::Server->new(
    workers       => 1,
    listen_params => 'sndbuf=4k',
    http_config   => "mytimetable_max_streams 2;\n    mytimetable_durability relaxed;\n"
        . "    mytimetable_store_size 8m;",
)->start;

# more users than one 32 KiB piece holds: GET v0/users streams
my @bad = grep { $_ != 204 } map { $srv->request(PUT => "v0/users/u$_")->{status} } 1 .. 5000;
is(scalar @bad, 0, '5000 users written');

# A client that sends the request and then reads nothing but a few bytes.
sub slow_stream {
    # a small receive buffer, set before connect (the window is agreed then)
    my $s = IO::Socket::INET->new(Proto => 'tcp') or die $!;
    setsockopt($s, SOL_SOCKET, SO_RCVBUF, 4096) or die $!;
    connect($s, Socket::pack_sockaddr_in($srv->port, Socket::inet_aton('127.0.0.1'))) or die $!;
    print $s "GET /api/v0/users HTTP/1.1\r\nHost: x\r\n\r\n";
    my $got = '';
    sysread($s, $got, 64);
    return ($s, $got);
}

my ($s1, $h1) = slow_stream();
my ($s2, $h2) = slow_stream();
like($h1, qr{^HTTP/1\.1 200}, 'first slow stream started');
like($h2, qr{^HTTP/1\.1 200}, 'second slow stream started');

my $r = $srv->request(GET => 'v0/users');
is($r->{status}, 503, 'a third stream beyond mytimetable_max_streams 2: 503');
is($r->{headers}{'retry-after'}, '1', '... with Retry-After: 1');
is($r->{content},
    '{"error":"service_unavailable","message":"this worker is streaming 2 answers already '
        . '(mytimetable_max_streams); retry in a second"}',
    '... and the JSON error naming the directive');

$r = $srv->request(GET => 'v0/users/u7');
is($r->{status}, 200, 'a point GET beside the slow streams: 200');

# Writes while the slow streams wait: without a pinned snapshot LMDB reuses
# the pages each commit frees, and an 8 MiB store does not fill up.
my %status;
for my $n (1 .. 3000) {
    my $u = 'u' . (1 + $n % 5000);
    $status{ $srv->request(PUT => "v0/users/$u", "firstName=F$n&lastName=L$n&email=$u%40example.org")->{status} }++;
}
is(join(',', map { "$_=$status{$_}" } sort keys %status), '200=3000',
    '3000 writes beside two slow streams all succeed (no 507)');
my $size = -s $srv->store . '/data.mdb';
cmp_ok($size, '<', 4 * 1024 * 1024, "the store stays small, far below its 8 MiB map ($size bytes)");

close $s1;
close $s2;
sleep 0.3;
$r = $srv->request(GET => 'v0/users');
is($r->{status}, 200, 'the streams closed: a stream is served again');
is(scalar @{ $srv->json($r)->{users} }, 5000, '... whole');
unlike($srv->error_log, qr/\[(?:error|alert|crit|emerg)\]/, 'no error logged');

$srv->stop;
done_testing;
