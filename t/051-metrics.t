# mytimetable_metrics: the Prometheus text of the counters that the API's
# requests add to, checked by Prometheus' own promtool; what each counter
# counts; the location's refusals. Several workers, reloads and the store's
# gauges against mdb_stat are in t/052-metrics-workers.t.
use Test::Nginx::Socket 'no_plan';

use MyTimetable::Blocks;
use MyTimetable::Promtool;

store_per_block(); # a fresh store for every block

add_block_preprocessor(sub {
    my $block = shift;
    $block->set_value("config", <<'CONF') unless defined $block->config;
    location /api/ {
        mytimetable;
    }
    location = /metrics {
        allow 127.0.0.1;
        deny all;
        mytimetable_metrics;
    }
CONF
});

# A body filter: the lines of an exposition that match $re; any other body
# as it is.
sub lines_of {
    my $re = shift;
    return sub {
        my $body = shift;
        return $body unless defined $body && $body =~ /\A# HELP /;
        return join '', grep { /$re/ } split /^/m, $body;
    };
}

our $filter_5000 = 'UserName%20eq%20%27' . ('a' x 5000) . '%27';
our $nested_40 = ('(' x 40) . 'Enabled%20eq%20true' . (')' x 40);

no_shuffle();
run_tests();

__DATA__

=== TEST 1: a fresh store's exposition is the Prometheus text format and passes promtool
--- request
GET /metrics
--- error_code: 200
--- response_headers
Content-Type: text/plain; version=0.0.4; charset=utf-8
--- response_body_filters eval
\&MyTimetable::Promtool::promtool
--- response_body
promtool check metrics: ok



=== TEST 2: every family has HELP and TYPE, build info names the module and nginx
--- request
GET /metrics
--- response_body_filters eval
main::lines_of(qr/^# TYPE |^mytimetable_build_info/)
--- response_body_like eval
'\A# TYPE mytimetable_requests_total counter
# TYPE mytimetable_batch_writes histogram
# TYPE mytimetable_commit_duration_seconds histogram
# TYPE mytimetable_sync_failures_total counter
# TYPE mytimetable_cache_hits_total counter
# TYPE mytimetable_cache_misses_total counter
# TYPE mytimetable_password_hashes_queued_total counter
# TYPE mytimetable_password_hashes_done_total counter
# TYPE mytimetable_queries_refused_total counter
# TYPE mytimetable_backups_total counter
# TYPE mytimetable_backup_bytes_total counter
# TYPE mytimetable_backup_seconds_total counter
# TYPE mytimetable_last_backup_timestamp_seconds gauge
# TYPE mytimetable_read_transaction_hold_seconds histogram
# TYPE mytimetable_read_transaction_max_hold_seconds gauge
# TYPE mytimetable_store_open gauge
# TYPE mytimetable_store_map_size_bytes gauge
# TYPE mytimetable_store_used_bytes gauge
# TYPE mytimetable_store_readers gauge
# TYPE mytimetable_store_max_readers gauge
# TYPE mytimetable_store_entries gauge
# TYPE mytimetable_store_layout_version gauge
# TYPE mytimetable_build_info gauge
mytimetable_build_info\{version="\d+\.\d+\.\d+",nginx="\d+\.\d+\.\d+"\} 1
\z'



=== TEST 3: requests are counted by API, route pattern and status, a 404 and a 400 among them (a refused dot segment under the route it names)
--- request eval
[
    "PUT /api/v0/users/alice",
    "GET /api/v0/users/alice",
    "GET /api/v0/users/bob",
    "GET /api/users?\$top=x",
    "DELETE /api/users",
    "GET /api/v0/nothing",
    "GET /api/elsewhere",
    "GET /api/v0/users/%2e%2e",
    "GET /metrics",
]
--- error_code eval
[204, 200, 404, 400, 405, 404, 404, 400, 200]
--- response_body_filters eval
main::lines_of(qr/^mytimetable_requests_total/)
--- response_body_like eval
[
    '\A\z',
    '\A\{"username":"alice"',
    '"error":"not_found"',
    '"error":"bad_request"',
    '"error":"method_not_allowed"',
    '"error":"not_found"',
    '"error":"not_found"',
    '"error":"bad_request"',
    '\A' . quotemeta('mytimetable_requests_total{api="v0",route="v0/users/{username}",code="200"} 1
mytimetable_requests_total{api="v0",route="v0/users/{username}",code="204"} 1
mytimetable_requests_total{api="v0",route="v0/users/{username}",code="400"} 1
mytimetable_requests_total{api="v0",route="v0/users/{username}",code="404"} 1
mytimetable_requests_total{api="directory",route="users",code="400"} 1
mytimetable_requests_total{api="directory",route="users",code="405"} 1
mytimetable_requests_total{api="v0",route="none",code="404"} 1
mytimetable_requests_total{api="other",route="none",code="404"} 1
') . '\z',
]



=== TEST 4: HEAD of the API counts under the GET route, the metrics location's own requests are not counted
--- request eval
["HEAD /api/v0/users", "GET /metrics", "GET /metrics"]
--- error_code eval
[200, 200, 200]
--- response_body_filters eval
main::lines_of(qr/^mytimetable_requests_total/)
--- response_body eval
["", qq{mytimetable_requests_total{api="v0",route="v0/users",code="200"} 1\n},
     qq{mytimetable_requests_total{api="v0",route="v0/users",code="200"} 1\n}]



=== TEST 5: queries refused by their limits are counted by limit
--- request eval
[
    "GET /api/users?\$top=99999999999",
    "GET /api/users?\$skip=3000000000",
    "GET /api/users?\$filter=$::filter_5000",
    "GET /api/users?\$filter=$::nested_40",
    "GET /api/users?\$top=5",
    "GET /metrics",
]
--- error_code eval
[400, 400, 400, 400, 200, 200]
--- response_body_filters eval
main::lines_of(qr/^mytimetable_queries_refused_total/)
--- response_body eval
[
    qq{{"error":"bad_request","message":"\$top: expected a non-negative integer no greater than 2147483647 but found '99999999999'"}},
    qq{{"error":"bad_request","message":"\$skip: expected a non-negative integer no greater than 2147483647 but found '3000000000'"}},
    qq{{"error":"bad_request","message":"\$filter: longer than 4096 bytes"}},
    qq{{"error":"bad_request","message":"\$filter: at position 32: nesting deeper than 32"}},
    "[]",
    'mytimetable_queries_refused_total{limit="filter_bytes"} 1
mytimetable_queries_refused_total{limit="filter_depth"} 1
mytimetable_queries_refused_total{limit="top_skip"} 2
mytimetable_queries_refused_total{limit="streams"} 0
mytimetable_queries_refused_total{limit="readers"} 0
',
]



=== TEST 6: the answer cache counts a miss, then a hit for the same snapshot, then a miss after a write
--- request eval
["GET /api/v0/users", "GET /api/v0/users", "PUT /api/v0/users/alice", "GET /api/v0/users", "GET /metrics"]
--- error_code eval
[200, 200, 204, 200, 200]
--- response_body_filters eval
main::lines_of(qr/^mytimetable_cache_/)
--- response_body eval
['{"users":[]}', '{"users":[]}', '', '{"users":["alice"]}',
 "mytimetable_cache_hits_total 1\nmytimetable_cache_misses_total 2\n"]



=== TEST 7: each write batch is counted with its writes and its commit time; reads with their hold time
--- request eval
["PUT /api/v0/users/a", "PUT /api/v0/users/b", "DELETE /api/v0/users/a", "GET /api/v0/users/b", "GET /metrics"]
--- error_code eval
[204, 204, 204, 200, 200]
--- response_body_filters eval
main::lines_of(qr/^mytimetable_(batch_writes_(sum|count|bucket\{le="1"\})|commit_duration_seconds_count|read_transaction_hold_seconds_count|read_transaction_max_hold_seconds|sync_failures_total) /)
--- response_body_like eval
['\A\z', '\A\z', '\A\z', '\A\{"username":"b"',
 '\Amytimetable_batch_writes_bucket\{le="1"\} 3
mytimetable_batch_writes_sum 3
mytimetable_batch_writes_count 3
mytimetable_commit_duration_seconds_count 3
mytimetable_sync_failures_total 0
mytimetable_read_transaction_hold_seconds_count [1-9]\d*
mytimetable_read_transaction_max_hold_seconds (?!0\n)\d+(\.\d+)?
\z']



=== TEST 8: a password set through the directory is counted as queued and hashed
--- more_headers
Content-Type: application/json
--- request eval
["POST /api/users\n{\"UserName\":\"janed\",\"Email\":\"janed\@unknown.net\",\"Password\":\"correct horse\"}",
 "GET /metrics"]
--- error_code eval
[201, 200]
--- response_body_filters eval
main::lines_of(qr/^mytimetable_password_hashes_/)
--- response_body_like eval
['"UserName":"janed"',
 '\Amytimetable_password_hashes_queued_total 1\nmytimetable_password_hashes_done_total 1\n\z']



=== TEST 9: the store's gauges describe the store the API writes
--- request eval
["PUT /api/v0/users/alice", "PUT /api/v0/synchronizations\nusername=alice&type=googlecalendar", "GET /metrics"]
--- more_headers eval
["", "Content-Type: application/x-www-form-urlencoded", ""]
--- error_code eval
[204, 204, 200]
--- response_body_filters eval
main::lines_of(qr/^mytimetable_store_/)
--- response_body_like eval
['\A\z', '\A\z', '\Amytimetable_store_open 1
mytimetable_store_map_size_bytes 1073741824
mytimetable_store_used_bytes [1-9]\d*
mytimetable_store_readers 0
mytimetable_store_max_readers 1022
mytimetable_store_entries\{table="meta"\} 2
mytimetable_store_entries\{table="users"\} 1
mytimetable_store_entries\{table="users_by_name"\} 1
mytimetable_store_entries\{table="users_by_email"\} 1
mytimetable_store_entries\{table="users_by_first"\} 1
mytimetable_store_entries\{table="users_by_last"\} 1
mytimetable_store_entries\{table="users_by_name_fold"\} 1
mytimetable_store_entries\{table="users_by_external_id"\} 0
mytimetable_store_entries\{table="users_by_role"\} 0
mytimetable_store_entries\{table="groups"\} 0
mytimetable_store_entries\{table="groups_by_name"\} 0
mytimetable_store_entries\{table="syncs"\} 1
mytimetable_store_entries\{table="syncs_by_user"\} 1
mytimetable_store_entries\{table="events"\} 0
mytimetable_store_entries\{table="events_by_user"\} 0
mytimetable_store_layout_version 4
\z']



=== TEST 10: after traffic, with every histogram filled, the exposition still passes promtool
--- request eval
["PUT /api/v0/users/alice", "GET /api/v0/users/alice", "GET /api/v0/users/x", "GET /api/users?\$top=x", "GET /metrics"]
--- error_code eval
[204, 200, 404, 400, 200]
--- response_body_filters eval
\&MyTimetable::Promtool::promtool
--- response_body_like eval
['\A\z', 'alice', 'not_found', 'bad_request', '\Apromtool check metrics: ok\n\z']



=== TEST 10b: backups are counted by result, with the bytes and time of the copies made
--- config
    location /api/ {
        mytimetable;
    }
    location = /backup {
        mytimetable_backup;
    }
    location = /metrics {
        mytimetable_metrics;
    }
--- request eval
["PUT /api/v0/users/alice", "GET /backup", "GET /metrics", "GET /metrics"]
--- error_code eval
[204, 200, 200, 200]
--- response_body_filters eval
[[], [], [main::lines_of(qr/^mytimetable_(backup|last_backup)/)], [\&MyTimetable::Promtool::promtool]]
--- response_body_like eval
['\A\z', '.', '\Amytimetable_backups_total\{result="made"\} 1
mytimetable_backups_total\{result="failed"\} 0
mytimetable_backups_total\{result="refused"\} 0
mytimetable_backup_bytes_total [1-9][0-9]{3,}
mytimetable_backup_seconds_total 0\.[0-9]+
mytimetable_last_backup_timestamp_seconds 1[7-9][0-9]{8}
\z', '\Apromtool check metrics: ok\n\z']



=== TEST 11: POST answers 405 in JSON with Allow
--- request
POST /metrics
x=1
--- error_code: 405
--- response_headers
Allow: GET, HEAD
Content-Type: application/json; charset=utf-8
--- response_body chomp
{"error":"method_not_allowed","message":"the method POST is not allowed here; allowed: GET, HEAD"}



=== TEST 12: DELETE answers 405 too; HEAD answers the headers without the text
--- request eval
["DELETE /metrics", "HEAD /metrics"]
--- error_code eval
[405, 200]
--- response_headers eval
["Allow: GET, HEAD", "Content-Type: text/plain; version=0.0.4; charset=utf-8"]
--- response_body eval
['{"error":"method_not_allowed","message":"the method DELETE is not allowed here; allowed: GET, HEAD"}', ""]



=== TEST 13: without a mytimetable location the store is not open: its gauges are left out, the text still passes promtool
--- config
    location = /metrics {
        mytimetable_metrics;
    }
--- request eval
["GET /metrics", "GET /metrics"]
--- response_body_filters eval
[[main::lines_of(qr/^mytimetable_store_/)], [\&MyTimetable::Promtool::promtool]]
--- response_body eval
["mytimetable_store_open 0\n", "promtool check metrics: ok\n"]



=== TEST 14: the location's access rules apply to the metrics
--- config
    location = /metrics {
        deny all;
        mytimetable_metrics;
    }
--- request
GET /metrics
--- error_code: 403
--- error_log
access forbidden by rule



=== TEST 15: mytimetable_metrics beside mytimetable in one location is refused at start
--- config
    location /api/ {
        mytimetable;
        mytimetable_metrics;
    }
--- must_die
--- error_log
"mytimetable_metrics": the location has another content handler



=== TEST 16: mytimetable_metrics twice in one location is refused
--- config
    location = /metrics {
        mytimetable_metrics;
        mytimetable_metrics;
    }
--- must_die
--- error_log
"mytimetable_metrics" directive is duplicate



=== TEST 17: a password set through SCIM is counted as queued and hashed too
--- config
    location /scim/v2/ {
        mytimetable_scim;
    }
    location = /metrics {
        mytimetable_metrics;
    }
--- more_headers
Content-Type: application/scim+json
--- request eval
["POST /scim/v2/Users\n{\"schemas\":[\"urn:ietf:params:scim:schemas:core:2.0:User\"],\"userName\":\"janed\",\"password\":\"correct horse\"}",
 "GET /metrics"]
--- error_code eval
[201, 200]
--- response_body_filters eval
main::lines_of(qr/^mytimetable_password_hashes_/)
--- response_body_like eval
['"userName":"janed"',
 '\Amytimetable_password_hashes_queued_total 1\nmytimetable_password_hashes_done_total 1\n\z']
