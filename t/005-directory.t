# User directory resource: users and user/{id} (contract section 3, the table
# and the user object). Flows that need the generated Id are in
# t/010-directory-ids.t; query options are in t/006-odata.t.
use Test::Nginx::Socket 'no_plan';

use MyTimetable::Blocks;

store_per_block(); # a fresh store for every block

# $guid and user(): see MyTimetable::Blocks.

# The whole body: a JSON array of exactly these users (each a hash ref of
# user() arguments), in this order.
sub users { return '\A\[' . join(',', map { user(%$_) } @_) . '\]\z' }

# A whole body holding one user object, not in an array.
sub one { return '\A' . user(@_) . '\z' }

our $janed = {UserName => 'janed', Email => 'janed@unknown.net'};

no_shuffle();
run_tests();

__DATA__

=== TEST 1: an empty store lists no users
--- config
    location /api/ {
        mytimetable;
    }
--- request
GET /api/users
--- error_code: 200
--- response_headers
Content-Type: application/json; charset=utf-8
--- response_body chomp
[]



=== TEST 2: POST with the minimum fields answers 201, Location and a one-element array as the seed shows
--- config
    location /api/ {
        mytimetable;
    }
--- more_headers
Content-Type: application/json
--- request
POST /api/users
{"UserName":"janed","Email":"janed@unknown.net"}
--- error_code: 201
--- response_headers_like
Content-Type: application/json; charset=utf-8
Location: http://localhost/api/user/[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}
--- response_body_like eval
'\A\[\{"Id":"([0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12})",'
. '"UserName":"janed","Email":"janed\@unknown\.net","FirstName":null,"LastName":null,"Phone":null,'
. '"LastLogIn":null,"Enabled":true,"IsExternal":false,"Self":"http://localhost/api/user/\1",'
. '"Links":\['
. '\{"Href":"http://localhost/api/user/\1/password","Rel":"ChangePassword"\},'
. '\{"Href":"http://localhost/api/user/\1/permissions/global","Rel":"GlobalPermissions"\},'
. '\{"Title":"Group Memberships","Href":"http://localhost/api/user/\1/groups","Rel":"Groups"\},'
. '\{"Href":"http://localhost/api/user/\1/notifications","Rel":"Notifications"\},'
. '\{"Href":"http://localhost/api/user/\1/permissions/projects","Rel":"ProjectPermissions"\},'
. '\{"Href":"http://localhost/api/user/\1/mailmessages","Rel":"MailMessages"\}'
. '\]\}\]\z'



=== TEST 3: POST with every field (the seed's second example) stores and shows each of them but the password
--- config
    location /api/ {
        mytimetable;
    }
--- more_headers
Content-Type: application/json
--- request
POST /api/users
{
  "UserName": "janed",
  "Email": "janed@unknown.net",
  "FirstName": "Jane",
  "LastName": "Doe",
  "Phone": "(09)-555-999",
  "Password": "Password123",
  "IsExternal": true
}
--- error_code: 201
--- response_body_like eval
main::users({%$main::janed, FirstName => 'Jane', LastName => 'Doe', Phone => '(09)-555-999',
             IsExternal => 'true'})



=== TEST 4: Enabled and IsExternal are taken as given, names may be null
--- config
    location /api/ {
        mytimetable;
    }
--- more_headers
Content-Type: application/json
--- request eval
[
    qq(POST /api/users\n{"UserName":"a","Email":"a\@example.org","Enabled":false,"IsExternal":false,"FirstName":null,"LastName":"A","Phone":null}),
    qq(POST /api/users\n{"UserName":"b","Email":"b\@example.org","Enabled":true,"IsExternal":true}),
    "GET /api/users",
]
--- error_code eval
[201, 201, 200]
--- response_body_like eval
[
    main::users({UserName => 'a', Email => 'a@example.org', LastName => 'A', Enabled => 'false'}),
    main::users({UserName => 'b', Email => 'b@example.org', IsExternal => 'true'}),
    main::users({UserName => 'a', Email => 'a@example.org', LastName => 'A', Enabled => 'false'},
                {UserName => 'b', Email => 'b@example.org', IsExternal => 'true'}),
]



=== TEST 5: GET users lists every user in UserName byte order
--- config
    location /api/ {
        mytimetable;
    }
--- more_headers
Content-Type: application/json
--- request eval
[
    qq(POST /api/users\n{"UserName":"carol","Email":"carol\@example.org"}),
    qq(POST /api/users\n{"UserName":"alice","Email":"alice\@example.org"}),
    qq(POST /api/users\n{"UserName":"bob","Email":"bob\@example.org"}),
    qq(POST /api/users\n{"UserName":"Bob","Email":"bob2\@example.org"}),
    "GET /api/users",
]
--- error_code eval
[201, 201, 201, 201, 200]
--- response_body_like eval
[
    main::users({UserName => 'carol', Email => 'carol@example.org'}),
    main::users({UserName => 'alice', Email => 'alice@example.org'}),
    main::users({UserName => 'bob', Email => 'bob@example.org'}),
    main::users({UserName => 'Bob', Email => 'bob2@example.org'}),
    main::users({UserName => 'Bob', Email => 'bob2@example.org'},
                {UserName => 'alice', Email => 'alice@example.org'},
                {UserName => 'bob', Email => 'bob@example.org'},
                {UserName => 'carol', Email => 'carol@example.org'}),
]



=== TEST 6: HEAD users is served by the GET route, without a body
--- config
    location /api/ {
        mytimetable;
    }
--- more_headers
Content-Type: application/json
--- request eval
["HEAD /api/users",
 qq(POST /api/users\n{"UserName":"janed","Email":"janed\@unknown.net"}),
 "HEAD /api/users",
 "HEAD /api/users?\$inlinecount=allpages&\$orderby=Email",
 "HEAD /api/users?\$top=x"]
--- error_code eval
[200, 201, 200, 200, 400]
--- response_headers eval
[("Content-Type: application/json; charset=utf-8") x 5]
--- response_body_like eval
['\A\z', main::users($main::janed), '\A\z', '\A\z', '\A\z']



=== TEST 7: a user created with PUT v0/users appears in GET users with a null Email and null names
--- config
    location /api/ {
        mytimetable;
    }
--- request eval
["PUT /api/v0/users/alice", "GET /api/users"]
--- error_code eval
[204, 200]
--- response_body_like eval
['\A\z', main::users({UserName => 'alice'})]



=== TEST 8: a user created with POST users appears in GET v0/users
--- config
    location /api/ {
        mytimetable;
    }
--- more_headers
Content-Type: application/json
--- request eval
[
    qq(POST /api/users\n{"UserName":"janed","Email":"janed\@unknown.net"}),
    "PUT /api/v0/users/alice",
    "GET /api/v0/users",
]
--- error_code eval
[201, 204, 200]
--- response_body_like eval
[main::users($main::janed), '\A\z', '\A\{"users":\["alice","janed"\]\}\z']



=== TEST 9: DELETE v0/users removes a user created with POST users
--- config
    location /api/ {
        mytimetable;
    }
--- more_headers
Content-Type: application/json
--- request eval
[
    qq(POST /api/users\n{"UserName":"janed","Email":"janed\@unknown.net"}),
    "DELETE /api/v0/users/janed",
    "GET /api/users",
    "GET /api/v0/users",
]
--- error_code eval
[201, 204, 200, 200]
--- response_body_like eval
[main::users($main::janed), '\A\z', '\A\[\]\z', '\A\{"users":\[\]\}\z']



=== TEST 10: a UserName given with \u escapes is the same UserName as raw UTF-8 and shows as UTF-8
--- config
    location /api/ {
        mytimetable;
    }
--- more_headers
Content-Type: application/json
--- request eval
[
    qq(POST /api/users\n{"UserName":"j\x{c3}\x{bc}rgen","Email":"j\@example.org","FirstName":"J\\u00fcrgen \\ud83d\\ude00"}),
    qq(POST /api/users\n{"UserName":"j\\u00fcrgen","Email":"j2\@example.org"}),
    "GET /api/v0/users",
]
--- error_code eval
[201, 409, 200]
--- response_body_like eval
[
    main::users({UserName => "j\x{c3}\x{bc}rgen", Email => 'j@example.org',
                 FirstName => "J\x{c3}\x{bc}rgen \x{f0}\x{9f}\x{98}\x{80}"}),
    qq(\\A\\{"error":"conflict","message":"the UserName \\\\"j\x{c3}\x{bc}rgen\\\\" is taken"\\}\\z),
    qq(\\A\\{"users":\\["j\x{c3}\x{bc}rgen"\\]\\}\\z),
]



=== TEST 11: a UserName already taken by a directory user answers 409 and changes nothing
--- config
    location /api/ {
        mytimetable;
    }
--- more_headers
Content-Type: application/json
--- request eval
[
    qq(POST /api/users\n{"UserName":"janed","Email":"janed\@unknown.net"}),
    qq(POST /api/users\n{"UserName":"janed","Email":"other\@unknown.net","FirstName":"Other"}),
    "GET /api/users",
]
--- error_code eval
[201, 409, 200]
--- response_body_like eval
[
    main::users($main::janed),
    '\A\{"error":"conflict","message":"the UserName \\\\"janed\\\\" is taken"\}\z',
    main::users($main::janed),
]



=== TEST 12: a UserName already taken by a v0 user answers 409
--- config
    location /api/ {
        mytimetable;
    }
--- more_headers
Content-Type: application/json
--- request eval
[
    "PUT /api/v0/users/janed",
    qq(POST /api/users\n{"UserName":"janed","Email":"janed\@unknown.net"}),
    "GET /api/users",
]
--- error_code eval
[204, 409, 200]
--- response_body_like eval
[
    '\A\z',
    '\A\{"error":"conflict","message":"the UserName \\\\"janed\\\\" is taken"\}\z',
    main::users({UserName => 'janed'}),
]



=== TEST 13: UserNames differing only in case are different users
--- config
    location /api/ {
        mytimetable;
    }
--- more_headers
Content-Type: application/json
--- request eval
[
    qq(POST /api/users\n{"UserName":"janed","Email":"janed\@unknown.net"}),
    qq(POST /api/users\n{"UserName":"JaneD","Email":"janed\@unknown.net"}),
    "GET /api/v0/users",
]
--- error_code eval
[201, 201, 200]
--- response_body_like eval
[
    main::users($main::janed),
    main::users({UserName => 'JaneD', Email => 'janed@unknown.net'}),
    '\A\{"users":\["JaneD","janed"\]\}\z',
]



=== TEST 14: a body that is not JSON answers 415, whatever else it is
--- config
    location /api/ {
        mytimetable;
    }
--- more_headers eval
[
    "Content-Type: text/plain",
    "Content-Type: application/x-www-form-urlencoded",
    "",
    "Content-Type: application/jsonx",
    "",
]
--- request eval
[
    qq(POST /api/users\n{"UserName":"janed","Email":"janed\@unknown.net"}),
    "POST /api/users\nUserName=janed&Email=janed%40unknown.net",
    qq(POST /api/users\n{"UserName":"janed","Email":"janed\@unknown.net"}),
    qq(POST /api/users\n{"UserName":"janed","Email":"janed\@unknown.net"}),
    "GET /api/users",
]
--- error_code eval
[415, 415, 415, 415, 200]
--- response_body eval
[
    '{"error":"unsupported_media_type","message":"the body must be application/json"}',
    '{"error":"unsupported_media_type","message":"the body must be application/json"}',
    '{"error":"unsupported_media_type","message":"the body must be application/json"}',
    '{"error":"unsupported_media_type","message":"the body must be application/json"}',
    '[]',
]



=== TEST 15: a media type with parameters or in another case is still JSON
--- config
    location /api/ {
        mytimetable;
    }
--- more_headers eval
["Content-Type: application/json; charset=utf-8", "Content-Type: Application/JSON"]
--- request eval
[
    qq(POST /api/users\n{"UserName":"a","Email":"a\@example.org"}),
    qq(POST /api/users\n{"UserName":"b","Email":"b\@example.org"}),
]
--- error_code eval
[201, 201]
--- response_body_like eval
[main::users({UserName => 'a', Email => 'a@example.org'}),
 main::users({UserName => 'b', Email => 'b@example.org'})]



=== TEST 16: a missing UserName answers 400
--- config
    location /api/ {
        mytimetable;
    }
--- more_headers
Content-Type: application/json
--- request
POST /api/users
{"Email":"janed@unknown.net","FirstName":"Jane"}
--- error_code: 400
--- response_headers
Content-Type: application/json; charset=utf-8
--- response_body chomp
{"error":"bad_request","message":"missing field UserName"}



=== TEST 17: a missing Email answers 400
--- config
    location /api/ {
        mytimetable;
    }
--- more_headers
Content-Type: application/json
--- request
POST /api/users
{"UserName":"janed"}
--- error_code: 400
--- response_body chomp
{"error":"bad_request","message":"missing field Email"}



=== TEST 18: an empty object answers 400 for the first required field
--- config
    location /api/ {
        mytimetable;
    }
--- more_headers
Content-Type: application/json
--- request
POST /api/users
{}
--- error_code: 400
--- response_body chomp
{"error":"bad_request","message":"missing field UserName"}



=== TEST 19: UserName and Email of the wrong type answer 400
--- config
    location /api/ {
        mytimetable;
    }
--- more_headers
Content-Type: application/json
--- request eval
[
    qq(POST /api/users\n{"UserName":5,"Email":"a\@example.org"}),
    qq(POST /api/users\n{"UserName":null,"Email":"a\@example.org"}),
    qq(POST /api/users\n{"UserName":["a"],"Email":"a\@example.org"}),
    qq(POST /api/users\n{"UserName":"a","Email":null}),
    qq(POST /api/users\n{"UserName":"a","Email":{"address":"a\@example.org"}}),
    "GET /api/users",
]
--- error_code eval
[400, 400, 400, 400, 400, 200]
--- response_body eval
[
    '{"error":"bad_request","message":"UserName must be a string"}',
    '{"error":"bad_request","message":"UserName must be a string"}',
    '{"error":"bad_request","message":"UserName must be a string"}',
    '{"error":"bad_request","message":"Email must be a string"}',
    '{"error":"bad_request","message":"Email must be a string"}',
    '[]',
]



=== TEST 20: the optional fields of the wrong type answer 400
--- config
    location /api/ {
        mytimetable;
    }
--- more_headers
Content-Type: application/json
--- request eval
[
    qq(POST /api/users\n{"UserName":"a","Email":"a\@example.org","FirstName":5}),
    qq(POST /api/users\n{"UserName":"a","Email":"a\@example.org","LastName":true}),
    qq(POST /api/users\n{"UserName":"a","Email":"a\@example.org","Phone":["555"]}),
    qq(POST /api/users\n{"UserName":"a","Email":"a\@example.org","Password":12345678}),
    qq(POST /api/users\n{"UserName":"a","Email":"a\@example.org","Enabled":"true"}),
    qq(POST /api/users\n{"UserName":"a","Email":"a\@example.org","IsExternal":1}),
    qq(POST /api/users\n{"UserName":"a","Email":"a\@example.org","Enabled":null}),
    "GET /api/users",
]
--- error_code eval
[400, 400, 400, 400, 400, 400, 400, 200]
--- response_body eval
[
    '{"error":"bad_request","message":"FirstName must be a string or null"}',
    '{"error":"bad_request","message":"LastName must be a string or null"}',
    '{"error":"bad_request","message":"Phone must be a string or null"}',
    '{"error":"bad_request","message":"Password must be a string"}',
    '{"error":"bad_request","message":"Enabled must be true or false"}',
    '{"error":"bad_request","message":"IsExternal must be true or false"}',
    '{"error":"bad_request","message":"Enabled must be true or false"}',
    '[]',
]



=== TEST 21: an Email that is not an address answers 400 and says why
--- config
    location /api/ {
        mytimetable;
    }
--- more_headers
Content-Type: application/json
--- request eval
[
    qq(POST /api/users\n{"UserName":"a","Email":"janed"}),
    qq(POST /api/users\n{"UserName":"a","Email":"janed\@localhost"}),
    qq(POST /api/users\n{"UserName":"a","Email":"\@unknown.net"}),
    qq(POST /api/users\n{"UserName":"a","Email":"jane..d\@unknown.net"}),
    qq(POST /api/users\n{"UserName":"a","Email":"jane d\@unknown.net"}),
    qq(POST /api/users\n{"UserName":"a","Email":"janed\@unknown_net.org"}),
    qq(POST /api/users\n{"UserName":"a","Email":""}),
    "GET /api/users",
]
--- error_code eval
[400, 400, 400, 400, 400, 400, 400, 200]
--- response_body eval
[
    q({"error":"bad_request","message":"invalid Email: it has no '@'"}),
    q({"error":"bad_request","message":"invalid Email: the domain has no '.'"}),
    q({"error":"bad_request","message":"invalid Email: the part before '@' must be 1 to 64 characters"}),
    q({"error":"bad_request","message":"invalid Email: the part before '@' has a misplaced '.'"}),
    q({"error":"bad_request","message":"invalid Email: the part before '@' has a character that is not allowed"}),
    q({"error":"bad_request","message":"invalid Email: the domain is not a valid host name"}),
    q({"error":"bad_request","message":"invalid Email: it has no '@'"}),
    '[]',
]



=== TEST 22: an invalid UserName answers 400 with the v0 username rules
--- config
    location /api/ {
        mytimetable;
    }
--- more_headers
Content-Type: application/json
--- request eval
[
    qq(POST /api/users\n{"UserName":"","Email":"a\@example.org"}),
    qq(POST /api/users\n{"UserName":"a/b","Email":"a\@example.org"}),
    qq(POST /api/users\n{"UserName":"a\\nb","Email":"a\@example.org"}),
    qq(POST /api/users\n{"UserName":"a\\u007fb","Email":"a\@example.org"}),
    qq(POST /api/users\n{"UserName":"a\\u0085b","Email":"a\@example.org"}),
    "GET /api/users",
]
--- error_code eval
[400, 400, 400, 400, 400, 200]
--- response_body eval
[
    q({"error":"bad_request","message":"invalid UserName: the username is empty"}),
    q({"error":"bad_request","message":"invalid UserName: the username contains a '/'"}),
    q({"error":"bad_request","message":"invalid UserName: the username contains a control character"}),
    q({"error":"bad_request","message":"invalid UserName: the username contains a control character"}),
    q({"error":"bad_request","message":"invalid UserName: the username contains a control character"}),
    '[]',
]



=== TEST 23: a UserName of 256 bytes is accepted, one of 257 bytes answers 400
--- config
    location /api/ {
        mytimetable;
    }
--- more_headers
Content-Type: application/json
--- request eval
[
    qq(POST /api/users\n{"UserName":") . ("x" x 257) . qq(","Email":"a\@example.org"}),
    qq(POST /api/users\n{"UserName":") . ("x" x 256) . qq(","Email":"a\@example.org"}),
]
--- error_code eval
[400, 201]
--- response_body_like eval
[
    '\A\{"error":"bad_request","message":"invalid UserName: the username is longer than 256 bytes"\}\z',
    main::users({UserName => "x" x 256, Email => 'a@example.org'}),
]



=== TEST 24: names of 256 bytes are accepted, 257 bytes answer 400
--- config
    location /api/ {
        mytimetable;
    }
--- more_headers
Content-Type: application/json
--- request eval
[
    qq(POST /api/users\n{"UserName":"a","Email":"a\@example.org","FirstName":") . ("f" x 257) . '"}',
    qq(POST /api/users\n{"UserName":"a","Email":"a\@example.org","LastName":") . ("l" x 257) . '"}',
    qq(POST /api/users\n{"UserName":"a","Email":"a\@example.org","Phone":") . ("5" x 257) . '"}',
    qq(POST /api/users\n{"UserName":"a","Email":"a\@example.org","FirstName":") . ("f" x 256)
        . '","LastName":"' . ("\\u00e9" x 128) . '","Phone":"' . ("5" x 256) . '"}',
]
--- error_code eval
[400, 400, 400, 201]
--- response_body_like eval
[
    '\A\{"error":"bad_request","message":"invalid FirstName: FirstName is longer than 256 bytes"\}\z',
    '\A\{"error":"bad_request","message":"invalid LastName: LastName is longer than 256 bytes"\}\z',
    '\A\{"error":"bad_request","message":"invalid Phone: Phone is longer than 256 bytes"\}\z',
    main::users({UserName => 'a', Email => 'a@example.org', FirstName => "f" x 256,
                 LastName => "\x{c3}\x{a9}" x 128, Phone => "5" x 256}),
]



=== TEST 25: control characters in the names answer 400
--- config
    location /api/ {
        mytimetable;
    }
--- more_headers
Content-Type: application/json
--- request eval
[
    qq(POST /api/users\n{"UserName":"a","Email":"a\@example.org","FirstName":"Jane\\tD"}),
    qq(POST /api/users\n{"UserName":"a","Email":"a\@example.org","LastName":"Doe\\r\\n"}),
    qq(POST /api/users\n{"UserName":"a","Email":"a\@example.org","Phone":"555\\u007f"}),
    qq(POST /api/users\n{"UserName":"a","Email":"a\@example.org","FirstName":"Jane\\u009b"}),
    "GET /api/users",
]
--- error_code eval
[400, 400, 400, 400, 200]
--- response_body eval
[
    '{"error":"bad_request","message":"invalid FirstName: FirstName contains a control character"}',
    '{"error":"bad_request","message":"invalid LastName: LastName contains a control character"}',
    '{"error":"bad_request","message":"invalid Phone: Phone contains a control character"}',
    '{"error":"bad_request","message":"invalid FirstName: FirstName contains a control character"}',
    '[]',
]



=== TEST 26: a password shorter than 8 characters answers 400; 8 characters are enough
--- config
    location /api/ {
        mytimetable;
    }
--- more_headers
Content-Type: application/json
--- request eval
[
    qq(POST /api/users\n{"UserName":"a","Email":"a\@example.org","Password":"1234567"}),
    qq(POST /api/users\n{"UserName":"a","Email":"a\@example.org","Password":"\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9"}),
    qq(POST /api/users\n{"UserName":"a","Email":"a\@example.org","Password":""}),
    qq(POST /api/users\n{"UserName":"a","Email":"a\@example.org","Password":"12345678"}),
]
--- error_code eval
[400, 400, 400, 201]
--- response_body_like eval
[
    '\A\{"error":"bad_request","message":"invalid Password: use at least 8 characters and no NUL byte"\}\z',
    '\A\{"error":"bad_request","message":"invalid Password: use at least 8 characters and no NUL byte"\}\z',
    '\A\{"error":"bad_request","message":"invalid Password: use at least 8 characters and no NUL byte"\}\z',
    main::users({UserName => 'a', Email => 'a@example.org'}),
]



=== TEST 27: a password longer than 1024 bytes answers 400
--- config
    location /api/ {
        mytimetable;
    }
--- more_headers
Content-Type: application/json
--- request eval
[
    qq(POST /api/users\n{"UserName":"a","Email":"a\@example.org","Password":") . ("p" x 1025) . '"}',
    "GET /api/users",
]
--- error_code eval
[400, 200]
--- response_body eval
['{"error":"bad_request","message":"invalid Password: longer than 1024 bytes"}', '[]']



=== TEST 28: an unknown field answers 400, and field names are case-sensitive
--- config
    location /api/ {
        mytimetable;
    }
--- more_headers
Content-Type: application/json
--- request eval
[
    qq(POST /api/users\n{"UserName":"a","Email":"a\@example.org","Department":"Maths"}),
    qq(POST /api/users\n{"UserName":"a","Email":"a\@example.org","username":"a"}),
    qq(POST /api/users\n{"UserName":"a","Email":"a\@example.org","Groups":[]}),
    "GET /api/users",
]
--- error_code eval
[400, 400, 400, 200]
--- response_body eval
[
    '{"error":"bad_request","message":"unknown field \"Department\""}',
    '{"error":"bad_request","message":"unknown field \"username\""}',
    '{"error":"bad_request","message":"unknown field \"Groups\""}',
    '[]',
]



=== TEST 29: the read-only fields of a user are ignored on POST: the Id is assigned by the server
--- config
    location /api/ {
        mytimetable;
    }
--- more_headers
Content-Type: application/json
--- request
POST /api/users
{"Id":"00000000-0000-4000-8000-000000000000","UserName":"janed","Email":"janed@unknown.net","LastLogIn":"2020-01-01T00:00:00Z","Self":"http://elsewhere/","Links":[]}
--- error_code: 201
--- response_body_like eval
'\A\[\{"Id":"(?!00000000-0000-4000-8000-000000000000)' . substr(main::users($main::janed), length '\A\[\{"Id":"')



=== TEST 30: a body that is not valid JSON answers 400 with the place of the error
--- config
    location /api/ {
        mytimetable;
    }
--- more_headers
Content-Type: application/json
--- request eval
[
    qq(POST /api/users\n{"UserName":"janed",),
    qq(POST /api/users\n{'UserName':'janed'}),
    qq(POST /api/users\n{"UserName":"janed","Email":"janed\@unknown.net"} x),
    "GET /api/users",
]
--- error_code eval
[400, 400, 400, 200]
--- response_body eval
[
    q({"error":"bad_request","message":"the body is not valid JSON: string or '}' expected near end of file (line 1, column 20)"}),
    q({"error":"bad_request","message":"the body is not valid JSON: string or '}' expected near ''' (line 1, column 2)"}),
    q({"error":"bad_request","message":"the body is not valid JSON: end of file expected near 'x' (line 1, column 50)"}),
    '[]',
]



=== TEST 31: a POST without a body answers 400
--- config
    location /api/ {
        mytimetable;
    }
--- more_headers
Content-Type: application/json
--- request
POST /api/users
--- error_code: 400
--- response_body chomp
{"error":"bad_request","message":"the body is not valid JSON: '[' or '{' expected near end of file (line 1, column 0)"}



=== TEST 32: duplicate keys in the JSON object answer 400
--- config
    location /api/ {
        mytimetable;
    }
--- more_headers
Content-Type: application/json
--- request eval
[
    qq(POST /api/users\n{"UserName":"x","Email":"x\@unknown.net","UserName":"y"}),
    "GET /api/users",
]
--- error_code eval
[400, 200]
--- response_body eval
[
    q({"error":"bad_request","message":"the body is not valid JSON: duplicate object key near '\\"UserName\\"' (line 1, column 50)"}),
    '[]',
]



=== TEST 33: JSON that is not an object answers 400
--- config
    location /api/ {
        mytimetable;
    }
--- more_headers
Content-Type: application/json
--- request eval
[
    qq(POST /api/users\n[{"UserName":"janed","Email":"janed\@unknown.net"}]),
    qq(POST /api/users\n"janed"),
    qq(POST /api/users\nnull),
]
--- error_code eval
[400, 400, 400]
--- response_body eval
[
    q({"error":"bad_request","message":"the body must be a JSON object"}),
    q({"error":"bad_request","message":"the body is not valid JSON: '[' or '{' expected near '\\"janed\\"' (line 1, column 7)"}),
    q({"error":"bad_request","message":"the body is not valid JSON: '[' or '{' expected near 'null' (line 1, column 4)"}),
]



=== TEST 34: a NUL escape in a string answers 400
--- config
    location /api/ {
        mytimetable;
    }
--- more_headers
Content-Type: application/json
--- request eval
[
    qq(POST /api/users\n{"UserName":"x\\u0000","Email":"x\@unknown.net"}),
    qq(POST /api/users\n{"UserName":"x","Email":"x\@unknown.net","Password":"12345678\\u0000"}),
    "GET /api/users",
]
--- error_code eval
[400, 400, 200]
--- response_body eval
[
    q({"error":"bad_request","message":"the body is not valid JSON: a string contains \\\\u0000 (line 1, column 21)"}),
    q({"error":"bad_request","message":"the body is not valid JSON: a string contains \\\\u0000 (line 1, column 67)"}),
    '[]',
]



=== TEST 35: invalid UTF-8 bytes in the body answer 400
--- config
    location /api/ {
        mytimetable;
    }
--- more_headers
Content-Type: application/json
--- request eval
[
    qq(POST /api/users\n{"UserName":"caf\x{e9}","Email":"a\@example.org"}),
    qq(POST /api/users\n{"UserName":"a","Email":"a\@example.org","FirstName":"\x{ed}\x{a0}\x{80}"}),
    qq(POST /api/users\n{"UserName":"a","Email":"a\@example.org","LastName":"\x{c0}\x{af}"}),
    "GET /api/users",
]
--- error_code eval
[400, 400, 400, 200]
--- response_body eval
[
    q({"error":"bad_request","message":"the body is not valid JSON: unable to decode byte 0xe9 near '\\"caf' (line 1, column 16)"}),
    q({"error":"bad_request","message":"the body is not valid JSON: unable to decode byte 0xed near '\\"' (line 1, column 53)"}),
    q({"error":"bad_request","message":"the body is not valid JSON: unable to decode byte 0xc0 near '\\"' (line 1, column 52)"}),
    '[]',
]



=== TEST 36: a lone surrogate escape in a string answers 400
--- config
    location /api/ {
        mytimetable;
    }
--- more_headers
Content-Type: application/json
--- request eval
qq(POST /api/users\n{"UserName":"a\\ud800","Email":"a\@example.org"})
--- error_code: 400
--- response_body chomp
{"error":"bad_request","message":"the body is not valid JSON: invalid Unicode '\\uD800' near '\"a\\ud800\"' (line 1, column 21)"}



=== TEST 37: an unknown or malformed Id answers 404 on every user/{id} route
--- config
    location /api/ {
        mytimetable;
    }
--- more_headers
Content-Type: application/json
--- request eval
[
    "GET /api/user/not-a-guid",
    "GET /api/user/00000000-0000-4000-8000-000000000000",
    "GET /api/user/00000000-0000-4000-8000-00000000000",
    "GET /api/user/00000000x0000-4000-8000-000000000000",
    qq(PUT /api/user/00000000-0000-4000-8000-000000000000\n{"FirstName":"Jane"}),
    "DELETE /api/user/00000000-0000-4000-8000-000000000000",
    qq(PUT /api/user/00000000-0000-4000-8000-000000000000/password\n{"Password":"Password123"}),
    "GET /api/user/00000000-0000-4000-8000-000000000000/groups",
    "GET /api/user/1/permissions/global",
    "GET /api/user/1/permissions/projects",
    "GET /api/user/1/notifications",
    "GET /api/user/1/mailmessages",
]
--- error_code eval
[(404) x 12]
--- response_body eval
[
    '{"error":"not_found","message":"no user with Id \"not-a-guid\""}',
    '{"error":"not_found","message":"no user with Id \"00000000-0000-4000-8000-000000000000\""}',
    '{"error":"not_found","message":"no user with Id \"00000000-0000-4000-8000-00000000000\""}',
    '{"error":"not_found","message":"no user with Id \"00000000x0000-4000-8000-000000000000\""}',
    '{"error":"not_found","message":"no user with Id \"00000000-0000-4000-8000-000000000000\""}',
    '{"error":"not_found","message":"no user with Id \"00000000-0000-4000-8000-000000000000\""}',
    '{"error":"not_found","message":"no user with Id \"00000000-0000-4000-8000-000000000000\""}',
    '{"error":"not_found","message":"no user with Id \"00000000-0000-4000-8000-000000000000\""}',
    '{"error":"not_found","message":"no user with Id \"1\""}',
    '{"error":"not_found","message":"no user with Id \"1\""}',
    '{"error":"not_found","message":"no user with Id \"1\""}',
    '{"error":"not_found","message":"no user with Id \"1\""}',
]



=== TEST 38: the Id of a v0 user is not a username: user/{username} answers 404
--- config
    location /api/ {
        mytimetable;
    }
--- request eval
["PUT /api/v0/users/alice", "GET /api/user/alice", "DELETE /api/user/alice", "GET /api/v0/users"]
--- error_code eval
[204, 404, 404, 200]
--- response_body eval
[
    "",
    '{"error":"not_found","message":"no user with Id \"alice\""}',
    '{"error":"not_found","message":"no user with Id \"alice\""}',
    '{"users":["alice"]}',
]



=== TEST 39: paths next to the directory routes answer 404
--- config
    location /api/ {
        mytimetable;
    }
--- request eval
[
    "GET /api/user",
    "GET /api/user/",
    "GET /api/users/",
    "GET /api/users/00000000-0000-4000-8000-000000000000",
    "GET /api/user/00000000-0000-4000-8000-000000000000/permissions",
    "GET /api/user/00000000-0000-4000-8000-000000000000/groups/x",
    "GET /api/Users",
]
--- error_code eval
[(404) x 7]
--- response_body eval
[('{"error":"not_found","message":"no API resource at this path"}') x 7]



=== TEST 40: a method the collection does not support answers 405 with Allow
--- config
    location /api/ {
        mytimetable;
    }
--- request eval
["DELETE /api/users", "PUT /api/users", "PATCH /api/users"]
--- error_code eval
[405, 405, 405]
--- response_headers eval
["Allow: GET, HEAD, POST\nContent-Type: application/json; charset=utf-8",
 "Allow: GET, HEAD, POST", "Allow: GET, HEAD, POST"]
--- response_body eval
[
    '{"error":"method_not_allowed","message":"the method DELETE is not allowed here; allowed: GET, HEAD, POST"}',
    '{"error":"method_not_allowed","message":"the method PUT is not allowed here; allowed: GET, HEAD, POST"}',
    '{"error":"method_not_allowed","message":"the method PATCH is not allowed here; allowed: GET, HEAD, POST"}',
]



=== TEST 41: a method user/{id} does not support answers 405 with Allow
--- config
    location /api/ {
        mytimetable;
    }
--- request eval
["POST /api/user/00000000-0000-4000-8000-000000000000", "PATCH /api/user/x"]
--- error_code eval
[405, 405]
--- response_headers eval
["Allow: GET, HEAD, PUT, DELETE", "Allow: GET, HEAD, PUT, DELETE"]
--- response_body eval
[
    '{"error":"method_not_allowed","message":"the method POST is not allowed here; allowed: GET, HEAD, PUT, DELETE"}',
    '{"error":"method_not_allowed","message":"the method PATCH is not allowed here; allowed: GET, HEAD, PUT, DELETE"}',
]



=== TEST 42: a method the sub-resources do not support answers 405 with Allow
--- config
    location /api/ {
        mytimetable;
    }
--- request eval
[
    "GET /api/user/x/password",
    "POST /api/user/x/password",
    "PUT /api/user/x/groups",
    "DELETE /api/user/x/permissions/global",
    "POST /api/user/x/permissions/projects",
    "PUT /api/user/x/notifications",
    "DELETE /api/user/x/mailmessages",
]
--- error_code eval
[(405) x 7]
--- response_headers eval
["Allow: PUT", "Allow: PUT", ("Allow: GET, HEAD") x 5]
--- response_body eval
[
    '{"error":"method_not_allowed","message":"the method GET is not allowed here; allowed: PUT"}',
    '{"error":"method_not_allowed","message":"the method POST is not allowed here; allowed: PUT"}',
    '{"error":"method_not_allowed","message":"the method PUT is not allowed here; allowed: GET, HEAD"}',
    '{"error":"method_not_allowed","message":"the method DELETE is not allowed here; allowed: GET, HEAD"}',
    '{"error":"method_not_allowed","message":"the method POST is not allowed here; allowed: GET, HEAD"}',
    '{"error":"method_not_allowed","message":"the method PUT is not allowed here; allowed: GET, HEAD"}',
    '{"error":"method_not_allowed","message":"the method DELETE is not allowed here; allowed: GET, HEAD"}',
]



=== TEST 43: Self and Links follow the Host header of the request
--- config
    location /api/ {
        mytimetable;
    }
--- more_headers
Content-Type: application/json
Host: timetable.example.org:8443
--- request eval
[qq(POST /api/users\n{"UserName":"janed","Email":"janed\@unknown.net"}), "GET /api/users"]
--- error_code eval
[201, 200]
--- response_headers_like eval
["Location: http://timetable\\.example\\.org:8443/api/user/$main::guid", "Content-Type: application/json; charset=utf-8"]
--- response_body_like eval
[main::users({%$main::janed, base => 'http://timetable.example.org:8443/api/'}),
 main::users({%$main::janed, base => 'http://timetable.example.org:8443/api/'})]



=== TEST 44: Self and Links follow the location the API is mounted on
--- config
    location /timetable/provisioning/ {
        mytimetable;
    }
--- more_headers
Content-Type: application/json
--- request eval
[qq(POST /timetable/provisioning/users\n{"UserName":"janed","Email":"janed\@unknown.net"}),
 "GET /timetable/provisioning/users"]
--- error_code eval
[201, 200]
--- response_headers_like eval
["Location: http://localhost/timetable/provisioning/user/$main::guid", "Content-Type: application/json; charset=utf-8"]
--- response_body_like eval
[main::users({%$main::janed, base => 'http://localhost/timetable/provisioning/'}),
 main::users({%$main::janed, base => 'http://localhost/timetable/provisioning/'})]



=== TEST 45: mytimetable_base_url replaces scheme, host and prefix in Location, Self and Links
--- http_config
    mytimetable_base_url https://mytimetable.example.edu/admin/api;
--- config
    location /api/ {
        mytimetable;
    }
--- more_headers
Content-Type: application/json
Host: internal.example.org
--- request eval
[qq(POST /api/users\n{"UserName":"janed","Email":"janed\@unknown.net"}), "GET /api/users"]
--- error_code eval
[201, 200]
--- response_headers_like eval
["Location: https://mytimetable\\.example\\.edu/admin/api/user/$main::guid", "Content-Type: application/json; charset=utf-8"]
--- response_body_like eval
[main::users({%$main::janed, base => 'https://mytimetable.example.edu/admin/api/'}),
 main::users({%$main::janed, base => 'https://mytimetable.example.edu/admin/api/'})]



=== TEST 46: two locations share one store and each shows its own base
--- http_config
    mytimetable_base_url https://public.example.edu/;
--- config
    location /a/ {
        mytimetable;
    }
    location /b/ {
        mytimetable;
        mytimetable_base_url http://b.example.edu/directory/;
    }
--- more_headers
Content-Type: application/json
--- request eval
[qq(POST /a/users\n{"UserName":"janed","Email":"janed\@unknown.net"}), "GET /b/users", "GET /a/users"]
--- error_code eval
[201, 200, 200]
--- response_body_like eval
[main::users({%$main::janed, base => 'https://public.example.edu/'}),
 main::users({%$main::janed, base => 'http://b.example.edu/directory/'}),
 main::users({%$main::janed, base => 'https://public.example.edu/'})]



=== TEST 47: a refused request leaves the store as it was
--- config
    location /api/ {
        mytimetable;
    }
--- more_headers
Content-Type: application/json
--- request eval
[
    qq(POST /api/users\n{"UserName":"janed","Email":"janed\@unknown.net"}),
    qq(POST /api/users\n{"UserName":"bob","Email":"bob\@unknown.net","Enabled":"no"}),
    qq(POST /api/users\n{"UserName":"carol","Email":"carol\@unknown.net","Password":"short"}),
    qq(POST /api/users\n{"UserName":"dave","Email":"not an address"}),
    "GET /api/users",
    "GET /api/v0/users",
]
--- error_code eval
[201, 400, 400, 400, 200, 200]
--- response_body_like eval
[
    main::users($main::janed),
    '\A\{"error":"bad_request","message":"Enabled must be true or false"\}\z',
    '\A\{"error":"bad_request","message":"invalid Password: use at least 8 characters and no NUL byte"\}\z',
    q(\A\{"error":"bad_request","message":"invalid Email: it has no '\@'"\}\z),
    main::users($main::janed),
    '\A\{"users":\["janed"\]\}\z',
]
