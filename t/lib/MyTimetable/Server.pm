package MyTimetable::Server;

# A private nginx with the module loaded, for the tests that need more than
# one request/response pair per block can express: several workers at once,
# restarts and kills, values carried from one answer into the next request.
# It uses the same environment as Test::Nginx: TEST_NGINX_BINARY and
# TEST_NGINX_LOAD_MODULES (and TEST_NGINX_LD_PRELOAD for sanitizer builds).

use strict;
use warnings;

use File::Temp qw(tempdir);
use HTTP::Tiny;
use IO::Socket::INET;
use JSON::PP;
use POSIX qw(:sys_wait_h);
use Time::HiRes qw(sleep time);

sub module_path { return $ENV{TEST_NGINX_LOAD_MODULES} }

# new(workers => 2, http_config => "...", location_config => "...", store => DIR,
#     listen_params => "sndbuf=4k", server_config => "location = /metrics {...}")
# new(config => TEXT, port => N): a whole nginx.conf of one's own (an example
# as it is), to which only `pid` and `error_log` are added; `port` is the one
# start() waits for.
sub new {
    my ($class, %opt) = @_;
    my $self = bless {
        workers         => $opt{workers} // 2,
        http_config     => $opt{http_config} // '',
        location_config => $opt{location_config} // '',
        server_config   => $opt{server_config} // '',
        listen_params   => $opt{listen_params} // '',
        prefix          => tempdir('mtt-server-XXXXXX', TMPDIR => 1, CLEANUP => 1),
        binary          => $ENV{TEST_NGINX_BINARY} // 'nginx',
    }, $class;
    chmod 0755, $self->{prefix};    # the workers (user nobody) reach the store below it
    $self->{store} = $opt{store} // "$self->{prefix}/store";
    $self->{port} = $opt{port} // free_port();
    $self->{config} = $opt{config};
    mkdir "$self->{prefix}/$_" for qw(conf logs);
    $self->{http} = HTTP::Tiny->new(timeout => 30, keep_alive => 0);
    return $self;
}

sub free_port {
    my $s = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => 0, Listen => 1)
        or die "no free port: $!";
    my $port = $s->sockport;
    close $s;
    return $port;
}

sub store { $_[0]{store} }
sub prefix { $_[0]{prefix} }
sub port  { $_[0]{port} }
sub error_log { my $self = shift; local $/; open my $f, '<', "$self->{prefix}/logs/error.log" or return ''; <$f> }

sub write_config {
    my $self = shift;
    my $module = module_path();
    open my $f, '>', "$self->{prefix}/conf/nginx.conf" or die $!;
    if (defined $self->{config}) {
        print $f "pid logs/nginx.pid;\nerror_log logs/error.log notice;\n$self->{config}";
        close $f;
        return;
    }
    print $f <<"CONF";
load_module $module;
worker_processes $self->{workers};
error_log logs/error.log notice;
pid logs/nginx.pid;
events { worker_connections 1024; }
http {
    access_log off;
    mytimetable_store $self->{store};
    $self->{http_config}
    server {
        listen 127.0.0.1:$self->{port} reuseport $self->{listen_params};
        location /api/ {
            mytimetable;
            $self->{location_config}
        }
        $self->{server_config}
    }
}
CONF
    close $f;
}

sub start {
    my $self = shift;
    $self->write_config;
    local $ENV{LD_PRELOAD} = $ENV{TEST_NGINX_LD_PRELOAD} if $ENV{TEST_NGINX_LD_PRELOAD};
    system($self->{binary}, '-p', "$self->{prefix}/", '-c', 'conf/nginx.conf') == 0
        or die "nginx did not start:\n" . $self->error_log;
    my $deadline = time + 10;
    while (time < $deadline) {
        my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $self->{port});
        return $self if $s && $self->master_pid;
        sleep 0.05;
    }
    die "nginx did not listen on $self->{port}:\n" . $self->error_log;
}

sub master_pid {
    my $self = shift;
    open my $f, '<', "$self->{prefix}/logs/nginx.pid" or return;
    my $pid = <$f>;
    chomp $pid if defined $pid;
    return $pid;
}

sub worker_pids {
    my $self = shift;
    my $master = $self->master_pid or return ();
    my @pids = split ' ', `pgrep -P $master`;
    return @pids;
}

sub wait_gone {
    my ($pid, $seconds) = @_;
    my $deadline = time + $seconds;
    while (time < $deadline) {
        return 1 unless kill 0, $pid;
        sleep 0.02;
    }
    return 0;
}

# Graceful stop (SIGQUIT), then SIGKILL if it hangs.
sub stop {
    my $self = shift;
    my $pid = $self->master_pid or return;
    kill 'QUIT', $pid;
    wait_gone($pid, 10) or kill 'KILL', $pid;
    unlink "$self->{prefix}/logs/nginx.pid";
}

# SIGKILL the master and every worker at once: a crash.
sub crash {
    my $self = shift;
    my $pid = $self->master_pid or return;
    my @workers = $self->worker_pids;
    kill 'KILL', $pid, @workers;
    wait_gone($_, 10) for $pid, @workers;
    unlink "$self->{prefix}/logs/nginx.pid";
}

sub reload {
    my $self = shift;
    $self->write_config;
    kill 'HUP', $self->master_pid;
    sleep 0.5;
}

sub url { my ($self, $path) = @_; return "http://127.0.0.1:$self->{port}/api/$path" }

# request(METHOD, PATH, [BODY], [CONTENT_TYPE]) -> HTTP::Tiny response
sub request {
    my ($self, $method, $path, $body, $type) = @_;
    my %opt;
    if (defined $body) {
        $opt{content} = $body;
        $opt{headers} = { 'Content-Type' => $type // 'application/x-www-form-urlencoded' };
    }
    return $self->{http}->request($method, $self->url($path), \%opt);
}

sub json { my ($self, $res) = @_; return JSON::PP->new->utf8->decode($res->{content}) }

# ---------------------------------------------------------------- additions
# Small helpers for the multi-worker and crash tests.

# Replaces the http-level configuration used by the next start or reload.
sub set_http_config { my ($self, $conf) = @_; $self->{http_config} = $conf; return $self }

# The size of error.log now, and what was appended to it since such a size:
# the part of the log of one start, one reload or one storm.
sub error_log_size { my $self = shift; return -s "$self->{prefix}/logs/error.log" // 0 }

sub error_log_since {
    my ($self, $offset) = @_;
    my $log = $self->error_log;
    return length($log) > $offset ? substr($log, $offset) : '';
}

# Waits until the master has exactly $n workers, none of them in @old, and
# returns their pids; empty on timeout. For a respawn after a killed worker or
# the new generation after a reload.
sub wait_workers {
    my ($self, $n, $seconds, @old) = @_;
    my %old = map { $_ => 1 } @old;
    my $deadline = time + ($seconds // 10);
    while (time < $deadline) {
        my @pids = $self->worker_pids;
        return @pids if @pids == $n && !grep { $old{$_} } @pids;
        sleep 0.02;
    }
    return;
}

# stop_now and crash_now: stop and crash, except that a process that has
# exited counts as gone while it waits to be reaped. The master is a daemon,
# reaped by init, and where init reaps late every stop would wait for it.
sub exited {
    my $pid = shift;
    return 1 unless kill 0, $pid;
    open my $f, '<', "/proc/$pid/stat" or return 1;
    return (<$f> // '') =~ /^\d+ \(.*\) [ZX]/ ? 1 : 0;
}

sub wait_exited {
    my ($pid, $seconds) = @_;
    my $deadline = time + $seconds;
    until (exited($pid)) {
        return 0 if time > $deadline;
        sleep 0.01;
    }
    return 1;
}

sub stop_now {
    my $self = shift;
    my $pid = $self->master_pid or return;
    kill 'QUIT', $pid;
    wait_exited($pid, 10) or kill 'KILL', $pid;
    unlink "$self->{prefix}/logs/nginx.pid";
}

sub crash_now {
    my $self = shift;
    my $pid = $self->master_pid or return;
    my @workers = $self->worker_pids;
    kill 'KILL', $pid, @workers;
    wait_exited($_, 10) for $pid, @workers;
    unlink "$self->{prefix}/logs/nginx.pid";
}

sub DESTROY { my $self = shift; $self->stop if $self->{prefix} && -d $self->{prefix} }

1;
