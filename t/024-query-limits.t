# mytimetable_query_max_scan: a directory query that would read more users
# and index entries than the limit answers 400 naming it; indexed queries
# and short index walks stay within it.
use Test::Nginx::Socket 'no_plan';

use MyTimetable::Blocks;

store_per_block(); # a fresh store for every block

# twelve users u0 ... u11 (UserName order: u0 u1 u10 u11 u2 ... u9)
our @make = map { "PUT /api/v0/users/u$_\n" } 0 .. 11;
our $limit = '{"error":"bad_request","message":"the query would read more than 10 users and index '
    . 'entries (mytimetable_query_max_scan 10): add to $filter a condition on an indexed field '
    . '(UserName, Email, FirstName, LastName or Id with eq, in, gt, ge, lt, le or startswith), or '
    . 'ask for a smaller $skip"}';

no_shuffle();
run_tests();

__DATA__

=== TEST 1: a filter that must read every user is refused when there are more users than the limit
--- http_config
    mytimetable_query_max_scan 10;
--- config
    location /api/ {
        mytimetable;
    }
--- more_headers
Content-Type: application/x-www-form-urlencoded
--- request eval
[@main::make, "GET /api/users?\$filter=substringof('1',UserName)&\$select=UserName"]
--- error_code eval
[(204) x 12, 400]
--- response_body eval
[("") x 12, $main::limit]



=== TEST 2: an indexed filter reads only its range and answers under the same limit
--- http_config
    mytimetable_query_max_scan 10;
--- config
    location /api/ {
        mytimetable;
    }
--- more_headers
Content-Type: application/x-www-form-urlencoded
--- request eval
[@main::make,
 "GET /api/users?\$filter=UserName%20eq%20'u3'&\$select=UserName",
 "GET /api/users?\$filter=startswith(UserName,'u1')%20and%20UserName%20ne%20'u10'&\$select=UserName&\$inlinecount=allpages"]
--- error_code eval
[(204) x 12, 200, 200]
--- response_body eval
[("") x 12, '[{"UserName":"u3"}]',
 '{"Skip":0,"Top":null,"Total":2,"Items":[{"UserName":"u1"},{"UserName":"u11"}]}']



=== TEST 3: a walk of the username index counts what it skips: $skip 3 $top 2 reads 5; $skip 10 $top 1 is reached from the other end (3 read); $skip 1 $top 10 reads 11 and is refused
--- http_config
    mytimetable_query_max_scan 10;
--- config
    location /api/ {
        mytimetable;
    }
--- more_headers
Content-Type: application/x-www-form-urlencoded
--- request eval
[@main::make, "GET /api/users?\$top=2&\$skip=3&\$select=UserName",
 "GET /api/users?\$top=1&\$skip=10&\$select=UserName",
 "GET /api/users?\$top=10&\$skip=1&\$select=UserName"]
--- error_code eval
[(204) x 12, 200, 200, 400]
--- response_body eval
[("") x 12, '[{"UserName":"u11"},{"UserName":"u2"}]', '[{"UserName":"u8"}]', $main::limit]



=== TEST 4: without the directive (1000000 by default) the same full scan answers
--- config
    location /api/ {
        mytimetable;
    }
--- more_headers
Content-Type: application/x-www-form-urlencoded
--- request eval
[@main::make, "GET /api/users?\$filter=substringof('1',UserName)&\$select=UserName"]
--- error_code eval
[(204) x 12, 200]
--- response_body eval
[("") x 12, '[{"UserName":"u1"},{"UserName":"u10"},{"UserName":"u11"}]']



=== TEST 5: 0 means no limit
--- http_config
    mytimetable_query_max_scan 0;
--- config
    location /api/ {
        mytimetable;
    }
--- more_headers
Content-Type: application/x-www-form-urlencoded
--- request eval
[@main::make, "GET /api/users?\$top=1&\$skip=11&\$select=UserName"]
--- error_code eval
[(204) x 12, 200]
--- response_body eval
[("") x 12, '[{"UserName":"u9"}]']
