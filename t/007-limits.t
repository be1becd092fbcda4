# Hostile and oversized input: each gets its 4xx and a clear message, and
# nothing is stored.
use Test::Nginx::Socket 'no_plan';

use MyTimetable::Blocks;

store_per_block(); # a fresh store for every block

our $many_fields = CORE::join("&", map { "f$_=1" } 1 .. 1001);
our $deep_json = ("[" x 3000) . ("]" x 3000);

no_shuffle();
run_tests();

__DATA__

=== TEST 1: a body over client_max_body_size answers 413, as JSON with the README's error_page
--- config
    location /api/ {
        client_max_body_size 1k;
        error_page 413 /api-errors/413.json;
        mytimetable;
    }
    location = /api-errors/413.json {
        internal;
        default_type "application/json; charset=utf-8";
        return 413 '{"error":"payload_too_large","message":"the request body is larger than client_max_body_size"}';
    }
--- more_headers
Content-Type: application/x-www-form-urlencoded
--- request eval
["PUT /api/v0/users/alice\n" . ("displayName=" . ("x" x 2000)), "GET /api/v0/users"]
--- error_code eval
[413, 200]
--- response_headers eval
["Content-Type: application/json; charset=utf-8", ""]
--- response_body eval
['{"error":"payload_too_large","message":"the request body is larger than client_max_body_size"}',
 '{"users":[]}']
--- no_error_log eval
qr/\[error\] .*mytimetable:/



=== TEST 2: a body over client_body_buffer_size is read back from nginx's temp file
--- config
    location /api/ {
        client_body_buffer_size 1k;
        mytimetable;
    }
--- more_headers
Content-Type: application/x-www-form-urlencoded
--- request eval
["PUT /api/v0/users/alice\nroles=student&displayName=" . ("x" x 200) . "&attributes=note%3D" . ("y" x 1000),
 "GET /api/v0/users/alice"]
--- error_code eval
[201, 200]
--- response_body_like eval
[qr/"attributes":\[\{"name":"note","values":\["y{1000}"\]\}\],"roles":\["student"\]/,
 qr/"displayName":"x{200}"/]



=== TEST 3: a form with more than 1000 fields answers 400
--- config
    location /api/ {
        mytimetable;
    }
--- more_headers
Content-Type: application/x-www-form-urlencoded
--- request eval
"PUT /api/v0/synchronizations\n$main::many_fields"
--- error_code: 400
--- response_body chomp
{"error":"bad_request","message":"form has more than 1000 fields"}



=== TEST 4: a query string with more than 1000 parameters answers 400
--- config
    location /api/ {
        mytimetable;
    }
--- request eval
"DELETE /api/v0/synchronizations/1?$main::many_fields"
--- error_code: 400
--- response_body chomp
{"error":"bad_request","message":"query string: form has more than 1000 fields"}



=== TEST 5: deeply nested JSON answers 400 and stores nothing
--- config
    location /api/ {
        mytimetable;
    }
--- more_headers
Content-Type: application/json
--- request eval
["POST /api/users\n$main::deep_json", "GET /api/v0/users"]
--- error_code eval
[400, 200]
--- response_body eval
['{"error":"bad_request","message":"the body is not valid JSON: maximum parsing depth reached near \'[\' (line 1, column 2049)"}',
 '{"users":[]}']



=== TEST 6: a NUL character in a JSON string answers 400
--- config
    location /api/ {
        mytimetable;
    }
--- more_headers
Content-Type: application/json
--- request
POST /api/users
{"UserName":"a\u0000b","Email":"a@example.org"}
--- error_code: 400
--- response_body chomp
{"error":"bad_request","message":"the body is not valid JSON: a string contains \\u0000 (line 1, column 22)"}



=== TEST 7: bytes that are not UTF-8 in a JSON body answer 400
--- config
    location /api/ {
        mytimetable;
    }
--- more_headers
Content-Type: application/json
--- request eval
"POST /api/users\n{\"UserName\":\"a\xff\",\"Email\":\"a\@example.org\"}"
--- error_code: 400
--- response_body chomp
{"error":"bad_request","message":"the body is not valid JSON: unable to decode byte 0xff near '\"a' (line 1, column 14)"}



=== TEST 8: a duplicate JSON key answers 400
--- config
    location /api/ {
        mytimetable;
    }
--- more_headers
Content-Type: application/json
--- request
POST /api/users
{"UserName":"alice","Email":"a@example.org","UserName":"mallory"}
--- error_code: 400
--- response_body chomp
{"error":"bad_request","message":"the body is not valid JSON: duplicate object key near '\"UserName\"' (line 1, column 54)"}



=== TEST 9: a NUL byte in a form value answers 400 and stores nothing
--- config
    location /api/ {
        mytimetable;
    }
--- more_headers
Content-Type: application/x-www-form-urlencoded
--- request eval
["POST /api/v0/users\nusername=ali%00ce", "GET /api/v0/users"]
--- error_code eval
[400, 200]
--- response_body eval
['{"error":"bad_request","message":"form field \"username\": it contains a NUL byte at byte 3"}',
 '{"users":[]}']



=== TEST 10: a path longer than nginx's header buffers is refused by nginx
--- config
    location /api/ {
        mytimetable;
    }
--- request eval
"PUT /api/v0/users/" . ("x" x 9000)
--- error_code: 414
--- response_body_like: 414 Request-URI Too Large



=== TEST 11: a query string that does not decode answers 400
--- config
    location /api/ {
        mytimetable;
    }
--- request
DELETE /api/v0/synchronizations/1?unlinkMode=%ZZ
--- error_code: 400
--- response_body chomp
{"error":"bad_request","message":"query string: form field \"unlinkMode\": the '%' at byte 0 is not followed by two hex digits"}
