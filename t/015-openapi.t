# GET openapi.json: the API's OpenAPI description (doc/openapi.json, embedded
# in the module when it is built) below the location that carries
# `mytimetable;`. Its content is checked by make openapi-check.
use Test::Nginx::Socket 'no_plan';

use FindBin;
use MyTimetable::Blocks;

store_per_block(); # a fresh store for every block

our $doc = do {
    my $file = "$FindBin::Bin/../doc/openapi.json";
    open my $f, '<', $file or die "$file: $!";
    local $/;
    <$f>;
};

no_shuffle();
run_tests();

__DATA__

=== TEST 1: GET openapi.json answers the bytes of doc/openapi.json as JSON
--- config
    location /api/ {
        mytimetable;
    }
--- request
GET /api/openapi.json
--- error_code: 200
--- response_headers
Content-Type: application/json; charset=utf-8
--- response_body eval
$main::doc



=== TEST 2: HEAD answers the same headers and no body
--- config
    location /api/ {
        mytimetable;
    }
--- request
HEAD /api/openapi.json
--- error_code: 200
--- response_headers eval
"Content-Type: application/json; charset=utf-8\nContent-Length: " . length($main::doc)
--- response_body chomp



=== TEST 3: the description is read-only: other methods answer 405 with Allow
--- config
    location /api/ {
        mytimetable;
    }
--- request eval
["PUT /api/openapi.json\n{}", "POST /api/openapi.json", "DELETE /api/openapi.json"]
--- more_headers
Content-Type: application/json
--- error_code eval
[405, 405, 405]
--- response_headers eval
["Allow: GET, HEAD", "Allow: GET, HEAD", "Allow: GET, HEAD"]
--- response_body eval
[qq({"error":"method_not_allowed","message":"the method PUT is not allowed here; allowed: GET, HEAD"}),
 qq({"error":"method_not_allowed","message":"the method POST is not allowed here; allowed: GET, HEAD"}),
 qq({"error":"method_not_allowed","message":"the method DELETE is not allowed here; allowed: GET, HEAD"})]



=== TEST 4: it is below whatever location carries the API, and only there
--- config
    location /timetable/provisioning/ {
        mytimetable;
    }
--- request eval
["GET /timetable/provisioning/openapi.json", "GET /timetable/provisioning/openapi.yaml",
 "GET /timetable/provisioning/v0/openapi.json"]
--- error_code eval
[200, 404, 404]
--- response_body eval
[$main::doc,
 qq({"error":"not_found","message":"no API resource at this path"}),
 qq({"error":"not_found","message":"no API resource at this path"})]



=== TEST 5: it is the same whatever the store holds, and needs no query
--- config
    location /api/ {
        mytimetable;
    }
--- request eval
["PUT /api/v0/users/alice", "GET /api/openapi.json?x=1", "GET /api/openapi.json"]
--- error_code eval
[204, 200, 200]
--- response_body eval
["", $main::doc, $main::doc]
