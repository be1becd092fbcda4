# mytimetable_root: the API's root set once, apart from the locations that
# carry `mytimetable;`, so that a prefix location inside it (with its own
# access rules) serves the same routes as the root's own location.
use Test::Nginx::Socket 'no_plan';

use MyTimetable::Blocks;

store_per_block();

no_shuffle();
run_tests();

__DATA__

=== TEST 1: without mytimetable_root, routes are relative to the location: /api/v0/ alone finds no route
--- config
    location /api/v0/ {
        mytimetable;
    }
--- request
GET /api/v0/users/bob
--- error_code: 404
--- response_body chomp
{"error":"not_found","message":"no API resource at this path"}



=== TEST 2: with mytimetable_root /api/, a location /api/v0/ serves the v0 routes
--- config
    mytimetable_root /api/;
    location /api/v0/ {
        mytimetable;
    }
--- request
GET /api/v0/users
--- error_code: 200
--- response_body chomp
{"users":[]}



=== TEST 3: sibling locations with their own rules serve the same routes and the same store
--- config
    mytimetable_root /api/;
    location /api/v0/ {
        auth_basic "provisioning";
        auth_basic_user_file $TEST_NGINX_HTML_DIR/htpasswd;
        mytimetable;
    }
    location /api/ {
        mytimetable;
    }
--- user_files
>>> htpasswd
prov:{PLAIN}s3cret
--- request eval
["PUT /api/v0/users/bob\ndisplayName=Bob", "GET /api/users?\$select=UserName", "GET /api/v0/users/bob"]
--- more_headers eval
["Authorization: Basic cHJvdjpzM2NyZXQ=\nContent-Type: application/x-www-form-urlencoded", "", ""]
--- error_code eval
[201, 200, 401]
--- response_body_like eval
['^\{"username":"bob"', '^\[\{"UserName":"bob"\}\]$', '401 Authorization Required']



=== TEST 4: Location of a write through the inner location names the root's URL
--- config
    mytimetable_root /api/;
    location /api/v0/ {
        mytimetable;
    }
--- more_headers
Content-Type: application/x-www-form-urlencoded
--- request
PUT /api/v0/users/bob
displayName=Bob
--- error_code: 201
--- response_headers
Location: http://localhost/api/v0/users/bob



=== TEST 5: nested locations: the inner one's rules, the outer one's routes
--- config
    mytimetable_root /api/;
    location /api/ {
        mytimetable;
        location /api/v0/users/ {
            deny all;
            mytimetable;
        }
    }
--- request eval
["GET /api/v0/users", "GET /api/v0/users/bob", "DELETE /api/v0/users/bob"]
--- error_code eval
[200, 403, 403]
--- no_error_log eval
qr/\[error\] .*mytimetable:/



=== TEST 6: a dot segment cannot leave the denied location for its sibling
--- config
    mytimetable_root /api/;
    location /api/v0/users/ {
        deny all;
        mytimetable;
    }
    location /api/ {
        mytimetable;
    }
--- request eval
["DELETE /api/v0/users/..", "DELETE /api/v0/users/x/../..", "GET /api/v0/users/%2e%2e"]
--- error_code eval
[400, 400, 400]
--- response_body eval
[qq{{"error":"bad_request","message":"the path has a '.' or '..' segment; send the path without dot segments"}},
 qq{{"error":"bad_request","message":"the path has a '.' or '..' segment; send the path without dot segments"}},
 qq{{"error":"bad_request","message":"the path has a '.' or '..' segment; send the path without dot segments"}}]



=== TEST 7: set at http level, mytimetable_root reaches every server
--- http_config
    mytimetable_root /api/;
--- config
    location /api/v0/ {
        mytimetable;
    }
--- request
GET /api/v0/users
--- error_code: 200



=== TEST 8: a location that equals the root works as without the directive
--- config
    mytimetable_root /api/;
    location /api/ {
        mytimetable;
    }
--- request
GET /api/users
--- error_code: 200
--- response_body chomp
[]



=== TEST 9: the directory's user/{id} under a location of its own
--- config
    mytimetable_root /api/;
    location /api/user/ {
        mytimetable;
    }
--- request eval
["GET /api/user/00000000-0000-4000-8000-000000000000", "GET /api/users"]
--- error_code eval
[404, 404]
--- response_body_like eval
['^\{"error":"not_found","message":"no user with Id', '<title>404 Not Found</title>']
--- no_error_log eval
qr/\[error\] .*mytimetable:/
