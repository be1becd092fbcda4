package Test::Nginx::Util;

# A small runner compatible with openresty's test-nginx (the CPAN
# distribution Test-Nginx), used ONLY when the real Test::Nginx is not
# installed: t/prove adds t/runner to @INC in that case and not otherwise.
#
# This half manages the nginx under test: settings and their exported
# setters, the server root (t/servroot), nginx.conf, starting and stopping
# nginx, and reading the error log. Test::Nginx::Socket (the other half)
# builds the requests, talks HTTP and runs the checks; see the list of
# supported sections there.
#
# Behaviour kept from the real module:
#   * each block with a --- config section restarts nginx from scratch:
#     stop the previous nginx (SIGQUIT, then SIGKILL after timeout()),
#     remove conf/, html/, logs/, *_temp and *_cache under the server root
#     (never anything else: the root must then be empty), recreate it,
#     write conf/nginx.conf and run `nginx -p ROOT/ -c ROOT/conf/nginx.conf`;
#     a block without --- config reuses the running nginx;
#   * defaults: daemon on, master_process off, worker_processes 1,
#     worker_connections 64, error_log logs/error.log debug, port 1984,
#     "user root;" when run as root (TEST_NGINX_WORKER_USER overrides);
#   * $TEST_NGINX_XXX in config sections is replaced by the environment
#     variable of that name (bail out when it is not set);
#   * blocks are shuffled unless no_shuffle() or TEST_NGINX_NO_SHUFFLE;
#   * nginx is left running after the last block and stopped at exit
#     unless TEST_NGINX_NO_CLEAN is set.
# Additions:
#   * TEST_NGINX_LD_PRELOAD: LD_PRELOAD for the nginx command only;
#   * TEST_NGINX_HTML_DIR and TEST_NGINX_SERVROOT are set when unset (the
#     real module leaves them to the test file: write
#     `$ENV{TEST_NGINX_HTML_DIR} ||= html_dir();` to stay portable);
#   * load_module lines (TEST_NGINX_LOAD_MODULES) go at the top of
#     nginx.conf;
#   * when the nginx binary was built with absolute temp paths (as
#     distribution packages are), the *_temp_path directives point into
#     the server root, so that nothing outside it is touched;
#   * what nginx prints on stderr while starting (e.g. [emerg] lines) is
#     appended to logs/error.log, as a build with a prefix-relative
#     default error log would do.

use strict;
use warnings;

use base 'Exporter';

use File::Spec ();
use File::Path qw(make_path remove_tree);
use File::Temp qw(tempfile);
use List::Util qw(shuffle);
use POSIX qw(:sys_wait_h SIGQUIT SIGKILL);
use Time::HiRes qw(sleep time);
use Test::More ();
use Test::LongString ();

our @EXPORT = qw(
    run_tests run_test repeat_each workers master_on master_off
    master_process_enabled log_level no_shuffle no_long_string
    no_root_location server_port server_port_for_client server_addr
    server_name server_root html_dir timeout worker_connections
    config_preamble env_to_nginx check_accum_error_log
    add_block_preprocessor add_cleanup_handler bail_out is_str
    parse_time trim fmt_str parse_headers error_log_data access_log_data
    sleep_time verbose is_running get_pid_from_pidfile
    $ServerPort $ServerPortForClient $ServerAddr $ServerName
    $NoLongString $RepeatEach $PidFile $ServRoot $ConfFile $NginxVersion
    $RunTestHelper $CheckErrorLog
);

# ------------------------------------------------------------ settings

our $NginxBinary          = $ENV{TEST_NGINX_BINARY} || 'nginx';
our $ServerAddr           = '127.0.0.1';
our $ServerName           = 'localhost';
our $ServerPort           = $ENV{TEST_NGINX_SERVER_PORT} || $ENV{TEST_NGINX_PORT}
                            || 1984;
our $ServerPortForClient  = $ENV{TEST_NGINX_CLIENT_PORT} || $ServerPort;
our $Workers              = 1;
our $WorkerConnections    = 64;
our $LogLevel             = $ENV{TEST_NGINX_LOG_LEVEL} || 'debug';
our $MasterProcessEnabled = $ENV{TEST_NGINX_MASTER_PROCESS} || 'off';
our $DaemonEnabled        = 'on';
our $RepeatEach           = 1;
our $NoShuffle            = $ENV{TEST_NGINX_NO_SHUFFLE} || 0;
our $NoRootLocation       = 0;
our $NoLongString;
our $CheckAccumErrLog     = $ENV{TEST_NGINX_CHECK_ACCUM_ERR_LOG};
our $Timeout              = $ENV{TEST_NGINX_TIMEOUT} || 3;
our $TestNginxSleep       = $ENV{TEST_NGINX_SLEEP} || 0.015;
our $LoadModules          = $ENV{TEST_NGINX_LOAD_MODULES};
our $WorkerUser           = $ENV{TEST_NGINX_WORKER_USER};
our $Verbose              = $ENV{TEST_NGINX_VERBOSE};
our $ConfigPreamble       = '';
our (@EnvToNginx, @BlockPreprocessors, @CleanupHandlers);

if (defined $WorkerUser && $WorkerUser !~ /^\w+(?:\s+\w+)?$/) {
    die "Bad value in the env TEST_NGINX_WORKER_USER: $WorkerUser\n";
}

our $ServRoot   = File::Spec->rel2abs($ENV{TEST_NGINX_SERVROOT} || 't/servroot');
our $LogDir     = "$ServRoot/logs";
our $ErrLogFile = "$LogDir/error.log";
our $AccLogFile = "$LogDir/access.log";
our $HtmlDir    = "$ServRoot/html";
our $ConfDir    = "$ServRoot/conf";
our $ConfFile   = "$ConfDir/nginx.conf";
our $PidFile    = "$LogDir/nginx.pid";

$ENV{TEST_NGINX_SERVER_ROOT} = $ServRoot;
$ENV{TEST_NGINX_SERVROOT}  ||= $ServRoot;
$ENV{TEST_NGINX_HTML_DIR}  ||= $HtmlDir;

# Hooks filled in by Test::Nginx::Socket.
our $RunTestHelper;
our $CheckErrorLog;

# State.
our $NginxVersion;
our $NginxConfigureArgs = '';
our $PrevConfig;
our $ErrLogFilePos = 0;
our $InSubprocess;

# ------------------------------------------------------------ setters

sub repeat_each (@)        { $RepeatEach = shift if @_; $RepeatEach }
sub workers (@)            { $Workers = shift if @_; $Workers }
sub master_on ()           { $MasterProcessEnabled = 'on' }
sub master_off ()          { $MasterProcessEnabled = 'off' }
sub log_level (@)          { $LogLevel = shift if @_; $LogLevel }
sub no_shuffle ()          { $NoShuffle = 1 }
sub no_long_string ()      { $NoLongString = 1 }
sub no_root_location ()    { $NoRootLocation = 1 }
sub check_accum_error_log () { $CheckAccumErrLog = 1 }
sub server_port (@)        { $ServerPort = shift if @_; $ServerPort }
sub server_port_for_client (@) {
    $ServerPortForClient = shift if @_;
    $ServerPortForClient;
}
sub server_addr (@)        { $ServerAddr = shift if @_; $ServerAddr }
sub server_name (@)        { $ServerName = shift if @_; $ServerName }
sub server_root ()         { $ServRoot }
sub html_dir ()            { $HtmlDir }
sub timeout (@)            { $Timeout = shift if @_; $Timeout }
sub worker_connections (@) { $WorkerConnections = shift if @_; $WorkerConnections }
sub config_preamble ($)    { $ConfigPreamble = shift }
sub sleep_time             { $TestNginxSleep }
sub verbose                { $Verbose }

sub master_process_enabled (@) {
    return $MasterProcessEnabled unless @_;
    $MasterProcessEnabled = shift() ? 'on' : 'off';
}

sub env_to_nginx (@) {
    die "env_to_nginx: no arguments specified\n" unless @_;
    for my $v (@_) {
        die "env_to_nginx: bad argument value: $v\n"
            if $v !~ /^[A-Za-z_]/ || $v =~ /\n/;
        push @EnvToNginx, $v;
    }
}

sub add_block_preprocessor (&) { unshift @BlockPreprocessors, shift }
sub add_cleanup_handler ($)    { unshift @CleanupHandlers, shift }

# ------------------------------------------------------------ small helpers

sub bail_out (@) {
    cleanup();
    Test::More::BAIL_OUT(join '', @_);
}

# String comparison honouring no_long_string() and qr// expectations.
sub is_str (@) {
    my ($got, $expected, $desc) = @_;
    local $Test::Builder::Level = $Test::Builder::Level + 1;
    return Test::More::like($got, $expected, $desc)
        if ref $expected && ref $expected eq 'Regexp';
    return Test::More::is($got, $expected, $desc) if $NoLongString;
    return Test::LongString::is_string($got, $expected, $desc);
}

# "50ms" -> 0.05, "2s" -> 2, "1.5" -> 1.5.
sub parse_time ($) {
    my $tm = shift;
    return $tm unless defined $tm;
    $tm =~ s/^\s+|\s+$//g;
    return $1 / 1000 if $tm =~ /^([\d.]+)ms$/;
    return $1 if $tm =~ /^([\d.]+)s$/;
    return $tm;
}

sub trim ($) {
    my $s = shift;
    return undef unless defined $s;
    $s =~ s/^\s+|\s+$//g;
    $s =~ s/\n/ /g;
    $s =~ s/\s{2,}/ /g;
    return $s;
}

sub fmt_str ($) {
    my $s = shift;
    chomp $s;
    $s =~ s/"/\\"/g;
    $s =~ s/\r/\\r/g;
    $s =~ s/\n/\\n/g;
    return $s;
}

# "Name: value" lines -> ordered [name, value] pairs; "!Name" (or a line
# without a colon) gives an undefined value, meaning "must be absent".
sub parse_headers ($) {
    my $s = shift;
    my @pairs;
    for my $line (split /\n/, $s) {
        $line =~ s/^\s+|\s+$//g;
        next if $line eq '';
        if ($line =~ s/^!\s*//) {
            push @pairs, [$line, undef];
            next;
        }
        my ($key, $val) = split /\s*:\s*/, $line, 2;
        push @pairs, [$key, $val];
    }
    return \@pairs;
}

sub slurp {
    my $file = shift;
    open my $in, '<', $file or return undef;
    binmode $in;
    local $/;
    my $data = <$in>;
    close $in;
    return $data;
}

sub spurt {
    my ($file, $data) = @_;
    open my $out, '>', $file or bail_out("Can't open $file for writing: $!\n");
    binmode $out;
    print $out $data;
    close $out;
}

sub log_tail {
    my $n = shift;
    my $text = slurp($ErrLogFile);
    return "(no $ErrLogFile)\n" unless defined $text;
    my @lines = split /^/, $text;
    splice @lines, 0, @lines - $n if @lines > $n;
    return join '', @lines;
}

# Replace every $TEST_NGINX_XXX by the environment variable of that name.
sub expand_env_in_text {
    my ($text, $name) = @_;
    return undef unless defined $text;
    $text =~ s{\$(TEST_NGINX_[_A-Z0-9]+)}{
        defined $ENV{$1} ? $ENV{$1}
                         : bail_out("$name - No environment $1 defined.\n")
    }eg;
    return $text;
}

# ------------------------------------------------------------ processes

# Run a command (list form, no shell) with stdout and stderr going to a
# temporary file; kill it after $limit seconds.
# Returns ($wait_status, $output); $wait_status is -1 when it could not
# run or was killed.
sub run_cmd {
    my ($cmd, $limit, $env) = @_;
    my ($fh, $file) = tempfile('test-nginx-XXXXXX', TMPDIR => 1, UNLINK => 1);
    my $pid = fork;
    return (-1, "fork failed: $!") unless defined $pid;
    if ($pid == 0) {
        open STDIN, '<', '/dev/null';
        open STDOUT, '>&', $fh;
        open STDERR, '>&', $fh;
        @ENV{keys %$env} = values %$env if $env;
        { no warnings 'exec'; exec { $cmd->[0] } @$cmd; }
        print STDERR "cannot run $cmd->[0]: $!\n";
        POSIX::_exit(127);
    }
    my $status = wait_child($pid, $limit);
    close $fh;
    my $out = slurp($file) // '';
    unlink $file;
    return ($status, $out);
}

sub wait_child {
    my ($pid, $limit) = @_;
    my $deadline = time + $limit;
    while (time < $deadline) {
        return $? if waitpid($pid, WNOHANG) == $pid;
        sleep 0.01;
    }
    kill SIGKILL, $pid;
    waitpid $pid, 0;
    return -1;
}

# nginx daemons are not our children; when nobody reaps them they linger
# as zombies, which count as gone.
sub is_running ($) {
    my $pid = shift;
    return 0 unless $pid && kill 0, $pid;
    if (open my $in, '<', "/proc/$pid/stat") {
        my $stat = <$in> // '';
        return 0 if $stat =~ /^\d+ \(.*\) Z/s;
    }
    return 1;
}

sub get_pid_from_pidfile ($) {
    my $pid = slurp($PidFile);
    return undef unless defined $pid;
    $pid =~ s/\s+//g;
    return $pid =~ /^\d+$/ ? $pid : undef;
}

sub wait_gone {
    my ($pid, $limit) = @_;
    my $deadline = time + $limit;
    sleep 0.01 while is_running($pid) && time < $deadline;
    return !is_running($pid);
}

# Stop the nginx of the pid file: SIGQUIT, then SIGKILL (to its whole
# process group when it leads one, so that workers go too).
sub stop_nginx {
    my $name = shift;
    my $pid = get_pid_from_pidfile($name);
    return unless defined $pid;
    if (is_running($pid)) {
        kill SIGQUIT, $pid;
        if (!wait_gone($pid, $Timeout)) {
            warn "$name - WARNING: nginx $pid did not quit in ${Timeout}s; killing it\n";
            my $grp = getpgrp($pid);
            kill SIGKILL, (defined $grp && $grp == $pid) ? -$pid : $pid;
            wait_gone($pid, 1)
                or warn "$name - WARNING: nginx $pid survived SIGKILL\n";
        }
    }
    unlink $PidFile;
}

sub cleanup {
    $_->() for @CleanupHandlers;
}

# ------------------------------------------------------------ nginx binary

sub get_nginx_version {
    my ($status, $out) = run_cmd([$NginxBinary, '-V'], 10);
    if ($status != 0) {
        bail_out("Failed to run \"$NginxBinary -V\": $out");
    }
    $NginxConfigureArgs = $1 if $out =~ /^configure arguments:(.*)$/m;
    if ($out =~ m{(?:nginx|openresty)[^/]*/(\d+)\.(\d+)\.(\d+)}) {
        return sprintf '%d.%03d%03d', $1, $2, $3;
    }
    bail_out("Failed to parse the output of \"$NginxBinary -V\": $out");
}

# temp_path directives moving the binary's absolute default temp
# directories into the server root (skipped when the test sets them).
sub temp_path_config {
    my $http_config = shift;
    my $out = '';
    while ($NginxConfigureArgs =~ /--http-(client-body|proxy|fastcgi|uwsgi|scgi)-temp-path=(\S+)/g) {
        my ($mod, $path) = ($1, $2);
        next unless $path =~ m{^/};
        (my $dir = $mod) =~ tr/-/_/;
        next if $mod ne 'client-body'
             && $NginxConfigureArgs =~ /--without-http_${mod}_module/;
        next if $http_config =~ /\b${dir}_temp_path\b/;
        $out .= "    ${dir}_temp_path ${dir}_temp;\n";
    }
    return $out;
}

# ------------------------------------------------------------ server root

sub setup_server_root {
    if (-d $ServRoot) {
        # Remove only what we create, never a whole directory someone
        # pointed TEST_NGINX_SERVROOT at by mistake.
        remove_tree($ConfDir, $HtmlDir, $LogDir,
                    glob("$ServRoot/*_cache"), glob("$ServRoot/*_temp"));
        rmdir $ServRoot
            or bail_out("Can't remove $ServRoot (not empty?): $!");
    }
    for my $dir ($ServRoot, $LogDir, $HtmlDir, $ConfDir) {
        make_path($dir);
        -d $dir or bail_out("Failed to do mkdir $dir\n");
    }
    spurt("$HtmlDir/index.html",
          '<html><head><title>It works!</title></head>'
          . '<body>It works!</body></html>');
}

# --- user_files: ">>> name [date]" lines, or eval [[name, body, date], ...]
sub write_user_files {
    my $block = shift;
    my $name = $block->name;
    my $files = $block->user_files;
    return unless $files;
    $files = parse_user_files($files) unless ref $files;
    bail_out("$name - user_files must be a string or an array ref")
        unless ref $files eq 'ARRAY';
    for my $file (@$files) {
        my ($fname, $body, $date) = @$file;
        my $path = $fname =~ m{^/} ? $fname : "$HtmlDir/$fname";
        (my $dir = $path) =~ s{/[^/]*$}{};
        make_path($dir) unless -d $dir;
        spurt($path, expand_env_in_text($body // '', $name));
        if ($date) {
            local $ENV{TZ} = 'GMT';
            system('touch', '-t', $date, $path) == 0
                or bail_out("$name - Failed to set the date of $path\n");
        }
    }
}

sub parse_user_files {
    my $raw = shift;
    my (@files, $cur);
    for my $line (split /^/, $raw) {
        if ($line =~ /^>>> (\S+)(?:\s+(.+))?/) {
            $cur = [$1, undef, $2];
            push @files, $cur;
        } elsif ($cur) {
            $cur->[1] .= $line;
        }
    }
    return \@files;
}

# ------------------------------------------------------------ nginx.conf

sub section_text {
    my ($block, $section) = @_;
    my $text = expand_env_in_text(scalar $block->$section, $block->name);
    return defined $text ? $text : '';
}

sub write_config_file {
    my ($block, $config) = @_;
    my $http_config = section_text($block, 'http_config');
    my $log_level = $block->log_level // $LogLevel;
    $log_level =~ s/^\s+|\s+$//g;
    my $server_name = $block->server_name // $ServerName;
    $server_name =~ s/^\s+|\s+$//g;
    $server_name =~ s/(['\\])/\\$1/g;

    my $conf = join '',
        main_context($log_level),
        section_text($block, 'main_config'), "\n",
        "http {\n",
        "    access_log $AccLogFile;\n",
        "    default_type text/plain;\n",
        "    keepalive_timeout  68;\n",
        temp_path_config($http_config), "\n",
        $http_config, "\n",
        server_context($config, $server_name),
        "}\n\n",
        section_text($block, 'post_main_config'), "\n",
        "events {\n    accept_mutex off;\n",
        "    worker_connections  $WorkerConnections;\n}\n\n",
        trailer_context();
    spurt($ConfFile, $conf);
}

sub main_context {
    my $log_level = shift;
    my @modules = grep { length } split /\s+/, ($LoadModules // '');
    my $out = join '', map { "load_module $_;\n" } @modules;
    $out .= <<"_EOC_";
worker_processes  $Workers;
daemon $DaemonEnabled;
master_process $MasterProcessEnabled;
error_log $ErrLogFile $log_level;
pid       $PidFile;
env MOCKEAGAIN_VERBOSE;
env MOCKEAGAIN;
env MOCKEAGAIN_WRITE_TIMEOUT_PATTERN;
env LD_PRELOAD;
env LD_LIBRARY_PATH;
env DYLD_INSERT_LIBRARIES;
env DYLD_FORCE_FLAT_NAMESPACE;
_EOC_
    for my $v (@EnvToNginx) {
        $out .= $v =~ /\s/ ? "env '$v';\n" : "env $v;\n";
    }
    return "$out\n";
}

sub server_context {
    my ($config, $server_name) = @_;
    my $out = <<"_EOC_";
    server {
        listen          $ServerPort;
        server_name     '$server_name';

        client_max_body_size 30M;

        # Begin preamble config...
$ConfigPreamble
        # End preamble config...

        # Begin test case config...
$config
        # End test case config.

_EOC_
    $out .= <<"_EOC_" unless $NoRootLocation;
        location / {
            root $HtmlDir;
            index index.html index.htm;
        }
_EOC_
    return "$out    }\n";
}

sub trailer_context {
    my $out = "env ASAN_OPTIONS;\nenv MOCKNOEAGAIN_VERBOSE;\nenv MOCKNOEAGAIN;\n";
    if (defined $WorkerUser) {
        $out .= "user $WorkerUser;\n";
    } elsif ($> == 0) {
        $out .= "user root;\n";
    }
    return $out;
}

# ------------------------------------------------------------ start nginx

sub nginx_command {
    return [$NginxBinary, '-p', "$ServRoot/", '-c', $ConfFile];
}

sub nginx_env {
    my $preload = $ENV{TEST_NGINX_LD_PRELOAD};
    return (defined $preload && $preload ne '') ? { LD_PRELOAD => $preload } : {};
}

# Run the nginx command once; a port still held by a dying nginx is
# retried for a few seconds. Returns ($wait_status, $stderr).
sub run_nginx_command {
    my $deadline = time + 5;
    while (1) {
        my ($status, $out) = run_cmd(nginx_command(), $Timeout + 10, nginx_env());
        append_to_error_log($out);
        return ($status, $out)
            if $status == 0 || $out !~ /Address already in use/ || time > $deadline;
        sleep 0.1;
    }
}

sub append_to_error_log {
    my $text = shift;
    return unless length $text;
    open my $out, '>>', $ErrLogFile or return;
    print $out $text;
    close $out;
}

# After a successful start the listening socket exists already; wait for
# the daemon to write its pid file (so that it can be stopped later).
sub wait_for_pid_file {
    my $deadline = time + ($Timeout > 5 ? $Timeout : 5);
    while (time < $deadline) {
        my $pid = get_pid_from_pidfile('');
        return undef if defined $pid && is_running($pid);
        sleep 0.01;
    }
    return "nginx wrote no pid file or exited right after starting";
}

sub report_start_failure {
    my ($name, $why, $stderr) = @_;
    local $Test::Builder::Level = $Test::Builder::Level + 1;
    Test::More::fail("$name - nginx started");
    Test::More::diag("$why\ncommand: @{ nginx_command() }\n"
                     . ($stderr ne '' ? "stderr:\n$stderr" : '')
                     . "tail of $ErrLogFile:\n" . log_tail(30));
}

# Restart nginx from scratch for $block. Returns true on success; on
# failure reports one failed test with the error log and returns false.
sub restart_nginx {
    my ($block, $config) = @_;
    my $name = $block->name;
    stop_nginx($name);
    setup_server_root();
    write_user_files($block);
    write_config_file($block, $config);
    my ($status, $stderr) = run_nginx_command();
    if ($status != 0) {
        undef $PrevConfig;
        report_start_failure($name, "nginx exited with status "
                             . ($status == -1 ? 'unknown' : $status >> 8), $stderr);
        return 0;
    }
    if (my $why = wait_for_pid_file()) {
        undef $PrevConfig;
        report_start_failure($name, $why, $stderr);
        return 0;
    }
    sleep $TestNginxSleep;
    return 1;
}

# --- must_die: nginx must fail to start (with the given exit code, if any).
sub run_must_die {
    my ($block, $config) = @_;
    my $name = $block->name;
    my $expected = $block->must_die;
    $expected =~ s/^\s+|\s+$//g;
    for my $i (0 .. $RepeatEach - 1) {
        stop_nginx($name);
        setup_server_root();
        write_user_files($block);
        write_config_file($block, $config);
        $ErrLogFilePos = 0;
        my ($status) = run_nginx_command();
        if ($status == -1) {
            Test::More::fail("$name - failed to execute the nginx command line");
        } elsif ($expected =~ /^\d+$/) {
            Test::More::is($status >> 8, $expected, "$name - die with the expected exit code");
        } else {
            Test::More::isnt($status, 0, "$name - die as expected");
        }
        $CheckErrorLog->($block, undef, $i, 0);
        if ($status == 0) {
            warn "WARNING: $name - nginx must die but it does not; killing it\n";
            wait_for_pid_file();
            stop_nginx($name);
        }
    }
    undef $PrevConfig;
}

# ------------------------------------------------------------ logs

# Lines of error.log written since the last call (or since the start of
# the block with check_accum_error_log()).
sub error_log_data () {
    sleep $TestNginxSleep * 3;
    open my $in, '<', $ErrLogFile or return [];
    seek $in, $ErrLogFilePos, 0 if !$CheckAccumErrLog && $ErrLogFilePos > 0;
    my @lines = <$in>;
    $ErrLogFilePos = tell $in unless $CheckAccumErrLog;
    close $in;
    return \@lines;
}

sub access_log_data () {
    sleep $TestNginxSleep * 3;
    open my $in, '<', $AccLogFile or return [];
    my @lines = <$in>;
    close $in;
    return \@lines;
}

# ------------------------------------------------------------ blocks

# "--- skip_eval: N: perl" and "--- skip_nginx: N: < 1.2.3" -> (N, reason)
sub skip_spec {
    my $block = shift;
    my $name = $block->name;
    if (defined(my $spec = $block->skip_eval)) {
        $spec =~ /^\s*(\d+)\s*:\s*(.*)/s
            or bail_out("$name - Invalid --- skip_eval spec: $spec");
        my ($n, $code) = ($1, $2);
        my $skip = eval $code;
        bail_out("$name - skip_eval - failed to eval \"$code\": $@") if $@;
        return $skip ? ($n, 'skip_eval') : ();
    }
    if (defined(my $spec = $block->skip_nginx)) {
        $spec =~ /^\s*(\d+)\s*:\s*([<>]=?)\s*(\d+)\.(\d+)\.(\d+)(?:\s*:\s*(.*?))?\s*$/
            or bail_out("$name - Invalid --- skip_nginx spec: $spec");
        my ($n, $op, $reason) = ($1, $2, $6);
        my $ver = sprintf '%d.%03d%03d', $3, $4, $5;
        my $skip = eval "$NginxVersion $op $ver";
        return $skip ? ($n, $reason || "nginx version $op $3.$4.$5") : ();
    }
    return ();
}

sub run_test ($) {
    my $block = shift;
    my $name = $block->name;
    my $config = expand_env_in_text(scalar $block->config, $name);
    my ($skip_n, $skip_reason) = skip_spec($block);

    if (defined $skip_n) {
        for (1 .. $RepeatEach) {
            SKIP: { Test::More::skip("$name - $skip_reason", $skip_n) }
        }
        return;
    }
    if (defined $block->must_die) {
        return run_must_die($block, $config // '');
    }
    if (defined $config) {
        $PrevConfig = $config;
        restart_nginx($block, $config) or return;
    } elsif (!defined $PrevConfig) {
        bail_out("$name - No '--- config' section specified and could not get previous one");
    }

    if (defined(my $init = $block->init)) {
        eval $init;
        bail_out("$name - init failed: $@") if $@;
    }

    $ErrLogFilePos = 0;
    for my $i (0 .. $RepeatEach - 1) {
        write_user_files($block) if $i > 0;
        $RunTestHelper->($block, $i);
    }
}

sub run_tests () {
    $NginxVersion = get_nginx_version();
    $ENV{TEST_NGINX_SERVER_PORT} = $ServerPort
        unless defined $ENV{TEST_NGINX_SERVER_PORT};
    for my $sig (qw(INT TERM HUP)) {
        $SIG{$sig} = sub { exit 1 } unless $SIG{$sig};
    }
    my @blocks = Test::Base::blocks();
    @blocks = shuffle @blocks unless $NoShuffle;
    for my $block (@blocks) {
        $_->($block) for @BlockPreprocessors;
        $block->set_value('name', "$0 " . $block->name);
        run_test($block);
    }
    cleanup();
}

END {
    return if $InSubprocess;
    local $?;
    cleanup();
    stop_nginx('END') unless $ENV{TEST_NGINX_NO_CLEAN};
}

1;
