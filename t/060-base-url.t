# mytimetable_base_url behind reverse proxies: the absolute URLs of answers
# (Location, Self, Links) come from variables that nginx evaluates for every
# request, such as the headers a TLS-terminating proxy forwards; a value
# that is not an absolute http(s) URL is the operator's mistake: 500 and a
# log line naming the directive and what it gave.
use Test::Nginx::Socket 'no_plan';

use MyTimetable::Blocks;

store_per_block();

no_shuffle();
run_tests();

__DATA__

=== TEST 1: Location comes from the headers the proxy forwards
--- config
    location /api/ {
        mytimetable_base_url $http_x_forwarded_proto://$http_x_forwarded_host$http_x_forwarded_prefix/api;
        mytimetable;
    }
--- more_headers
Content-Type: application/x-www-form-urlencoded
X-Forwarded-Proto: https
X-Forwarded-Host: timetable.example.edu
X-Forwarded-Prefix: /tt
--- request
PUT /api/v0/users/bob
displayName=Bob
--- response_headers
Location: https://timetable.example.edu/tt/api/v0/users/bob
--- error_code: 201



=== TEST 2: each host name of the proxy gets its own URLs
--- config
    location /api/ {
        mytimetable_base_url $http_x_forwarded_proto://$http_x_forwarded_host/api/;
        mytimetable;
    }
--- request eval
["PUT /api/v0/users/bob\ndisplayName=Bob", "PUT /api/v0/users/carol\ndisplayName=Carol"]
--- more_headers eval
["X-Forwarded-Proto: https\nX-Forwarded-Host: a.example.edu\nContent-Type: application/x-www-form-urlencoded", "X-Forwarded-Proto: http\nX-Forwarded-Host: b.example.edu:8080\nContent-Type: application/x-www-form-urlencoded"]
--- response_headers eval
["Location: https://a.example.edu/api/v0/users/bob", "Location: http://b.example.edu:8080/api/v0/users/carol"]
--- error_code eval
[201, 201]



=== TEST 3: $scheme://$host follows the Host header of each request
--- config
    location /api/ {
        mytimetable_base_url $scheme://$host/api;
        mytimetable;
    }
--- request
PUT /api/v0/users/bob
displayName=Bob
--- more_headers
Content-Type: application/x-www-form-urlencoded
Host: rooster.school.example
--- response_headers
Location: http://rooster.school.example/api/v0/users/bob
--- error_code: 201



=== TEST 4: the directory's Self and Links use the evaluated base URL
--- config
    location /api/ {
        mytimetable_base_url $http_x_forwarded_proto://$http_x_forwarded_host/api/;
        mytimetable;
    }
--- more_headers
X-Forwarded-Proto: https
X-Forwarded-Host: tt.example.edu
Content-Type: application/json
--- request
POST /api/users
{"UserName":"janed","Email":"janed@example.edu"}
--- response_headers_like
Location: https://tt\.example\.edu/api/user/[0-9a-f-]{36}
--- response_body_like: ^\[\{"Id":"[0-9a-f-]{36}",.*"Self":"https://tt\.example\.edu/api/user/[0-9a-f-]{36}","Links":\[\{"Href":"https://tt\.example\.edu/api/user/
--- error_code: 201



=== TEST 5: a request without the forwarded headers gives no URL: 500 and the log names the directive and the value
--- config
    location /api/ {
        mytimetable_base_url $http_x_forwarded_proto://$http_x_forwarded_host/api/;
        mytimetable;
    }
--- request
GET /api/v0/users
--- error_code: 500
--- response_headers
Content-Type: application/json; charset=utf-8
--- response_body chomp
{"error":"internal_error","message":"the base URL is misconfigured; see the error log"}
--- error_log
mytimetable: "mytimetable_base_url $http_x_forwarded_proto://$http_x_forwarded_host/api/" gave ":///api/": expected an absolute http:// or https:// URL without query or fragment



=== TEST 6: a forwarded value with a query part is refused the same way
--- config
    location /api/ {
        mytimetable_base_url https://$http_x_forwarded_host/api/;
        mytimetable;
    }
--- more_headers
X-Forwarded-Host: evil.example?x=
--- request
GET /api/v0/users
--- error_code: 500
--- response_body chomp
{"error":"internal_error","message":"the base URL is misconfigured; see the error log"}
--- error_log
gave "https://evil.example?x=/api/": expected an absolute http:// or https:// URL without query or fragment



=== TEST 7: a fixed base URL without its final '/' gets one
--- config
    location /api/ {
        mytimetable_base_url https://tt.example.edu/rooster/api;
        mytimetable;
    }
--- more_headers
Content-Type: application/x-www-form-urlencoded
--- request
PUT /api/v0/users/bob
displayName=Bob
--- response_headers
Location: https://tt.example.edu/rooster/api/v0/users/bob
--- error_code: 201



=== TEST 8: set at server level, it is inherited by the locations
--- config
    mytimetable_base_url https://$http_x_forwarded_host/api/;
    location /api/ {
        mytimetable;
    }
--- more_headers
Content-Type: application/x-www-form-urlencoded
X-Forwarded-Host: tt.example.edu
--- request
PUT /api/v0/users/bob
displayName=Bob
--- response_headers
Location: https://tt.example.edu/api/v0/users/bob
--- error_code: 201



=== TEST 9: only the proxy's forwarded headers count: a map on $realip_remote_addr
--- config
    set_real_ip_from 127.0.0.1;
    real_ip_header X-Forwarded-For;
    location /api/ {
        mytimetable_base_url $api_base;
        mytimetable;
    }
--- http_config
    map $realip_remote_addr $api_base {
        127.0.0.1  $http_x_forwarded_proto://$http_x_forwarded_host/api/;
        default    $scheme://$host/api/;
    }
--- more_headers
Content-Type: application/x-www-form-urlencoded
X-Forwarded-Proto: https
X-Forwarded-Host: tt.example.edu
X-Forwarded-For: 192.0.2.7
--- request
PUT /api/v0/users/bob
displayName=Bob
--- response_headers
Location: https://tt.example.edu/api/v0/users/bob
--- error_code: 201



=== TEST 10: ... and a client that is not the proxy gets the URLs of its own request
--- config
    location /api/ {
        mytimetable_base_url $api_base;
        mytimetable;
    }
--- http_config
    map $realip_remote_addr $api_base {
        192.0.2.1  $http_x_forwarded_proto://$http_x_forwarded_host/api/;
        default    $scheme://$host/api/;
    }
--- more_headers
Content-Type: application/x-www-form-urlencoded
X-Forwarded-Proto: https
X-Forwarded-Host: evil.example
--- request
PUT /api/v0/users/bob
displayName=Bob
--- response_headers
Location: http://localhost/api/v0/users/bob
--- error_code: 201
