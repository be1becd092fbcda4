# Provisioning API v0: users (contract section 1, first table).
use Test::Nginx::Socket 'no_plan';

use MyTimetable::Blocks;

store_per_block(); # a fresh store for every block

no_shuffle();
run_tests();

__DATA__

=== TEST 1: an empty store lists no users
--- config
    location /api/ {
        mytimetable;
    }
--- request
GET /api/v0/users
--- error_code: 200
--- response_headers
Content-Type: application/json; charset=utf-8
--- response_body chomp
{"users":[]}



=== TEST 2: PUT creates users, GET lists them sorted by username bytes
--- config
    location /api/ {
        mytimetable;
    }
--- request eval
[
    "PUT /api/v0/users/carol",
    "PUT /api/v0/users/alice",
    "PUT /api/v0/users/Bob",
    "PUT /api/v0/users/bob",
    "GET /api/v0/users",
]
--- error_code eval
[204, 204, 204, 204, 200]
--- response_body eval
["", "", "", "", qq({"users":["Bob","alice","bob","carol"]})]



=== TEST 3: PUT of an existing user still answers 204 and keeps one entry
--- config
    location /api/ {
        mytimetable;
    }
--- request eval
[
    "PUT /api/v0/users/alice",
    "PUT /api/v0/users/alice",
    "GET /api/v0/users",
]
--- error_code eval
[204, 204, 200]
--- response_body eval
["", "", qq({"users":["alice"]})]



=== TEST 4: DELETE removes a user
--- config
    location /api/ {
        mytimetable;
    }
--- request eval
[
    "PUT /api/v0/users/alice",
    "PUT /api/v0/users/bob",
    "DELETE /api/v0/users/alice",
    "GET /api/v0/users",
]
--- error_code eval
[204, 204, 204, 200]
--- response_body eval
["", "", "", qq({"users":["bob"]})]



=== TEST 5: DELETE of an unknown user still answers 204
--- config
    location /api/ {
        mytimetable;
    }
--- request
DELETE /api/v0/users/nobody
--- error_code: 204
--- response_body chomp



=== TEST 6: the username is percent-decoded and stored as UTF-8
--- config
    location /api/ {
        mytimetable;
    }
--- request eval
[
    "PUT /api/v0/users/j%C3%BCrgen",
    "PUT /api/v0/users/mary%20ann",
    "PUT /api/v0/users/a+b",
    "GET /api/v0/users",
    "DELETE /api/v0/users/j%c3%bcrgen",
    "GET /api/v0/users",
]
--- error_code eval
[204, 204, 204, 200, 204, 200]
--- response_body eval
["", "", "", qq({"users":["a+b","j\x{c3}\x{bc}rgen","mary ann"]}), "", qq({"users":["a+b","mary ann"]})]



=== TEST 7: an encoded slash is refused, not taken as a path separator
--- config
    location /api/ {
        mytimetable;
    }
--- request
PUT /api/v0/users/a%2Fb
--- error_code: 400
--- response_headers
Content-Type: application/json; charset=utf-8
--- response_body chomp
{"error":"bad_request","message":"invalid username: the username contains a '/'"}



=== TEST 8: a username that is not UTF-8 is refused
--- config
    location /api/ {
        mytimetable;
    }
--- request
PUT /api/v0/users/caf%E9
--- error_code: 400
--- response_body chomp
{"error":"bad_request","message":"invalid username: it is not valid UTF-8 (at decoded byte 3)"}



=== TEST 9: a username with a control character is refused
--- config
    location /api/ {
        mytimetable;
    }
--- request
PUT /api/v0/users/ali%0Ace
--- error_code: 400
--- response_body chomp
{"error":"bad_request","message":"invalid username: the username contains a control character"}



=== TEST 10: nginx itself refuses a path with an encoded NUL byte, before the module
--- config
    location /api/ {
        mytimetable;
    }
--- request
DELETE /api/v0/users/ali%00ce
--- error_code: 400
--- response_body_like: 400 Bad Request



=== TEST 11: nginx itself refuses a path with a broken percent escape, before the module
--- config
    location /api/ {
        mytimetable;
    }
--- request
PUT /api/v0/users/ali%zzce
--- error_code: 400
--- response_body_like: 400 Bad Request



=== TEST 12: a username of 256 bytes is accepted
--- config
    location /api/ {
        mytimetable;
    }
--- request eval
["PUT /api/v0/users/" . ("x" x 256), "GET /api/v0/users"]
--- error_code eval
[204, 200]
--- response_body eval
["", qq({"users":[") . ("x" x 256) . qq("]})]



=== TEST 13: a username of 257 bytes is refused
--- config
    location /api/ {
        mytimetable;
    }
--- request eval
"PUT /api/v0/users/" . ("x" x 257)
--- error_code: 400
--- response_body chomp
{"error":"bad_request","message":"invalid username: the username is longer than 256 bytes"}



=== TEST 14: a method the path does not support answers 405 with Allow
--- config
    location /api/ {
        mytimetable;
    }
--- request
POST /api/v0/users/alice
--- error_code: 405
--- response_headers
Allow: PUT, DELETE, GET, HEAD
Content-Type: application/json; charset=utf-8
--- response_body chomp
{"error":"method_not_allowed","message":"the method POST is not allowed here; allowed: PUT, DELETE, GET, HEAD"}



=== TEST 15: DELETE on the collection answers 405 with Allow
--- config
    location /api/ {
        mytimetable;
    }
--- request
DELETE /api/v0/users
--- error_code: 405
--- response_headers
Allow: GET, HEAD, POST
--- response_body chomp
{"error":"method_not_allowed","message":"the method DELETE is not allowed here; allowed: GET, HEAD, POST"}



=== TEST 16: an unknown path answers 404 with a JSON body
--- config
    location /api/ {
        mytimetable;
    }
--- request
GET /api/v1/users
--- error_code: 404
--- response_headers
Content-Type: application/json; charset=utf-8
--- response_body chomp
{"error":"not_found","message":"no API resource at this path"}



=== TEST 17: an extra path segment answers 404
--- config
    location /api/ {
        mytimetable;
    }
--- request
PUT /api/v0/users/alice/extra
--- error_code: 404
--- response_body chomp
{"error":"not_found","message":"no API resource at this path"}



=== TEST 18: an empty username segment answers 404
--- config
    location /api/ {
        mytimetable;
    }
--- request
PUT /api/v0/users/
--- error_code: 404
--- response_body chomp
{"error":"not_found","message":"no API resource at this path"}



=== TEST 19: HEAD is served by the GET route, without a body
--- config
    location /api/ {
        mytimetable;
    }
--- request
HEAD /api/v0/users
--- error_code: 200
--- response_headers
Content-Type: application/json; charset=utf-8
Content-Length: 12
--- response_body chomp



=== TEST 20: a list of over 1000 users and 32 KiB is streamed in chunks, and whole to an HTTP/1.0 client
--- http_config
    mytimetable_durability relaxed;
--- config
    location /api/ {
        mytimetable;
    }
--- request eval
[(map { "PUT /api/v0/users/" . sprintf("%04d", $_) . ("x" x 36) } 1 .. 1001),
 "GET /api/v0/users", "GET /api/v0/users HTTP/1.0"]
--- error_code eval
[(204) x 1001, 200, 200]
--- response_headers eval
[("") x 1001, "Transfer-Encoding: chunked", "!Transfer-Encoding"]
--- response_body eval
[("") x 1001,
 ('{"users":[' . CORE::join(",", map { '"' . sprintf("%04d", $_) . ("x" x 36) . '"' } 1 .. 1001) . ']}') x 2]



=== TEST 21: the API follows the location it is mounted on
--- config
    location /timetable/provisioning/ {
        mytimetable;
    }
--- request eval
["PUT /timetable/provisioning/v0/users/alice", "GET /timetable/provisioning/v0/users"]
--- error_code eval
[204, 200]
--- response_body eval
["", qq({"users":["alice"]})]



=== TEST 22: two locations share one store
--- config
    location /a/ {
        mytimetable;
    }
    location /b/ {
        mytimetable;
    }
--- request eval
["PUT /a/v0/users/alice", "GET /b/v0/users"]
--- error_code eval
[204, 200]
--- response_body eval
["", qq({"users":["alice"]})]



=== TEST 23: a query string does not change the route
--- config
    location /api/ {
        mytimetable;
    }
--- request eval
["PUT /api/v0/users/alice?x=1", "GET /api/v0/users?pretty=1"]
--- error_code eval
[204, 200]
--- response_body eval
["", qq({"users":["alice"]})]



=== TEST 24: nginx access control in front of the API: a refused client changes nothing
--- config
    location /api/ {
        deny all;
        mytimetable;
    }
    location /open/ {
        mytimetable;
    }
--- request eval
["PUT /api/v0/users/mallory", "GET /open/v0/users"]
--- error_code eval
[403, 200]
--- response_body_like eval
[qr/403 Forbidden/, qr/^\{"users":\[\]\}$/]
--- no_error_log eval
qr/\[error\] .*mytimetable:/



=== TEST 25: basic authentication in front of the API refuses a request without credentials
--- config
    location /api/ {
        auth_basic "timetable admin";
        auth_basic_user_file ../html/htpasswd;
        mytimetable;
    }
--- user_files
>>> htpasswd
admin:{PLAIN}s3cret
--- request eval
["PUT /api/v0/users/mallory", "GET /api/v0/users?user=admin"]
--- error_code eval
[401, 401]
--- response_body_like eval
[qr/401 Authorization Required/, qr/401 Authorization Required/]



=== TEST 26: basic authentication in front of the API lets the administrator in
--- config
    location /api/ {
        auth_basic "timetable admin";
        auth_basic_user_file ../html/htpasswd;
        mytimetable;
    }
--- user_files
>>> htpasswd
admin:{PLAIN}s3cret
--- more_headers
Authorization: Basic YWRtaW46czNjcmV0
--- request eval
["PUT /api/v0/users/alice", "GET /api/v0/users"]
--- error_code eval
[204, 200]
--- response_body eval
["", qq({"users":["alice"]})]
