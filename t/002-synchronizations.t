# Provisioning API v0: synchronizations (contract section 2).
use Test::Nginx::Socket 'no_plan';

use MyTimetable::Blocks;

store_per_block(); # a fresh store for every block

no_shuffle();
run_tests();

__DATA__

=== TEST 1: an empty store lists no synchronizations
--- config
    location /api/ {
        mytimetable;
    }
--- request
GET /api/v0/synchronizations
--- error_code: 200
--- response_headers
Content-Type: application/json; charset=utf-8
--- response_body chomp
{"synchronizations":[]}



=== TEST 2: PUT sets up synchronizations; GET lists them by id, a mailbox one with its address
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
    "PUT /api/v0/synchronizations\nusername=alice&type=o365&provisioning_smtpAddress=alice\@example.org",
    "PUT /api/v0/synchronizations\nusername=bob&type=googlecalendar",
    "PUT /api/v0/synchronizations\nusername=alice&type=ews&provisioning_smtpAddress=alice%40example.org",
    "GET /api/v0/synchronizations",
]
--- error_code eval
[204, 204, 204, 204, 204, 200]
--- response_body eval
["", "", "", "", "",
 '{"synchronizations":[{"id":1,"type":"o365","username":"alice","description":"alice@example.org","enabled":true,"status":"OK","lastResync":null},{"id":2,"type":"googlecalendar","username":"bob","description":null,"enabled":true,"status":"OK","lastResync":null},{"id":3,"type":"ews","username":"alice","description":"alice@example.org","enabled":true,"status":"OK","lastResync":null}]}']



=== TEST 3: a second PUT of the same user and type updates it in place
--- config
    location /api/ {
        mytimetable;
    }
--- more_headers
Content-Type: application/x-www-form-urlencoded
--- request eval
[
    "PUT /api/v0/users/alice",
    "PUT /api/v0/synchronizations\nusername=alice&type=ews&provisioning_smtpAddress=alice\@old.example.org",
    "PUT /api/v0/synchronizations\nusername=alice&type=ews&provisioning_smtpAddress=alice\@new.example.org",
    "GET /api/v0/synchronizations",
]
--- error_code eval
[204, 204, 204, 200]
--- response_body eval
["", "", "",
 '{"synchronizations":[{"id":1,"type":"ews","username":"alice","description":"alice@new.example.org","enabled":true,"status":"OK","lastResync":null}]}']



=== TEST 4: ids are never reused after a delete
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
    "DELETE /api/v0/synchronizations/1?unlinkMode=UNLINK_ONLY",
    "PUT /api/v0/synchronizations\nusername=alice&type=googlecalendar",
    "GET /api/v0/synchronizations",
]
--- error_code eval
[204, 204, 204, 204, 200]
--- response_body eval
["", "", "", "", '{"synchronizations":[{"id":2,"type":"googlecalendar","username":"alice","description":null,"enabled":true,"status":"OK","lastResync":null}]}']



=== TEST 5: an unknown user answers 422
--- config
    location /api/ {
        mytimetable;
    }
--- more_headers
Content-Type: application/x-www-form-urlencoded
--- request
PUT /api/v0/synchronizations
username=ghost&type=googlecalendar
--- error_code: 422
--- response_headers
Content-Type: application/json; charset=utf-8
--- response_body chomp
{"error":"unprocessable_entity","message":"no user \"ghost\""}



=== TEST 6: a missing username answers 400
--- config
    location /api/ {
        mytimetable;
    }
--- more_headers
Content-Type: application/x-www-form-urlencoded
--- request
PUT /api/v0/synchronizations
type=googlecalendar
--- error_code: 400
--- response_body chomp
{"error":"bad_request","message":"missing form field username"}



=== TEST 7: a missing type answers 400
--- config
    location /api/ {
        mytimetable;
    }
--- more_headers
Content-Type: application/x-www-form-urlencoded
--- request
PUT /api/v0/synchronizations
username=alice
--- error_code: 400
--- response_body chomp
{"error":"bad_request","message":"missing form field type"}



=== TEST 8: an unknown type answers 400 and names the known ones
--- config
    location /api/ {
        mytimetable;
    }
--- more_headers
Content-Type: application/x-www-form-urlencoded
--- request
PUT /api/v0/synchronizations
username=alice&type=caldav
--- error_code: 400
--- response_body chomp
{"error":"bad_request","message":"unknown synchronization type \"caldav\": use one of o365, ews, googlecalendar"}



=== TEST 9: a mailbox type without an address answers 400
--- config
    location /api/ {
        mytimetable;
    }
--- more_headers
Content-Type: application/x-www-form-urlencoded
--- request
PUT /api/v0/synchronizations
username=alice&type=o365&provisioning_smtpAddress=
--- error_code: 400
--- response_body chomp
{"error":"bad_request","message":"missing form field provisioning_smtpAddress: the type \"o365\" needs the user's mailbox address"}



=== TEST 10: an address that is not an address answers 400
--- config
    location /api/ {
        mytimetable;
    }
--- more_headers
Content-Type: application/x-www-form-urlencoded
--- request
PUT /api/v0/synchronizations
username=alice&type=ews&provisioning_smtpAddress=alice.example.org
--- error_code: 400
--- response_body chomp
{"error":"bad_request","message":"invalid provisioning_smtpAddress: it has no '@'"}



=== TEST 11: an address with a bad domain answers 400
--- config
    location /api/ {
        mytimetable;
    }
--- more_headers
Content-Type: application/x-www-form-urlencoded
--- request
PUT /api/v0/synchronizations
username=alice&type=ews&provisioning_smtpAddress=alice@-example.org
--- error_code: 400
--- response_body chomp
{"error":"bad_request","message":"invalid provisioning_smtpAddress: the domain is not a valid host name"}



=== TEST 12: an address for a type without a mailbox answers 400
--- config
    location /api/ {
        mytimetable;
    }
--- more_headers
Content-Type: application/x-www-form-urlencoded
--- request
PUT /api/v0/synchronizations
username=alice&type=googlecalendar&provisioning_smtpAddress=alice@example.org
--- error_code: 400
--- response_body chomp
{"error":"bad_request","message":"form field provisioning_smtpAddress does not apply to the type \"googlecalendar\""}



=== TEST 13: a body that is not form-encoded answers 415
--- config
    location /api/ {
        mytimetable;
    }
--- more_headers
Content-Type: application/json
--- request
PUT /api/v0/synchronizations
{"username":"alice","type":"googlecalendar"}
--- error_code: 415
--- response_body chomp
{"error":"unsupported_media_type","message":"the body must be application/x-www-form-urlencoded"}



=== TEST 14: a body without a Content-Type answers 415
--- config
    location /api/ {
        mytimetable;
    }
--- request
PUT /api/v0/synchronizations
username=alice&type=googlecalendar
--- error_code: 415
--- response_body chomp
{"error":"unsupported_media_type","message":"the body must be application/x-www-form-urlencoded"}



=== TEST 15: a repeated field answers 400
--- config
    location /api/ {
        mytimetable;
    }
--- more_headers
Content-Type: application/x-www-form-urlencoded
--- request
PUT /api/v0/synchronizations
username=alice&type=googlecalendar&username=bob
--- error_code: 400
--- response_body chomp
{"error":"bad_request","message":"form field username is given 2 times; give it once"}



=== TEST 16: a field that is not UTF-8 answers 400
--- config
    location /api/ {
        mytimetable;
    }
--- more_headers
Content-Type: application/x-www-form-urlencoded
--- request
PUT /api/v0/synchronizations
username=caf%E9&type=googlecalendar
--- error_code: 400
--- response_body chomp
{"error":"bad_request","message":"form field \"username\": it is not valid UTF-8 (at decoded byte 3)"}



=== TEST 17: a broken escape in the form answers 400
--- config
    location /api/ {
        mytimetable;
    }
--- more_headers
Content-Type: application/x-www-form-urlencoded
--- request
PUT /api/v0/synchronizations
username=ali%2&type=googlecalendar
--- error_code: 400
--- response_body chomp
{"error":"bad_request","message":"form field \"username\": the '%' at byte 3 is not followed by two hex digits"}



=== TEST 18: '+', escapes, empty pairs and a charset parameter are all understood
--- config
    location /api/ {
        mytimetable;
    }
--- more_headers
Content-Type: Application/X-WWW-Form-Urlencoded; charset=UTF-8
--- request eval
[
    "PUT /api/v0/users/mary%20ann",
    "PUT /api/v0/synchronizations\n&username=mary+ann&&type=%65ws&provisioning_smtpAddress=mary.ann%40example.org&extra=&",
    "GET /api/v0/synchronizations",
]
--- error_code eval
[204, 204, 200]
--- response_body eval
["", "", '{"synchronizations":[{"id":1,"type":"ews","username":"mary ann","description":"mary.ann@example.org","enabled":true,"status":"OK","lastResync":null}]}']



=== TEST 19: mytimetable_sync_type replaces the default types
--- http_config
    mytimetable_sync_type caldav;
    mytimetable_sync_type exchange mailbox;
--- config
    location /api/ {
        mytimetable;
    }
--- more_headers
Content-Type: application/x-www-form-urlencoded
--- request eval
[
    "PUT /api/v0/users/alice",
    "PUT /api/v0/synchronizations\nusername=alice&type=caldav",
    "PUT /api/v0/synchronizations\nusername=alice&type=exchange",
    "PUT /api/v0/synchronizations\nusername=alice&type=o365&provisioning_smtpAddress=a\@example.org",
]
--- error_code eval
[204, 204, 400, 400]
--- response_body eval
["", "",
 '{"error":"bad_request","message":"missing form field provisioning_smtpAddress: the type \"exchange\" needs the user\'s mailbox address"}',
 '{"error":"bad_request","message":"unknown synchronization type \"o365\": use one of caldav, exchange"}']



=== TEST 20: DELETE of an unknown synchronization answers 422
--- config
    location /api/ {
        mytimetable;
    }
--- request
DELETE /api/v0/synchronizations/7?unlinkMode=UNLINK_ONLY
--- error_code: 422
--- response_body chomp
{"error":"unprocessable_entity","message":"no synchronization with id 7"}



=== TEST 21: DELETE without unlinkMode answers 400
--- config
    location /api/ {
        mytimetable;
    }
--- request
DELETE /api/v0/synchronizations/1
--- error_code: 400
--- response_body chomp
{"error":"bad_request","message":"missing query parameter unlinkMode: use one of UNLINK_ONLY, DELETE_FUTURE_EVENTS, DELETE_ALL_EVENTS, CLEANUP"}



=== TEST 22: DELETE with an unknown unlinkMode answers 400
--- config
    location /api/ {
        mytimetable;
    }
--- request
DELETE /api/v0/synchronizations/1?unlinkMode=unlink_only
--- error_code: 400
--- response_body chomp
{"error":"bad_request","message":"invalid unlinkMode \"unlink_only\": use one of UNLINK_ONLY, DELETE_FUTURE_EVENTS, DELETE_ALL_EVENTS, CLEANUP"}



=== TEST 23: DELETE with unlinkMode given twice answers 400
--- config
    location /api/ {
        mytimetable;
    }
--- request
DELETE /api/v0/synchronizations/1?unlinkMode=CLEANUP&unlinkMode=UNLINK_ONLY
--- error_code: 400
--- response_body chomp
{"error":"bad_request","message":"query parameter unlinkMode is given 2 times; give it once"}



=== TEST 24: DELETE with an id that is not a positive integer answers 400
--- config
    location /api/ {
        mytimetable;
    }
--- request eval
[
    "DELETE /api/v0/synchronizations/abc?unlinkMode=UNLINK_ONLY",
    "DELETE /api/v0/synchronizations/0?unlinkMode=UNLINK_ONLY",
    "DELETE /api/v0/synchronizations/-1?unlinkMode=UNLINK_ONLY",
    "DELETE /api/v0/synchronizations/01?unlinkMode=UNLINK_ONLY",
    "DELETE /api/v0/synchronizations/99999999999999999999?unlinkMode=UNLINK_ONLY",
]
--- error_code eval
[400, 400, 400, 400, 400]
--- response_body eval
[('{"error":"bad_request","message":"invalid synchronization id: expected a positive integer"}') x 5]



=== TEST 25: deleting a user removes its synchronizations
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
    "DELETE /api/v0/users/alice",
    "GET /api/v0/synchronizations",
]
--- error_code eval
[204, 204, 204, 204, 204, 200]
--- response_body eval
["", "", "", "", "", '{"synchronizations":[{"id":2,"type":"googlecalendar","username":"bob","description":null,"enabled":true,"status":"OK","lastResync":null}]}']



=== TEST 26: POST on the collection answers 405 with Allow
--- config
    location /api/ {
        mytimetable;
    }
--- request
POST /api/v0/synchronizations
--- error_code: 405
--- response_headers
Allow: GET, HEAD, PUT
--- response_body chomp
{"error":"method_not_allowed","message":"the method POST is not allowed here; allowed: GET, HEAD, PUT"}



=== TEST 27: enabled=false disables a synchronization; it takes no events; enabled=TRUE enables it again
--- config
    location /api/ {
        mytimetable;
    }
--- more_headers
Content-Type: application/x-www-form-urlencoded
--- request eval
[
    "PUT /api/v0/users/alice",
    "PUT /api/v0/synchronizations\nusername=alice&type=googlecalendar&enabled=false",
    "GET /api/v0/synchronizations",
    "PUT /api/v0/synchronizations/1/events/e1\nstart=2030-01-01T10:00:00Z&end=2030-01-01T11:00:00Z&summary=Maths&location=Room+B",
    "GET /api/v0/synchronizations/1/events",
    "PUT /api/v0/synchronizations\nusername=alice&type=googlecalendar",
    "GET /api/v0/synchronizations",
    "PUT /api/v0/synchronizations\nusername=alice&type=googlecalendar&enabled=TRUE",
    "GET /api/v0/synchronizations",
]
--- error_code eval
[204, 204, 200, 422, 200, 204, 200, 204, 200]
--- response_body eval
["", "",
 '{"synchronizations":[{"id":1,"type":"googlecalendar","username":"alice","description":null,"enabled":false,"status":"DISABLED","lastResync":null}]}',
 '{"error":"unprocessable_entity","message":"the synchronization with id 1 is disabled: it takes no events until a PUT v0/synchronizations sets enabled=true"}',
 '{"events":[]}',
 "",
 '{"synchronizations":[{"id":1,"type":"googlecalendar","username":"alice","description":null,"enabled":false,"status":"DISABLED","lastResync":null}]}',
 "",
 '{"synchronizations":[{"id":1,"type":"googlecalendar","username":"alice","description":null,"enabled":true,"status":"OK","lastResync":null}]}']



=== TEST 28: an enabled that is not true or false answers 400
--- config
    location /api/ {
        mytimetable;
    }
--- more_headers
Content-Type: application/x-www-form-urlencoded
--- request
PUT /api/v0/synchronizations
username=alice&type=googlecalendar&enabled=bogus
--- error_code: 400
--- response_body chomp
{"error":"bad_request","message":"invalid enabled \"bogus\": use true or false"}



=== TEST 29: lastResync becomes the time in milliseconds of the latest event written
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
    "PUT /api/v0/synchronizations/1/events/e1\nstart=2030-01-01T10:00:00Z&end=2030-01-01T11:00:00Z&summary=Maths&location=Room+B",
    "GET /api/v0/synchronizations",
]
--- error_code eval
[204, 204, 204, 200]
--- response_body_like eval
["^\$", "^\$", "^\$",
 qr/^\{"synchronizations":\[\{"id":1,"type":"googlecalendar","username":"alice","description":null,"enabled":true,"status":"OK","lastResync":(?:1[7-9]|[2-9]\d)\d{11}\}\]\}\z/]
