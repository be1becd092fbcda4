# User directory resource: OData query options on GET users, through HTTP
# (contract section 3, "Query options").
use Test::Nginx::Socket 'no_plan';

use MyTimetable::Blocks;

store_per_block(); # a fresh store for every block

# $guid and user(): see MyTimetable::Blocks.

# The six users every query block starts from. UserName byte order is
# Zed < alice < bob < carol < dave < émile ('Z' < 'a', and 'é' is C3 A9).
# dave comes from the v0 API: no Email, no names.
our %U = (
    alice => {UserName => 'alice', Email => 'alice@example.org', FirstName => 'Alice',
              LastName => 'Smith', Phone => '555-0100'},
    bob   => {UserName => 'bob', Email => 'bob@example.org', FirstName => 'Bob',
              LastName => "O'Brien", Enabled => 'false', IsExternal => 'true'},
    carol => {UserName => 'carol', Email => 'carol@example.net', FirstName => '  Carol  ',
              Phone => '555-0199', IsExternal => 'true'},
    dave  => {UserName => 'dave'},
    emile => {UserName => "\x{c3}\x{a9}mile", Email => 'emile@example.fr',
              FirstName => "\x{c3}\x{89}mile", LastName => 'Zola', Phone => '555-0150'},
    Zed   => {UserName => 'Zed', Email => 'zed@example.com', FirstName => 'Zed',
              LastName => 'Smith', Enabled => 'false'},
);

our @fixture = (
    q(POST /api/users
{"UserName":"alice","Email":"alice@example.org","FirstName":"Alice","LastName":"Smith","Phone":"555-0100"}),
    q(POST /api/users
{"UserName":"bob","Email":"bob@example.org","FirstName":"Bob","LastName":"O'Brien","Enabled":false,"IsExternal":true}),
    q(POST /api/users
{"UserName":"carol","Email":"carol@example.net","FirstName":"  Carol  ","Phone":"555-0199","IsExternal":true}),
    q(PUT /api/v0/users/dave),
    q(POST /api/users
{"UserName":"\u00e9mile","Email":"emile@example.fr","FirstName":"\u00c9mile","LastName":"Zola","Phone":"555-0150"}),
    q(POST /api/users
{"UserName":"Zed","Email":"zed@example.com","FirstName":"Zed","LastName":"Smith","Enabled":false}),
);
our @fixture_codes = (201, 201, 201, 204, 201, 201);

# The whole body: a JSON array of exactly these fixture users, in this order.
sub list { return '\A\[' . join(',', map { user(%{ $U{$_} }) } @_) . '\]\z' }

our @fixture_bodies = (list('alice'), list('bob'), list('carol'), '\A\z', list('emile'), list('Zed'));

# The whole $inlinecount=allpages body.
sub envelope {
    my ($skip, $top, $total, @names) = @_;
    return '\A\{"Skip":' . $skip . ',"Top":' . ($top // 'null') . ',"Total":' . $total
         . ',"Items":\[' . join(',', map { user(%{ $U{$_} }) } @names) . '\]\}\z';
}

# Bodies for users that only have a UserName (created through the v0 API).
sub v0_list { return '\A\[' . join(',', map { user(UserName => $_) } @_) . '\]\z' }
sub v0_envelope {
    my ($skip, $top, $total, @names) = @_;
    return '\A\{"Skip":' . $skip . ',"Top":' . ($top // 'null') . ',"Total":' . $total
         . ',"Items":\[' . join(',', map { user(UserName => $_) } @names) . '\]\}\z';
}

no_shuffle();
run_tests();

__DATA__

=== TEST 1: without query options every user is listed in UserName byte order
--- config
    location /api/ {
        mytimetable;
    }
--- more_headers
Content-Type: application/json
--- request eval
[@main::fixture, "GET /api/users", "GET /api/users?"]
--- error_code eval
[@main::fixture_codes, 200, 200]
--- response_body_like eval
[@main::fixture_bodies, main::list(qw(Zed alice bob carol dave emile)),
 main::list(qw(Zed alice bob carol dave emile))]



=== TEST 2: the seed's example: $filter=FirstName eq 'Jane', percent-encoded
--- config
    location /api/ {
        mytimetable;
    }
--- more_headers
Content-Type: application/json
--- request eval
[
    qq(POST /api/users\n{"UserName":"joeb","Email":"joeb\@unknown.net","FirstName":"Joe","LastName":"Bloggs","Phone":"(09)-555-999"}),
    qq(POST /api/users\n{"UserName":"janed","Email":"janed\@unknown.net","FirstName":"Jane","LastName":"Doe","Phone":"(09)-555-999"}),
    "GET /api/users?\$filter=FirstName%20eq%20'Jane'",
    "GET /api/users?\$filter=FirstName%20eq%20%27Jane%27",
]
--- error_code eval
[201, 201, 200, 200]
--- response_body_like eval
[
    '\A\[' . main::user(UserName => 'joeb', Email => 'joeb@unknown.net', FirstName => 'Joe',
                        LastName => 'Bloggs', Phone => '(09)-555-999') . '\]\z',
    '\A\[' . main::user(UserName => 'janed', Email => 'janed@unknown.net', FirstName => 'Jane',
                        LastName => 'Doe', Phone => '(09)-555-999') . '\]\z',
    '\A\[' . main::user(UserName => 'janed', Email => 'janed@unknown.net', FirstName => 'Jane',
                        LastName => 'Doe', Phone => '(09)-555-999') . '\]\z',
    '\A\[' . main::user(UserName => 'janed', Email => 'janed@unknown.net', FirstName => 'Jane',
                        LastName => 'Doe', Phone => '(09)-555-999') . '\]\z',
]



=== TEST 3: eq and ne on strings
--- config
    location /api/ {
        mytimetable;
    }
--- more_headers
Content-Type: application/json
--- request eval
[@main::fixture,
 "GET /api/users?\$filter=LastName%20eq%20'Smith'",
 "GET /api/users?\$filter=LastName%20ne%20'Smith'%20and%20LastName%20ne%20null",
 "GET /api/users?\$filter=Email%20eq%20'ALICE\@example.org'",
 "GET /api/users?\$filter='Smith'%20eq%20LastName"]
--- error_code eval
[@main::fixture_codes, 200, 200, 200, 200]
--- response_body_like eval
[@main::fixture_bodies, main::list(qw(Zed alice)), main::list(qw(bob emile)), main::list(),
 main::list(qw(Zed alice))]



=== TEST 4: gt ge lt le compare strings by UTF-8 bytes
--- config
    location /api/ {
        mytimetable;
    }
--- more_headers
Content-Type: application/json
--- request eval
[@main::fixture,
 "GET /api/users?\$filter=UserName%20ge%20'bob'%20and%20UserName%20lt%20'dave'",
 "GET /api/users?\$filter=UserName%20le%20'alice'",
 "GET /api/users?\$filter=UserName%20gt%20'dave'",
 "GET /api/users?\$filter=UserName%20lt%20'a'",
 "GET /api/users?\$filter=Phone%20ge%20'555-0150'"]
--- error_code eval
[@main::fixture_codes, 200, 200, 200, 200, 200]
--- response_body_like eval
[@main::fixture_bodies, main::list(qw(bob carol)), main::list(qw(Zed alice)), main::list(qw(emile)),
 main::list(qw(Zed)), main::list(qw(carol emile))]



=== TEST 5: booleans take eq and ne, and a boolean field is a filter by itself
--- config
    location /api/ {
        mytimetable;
    }
--- more_headers
Content-Type: application/json
--- request eval
[@main::fixture,
 "GET /api/users?\$filter=Enabled%20eq%20false",
 "GET /api/users?\$filter=IsExternal%20ne%20false",
 "GET /api/users?\$filter=IsExternal",
 "GET /api/users?\$filter=true",
 "GET /api/users?\$filter=false"]
--- error_code eval
[@main::fixture_codes, 200, 200, 200, 200, 200]
--- response_body_like eval
[@main::fixture_bodies, main::list(qw(Zed bob)), main::list(qw(bob carol)), main::list(qw(bob carol)),
 main::list(qw(Zed alice bob carol dave emile)), main::list()]



=== TEST 6: and binds tighter than or; parentheses regroup
--- config
    location /api/ {
        mytimetable;
    }
--- more_headers
Content-Type: application/json
--- request eval
[@main::fixture,
 "GET /api/users?\$filter=IsExternal%20or%20Enabled%20and%20Phone%20eq%20null",
 "GET /api/users?\$filter=(IsExternal%20or%20Enabled)%20and%20Phone%20eq%20null",
 "GET /api/users?\$filter=((IsExternal))%20and%20(not%20(Enabled))"]
--- error_code eval
[@main::fixture_codes, 200, 200, 200]
--- response_body_like eval
[@main::fixture_bodies, main::list(qw(bob carol dave)), main::list(qw(bob dave)), main::list(qw(bob))]



=== TEST 7: not binds tighter than a comparison
--- config
    location /api/ {
        mytimetable;
    }
--- more_headers
Content-Type: application/json
--- request eval
[@main::fixture,
 "GET /api/users?\$filter=not%20Enabled%20eq%20false",
 "GET /api/users?\$filter=not%20(Enabled%20eq%20false)",
 "GET /api/users?\$filter=not%20not%20IsExternal"]
--- error_code eval
[@main::fixture_codes, 200, 200, 200]
--- response_body_like eval
[@main::fixture_bodies, main::list(qw(alice carol dave emile)), main::list(qw(alice carol dave emile)),
 main::list(qw(bob carol))]



=== TEST 8: eq null and ne null select the rows without and with a value
--- config
    location /api/ {
        mytimetable;
    }
--- more_headers
Content-Type: application/json
--- request eval
[@main::fixture,
 "GET /api/users?\$filter=Phone%20eq%20null",
 "GET /api/users?\$filter=Phone%20ne%20null",
 "GET /api/users?\$filter=null%20eq%20Email",
 "GET /api/users?\$filter=LastLogIn%20eq%20null",
 "GET /api/users?\$filter=null%20eq%20null",
 "GET /api/users?\$filter=not%20(LastName%20eq%20null)"]
--- error_code eval
[@main::fixture_codes, 200, 200, 200, 200, 200, 200]
--- response_body_like eval
[@main::fixture_bodies, main::list(qw(Zed bob dave)), main::list(qw(alice carol emile)),
 main::list(qw(dave)), main::list(qw(Zed alice bob carol dave emile)),
 main::list(qw(Zed alice bob carol dave emile)), main::list(qw(Zed alice bob emile))]



=== TEST 9: an ordering comparison on null is null, and not null is null: such rows never match
--- config
    location /api/ {
        mytimetable;
    }
--- more_headers
Content-Type: application/json
--- request eval
[@main::fixture,
 "GET /api/users?\$filter=Phone%20lt%20'9'",
 "GET /api/users?\$filter=not%20(Phone%20lt%20'555-0150')",
 "GET /api/users?\$filter=not%20(LastName%20gt%20'A')",
 "GET /api/users?\$filter=null%20and%20true",
 "GET /api/users?\$filter=not%20null",
 "GET /api/users?\$filter=null"]
--- error_code eval
[@main::fixture_codes, 200, 200, 200, 200, 200, 200]
--- response_body_like eval
[@main::fixture_bodies, main::list(qw(alice carol emile)), main::list(qw(carol emile)), main::list(),
 main::list(), main::list(), main::list()]



=== TEST 10: and and or are three-valued: false and null is false, true or null is true
--- config
    location /api/ {
        mytimetable;
    }
--- more_headers
Content-Type: application/json
--- request eval
[@main::fixture,
 "GET /api/users?\$filter=Phone%20gt%20'0'%20or%20Enabled%20eq%20false",
 "GET /api/users?\$filter=Phone%20gt%20'0'%20and%20Enabled",
 "GET /api/users?\$filter=not%20(Phone%20gt%20'0'%20and%20Enabled%20eq%20false)",
 "GET /api/users?\$filter=not%20(Phone%20gt%20'0'%20or%20Enabled)"]
--- error_code eval
[@main::fixture_codes, 200, 200, 200, 200]
--- response_body_like eval
[@main::fixture_bodies, main::list(qw(Zed alice bob carol emile)), main::list(qw(alice carol emile)),
 main::list(qw(alice carol dave emile)), main::list()]



=== TEST 11: a function of a null value is null
--- config
    location /api/ {
        mytimetable;
    }
--- more_headers
Content-Type: application/json
--- request eval
[@main::fixture,
 "GET /api/users?\$filter=not%20startswith(Phone,'555-019')",
 "GET /api/users?\$filter=length(LastName)%20ge%200",
 "GET /api/users?\$filter=not%20substringof(null,FirstName)",
 "GET /api/users?\$filter=indexof(Email,'.net')%20ge%200"]
--- error_code eval
[@main::fixture_codes, 200, 200, 200, 200]
--- response_body_like eval
[@main::fixture_bodies, main::list(qw(alice emile)), main::list(qw(Zed alice bob emile)), main::list(),
 main::list(qw(carol))]



=== TEST 12: a comparison other than eq null and ne null on a null value is null, so such rows never match
--- config
    location /api/ {
        mytimetable;
    }
--- more_headers
Content-Type: application/json
--- request eval
[@main::fixture,
 "GET /api/users?\$filter=Phone%20ne%20'555-0100'",
 "GET /api/users?\$filter=not%20(Phone%20eq%20'555-0100')",
 "GET /api/users?\$filter=trim(FirstName)%20eq%20FirstName"]
--- error_code eval
[@main::fixture_codes, 200, 200, 200]
--- response_body_like eval
[@main::fixture_bodies, main::list(qw(carol emile)), main::list(qw(carol emile)),
 main::list(qw(Zed alice bob emile))]



=== TEST 13: string literals escape a quote by doubling it
--- config
    location /api/ {
        mytimetable;
    }
--- more_headers
Content-Type: application/json
--- request eval
[@main::fixture,
 "GET /api/users?\$filter=LastName%20eq%20'O''Brien'",
 "GET /api/users?\$filter=endswith(LastName,'''Brien')",
 "GET /api/users?\$filter=LastName%20eq%20%27O%27%27Brien%27",
 "GET /api/users?\$filter=FirstName%20eq%20''",
 "GET /api/users?\$filter=substringof('''',LastName)"]
--- error_code eval
[@main::fixture_codes, 200, 200, 200, 200, 200]
--- response_body_like eval
[@main::fixture_bodies, main::list(qw(bob)), main::list(qw(bob)), main::list(qw(bob)), main::list(),
 main::list(qw(bob))]



=== TEST 14: substringof (v2 argument order), contains, startswith and endswith
--- config
    location /api/ {
        mytimetable;
    }
--- more_headers
Content-Type: application/json
--- request eval
[@main::fixture,
 "GET /api/users?\$filter=substringof('ar',FirstName)",
 "GET /api/users?\$filter=contains(Email,'example.org')",
 "GET /api/users?\$filter=startswith(Email,'c')",
 "GET /api/users?\$filter=endswith(Email,'.org')%20or%20endswith(Email,'.fr')",
 "GET /api/users?\$filter=substringof('',UserName)"]
--- error_code eval
[@main::fixture_codes, 200, 200, 200, 200, 200]
--- response_body_like eval
[@main::fixture_bodies, main::list(qw(carol)), main::list(qw(alice bob)), main::list(qw(carol)),
 main::list(qw(alice bob emile)), main::list(qw(Zed alice bob carol dave emile))]



=== TEST 15: tolower and toupper map letters, trim removes ASCII white space; tolower('Émile') is 'émile'
--- config
    location /api/ {
        mytimetable;
    }
--- more_headers
Content-Type: application/json
--- request eval
[@main::fixture,
 "GET /api/users?\$filter=tolower(FirstName)%20eq%20'zed'",
 "GET /api/users?\$filter=toupper(UserName)%20eq%20'BOB'",
 "GET /api/users?\$filter=toupper(LastName)%20eq%20toupper('smith')",
 "GET /api/users?\$filter=trim(FirstName)%20eq%20'Carol'",
 "GET /api/users?\$filter=tolower(FirstName)%20eq%20'%C3%89mile'",
 "GET /api/users?\$filter=tolower(FirstName)%20eq%20'%C3%A9mile'"]
--- error_code eval
[@main::fixture_codes, 200, 200, 200, 200, 200, 200]
--- response_body_like eval
[@main::fixture_bodies, main::list(qw(Zed)), main::list(qw(bob)), main::list(qw(Zed alice)),
 main::list(qw(carol)), '\A\[\]\z', main::list(qw(emile))]



=== TEST 16: length and indexof count code points; indexof is -1 when absent; integers may be negative or end in L
--- config
    location /api/ {
        mytimetable;
    }
--- more_headers
Content-Type: application/json
--- request eval
[@main::fixture,
 "GET /api/users?\$filter=length(FirstName)%20eq%205",
 "GET /api/users?\$filter=length(UserName)%20gt%204L",
 "GET /api/users?\$filter=indexof(FirstName,'mile')%20eq%201",
 "GET /api/users?\$filter=indexof(Email,'\@')%20eq%203",
 "GET /api/users?\$filter=indexof(Email,'.net')%20eq%20-1",
 "GET /api/users?\$filter=length(trim(FirstName))%20lt%204%20and%20length(UserName)%20gt%20-1"]
--- error_code eval
[@main::fixture_codes, 200, 200, 200, 200, 200, 200]
--- response_body_like eval
[@main::fixture_bodies, main::list(qw(alice emile)), main::list(qw(alice carol emile)), main::list(qw(emile)),
 main::list(qw(Zed bob)), main::list(qw(Zed alice bob emile)), main::list(qw(Zed bob))]



=== TEST 17: datetime literals compare with LastLogIn, which is null until a login is recorded
--- config
    location /api/ {
        mytimetable;
    }
--- more_headers
Content-Type: application/json
--- request eval
[@main::fixture,
 "GET /api/users?\$filter=LastLogIn%20lt%20datetime'2030-01-01T00:00:00Z'",
 "GET /api/users?\$filter=LastLogIn%20ge%20datetime'2000-02-29T12:00'",
 "GET /api/users?\$filter=not%20(LastLogIn%20le%20datetime'9999-12-31T23:59:59.999')",
 "GET /api/users?\$filter=LastLogIn%20eq%20null%20and%20not%20(LastLogIn%20gt%20datetime'1970-01-01T00:00:00.0000000')",
 "GET /api/users?\$filter=LastLogIn%20eq%20null%20or%20LastLogIn%20gt%20datetime'0001-01-01T00:00'"]
--- error_code eval
[@main::fixture_codes, 200, 200, 200, 200, 200]
--- response_body_like eval
[@main::fixture_bodies, main::list(), main::list(), main::list(), main::list(),
 main::list(qw(Zed alice bob carol dave emile))]



=== TEST 18: Id is filterable like any string field
--- config
    location /api/ {
        mytimetable;
    }
--- more_headers
Content-Type: application/json
--- request eval
[@main::fixture,
 "GET /api/users?\$filter=Id%20eq%20'00000000-0000-4000-8000-000000000000'",
 "GET /api/users?\$filter=Id%20ne%20'00000000-0000-4000-8000-000000000000'%20and%20Enabled",
 "GET /api/users?\$filter=Id%20eq%20'not-a-guid'",
 "GET /api/users?\$filter=length(Id)%20eq%2036%20and%20substringof('-4',Id)%20and%20IsExternal"]
--- error_code eval
[@main::fixture_codes, 200, 200, 200, 200]
--- response_body_like eval
[@main::fixture_bodies, main::list(), main::list(qw(alice carol dave emile)), main::list(),
 main::list(qw(bob carol))]



=== TEST 19: UserName eq 'x' (as served from the index) finds exactly that user, still under the whole filter
--- config
    location /api/ {
        mytimetable;
    }
--- more_headers
Content-Type: application/json
--- request eval
[@main::fixture,
 "GET /api/users?\$filter=UserName%20eq%20'bob'",
 "GET /api/users?\$filter='carol'%20eq%20UserName",
 "GET /api/users?\$filter=UserName%20eq%20'bob'%20and%20Enabled",
 "GET /api/users?\$filter=(IsExternal%20and%20(UserName%20eq%20'carol'))",
 "GET /api/users?\$filter=UserName%20eq%20'bob'%20and%20UserName%20eq%20'carol'",
 "GET /api/users?\$filter=UserName%20eq%20'nobody'",
 "GET /api/users?\$filter=UserName%20eq%20'%C3%A9mile'",
 "GET /api/users?\$filter=UserName%20eq%20'BOB'",
 "GET /api/users?\$filter=UserName%20eq%20'bob'%20or%20UserName%20eq%20'dave'",
 "GET /api/users?\$filter=UserName%20eq%20'" . ("x" x 300) . "'"]
--- error_code eval
[@main::fixture_codes, (200) x 10]
--- response_body_like eval
[@main::fixture_bodies, main::list(qw(bob)), main::list(qw(carol)), main::list(), main::list(qw(carol)),
 main::list(), main::list(), main::list(qw(emile)), main::list(), main::list(qw(bob dave)), main::list()]



=== TEST 20: UserName eq 'x' with $inlinecount, $skip and $top
--- config
    location /api/ {
        mytimetable;
    }
--- more_headers
Content-Type: application/json
--- request eval
[@main::fixture,
 "GET /api/users?\$filter=UserName%20eq%20'dave'&\$inlinecount=allpages",
 "GET /api/users?\$filter=UserName%20eq%20'dave'&\$inlinecount=allpages&\$skip=1",
 "GET /api/users?\$filter=UserName%20eq%20'dave'&\$top=0",
 "GET /api/users?\$filter=UserName%20eq%20'nobody'&\$inlinecount=allpages&\$orderby=Email"]
--- error_code eval
[@main::fixture_codes, 200, 200, 200, 200]
--- response_body_like eval
[@main::fixture_bodies, main::envelope(0, undef, 1, 'dave'), main::envelope(1, undef, 1),
 main::list(), main::envelope(0, undef, 0)]



=== TEST 21: $orderby sorts nulls first, ties keep UserName order
--- config
    location /api/ {
        mytimetable;
    }
--- more_headers
Content-Type: application/json
--- request eval
[@main::fixture,
 "GET /api/users?\$orderby=LastName",
 "GET /api/users?\$orderby=LastName%20asc",
 "GET /api/users?\$orderby=FirstName"]
--- error_code eval
[@main::fixture_codes, 200, 200, 200]
--- response_body_like eval
[@main::fixture_bodies, main::list(qw(carol dave bob Zed alice emile)),
 main::list(qw(carol dave bob Zed alice emile)), main::list(qw(dave carol alice bob Zed emile))]



=== TEST 22: $orderby desc puts nulls last, ties still keep UserName order
--- config
    location /api/ {
        mytimetable;
    }
--- more_headers
Content-Type: application/json
--- request eval
[@main::fixture,
 "GET /api/users?\$orderby=LastName%20desc",
 "GET /api/users?\$orderby=UserName%20desc",
 "GET /api/users?\$orderby=Email%20desc"]
--- error_code eval
[@main::fixture_codes, 200, 200, 200]
--- response_body_like eval
[@main::fixture_bodies, main::list(qw(emile Zed alice bob carol dave)),
 main::list(qw(emile dave carol bob alice Zed)), main::list(qw(Zed emile carol bob alice dave))]



=== TEST 23: $orderby with several keys; false sorts before true
--- config
    location /api/ {
        mytimetable;
    }
--- more_headers
Content-Type: application/json
--- request eval
[@main::fixture,
 "GET /api/users?\$orderby=Enabled,IsExternal%20desc",
 "GET /api/users?\$orderby=IsExternal%20desc,%20Enabled%20asc,UserName%20desc",
 "GET /api/users?\$orderby=Phone%20desc,UserName%20desc",
 "GET /api/users?\$orderby=LastLogIn%20desc,Enabled"]
--- error_code eval
[@main::fixture_codes, 200, 200, 200, 200]
--- response_body_like eval
[@main::fixture_bodies, main::list(qw(bob Zed carol alice dave emile)),
 main::list(qw(bob carol Zed emile dave alice)), main::list(qw(carol emile alice dave bob Zed)),
 main::list(qw(Zed bob alice carol dave emile))]



=== TEST 24: $top and $skip cut the ordered, filtered list
--- config
    location /api/ {
        mytimetable;
    }
--- more_headers
Content-Type: application/json
--- request eval
[@main::fixture,
 "GET /api/users?\$top=2",
 "GET /api/users?\$skip=4",
 "GET /api/users?\$skip=2&\$top=2",
 "GET /api/users?\$top=0",
 "GET /api/users?\$skip=6",
 "GET /api/users?\$skip=2147483647&\$top=2147483647",
 "GET /api/users?\$orderby=UserName%20desc&\$top=2&\$skip=1",
 "GET /api/users?\$filter=Enabled&\$top=2&\$skip=1"]
--- error_code eval
[@main::fixture_codes, (200) x 8]
--- response_body_like eval
[@main::fixture_bodies, main::list(qw(Zed alice)), main::list(qw(dave emile)), main::list(qw(bob carol)),
 main::list(), main::list(), main::list(), main::list(qw(dave carol)), main::list(qw(carol dave))]



=== TEST 25: $inlinecount=allpages wraps the page in {"Skip","Top","Total","Items"}; Total counts the filtered rows
--- config
    location /api/ {
        mytimetable;
    }
--- more_headers
Content-Type: application/json
--- request eval
[@main::fixture,
 "GET /api/users?\$inlinecount=allpages",
 "GET /api/users?\$inlinecount=allpages&\$top=2&\$skip=1&\$orderby=UserName%20desc",
 "GET /api/users?\$filter=Phone%20ne%20null&\$skip=1&\$inlinecount=allpages",
 "GET /api/users?\$filter=Enabled&\$top=1&\$inlinecount=allpages",
 "GET /api/users?\$top=0&\$inlinecount=allpages",
 "GET /api/users?\$skip=9&\$inlinecount=allpages"]
--- error_code eval
[@main::fixture_codes, (200) x 6]
--- response_body_like eval
[@main::fixture_bodies,
 main::envelope(0, undef, 6, qw(Zed alice bob carol dave emile)),
 main::envelope(1, 2, 6, qw(dave carol)),
 main::envelope(1, undef, 3, qw(carol emile)),
 main::envelope(0, 1, 4, qw(alice)),
 main::envelope(0, 0, 6),
 main::envelope(9, undef, 6)]



=== TEST 26: $inlinecount=none answers the plain array
--- config
    location /api/ {
        mytimetable;
    }
--- more_headers
Content-Type: application/json
--- request eval
[@main::fixture, "GET /api/users?\$inlinecount=none&\$top=1", "GET /api/users?\$inlinecount=none"]
--- error_code eval
[@main::fixture_codes, 200, 200]
--- response_body_like eval
[@main::fixture_bodies, main::list(qw(Zed)), main::list(qw(Zed alice bob carol dave emile))]



=== TEST 27: option names and values are percent-decoded, '+' is a space and %2B a plus
--- config
    location /api/ {
        mytimetable;
    }
--- more_headers
Content-Type: application/json
--- request eval
[@main::fixture, "PUT /api/v0/users/a+b", "PUT /api/v0/users/a%20b",
 "GET /api/users?%24filter=UserName+eq+'bob'",
 "GET /api/users?%24filter=startswith(UserName,'a%2B')",
 "GET /api/users?%24filter=startswith(UserName,'a+')",
 "GET /api/users?%24top=1&%24skip=1&%24orderby=UserName+desc&%24inlinecount=allpages",
 "GET /api/users?\$filter=FirstName%20eq%20%27%20%20Carol%20%20%27"]
--- error_code eval
[@main::fixture_codes, 204, 204, 200, 200, 200, 200, 200]
--- response_body_like eval
[@main::fixture_bodies, '\A\z', '\A\z', main::list(qw(bob)),
 main::v0_list('a+b'),
 main::v0_list('a b'),
 main::envelope(1, 1, 8, qw(dave)),
 main::list(qw(carol))]



=== TEST 28: parameters that are not system query options are ignored, and so are empty pairs
--- config
    location /api/ {
        mytimetable;
    }
--- more_headers
Content-Type: application/json
--- request eval
[@main::fixture,
 "GET /api/users?filter=x&top=1&&pretty",
 "GET /api/users?&\$top=1&&foo=\$bar&",
 "GET /api/users?x=%zz&\$top=1"]
--- error_code eval
[@main::fixture_codes, 200, 200, 200]
--- response_body_like eval
[@main::fixture_bodies, main::list(qw(Zed alice bob carol dave emile)), main::list(qw(Zed)),
 main::list(qw(Zed))]



=== TEST 29: a list longer than one piece of output comes whole, with $skip, $top and $inlinecount
--- config
    location /api/ {
        mytimetable;
    }
--- request eval
[(map { sprintf "PUT /api/v0/users/u%03d", $_ } 1 .. 120),
 "GET /api/users",
 "GET /api/users?\$skip=1&\$top=117&\$inlinecount=allpages",
 "GET /api/users?\$filter=endswith(UserName,'7')&\$inlinecount=allpages",
 "GET /api/users?\$filter=UserName%20ne%20'u001'&\$top=2"]
--- error_code eval
[(204) x 120, 200, 200, 200, 200]
--- response_body_like eval
[('\A\z') x 120,
 main::v0_list(map { sprintf "u%03d", $_ } 1 .. 120),
 main::v0_envelope(1, 117, 120, map { sprintf "u%03d", $_ } 2 .. 118),
 main::v0_envelope(0, undef, 12, map { sprintf "u%03d", $_ } grep { $_ % 10 == 7 } 1 .. 120),
 main::v0_list("u002", "u003")]



=== TEST 30: an unknown field answers 400 with its position; Self and Links are not fields
--- config
    location /api/ {
        mytimetable;
    }
--- request eval
["GET /api/users?\$filter=Foo%20eq%201",
 "GET /api/users?\$filter=Enabled%20and%20Department%20eq%20'x'",
 "GET /api/users?\$filter=Self%20eq%20'x'",
 "GET /api/users?\$filter=startswith(Links,'x')",
 "GET /api/users?\$filter=username%20eq%20'x'"]
--- error_code eval
[400, 400, 400, 400, 400]
--- response_headers eval
[("Content-Type: application/json; charset=utf-8") x 5]
--- response_body eval
[
    q{{"error":"bad_request","message":"$filter: at position 0: unknown field 'Foo'"}},
    q{{"error":"bad_request","message":"$filter: at position 12: unknown field 'Department'"}},
    q{{"error":"bad_request","message":"$filter: at position 0: unknown field 'Self'"}},
    q{{"error":"bad_request","message":"$filter: at position 11: unknown field 'Links'"}},
    q{{"error":"bad_request","message":"$filter: at position 0: unknown field 'username'"}},
]



=== TEST 31: an unknown function or a wrong number of arguments answers 400 with its position
--- config
    location /api/ {
        mytimetable;
    }
--- request eval
["GET /api/users?\$filter=foo(UserName)",
 "GET /api/users?\$filter=Enabled%20or%20ToLower(UserName)%20eq%20'x'",
 "GET /api/users?\$filter=substring(UserName,1)%20eq%20'x'",
 "GET /api/users?\$filter=length(UserName,Email)%20eq%201",
 "GET /api/users?\$filter=startswith(UserName)",
 "GET /api/users?\$filter=length()%20eq%200"]
--- error_code eval
[(400) x 6]
--- response_body eval
[
    q{{"error":"bad_request","message":"$filter: at position 0: unknown function 'foo'"}},
    q{{"error":"bad_request","message":"$filter: at position 11: unknown function 'ToLower'"}},
    q{{"error":"bad_request","message":"$filter: at position 0: unknown function 'substring'"}},
    q{{"error":"bad_request","message":"$filter: at position 0: function 'length' takes 1 argument but was given 2"}},
    q{{"error":"bad_request","message":"$filter: at position 0: function 'startswith' takes 2 arguments but was given 1"}},
    q{{"error":"bad_request","message":"$filter: at position 0: function 'length' takes 1 argument but was given 0"}},
]



=== TEST 32: a type mismatch answers 400 with its position
--- config
    location /api/ {
        mytimetable;
    }
--- request eval
["GET /api/users?\$filter=UserName%20eq%201",
 "GET /api/users?\$filter=Enabled%20gt%20true",
 "GET /api/users?\$filter=length(Enabled)%20eq%201",
 "GET /api/users?\$filter=LastLogIn%20eq%20'2024-01-01'",
 "GET /api/users?\$filter=UserName",
 "GET /api/users?\$filter=UserName%20eq%20'a'%20and%20Phone",
 "GET /api/users?\$filter=not%20length(UserName)",
 "GET /api/users?\$filter=indexof(UserName,'a')%20eq%20'0'",
 "GET /api/users?\$filter=startswith(UserName,1)"]
--- error_code eval
[(400) x 9]
--- response_body eval
[
    q{{"error":"bad_request","message":"$filter: at position 9: cannot compare Edm.String with Edm.Int64"}},
    q{{"error":"bad_request","message":"$filter: at position 8: cannot apply 'gt' to Edm.Boolean"}},
    q{{"error":"bad_request","message":"$filter: at position 7: expected Edm.String for argument 1 of 'length' but found Edm.Boolean"}},
    q{{"error":"bad_request","message":"$filter: at position 10: cannot compare Edm.DateTime with Edm.String"}},
    q{{"error":"bad_request","message":"$filter: at position 0: expected an Edm.Boolean filter but found Edm.String"}},
    q{{"error":"bad_request","message":"$filter: at position 20: expected Edm.Boolean for the operand of 'and' but found Edm.String"}},
    q{{"error":"bad_request","message":"$filter: at position 4: expected Edm.Boolean for the operand of 'not' but found Edm.Int64"}},
    q{{"error":"bad_request","message":"$filter: at position 22: cannot compare Edm.Int64 with Edm.String"}},
    q{{"error":"bad_request","message":"$filter: at position 20: expected Edm.String for argument 2 of 'startswith' but found Edm.Int64"}},
]



=== TEST 33: a syntax error answers 400 with its position and what was found
--- config
    location /api/ {
        mytimetable;
    }
--- request eval
["GET /api/users?\$filter=UserName%20eq",
 "GET /api/users?\$filter=(UserName%20eq%20'a'",
 "GET /api/users?\$filter=UserName%20eq%20'a')",
 "GET /api/users?\$filter=UserName%20eq%20'a'%20%23",
 "GET /api/users?\$filter=UserName%20eq%20'a'%20eq%20true",
 "GET /api/users?\$filter=Phone%20eq%201.5",
 "GET /api/users?\$filter=length(Phone)%20eq%209223372036854775808",
 "GET /api/users?\$filter=Id%20eq%20guid'00000000-0000-4000-8000-000000000000'",
 "GET /api/users?\$filter=UserName%20eq%20'a'%20and",
 "GET /api/users?\$filter=startswith(UserName%20'a')",
 "GET /api/users?\$filter=UserName%20Eq%20'a'"]
--- error_code eval
[(400) x 11]
--- response_body eval
[
    q{{"error":"bad_request","message":"$filter: at position 11: expected an expression but found end of input"}},
    q{{"error":"bad_request","message":"$filter: at position 16: expected an operator or ')' but found end of input"}},
    q{{"error":"bad_request","message":"$filter: at position 15: expected an operator or end of input but found ')'"}},
    q{{"error":"bad_request","message":"$filter: at position 16: unexpected character '#'"}},
    q{{"error":"bad_request","message":"$filter: at position 16: comparisons cannot be chained; use parentheses"}},
    q{{"error":"bad_request","message":"$filter: at position 9: expected an integer but found '1.5'"}},
    q{{"error":"bad_request","message":"$filter: at position 17: integer literal '9223372036854775808' is out of range for Edm.Int64"}},
    q{{"error":"bad_request","message":"$filter: at position 6: unsupported literal type 'guid'"}},
    q{{"error":"bad_request","message":"$filter: at position 19: expected an expression but found end of input"}},
    q{{"error":"bad_request","message":"$filter: at position 20: expected an operator, ',' or ')' but found 'a'"}},
    q{{"error":"bad_request","message":"$filter: at position 9: expected an operator or end of input but found 'Eq'"}},
]



=== TEST 34: a malformed or too precise datetime literal answers 400 with its position
--- config
    location /api/ {
        mytimetable;
    }
--- request eval
["GET /api/users?\$filter=LastLogIn%20eq%20datetime'2024-13-01T00:00'",
 "GET /api/users?\$filter=LastLogIn%20eq%20datetime'2023-02-29T00:00'",
 "GET /api/users?\$filter=LastLogIn%20eq%20datetime'2024-01-01'",
 "GET /api/users?\$filter=LastLogIn%20eq%20datetime'2024-01-01T00:00:00.1234'",
 "GET /api/users?\$filter=LastLogIn%20eq%20datetime'2024-01-01T00:00:00%2B01:00'"]
--- error_code eval
[(400) x 5]
--- response_body eval
[
    q{{"error":"bad_request","message":"$filter: at position 13: expected datetime'yyyy-mm-ddThh:mm[:ss[.fffffff]][Z]' but found datetime'2024-13-01T00:00'"}},
    q{{"error":"bad_request","message":"$filter: at position 13: expected datetime'yyyy-mm-ddThh:mm[:ss[.fffffff]][Z]' but found datetime'2023-02-29T00:00'"}},
    q{{"error":"bad_request","message":"$filter: at position 13: expected datetime'yyyy-mm-ddThh:mm[:ss[.fffffff]][Z]' but found datetime'2024-01-01'"}},
    q{{"error":"bad_request","message":"$filter: at position 13: expected at most millisecond precision but found datetime'2024-01-01T00:00:00.1234'"}},
    q{{"error":"bad_request","message":"$filter: at position 13: expected datetime'yyyy-mm-ddThh:mm[:ss[.fffffff]][Z]' but found datetime'2024-01-01T00:00:00+01:00'"}},
]



=== TEST 35: an unterminated string literal answers 400 at its opening quote
--- config
    location /api/ {
        mytimetable;
    }
--- request eval
["GET /api/users?\$filter=UserName%20eq%20'abc",
 "GET /api/users?\$filter=UserName%20eq%20'O''Brien",
 "GET /api/users?\$filter=startswith(UserName,'a')%20or%20UserName%20eq%20'",
 "GET /api/users?\$filter=LastLogIn%20eq%20datetime'2024-01-01T00:00"]
--- error_code eval
[(400) x 4]
--- response_body eval
[
    q{{"error":"bad_request","message":"$filter: at position 12: unterminated string literal"}},
    q{{"error":"bad_request","message":"$filter: at position 12: unterminated string literal"}},
    q{{"error":"bad_request","message":"$filter: at position 40: unterminated string literal"}},
    q{{"error":"bad_request","message":"$filter: at position 21: unterminated string literal"}},
]



=== TEST 36: an unknown query option answers 400; option names are case-sensitive
--- config
    location /api/ {
        mytimetable;
    }
--- request eval
["GET /api/users?\$levels=1",
 "GET /api/users?\$Filter=Enabled",
 "GET /api/users?%24Format=json",
 "GET /api/users?\$search=bob&\$top=1",
 "GET /api/users?\$"]
--- error_code eval
[(400) x 5]
--- response_body eval
[
    q{{"error":"bad_request","message":"unknown query option '$levels'"}},
    q{{"error":"bad_request","message":"unknown query option '$Filter'"}},
    q{{"error":"bad_request","message":"unknown query option '$Format'"}},
    q{{"error":"bad_request","message":"unknown query option '$search'"}},
    q{{"error":"bad_request","message":"unknown query option '$'"}},
]



=== TEST 37: a repeated query option answers 400, also when spelled once raw and once encoded
--- config
    location /api/ {
        mytimetable;
    }
--- request eval
["GET /api/users?\$top=1&\$top=2",
 "GET /api/users?\$filter=Enabled&%24filter=IsExternal",
 "GET /api/users?\$orderby=UserName&\$skip=1&\$orderby=Email",
 "GET /api/users?\$inlinecount=none&\$inlinecount=none"]
--- error_code eval
[(400) x 4]
--- response_body eval
[
    q{{"error":"bad_request","message":"repeated query option '$top'"}},
    q{{"error":"bad_request","message":"repeated query option '$filter'"}},
    q{{"error":"bad_request","message":"repeated query option '$orderby'"}},
    q{{"error":"bad_request","message":"repeated query option '$inlinecount'"}},
]



=== TEST 38: $top and $skip must be non-negative Edm.Int32 integers
--- config
    location /api/ {
        mytimetable;
    }
--- request eval
["GET /api/users?\$top=-1",
 "GET /api/users?\$top=x",
 "GET /api/users?\$top=",
 "GET /api/users?\$top",
 "GET /api/users?\$top=2147483648",
 "GET /api/users?\$skip=1.5",
 "GET /api/users?\$skip=%201",
 "GET /api/users?\$skip=99999999999999999999999",
 "GET /api/users?\$top=2147483647"]
--- error_code eval
[(400) x 8, 200]
--- response_body eval
[
    q{{"error":"bad_request","message":"$top: expected a non-negative integer but found '-1'"}},
    q{{"error":"bad_request","message":"$top: expected a non-negative integer but found 'x'"}},
    q{{"error":"bad_request","message":"$top: expected a non-negative integer but found ''"}},
    q{{"error":"bad_request","message":"$top: expected a non-negative integer but found ''"}},
    q{{"error":"bad_request","message":"$top: expected a non-negative integer no greater than 2147483647 but found '2147483648'"}},
    q{{"error":"bad_request","message":"$skip: expected a non-negative integer but found '1.5'"}},
    q{{"error":"bad_request","message":"$skip: expected a non-negative integer but found ' 1'"}},
    q{{"error":"bad_request","message":"$skip: expected a non-negative integer no greater than 2147483647 but found '99999999999999999999999'"}},
    "[]",
]



=== TEST 39: $inlinecount takes allpages or none only
--- config
    location /api/ {
        mytimetable;
    }
--- request eval
["GET /api/users?\$inlinecount=some", "GET /api/users?\$inlinecount=AllPages", "GET /api/users?\$inlinecount="]
--- error_code eval
[400, 400, 400]
--- response_body eval
[
    q{{"error":"bad_request","message":"$inlinecount: expected 'allpages' or 'none' but found 'some'"}},
    q{{"error":"bad_request","message":"$inlinecount: expected 'allpages' or 'none' but found 'AllPages'"}},
    q{{"error":"bad_request","message":"$inlinecount: expected 'allpages' or 'none' but found ''"}},
]



=== TEST 40: bad $orderby values answer 400 with their position
--- config
    location /api/ {
        mytimetable;
    }
--- request eval
["GET /api/users?\$orderby=Foo",
 "GET /api/users?\$orderby=UserName%20up",
 "GET /api/users?\$orderby=UserName%20desc%20x",
 "GET /api/users?\$orderby=,",
 "GET /api/users?\$orderby=",
 "GET /api/users?\$orderby=UserName,",
 "GET /api/users?\$orderby=Links",
 "GET /api/users?\$orderby=length(UserName)"]
--- error_code eval
[(400) x 8]
--- response_body eval
[
    q{{"error":"bad_request","message":"$orderby: at position 0: unknown field 'Foo'"}},
    q{{"error":"bad_request","message":"$orderby: at position 9: expected 'asc', 'desc', ',' or end of input but found 'up'"}},
    q{{"error":"bad_request","message":"$orderby: at position 14: expected ',' or end of input but found 'x'"}},
    q{{"error":"bad_request","message":"$orderby: at position 0: expected a field name but found ','"}},
    q{{"error":"bad_request","message":"$orderby: at position 0: expected a field name but found end of input"}},
    q{{"error":"bad_request","message":"$orderby: at position 9: expected a field name but found end of input"}},
    q{{"error":"bad_request","message":"$orderby: at position 0: unknown field 'Links'"}},
    q{{"error":"bad_request","message":"$orderby: at position 0: unknown field 'length'"}},
]



=== TEST 41: an empty $filter answers 400
--- config
    location /api/ {
        mytimetable;
    }
--- request eval
["GET /api/users?\$filter=", "GET /api/users?\$filter=%20%09"]
--- error_code eval
[400, 400]
--- response_body eval
[
    q{{"error":"bad_request","message":"$filter: the expression is empty"}},
    q{{"error":"bad_request","message":"$filter: the expression is empty"}},
]



=== TEST 42: a $filter of 4096 bytes is accepted, one of 4097 bytes answers 400
--- config
    location /api/ {
        mytimetable;
    }
--- request eval
["GET /api/users?\$filter=UserName%20eq%20'" . ("x" x 4082) . "'",
 "GET /api/users?\$filter=UserName%20eq%20'" . ("x" x 4083) . "'"]
--- error_code eval
[200, 400]
--- response_body eval
["[]", q{{"error":"bad_request","message":"$filter: longer than 4096 bytes"}}]



=== TEST 43: the $filter bound counts bytes after percent decoding
--- config
    large_client_header_buffers 4 64k;
    location /api/ {
        mytimetable;
    }
--- request eval
["GET /api/users?\$filter=UserName%20eq%20'" . ("%78" x 4082) . "'",
 "GET /api/users?\$filter=UserName%20eq%20'" . ("%78" x 4083) . "'"]
--- error_code eval
[200, 400]
--- response_body eval
["[]", q{{"error":"bad_request","message":"$filter: longer than 4096 bytes"}}]



=== TEST 44: 32 levels of parentheses are accepted, the 33rd answers 400 at its position
--- config
    location /api/ {
        mytimetable;
    }
--- request eval
["GET /api/users?\$filter=" . ("(" x 32) . "Enabled" . (")" x 32),
 "GET /api/users?\$filter=" . ("(" x 33) . "Enabled" . (")" x 33)]
--- error_code eval
[200, 400]
--- response_body eval
["[]", q{{"error":"bad_request","message":"$filter: at position 32: nesting deeper than 32"}}]



=== TEST 45: not and function calls count as nesting levels too
--- config
    location /api/ {
        mytimetable;
    }
--- request eval
["GET /api/users?\$filter=" . ("not%20" x 32) . "Enabled",
 "GET /api/users?\$filter=" . ("not%20" x 33) . "Enabled",
 "GET /api/users?\$filter=" . ("not%20" x 31) . "startswith(UserName,'a')",
 "GET /api/users?\$filter=" . ("not%20" x 31) . "(startswith(UserName,'a'))",
 "GET /api/users?\$filter=" . ("trim(" x 32) . "UserName" . (")" x 32) . "%20eq%20'x'",
 "GET /api/users?\$filter=" . ("trim(" x 33) . "UserName" . (")" x 33) . "%20eq%20'x'",
 "GET /api/users?\$filter=" . ("(" x 31) . "length(trim(UserName))%20eq%201" . (")" x 31)]
--- error_code eval
[200, 400, 200, 400, 200, 400, 400]
--- response_body eval
["[]",
 q{{"error":"bad_request","message":"$filter: at position 128: nesting deeper than 32"}},
 "[]",
 q{{"error":"bad_request","message":"$filter: at position 125: nesting deeper than 32"}},
 "[]",
 q{{"error":"bad_request","message":"$filter: at position 160: nesting deeper than 32"}},
 q{{"error":"bad_request","message":"$filter: at position 38: nesting deeper than 32"}}]



=== TEST 46: an option value or name that cannot be decoded answers 400
--- config
    location /api/ {
        mytimetable;
    }
--- request eval
["GET /api/users?\$filter=%00",
 "GET /api/users?\$filter=UserName%20eq%20'caf%E9'",
 "GET /api/users?\$filter=UserName%20eq%20'%zz'",
 "GET /api/users?%24to%zz=1",
 "GET /api/users?\$orderby=UserName%C3"]
--- error_code eval
[(400) x 5]
--- response_body eval
[
    q{{"error":"bad_request","message":"$filter: cannot be decoded: it contains a NUL byte at byte 0"}},
    q{{"error":"bad_request","message":"$filter: cannot be decoded: it is not valid UTF-8 (at decoded byte 16)"}},
    q{{"error":"bad_request","message":"$filter: cannot be decoded: the '%' at byte 17 is not followed by two hex digits"}},
    q{{"error":"bad_request","message":"query option name '%24to%zz' cannot be decoded: the '%' at byte 5 is not followed by two hex digits"}},
    q{{"error":"bad_request","message":"$orderby: cannot be decoded: it is not valid UTF-8 (at decoded byte 8)"}},
]



=== TEST 47: options are read left to right and the first error wins
--- config
    location /api/ {
        mytimetable;
    }
--- request eval
["GET /api/users?\$top=x&\$skip=y",
 "GET /api/users?\$skip=y&\$top=x",
 "GET /api/users?\$filter=Foo%20eq%201&\$expand=x",
 "GET /api/users?\$expand=x&\$filter=Foo%20eq%201"]
--- error_code eval
[(400) x 4]
--- response_body eval
[
    q{{"error":"bad_request","message":"$top: expected a non-negative integer but found 'x'"}},
    q{{"error":"bad_request","message":"$skip: expected a non-negative integer but found 'y'"}},
    q{{"error":"bad_request","message":"$filter: at position 0: unknown field 'Foo'"}},
    q{{"error":"bad_request","message":"$expand: at position 0: cannot expand 'x': only Groups can be expanded"}},
]



=== TEST 48: quoted input longer than 40 bytes is cut in error messages
--- config
    location /api/ {
        mytimetable;
    }
--- request eval
["GET /api/users?\$filter=" . ("A" x 50) . "%20eq%201",
 "GET /api/users?\$top=" . ("9" x 45)]
--- error_code eval
[400, 400]
--- response_body eval
[
    '{"error":"bad_request","message":"$filter: at position 0: unknown field \'' . ("A" x 40) . '...\'"}',
    '{"error":"bad_request","message":"$top: expected a non-negative integer no greater than 2147483647 but found \'' . ("9" x 40) . '...\'"}',
]
