#!/usr/bin/perl
# The benchmark driver of `make bench`; bench/README.md says what each row
# measures and how to read it.
#
# For each row it loads a store offline (bench/load), starts a private nginx
# with the module on it (2 workers) and captures the module's answer to the
# row's request; then it writes the bench configuration, which adds a
# `location = /ceiling` answering exactly those bytes with the same
# Content-Type, and measures the module and the ceiling with wrk, each in a
# freshly started nginx (so the worker memory figures of one do not hide the
# other's), a warm-up run before each measured run. Every wrk run is bounded
# in time; all traffic goes to 127.0.0.1.

use strict;
use warnings;

use File::Path qw(make_path remove_tree);
use File::Spec;
use Getopt::Long;
use HTTP::Tiny;
use IO::Socket::INET;
use JSON::PP;
use POSIX qw(:sys_wait_h strftime);
use List::Util qw(max min);
use Time::HiRes qw(sleep time);

my %opt = (
    nginx            => '/usr/sbin/nginx',
    seconds          => 5,
    warmup           => 2,
    threads          => 2,
    connections      => 32,
    list_connections => 1,
    repeat           => 2,
    only             => '',
    capture_timeout  => 30,
    out              => 'bench/results.md',
    wrk_script       => 'bench/wrk.lua',
);
GetOptions(
    'nginx=s'            => \$opt{nginx},
    'module=s'           => \$opt{module},
    'bin=s'              => \$opt{bin},
    'work=s'             => \$opt{work},
    'out=s'              => \$opt{out},
    'wrk-script=s'       => \$opt{wrk_script},
    'seconds=f'          => \$opt{seconds},
    'warmup=f'           => \$opt{warmup},
    'threads=i'          => \$opt{threads},
    'connections=i'      => \$opt{connections},
    'list-connections=i' => \$opt{list_connections},
    'repeat=i'           => \$opt{repeat},
    'only=s'             => \$opt{only},
    'capture-timeout=f'  => \$opt{capture_timeout},
) or die "usage: run.pl --module SO --bin DIR --work DIR [--nginx BINARY] [--out FILE]\n"
  . "       [--seconds S] [--warmup S] [--threads T] [--connections C] [--list-connections C]\n"
  . "       [--repeat N] [--only REGEX] [--capture-timeout S]\n";
for (qw(module bin work)) { die "run.pl: --$_ is required\n" unless $opt{$_} }
die "run.pl: no module at $opt{module} (make module)\n" unless -f $opt{module};
for (qw(load commit_rate)) { die "run.pl: no $opt{bin}/$_ (make bench builds it)\n" unless -x "$opt{bin}/$_" }
die "run.pl: wrk is not installed (apt-get install wrk)\n" if system('sh', '-c', 'command -v wrk >/dev/null');
$opt{wrk_script} = File::Spec->rel2abs($opt{wrk_script});
$opt{work} = File::Spec->rel2abs($opt{work});
$opt{module} = File::Spec->rel2abs($opt{module});
$opt{threads} = 1 if $opt{threads} < 1;
$opt{repeat} = 1 if $opt{repeat} < 1;
$opt{connections} = $opt{threads} if $opt{connections} < $opt{threads};

my $cwd       = File::Spec->rel2abs('.');
my $MiB       = 1024 * 1024;
my $CLK_TCK   = POSIX::sysconf(POSIX::_SC_CLK_TCK()) || 100;
my $RSS_LIMIT = 16;     # MiB
my $LINEAR    = 1.5;    # time per user may grow by this factor for 10x the users
my $http      = HTTP::Tiny->new(timeout => $opt{capture_timeout}, keep_alive => 0);
my $MAX_RUN   = 30;     # s: the longest a measured run is stretched for slow answers

# ---------------------------------------------------------------- the rows

# kind: rate (req/s at --connections), list (time per request, one request at a
# time), scan (the same, for a full-scan $filter), put (new users at --connections).
# base: the location the path is below (/api/ unless given: /scim/v2/ is the
# SCIM location); fresh: every request of a rate row carries a distinct ignored
# parameter, so that no answer cache can serve it (the list and scan rows always
# do).
my @rows = (
    { id => 'v0-100', kind => 'rate', what => 'GET v0/users', n => 100, path => 'v0/users',
      target => 0.85 },
    { id => 'filter-eq-100k', kind => 'rate', what => "GET users?\$filter=UserName eq 'u50000'",
      n => 100_000, path => 'users?$filter=UserName%20eq%20%27u50000%27', target => 0.70 },
    { id => 'scim-eq-100k', kind => 'rate', what => 'GET Users?filter=userName eq "u50000" (SCIM)',
      n => 100_000, base => '/scim/v2/', path => 'Users?filter=userName%20eq%20%22u50000%22',
      fresh => 1, target => 0.70 },
    { id => 'dir-1k', kind => 'list', what => 'GET users', n => 1_000, path => 'users' },
    { id => 'dir-10k', kind => 'list', what => 'GET users', n => 10_000, path => 'users',
      linear_vs => 'dir-1k', rss => 1 },
    { id => 'dir-100k', kind => 'list', what => 'GET users', n => 100_000, path => 'users',
      linear_vs => 'dir-10k' },
    { id => 'v0-1k', kind => 'list', what => 'GET v0/users', n => 1_000, path => 'v0/users' },
    { id => 'v0-10k', kind => 'list', what => 'GET v0/users', n => 10_000, path => 'v0/users',
      linear_vs => 'v0-1k' },
    { id => 'v0-100k', kind => 'list', what => 'GET v0/users', n => 100_000, path => 'v0/users',
      linear_vs => 'v0-10k', rss => 1 },
    { id => 'scan-startswith-100k', kind => 'scan',
      what => "GET users?\$filter=startswith(Email,'u9')", n => 100_000,
      path => 'users?$filter=startswith(Email,%27u9%27)' },
    { id => 'scan-substringof-100k', kind => 'scan',
      what => "GET users?\$filter=substringof('99',UserName)", n => 100_000,
      path => 'users?$filter=substringof(%2799%27,UserName)' },
    { id => 'put-relaxed', kind => 'put', what => 'PUT v0/users/{new} (relaxed)', n => 100,
      durability => 'relaxed', reference => 'v0-100', target => 0.5 },
    { id => 'put-full', kind => 'put', what => 'PUT v0/users/{new} (full)', n => 100,
      durability => 'full', reference => 'commit', target => 3 },
);
my %row = map { $_->{id} => $_ } @rows;
if ($opt{only} ne '') {
    my $re = qr/$opt{only}/;
    $_->{selected} = $_->{id} =~ $re for @rows;
    # a ratio needs its reference measured in the same run
    for my $r (reverse grep { $_->{selected} } @rows) {
        for my $dep (grep { $_ && $row{$_} } $r->{reference}, $r->{linear_vs}) {
            for (my $d = $row{$dep}; $d; $d = $d->{linear_vs} && $row{ $d->{linear_vs} }) {
                $d->{selected} = 1;
            }
        }
    }
} else {
    $_->{selected} = 1 for @rows;
}

# ---------------------------------------------------------------- processes

my %running;    # master pid -> 1, for the cleanup

sub stop_all { stop_nginx({ master => $_ }) for keys %running }
END { stop_all() }
$SIG{INT} = $SIG{TERM} = sub { stop_all(); exit 130 };

sub free_port {
    my $s = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => 0, Listen => 1)
      or die "no free port: $!";
    my $port = $s->sockport;
    close $s;
    return $port;
}

sub slurp {
    my $file = shift;
    open my $f, '<', $file or return undef;
    local $/;
    return scalar <$f>;
}

sub spew {
    my ($file, $data) = @_;
    open my $f, '>', $file or die "cannot write $file: $!";
    binmode $f;
    print $f $data;
    close $f or die "cannot write $file: $!";
}

sub log_tail {
    my $text = slurp(shift) // '';
    my @lines = split /\n/, $text;
    return join("\n", @lines > 15 ? @lines[-15 .. -1] : @lines);
}

# The configuration of one instance: the module on `store`, and the ceiling
# location when `ceiling` is given.
sub nginx_conf {
    my (%c) = @_;
    my $ceiling = '';
    if (my $cl = $c{ceiling}) {
        (my $type = $cl->{type}) =~ s/(["\\])/\\$1/g;
        if (defined $cl->{literal}) {
            $ceiling = <<"LOC";
        location = /ceiling {
            default_type "$type";
            return 200 '$cl->{literal}';
        }
LOC
        } else {
            $ceiling = <<"LOC";
        location = /ceiling {
            alias $cl->{file};
            types { }
            default_type "$type";
            etag off;
        }
LOC
        }
    }
    return <<"CONF";
load_module $opt{module};
worker_processes 2;
error_log logs/error.log notice;
pid logs/nginx.pid;
events { worker_connections 1024; }
http {
    access_log off;
    mytimetable_store $c{store};
    mytimetable_durability $c{durability};
    geo \$bench_dollar { default "\$"; }
    server {
        listen 127.0.0.1:$c{port} reuseport;
        location /api/ {
            mytimetable;
        }
        location /scim/v2/ {
            mytimetable_scim;
        }
$ceiling    }
}
CONF
}

sub start_nginx {
    my (%c) = @_;
    my $prefix = $c{prefix};
    make_path("$prefix/conf", "$prefix/logs");
    chmod 0755, $prefix;    # the workers (user nobody) reach nothing below it but the store
    $c{port} = free_port();
    spew("$prefix/conf/nginx.conf", nginx_conf(%c));
    unlink "$prefix/logs/nginx.pid";
    system($opt{nginx}, '-p', "$prefix/", '-c', 'conf/nginx.conf') == 0
      or die "nginx did not start:\n" . log_tail("$prefix/logs/error.log") . "\n";
    my $deadline = time + 15;
    while (time < $deadline) {
        my $pid = slurp("$prefix/logs/nginx.pid");
        if ($pid && $pid =~ /(\d+)/) {
            my $master = $1;
            $running{$master} = 1;
            my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $c{port});
            my @w = workers($master);
            if ($s && @w == 2) {
                close $s;
                return { master => $master, port => $c{port}, prefix => $prefix };
            }
        }
        sleep 0.05;
    }
    die "nginx did not listen on $c{port}:\n" . log_tail("$prefix/logs/error.log") . "\n";
}

sub gone {
    my ($pid, $seconds) = @_;
    my $deadline = time + $seconds;
    while (time < $deadline) {
        return 1 unless kill 0, $pid;
        sleep 0.02;
    }
    return 0;
}

sub stop_nginx {
    my $srv = shift;
    my $master = $srv->{master} or return;
    my @w = workers($master);
    kill 'QUIT', $master;
    gone($master, 15) or kill 'KILL', $master, @w;
    gone($_, 5) for @w;
    delete $running{$master};
}

sub workers {
    my $master = shift;
    my @w;
    opendir my $d, '/proc' or return ();
    for my $pid (grep { /^\d+$/ } readdir $d) {
        my $stat = slurp("/proc/$pid/stat") // next;
        my @f = split ' ', substr($stat, rindex($stat, ')') + 2);
        push @w, $pid if defined $f[1] && $f[1] == $master;
    }
    @w = sort { $a <=> $b } @w;
    return @w;
}

# VmRSS, VmHWM and RssAnon in bytes.
sub mem {
    my $pid = shift;
    my $s = slurp("/proc/$pid/status") // return {};
    my %m;
    $m{$1} = $2 * 1024 while $s =~ /^(VmRSS|VmHWM|RssAnon):\s+(\d+) kB/mg;
    return \%m;
}

# The resident part of the store's memory map (data.mdb), in bytes.
sub store_map {
    my $pid = shift;
    my $s = slurp("/proc/$pid/smaps") // return 0;
    my ($rss, $in) = (0, 0);
    for (split /\n/, $s) {
        if (/^[0-9a-f]+-[0-9a-f]+ /) {
            $in = m{/data\.mdb$};
        } elsif ($in && /^Rss:\s+(\d+) kB/) {
            $rss += $1 * 1024;
        }
    }
    return $rss;
}

# utime + stime in seconds.
sub cpu {
    my $pid = shift;
    my $stat = slurp("/proc/$pid/stat") // return 0;
    my @f = split ' ', substr($stat, rindex($stat, ')') + 2);
    return ($f[11] + $f[12]) / $CLK_TCK;
}

# Waits until the workers have used no CPU for 0.2 s (at most `seconds`): a
# run that ended while a worker was still producing a long answer must not
# leave that work to the next run.
sub wait_idle {
    my ($seconds, @w) = @_;
    my $deadline = time + $seconds;
    my $last = -1;
    while (time < $deadline) {
        my $now = 0;
        $now += cpu($_) for @w;
        return 1 if $now == $last;
        $last = $now;
        sleep 0.2;
    }
    return 0;
}

# ---------------------------------------------------------------- wrk

# One bounded wrk run; samples the workers' memory while it runs.
sub run_wrk {
    my (%a) = @_;
    my $seconds = POSIX::ceil($a{seconds});    # wrk takes whole seconds
    my $timeout = $seconds * 4 + 10;            # a long list must not count as a timeout
    my @cmd = ('timeout', '-k', '5', $seconds + $timeout + 20, 'wrk', '-t', $a{threads},
        '-c', $a{connections}, '-d', "${seconds}s", '--timeout', "${timeout}s",
        '-s', $opt{wrk_script}, $a{url}, (@{ $a{args} || [] } ? ('--', @{ $a{args} }) : ()));
    my $pid = fork // die "fork: $!";
    if (!$pid) {
        open STDOUT, '>', $a{log} or die;
        open STDERR, '>&', \*STDOUT;
        exec @cmd or die "exec wrk: $!";
    }
    my $peak = $a{peak} // {};
    while (waitpid($pid, WNOHANG) == 0) {
        for my $w (@{ $a{workers} || [] }) {
            my $m = mem($w);
            for (qw(VmRSS RssAnon)) {
                $peak->{$w}{$_} = $m->{$_} if ($m->{$_} // 0) > ($peak->{$w}{$_} // 0);
            }
        }
        sleep 0.01;
    }
    my $rc = $? >> 8;
    my $out = slurp($a{log}) // '';
    my ($line) = $out =~ /^wrk-result (.*)$/m;
    die "wrk failed (exit $rc):\n$out\n" unless $line;
    my %r = $line =~ /(\w+)=([\d.]+)/g;
    $r{seconds} = $r{duration_us} / 1e6;
    $r{rps} = $r{seconds} > 0 ? $r{requests} / $r{seconds} : 0;
    $r{errors} = $r{connect} + $r{read} + $r{write} + $r{status} + $r{timeout};
    return \%r;
}

# Warm-up then --repeat measured runs against one started instance; returns
# the best of them (the highest rate, or for one connection the lowest median
# time: whatever else runs on the host can only slow a run down), with the
# workers' CPU time, their memory growth over all the runs, and the others in
# `runs`. PUT runs get distinct user-name prefixes (`args` put PREFIX). In
# three steps, so that two instances' runs can alternate (run_get_row):
# measure_begin (the warm-up), measure_run (measured run i), measure_end.
sub measure {
    my ($srv, %a) = @_;
    my $m = measure_begin($srv, %a);
    measure_run($m, $_) for 1 .. $opt{repeat};
    return measure_end($m);
}

sub measure_begin {
    my ($srv, %a) = @_;
    my @w = workers($srv->{master});
    my %before = map { $_ => mem($_) } @w;
    $before{$_}{map} = store_map($_) for @w;
    my %peak;
    my %common = (%a, workers => \@w, peak => \%peak,
        url => "http://127.0.0.1:$srv->{port}$a{path}");
    run_wrk(%common, seconds => $a{warmup} // $opt{warmup}, args => $a{warm_args},
        log => "$a{log}.warmup");
    return { a => \%a, w => \@w, before => \%before, peak => \%peak, common => \%common,
             runs => [] };
}

sub measure_run {
    my ($m, $i) = @_;
    my %a = %{ $m->{a} };
    my @w = @{ $m->{w} };
    wait_idle($MAX_RUN, @w);
    my @args = @{ $a{args} || [] };
    $args[1] .= $i if @args > 1 && $args[0] eq 'put';
    my $cpu0 = 0;
    $cpu0 += cpu($_) for @w;
    my $run = run_wrk(%{ $m->{common} }, seconds => $a{seconds} // $opt{seconds}, args => \@args,
        log => $i == 1 ? $a{log} : "$a{log}.$i");
    my $cpu1 = 0;
    $cpu1 += cpu($_) for @w;
    die "no request completed in the $run->{seconds} s measured run\n" unless $run->{requests};
    $run->{cpu_us} = ($cpu1 - $cpu0) * 1e6 / $run->{requests};
    push @{ $m->{runs} }, $run;
}

sub measure_end {
    my $m = shift;
    my %a = %{ $m->{a} };
    my @runs = @{ $m->{runs} };
    my %before = %{ $m->{before} };
    my %peak = %{ $m->{peak} };
    my $one = $a{connections} == 1;
    my ($r) = sort { $one ? $a->{p50_us} <=> $b->{p50_us} : $b->{rps} <=> $a->{rps} } @runs;
    $r->{runs} = \@runs;
    $r->{errors_all} = 0;
    $r->{errors_all} += $_->{errors} for @runs;
    my ($hwm, $anon, $rss0, $map) = (0, 0, 0, 0);
    for my $w (@{ $m->{w} }) {
        my $after = mem($w);
        my $g = ($after->{VmHWM} // 0) - ($before{$w}{VmRSS} // 0);
        ($hwm, $map) = ($g, store_map($w) - $before{$w}{map}) if $g > $hwm;
        my $ga = ($peak{$w}{RssAnon} // 0) - ($before{$w}{RssAnon} // 0);
        $anon = $ga if $ga > $anon;
        $rss0 = $before{$w}{VmRSS} if ($before{$w}{VmRSS} // 0) > $rss0;
    }
    $r->{rss_growth}  = $hwm;
    $r->{anon_growth} = $anon;
    $r->{map_growth}  = $map;
    $r->{rss_before}  = $rss0;
    $r->{threads}     = $a{threads};
    $r->{connections} = $a{connections};
    return $r;
}

# The growth of a worker's resident memory other than the store's map: the
# VmHWM growth less what the map added, or the peak of its private memory
# (RssAnon) when that is larger.
sub own_growth {
    my $m = shift;
    return max(($m->{rss_growth} // 0) - ($m->{map_growth} // 0), $m->{anon_growth} // 0);
}

# ---------------------------------------------------------------- stores

my %stores;

sub store {
    my ($name, $n) = @_;
    return $stores{$name} if $stores{$name};
    my $dir = "$opt{work}/stores/$name";
    remove_tree($dir);
    make_path("$opt{work}/stores");
    chmod 0755, "$opt{work}", "$opt{work}/stores";
    my $t = time;
    system("$opt{bin}/load", '--store', $dir, '--users', $n, '--quiet') == 0
      or die "loading $n users into $name failed\n";
    # nginx (as root) refuses a store its workers cannot write: the loader
    # made it as this user, so hand it to theirs (nobody, as nginx's default)
    if ($> == 0) {
        my (undef, undef, $uid, $gid) = getpwnam('nobody');
        if (defined $uid) {
            opendir my $d, $dir or die "cannot read $dir: $!";
            chown $uid, $gid, $dir, map { "$dir/$_" } grep { !/^\.\.?$/ } readdir $d;
        }
    }
    printf "  loaded %s users into store %s in %.1f s\n", commify($n), $name, time - $t;
    return $stores{$name} = $dir;
}

# ---------------------------------------------------------------- a row

my %result;    # row id -> { module => ..., ceiling => ..., error => ... }
my %kept = (table => {}, runs => {}, sections => []);    # of the report before (read_previous)
my @commits;   # the raw synced-commit rate, measured just before and just after put-full
my $commit;    # the higher of the two: the stricter reference

sub escape_literal {
    my $body = shift;
    (my $lit = $body) =~ s/(['\\])/\\$1/g;
    # `return` takes a complex value: a $ would start a variable, so each one
    # is the variable that holds "$" (geo $bench_dollar in nginx_conf)
    $lit =~ s/\$/\${bench_dollar}/g;
    # nginx reads a configuration token into a 4096-byte buffer
    return length($lit) <= 4000 ? $lit : undef;
}

sub side_opts {
    my $r = shift;
    return $r->{kind} eq 'list' || $r->{kind} eq 'scan'
      ? (threads => 1, connections => $opt{list_connections})
      : (threads => $opt{threads}, connections => $opt{connections});
}

sub run_get_row {
    my $r = shift;
    my $store = store("n$r->{n}", $r->{n});
    my $dir = "$opt{work}/$r->{id}";
    remove_tree($dir);
    make_path($dir);
    my %base = (prefix => "$dir/nginx", store => $store, durability => 'full');

    # 1. the module's actual answer (and how long one takes, cold)
    my $srv = start_nginx(%base);
    my $t0 = time;
    my $base = $r->{base} // '/api/';
    my $res = $http->get("http://127.0.0.1:$srv->{port}$base$r->{path}");
    my $one = time - $t0;
    stop_nginx($srv);
    die "the module answered $res->{status} to GET $r->{path}: "
      . substr($res->{content} // '', 0, 300) . "\n"
      unless $res->{status} == 200;
    my $body = $res->{content};
    my $type = $res->{headers}{'content-type'} // 'application/octet-stream';
    spew("$dir/ceiling.body", $body);
    my $lit = escape_literal($body);
    my %ceiling = (type => $type, defined $lit ? (literal => $lit) : (file => "$dir/ceiling.body"));
    $r->{bytes} = length $body;
    $r->{ceiling_how} = defined $lit ? 'return 200' : 'file';

    # A run at one connection must complete a few requests: stretch the
    # module's runs when one answer takes long (up to $MAX_RUN s).
    my %runs;
    if ($r->{kind} ne 'rate') {
        $runs{seconds} = max($opt{seconds}, min(3 * $one + 1, $MAX_RUN));
        $runs{warmup}  = max($opt{warmup},  min(1.5 * $one + 0.5, $MAX_RUN / 2));
    }

    # 2. the module and the ceiling, each in a fresh instance of the bench
    # config, both started: their warm-ups, then their measured runs in turn
    # (module, ceiling, module, ...), so that what else the host runs meanwhile
    # falls on both sides alike
    my (%srv, %m, %sides);
    my $ok = eval {
        for my $side (qw(module ceiling)) {
            $srv{$side} = start_nginx(%base, prefix => "$dir/nginx-$side", ceiling => \%ceiling);
        }
        my $c = $http->get("http://127.0.0.1:$srv{ceiling}{port}/ceiling");
        my $ct = $c->{headers}{'content-type'} // '';
        die "the ceiling does not answer the module's bytes ($c->{status}, $ct)\n"
          unless $c->{status} == 200 && $c->{content} eq $body && $ct eq $type;
        # list and scan rows (and rate rows marked fresh) measure the work of
        # every request: each one carries a distinct ignored parameter, so no
        # answer cache serves it; the ceiling's requests carry it too
        my @fresh = $r->{kind} ne 'rate' || $r->{fresh}
          ? (args => ['fresh'], warm_args => ['fresh']) : ();
        for my $side (qw(module ceiling)) {
            my $path = $side eq 'module' ? "$base$r->{path}" : '/ceiling';
            $m{$side} = measure_begin($srv{$side}, side_opts($r), ($side eq 'module' ? %runs : ()),
                @fresh, path => $path, log => "$dir/$side.wrk");
        }
        for my $i (1 .. $opt{repeat}) {
            measure_run($m{$_}, $i) for qw(module ceiling);
        }
        $sides{$_} = measure_end($m{$_}) for qw(module ceiling);
        1;
    };
    my $err = $@;
    stop_nginx($_) for values %srv;
    die $err unless $ok;
    return \%sides;
}

sub run_put_row {
    my $r = shift;
    my $dir = "$opt{work}/$r->{id}";
    remove_tree($dir);
    make_path($dir);
    my $store = store($r->{id}, $r->{n});
    my $srv = start_nginx(prefix => "$dir/nginx", store => $store, durability => $r->{durability});
    my $m = eval {
        measure($srv, side_opts($r), path => '/api/v0/users/', warm_args => [ 'put', 'w' ],
            args => [ 'put', 'm' ], log => "$dir/module.wrk");
    };
    my $err = $@;
    # every 2xx answer created one user (and so may each request still in
    # flight when a run ended: up to one per connection and run, warm-up
    # included)
    if (!$err) {
        my $res = $http->get("http://127.0.0.1:$srv->{port}/api/v0/users");
        my $list = eval { JSON::PP->new->utf8->decode($res->{content})->{users} };
        $m->{users_after} = ref $list eq 'ARRAY' ? scalar @$list : -1;
        my $warm = (slurp("$dir/module.wrk.warmup") // '') =~ /requests=(\d+).*?status=(\d+)/ ? $1 - $2 : 0;
        $m->{users_expected} = $r->{n} + $warm;
        $m->{users_expected} += $_->{requests} - $_->{status} for @{ $m->{runs} };
        $m->{users_slack} = ($opt{repeat} + 1) * $m->{connections};
    }
    stop_nginx($srv);
    die $err if $err;
    return { module => $m };
}

sub run_commit_rate {
    make_path("$opt{work}/stores");
    my $out = `$opt{bin}/commit_rate --dir $opt{work}/stores --count 1000000 --seconds $opt{seconds}`;
    my ($n, $s, $rate) = $out =~ /commits (\d+) seconds ([\d.]+) rate ([\d.]+)/
      or die "commit_rate failed: $out\n";
    return { commits => $n, seconds => $s, rate => $rate };
}

# ---------------------------------------------------------------- formatting

sub commify {
    my $n = shift;
    my $s = sprintf('%.0f', $n);
    1 while $s =~ s/^(\d+)(\d{3})/$1,$2/;
    return $s;
}

sub fmt_n { my $n = shift; return $n >= 1000 && $n % 1000 == 0 ? ($n / 1000) . 'k' : $n }
sub fmt_rps {
    my $r = shift;
    return ($r < 10 ? sprintf('%.2f', $r) : $r < 100 ? sprintf('%.1f', $r) : commify($r)) . ' req/s';
}

sub fmt_time {
    my $us = shift;
    return sprintf('%.0f ms', $us / 1000) if $us >= 100_000;
    return sprintf('%.2f ms', $us / 1000) if $us >= 1000;
    return sprintf('%.0f µs', $us);
}
sub fmt_mib { my $b = shift; return sprintf('%s%.1f MiB', $b < 0 ? '-' : '+', abs($b) / $MiB) }
sub fmt_ratio { my $x = shift; return defined $x ? sprintf('%.2f', $x) : '—' }

# wall time of one request, from the run at one connection: the median, which
# a stray interruption moves less than the mean
sub time_per_request { my $m = shift; return $m->{p50_us} }

sub error_note {
    my $m = shift;
    my @e = map { "$_ $m->{$_}" } grep { $m->{$_} } qw(status connect read write timeout);
    return @e ? 'errors: ' . join(', ', @e) : '';
}

# The table rows (one run may give two: time and memory).
sub table_rows {
    my @out;
    for my $r (@rows) {
        if (!$r->{selected}) { # --only: as the report before this run gave it
            push @out, @{ $kept{table}{ $r->{id} } || [] };
            next;
        }
        my @lines = eval { row_lines($r) };
        my $why = $@ || ($result{ $r->{id} } // {})->{error} || (@lines ? '' : 'not run');
        if ($why) {
            $why =~ s/\s+/ /g;
            $why =~ s/ at \S+ line \d+\.?//;
            $why =~ s/\Q$cwd\E\///g;    # the report names no machine paths
            @lines = ([ $r->{what}, fmt_n($r->{n}), '—', '—', '—', target_text($r), 'error', $why ]);
        }
        push @out, @lines;
    }
    return @out;
}

sub row_lines {
    my $r = shift;
    my @out;
    {
        my $res = $result{ $r->{id} };
        return () if !$res || $res->{error};
        my $n = fmt_n($r->{n});
        my ($m, $c) = @{$res}{qw(module ceiling)};
        my $note = error_note($m);
        my $bad = ($m->{errors_all} // $m->{errors}) > 0 || $m->{requests} == 0;
        $note ||= 'errors in another run' if $bad && $m->{requests};
        if ($r->{kind} eq 'rate') {
            my $ratio = $c->{rps} ? $m->{rps} / $c->{rps} : undef;
            push @out, [ $r->{what}, $n, fmt_rps($m->{rps}),
                fmt_rps($c->{rps}) . " ($r->{ceiling_how})", fmt_ratio($ratio),
                '≥ ' . sprintf('%.2f', $r->{target}) . ' of the ceiling',
                holds(!$bad && defined $ratio && $ratio >= $r->{target}), $note ];
        } elsif ($r->{kind} eq 'list' || $r->{kind} eq 'scan') {
            my $t = time_per_request($m);
            my $tc = time_per_request($c);
            my $per_user = $t / $r->{n};
            $res->{per_user} = $per_user;
            my $measured = fmt_time($t) . '/req, ' . sprintf('%.2f µs/user', $per_user);
            my $ratio = $t ? $tc / $t : undef;
            my ($target, $holds) = ('report', '—');
            if ($r->{linear_vs}) {
                my $prev = $result{ $r->{linear_vs} };
                my $pn = fmt_n($row{ $r->{linear_vs} }{n});
                if ($prev && $prev->{per_user}) {
                    my $g = $per_user / $prev->{per_user};
                    $target = sprintf('µs/user ≤ %.1f× N=%s (is %.2f×)', $LINEAR, $pn, $g);
                    $holds = holds(!$bad && $g <= $LINEAR);
                } else {
                    $target = sprintf('µs/user ≤ %.1f× N=%s (not measured)', $LINEAR, $pn);
                    $holds = '—';
                }
            } elsif ($r->{kind} eq 'list') {
                $target = 'base of the linearity rows';
            }
            push @out, [ $r->{what} . ($r->{kind} eq 'list' ? ': time' : ': time (full scan)'), $n,
                $measured, fmt_time($tc) . "/req ($r->{ceiling_how})", fmt_ratio($ratio), $target,
                $holds, join('; ', grep { $_ } $note, commify($r->{bytes}) . ' bytes') ];
            if ($r->{rss}) {
                push @out, [ $r->{what} . ': worker RSS growth (VmHWM)', $n, fmt_mib($m->{rss_growth}),
                    fmt_mib($c->{rss_growth}), '—', 'reported (see the next row)', '—',
                    'VmHWM after − VmRSS before, busiest worker; of which the store\'s memory map (shared page cache): '
                      . fmt_mib($m->{map_growth}) ];
                my $own = own_growth($m);
                push @out, [ $r->{what} . ': worker RSS growth outside the store map', $n, fmt_mib($own),
                    fmt_mib(own_growth($c)), '—', "< $RSS_LIMIT MiB", holds(!$bad && $own < $RSS_LIMIT * $MiB),
                    'the larger of VmHWM growth − store map growth and peak RssAnon growth (sampled every 10 ms), busiest worker' ];
            }
        } elsif ($r->{kind} eq 'put') {
            my ($ref, $ref_text);
            if ($r->{reference} eq 'commit') {
                $ref = $commit ? $commit->{rate} : undef;
                $ref_text = $commit ? commify($ref) . ' synced commits/s' : '—';
            } else {
                my $g = $result{ $r->{reference} };
                $ref = $g && $g->{module} ? $g->{module}{rps} : undef;
                $ref_text = $ref ? fmt_rps($ref) . ' (GET v0/users, N=100)' : '—';
            }
            my $ratio = $ref ? $m->{rps} / $ref : undef;
            my $check = defined $m->{users_after}
              && ($m->{users_after} < $m->{users_expected}
                || $m->{users_after} > $m->{users_expected} + $m->{users_slack})
              ? "the store holds $m->{users_after} users, expected $m->{users_expected}" : '';
            push @out, [ $r->{what}, $n . ' + new', fmt_rps($m->{rps}), $ref_text, fmt_ratio($ratio),
                ($r->{target} >= 1 ? sprintf('≥ %g×', $r->{target}) : sprintf('≥ %.2f', $r->{target})),
                holds(!$bad && !$check && defined $ratio && $ratio >= $r->{target}),
                join('; ', grep { $_ } $note, $check, "$m->{connections} connections") ];
        }
    }
    return @out;
}

sub holds { return $_[0] ? 'yes' : 'NO' }

sub target_text {
    my $r = shift;
    return sprintf('≥ %.2f of the ceiling', $r->{target}) if $r->{kind} eq 'rate';
    return sprintf('µs/user ≤ %.1f× N=%s', $LINEAR, fmt_n($row{ $r->{linear_vs} }{n}))
      if $r->{linear_vs};
    return $r->{target} >= 1 ? sprintf('≥ %g×', $r->{target}) : sprintf('≥ %.2f', $r->{target})
      if $r->{kind} eq 'put';
    return 'report';
}

sub markdown_table {
    my ($head, @rows) = @_;
    my @lines = ('| ' . join(' | ', @$head) . ' |', '|' . join('|', map { '---' } @$head) . '|');
    for my $r (@rows) {
        push @lines, '| ' . join(' | ', map { my $c = $_ // ''; $c =~ s/\|/\\|/g; $c } @$r) . ' |';
    }
    return join("\n", @lines) . "\n";
}

sub details_table {
    my @out;
    for my $r (@rows) {
        if (!$r->{selected}) {
            push @out, @{ $kept{runs}{ $r->{id} } || [] };
            next;
        }
        my $res = $result{ $r->{id} } or next;
        next if $res->{error};
        for my $side (qw(module ceiling)) {
            my $m = $res->{$side} or next;
            my @runs = @{ $m->{runs} || [$m] };
            for my $i (0 .. $#runs) {
                my $run = $runs[$i];
                my $best = $run == $m;
                push @out, [ $r->{id}, $side . (@runs > 1 ? ' ' . ($i + 1) . ($best ? ' (best)' : '') : ''),
                    "$m->{threads}/$m->{connections}",
                    commify($run->{requests}), fmt_rps($run->{rps}), fmt_time($run->{mean_us}),
                    fmt_time($run->{p50_us}), fmt_time($run->{p99_us}),
                    sprintf('%.0f µs', $run->{cpu_us}),
                    $best ? (sprintf('%.1f MiB', $m->{rss_before} / $MiB), fmt_mib($m->{rss_growth}),
                        fmt_mib($m->{map_growth}), fmt_mib($m->{anon_growth}))
                          : ('', '', '', ''),
                    $run->{errors} ];
            }
        }
    }
    return @out;
}

# ---------------------------------------------------------------- the report before

# What this run keeps of the report it replaces (--out): with --only, the
# rows it does not measure (their lines of the table and of "Runs", as that
# report gave them, and its raw commit rate when put-full is not measured);
# always, the sections that other programs write into the file (the query
# engine's, the slow streams'). (%kept is declared with %result.)

sub cells {
    my $line = shift;
    return () unless $line =~ s/^\| // && $line =~ s/ \|$//;
    return map { s/\\\|/|/gr } split / (?<!\\)\| /, $line, -1;
}

sub read_previous {
    my $text = slurp($opt{out}) // return;
    my ($head, @sections) = split /^(?=## )/m, $text;
    for my $sec (@sections) {
        my ($title) = $sec =~ /^## (.*)$/m;
        next if $title eq 'Runs' || $title eq 'What profiling found, and what changed';
        push @{ $kept{sections} }, $sec =~ s/\s*\z/\n/r;
    }
    return unless $opt{only} ne '';
    my ($date) = $head =~ /^- date: (.*)$/m;
    my ($commit) = $head =~ /^- nginx .* module at (.*)$/m;
    ($kept{commit_rate}) = $head =~ /^- raw commit rate: (.*)$/m;
    # which run each row comes from: that report's own, unless its line of
    # partial runs names an earlier one
    my %from;
    if (my ($earlier) = $head =~ /^- this run measured only .*?; rows of earlier runs: (.*)$/m) {
        while ($earlier =~ /((?:`[^`]+`(?:, )?)+) \(([^)]*)\)/g) {
            my ($ids, $run) = ($1, $2);
            $from{$_} = $run for $ids =~ /`([^`]+)`/g;
        }
    }
    $kept{from}{ $_->{id} } = $from{ $_->{id} } // ($date // '?') . ', module at ' . ($commit // '?')
      for grep { !$_->{selected} } @rows;
    my %title;    # [title, N] of a table line -> row id
    for my $r (grep { !$_->{selected} } @rows) {
        my $n = fmt_n($r->{n}) . ($r->{kind} eq 'put' ? ' + new' : '');
        $title{"$_\0$n"} = $r->{id} for $r->{what}, map { "$r->{what}: $_" } 'time',
          'time (full scan)', 'worker RSS growth (VmHWM)', 'worker RSS growth outside the store map';
    }
    my %runs = map { $_->{id} => 1 } grep { !$_->{selected} } @rows;
    my $in = '';
    for my $line (split /\n/, $text) {
        next if $line =~ /^\|(?:-+\|)+$/;    # a table's second line
        my @c = cells($line);
        if (!@c) {
            $in = '';
        } elsif ($c[0] eq 'what' && ($c[1] // '') eq 'N') {
            $in = 'table';
        } elsif ($c[0] eq 'row' && ($c[1] // '') eq 'side') {
            $in = 'runs';
        } elsif ($in eq 'table' && defined(my $id = $title{"$c[0]\0$c[1]"})) {
            push @{ $kept{table}{$id} }, \@c;
        } elsif ($in eq 'runs' && $runs{ $c[0] }) {
            push @{ $kept{runs}{ $c[0] } }, \@c;
        }
    }
}

# ---------------------------------------------------------------- the machine

sub machine {
    my %m;
    chomp($m{nproc} = `nproc 2>/dev/null` || '?');
    my $cpuinfo = slurp('/proc/cpuinfo') // '';
    ($m{cpu}) = $cpuinfo =~ /^model name\s*:\s*(.+)$/m;
    $m{cpu} //= '?';
    chomp($m{kernel} = `uname -sr 2>/dev/null` || '?');
    my ($mem) = (slurp('/proc/meminfo') // '') =~ /^MemTotal:\s+(\d+) kB/m;
    $m{memory} = $mem ? sprintf('%.1f GiB', $mem / 1024 / 1024) : '?';
    ($m{fs}) = (`df --output=fstype $opt{work} 2>/dev/null` // '') =~ /(\S+)\s*$/;
    $m{fs} //= '?';
    my $ngx = `$opt{nginx} -v 2>&1`;
    ($m{nginx}) = $ngx =~ m{nginx/(\S+)};
    $m{nginx} //= '?';
    my $wrk = `wrk -v 2>&1`;
    ($m{wrk}) = $wrk =~ /^wrk (\S+)/m;
    $m{wrk} //= '?';
    chomp(my $commit = `git rev-parse --short HEAD 2>/dev/null` || '?');
    my $dirty = `git status --porcelain --untracked-files=no -- src ngx_mytimetable_module.c++ config 2>/dev/null`;
    $m{commit} = $commit . ($dirty ? ' (with uncommitted changes to the module)' : '');
    return \%m;
}

# ---------------------------------------------------------------- main

my $started = time;
read_previous();
my $date = strftime('%Y-%m-%d %H:%M UTC', gmtime);
my $machine = machine();
my ($load_start) = (slurp('/proc/loadavg') // '?') =~ /^(\S+ \S+ \S+)/;
printf "bench: %s, %s cores (%s), kernel %s; %gs runs after %gs warm-ups\n", $date,
  $machine->{nproc}, $machine->{cpu}, $machine->{kernel}, $opt{seconds}, $opt{warmup};
print "bench: warning: load average $load_start before the run: the machine is not idle\n"
  if (split ' ', $load_start // '0')[0] > 0.5;
make_path($opt{work});
# nginx maps the module file: a rebuild during the run must not change (or
# crash) what is measured, so the run loads a copy taken now
{
    my $copy = "$opt{work}/module-under-test.so";
    unlink $copy;
    system('cp', $opt{module}, $copy) == 0 or die "cannot copy $opt{module}\n";
    $opt{module} = $copy;
}

# The disk's synced-commit rate drifts with what else the host does: measure
# it right next to the row that is compared with it.
sub commit_rate_now {
    print "commit_rate: synced LMDB commits, one put each ...\n";
    my $c = eval { run_commit_rate() };
    print $c ? sprintf("  %s commits/s (%d in %.1f s)\n", commify($c->{rate}), $c->{commits},
        $c->{seconds}) : "  failed: $@";
    if ($c) {
        push @commits, $c;
        $commit = $c if !$commit || $c->{rate} > $commit->{rate};
    }
}

for my $r (grep { $_->{selected} } @rows) {
    commit_rate_now() if $r->{reference} && $r->{reference} eq 'commit';
    printf "%s: %s, N=%s ...\n", $r->{id}, $r->{what}, commify($r->{n});
    my $res = eval { $r->{kind} eq 'put' ? run_put_row($r) : run_get_row($r) };
    commit_rate_now() if $r->{reference} && $r->{reference} eq 'commit';
    if ($res) {
        $result{ $r->{id} } = $res;
        for my $side (qw(module ceiling)) {
            my $m = $res->{$side} or next;
            printf "  %-8s %s, mean %s, %s errors\n", $side, fmt_rps($m->{rps}),
              fmt_time($m->{mean_us}), $m->{errors};
        }
    } else {
        my $err = $@ || 'unknown failure';
        print "  error: $err";
        $result{ $r->{id} } = { error => $err };
    }
}

my @head = ('what', 'N', 'measured', 'ceiling', 'ratio', 'target', 'holds', 'notes');
my @table = table_rows();
my $table = markdown_table(\@head, @table);
my @fails = grep { $_->[6] eq 'NO' || $_->[6] eq 'error' } @table;
my $summary = @fails
  ? "Targets that do not hold (" . scalar(@fails) . " of " . scalar(grep { $_->[6] ne '—' } @table) . "):\n"
    . join('', map { "- $_->[0], N=$_->[1]: $_->[2] (target $_->[5])" . ($_->[6] eq 'error' ? " — error: $_->[7]" : '') . "\n" } @fails)
  : "Every target holds.\n";

my $details = markdown_table(
    [ 'row', 'side', 'wrk -t/-c', 'requests', 'rate', 'mean latency', 'median latency', 'p99 latency',
      'worker CPU/req', 'worker RSS before', 'RSS growth (VmHWM)', 'of which store map',
      'private growth (RssAnon peak)', 'errors' ],
    details_table());

my ($load_end) = (slurp('/proc/loadavg') // '?') =~ /^(\S+ \S+ \S+)/;
my $commit_line = @commits
  ? join(' and ', map { sprintf('%s/s (%d in %.1f s)', commify($_->{rate}), $_->{commits}, $_->{seconds}) } @commits)
    . " synced one-put LMDB write transactions, in a fresh environment on the stores' $machine->{fs} filesystem,"
    . ' just before and just after the `full` PUT row; its ratio uses the higher'
  : $kept{commit_rate} && !$row{'put-full'}{selected} ? $kept{commit_rate}
  : 'not measured';
my $partial = '';
if ($opt{only} ne '') { # which earlier run each row kept from the report before comes from
    my (@runs, %ids);
    for my $r (grep { !$_->{selected} && $kept{table}{ $_->{id} } } @rows) {
        my $run = $kept{from}{ $r->{id} };
        push @runs, $run unless $ids{$run};
        push @{ $ids{$run} }, $r->{id};
    }
    $partial = "- this run measured only " . join(', ', map { "`$_->{id}`" } grep { $_->{selected} } @rows)
      . (@runs ? '; rows of earlier runs: '
          . join('; ', map { join(', ', map { "`$_`" } @{ $ids{$_} }) . " ($_)" } @runs) : '') . "\n";
}

my $md = <<"MD";
# Benchmark results

Written by `make bench` (bench/run.pl); bench/README.md says what each row measures and how to
read it.

- date: $date
- machine: $machine->{nproc} cores, $machine->{cpu}, $machine->{memory}, kernel $machine->{kernel}
- nginx $machine->{nginx} (2 workers), wrk $machine->{wrk}, module at $machine->{commit}
- runs: $opt{warmup} s warm-up then $opt{repeat} measured runs of $opt{seconds} s, each side in a fresh nginx;
  the best run counts (highest rate, lowest median time), as the host can only slow a run down;
  rate rows and PUT rows `wrk -t$opt{threads} -c$opt{connections}`, list and scan rows `wrk -t1 -c$opt{list_connections}`
  (one request at a time: the time per request is the median latency)
- raw commit rate: $commit_line
- load average (1, 5, 15 min) before the run: $load_start; after: $load_end. Every figure shares
  the 2 cores with wrk; anything else running at the same time lowers and blurs them.
$partial
$table
$summary
## Runs

Each measured wrk run (the warm-ups are not shown); the best of a side's runs is the one the
table above uses. Worker CPU/req is the user + system time of both nginx workers over the run
divided by the requests; RSS figures are those of the busiest worker over all the side's runs.

$details
MD
# what profiling found and what changed: kept by hand in bench/profile.md
$md .= "\n" . (slurp("$cwd/bench/profile.md") // '');
$md .= "\n" . join("\n", @{ $kept{sections} }) if @{ $kept{sections} };
$md =~ s/\n{3,}/\n\n/g;
spew($opt{out}, $md);

print "\n", $table, "\n", $summary;
printf "written to %s in %.0f s\n", $opt{out}, time - $started;
exit 0;
