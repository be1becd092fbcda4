package Test::Nginx::Socket;

# A small runner compatible with openresty's Test::Nginx::Socket (the CPAN
# distribution Test-Nginx), used ONLY when the real Test::Nginx is not
# installed: t/prove adds t/runner to @INC in that case and not otherwise.
# Test files are the usual ones:
#
#     use Test::Nginx::Socket 'no_plan';   # or: use Test::Nginx::Socket;
#     repeat_each(2);                      #     plan tests => ...;
#     run_tests();
#     __DATA__
#     === TEST 1: title
#     --- config
#         location = /t { return 200 "hello\n"; }
#     --- request
#     GET /t
#     --- response_body
#     hello
#
# The blocks are parsed by Test::Base, so its filters (eval, chomp, ...)
# and --- ONLY / --- SKIP / --- LAST work as usual.
#
# Supported sections:
#   nginx:     config, http_config, main_config, post_main_config,
#              server_name, log_level, user_files, init, must_die,
#              skip_eval, skip_nginx
#   request:   request (a string, or with eval an array of requests, each
#              a string or an array of packets: strings or
#              {value => ..., delay_before => seconds}), more_headers
#              (string, or array: one per request), pipelined_requests,
#              raw_request (string or array of packets),
#              raw_request_middle_delay, timeout, abort, shutdown, http09,
#              ignore_response
#   response:  error_code, error_code_like, response_headers (!Name: must
#              be absent), response_headers_like, raw_response_headers_like,
#              raw_response_headers_unlike, response_body,
#              response_body_like, response_body_unlike,
#              response_body_filters
#   logs:      error_log, no_error_log, grep_error_log, grep_error_log_out,
#              access_log, no_access_log, wait
# With several requests the expected values of the response sections are
# array refs (one element per request), as in the real module.
#
# Exported: run_tests plan blocks repeat_each workers master_on master_off
# master_process_enabled log_level no_shuffle no_long_string no_diff
# no_root_location server_port server_port_for_client server_addr
# server_name server_root html_dir timeout worker_connections
# config_preamble env_to_nginx check_accum_error_log add_block_preprocessor
# add_cleanup_handler add_response_body_check bail_out is_str.
#
# Environment: TEST_NGINX_BINARY, TEST_NGINX_LOAD_MODULES,
# TEST_NGINX_SERVER_PORT / TEST_NGINX_PORT, TEST_NGINX_CLIENT_PORT,
# TEST_NGINX_SERVROOT, TEST_NGINX_SLEEP, TEST_NGINX_TIMEOUT,
# TEST_NGINX_LOG_LEVEL, TEST_NGINX_MASTER_PROCESS, TEST_NGINX_NO_SHUFFLE,
# TEST_NGINX_NO_CLEAN, TEST_NGINX_CHECK_ACCUM_ERR_LOG,
# TEST_NGINX_WORKER_USER, TEST_NGINX_LD_PRELOAD (LD_PRELOAD for nginx only).
#
# Not supported: HUP reload mode, valgrind/stap/leak/benchmark modes,
# HTTP/2 and HTTP/3, the embedded TCP/UDP servers, curl.
#
# Extra check: a sanitizer report (AddressSanitizer, LeakSanitizer, UBSan
# "runtime error:") in error.log fails the block.

use strict;
use warnings;

use Test::Base -base;
use Test::Nginx::Util;

use Errno qw(EAGAIN EWOULDBLOCK EINTR);
use HTTP::Response ();
use IO::Select ();
use IO::Socket::INET ();
use Digest::MD5 ();
use Digest::SHA ();
use List::Util qw(min);
use Time::HiRes qw(sleep);

our @EXPORT = qw(
    env_to_nginx is_str plan run_tests run_test repeat_each config_preamble
    worker_connections master_process_enabled no_long_string workers
    master_on master_off log_level no_shuffle no_root_location server_name
    server_addr server_root html_dir server_port server_port_for_client
    timeout check_accum_error_log add_block_preprocessor bail_out
    add_cleanup_handler add_response_body_check
);

$Test::Nginx::Util::RunTestHelper = \&run_test_helper;
$Test::Nginx::Util::CheckErrorLog = \&check_error_log;

our @ResponseBodyChecks;

sub add_response_body_check ($) { push @ResponseBodyChecks, shift }

# ------------------------------------------------------------ requests

# --- more_headers text -> ("Name: value\r\n"..., is_chunked)
sub parse_more_headers {
    my $in = shift;
    my ($out, $chunked) = ('', 0);
    for my $line (split /\n+/, $in) {
        next if $line =~ /^\s*#/;
        my ($key, $val) = split /:\s*/, $line, 2;
        $val = '' unless defined $val;
        $chunked = 1 if lc $key eq 'transfer-encoding' && $val eq 'chunked';
        $out .= "$key: $val\r\n";
    }
    return ($out, $chunked);
}

sub more_headers_for {
    my ($name, $more, $idx) = @_;
    if (ref $more eq 'ARRAY') {
        bail_out("$name - --- more_headers lacks data for request $idx")
            unless defined $more->[$idx];
        $more = $more->[$idx];
    }
    return parse_more_headers($more);
}

# Split "METHOD [URI [VERSION]]\nBODY" into segments mapping the original
# text onto the request to send: [orig_start, orig_end, new_text, lead]
# where lead is undef for replaced text, else the number of original
# characters dropped at the start of an otherwise copied segment.
sub request_segments {
    my ($name, $orig, $headers, $chunked, $conn) = @_;
    $orig =~ /\A([^\n]*\n?)/;
    my $eol = length $1;
    substr($orig, 0, $eol) =~ /\A\s*(\S+) *(?:(\S+) *)?(?:(\S+) *)?\s*\z/
        or bail_out("$name - Request line is not valid. Should be "
                    . "'meth [url [version]]' but got \"" . substr($orig, 0, $eol) . "\".");
    my @tok = map { [$-[$_], $+[$_]] } grep { defined $-[$_] } 1 .. 3;
    my @segs;
    my $pos = 0;
    for my $t (@tok) {
        push @segs, [$pos, $t->[0], $pos ? ' ' : '', undef];
        push @segs, [$t->[0], $t->[1], substr($orig, $t->[0], $t->[1] - $t->[0]), 0];
        $pos = $t->[1];
    }
    push @segs, [$pos, $pos, ' /', undef] if @tok < 2;
    push @segs, [$pos, $pos, ' HTTP/1.1', undef] if @tok < 3;

    my $content = substr $orig, $eol;
    my $lead = 0;
    my $len_header = '';
    if (!$chunked && $content ne '' && $headers !~ /(?:^|\n)Content-Length:/) {
        $lead = length(($content =~ /\A(\s*)/)[0]);
        $content =~ s/^\s+|\s+$//gs;
        $len_header = "Content-Length: " . length($content) . "\r\n";
    }
    my $head = "\r\n";
    $head .= "Host: $Test::Nginx::Util::ServerName\r\n" if $headers !~ /(?:^|\n)Host:/msi;
    $head .= "Connection: $conn\r\n" if $headers !~ /(?:^|\n)Connection/msi;
    $head .= "$headers$len_header\r\n";
    push @segs, [$pos, $eol, $head, undef];
    push @segs, [$eol, length $orig, $content, $lead];
    return \@segs;
}

# Where a packet boundary at original offset $p lands in the new text.
# Replaced text goes with the packet in which it starts.
sub map_offset {
    my ($segs, $p) = @_;
    my ($np, $ns) = (0, 0);
    for my $s (@$segs) {
        my ($os, $oe, $text, $lead) = @$s;
        my $ne = $ns + length $text;
        if ($p >= $oe) {
            $np = $ne;
        } elsif ($p > $os) {
            $np = defined $lead ? $ns + ($p - $os - $lead) : $ne;
            $np = $ns if $np < $ns;
            $np = $ne if $np > $ne;
            last;
        } else {
            last;
        }
        $ns = $ne;
    }
    return $np;
}

# A request (array of packets) -> array of packets ready to be written.
sub build_request {
    my ($name, $packets, $headers, $chunked, $conn) = @_;
    my @parts = map { ref $_ ? $_->{value} : $_ } @$packets;
    my $orig = join '', @parts;
    bail_out("$name - Request line should be non-empty") if $orig !~ /\S/;
    my $segs = request_segments($name, $orig, $headers, $chunked, $conn);
    my $new = join '', map { $_->[2] } @$segs;
    my (@out, $end);
    my ($pos, $prev) = (0, 0);
    for my $i (0 .. $#parts) {
        $pos += length $parts[$i];
        $end = $i == $#parts ? length $new : map_offset($segs, $pos);
        my %packet = ref $packets->[$i] ? %{ $packets->[$i] } : ();
        $packet{value} = substr $new, $prev, $end - $prev;
        push @out, \%packet;
        $prev = $end;
    }
    return \@out;
}

sub strip_request_comments {
    my $req = shift;
    1 while $req =~ s/^\s*\#[^\n]+\s+|^\s+//gs;
    return $req;
}

# The list of requests of a block, each an array of packets
# ({value => bytes, delay_before => seconds}).
sub requests_from_block {
    my $block = shift;
    my $name = $block->name;

    if (defined(my $raw = $block->raw_request)) {
        my @packets = ref $raw eq 'ARRAY' ? @$raw : ($raw);
        return [[ map { ref $_ ? {%$_} : {value => $_} } @packets ]];
    }

    my $more = $block->more_headers // '';
    if (defined(my $reqs = $block->pipelined_requests)) {
        bail_out("$name - invalid entries in --- pipelined_requests")
            unless ref $reqs eq 'ARRAY';
        my $all = '';
        for my $i (0 .. $#$reqs) {
            my $conn = $i == $#$reqs ? 'close' : 'keep-alive';
            my $packets = build_request($name, [$reqs->[$i]],
                                        more_headers_for($name, $more, $i), $conn);
            $all .= join '', map { $_->{value} } @$packets;
        }
        return [[{value => $all}]];
    }

    my $request = $block->request;
    bail_out("$name - request empty") unless defined $request;
    if (!ref $request) {
        $request = strip_request_comments($request);
        return [ build_request($name, [$request], more_headers_for($name, $more, 0), 'close') ];
    }
    bail_out("$name - invalid --- request: MUST be string or array of requests")
        unless ref $request eq 'ARRAY';
    my @list;
    for my $i (0 .. $#$request) {
        my $one = $request->[$i];
        my $packets = ref $one eq 'ARRAY' ? $one : [$one];
        push @list, build_request($name, $packets,
                                  more_headers_for($name, $more, $i), 'close');
    }
    return \@list;
}

# ------------------------------------------------------------ HTTP client

sub connect_to_server {
    my ($block, $timeout) = @_;
    my $addr = $block->server_addr_for_client // $Test::Nginx::Util::ServerAddr;
    my $port = $Test::Nginx::Util::ServerPortForClient;
    my $err;
    for my $try (1 .. 20) {
        my $sock = IO::Socket::INET->new(PeerAddr => $addr, PeerPort => $port,
                                         Proto => 'tcp', Timeout => $timeout);
        return $sock if $sock;
        $err = $!;
        sleep 0.02 * $try;
    }
    fail($block->name . " - Can't connect to $addr:$port: $err (aborted)\n");
    return undef;
}

# Write the packets (sleeping delay_before or raw_request_middle_delay
# between them) while reading the response until the server closes the
# connection. $timeout is the longest wait for any single I/O event.
sub send_request {
    my ($packets, $block, $timeout) = @_;
    my $sock = connect_to_server($block, $timeout) or return undef;
    local $SIG{PIPE} = 'IGNORE';
    $sock->blocking(0);
    my $sel = IO::Select->new($sock);
    my @queue = @$packets;
    my $buf = (shift @queue)->{value};
    my $resp = '';
    my $writing = 1;
    while (1) {
        if ($writing && $buf eq '') {
            $writing = next_packet(\@queue, \$buf, $block, $sock);
            next if $writing;
        }
        $! = 0;
        my ($r, $w) = IO::Select->select($sel, $writing ? $sel : undef, undef, $timeout);
        if (!$r && !$w) {
            next if $! == EINTR;
            report_timeout($block);
            last;
        }
        if ($w && @$w) {
            my $n = syswrite $sock, $buf;
            if (defined $n) { substr($buf, 0, $n) = '' }
            elsif ($! != EAGAIN && $! != EWOULDBLOCK) { $writing = 0 }
        }
        if ($r && @$r) {
            my $n = sysread $sock, my $chunk, 65536;
            if (!defined $n) {
                next if $! == EAGAIN || $! == EWOULDBLOCK;
                warn "WARNING: " . $block->name . " - HTTP response read failure: $!\n";
                last;
            }
            last if $n == 0;
            $resp .= $chunk;
        }
    }
    close $sock;
    return $resp;
}

# Move to the next packet; after the last one, do --- shutdown if asked.
# Returns whether there is more to write.
sub next_packet {
    my ($queue, $buf, $block, $sock) = @_;
    if (!@$queue) {
        if (defined(my $how = $block->shutdown)) {
            $how =~ s/\s+//g;
            shutdown $sock, $how eq '' ? 1 : $how;
        }
        return 0;
    }
    my $packet = shift @$queue;
    my $delay = $packet->{delay_before} // $block->raw_request_middle_delay;
    sleep $delay if $delay;
    $$buf = $packet->{value};
    return 1;
}

sub report_timeout {
    my $block = shift;
    return if defined $block->abort;
    fail("ERROR: client socket timed out - " . $block->name . "\n");
}

# ------------------------------------------------------------ responses

# Decode a chunked body. Returns ($body, $left_over) or (undef, $error).
sub decode_chunked {
    my $raw = shift;
    my ($out, $pos) = ('', 0);
    while (1) {
        pos($raw) = $pos;
        if ($raw =~ /\G0[ \t]*(?:;[^\r\n]*)?\r\n(?:[^\r\n]+\r\n)*\r\n/gc) {
            return ($out, substr($raw, pos $raw));
        }
        if ($raw !~ /\G[ \t]*([0-9A-Fa-f]+)[^\r\n]*\r\n/gc) {
            return (undef, $pos < length $raw
                    ? "invalid chunked body received: " . substr($raw, $pos, 40)
                    : "no last chunk found");
        }
        my $size = hex $1;
        $pos = pos $raw;
        return (undef, "invalid chunked data received (not enough octets for the data section)")
            if length($raw) - $pos < $size;
        $out .= substr $raw, $pos, $size;
        $pos += $size;
        return (undef, "invalid chunked data received (expected CRLF)")
            if substr($raw, $pos, 2) ne "\r\n";
        $pos += 2;
    }
}

# Raw response text -> (HTTP::Response, raw header text, bytes left over
# after this response, e.g. the next pipelined response).
sub parse_response {
    my ($name, $raw, $head_req) = @_;
    my $raw_headers = $raw =~ /(.*?\r\n)\r\n/s ? $1 : '';
    my $res = HTTP::Response->parse($raw);
    my $code = $res->code;
    $res->code(undef) if defined $code && $code !~ /^\d+$/;
    return ($res, $raw_headers, undef)
        if $code && $code =~ /^\d+$/ && ($code == 304 || $code == 101 || $head_req);

    my $left;
    my $enc = $res->header('Transfer-Encoding');
    my $len = $res->header('Content-Length');
    if (defined $enc && $enc eq 'chunked') {
        my ($body, $rest) = decode_chunked($res->content // '');
        if (!defined $body) {
            fail("$name - $rest");
            return (undef, $raw_headers, undef);
        }
        $res->content($body);
        $left = $rest;
    } elsif (defined $len && $len =~ /^\d+$/) {
        my $body = $res->content // '';
        if (length $body < $len) {
            warn "WARNING: $name - response body truncated: $len expected, but got ",
                 length $body, "\n";
        } elsif (length $body > $len) {
            $left = substr $body, $len;
            $res->content(substr $body, 0, $len);
        }
    }
    return ($res, $raw_headers, $left);
}

# ------------------------------------------------------------ checks

# With several requests an expected value must be an array ref.
sub get_indexed_value {
    my ($name, $value, $req_idx, $need_array) = @_;
    if ($need_array) {
        return $value->[$req_idx] if ref $value eq 'ARRAY';
        bail_out("$name - You asked for many requests, the expected results "
                 . "should be arrays as well.");
    }
    return ref $value eq 'ARRAY' ? $value->[0] : $value;
}

sub expand_server_port {
    my $s = shift;
    return $s if !defined $s || ref $s;
    $s =~ s/\$ServerPortForClient\b/$Test::Nginx::Util::ServerPortForClient/g;
    $s =~ s/\$ServerPort\b/$Test::Nginx::Util::ServerPort/g;
    return $s;
}

sub check_error_code {
    my ($block, $res, $req_idx, $need_array) = @_;
    my $name = $block->name;
    my $code = ($res && $res->code) || '';
    if (defined $block->error_code_like) {
        my $pat = get_indexed_value($name, scalar $block->error_code_like, $req_idx, $need_array);
        like($code, qr/$pat/sm, "$name - status code ok");
    } elsif (defined $block->error_code) {
        is($code, get_indexed_value($name, scalar $block->error_code, $req_idx, $need_array),
           "$name - status code ok");
    } else {
        is($code, 200, "$name - status code ok");
    }
}

sub check_raw_response_headers {
    my ($block, $raw_headers, $req_idx, $need_array) = @_;
    my $name = $block->name;
    if (defined $block->raw_response_headers_like) {
        my $pat = get_indexed_value($name, scalar $block->raw_response_headers_like,
                                    $req_idx, $need_array);
        like($raw_headers, qr/$pat/s, "$name - raw resp headers like");
    }
    if (defined $block->raw_response_headers_unlike) {
        my $pat = get_indexed_value($name, scalar $block->raw_response_headers_unlike,
                                    $req_idx, $need_array);
        unlike($raw_headers, qr/$pat/s, "$name - raw resp headers unlike");
    }
}

sub check_response_headers {
    my ($block, $res, $raw_headers, $req_idx, $need_array) = @_;
    my $name = $block->name;
    if (defined $block->response_headers) {
        my $spec = get_indexed_value($name, scalar $block->response_headers, $req_idx, $need_array);
        for my $pair (@{ parse_headers($spec) }) {
            my ($key, $val) = @$pair;
            if (!defined $val) {
                unlike($raw_headers, qr/^\s*\Q$key\E\s*:/ms,
                       "$name - header $key not present in the raw headers");
                next;
            }
            my $actual = $res ? scalar $res->header($key) : undef;
            is($actual // '', expand_server_port($val), "$name - header $key ok");
        }
    } elsif (defined $block->response_headers_like) {
        my $spec = get_indexed_value($name, scalar $block->response_headers_like, $req_idx, $need_array);
        for my $pair (@{ parse_headers($spec) }) {
            my ($key, $val) = @$pair;
            my $actual = $res ? scalar $res->header($key) : undef;
            $val //= '';
            like($actual // '', qr/^$val$/, "$name - header $key like ok");
        }
    }
}

# --- response_body_filters: names (md5_hex sha1_hex length uc lc ucfirst
# lcfirst) or code refs, possibly one list per request.
sub transform_response_body {
    my ($block, $res, $req_idx) = @_;
    my $filters = $block->response_body_filters;
    return unless defined $filters && $res && defined $res->content;
    if (!ref $filters) {
        $filters =~ s/^\s+|\s+$//g;
        $filters = [split /\s+/, $filters];
    }
    $filters = [$filters] if ref $filters ne 'ARRAY';
    if (ref $filters->[0] eq 'ARRAY') {
        $filters = $filters->[$req_idx]
            // bail_out($block->name . " - no response_body_filters for request $req_idx");
    }
    my $content = $res->content;
    $content = apply_body_filter($block, $_, $content) for @$filters;
    $res->content($content);
}

my %BodyFilters = (
    md5_hex  => \&Digest::MD5::md5_hex,
    sha1_hex => \&Digest::SHA::sha1_hex,
    length   => sub { length $_[0] },
    uc       => sub { uc $_[0] },
    lc       => sub { lc $_[0] },
    ucfirst  => sub { ucfirst $_[0] },
    lcfirst  => sub { lcfirst $_[0] },
);

sub apply_body_filter {
    my ($block, $filter, $content) = @_;
    return $filter->($content) if ref $filter eq 'CODE';
    my $code = $BodyFilters{$filter}
        or bail_out($block->name . " - unknown filter, \"$filter\", specified in "
                    . "the --- response_body_filters section");
    return $code->($content);
}

sub check_response_body {
    my ($block, $res, $req_idx, $rep, $need_array) = @_;
    my $name = $block->name;
    my $content = $res ? $res->content : undef;
    if (defined $block->response_body) {
        my $expected = expand_server_port(
            get_indexed_value($name, scalar $block->response_body, $req_idx, $need_array));
        my $what = "(repeated req $rep, req $req_idx)";
        if (ref $expected) {
            like($content, $expected, "$name - response_body - like $what");
        } elsif ($Test::Nginx::Util::NoLongString) {
            is($content, $expected, "$name - response_body - response is expected $what");
        } else {
            Test::LongString::is_string($content, $expected,
                "$name - response_body - response is expected $what");
        }
    } elsif (defined $block->response_body_like || defined $block->response_body_unlike) {
        my $type = defined $block->response_body_like ? 'like' : 'unlike';
        my $method = "response_body_$type";
        my $pat = expand_server_port(
            get_indexed_value($name, scalar $block->$method, $req_idx, $need_array));
        my $summary = trim($content) // '';
        my $cmp = $type eq 'like' ? \&like : \&unlike;
        $cmp->($content, qr/$pat/s,
               "$name - response_body_$type - response is expected ($summary)");
    }
    $_->($block, $content, $req_idx, $rep, 0) for @ResponseBodyChecks;
}

# --- error_log / --- no_error_log (and the access log variants): a
# string gives one literal substring per line; eval may give a qr// or an
# array of strings and qr//s.
sub log_patterns {
    my $pats = shift;
    return [$pats] if ref $pats eq 'Regexp';
    return [@$pats] if ref $pats eq 'ARRAY';
    chomp $pats;
    return [split /\n+/, $pats];
}

sub line_matches {
    my ($line, $pat) = @_;
    return ref $pat ? $line =~ $pat : index($line, $pat) >= 0;
}

sub check_log_present {
    my ($name, $lines, $spec, $file, $rep) = @_;
    my $pats = log_patterns($spec);
    for my $line (@$lines) {
        for my $pat (@$pats) {
            next if !defined $pat || !line_matches($line, $pat);
            pass("$name - pattern \"$pat\" matches a line in $file (req $rep)");
            undef $pat;
        }
    }
    for my $pat (grep { defined } @$pats) {
        fail("$name - pattern \"$pat\" should match a line in $file (req $rep)");
    }
}

sub check_log_absent {
    my ($name, $lines, $spec, $file, $rep) = @_;
    my $pats = log_patterns($spec);
    my %found;
    for my $i (0 .. $#$lines) {
        for my $pat (@$pats) {
            next if !defined $pat || !line_matches($lines->[$i], $pat);
            $found{$pat} = 1;
            my @more = @$lines[$i + 1 .. min($i + 9, $#$lines)];
            fail("$name - pattern \"" . fmt_str($pat) . "\" should not match any line in "
                 . "$file but matches line \"" . fmt_str($lines->[$i]) . "\" (req $rep)\n"
                 . join '', @more);
        }
    }
    for my $pat (grep { defined && !$found{$_} } @$pats) {
        pass("$name - pattern \"" . fmt_str($pat) . "\" does not match a line in $file (req $rep)");
    }
}

sub check_grep_error_log {
    my ($block, $lines, $rep) = @_;
    my $name = $block->name;
    my $pat = $block->grep_error_log;
    my $expected = $block->grep_error_log_out;
    return unless defined $pat || defined $expected;
    bail_out("$name - --- grep_error_log and --- grep_error_log_out go together")
        unless defined $pat && defined $expected;
    $pat = $pat->[$rep] if ref $pat eq 'ARRAY';
    $expected = $expected->[$rep] if ref $expected eq 'ARRAY';
    my $out = '';
    for my $line (@$lines) {
        my $hit = ref $pat ? ($line =~ $pat ? $& : undef)
                           : (index($line, $pat) >= 0 ? $pat : undef);
        $out .= "$hit\n" if defined $hit && $hit !~ /\n/;
    }
    is_str($out, $expected, "$name - grep_error_log_out (req $rep)");
}

# Lines to warn about unless a pattern mentions them, and lines that fail.
sub check_bad_log_lines {
    my ($block, $lines) = @_;
    my $name = $block->name;
    my $mentioned = join ' ', map { ref $_ eq 'ARRAY' ? @$_ : ($_ // '') }
                              scalar($block->error_log), scalar($block->no_error_log);
    for my $level (qw(alert crit emerg)) {
        next if index($mentioned, "[$level") >= 0;
        warn "WARNING: $name - " . fmt_str($_) . "\n" for grep { /\[$level\]/ } @$lines;
    }
    for my $line (@$lines) {
        if ($line =~ /\bAssertion .*?failed\b/
            || $line =~ /==\d+==\s*ERROR: (?:Address|Leak|Memory|Thread)Sanitizer/
            || $line =~ /:\d+:\d+: runtime error: /)
        {
            chomp(my $l = $line);
            fail("$name - $l\n");
        }
    }
}

sub check_error_log {
    my ($block, $res, $rep, $need_array) = @_;
    my $name = $block->name;
    my $lines = error_log_data();
    check_grep_error_log($block, $lines, $rep);
    check_log_present($name, $lines, scalar $block->error_log, 'error.log', $rep)
        if defined $block->error_log;
    check_log_absent($name, $lines, scalar $block->no_error_log, 'error.log', $rep)
        if defined $block->no_error_log;
    check_bad_log_lines($block, $lines);
}

sub check_access_log {
    my ($block, $rep) = @_;
    return unless defined $block->access_log || defined $block->no_access_log;
    my $name = $block->name;
    my $lines = access_log_data();
    check_log_present($name, $lines, scalar $block->access_log, 'access.log', $rep)
        if defined $block->access_log;
    check_log_absent($name, $lines, scalar $block->no_access_log, 'access.log', $rep)
        if defined $block->no_access_log;
}

sub check_response {
    my ($block, $res, $raw_headers, $req_idx, $rep, $need_array) = @_;
    check_error_code($block, $res, $req_idx, $need_array);
    check_raw_response_headers($block, $raw_headers, $req_idx, $need_array);
    check_response_headers($block, $res, $raw_headers, $req_idx, $need_array);
    transform_response_body($block, $res, $req_idx);
    check_response_body($block, $res, $req_idx, $rep, $need_array);
}

# ------------------------------------------------------------ one round

# Send the block's request(s) and run all checks; $rep is the index of the
# repetition (repeat_each).
sub run_test_helper {
    my ($block, $rep) = @_;
    my $name = $block->name;
    my $reqs = requests_from_block($block);
    my $timeout = parse_time($block->timeout) // timeout();
    my $pipelined = $block->pipelined_requests;
    my $per_conn = $pipelined ? scalar @$pipelined : 1;
    my $total = @$reqs * $per_conn;
    my $need_array = $total > 1;
    my $req_idx = 0;

    for my $req (@$reqs) {
        my $head_req = (join '', map { $_->{value} } @$req) =~ /^\s*HEAD\s+/ ? 1 : 0;
        my $raw = send_request($req, $block, $timeout) // '';
        for my $k (1 .. $per_conn) {
            $raw = handle_response($block, $raw, $head_req, $req_idx, $rep,
                                   $need_array, $k == $per_conn);
            if (++$req_idx < $total) {
                sleep parse_time($block->wait) if $block->wait;
                check_error_log($block, undef, $rep, $need_array);
                check_access_log($block, $rep) unless defined $block->ignore_response;
            }
        }
    }
    sleep parse_time($block->wait) if $block->wait;
    check_error_log($block, undef, $rep, $need_array);
    check_access_log($block, $rep) unless defined $block->ignore_response;
}

# Parse one response off $raw, check it, return what is left.
sub handle_response {
    my ($block, $raw, $head_req, $req_idx, $rep, $need_array, $last) = @_;
    return '' if defined $block->ignore_response;
    my $name = $block->name;
    my ($res, $raw_headers, $left);
    if (defined $block->http09) {
        ($res, $raw_headers) = (HTTP::Response->new(200, 'OK', [], $raw), '');
    } else {
        ($res, $raw_headers, $left) = parse_response($name, $raw // '', $head_req);
    }
    if ($last && defined $left && $left ne '') {
        (my $shown = $left) =~ s/([\0-\037\200-\377])/sprintf('\x{%02x}', ord $1)/eg;
        warn "WARNING: $name - unexpected extra bytes after last chunk in response: \"$shown\"\n";
    }
    check_response($block, $res, $raw_headers, $req_idx, $rep, $need_array);
    return $left // '';
}

1;
