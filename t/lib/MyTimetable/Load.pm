package MyTimetable::Load;

# Client-side load for the multi-worker and crash tests: fork N clients that
# talk HTTP/1.1 to 127.0.0.1, one new connection per request, each bounded in
# time (and by whatever count its own code sets), each appending what it was
# told to a log file of its own, one line per event, written unbuffered so that
# nothing acknowledged is lost whatever happens to the server.
#
#   my $load = MyTimetable::Load->new(port => $srv->port, clients => 8, seconds => 5);
#   $load->start(sub {
#       my $c = shift;                      # a MyTimetable::Load::Client
#       for my $n (1 .. 100) {
#           last if $c->expired;
#           my $r = $c->request(PUT => "v0/users/u-" . $c->id . "-$n");
#           $c->log('ack', "u-" . $c->id . "-$n") if $r->{status} == 204;
#       }
#   });
#   ...                                     # the parent may do things meanwhile
#   $load->wait;                            # reaps every client, SIGKILLs stragglers
#   my @lines = $load->log(0);              # client 0's lines, each an array ref
#
# A request answers a hash: status (599 when the transport failed: refused,
# reset, timed out, cut short), content, headers (lower-case names), and
# t0/t1, the times before sending and after the answer (Time::HiRes::time,
# comparable across clients). Every request is one attempt on a new
# connection with `Connection: close`: it is never retried.

use strict;
use warnings;

use File::Temp qw(tempdir);
use POSIX ();
use Time::HiRes qw(sleep time);

# new(port => P, clients => N, seconds => S, [path => '/api/'], [timeout => 5], [grace => 10])
sub new {
    my ($class, %opt) = @_;
    my $self = bless {
        port    => $opt{port} // die("port is required\n"),
        clients => $opt{clients} // 4,
        seconds => $opt{seconds} // 5,
        path    => $opt{path} // '/api/',
        timeout => $opt{timeout} // 5,
        grace   => $opt{grace} // 10,
        dir     => tempdir('mtt-load-XXXXXX', TMPDIR => 1, CLEANUP => 1),
        pids    => {},
        killed  => 0,
    }, $class;
    return $self;
}

sub dir { $_[0]{dir} }

# Clients that had to be SIGKILLed by wait() because they outlived their time.
sub stragglers { $_[0]{killed} }

sub log_file { my ($self, $i) = @_; return "$self->{dir}/client-$i.log" }

# Forks the clients; each runs $code->($client) then exits without running
# the parent's END blocks or destructors (which would stop the server).
sub start {
    my ($self, $code) = @_;
    $self->{deadline} = time + $self->{seconds};
    for my $i (0 .. $self->{clients} - 1) {
        my $seed = int rand 2**31;    # the parent's srand decides the clients' choices
        my $pid = fork;
        die "fork: $!" unless defined $pid;
        if ($pid == 0) {
            my $status = 0;
            eval {
                local $SIG{PIPE} = 'IGNORE';
                local $SIG{ALRM} = sub { die "client $i: out of time\n" };
                alarm($self->{seconds} + $self->{grace});
                srand($seed);
                my $client = MyTimetable::Load::Client->new($self, $i);
                $code->($client);
                alarm 0;
                1;
            } or do {
                print STDERR $@;
                $status = 1;
            };
            POSIX::_exit($status);
        }
        $self->{pids}{$pid} = $i;
    }
    return $self;
}

# Reaps every client; those still running `grace` seconds after the load's
# time are SIGKILLed (and counted in stragglers). Returns the number of
# clients that failed (died or were killed).
sub wait {
    my $self = shift;
    my $failed = 0;
    my $hard = $self->{deadline} + $self->{grace};
    while (%{ $self->{pids} }) {
        for my $pid (keys %{ $self->{pids} }) {    # only our own children
            next unless waitpid($pid, POSIX::WNOHANG()) == $pid;
            delete $self->{pids}{$pid};
            $failed++ if $? != 0;
        }
        last unless %{ $self->{pids} };
        if (time > $hard) {
            for my $p (keys %{ $self->{pids} }) {
                kill 'KILL', $p;
                waitpid($p, 0);
                delete $self->{pids}{$p};
                $self->{killed}++;
                $failed++;
            }
            last;
        }
        sleep 0.01;
    }
    return $failed;
}

# The lines client $i logged, each as an array ref of its fields.
sub log {
    my ($self, $i) = @_;
    open my $f, '<', $self->log_file($i) or return ();
    my @lines;
    while (my $line = <$f>) {
        next unless $line =~ s/\n\z//;    # a torn last line cannot happen (one write each), but be safe
        push @lines, [ split /\t/, $line, -1 ];
    }
    return @lines;
}

# Every client's lines, as [client, fields...].
sub logs {
    my $self = shift;
    return map { my $i = $_; map { [ $i, @$_ ] } $self->log($i) } 0 .. $self->{clients} - 1;
}

sub DESTROY {
    my $self = shift;
    kill 'KILL', keys %{ $self->{pids} } if $self->{pids} && %{ $self->{pids} };
    waitpid($_, 0) for keys %{ $self->{pids} || {} };
}

package MyTimetable::Load::Client;

use strict;
use warnings;

use Errno qw(EINTR EAGAIN);
use Fcntl qw(O_WRONLY O_APPEND O_CREAT);
use IO::Select;
use IO::Socket::INET;
use Time::HiRes qw(time);

sub new {
    my ($class, $load, $i) = @_;
    sysopen my $log, $load->log_file($i), O_WRONLY | O_APPEND | O_CREAT or die "log: $!";
    return bless {
        id       => $i,
        load     => $load,
        log      => $log,
        deadline => $load->{deadline},
        port     => $load->{port},
        path     => $load->{path},
        timeout  => $load->{timeout},
        requests => 0,
    }, $class;
}

sub id       { $_[0]{id} }
sub expired  { time >= $_[0]{deadline} }
sub requests { $_[0]{requests} }

# request(METHOD, PATH, [BODY], [CONTENT_TYPE]): PATH is below the API
# location. One attempt on a new connection, never retried (HTTP::Tiny
# retries a PUT or DELETE whose connection closed early, which would hide
# the very outcome a crash test looks at).
sub request {
    my ($self, $method, $path, $body, $type) = @_;
    $self->{requests}++;
    my $t0 = time;
    my %res = (status => 599, content => '', headers => {});
    eval { %res = (%res, $self->exchange($method, $self->{path} . $path, $body, $type)); 1 }
        or $res{content} = $@;
    return { %res, t0 => $t0, t1 => time };
}

sub exchange {
    my ($self, $method, $target, $body, $type) = @_;
    my $deadline = time + $self->{timeout};
    my $sock = IO::Socket::INET->new(
        PeerAddr => '127.0.0.1', PeerPort => $self->{port}, Proto => 'tcp', Timeout => $self->{timeout},
    ) or die "connect: $!\n";
    $sock->blocking(0);
    my $req = "$method $target HTTP/1.1\r\nHost: 127.0.0.1:$self->{port}\r\nConnection: close\r\n";
    if (defined $body) {
        $req .= 'Content-Type: ' . ($type // 'application/x-www-form-urlencoded') . "\r\n";
    }
    $req .= 'Content-Length: ' . length($body // '') . "\r\n" if defined $body || $method =~ /^(?:PUT|POST)$/;
    $req .= "\r\n" . ($body // '');
    my $sel = IO::Select->new($sock);
    while (length $req) {
        my $left = $deadline - time;
        die "timeout writing\n" if $left <= 0;
        next unless $sel->can_write($left);
        my $n = syswrite($sock, $req);
        if (!defined $n) { next if $! == EINTR || $! == EAGAIN; die "write: $!\n" }
        substr($req, 0, $n, '');
    }
    my $in = '';
    while (1) {
        my $left = $deadline - time;
        die "timeout reading\n" if $left <= 0;
        next unless $sel->can_read($left);
        my $n = sysread($sock, $in, 65536, length $in);
        if (!defined $n) { next if $! == EINTR || $! == EAGAIN; die "read: $!\n" }
        last if $n == 0;
    }
    close $sock;
    my $end = index($in, "\r\n\r\n");
    die "incomplete answer\n" if $end < 0;
    my ($status_line, @header_lines) = split /\r\n/, substr($in, 0, $end);
    my ($status) = $status_line =~ m{^HTTP/1\.[01] (\d{3})} or die "bad status line\n";
    my %headers;
    for (@header_lines) {
        my ($k, $v) = /^([^:]+):\s*(.*)$/ or next;
        $headers{ lc $k } = $v;
    }
    my $content = substr($in, $end + 4);
    if (($headers{'transfer-encoding'} // '') =~ /chunked/i) {
        my $out = '';
        while ($content =~ s/^([0-9a-fA-F]+)[^\r]*\r\n//) {
            my $size = hex $1;
            last if $size == 0;
            die "incomplete answer\n" if length($content) < $size + 2;
            $out .= substr($content, 0, $size);
            substr($content, 0, $size + 2, '');
        }
        $content = $out;
    } elsif (defined $headers{'content-length'}) {
        die "incomplete answer\n" if length($content) < $headers{'content-length'};
        $content = substr($content, 0, $headers{'content-length'});
    }
    return (status => $status, content => $content, headers => \%headers);
}

# Appends one line of tab-separated fields, in one write(2).
sub log {
    my ($self, @fields) = @_;
    my $line = join("\t", map { $_ // '' } @fields) . "\n";
    my $n = syswrite($self->{log}, $line);
    die "log: $!" unless defined $n && $n == length $line;
}

1;
