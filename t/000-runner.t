# Self-test of the Test::Nginx runner, with stock nginx directives only.
# It must pass with the small runner in t/runner and with the real
# Test::Nginx alike.

use Test::Nginx::Socket 'no_plan';

repeat_each(2);

$ENV{TEST_NGINX_HTML_DIR} ||= html_dir();
$ENV{TEST_NGINX_RUNNER_GREETING} = 'hello from env';
env_to_nginx('TEST_NGINX_RUNNER_GREETING');

run_tests();

__DATA__

=== TEST 1: body, default status code, exact and absent headers
--- config
    location = /t {
        add_header X-Foo "bar baz";
        return 200 "hello\n";
    }
--- request
GET /t
--- response_headers
Content-Type: text/plain
X-Foo: bar baz
!X-Absent
--- response_body
hello



=== TEST 2: error_code, response_headers_like, response_body_like
--- config
    location = /t {
        return 403 "nope, not here\n";
    }
--- request
GET /t
--- error_code: 403
--- response_headers_like
Server: nginx(?:/[\d.]+)?
Content-Length: \d+
--- response_body_like: not here



=== TEST 3: error_code_like, raw_response_headers_like, response_body_unlike, timeout, wait
--- config
    location = /t {
        return 200 "fine\n";
    }
--- request
GET /t
--- timeout: 5
--- wait: 0.1
--- error_code_like: ^2\d\d$
--- raw_response_headers_like: ^HTTP/1\.1 200 OK\r\n
--- response_body_unlike: error



=== TEST 4: the default root location serves html/index.html
--- config
--- request
GET /
--- response_headers
Content-Type: text/html
--- response_body chomp
<html><head><title>It works!</title></head><body>It works!</body></html>



=== TEST 5: main_config, http_config, $TEST_NGINX_* and $ServerPort
--- main_config
timer_resolution 100ms;
--- http_config
    map $uri $runner_greeting {
        default "$TEST_NGINX_RUNNER_GREETING";
    }
--- config
    location = /t {
        return 200 "$runner_greeting on port $TEST_NGINX_SERVER_PORT\n";
    }
--- request
GET /t
--- response_body
hello from env on port $ServerPort
--- no_error_log
[emerg]



=== TEST 6: several requests, with array expectations
--- config
    location = /a { return 200 "a\n"; }
    location = /b { return 201 "b\n"; }
--- request eval
["GET /a", "GET /b"]
--- error_code eval
[200, 201]
--- response_headers eval
["Content-Length: 2", "Content-Length: 2"]
--- response_body eval
["a\n", "b\n"]



=== TEST 7: pipelined requests on one connection
--- config
    location = /a { return 200 "first\n"; }
    location = /b { return 200 "second\n"; }
--- pipelined_requests eval
["GET /a", "GET /b"]
--- response_body eval
["first\n", "second\n"]



=== TEST 8: request body, Content-Length and more_headers
--- config
    location = /t {
        return 200 "cl=$http_content_length ct=$content_type x=$http_x_test\n";
    }
--- more_headers
X-Test: yes
Content-Type: text/x-runner
--- request
POST /t
hello world
--- response_body
cl=11 ct=text/x-runner x=yes



=== TEST 9: request sent in two packets reaches nginx whole
--- config
    location = /echo {
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/empty;
        add_header X-Body "[$request_body]";
    }
    location = /empty {
        return 200 "ok\n";
    }
--- request eval
[["POST /echo\nhel", {value => "lo world", delay_before => 0.05}]]
--- response_headers
X-Body: [hello world]
--- response_body
ok



=== TEST 10: comment lines before the request line, HTTP/1.0
--- config
    location = /t {
        return 200 "$server_protocol $arg_a\n";
    }
--- request
# this comment is not part of the request
GET /t?a=1 HTTP/1.0
--- response_body
HTTP/1.0 1



=== TEST 11: raw_request is sent as is
--- config
    location = /t {
        return 200 "raw=$http_x_raw proto=$server_protocol\n";
    }
--- raw_request eval
"GET /t HTTP/1.0\r\nHost: localhost\r\nX-Raw: 1\r\n\r\n"
--- response_body
raw=1 proto=HTTP/1.0



=== TEST 12: error_log and no_error_log as lines
--- config
    location /missing/ {
        root $TEST_NGINX_HTML_DIR;
    }
--- request
GET /missing/nothing.txt
--- error_code: 404
--- response_body_like: 404 Not Found
--- error_log
No such file or directory
--- no_error_log
[alert]
[crit]



=== TEST 13: error_log and no_error_log with eval, grep_error_log
--- config
    location /missing/ {
        root $TEST_NGINX_HTML_DIR;
    }
--- request
GET /missing/nothing.txt
--- error_code: 404
--- error_log eval
[qr/open\(\) "[^"]+nothing\.txt" failed/, "[error]"]
--- no_error_log eval
qr/\[emerg\]/
--- grep_error_log eval
qr/No such file or directory/
--- grep_error_log_out
No such file or directory



=== TEST 14: chunked response (ssi) and user_files
--- user_files
>>> ssi.html
hello <!--# echo var="arg_who" -->!
--- config
    ssi on;
--- request
GET /ssi.html?who=world
--- response_headers
Transfer-Encoding: chunked
!Content-Length
--- response_body
hello world!



=== TEST 15: response_body_filters
--- config
    location = /t {
        return 200 "hello\n";
    }
--- request
GET /t
--- response_body_filters
uc
--- response_body
HELLO



=== TEST 16: HEAD request
--- config
    location = /t {
        return 200 "hello\n";
    }
--- request
HEAD /t
--- response_headers
Content-Length: 6
--- response_body eval
""



=== TEST 17: per-block log_level
--- log_level: warn
--- config
    location = /t {
        return 200 "ok\n";
    }
--- request
GET /t
--- response_body
ok
--- no_error_log
[debug]
[info]



=== TEST 18: debug logging by default (skipped without --with-debug)
--- skip_eval: 2: qx{$Test::Nginx::Util::NginxBinary -V 2>&1} !~ /--with-debug/
--- config
    location = /t {
        return 200 "ok\n";
    }
--- request
GET /t
--- error_log
[debug]



=== TEST 19: a skipped block is not run
--- SKIP
--- config
    location = /t {
        return 500;
    }
--- request
GET /t
--- response_body
never checked
