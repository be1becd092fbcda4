# SCIM 2.0: every bad input, with its status, scimType and detail (RFC 7644
# section 3.12's error body), answered as application/scim+json.
use Test::Nginx::Socket 'no_plan';

use MyTimetable::Blocks;

store_per_block(); # a fresh store for every block

no_shuffle();
run_tests();

__DATA__

=== TEST 1: a body that is neither application/scim+json nor application/json answers 415
--- config
    location /scim/v2/ {
        mytimetable_scim;
    }
--- more_headers
Content-Type: text/plain
--- request eval
['POST /scim/v2/Users
{}']
--- error_code eval
[415]
--- response_body eval
['{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"415","detail":"the body must be application/scim+json or application/json"}']
--- no_error_log
[error]


=== TEST 2: a body that is not JSON answers 400 invalidSyntax naming the line and column
--- config
    location /scim/v2/ {
        mytimetable_scim;
    }
--- more_headers
Content-Type: application/scim+json
--- request eval
['POST /scim/v2/Users
{"userName":']
--- error_code eval
[400]
--- response_body eval
['{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"400","scimType":"invalidSyntax","detail":"the body is not valid JSON: unexpected token near end of file (line 1, column 12)"}']
--- no_error_log
[error]


=== TEST 3: a JSON body that is not an object answers 400 invalidSyntax
--- config
    location /scim/v2/ {
        mytimetable_scim;
    }
--- more_headers
Content-Type: application/scim+json
--- request eval
['POST /scim/v2/Users
[1]']
--- error_code eval
[400]
--- response_body eval
['{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"400","scimType":"invalidSyntax","detail":"the body must be a JSON object"}']
--- no_error_log
[error]


=== TEST 4: a User without userName answers 400 invalidValue
--- config
    location /scim/v2/ {
        mytimetable_scim;
    }
--- more_headers
Content-Type: application/scim+json
--- request eval
['POST /scim/v2/Users
{"name":{"givenName":"x"}}']
--- error_code eval
[400]
--- response_body eval
['{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"400","scimType":"invalidValue","detail":"userName is required"}']
--- no_error_log
[error]


=== TEST 5: a userName that no URL can carry answers 400 invalidValue with the reason
--- config
    location /scim/v2/ {
        mytimetable_scim;
    }
--- more_headers
Content-Type: application/scim+json
--- request eval
['POST /scim/v2/Users
{"userName":"a/b"}']
--- error_code eval
[400]
--- response_body eval
['{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"400","scimType":"invalidValue","detail":"userName: the username contains a \'/\'"}']
--- no_error_log
[error]


=== TEST 6: an attribute outside the schema answers 400 invalidSyntax naming it
--- config
    location /scim/v2/ {
        mytimetable_scim;
    }
--- more_headers
Content-Type: application/scim+json
--- request eval
['POST /scim/v2/Users
{"userName":"x","favouriteColour":"blue"}']
--- error_code eval
[400]
--- response_body eval
['{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"400","scimType":"invalidSyntax","detail":"unknown attribute \\"favouriteColour\\": not in the User schema"}']
--- no_error_log
[error]


=== TEST 7: active that is not a boolean answers 400 invalidValue
--- config
    location /scim/v2/ {
        mytimetable_scim;
    }
--- more_headers
Content-Type: application/scim+json
--- request eval
['POST /scim/v2/Users
{"userName":"x","active":"maybe"}']
--- error_code eval
[400]
--- response_body eval
['{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"400","scimType":"invalidValue","detail":"active must be true or false"}']
--- no_error_log
[error]


=== TEST 8: a primary email that is no address answers 400 invalidValue naming the entry
--- config
    location /scim/v2/ {
        mytimetable_scim;
    }
--- more_headers
Content-Type: application/scim+json
--- request eval
['POST /scim/v2/Users
{"userName":"x","emails":[{"value":"not-an-address","primary":true}]}']
--- error_code eval
[400]
--- response_body eval
['{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"400","scimType":"invalidValue","detail":"emails[0].value: it has no \'@\'"}']
--- no_error_log
[error]


=== TEST 9: a locale that is no BCP 47 tag answers 400 invalidValue
--- config
    location /scim/v2/ {
        mytimetable_scim;
    }
--- more_headers
Content-Type: application/scim+json
--- request eval
['POST /scim/v2/Users
{"userName":"x","locale":"en_US"}']
--- error_code eval
[400]
--- response_body eval
['{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"400","scimType":"invalidValue","detail":"locale \\"en_US\\": expected a BCP 47 language tag such as \\"en\\" or \\"nl-NL\\""}']
--- no_error_log
[error]


=== TEST 10: a multi-valued attribute that is not an array answers 400 invalidValue
--- config
    location /scim/v2/ {
        mytimetable_scim;
    }
--- more_headers
Content-Type: application/scim+json
--- request eval
['POST /scim/v2/Users
{"userName":"x","emails":{"value":"a@b.c"}}']
--- error_code eval
[400]
--- response_body eval
['{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"400","scimType":"invalidValue","detail":"emails must be an array"}']
--- no_error_log
[error]


=== TEST 11: a userName taken by another user in another case answers 409 uniqueness
--- config
    location /scim/v2/ {
        mytimetable_scim;
    }
--- more_headers
Content-Type: application/scim+json
--- request eval
['POST /scim/v2/Users
{"userName":"a1"}',
 'POST /scim/v2/Users
{"userName":"A1"}']
--- error_code eval
[201, 409]
--- no_error_log
[error]


=== TEST 12: a filter that does not parse answers 400 invalidFilter naming the position
--- config
    location /scim/v2/ {
        mytimetable_scim;
    }
--- more_headers
Content-Type: application/scim+json
--- request eval
['GET /scim/v2/Users?filter=userName+equals+%22x%22']
--- error_code eval
[400]
--- response_body eval
['{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"400","scimType":"invalidFilter","detail":"filter: at character 10: expected an operator (eq ne co sw ew gt ge lt le pr) but found \'equals\'"}']
--- no_error_log
[error]


=== TEST 13: a filter on an attribute outside the schema answers 400 invalidFilter
--- config
    location /scim/v2/ {
        mytimetable_scim;
    }
--- more_headers
Content-Type: application/scim+json
--- request eval
['GET /scim/v2/Users?filter=shoeSize+eq+1']
--- error_code eval
[400]
--- response_body eval
['{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"400","scimType":"invalidFilter","detail":"filter: at character 1: unknown attribute \'shoeSize\'"}']
--- no_error_log
[error]


=== TEST 14: a startIndex that is no integer answers 400 invalidValue
--- config
    location /scim/v2/ {
        mytimetable_scim;
    }
--- more_headers
Content-Type: application/scim+json
--- request eval
['GET /scim/v2/Users?startIndex=abc']
--- error_code eval
[400]
--- response_body eval
['{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"400","scimType":"invalidValue","detail":"startIndex must be an integer, not \\"abc\\""}']
--- no_error_log
[error]


=== TEST 15: a sortOrder other than ascending or descending answers 400 invalidValue
--- config
    location /scim/v2/ {
        mytimetable_scim;
    }
--- more_headers
Content-Type: application/scim+json
--- request eval
['GET /scim/v2/Users?sortOrder=sideways']
--- error_code eval
[400]
--- response_body eval
['{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"400","scimType":"invalidValue","detail":"sortOrder must be ascending or descending, not \\"sideways\\""}']
--- no_error_log
[error]


=== TEST 16: a sortBy outside the schema answers 400 invalidValue
--- config
    location /scim/v2/ {
        mytimetable_scim;
    }
--- more_headers
Content-Type: application/scim+json
--- request eval
['GET /scim/v2/Users?sortBy=shoeSize']
--- error_code eval
[400]
--- response_body eval
['{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"400","scimType":"invalidValue","detail":"sortBy: no attribute \\"shoeSize\\" in the resource\'s schemas"}']
--- no_error_log
[error]


=== TEST 17: attributes outside the schema answer 400 invalidValue
--- config
    location /scim/v2/ {
        mytimetable_scim;
    }
--- more_headers
Content-Type: application/scim+json
--- request eval
['GET /scim/v2/Users?attributes=shoeSize']
--- error_code eval
[400]
--- response_body eval
['{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"400","scimType":"invalidValue","detail":"attributes: no attribute \\"shoeSize\\" in the resource\'s schemas"}']
--- no_error_log
[error]


=== TEST 18: a query parameter given twice answers 400 invalidValue
--- config
    location /scim/v2/ {
        mytimetable_scim;
    }
--- more_headers
Content-Type: application/scim+json
--- request eval
['GET /scim/v2/Users?filter=a&filter=b']
--- error_code eval
[400]
--- response_body eval
['{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"400","scimType":"invalidValue","detail":"query parameter filter is given more than once; give it once"}']
--- no_error_log
[error]


=== TEST 19: a filter that reads every user past mytimetable_query_max_scan answers 400 tooMany naming the limit
--- http_config
    mytimetable_query_max_scan 1;
--- config
    location /scim/v2/ {
        mytimetable_scim;
    }
--- more_headers
Content-Type: application/scim+json
--- request eval
['POST /scim/v2/Users
{"userName":"a1"}',
 'POST /scim/v2/Users
{"userName":"a2"}',
 'GET /scim/v2/Users?filter=title+pr',
 'GET /scim/v2/Users?filter=userName+eq+%22A2%22&attributes=userName']
--- error_code eval
[201, 201, 400, 200]
--- response_body eval
[qr/./,
 qr/./,
 '{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"400","scimType":"tooMany","detail":"this filter or sortBy reads every user (2), more than mytimetable_query_max_scan (1); filter by userName eq or externalId eq, which read an index"}',
 qr/./]
--- no_error_log
[error]


=== TEST 20: an unknown or malformed id answers 404 for every method
--- config
    location /scim/v2/ {
        mytimetable_scim;
    }
--- more_headers
Content-Type: application/scim+json
--- request eval
['GET /scim/v2/Users/not-a-guid',
 'PUT /scim/v2/Users/5171a35d-8207-4e06-8ce2-000000000000
{"userName":"x"}',
 'PATCH /scim/v2/Users/5171a35d-8207-4e06-8ce2-000000000000
{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"add","path":"title","value":"x"}]}',
 'DELETE /scim/v2/Users/5171a35d-8207-4e06-8ce2-000000000000']
--- error_code eval
[404, 404, 404, 404]
--- response_body eval
['{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"404","detail":"User not-a-guid not found"}',
 '{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"404","detail":"User 5171a35d-8207-4e06-8ce2-000000000000 not found"}',
 '{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"404","detail":"User 5171a35d-8207-4e06-8ce2-000000000000 not found"}',
 '{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"404","detail":"User 5171a35d-8207-4e06-8ce2-000000000000 not found"}']
--- no_error_log
[error]


=== TEST 21: an unknown path answers 404 and a method a path lacks 405 with Allow
--- config
    location /scim/v2/ {
        mytimetable_scim;
    }
--- more_headers
Content-Type: application/scim+json
--- request eval
['GET /scim/v2/Nothing',
 'DELETE /scim/v2/Users']
--- error_code eval
[404, 405]
--- response_body eval
['{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"404","detail":"no SCIM resource at this path"}',
 '{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"405","detail":"the method DELETE is not allowed here; allowed: GET, HEAD, POST"}']
--- no_error_log
[error]


=== TEST 22: a Group without displayName answers 400 invalidValue
--- config
    location /scim/v2/ {
        mytimetable_scim;
    }
--- more_headers
Content-Type: application/scim+json
--- request eval
['POST /scim/v2/Groups
{"members":[]}']
--- error_code eval
[400]
--- response_body eval
['{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"400","scimType":"invalidValue","detail":"displayName is required"}']
--- no_error_log
[error]


=== TEST 23: a Group displayName that is no role name answers 400 invalidValue
--- config
    location /scim/v2/ {
        mytimetable_scim;
    }
--- more_headers
Content-Type: application/scim+json
--- request eval
['POST /scim/v2/Groups
{"displayName":""}']
--- error_code eval
[400]
--- response_body eval
['{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"400","scimType":"invalidValue","detail":"displayName: use 1 to 64 bytes of UTF-8 without control characters"}']
--- no_error_log
[error]


=== TEST 24: a member value that is no id answers 400 invalidValue naming the entry
--- config
    location /scim/v2/ {
        mytimetable_scim;
    }
--- more_headers
Content-Type: application/scim+json
--- request eval
['POST /scim/v2/Groups
{"displayName":"g","members":[{"value":"nope"}]}']
--- error_code eval
[400]
--- response_body eval
['{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"400","scimType":"invalidValue","detail":"members[0].value: \\"nope\\" is not a User\'s id"}']
--- no_error_log
[error]


=== TEST 25: a member that is no user answers 400 and creates no group
--- config
    location /scim/v2/ {
        mytimetable_scim;
    }
--- more_headers
Content-Type: application/scim+json
--- request eval
['POST /scim/v2/Groups
{"displayName":"g","members":[{"value":"5171a35d-8207-4e06-8ce2-000000000000"}]}',
 'GET /scim/v2/Groups?attributes=displayName']
--- error_code eval
[400, 200]
--- response_body eval
['{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"400","scimType":"invalidValue","detail":"members: no User 5171a35d-8207-4e06-8ce2-000000000000"}',
 '{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":0,"startIndex":1,"itemsPerPage":0,"Resources":[]}']
--- no_error_log
[error]


=== TEST 26: a second Group of one name answers 409 uniqueness
--- config
    location /scim/v2/ {
        mytimetable_scim;
    }
--- more_headers
Content-Type: application/scim+json
--- request eval
['POST /scim/v2/Groups
{"displayName":"g"}',
 'POST /scim/v2/Groups
{"displayName":"g"}']
--- error_code eval
[201, 409]
--- response_body eval
[qr/./,
 '{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"409","scimType":"uniqueness","detail":"a Group \\"g\\" exists already"}']
--- no_error_log
[error]


=== TEST 27: an unknown schema or resource type answers 404
--- config
    location /scim/v2/ {
        mytimetable_scim;
    }
--- more_headers
Content-Type: application/scim+json
--- request eval
['GET /scim/v2/Schemas/urn:nope',
 'GET /scim/v2/ResourceTypes/Nope']
--- error_code eval
[404, 404]
--- response_body eval
['{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"404","detail":"no schema \\"urn:nope\\""}',
 '{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"404","detail":"no resource type \\"Nope\\""}']
--- no_error_log
[error]

