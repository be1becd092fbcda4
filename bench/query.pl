#!/usr/bin/perl
# bench/query.pl: the directory queries of the query-engine issue, the module
# against a Node.js + better-sqlite3 peer (bench/peer/server.mjs) holding the
# same users, one request at a time, every request different (a new literal,
# a new $skip) so that no answer cache can reply. Prints the medians and the
# ratios, checks that both answered the same bytes (the same rows in the same
# order), and writes the table into the section "Query engine" of the report.
#
#   perl bench/query.pl --nginx /usr/sbin/nginx --module build/ngx_http_mytimetable_module.so \
#        --bin build/bench --work build/bench/query --node-modules build/bench/npm/node_modules \
#        [--users 100000] [--requests 31] [--out bench/results.md]
use strict;
use warnings;
use Getopt::Long;
use File::Path qw(make_path remove_tree);
use HTTP::Tiny;
use IO::Socket::INET;
use Time::HiRes qw(time sleep);
use POSIX qw(strftime);
use POSIX ();

my %opt = (users => 100_000, requests => 31, out => '', nginx => '/usr/sbin/nginx');
GetOptions(\%opt, 'nginx=s', 'module=s', 'bin=s', 'work=s', 'node-modules=s', 'users=i',
    'requests=i', 'out:s') or die "bad options\n";
for (qw(module bin work node-modules)) { die "--$_ is required\n" unless $opt{$_} }
$opt{$_} = File::Spec->rel2abs($opt{$_}) for qw(module bin work node-modules);
use File::Spec;

my $N = $opt{users};
my $BASE = 'http://directory.example/api/';
srand(14);

# The rows: what the issue's table shows, and a request maker that varies it.
my @rows = (
    { what => q{$filter=substringof('zz7',Email)}, note => 'no match: full scan',
      make => sub { "\$filter=substringof('zz" . (7 + 10 * $_[0]) . "',Email)" } },
    { what => q{$filter=tolower(FirstName) eq 'first77'}, note => 'full scan',
      make => sub { "\$filter=tolower(FirstName) eq 'first" . int(rand($N)) . "'" } },
    { what => q{$filter=startswith(UserName,'u99997')},
      make => sub { "\$filter=startswith(UserName,'u" . (10000 + int(rand($N - 10000))) . "')" } },
    { what => q{$filter=LastName eq 'Last73'},
      make => sub { "\$filter=LastName eq 'Last" . int(rand($N)) . "'" } },
    { what => q{$orderby=LastName desc&$top=10&$skip=700},
      make => sub { "\$orderby=LastName desc&\$top=10&\$skip=" . (700 + $_[0]) } },
    { what => q{$top=50&$skip=57000},
      make => sub { "\$top=50&\$skip=" . (57000 + $_[0]) } },
    # every user: the same answer each time (the module's streamed answers
    # are never cached), fewer requests
    { what => q{(no option: every user)}, note => 'streamed', requests => 5,
      make => sub { '' } },
);

sub free_port {
    my $s = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => 0, Listen => 1)
      or die "no free port: $!";
    my $p = $s->sockport;
    close $s;
    return $p;
}

sub spew {
    my ($file, $data) = @_;
    open my $f, '>', $file or die "cannot write $file: $!";
    print $f $data;
    close $f or die "cannot write $file: $!";
}

sub slurp {
    open my $f, '<', shift or return undef;
    local $/;
    return scalar <$f>;
}

sub wait_port {
    my ($port, $what, $log) = @_;
    my $deadline = time + 120;
    while (time < $deadline) {
        my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $port);
        return if $s;
        sleep 0.1;
    }
    die "$what did not listen on $port\n" . (slurp($log) // '') . "\n";
}

# ---------------------------------------------------------------- the two services

make_path("$opt{work}/stores");
chmod 0755, $opt{work}, "$opt{work}/stores";
my $store = "$opt{work}/stores/users$N";
my $dump = "$opt{work}/users$N.tsv";
my $db = "$opt{work}/peer$N.db";
# The durable-write rows below add users to both sides: a store and a peer
# database they wrote to (marked `dirty`) are made anew, with the loader of
# this build (so the store has the current layout and exactly N users).
my $dirty = "$opt{work}/dirty$N";
unless (-e "$store/data.mdb" && -e $dump && !-e $dirty) {
    remove_tree($store);
    unlink $dump, $db, "$db-wal", "$db-shm", $dirty;
    system("$opt{bin}/load", '--store', $store, '--users', $N, '--quiet', '--dump', $dump) == 0
      or die "loading $N users failed\n";
}

# the workers (user nobody when nginx starts as root) own the store
if ($> == 0) {
    my (undef, undef, $uid, $gid) = getpwnam('nobody');
    chown $uid, $gid, $store, glob("$store/*") if defined $uid;
}

my $prefix = "$opt{work}/nginx";
make_path("$prefix/conf", "$prefix/logs");
chmod 0755, $prefix;
my $mport = free_port();
spew("$prefix/conf/nginx.conf", <<"CONF");
load_module $opt{module};
worker_processes 2;
error_log logs/error.log notice;
pid logs/nginx.pid;
events { worker_connections 1024; }
http {
    access_log off;
    mytimetable_store $store;
    # room for the run below that holds a reader (the store grows meanwhile)
    mytimetable_store_size 4g;
    server {
        listen 127.0.0.1:$mport reuseport;
        location /api/ {
            mytimetable;
            mytimetable_base_url $BASE;
        }
        location = /ping {
            default_type application/json;
            return 200 '[]';
        }
        location = /metrics {
            mytimetable_metrics;
        }
    }
}
CONF
unlink "$prefix/logs/nginx.pid";
system($opt{nginx}, '-p', "$prefix/", '-c', 'conf/nginx.conf') == 0
  or die "nginx did not start:\n" . (slurp("$prefix/logs/error.log") // '') . "\n";
my ($master, $peer);
END {
    kill 'QUIT', $master if $master;
    kill 'TERM', $peer if $peer;
}
wait_port($mport, 'nginx', "$prefix/logs/error.log");
($master) = (slurp("$prefix/logs/nginx.pid") // '') =~ /(\d+)/;

my $pport = free_port();
my $plog = "$opt{work}/peer.log";
$peer = fork // die "fork: $!";
if (!$peer) {
    open STDOUT, '>', $plog;
    open STDERR, '>&', \*STDOUT;
    exec 'node', 'bench/peer/server.mjs', '--db', $db, '--users', $dump, '--port', $pport,
      '--base-url', $BASE, '--modules', $opt{'node-modules'};
    die "exec node: $!";
}
wait_port($pport, 'the peer', $plog);

# ---------------------------------------------------------------- measuring

my %http = (module => HTTP::Tiny->new(keep_alive => 1, timeout => 120),
            peer => HTTP::Tiny->new(keep_alive => 1, timeout => 120));
my %port = (module => $mport, peer => $pport);

sub get {
    my ($side, $query) = @_;
    (my $q = $query) =~ s/([^A-Za-z0-9\$=&_.~,-])/sprintf('%%%02X', ord $1)/ge;
    my $url = !defined $query ? "http://127.0.0.1:$port{$side}/ping"
            : $query eq ''    ? "http://127.0.0.1:$port{$side}/api/users"
            :                   "http://127.0.0.1:$port{$side}/api/users?$q";
    my $t = time;
    my $r = $http{$side}->get($url);
    my $ms = (time - $t) * 1000;
    die "$side: $query: $r->{status} $r->{content}\n" unless $r->{status} == 200;
    return ($ms, $r->{content});
}

sub median {
    my @s = sort { $a <=> $b } @_;
    return @s % 2 ? $s[$#s / 2] : ($s[@s / 2 - 1] + $s[@s / 2]) / 2;
}

# Warm-up: every table and index read once by the worker of the connection
# (a worker maps the store's pages as it first reads them) and the peer's
# page cache filled the same way.
for my $side (qw(module peer)) {
    for my $f (qw(Phone Email FirstName LastName UserName)) {
        get($side, "\$filter=substringof('zz',$f)") for 1 .. 2;
    }
}

# The floor: the same client and connection, answered `[]` by nginx itself
# (`return 200`) and by the peer's HTTP server without a query. What is
# above it is the query's own time; the net ratio compares those.
my %floor;
for my $side (qw(module peer)) {
    get($side, undef) for 1 .. 5;
    $floor{$side} = median(map { (get($side, undef))[0] } 1 .. 3 * $opt{requests});
}

my @lines;
my $fails = 0;
for my $row (@rows) {
    get($_, $row->{make}->(-1)) for qw(module peer);    # warm both up
    my (%ms, $same, $diff);
    $same = 0;
    my $rowsn = 0;
    my $requests = $row->{requests} // $opt{requests};
    for my $i (0 .. $requests - 1) {
        my $q = $row->{make}->($i);
        # alternate which side goes first
        my @order = $i % 2 ? qw(peer module) : qw(module peer);
        my %body;
        for my $side (@order) {
            my ($t, $b) = get($side, $q);
            push @{ $ms{$side} }, $t;
            $body{$side} = $b;
        }
        if ($body{module} eq $body{peer}) {
            $same++;
            my $n = () = $body{module} =~ /"Id":/g;
            $rowsn += $n;
        } else {
            $diff //= "$q:\n  module: " . substr($body{module}, 0, 300) . "\n  peer:   " .
              substr($body{peer}, 0, 300);
        }
    }
    my ($m, $p) = (median(@{ $ms{module} }), median(@{ $ms{peer} }));
    my $ratio = $m / $p;
    my ($nm, $np) = ($m - $floor{module}, $p - $floor{peer});
    my $net = $np > 0 ? sprintf('%.2f', ($nm > 0 ? $nm : 0) / $np) : '—';
    $fails++ if $diff || $ratio > 0.5;
    push @lines, sprintf('| `%s`%s | %.2f ms | %.2f ms | %.2f | %s | %s | %d/%d%s |', $row->{what},
        $row->{note} ? " ($row->{note})" : '', $m, $p, $ratio, $ratio <= 0.5 ? 'yes' : 'NO',
        $net, $same, $requests, $same ? sprintf(', %.1f rows each', $rowsn / $same) : '');
    print "$lines[-1]\n";
    print STDERR "different answers: $diff\n" if $diff;
}

# A small request on a kept-alive connection while two other clients scan
# every user (each of their requests a new full scan): its p50, p99 and max.
my @busy;
for my $side (qw(module peer)) {
    my @kids;
    for my $k (1 .. 2) {
        my $pid = fork // die "fork: $!";
        if (!$pid) {
            my $h = HTTP::Tiny->new(keep_alive => 1, timeout => 60);
            my $end = time + 6;
            for (my $i = 0; time < $end; $i++) {
                $h->get("http://127.0.0.1:$port{$side}/api/users?\$filter=substringof(%27zz$k$i%27,Email)");
            }
            POSIX::_exit(0);
        }
        push @kids, $pid;
    }
    sleep 0.5;
    my @t;
    for my $i (1 .. 300) {
        my ($ms) = get($side, "\$filter=UserName eq 'u" . int(rand($N)) . "'");
        push @t, $ms;
        sleep 0.01;
    }
    waitpid $_, 0 for @kids;
    @t = sort { $a <=> $b } @t;
    push @busy, sprintf('| %s | %.2f ms | %.2f ms | %.2f ms |', $side eq 'module' ? 'module' : 'Node + SQLite',
        $t[@t / 2], $t[int(@t * 0.99)], $t[-1]);
    print "$busy[-1]\n";
}

# Durable writes: `PUT v0/users/{new}` (no body: creates the user), 32
# connections from wrk (bench/wrk.lua `put`), every request a new user; the
# module with its default durability (full: each batch is synced before it is
# answered), the peer with SQLite WAL and synchronous=FULL (each write its own
# synced transaction). The best of two runs of 5 s each, after a warm-up.
sub wrk_put {
    my ($side, $prefix, $seconds, $connections) = @_;
    $connections //= 32;
    my $out = `wrk -t2 -c$connections -d${seconds}s -s bench/wrk.lua http://127.0.0.1:$port{$side}/api/v0/users/ -- put $prefix 2>&1`;
    my ($n, $us, $status) = $out =~ /wrk-result requests=(\d+) duration_us=(\d+) .*? status=(\d+)/
      or die "$side: wrk said:\n$out\n";
    die "$side: $status answers were not 2xx\n" if $status;
    return $n / ($us / 1e6);
}
spew($dirty, "the durable-write rows added users to the store and the peer's database\n");
# The two sides take turns (module, peer, module, peer), so that a change in
# the host's disk during the run weighs on both alike.
my %puts;
wrk_put($_, "warm$_", 2) for qw(module peer);
for my $run (1, 2) {
    for my $side (qw(module peer)) {
        my $rate = wrk_put($side, "put$run$side", 5);
        $puts{$side} = $rate if !$puts{$side} || $rate > $puts{$side};
    }
}
printf "durable PUT %s: %.0f/s\n", $_, $puts{$_} for qw(module peer);
my $put_ratio = $puts{module} / $puts{peer};
$fails++ if $put_ratio < 3;
my $puts_line = sprintf('| `PUT v0/users/{new}`, 32 connections | %s/s | %s/s | %.2f | %s |',
    commify($puts{module}), commify($puts{peer}), $put_ratio, $put_ratio >= 3 ? 'yes' : 'NO');

# What bounds the durable row: the same runs with more connections. The
# peer commits (and syncs) each write alone whatever the number of clients;
# the module commits the writes that wait together (one batch per worker at a
# time), so its rate follows the writes per batch, which the connections
# bound: 32 connections on two workers are 16 per worker, and while a batch
# commits the writes of the other half wait for the next one.
sub batch_writes {
    my $r = HTTP::Tiny->new(timeout => 10)->get("http://127.0.0.1:$port{module}/metrics");
    die "module: /metrics: $r->{status}\n" unless $r->{status} == 200;
    my ($sum) = $r->{content} =~ /^mytimetable_batch_writes_sum (\S+)/m;
    my ($count) = $r->{content} =~ /^mytimetable_batch_writes_count (\S+)/m;
    die "module: /metrics has no batch_writes\n" unless defined $count;
    return ($sum, $count);
}
my @bound;
for my $c (32, 64, 128) {
    my ($s0, $n0) = batch_writes();
    my $module = wrk_put('module', "bound${c}module", 5, $c);
    my ($s1, $n1) = batch_writes();
    my $peer = wrk_put('peer', "bound${c}peer", 5, $c);
    push @bound, sprintf('| %d | %s/s | %.1f | %s/s | %.2f |', $c, commify($module),
        $n1 > $n0 ? ($s1 - $s0) / ($n1 - $n0) : 0, commify($peer), $module / $peer);
    print "$bound[-1]\n";
}
# The same 32 connections while another process holds a read transaction
# (build/bench/hold_reader): LMDB cannot reuse the pages freed meanwhile, so
# each commit writes new pages at the end of the file, adjacent, instead of
# freed pages scattered over it. The difference is the cost of where the
# pages go, which the disk's random writes set (the store grows meanwhile, so
# this is a measurement, not a mode).
my $held;
{
    my $holder = fork // die "fork: $!";
    if (!$holder) {
        exec "$opt{bin}/hold_reader", $store, 10;
        die "exec hold_reader: $!";
    }
    sleep 0.5;
    my ($s0, $n0) = batch_writes();
    my $module = wrk_put('module', 'heldmodule', 3, 32);
    my ($s1, $n1) = batch_writes();
    kill 'TERM', $holder;
    waitpid $holder, 0;
    $held = sprintf('| 32, a reader held | %s/s | %.1f | | |', commify($module),
        $n1 > $n0 ? ($s1 - $s0) / ($n1 - $n0) : 0);
    print "$held\n";
}

sub commify {
    my $n = sprintf('%.0f', shift);
    1 while $n =~ s/^(\d+)(\d{3})/$1,$2/;
    return $n;
}

my $head = "| query (`GET users?...`) | module | Node + SQLite | ratio | ≤ 0.5 | net ratio | same bytes |\n" .
           "|---|---|---|---|---|---|---|\n";
my $commit = `git rev-parse --short HEAD 2>/dev/null` // '';
chomp $commit;
my $cpu = (grep { /^model name/ } split /\n/, slurp('/proc/cpuinfo') // '')[0] // '';
$cpu =~ s/^model name\s*:\s*//;
my $section = "## Query engine\n\n" .
  sprintf("`make bench-query`, %s, commit %s, %s users, %d requests per row and side, one at a time " .
          "(each with a new literal or \$skip), medians; ratio = module / peer (the target is ≤ 0.5). " .
          sprintf("Floor (the same client answered `[]` without a query: nginx `return 200`, the peer's " .
                  "HTTP server): module %.2f ms, peer %.2f ms; net ratio = (module − its floor) / " .
                  "(peer − its floor). ", $floor{module}, $floor{peer}) .
          "Peer: Node.js %s + better-sqlite3 (bench/peer/server.mjs), SQLite WAL. %s, %d cores.\n\n",
          strftime('%Y-%m-%d %H:%M UTC', gmtime), $commit || '?', $N, $opt{requests},
          `node --version` =~ s/\s+//r, $cpu, scalar(grep { /^processor/ } split /\n/, slurp('/proc/cpuinfo') // '')) .
  $head . join("\n", @lines) . "\n\n" .
  "`GET users?\$filter=UserName eq 'u<random>'` on a kept-alive connection, 300 requests 10 ms apart, " .
  "while two other clients each send full scans (`substringof`, a new literal each) one after the " .
  "other (the target: never more than 50 ms):\n\n" .
  "| service | p50 | p99 | max |\n|---|---|---|---|\n" . join("\n", @busy) . "\n\n" .
  "Durable writes, each request a new user (wrk -t2 -c32, best of two 5 s runs after a warm-up, " .
  "the two sides taking turns; " .
  "the module's default durability `full`, the peer's SQLite WAL with `synchronous=FULL`; the " .
  "target: at least 3x the peer's rate):\n\n" .
  "| write | module | Node + SQLite | ratio | ≥ 3 |\n|---|---|---|---|---|\n" . $puts_line . "\n\n" .
  "What bounds it: one 5 s run per side and number of connections (the module's writes per batch " .
  "from its metrics; see bench/profile.md):\n\n" .
  "| connections | module | writes per batch | Node + SQLite | ratio |\n|---|---|---|---|---|\n" .
  join("\n", @bound, $held) . "\n";
print "\n$section";
if ($opt{out}) {
    my $text = slurp($opt{out}) // '';
    $text =~ s/\n## Query engine\n.*?(?=\n## |\z)//s;
    $text =~ s/\n*\z/\n\n/;
    spew($opt{out}, $text . $section);
}
exit 0;
