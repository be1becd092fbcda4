# What nginx answers itself, before the module sees a request, turned into the
# API's JSON errors by the server-level error_pages of examples/nginx.conf;
# and a $filter at its 4096-byte bound, percent-encoded to three times that,
# fitting in that file's large_client_header_buffers.
use Test::Nginx::Socket 'no_plan';

use MyTimetable::Blocks;

store_per_block(); # a fresh store for every block

# 4096 bytes decoded: UserName eq '<é x 2041>' (13 + 4082 + 1), percent-encoded
# to 12,303 bytes, more than nginx's default 8k buffer holds
our $long = "UserName%20eq%20%27" . ("%C3%A9" x 2041) . "%27";
# one byte more
our $longer = "UserName%20eq%20%27" . ("%C3%A9" x 2041) . "a%27";

add_block_preprocessor(sub {
    my $block = shift;
    $block->set_value("config", <<'CONF') unless defined $block->config;
    large_client_header_buffers 4 16k;
    error_page 400 /api-errors/400.json;
    error_page 405 /api-errors/405.json;
    error_page 414 /api-errors/414.json;
    location /api/ {
        mytimetable;
    }
    location = /api-errors/400.json {
        internal;
        default_type "application/json; charset=utf-8";
        return 400 '{"error":"bad_request","message":"nginx refused the request as malformed: the request line, a percent escape in the path or a header"}';
    }
    location = /api-errors/405.json {
        internal;
        default_type "application/json; charset=utf-8";
        return 405 '{"error":"method_not_allowed","message":"nginx refuses the TRACE method"}';
    }
    location = /api-errors/414.json {
        internal;
        default_type "application/json; charset=utf-8";
        return 414 '{"error":"uri_too_long","message":"the request line is longer than large_client_header_buffers"}';
    }
CONF
});

no_shuffle();
run_tests();

__DATA__

=== TEST 1: a $filter of 4096 bytes (12 KB percent-encoded) reaches the module and answers
--- request eval
"GET /api/users?\$filter=$::long"
--- error_code: 200
--- response_body chomp
[]



=== TEST 2: one byte more is the module's own 400, naming the bound
--- request eval
"GET /api/users?\$filter=$::longer"
--- error_code: 400
--- response_body chomp
{"error":"bad_request","message":"$filter: longer than 4096 bytes"}



=== TEST 3: without large_client_header_buffers nginx answers the 4096-byte $filter 414 itself
--- config
    location /api/ {
        mytimetable;
    }
--- request eval
"GET /api/users?\$filter=$::long"
--- error_code: 414



=== TEST 4: a request line longer than the buffers: nginx's 414, as JSON
--- request eval
"GET /api/users?\$filter=" . ("x" x 17000)
--- error_code: 414
--- response_headers
Content-Type: application/json; charset=utf-8
--- response_body chomp
{"error":"uri_too_long","message":"the request line is longer than large_client_header_buffers"}



=== TEST 5: TRACE is refused by nginx itself: 405, as JSON
--- request
TRACE /api/v0/users
--- error_code: 405
--- response_headers
Content-Type: application/json; charset=utf-8
--- response_body chomp
{"error":"method_not_allowed","message":"nginx refuses the TRACE method"}



=== TEST 6: a malformed percent escape in the path is refused by nginx itself: 400, as JSON
--- request
GET /api/v0/users/%zz
--- error_code: 400
--- response_headers
Content-Type: application/json; charset=utf-8
--- response_body chomp
{"error":"bad_request","message":"nginx refused the request as malformed: the request line, a percent escape in the path or a header"}



=== TEST 7: a malformed escape in the query string reaches the module: its own 400 names the option
--- request
GET /api/users?$filter=%zz
--- error_code: 400
--- response_body_like: ^\{"error":"bad_request","message":"[^"]*\$filter[^"]*"\}$



=== TEST 8: the module's own errors keep their own JSON body under those error_pages
--- request
DELETE /api/v0/users/..
--- error_code: 400
--- response_body chomp
{"error":"bad_request","message":"the path has a '.' or '..' segment; send the path without dot segments"}
