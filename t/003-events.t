# The event ledger and unlinkMode (contract section 2, "unlinkMode and the event ledger").
use Test::Nginx::Socket 'no_plan';

use MyTimetable::Blocks;
use MyTimetable::ICalJS;

store_per_block(); # a fresh store for every block

# One event as the API lists it.
sub ev {
    my ($id, $sync, $instance, $start, $end, $summary, $location) = @_;
    $location //= "";
    return qq({"id":"$id","synchronization":$sync,"instance":"$instance",)
         . qq("start":"$start","end":"$end","summary":"$summary","location":"$location"});
}

sub events { return '{"events":[' . join(",", @_) . ']}' }

# alice gets synchronization 1 with event "old", which is unlinked (events
# stay); then synchronization 2 with a past event, a future event and a future
# event pushed by another instance. bob's synchronization 3 has one event.
our @setup = (
    "PUT /api/v0/users/alice",
    "PUT /api/v0/users/bob",
    "PUT /api/v0/synchronizations\nusername=alice&type=googlecalendar",
    "PUT /api/v0/synchronizations/1/events/old\nstart=2010-05-01T08:00:00Z&end=2010-05-01T09:00:00Z&summary=Old&location=",
    "DELETE /api/v0/synchronizations/1?unlinkMode=UNLINK_ONLY",
    "PUT /api/v0/synchronizations\nusername=alice&type=googlecalendar",
    "PUT /api/v0/synchronizations/2/events/past\nstart=2000-01-01T10:00:00Z&end=2000-01-01T11:00:00Z&summary=Past&location=",
    "PUT /api/v0/synchronizations/2/events/future\nstart=2099-01-01T10:00:00Z&end=2099-01-01T11:00:00Z&summary=Future&location=",
    "PUT /api/v0/synchronizations/2/events/imported\nstart=2099-01-02T10:00:00Z&end=2099-01-02T11:00:00Z&summary=Imported&location=&instance=legacy",
    "PUT /api/v0/synchronizations\nusername=bob&type=googlecalendar",
    "PUT /api/v0/synchronizations/3/events/bobs\nstart=2099-01-01T10:00:00Z&end=2099-01-01T11:00:00Z&summary=Bob&location=",
);
our @setup_codes = (204) x @setup;
our @setup_bodies = ("") x @setup;

our %E = (
    old      => ev("old", 1, "default", "2010-05-01T08:00:00Z", "2010-05-01T09:00:00Z", "Old"),
    past     => ev("past", 2, "default", "2000-01-01T10:00:00Z", "2000-01-01T11:00:00Z", "Past"),
    future   => ev("future", 2, "default", "2099-01-01T10:00:00Z", "2099-01-01T11:00:00Z", "Future"),
    imported => ev("imported", 2, "legacy", "2099-01-02T10:00:00Z", "2099-01-02T11:00:00Z", "Imported"),
    bobs     => ev("bobs", 3, "default", "2099-01-01T10:00:00Z", "2099-01-01T11:00:00Z", "Bob"),
);

no_shuffle();
run_tests();

__DATA__

=== TEST 1: events are listed by start, per synchronization and per user
--- config
    location /api/ {
        mytimetable;
    }
--- more_headers
Content-Type: application/x-www-form-urlencoded
--- request eval
[@main::setup, "GET /api/v0/synchronizations/2/events", "GET /api/v0/users/alice/events"]
--- error_code eval
[@main::setup_codes, 200, 200]
--- response_body eval
[@main::setup_bodies,
 main::events(@main::E{qw(past future imported)}),
 main::events(@main::E{qw(past old future imported)})]



=== TEST 2: UNLINK_ONLY leaves every event in place
--- config
    location /api/ {
        mytimetable;
    }
--- more_headers
Content-Type: application/x-www-form-urlencoded
--- request eval
[@main::setup, "DELETE /api/v0/synchronizations/2?unlinkMode=UNLINK_ONLY",
 "GET /api/v0/users/alice/events", "GET /api/v0/users/bob/events", "GET /api/v0/synchronizations/2/events"]
--- error_code eval
[@main::setup_codes, 204, 200, 200, 422]
--- response_body eval
[@main::setup_bodies, "",
 main::events(@main::E{qw(past old future imported)}),
 main::events($main::E{bobs}),
 '{"error":"unprocessable_entity","message":"no synchronization with id 2"}']



=== TEST 3: DELETE_FUTURE_EVENTS removes this synchronization's events that start after now
--- config
    location /api/ {
        mytimetable;
    }
--- more_headers
Content-Type: application/x-www-form-urlencoded
--- request eval
[@main::setup, "DELETE /api/v0/synchronizations/2?unlinkMode=DELETE_FUTURE_EVENTS",
 "GET /api/v0/users/alice/events", "GET /api/v0/users/bob/events"]
--- error_code eval
[@main::setup_codes, 204, 200, 200]
--- response_body eval
[@main::setup_bodies, "",
 main::events(@main::E{qw(past old)}),
 main::events($main::E{bobs})]



=== TEST 4: DELETE_ALL_EVENTS removes all of this synchronization's events
--- config
    location /api/ {
        mytimetable;
    }
--- more_headers
Content-Type: application/x-www-form-urlencoded
--- request eval
[@main::setup, "DELETE /api/v0/synchronizations/2?unlinkMode=DELETE_ALL_EVENTS",
 "GET /api/v0/users/alice/events", "GET /api/v0/users/bob/events"]
--- error_code eval
[@main::setup_codes, 204, 200, 200]
--- response_body eval
[@main::setup_bodies, "",
 main::events($main::E{old}),
 main::events($main::E{bobs})]



=== TEST 5: CLEANUP removes all of the user's events pushed by this instance, of any synchronization
--- config
    location /api/ {
        mytimetable;
    }
--- more_headers
Content-Type: application/x-www-form-urlencoded
--- request eval
[@main::setup, "DELETE /api/v0/synchronizations/2?unlinkMode=CLEANUP",
 "GET /api/v0/users/alice/events", "GET /api/v0/users/bob/events"]
--- error_code eval
[@main::setup_codes, 204, 200, 200]
--- response_body eval
[@main::setup_bodies, "",
 main::events($main::E{imported}),
 main::events($main::E{bobs})]



=== TEST 6: CLEANUP acts for the configured instance id
--- http_config
    mytimetable_instance_id legacy;
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
    "PUT /api/v0/synchronizations/1/events/mine\nstart=2099-01-01T10:00:00Z&end=2099-01-01T11:00:00Z&summary=Mine&location=",
    "PUT /api/v0/synchronizations/1/events/theirs\nstart=2099-01-01T12:00:00Z&end=2099-01-01T13:00:00Z&summary=Theirs&location=&instance=default",
    "DELETE /api/v0/synchronizations/1?unlinkMode=CLEANUP",
    "GET /api/v0/users/alice/events",
]
--- error_code eval
[204, 204, 204, 204, 204, 200]
--- response_body eval
["", "", "", "", "",
 main::events(main::ev("theirs", 1, "default", "2099-01-01T12:00:00Z", "2099-01-01T13:00:00Z", "Theirs"))]



=== TEST 7: a PUT of the same event id replaces the event
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
    "PUT /api/v0/synchronizations/1/events/e1\nstart=2030-01-01T10:00:00Z&end=2030-01-01T11:00:00Z&summary=First&location=",
    "PUT /api/v0/synchronizations/1/events/e1\nstart=2030-01-02T10:00:00%2B02:00&end=2030-01-02T11:30:00.5Z&summary=Moved&location=Room+1.02",
    "GET /api/v0/synchronizations/1/events",
]
--- error_code eval
[204, 204, 204, 204, 200]
--- response_body eval
["", "", "", "",
 main::events(main::ev("e1", 1, "default", "2030-01-02T08:00:00Z", "2030-01-02T11:30:00Z", "Moved", "Room 1.02"))]



=== TEST 8: deleting a user removes its events
--- config
    location /api/ {
        mytimetable;
    }
--- more_headers
Content-Type: application/x-www-form-urlencoded
--- request eval
[@main::setup, "DELETE /api/v0/users/alice", "PUT /api/v0/users/alice", "GET /api/v0/users/alice/events",
 "GET /api/v0/users/bob/events"]
--- error_code eval
[@main::setup_codes, 204, 204, 200, 200]
--- response_body eval
[@main::setup_bodies, "", "", '{"events":[]}', main::events($main::E{bobs})]



=== TEST 9: an event for an unknown synchronization answers 422
--- config
    location /api/ {
        mytimetable;
    }
--- more_headers
Content-Type: application/x-www-form-urlencoded
--- request
PUT /api/v0/synchronizations/5/events/e1
start=2030-01-01T10:00:00Z&end=2030-01-01T11:00:00Z&summary=Maths&location=Room+B
--- error_code: 422
--- response_body chomp
{"error":"unprocessable_entity","message":"no synchronization with id 5"}



=== TEST 10: an end before the start answers 400
--- config
    location /api/ {
        mytimetable;
    }
--- more_headers
Content-Type: application/x-www-form-urlencoded
--- request
PUT /api/v0/synchronizations/1/events/e1
start=2030-01-01T10:00:00Z&end=2030-01-01T09:59:59Z&summary=Maths&location=Room+B
--- error_code: 400
--- response_body chomp
{"error":"bad_request","message":"end 2030-01-01T09:59:59Z is before start 2030-01-01T10:00:00Z"}



=== TEST 11: a start that is not RFC 3339 answers 400
--- config
    location /api/ {
        mytimetable;
    }
--- more_headers
Content-Type: application/x-www-form-urlencoded
--- request
PUT /api/v0/synchronizations/1/events/e1
start=2030-02-30T10:00:00Z&end=2030-03-01T10:00:00Z&summary=Maths&location=Room+B
--- error_code: 400
--- response_body chomp
{"error":"bad_request","message":"invalid start \"2030-02-30T10:00:00Z\": day 30 is out of range: 2030-02 has 28 days"}



=== TEST 12: an end without a time zone answers 400
--- config
    location /api/ {
        mytimetable;
    }
--- more_headers
Content-Type: application/x-www-form-urlencoded
--- request
PUT /api/v0/synchronizations/1/events/e1
start=2030-01-01T10:00:00Z&end=2030-01-01T11:00:00&summary=Maths&location=Room+B
--- error_code: 400
--- response_body chomp
{"error":"bad_request","message":"invalid end \"2030-01-01T11:00:00\": missing time zone (use Z, +HH:MM or -HH:MM)"}



=== TEST 13: a missing start answers 400
--- config
    location /api/ {
        mytimetable;
    }
--- more_headers
Content-Type: application/x-www-form-urlencoded
--- request
PUT /api/v0/synchronizations/1/events/e1
end=2030-01-01T11:00:00Z&summary=Maths&location=Room+B
--- error_code: 400
--- response_body chomp
{"error":"bad_request","message":"missing form field start"}



=== TEST 14: an instance that is not a name answers 400
--- config
    location /api/ {
        mytimetable;
    }
--- more_headers
Content-Type: application/x-www-form-urlencoded
--- request
PUT /api/v0/synchronizations/1/events/e1
start=2030-01-01T10:00:00Z&end=2030-01-01T11:00:00Z&instance=old+site&summary=Maths&location=Room+B
--- error_code: 400
--- response_body chomp
{"error":"bad_request","message":"invalid instance: the instance may only hold letters, digits, '-', '_' and '.'"}



=== TEST 15: a summary over 4096 bytes answers 400
--- config
    location /api/ {
        mytimetable;
    }
--- more_headers
Content-Type: application/x-www-form-urlencoded
--- request eval
"PUT /api/v0/synchronizations/1/events/e1\nstart=2030-01-01T10:00:00Z&end=2030-01-01T11:00:00Z&summary=" . ("x" x 4097) . "&location=Room+B"
--- error_code: 400
--- response_body chomp
{"error":"bad_request","message":"invalid summary: summary is longer than 4096 bytes"}



=== TEST 16: an event id with a control character answers 400
--- config
    location /api/ {
        mytimetable;
    }
--- more_headers
Content-Type: application/x-www-form-urlencoded
--- request
PUT /api/v0/synchronizations/1/events/e%0A1
start=2030-01-01T10:00:00Z&end=2030-01-01T11:00:00Z&summary=Maths&location=Room+B
--- error_code: 400
--- response_body chomp
{"error":"bad_request","message":"invalid event id: use 1 to 200 bytes without control characters"}



=== TEST 17: the events of an unknown synchronization answer 422
--- config
    location /api/ {
        mytimetable;
    }
--- request
GET /api/v0/synchronizations/3/events
--- error_code: 422
--- response_body chomp
{"error":"unprocessable_entity","message":"no synchronization with id 3"}



=== TEST 18: the events of an unknown user answer 404
--- config
    location /api/ {
        mytimetable;
    }
--- request
GET /api/v0/users/ghost/events
--- error_code: 404
--- response_body chomp
{"error":"not_found","message":"no user \"ghost\""}



=== TEST 19: the calendar of a user is RFC 5545 text with one VEVENT per event
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
    "PUT /api/v0/synchronizations/1/events/e1\nstart=2030-01-01T10:00:00Z&end=2030-01-01T11:00:00Z&summary=Maths%2C+algebra%3B+part+1&location=Room+B",
    "GET /api/v0/users/alice/calendar.ics",
]
--- error_code eval
[204, 204, 204, 200]
--- response_headers eval
["", "", "", "Content-Type: text/calendar; charset=utf-8"]
--- response_body_like eval
["", "", "",
 qr{^BEGIN:VCALENDAR\r\nVERSION:2\.0\r\nPRODID:-//ngx_mytimetable//provisioning API v0//EN\r\nCALSCALE:GREGORIAN\r\nBEGIN:VEVENT\r\nUID:1-e1\@default\r\nDTSTAMP:\d{8}T\d{6}Z\r\nDTSTART:20300101T100000Z\r\nDTEND:20300101T110000Z\r\nSUMMARY:Maths\\, algebra\\; part 1\r\nLOCATION:Room B\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n$}]



=== TEST 20: the calendar of an unknown user answers 404
--- config
    location /api/ {
        mytimetable;
    }
--- request
GET /api/v0/users/ghost/calendar.ics
--- error_code: 404
--- response_body chomp
{"error":"not_found","message":"no user \"ghost\""}



=== TEST 21: a missing summary answers 400
--- config
    location /api/ {
        mytimetable;
    }
--- more_headers
Content-Type: application/x-www-form-urlencoded
--- request
PUT /api/v0/synchronizations/1/events/e1
start=2030-01-01T10:00:00Z&end=2030-01-01T11:00:00Z&location=Room+B
--- error_code: 400
--- response_body chomp
{"error":"bad_request","message":"missing form field summary"}



=== TEST 22: a missing location answers 400
--- config
    location /api/ {
        mytimetable;
    }
--- more_headers
Content-Type: application/x-www-form-urlencoded
--- request
PUT /api/v0/synchronizations/1/events/e1
start=2030-01-01T10:00:00Z&end=2030-01-01T11:00:00Z&summary=Maths
--- error_code: 400
--- response_body chomp
{"error":"bad_request","message":"missing form field location"}



=== TEST 23: an empty calendar holds a UTC VTIMEZONE, so that it has a component
--- config
    location /api/ {
        mytimetable;
    }
--- request eval
["PUT /api/v0/users/alice", "GET /api/v0/users/alice/calendar.ics"]
--- error_code eval
[204, 200]
--- response_body eval
["", "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//ngx_mytimetable//provisioning API v0//EN\r\nCALSCALE:GREGORIAN\r\nBEGIN:VTIMEZONE\r\nTZID:UTC\r\nBEGIN:STANDARD\r\nDTSTART:19700101T000000\r\nTZOFFSETFROM:+0000\r\nTZOFFSETTO:+0000\r\nTZNAME:UTC\r\nEND:STANDARD\r\nEND:VTIMEZONE\r\nEND:VCALENDAR\r\n"]



=== TEST 24: ical.js reads the empty calendar as valid RFC 5545
--- config
    location /api/ {
        mytimetable;
    }
--- request eval
["PUT /api/v0/users/alice", "GET /api/v0/users/alice/calendar.ics"]
--- error_code eval
[204, 200]
--- response_body_filters eval
\&MyTimetable::ICalJS::ical_js
--- response_body eval
["", "calendar VERSION=2.0 components=vtimezone\n"]



=== TEST 25: an event that ends at its start has no DTEND
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
    "PUT /api/v0/synchronizations/1/events/e1\nstart=2030-01-01T10:00:00Z&end=2030-01-01T10:00:00Z&summary=Deadline&location=Office",
    "GET /api/v0/users/alice/calendar.ics",
]
--- error_code eval
[204, 204, 204, 200]
--- response_body_like eval
["", "", "",
 qr{^BEGIN:VCALENDAR\r\nVERSION:2\.0\r\nPRODID:-//ngx_mytimetable//provisioning API v0//EN\r\nCALSCALE:GREGORIAN\r\nBEGIN:VEVENT\r\nUID:1-e1\@default\r\nDTSTAMP:\d{8}T\d{6}Z\r\nDTSTART:20300101T100000Z\r\nSUMMARY:Deadline\r\nLOCATION:Office\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n$}]



=== TEST 26: ical.js reads an event that ends at its start as lasting no time
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
    "PUT /api/v0/synchronizations/1/events/e1\nstart=2030-01-01T10:00:00Z&end=2030-01-01T10:00:00Z&summary=Deadline&location=Office",
    "GET /api/v0/users/alice/calendar.ics",
]
--- error_code eval
[204, 204, 204, 200]
--- response_body_filters eval
\&MyTimetable::ICalJS::ical_js
--- response_body eval
["", "", "",
 "calendar VERSION=2.0 components=vevent\nevent 1-e1\@default start=2030-01-01T10:00:00Z end=2030-01-01T10:00:00Z duration=PT0S summary=Deadline location=Office\n"]
