# User directory resource: the OData v4 query options, sent as real clients
# send them (Kendo UI's v4 and v2 transports, odata-query, DevExtreme's
# ODataStore), and the v4 options refused with 400.
use Test::Nginx::Socket 'no_plan';

use MyTimetable::Blocks;

store_per_block(); # a fresh store for every block

# $guid and user(): see MyTimetable::Blocks.

# The users every JSON block starts from, in UserName byte order.
our %U = (
    alice => {UserName => 'alice', Email => 'alice@example.org', FirstName => 'Alice',
              LastName => 'Smith'},
    bob   => {UserName => 'bob', Email => 'Bob@Example.ORG', FirstName => 'Bob',
              Enabled => 'false', IsExternal => 'true'},
    zoe   => {UserName => 'zoe', Email => 'zoe@example.net', FirstName => "zo\x{c3}\x{ab}",
              IsExternal => 'true'},
);

our @fixture = (
    q(POST /api/users
{"UserName":"alice","Email":"alice@example.org","FirstName":"Alice","LastName":"Smith"}),
    q(POST /api/users
{"UserName":"bob","Email":"Bob@Example.ORG","FirstName":"Bob","Enabled":false,"IsExternal":true}),
    q(POST /api/users
{"UserName":"zoe","Email":"zoe@example.net","FirstName":"zo\u00eb","IsExternal":true}),
);
our @fixture_codes = (201, 201, 201);
our @fixture_bodies = map { list($_) } qw(alice bob zoe);

sub users { return join(',', map { user(%{ $U{$_} }) } @_) }
sub list { return '\A\[' . users(@_) . '\]\z' }
# The $count=true body.
sub counted {
    my ($count, @names) = @_;
    return '\A\{"@odata\.count":' . $count . ',"value":\[' . users(@names) . '\]\}\z';
}

run_tests();

__DATA__

=== TEST 1: Kendo UI v4 transport: %24-encoded names, '+' for spaces, $count=true
--- config
    location /api/ {
        mytimetable;
    }
--- more_headers
Content-Type: application/json
--- request eval
[@main::fixture,
 "GET /api/users?%24top=1&%24skip=0&%24filter=IsExternal+eq+true&%24count=true",
 "GET /api/users?%24top=10&%24skip=1&%24orderby=UserName+desc&%24filter=startswith(UserName%2C%27a%27)+or+Enabled+eq+false&%24count=true",
 "GET /api/users?%24filter=UserName+eq+%27nobody%27&%24count=true",
 "GET /api/users?%24top=1&%24count=false"]
--- error_code eval
[@main::fixture_codes, 200, 200, 200, 200]
--- response_body_like eval
[@main::fixture_bodies, main::counted(2, qw(bob)), main::counted(2, qw(alice)),
 '\A\{"@odata\.count":0,"value":\[\]\}\z', main::list(qw(alice))]



=== TEST 2: Kendo UI v2 transport: $inlinecount=allpages with $format=json is accepted
--- config
    location /api/ {
        mytimetable;
    }
--- more_headers
Content-Type: application/json
--- request eval
[@main::fixture,
 "GET /api/users?%24format=json&%24inlinecount=allpages&%24top=1&%24skip=1",
 "GET /api/users?%24format=application%2Fjson%3Bodata.metadata%3Dminimal&%24top=1",
 "GET /api/users?\$format=JSON&\$top=1"]
--- error_code eval
[@main::fixture_codes, 200, 200, 200]
--- response_body_like eval
[@main::fixture_bodies,
 '\A\{"Skip":1,"Top":1,"Total":3,"Items":\[' . main::users(qw(bob)) . '\]\}\z',
 main::list(qw(alice)), main::list(qw(alice))]



=== TEST 3: Kendo UI v2 JSONP: $callback is refused
--- config
    location /api/ {
        mytimetable;
    }
--- request eval
["GET /api/users?%24format=json&%24callback=cb&%24inlinecount=allpages",
 "GET /api/users?\$callback="]
--- error_code eval
[400, 400]
--- response_body eval
[(q{{"error":"bad_request","message":"$callback: JSONP is refused: a JSONP answer is a script that any web page can load with the browser's credentials, which would let any page read the admin API"}}) x 2]



=== TEST 4: odata-query: $select, in and $count=true, '$ , ( ) \'' not encoded
--- config
    location /api/ {
        mytimetable;
    }
--- more_headers
Content-Type: application/json
--- request eval
[@main::fixture,
 "GET /api/users?\$select=UserName,Email&\$filter=UserName%20in%20('alice','zoe')&\$count=true",
 "GET /api/users?\$filter=UserName%20in%20('zoe','nobody','alice')&\$select=UserName",
 "GET /api/users?\$filter=Id%20in%20('00000000-0000-4000-8000-000000000000')&\$select=Id",
 "GET /api/users?\$filter=not%20(UserName%20in%20('alice'))&\$select=*&\$top=1",
 "GET /api/users?\$filter=UserName%20in%20()"]
--- error_code eval
[@main::fixture_codes, 200, 200, 200, 200, 400]
--- response_body_like eval
[@main::fixture_bodies,
 '\A\{"@odata\.count":2,"value":\[\{"UserName":"alice","Email":"alice\@example\.org"\},\{"UserName":"zoe","Email":"zoe\@example\.net"\}\]\}\z',
 '\A\[\{"UserName":"alice"\},\{"UserName":"zoe"\}\]\z',
 '\A\[\]\z',
 main::list(qw(bob)),
 '\A\{"error":"bad_request","message":"\$filter: at position 13: expected an expression but found \'\)\'"\}\z']



=== TEST 5: DevExtreme ODataStore v4: $count=true and (contains(tolower(Email),'x'))
--- config
    location /api/ {
        mytimetable;
    }
--- more_headers
Content-Type: application/json
--- request eval
[@main::fixture,
 "GET /api/users?\$skip=0&\$top=20&\$filter=(contains(tolower(Email),'example.org'))&\$count=true",
 "GET /api/users?\$filter=(contains(tolower(Email),'bob%40'))&\$count=true",
 "GET /api/users?\$filter=(contains(Email,'example.org'))"]
--- error_code eval
[@main::fixture_codes, 200, 200, 200]
--- response_body_like eval
[@main::fixture_bodies, main::counted(2, qw(alice bob)), main::counted(1, qw(bob)),
 main::list(qw(alice))]



=== TEST 6: toupper and tolower use Unicode simple case mapping
--- config
    location /api/ {
        mytimetable;
    }
--- more_headers
Content-Type: application/json
--- request eval
[@main::fixture,
 "GET /api/users?\$filter=toupper(FirstName)%20eq%20'ZO%C3%8B'",
 "GET /api/users?\$filter=tolower('ZO%C3%8B')%20eq%20FirstName",
 "GET /api/users?\$filter=FirstName%20eq%20'ZO%C3%8B'"]
--- error_code eval
[@main::fixture_codes, 200, 200, 200]
--- response_body_like eval
[@main::fixture_bodies, main::list(qw(zoe)), main::list(qw(zoe)), '\A\[\]\z']



=== TEST 7: $expand=Groups adds the user's groups after the selected fields
--- config
    location /api/ {
        mytimetable;
    }
--- more_headers
Content-Type: application/x-www-form-urlencoded
--- request eval
["POST /api/v0/users\nusername=dave&roles=student&roles=tutor",
 "PUT /api/v0/users/erin",
 "GET /api/users?\$select=UserName&\$expand=Groups",
 "GET /api/users?\$select=UserName,Enabled&\$expand=*&\$filter=UserName%20eq%20'dave'"]
--- error_code eval
[201, 204, 200, 200]
--- response_body_like eval
['', '\A\z',
 '\A\[\{"UserName":"dave","Groups":\[\{"Name":"student"\},\{"Name":"tutor"\}\]\},\{"UserName":"erin","Groups":\[\]\}\]\z',
 '\A\[\{"UserName":"dave","Enabled":true,"Groups":\[\{"Name":"student"\},\{"Name":"tutor"\}\]\}\]\z']



=== TEST 8: $expand without $select keeps every field and adds Groups last
--- config
    location /api/ {
        mytimetable;
    }
--- request eval
["PUT /api/v0/users/dave",
 "GET /api/users?\$expand=Groups"]
--- error_code eval
[204, 200]
--- response_body_like eval
['\A\z',
 '\A\[' . substr(main::user(UserName => 'dave'), 0, -2) . ',"Groups":\[\]\}\]\z']



=== TEST 9: every refused v4 form answers 400 with its message
--- config
    location /api/ {
        mytimetable;
    }
--- request eval
["GET /api/users?\$expand=Other",
 "GET /api/users?\$expand=Groups(\$select=Name)",
 "GET /api/users?\$format=xml",
 "GET /api/users?\$format=json;odata.metadata=full",
 "GET /api/users?\$count=maybe",
 "GET /api/users?\$count=true&\$inlinecount=allpages",
 "GET /api/users?\$inlinecount=none&\$count=false",
 "GET /api/users?\$select=Nope",
 "GET /api/users?\$select=UserName,,Email",
 "GET /api/users?\$select=UserName&\$select=Email"]
--- error_code eval
[(400) x 10]
--- response_body eval
[
    q{{"error":"bad_request","message":"$expand: at position 0: cannot expand 'Other': only Groups can be expanded"}},
    q{{"error":"bad_request","message":"$expand: at position 6: options inside $expand (...) are not supported"}},
    q{{"error":"bad_request","message":"$format: expected 'json' or 'application/json' but found 'xml'"}},
    q{{"error":"bad_request","message":"$format: the parameter 'odata.metadata=full' is not supported: answers are plain JSON (odata.metadata=minimal or none)"}},
    q{{"error":"bad_request","message":"$count: expected 'true' or 'false' but found 'maybe'"}},
    q{{"error":"bad_request","message":"$count and $inlinecount cannot both be given: $count=true is OData v4's $inlinecount=allpages; send one of them"}},
    q{{"error":"bad_request","message":"$count and $inlinecount cannot both be given: $count=true is OData v4's $inlinecount=allpages; send one of them"}},
    q{{"error":"bad_request","message":"$select: at position 0: unknown field 'Nope'"}},
    q{{"error":"bad_request","message":"$select: at position 9: expected a field name or '*' but found ','"}},
    q{{"error":"bad_request","message":"repeated query option '$select'"}},
]
