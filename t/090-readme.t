# README.md as a test: its examples must print what it shows, and its
# configurations must pass `nginx -t`.
#
# - The first ```nginx block is README's own nginx.conf. It is started as it
#   is, with three substitutions that a test machine needs: the module path
#   (`load_module modules/...`), the store (`/var/lib/mytimetable`) and the
#   port (`127.0.0.1:8080`, also replaced in the commands and what they show).
# - Every ```sh block written as a session (lines starting with `$ `) runs, in
#   the order of the file, in one bash (variables carry over); a command whose
#   line ends with `\` goes on to the next line. What follows a command, up to
#   the next one, is what it prints: every line of it must come, in order; the
#   command may print more only as HTTP header lines (`Date: ...`), which
#   README leaves out where they do not matter. `...` in a shown line stands
#   for any text (a generated Id, a time), and a line that is just `...` for
#   any lines. A command shown without output must print nothing. ```sh blocks without `$ ` are instructions (installing,
#   building) and are not run here.
# - Every other ```nginx block must pass `nginx -t`: a whole file (one with
#   `events`) as it is, a block that starts with `server` inside `http {}`,
#   any other inside a `server {}` (a block whose first line is a comment
#   `# http` goes inside `http {}`); each with the same substitutions, a store
#   of its own unless it sets `mytimetable_store` (substituted too), and
#   files named under /etc/nginx/tls/ and /etc/nginx/mytimetable/ made in a
#   temporary directory (a self-signed certificate, an empty key map).
use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";
use File::Temp qw(tempdir);
use IO::Socket::INET;
use IPC::Open3;
use Symbol qw(gensym);
use Test::More;
use Time::HiRes qw(sleep time);

my $readme = "$FindBin::Bin/../README.md";
my $binary = $ENV{TEST_NGINX_BINARY} // 'nginx';
my $module = $ENV{TEST_NGINX_LOAD_MODULES}
    or plan skip_all => 'TEST_NGINX_LOAD_MODULES is not set';

# ---------------------------------------------------------------- the blocks
my @blocks;    # { lang, line, text }
{
    open my $f, '<', $readme or die "$readme: $!";
    my ($cur, $n) = (undef, 0);
    while (my $l = <$f>) {
        $n++;
        if (!$cur && $l =~ /^```(\w*)\s*$/) {
            $cur = { lang => $1, line => $n, text => '' };
        } elsif ($cur && $l =~ /^```\s*$/) {
            push @blocks, $cur;
            undef $cur;
        } elsif ($cur) {
            $cur->{text} .= $l;
        }
    }
    die "README.md: a block opened at line $cur->{line} is not closed\n" if $cur;
}
my @nginx = grep { $_->{lang} eq 'nginx' } @blocks;
my @sessions = grep { $_->{lang} eq 'sh' && $_->{text} =~ /^\$ /m } @blocks;
ok(@nginx >= 1, 'README has nginx blocks');
ok(@sessions >= 1, 'README has shell sessions');

my $prefix = tempdir('mtt-readme-XXXXXX', TMPDIR => 1, CLEANUP => 1);
chmod 0755, $prefix;    # workers (user nobody under root) reach the store below it
mkdir "$prefix/$_" for qw(conf logs);
my $port = free_port();

sub free_port {
    my $s = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => 0, Listen => 1)
        or die "no free port: $!";
    my $p = $s->sockport;
    close $s;
    return $p;
}

# Files that README's configurations name under /etc/nginx/ and that nginx
# reads at -t: a self-signed certificate and an (empty) key map, in the prefix.
mkdir "$prefix/etc-nginx";
mkdir "$prefix/etc-nginx/$_" for qw(tls mytimetable);
system("openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=timetable.example.edu"
       . " -keyout $prefix/etc-nginx/tls/timetable.key -out $prefix/etc-nginx/tls/timetable.crt 2>/dev/null") == 0
    or die 'openssl failed';
{ open my $f, '>', "$prefix/etc-nginx/mytimetable/api-keys.map" or die $!; close $f }

sub substitute {
    my ($text, $store) = @_;
    $text =~ s{/etc/nginx/(tls|mytimetable)/}{$prefix/etc-nginx/$1/}g;
    $text =~ s{\blisten 443 }{listen 127.0.0.1:$port }g;
    $text =~ s{^(\s*)load_module\s+modules/ngx_http_mytimetable_module\.so;}{$1load_module $module;}mg;
    $text =~ s{/var/lib/mytimetable\b}{$store}g;
    $text =~ s{127\.0\.0\.1:8080\b}{127.0.0.1:$port}g;
    return $text;
}

# nginx -t, or start, on a configuration file; returns (ok, output)
sub nginx {
    my ($conf, @args) = @_;
    my $file = "$prefix/conf/" . (0 + keys %{ { map { $_ => 1 } glob "$prefix/conf/*" } }) . '.conf';
    open my $f, '>', $file or die $!;
    print $f $conf;
    close $f;
    my $out = `$binary -p $prefix/ -c $file -g 'pid logs/nginx.pid; error_log logs/error.log notice;' @args 2>&1`;
    return ($? == 0, $out);
}

# ---------------------------------------------------------------- configurations
my $main = shift @nginx;
like($main->{text}, qr/^events\b/m, "README line $main->{line}: the first config is a whole file");
for my $b (@nginx) {
    my $text = substitute($b->{text}, "$prefix/store-t");
    my $conf;
    if ($text =~ /^\s*events\b/m) {
        $conf = $text;
    } else {
        my $http = $text =~ /\A\s*(server\b|# http\b)/;
        my $store = $text =~ /^\s*mytimetable_store\s/m ? '' : "    mytimetable_store $prefix/store-t;\n";
        $conf = "load_module $module;\nevents {}\nhttp {\n$store"
            . ($http ? $text : "server {\n    listen 127.0.0.1:$port;\n$text\n}\n") . "}\n";
    }
    my ($ok, $out) = nginx($conf, '-t');
    ok($ok, "README line $b->{line}: nginx -t passes") or diag($out);
}

# the example site of the Debian package is shown in README as it is
{
    my $file = "$FindBin::Bin/../examples/mytimetable-site.conf";
    open my $f, '<', $file or die "$file: $!";
    my $site = do { local $/; <$f> };
    ok((grep { $_->{text} eq $site } @nginx), 'README shows examples/mytimetable-site.conf as it is');
}

# ---------------------------------------------------------------- the sessions
my ($started, $out) = nginx(substitute($main->{text}, "$prefix/store"));
ok($started, "README line $main->{line}: nginx starts with README's config") or diag($out);
my $deadline = time + 10;
until (IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $port) || time > $deadline) {
    sleep 0.05;
}

my $err = gensym;
my $pid = open3(my $to, my $from, $err, 'bash', '--norc', '--noprofile');
$to->autoflush(1);
my $mark = "__readme_" . $$ . "__";

sub run_command {
    my ($cmd) = @_;
    print $to "$cmd\necho; echo $mark\n";
    my @lines;
    while (my $l = <$from>) {
        chomp $l;
        $l =~ s/\r$//;
        last if $l eq $mark;
        push @lines, $l;
    }
    pop @lines while @lines && $lines[-1] eq '';
    return @lines;
}

sub matches {
    my ($shown, $line) = @_;
    my $re = join '.*', map { quotemeta } split /\.\.\./, $shown, -1;
    return $line =~ /\A$re\z/;
}

for my $s (@sessions) {
    my @lines = split /\n/, substitute($s->{text}, "$prefix/store");
    my $n = $s->{line};
    my @steps;    # [line, command, [shown]]
    for (my $i = 0; $i < @lines; $i++) {
        my $l = $lines[$i];
        if ($l =~ /^\$ (.*)$/) {
            my ($cmd, $at) = ($1, $n + 1 + $i);
            while ($cmd =~ /\\$/ && $i + 1 < @lines) { $cmd .= "\n" . $lines[++$i] }
            push @steps, [$at, $cmd, []];
        } elsif (@steps) {
            push @{ $steps[-1][2] }, $l;
        }
    }
    for my $st (@steps) {
        my ($at, $cmd, $shown) = @$st;
        my @got = run_command($cmd);
        my @want = @$shown;
        pop @want while @want && $want[-1] eq '';
        # a shown line that is just `...` stands for any lines
        my ($w, $ok, $wild) = (0, 1, 0);
        for my $g (@got) {
            while ($w < @want && $want[$w] eq '...') { $wild = 1; $w++ }
            if ($w < @want && matches($want[$w], $g)) { $w++; $wild = 0; next }
            next if $wild;
            next if $g =~ /^[A-Za-z][A-Za-z0-9-]*: / || $g eq "";    # a header README leaves out, or the line after the headers
            $ok = 0;
            last;
        }
        $w++ while $w < @want && $want[$w] eq '...';
        $ok = 0 if $w < @want;
        ok($ok, "README line $at: $cmd") or diag("README shows:\n" . join("\n", @want) . "\nit prints:\n" . join("\n", @got));
    }
}

close $to;
waitpid $pid, 0;
if (open my $p, '<', "$prefix/logs/nginx.pid") {
    my $master = <$p>;
    chomp $master;
    kill 'QUIT', $master;
    my $until = time + 10;
    sleep 0.05 while kill(0, $master) && time < $until;
}
unlike(do { local $/; open my $l, '<', "$prefix/logs/error.log" or die; <$l> }, qr/\[(error|crit|alert|emerg)\]/,
    'no error in the log of README\'s nginx');

done_testing();
