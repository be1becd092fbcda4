# Provisioning API v0: user profiles and per-user synchronizations, as later
# MyTimetable versions have them (contract section 1, second table).
use Test::Nginx::Socket 'no_plan';

use MyTimetable::Blocks;

store_per_block(); # a fresh store for every block

no_shuffle();
run_tests();

__DATA__

=== TEST 1: a user made by a bare PUT has an empty profile
--- config
    location /api/ {
        mytimetable;
    }
--- request eval
["PUT /api/v0/users/alice", "GET /api/v0/users/alice"]
--- error_code eval
[204, 200]
--- response_body eval
["", '{"username":"alice","displayName":null,"locale":null,"attributes":null,"roles":[]}']



=== TEST 2: GET of an unknown user answers 404
--- config
    location /api/ {
        mytimetable;
    }
--- request
GET /api/v0/users/ghost
--- error_code: 404
--- response_headers
Content-Type: application/json; charset=utf-8
--- response_body chomp
{"error":"not_found","message":"no user \"ghost\""}



=== TEST 3: POST creates a user with a profile: 201, Location, repeated attributes collect values
--- config
    location /api/ {
        mytimetable;
    }
--- more_headers
Content-Type: application/x-www-form-urlencoded
--- request eval
[
    "POST /api/v0/users\nusername=mary+ann&displayName=Mary+Ann+O%27Brien&locale=nl-NL&attributes=faculty%3Dscience&attributes=year%3D2&attributes=faculty%3Darts&roles=student&roles=tutor",
    "GET /api/v0/users/mary%20ann",
    "GET /api/v0/users",
]
--- error_code eval
[201, 200, 200]
--- response_headers eval
["Location: http://localhost/api/v0/users/mary%20ann", "", ""]
--- response_body eval
[
 q({"username":"mary ann","displayName":"Mary Ann O'Brien","locale":"nl-NL","attributes":[{"name":"faculty","values":["science","arts"]},{"name":"year","values":["2"]}],"roles":["student","tutor"]}),
 q({"username":"mary ann","displayName":"Mary Ann O'Brien","locale":"nl-NL","attributes":[{"name":"faculty","values":["science","arts"]},{"name":"year","values":["2"]}],"roles":["student","tutor"]}),
 q({"users":["mary ann"]}),
]



=== TEST 4: POST of an existing username answers 409
--- config
    location /api/ {
        mytimetable;
    }
--- more_headers
Content-Type: application/x-www-form-urlencoded
--- request eval
["PUT /api/v0/users/alice", "POST /api/v0/users\nusername=alice&displayName=Alice"]
--- error_code eval
[204, 409]
--- response_body eval
["", '{"error":"conflict","message":"the username \"alice\" is taken"}']



=== TEST 5: POST without a username answers 400
--- config
    location /api/ {
        mytimetable;
    }
--- more_headers
Content-Type: application/x-www-form-urlencoded
--- request
POST /api/v0/users
displayName=Nobody
--- error_code: 400
--- response_body chomp
{"error":"bad_request","message":"missing form field username"}



=== TEST 6: POST with an invalid username answers 400
--- config
    location /api/ {
        mytimetable;
    }
--- more_headers
Content-Type: application/x-www-form-urlencoded
--- request
POST /api/v0/users
username=a%2Fb
--- error_code: 400
--- response_body chomp
{"error":"bad_request","message":"invalid username: the username contains a '/'"}



=== TEST 7: a locale that is not a BCP 47 tag answers 400
--- config
    location /api/ {
        mytimetable;
    }
--- more_headers
Content-Type: application/x-www-form-urlencoded
--- request
POST /api/v0/users
username=alice&locale=nl_NL
--- error_code: 400
--- response_body chomp
{"error":"bad_request","message":"invalid locale \"nl_NL\": expected a BCP 47 language tag such as \"en\" or \"nl-NL\""}



=== TEST 8: an attribute without '=' answers 400
--- config
    location /api/ {
        mytimetable;
    }
--- more_headers
Content-Type: application/x-www-form-urlencoded
--- request
POST /api/v0/users
username=alice&attributes=faculty
--- error_code: 400
--- response_body chomp
{"error":"bad_request","message":"invalid attributes \"faculty\": expected name=value"}



=== TEST 9: attribute names are the URNs identity feeds send: eduPerson, SCHAC, urn:oid
--- config
    location /api/ {
        mytimetable;
    }
--- more_headers
Content-Type: application/x-www-form-urlencoded
--- request eval
[
    # as MyTimetable's documentation writes the form (':' and '=' unescaped) ...
    "POST /api/v0/users\nusername=alice%40example.org&displayName=Alice&locale=nl"
    . "&attributes=urn:mace:dir:attribute-def:eduPersonAffiliation=member"
    . "&attributes=urn:mace:dir:attribute-def:mail=alice\@example.org"
    . "&attributes=urn:mace:dir:attribute-def:eduPersonAffiliation=student"
    . "&attributes=urn:schac:attribute-def:schacHomeOrganization=example.org"
    . "&attributes=urn:oid:1.3.6.1.4.1.5923.1.1.1.1=employee"
    . "&attributes=urn:mace:dir:attribute-def:eduPersonAffiliation=affiliate"
    . "&roles=ROLE_MEMBER&roles=ROLE_STUDENT",
    # ... and as a form encoder (curl --data-urlencode, Java's URLEncoder) sends it;
    # the value starts after the first '=', so it may hold '=' itself
    "POST /api/v0/users\nusername=bob"
    . "&attributes=urn%3Amace%3Adir%3Aattribute-def%3AeduPersonEntitlement%3Durn%3Amace%3Aexample.org%3Arole%3Dadmin"
    . "&attributes=urn%3Aoid%3A1.3.6.1.4.1.5923.1.1.1.1%3Dmember"
    . "&attributes=urn%3Amace%3Adir%3Aattribute-def%3AeduPersonEntitlement%3D%3Dleading",
    "GET /api/v0/users/alice%40example.org",
    "GET /api/v0/users/bob",
]
--- error_code eval
[201, 201, 200, 200]
--- response_body eval
[
 q({"username":"alice@example.org","displayName":"Alice","locale":"nl","attributes":[{"name":"urn:mace:dir:attribute-def:eduPersonAffiliation","values":["member","student","affiliate"]},{"name":"urn:mace:dir:attribute-def:mail","values":["alice@example.org"]},{"name":"urn:schac:attribute-def:schacHomeOrganization","values":["example.org"]},{"name":"urn:oid:1.3.6.1.4.1.5923.1.1.1.1","values":["employee"]}],"roles":["ROLE_MEMBER","ROLE_STUDENT"]}),
 q({"username":"bob","displayName":null,"locale":null,"attributes":[{"name":"urn:mace:dir:attribute-def:eduPersonEntitlement","values":["urn:mace:example.org:role=admin","=leading"]},{"name":"urn:oid:1.3.6.1.4.1.5923.1.1.1.1","values":["member"]}],"roles":[]}),
 q({"username":"alice@example.org","displayName":"Alice","locale":"nl","attributes":[{"name":"urn:mace:dir:attribute-def:eduPersonAffiliation","values":["member","student","affiliate"]},{"name":"urn:mace:dir:attribute-def:mail","values":["alice@example.org"]},{"name":"urn:schac:attribute-def:schacHomeOrganization","values":["example.org"]},{"name":"urn:oid:1.3.6.1.4.1.5923.1.1.1.1","values":["employee"]}],"roles":["ROLE_MEMBER","ROLE_STUDENT"]}),
 q({"username":"bob","displayName":null,"locale":null,"attributes":[{"name":"urn:mace:dir:attribute-def:eduPersonEntitlement","values":["urn:mace:example.org:role=admin","=leading"]},{"name":"urn:oid:1.3.6.1.4.1.5923.1.1.1.1","values":["member"]}],"roles":[]}),
]



=== TEST 10: PUT with a form body takes URN attribute names too: created, then replaced
--- config
    location /api/ {
        mytimetable;
    }
--- more_headers
Content-Type: application/x-www-form-urlencoded
--- request eval
[
    "PUT /api/v0/users/carol\ndisplayName=Carol"
    . "&attributes=urn:mace:dir:attribute-def:eduPersonPrincipalName=carol\@example.org"
    . "&attributes=urn:schac:attribute-def:schacHomeOrganization=example.org",
    "PUT /api/v0/users/carol\ndisplayName=Carol"
    . "&attributes=urn%3Aoid%3A1.3.6.1.4.1.5923.1.1.1.1%3Dstudent"
    . "&attributes=urn%3Aoid%3A1.3.6.1.4.1.5923.1.1.1.1%3Dmember"
    . "&attributes=" . ("n" x 256) . "%3Dlongest",
    "GET /api/v0/users/carol",
]
--- error_code eval
[201, 200, 200]
--- response_body eval
[
 q({"username":"carol","displayName":"Carol","locale":null,"attributes":[{"name":"urn:mace:dir:attribute-def:eduPersonPrincipalName","values":["carol@example.org"]},{"name":"urn:schac:attribute-def:schacHomeOrganization","values":["example.org"]}],"roles":[]}),
 q({"username":"carol","displayName":"Carol","locale":null,"attributes":[{"name":"urn:oid:1.3.6.1.4.1.5923.1.1.1.1","values":["student","member"]},{"name":") . ("n" x 256) . q(","values":["longest"]}],"roles":[]}),
 q({"username":"carol","displayName":"Carol","locale":null,"attributes":[{"name":"urn:oid:1.3.6.1.4.1.5923.1.1.1.1","values":["student","member"]},{"name":") . ("n" x 256) . q(","values":["longest"]}],"roles":[]}),
]



=== TEST 11: an empty attribute name, a control character, a name over 256 bytes and no '=' answer 400
--- config
    location /api/ {
        mytimetable;
    }
--- more_headers
Content-Type: application/x-www-form-urlencoded
--- request eval
[
    "POST /api/v0/users\nusername=alice&attributes=%3Dmember",
    "POST /api/v0/users\nusername=alice&attributes=urn%3Aoid%3A1%01%3Dmember",
    "POST /api/v0/users\nusername=alice&attributes=urn%3Amace%0A%3Dmember",
    "POST /api/v0/users\nusername=alice&attributes=" . ("n" x 257) . "%3Dmember",
    "PUT /api/v0/users/alice\nattributes=%3Dmember",
    "PUT /api/v0/users/alice\nattributes=urn%3Aoid%3A1.3.6.1.4.1.5923.1.1.1.1",
    "PUT /api/v0/users/alice\nattributes=" . ("%C3%A4" x 129) . "%3Dmember",
    "GET /api/v0/users",
]
--- error_code eval
[400, 400, 400, 400, 400, 400, 400, 200]
--- response_body eval
[
 '{"error":"bad_request","message":"invalid attributes \"=...\": the attribute name is empty"}',
 '{"error":"bad_request","message":"invalid attributes \"urn:oid:1\u0001=...\": the attribute name contains a control character"}',
 '{"error":"bad_request","message":"invalid attributes \"urn:mace\n=...\": the attribute name contains a control character"}',
 '{"error":"bad_request","message":"invalid attributes: the attribute name is longer than 256 bytes"}',
 '{"error":"bad_request","message":"invalid attributes \"=...\": the attribute name is empty"}',
 '{"error":"bad_request","message":"invalid attributes \"urn:oid:1.3.6.1.4.1.5923.1.1.1.1\": expected name=value"}',
 '{"error":"bad_request","message":"invalid attributes: the attribute name is longer than 256 bytes"}',
 '{"users":[]}',
]



=== TEST 12: an attribute value over 1024 bytes answers 400
--- config
    location /api/ {
        mytimetable;
    }
--- more_headers
Content-Type: application/x-www-form-urlencoded
--- request eval
"POST /api/v0/users\nusername=alice&attributes=note%3D" . ("x" x 1025)
--- error_code: 400
--- response_body chomp
{"error":"bad_request","message":"invalid attributes \"note=...\": an attribute value is longer than 1024 bytes"}



=== TEST 13: more than 100 roles answer 400
--- config
    location /api/ {
        mytimetable;
    }
--- more_headers
Content-Type: application/x-www-form-urlencoded
--- request eval
"POST /api/v0/users\nusername=alice" . CORE::join("", map { "&roles=r$_" } 1 .. 101)
--- error_code: 400
--- response_body chomp
{"error":"bad_request","message":"too many roles: at most 100"}



=== TEST 14: an empty role answers 400
--- config
    location /api/ {
        mytimetable;
    }
--- more_headers
Content-Type: application/x-www-form-urlencoded
--- request
POST /api/v0/users
username=alice&roles=
--- error_code: 400
--- response_body chomp
{"error":"bad_request","message":"invalid roles \"\": use 1 to 64 bytes without control characters"}



=== TEST 15: a displayName with a control character answers 400
--- config
    location /api/ {
        mytimetable;
    }
--- more_headers
Content-Type: application/x-www-form-urlencoded
--- request
POST /api/v0/users
username=alice&displayName=A%0Alice
--- error_code: 400
--- response_body chomp
{"error":"bad_request","message":"invalid displayName: displayName contains a control character"}



=== TEST 16: POST with a JSON body answers 415
--- config
    location /api/ {
        mytimetable;
    }
--- more_headers
Content-Type: application/json
--- request
POST /api/v0/users
{"username":"alice"}
--- error_code: 415
--- response_body chomp
{"error":"unsupported_media_type","message":"the body must be application/x-www-form-urlencoded"}



=== TEST 17: PUT with a form body creates a user: 201 and Location
--- config
    location /api/ {
        mytimetable;
    }
--- more_headers
Content-Type: application/x-www-form-urlencoded
--- request eval
["PUT /api/v0/users/alice\ndisplayName=Alice&roles=student", "GET /api/v0/users/alice"]
--- error_code eval
[201, 200]
--- response_headers eval
["Location: http://localhost/api/v0/users/alice", ""]
--- response_body eval
['{"username":"alice","displayName":"Alice","locale":null,"attributes":null,"roles":["student"]}',
 '{"username":"alice","displayName":"Alice","locale":null,"attributes":null,"roles":["student"]}']



=== TEST 18: PUT with a form body replaces the profile of an existing user: 200
--- config
    location /api/ {
        mytimetable;
    }
--- more_headers
Content-Type: application/x-www-form-urlencoded
--- request eval
[
    "PUT /api/v0/users/alice\ndisplayName=Alice&locale=en&attributes=a%3D1&roles=student",
    "PUT /api/v0/users/alice\nroles=teacher",
    "GET /api/v0/users/alice",
]
--- error_code eval
[201, 200, 200]
--- response_body eval
['{"username":"alice","displayName":"Alice","locale":"en","attributes":[{"name":"a","values":["1"]}],"roles":["student"]}',
 '{"username":"alice","displayName":null,"locale":null,"attributes":null,"roles":["teacher"]}',
 '{"username":"alice","displayName":null,"locale":null,"attributes":null,"roles":["teacher"]}']



=== TEST 19: PUT without a body keeps an existing profile
--- config
    location /api/ {
        mytimetable;
    }
--- request eval
["PUT /api/v0/users/alice\ndisplayName=Alice", "PUT /api/v0/users/alice", "GET /api/v0/users/alice"]
--- more_headers eval
["Content-Type: application/x-www-form-urlencoded", "", ""]
--- error_code eval
[201, 204, 200]
--- response_body eval
['{"username":"alice","displayName":"Alice","locale":null,"attributes":null,"roles":[]}', "",
 '{"username":"alice","displayName":"Alice","locale":null,"attributes":null,"roles":[]}']



=== TEST 20: PUT with a username field in the body answers 400
--- config
    location /api/ {
        mytimetable;
    }
--- more_headers
Content-Type: application/x-www-form-urlencoded
--- request
PUT /api/v0/users/alice
username=bob
--- error_code: 400
--- response_body chomp
{"error":"bad_request","message":"form field username does not apply here: the username is in the path"}



=== TEST 21: a user's synchronizations are listed by id; an unknown user answers 404
--- config
    location /api/ {
        mytimetable;
    }
--- more_headers
Content-Type: application/x-www-form-urlencoded
--- request eval
[
    "PUT /api/v0/users/alice",
    "PUT /api/v0/users/bob",
    "PUT /api/v0/synchronizations\nusername=alice&type=googlecalendar",
    "PUT /api/v0/synchronizations\nusername=bob&type=googlecalendar",
    "PUT /api/v0/synchronizations\nusername=alice&type=o365&provisioning_smtpAddress=alice\@example.org",
    "GET /api/v0/users/alice/synchronizations",
    "GET /api/v0/users/carol/synchronizations",
]
--- error_code eval
[204, 204, 204, 204, 204, 200, 404]
--- response_body eval
["", "", "", "", "",
 '{"synchronizations":[{"id":1,"type":"googlecalendar","username":"alice","description":null,"enabled":true,"status":"OK","lastResync":null},{"id":3,"type":"o365","username":"alice","description":"alice@example.org","enabled":true,"status":"OK","lastResync":null}]}',
 '{"error":"not_found","message":"no user \"carol\""}']



=== TEST 22: DELETE of a user's synchronizations unlinks each with the mode, in one go
--- config
    location /api/ {
        mytimetable;
    }
--- more_headers
Content-Type: application/x-www-form-urlencoded
--- request eval
[
    "PUT /api/v0/users/alice",
    "PUT /api/v0/users/bob",
    "PUT /api/v0/synchronizations\nusername=alice&type=googlecalendar",
    "PUT /api/v0/synchronizations\nusername=alice&type=o365&provisioning_smtpAddress=alice\@example.org",
    "PUT /api/v0/synchronizations\nusername=bob&type=googlecalendar",
    "PUT /api/v0/synchronizations/1/events/a\nstart=2099-01-01T10:00:00Z&end=2099-01-01T11:00:00Z&summary=A&location=",
    "PUT /api/v0/synchronizations/2/events/b\nstart=2000-01-01T10:00:00Z&end=2000-01-01T11:00:00Z&summary=B&location=Hall+1",
    "PUT /api/v0/synchronizations/2/events/c\nstart=2099-01-01T10:00:00Z&end=2099-01-01T11:00:00Z&summary=C&location=",
    "DELETE /api/v0/users/alice/synchronizations?unlinkMode=DELETE_FUTURE_EVENTS",
    "GET /api/v0/synchronizations",
    "GET /api/v0/users/alice/events",
]
--- error_code eval
[204, 204, 204, 204, 204, 204, 204, 204, 204, 200, 200]
--- response_body eval
["", "", "", "", "", "", "", "", "",
 '{"synchronizations":[{"id":3,"type":"googlecalendar","username":"bob","description":null,"enabled":true,"status":"OK","lastResync":null}]}',
 '{"events":[{"id":"b","synchronization":2,"instance":"default","start":"2000-01-01T10:00:00Z","end":"2000-01-01T11:00:00Z","summary":"B","location":"Hall 1"}]}']



=== TEST 23: DELETE of one type of a user's synchronizations leaves the others
--- config
    location /api/ {
        mytimetable;
    }
--- more_headers
Content-Type: application/x-www-form-urlencoded
--- request eval
[
    "PUT /api/v0/users/alice",
    "PUT /api/v0/synchronizations\nusername=alice&type=googlecalendar",
    "PUT /api/v0/synchronizations\nusername=alice&type=o365&provisioning_smtpAddress=alice\@example.org",
    "DELETE /api/v0/users/alice/synchronizations/o365?unlinkMode=UNLINK_ONLY",
    "DELETE /api/v0/users/alice/synchronizations/ews?unlinkMode=UNLINK_ONLY",
    "GET /api/v0/users/alice/synchronizations",
]
--- error_code eval
[204, 204, 204, 204, 204, 200]
--- response_body eval
["", "", "", "", "", '{"synchronizations":[{"id":1,"type":"googlecalendar","username":"alice","description":null,"enabled":true,"status":"OK","lastResync":null}]}']



=== TEST 24: DELETE of a user's synchronizations without unlinkMode answers 400
--- config
    location /api/ {
        mytimetable;
    }
--- request
DELETE /api/v0/users/alice/synchronizations
--- error_code: 400
--- response_body chomp
{"error":"bad_request","message":"missing query parameter unlinkMode: use one of UNLINK_ONLY, DELETE_FUTURE_EVENTS, DELETE_ALL_EVENTS, CLEANUP"}



=== TEST 25: DELETE of the synchronizations of an unknown user answers 404
--- config
    location /api/ {
        mytimetable;
    }
--- request
DELETE /api/v0/users/ghost/synchronizations/o365?unlinkMode=CLEANUP
--- error_code: 404
--- response_body chomp
{"error":"not_found","message":"no user \"ghost\""}



=== TEST 26: DELETE of a type that is neither declared nor held by the user answers 400
--- config
    location /api/ {
        mytimetable;
    }
--- request eval
["PUT /api/v0/users/alice", "DELETE /api/v0/users/alice/synchronizations/caldav?unlinkMode=CLEANUP"]
--- error_code eval
[204, 400]
--- response_body eval
["", '{"error":"bad_request","message":"unknown synchronization type \\"caldav\\": use one of o365, ews, googlecalendar"}']



=== TEST 27: the directory's Groups link lists the user's roles
--- config
    location /api/ {
        mytimetable;
    }
--- more_headers
Content-Type: application/x-www-form-urlencoded
--- request eval
["POST /api/v0/users\nusername=alice&roles=student&roles=tutor",
 "GET /api/users?\$filter=UserName%20eq%20'alice'"]
--- error_code eval
[201, 200]
--- response_body_like eval
[qr/"roles":\["student","tutor"\]/, qr{"Href":"http://localhost/api/user/[0-9a-f-]{36}/groups","Rel":"Groups"}]
