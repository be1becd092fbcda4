# Raw paths and nginx's location rules: nginx picks the location (and its
# deny, auth_basic) from the normalised path, the module routes on the raw
# one, so a path whose dot or empty segments would make the two disagree is
# refused, and usernames that no URL can carry are invalid.
use Test::Nginx::Socket 'no_plan';

use MyTimetable::Blocks;

store_per_block(); # a fresh store for every block

no_shuffle();
run_tests();

__DATA__

=== TEST 1: a '..' segment cannot reach a user behind a location that denies it
--- config
    location /api/v0/users/ {
        deny all;
        mytimetable;
    }
    location /api/ {
        mytimetable;
    }
--- request
DELETE /api/v0/users/..
--- error_code: 400
--- response_headers
Content-Type: application/json; charset=utf-8
--- response_body chomp
{"error":"bad_request","message":"the path has a '.' or '..' segment; send the path without dot segments"}



=== TEST 2: the denied location itself stays closed
--- config
    location /api/v0/users/ {
        deny all;
        mytimetable;
    }
    location /api/ {
        mytimetable;
    }
--- request
DELETE /api/v0/users/alice
--- error_code: 403
--- error_log
access forbidden by rule



=== TEST 3: percent-encoded dot segments are refused as well
--- config
    location /api/ {
        mytimetable;
    }
--- request eval
[
    "DELETE /api/v0/users/%2e%2e",
    "DELETE /api/v0/users/%2E.",
    "GET /api/v0/users/%2e",
    "GET /api/./v0/users",
    "GET /x/../api/v0/users",
]
--- error_code eval
[400, 400, 400, 400, 400]
--- response_body eval
[
    qq({"error":"bad_request","message":"the path has a '.' or '..' segment; send the path without dot segments"}),
    qq({"error":"bad_request","message":"the path has a '.' or '..' segment; send the path without dot segments"}),
    qq({"error":"bad_request","message":"the path has a '.' or '..' segment; send the path without dot segments"}),
    qq({"error":"bad_request","message":"the path has a '.' or '..' segment; send the path without dot segments"}),
    qq({"error":"bad_request","message":"the path has a '.' or '..' segment; send the path without dot segments"}),
]



=== TEST 4: an empty segment is refused
--- config
    location /api/ {
        mytimetable;
    }
--- request eval
[
    "GET /api//v0/users",
    "PUT /api/v0/users//alice",
]
--- error_code eval
[400, 400]
--- response_body eval
[
    qq({"error":"bad_request","message":"the path has an empty segment ('//'); send the path without it"}),
    qq({"error":"bad_request","message":"the path has an empty segment ('//'); send the path without it"}),
]



=== TEST 5: '.' and '..' are not usernames, in a form either; dots inside a name are fine
--- config
    location /api/ {
        mytimetable;
    }
--- more_headers
Content-Type: application/x-www-form-urlencoded
--- request eval
[
    "POST /api/v0/users\n\nusername=..",
    "POST /api/v0/users\n\nusername=.",
    "PUT /api/v0/users/...",
    "PUT /api/v0/users/.alice",
    "GET /api/v0/users",
]
--- error_code eval
[400, 400, 204, 204, 200]
--- response_body eval
[
    qq({"error":"bad_request","message":"invalid username: the username is '.' or '..', which no URL can carry"}),
    qq({"error":"bad_request","message":"invalid username: the username is '.' or '..', which no URL can carry"}),
    "",
    "",
    qq({"users":["...",".alice"]}),
]
