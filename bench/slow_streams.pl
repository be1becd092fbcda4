#!/usr/bin/perl
# A point request beside many slow streams (the fairness target of the
# hostile-input work): N clients start `GET users` over a store of U users and
# then read nothing (a 4 KiB receive buffer, `sndbuf=4k` on the listen
# socket), and a client on its own connection times point GETs
# (`GET v0/users/{u}`, a different user each time, so no cache answers).
# Target: every point request within 100 ms. A report, not a timed test.
#
#   perl bench/slow_streams.pl --nginx N --module SO --bin DIR [--streams 1000] [--users 50000]
use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/../t/lib";
use Getopt::Long;
use IO::Socket::INET;
use Socket qw(SOL_SOCKET SO_RCVBUF);
use Time::HiRes qw(time sleep);

my %opt = (streams => 1000, users => 50000, requests => 200, nginx => '/usr/sbin/nginx');
GetOptions(\%opt, 'nginx=s', 'module=s', 'bin=s', 'streams=i', 'users=i', 'requests=i', 'out=s')
    or die "usage: see the head of $0\n";
$ENV{TEST_NGINX_BINARY} = $opt{nginx};
$ENV{TEST_NGINX_LOAD_MODULES} = $opt{module};
require MyTimetable::Server;

my $srv = MyTimetable::Server->new(
    workers       => 2,
    listen_params => 'sndbuf=4k',
    http_config   => "mytimetable_max_streams " . ($opt{streams} + 16) . ";",
);
system("$opt{bin}/load", '--store', $srv->store, '--users', $opt{users}, '--quiet') == 0
    or die "loading $opt{users} users failed\n";
# the loader ran as root: the workers (nobody when root) must own the store
if ($> == 0) { my $uid = getpwnam('nobody'); chown $uid, -1, $srv->store, glob($srv->store . '/*') }
$srv->start;
# Server.pm's template has 1024 connections a worker: raise them, and the
# workers' descriptors, and reload (the client side: `ulimit -n` in bench.mk)
{
    my $conf = "$srv->{prefix}/conf/nginx.conf";
    local @ARGV = ($conf);
    local $^I = '';
    while (<>) {
        s/worker_connections \d+/worker_connections 4096/;
        s/^(worker_processes .*)$/$1\nworker_rlimit_nofile 8192;/;
        print;
    }
    kill 'HUP', $srv->master_pid;
    sleep 1;
}

my @names = map { "u$_" } 1 .. $opt{users};
my $probe = sub {
    my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $srv->port) or die $!;
    my @ms;
    for my $i (1 .. $opt{requests}) {
        my $u = $names[int rand @names];
        my $t = time;
        print $s "GET /api/v0/users/$u HTTP/1.1\r\nHost: x\r\n\r\n";
        my ($head, $len) = ('', 0);
        while ($head !~ /\r\n\r\n/) { sysread($s, $head, 4096, length $head) or die "closed\n" }
        ($len) = $head =~ /Content-Length: (\d+)/i;
        my $body = substr($head, index($head, "\r\n\r\n") + 4);
        while (length $body < ($len // 0)) { sysread($s, $body, 4096, length $body) or last }
        push @ms, (time - $t) * 1000;
        sleep 0.005;
    }
    @ms = sort { $a <=> $b } @ms;
    return ($ms[$#ms / 2], $ms[int($#ms * 0.99)], $ms[-1]);
};

my @quiet = $probe->();
my @streams;
for (1 .. $opt{streams}) {
    my $s = IO::Socket::INET->new(Proto => 'tcp') or die "socket: $!";
    setsockopt($s, SOL_SOCKET, SO_RCVBUF, 4096);
    connect($s, Socket::pack_sockaddr_in($srv->port, Socket::inet_aton('127.0.0.1'))) or die "connect: $!";
    print $s "GET /api/users HTTP/1.1\r\nHost: x\r\n\r\n";
    push @streams, $s;
}
sleep 2; # every stream started and stalled on its client
my @busy = $probe->();
my $ok = $busy[2] <= 100;
my $report = sprintf "| point GET v0/users/{u} beside %d slow `GET users` streams (%s users) | p50 %.1f ms, p99 %.1f ms, max %.1f ms | alone: p50 %.1f ms, max %.1f ms | every request within 100 ms | %s |\n",
    $opt{streams}, $opt{users}, @busy, $quiet[0], $quiet[2], $ok ? 'yes' : 'NO';
print "\n| row | beside the streams | alone | target | holds |\n|---|---|---|---|---|\n$report";
if ($opt{out}) { # the section of the report, in place of the one an earlier run wrote
    my $text = '';
    if (open my $in, '<', $opt{out}) {
        local $/;
        $text = <$in> // '';
    }
    $text =~ s/\n## A point request beside slow streams\n.*?(?=\n## |\z)//s;
    $text =~ s/\n*\z/\n/;
    open my $f, '>', $opt{out} or die $!;
    print $f $text, "\n## A point request beside slow streams\n\n| row | beside the streams | alone | target | holds |\n|---|---|---|---|---|\n$report";
    close $f or die $!;
}
close $_ for @streams;
$srv->stop_now;
