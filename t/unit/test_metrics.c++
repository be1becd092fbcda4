// Metrics: the counters' Block, its histograms, the rows of the request
// counters, the store's gauges and the exposition text.
#include "api.h++"
#include "metrics.h++"
#include "requests.h++"
#include "store.h++"
#include "unit.h++"
#include "users.h++"

#include <memory>
#include <string>

using namespace mtt;
using namespace mtt::metrics;

namespace {

Layout two_routes() {
    return Layout({{Api::v0, "v0/users"}, {Api::v0, "v0/users/{username}"}});
}

// The Block of this test, counted into while it lives.
struct Counting {
    std::unique_ptr<Block> block = std::make_unique<Block>();
    explicit Counting(const Layout &layout) {
        prepare(*block, layout);
        shared = block.get();
    }
    ~Counting() { shared = nullptr; }
};

} // namespace

START_TEST(seconds_are_the_shortest_decimal) {
    ck_assert_string_eq(seconds(0), "0");
    ck_assert_string_eq(seconds(1), "0.000001");
    ck_assert_string_eq(seconds(100), "0.0001");
    ck_assert_string_eq(seconds(2500), "0.0025");
    ck_assert_string_eq(seconds(1000000), "1");
    ck_assert_string_eq(seconds(2500000), "2.5");
    ck_assert_string_eq(seconds(12345678), "12.345678");
}
END_TEST

START_TEST(rows_are_the_routes_then_none_per_api) {
    Layout l = two_routes();
    ck_assert_uint_eq(l.rows(), 6);
    ck_assert_uint_eq(l.row(1, Api::other), 1);
    ck_assert_uint_eq(l.row(2, Api::v0), 2);
    ck_assert_uint_eq(l.row(SIZE_MAX, Api::directory), 3);
    ck_assert_uint_eq(l.row(7, Api::other), 5);
    ck_assert_string_eq(std::string(l.route(1)), "v0/users/{username}");
    ck_assert_string_eq(std::string(l.route(3)), "none");
    ck_assert_str_eq(api_name(l.api(3)), "directory");
    ck_assert_str_eq(api_name(l.api(5)), "other");
    ck_assert(l.hash() != Layout({{Api::v0, "v0/users"}}).hash());
    ck_assert(l.hash() == two_routes().hash());
}
END_TEST

START_TEST(the_api_is_the_first_segment) {
    ck_assert(api_of_path("v0/users/alice") == Api::v0);
    ck_assert(api_of_path("v0") == Api::v0);
    ck_assert(api_of_path("users") == Api::directory);
    ck_assert(api_of_path("user/x/groups") == Api::directory);
    ck_assert(api_of_path("v00/users") == Api::other);
    ck_assert(api_of_path("") == Api::other);
}
END_TEST

START_TEST(the_routes_of_the_api_are_rows) {
    const Layout &l = metrics_layout();
    size_t user = route_index("v0/users/alice");
    ck_assert_string_eq(std::string(l.route(l.row(user, Api::other))), "v0/users/{username}");
    ck_assert_str_eq(api_name(l.api(l.row(user, Api::other))), "v0");
    size_t groups = route_index("user/42/groups");
    ck_assert_string_eq(std::string(l.route(l.row(groups, Api::other))), "user/{id}/groups");
    ck_assert_str_eq(api_name(l.api(l.row(groups, Api::other))), "directory");
    size_t none = route_index("v0/nothing");
    ck_assert_string_eq(std::string(l.route(l.row(none, Api::v0))), "none");
    // the SCIM location's routes follow, under the api "scim"
    size_t scim_user = route_index("Users/2819c223-7f76-453a-919d-413861904646", true);
    ck_assert_string_eq(std::string(l.route(l.row(scim_user, Api::scim))), "Users/{id}");
    ck_assert_str_eq(api_name(l.api(l.row(scim_user, Api::scim))), "scim");
    ck_assert(route_index("Users", false) != route_index("Users", true));
    size_t scim_none = route_index("Nothing", true);
    ck_assert_string_eq(std::string(l.route(l.row(scim_none, Api::scim))), "none");
    ck_assert_str_eq(api_name(l.api(l.row(scim_none, Api::scim))), "scim");
    ck_assert(l.rows() <= max_rows);
}
END_TEST

START_TEST(prepare_keeps_the_counters_of_the_same_layout) {
    auto b = std::make_unique<Block>();
    ck_assert(!prepare(*b, two_routes()));
    add(b->requests[1][200 - first_status], 3);
    ck_assert(prepare(*b, two_routes()));
    ck_assert_uint_eq(get(b->requests[1][100]), 3);
    ck_assert(!prepare(*b, Layout({{Api::v0, "v0/users"}})));
    ck_assert_uint_eq(get(b->requests[1][100]), 0);
}
END_TEST

START_TEST(a_histogram_counts_each_value_in_its_bucket) {
    auto b = std::make_unique<Block>();
    b->batch_writes.observe(batch_bounds, 1);
    b->batch_writes.observe(batch_bounds, 3);
    b->batch_writes.observe(batch_bounds, 4);
    b->batch_writes.observe(batch_bounds, 5000);
    ck_assert_uint_eq(get(b->batch_writes.buckets[0]), 1);
    ck_assert_uint_eq(get(b->batch_writes.buckets[2]), 2); // le 4
    ck_assert_uint_eq(get(b->batch_writes.buckets[std::size(batch_bounds)]), 1);
    ck_assert_uint_eq(get(b->batch_writes.sum), 5008);
}
END_TEST

START_TEST(nothing_is_counted_without_a_block) {
    shared = nullptr;
    count_request(0, 200);
    count(&Block::cache_hits);
    refused(Limit::streams);
    read_held(5);
    batch_committed(1, 5); // nothing to crash into
    backup(Backup::made, 1, 1, 1);
    Counting c(two_routes());
    count_request(0, 200);
    count_request(0, 99); // outside 100-599: not counted
    count_request(0, 600);
    count_request(max_rows, 200);
    count(&Block::cache_hits);
    refused(Limit::streams);
    read_held(70);
    read_held(30);
    ck_assert_uint_eq(get(c.block->requests[0][100]), 1);
    ck_assert_uint_eq(get(c.block->cache_hits), 1);
    ck_assert_uint_eq(get(c.block->refused[static_cast<size_t>(Limit::streams)]), 1);
    ck_assert_uint_eq(get(c.block->read_max_hold_us), 70);
    ck_assert_uint_eq(get(c.block->read_hold_us.sum), 100);
}
END_TEST

// The whole text for a known block: every family with HELP and TYPE, the
// request counters that are not zero, cumulative buckets.
START_TEST(the_exposition_of_a_known_block) {
    Layout l = two_routes();
    auto b = std::make_unique<Block>();
    prepare(*b, l);
    add(b->requests[1][200 - first_status], 7);
    add(b->requests[1][404 - first_status], 2);
    add(b->requests[l.row(SIZE_MAX, Api::other)][400 - first_status]);
    b->batch_writes.observe(batch_bounds, 1);
    b->batch_writes.observe(batch_bounds, 3);
    b->commit_us.observe(commit_bounds_us, 800);
    b->commit_us.observe(commit_bounds_us, 3000000);
    b->read_hold_us.observe(hold_bounds_us, 20);
    raise_to(b->read_max_hold_us, 20);
    add(b->sync_failures);
    add(b->cache_hits, 5);
    add(b->cache_misses, 6);
    add(b->hashes_queued, 2);
    add(b->hashes_done, 1);
    add(b->refused[static_cast<size_t>(Limit::top_skip)]);
    add(b->backups[static_cast<size_t>(Backup::made)], 2);
    add(b->backups[static_cast<size_t>(Backup::refused)]);
    add(b->backup_bytes, 65536);
    add(b->backup_us, 1500);
    raise_to(b->last_backup_time, 1764806400);
    StoreGauges g;
    g.map_size = 1048576;
    g.used_bytes = 81920;
    g.readers = 1;
    g.max_readers = 1022;
    g.layout_version = 2;
    g.entries = {{"users", 3}, {"meta", 1}};
    const char *expected =
        "# HELP mytimetable_requests_total Requests the API answered, by API, route pattern and "
        "status code.\n"
        "# TYPE mytimetable_requests_total counter\n"
        "mytimetable_requests_total{api=\"v0\",route=\"v0/users/{username}\",code=\"200\"} 7\n"
        "mytimetable_requests_total{api=\"v0\",route=\"v0/users/{username}\",code=\"404\"} 2\n"
        "mytimetable_requests_total{api=\"other\",route=\"none\",code=\"400\"} 1\n"
        "# HELP mytimetable_batch_writes Writes per committed batch (group commit).\n"
        "# TYPE mytimetable_batch_writes histogram\n"
        "mytimetable_batch_writes_bucket{le=\"1\"} 1\n"
        "mytimetable_batch_writes_bucket{le=\"2\"} 1\n"
        "mytimetable_batch_writes_bucket{le=\"4\"} 2\n"
        "mytimetable_batch_writes_bucket{le=\"8\"} 2\n"
        "mytimetable_batch_writes_bucket{le=\"16\"} 2\n"
        "mytimetable_batch_writes_bucket{le=\"32\"} 2\n"
        "mytimetable_batch_writes_bucket{le=\"64\"} 2\n"
        "mytimetable_batch_writes_bucket{le=\"128\"} 2\n"
        "mytimetable_batch_writes_bucket{le=\"256\"} 2\n"
        "mytimetable_batch_writes_bucket{le=\"512\"} 2\n"
        "mytimetable_batch_writes_bucket{le=\"1024\"} 2\n"
        "mytimetable_batch_writes_bucket{le=\"+Inf\"} 2\n"
        "mytimetable_batch_writes_sum 4\n"
        "mytimetable_batch_writes_count 2\n"
        "# HELP mytimetable_commit_duration_seconds Time a write batch waited for and held LMDB's "
        "writer lock, from its begin to the end of its commit (synced under full durability).\n"
        "# TYPE mytimetable_commit_duration_seconds histogram\n"
        "mytimetable_commit_duration_seconds_bucket{le=\"0.0001\"} 0\n"
        "mytimetable_commit_duration_seconds_bucket{le=\"0.00025\"} 0\n"
        "mytimetable_commit_duration_seconds_bucket{le=\"0.0005\"} 0\n"
        "mytimetable_commit_duration_seconds_bucket{le=\"0.001\"} 1\n"
        "mytimetable_commit_duration_seconds_bucket{le=\"0.0025\"} 1\n"
        "mytimetable_commit_duration_seconds_bucket{le=\"0.005\"} 1\n"
        "mytimetable_commit_duration_seconds_bucket{le=\"0.01\"} 1\n"
        "mytimetable_commit_duration_seconds_bucket{le=\"0.025\"} 1\n"
        "mytimetable_commit_duration_seconds_bucket{le=\"0.05\"} 1\n"
        "mytimetable_commit_duration_seconds_bucket{le=\"0.1\"} 1\n"
        "mytimetable_commit_duration_seconds_bucket{le=\"0.25\"} 1\n"
        "mytimetable_commit_duration_seconds_bucket{le=\"0.5\"} 1\n"
        "mytimetable_commit_duration_seconds_bucket{le=\"1\"} 1\n"
        "mytimetable_commit_duration_seconds_bucket{le=\"2.5\"} 1\n"
        "mytimetable_commit_duration_seconds_bucket{le=\"+Inf\"} 2\n"
        "mytimetable_commit_duration_seconds_sum 3.0008\n"
        "mytimetable_commit_duration_seconds_count 2\n"
        "# HELP mytimetable_sync_failures_total Writes not made durable: batch commits that "
        "failed (their writes answered an error) and, under relaxed durability, flushes that "
        "failed.\n"
        "# TYPE mytimetable_sync_failures_total counter\n"
        "mytimetable_sync_failures_total 1\n"
        "# HELP mytimetable_cache_hits_total GET answers served from a worker's answer cache.\n"
        "# TYPE mytimetable_cache_hits_total counter\n"
        "mytimetable_cache_hits_total 5\n"
        "# HELP mytimetable_cache_misses_total GET answers the cache did not hold, produced by "
        "their handler.\n"
        "# TYPE mytimetable_cache_misses_total counter\n"
        "mytimetable_cache_misses_total 6\n"
        "# HELP mytimetable_password_hashes_queued_total Passwords handed to the thread pool to "
        "be hashed.\n"
        "# TYPE mytimetable_password_hashes_queued_total counter\n"
        "mytimetable_password_hashes_queued_total 2\n"
        "# HELP mytimetable_password_hashes_done_total Password hashes the thread pool "
        "finished.\n"
        "# TYPE mytimetable_password_hashes_done_total counter\n"
        "mytimetable_password_hashes_done_total 1\n"
        "# HELP mytimetable_queries_refused_total Requests refused by a limit, by limit.\n"
        "# TYPE mytimetable_queries_refused_total counter\n"
        "mytimetable_queries_refused_total{limit=\"filter_bytes\"} 0\n"
        "mytimetable_queries_refused_total{limit=\"filter_depth\"} 0\n"
        "mytimetable_queries_refused_total{limit=\"top_skip\"} 1\n"
        "mytimetable_queries_refused_total{limit=\"streams\"} 0\n"
        "mytimetable_queries_refused_total{limit=\"readers\"} 0\n"
        "# HELP mytimetable_backups_total GETs of a mytimetable_backup location, by result: made "
        "(the copy was made and its sending began), failed (500), refused (503: another backup in "
        "the worker, or no store).\n"
        "# TYPE mytimetable_backups_total counter\n"
        "mytimetable_backups_total{result=\"made\"} 2\n"
        "mytimetable_backups_total{result=\"failed\"} 0\n"
        "mytimetable_backups_total{result=\"refused\"} 1\n"
        "# HELP mytimetable_backup_bytes_total Bytes of the copies made.\n"
        "# TYPE mytimetable_backup_bytes_total counter\n"
        "mytimetable_backup_bytes_total 65536\n"
        "# HELP mytimetable_backup_seconds_total Time spent making the copies (in the thread "
        "pool), before their sending.\n"
        "# TYPE mytimetable_backup_seconds_total counter\n"
        "mytimetable_backup_seconds_total 0.0015\n"
        "# HELP mytimetable_last_backup_timestamp_seconds Unix time at which the newest copy made "
        "was asked for, the store as of then (0: none since the counters began).\n"
        "# TYPE mytimetable_last_backup_timestamp_seconds gauge\n"
        "mytimetable_last_backup_timestamp_seconds 1764806400\n"
        "# HELP mytimetable_read_transaction_hold_seconds Time each read transaction was held "
        "open.\n"
        "# TYPE mytimetable_read_transaction_hold_seconds histogram\n"
        "mytimetable_read_transaction_hold_seconds_bucket{le=\"0.00001\"} 0\n"
        "mytimetable_read_transaction_hold_seconds_bucket{le=\"0.00005\"} 1\n"
        "mytimetable_read_transaction_hold_seconds_bucket{le=\"0.0001\"} 1\n"
        "mytimetable_read_transaction_hold_seconds_bucket{le=\"0.00025\"} 1\n"
        "mytimetable_read_transaction_hold_seconds_bucket{le=\"0.0005\"} 1\n"
        "mytimetable_read_transaction_hold_seconds_bucket{le=\"0.001\"} 1\n"
        "mytimetable_read_transaction_hold_seconds_bucket{le=\"0.0025\"} 1\n"
        "mytimetable_read_transaction_hold_seconds_bucket{le=\"0.005\"} 1\n"
        "mytimetable_read_transaction_hold_seconds_bucket{le=\"0.01\"} 1\n"
        "mytimetable_read_transaction_hold_seconds_bucket{le=\"0.025\"} 1\n"
        "mytimetable_read_transaction_hold_seconds_bucket{le=\"0.05\"} 1\n"
        "mytimetable_read_transaction_hold_seconds_bucket{le=\"0.1\"} 1\n"
        "mytimetable_read_transaction_hold_seconds_bucket{le=\"0.25\"} 1\n"
        "mytimetable_read_transaction_hold_seconds_bucket{le=\"1\"} 1\n"
        "mytimetable_read_transaction_hold_seconds_bucket{le=\"10\"} 1\n"
        "mytimetable_read_transaction_hold_seconds_bucket{le=\"+Inf\"} 1\n"
        "mytimetable_read_transaction_hold_seconds_sum 0.00002\n"
        "mytimetable_read_transaction_hold_seconds_count 1\n"
        "# HELP mytimetable_read_transaction_max_hold_seconds The longest time a read "
        "transaction was held open.\n"
        "# TYPE mytimetable_read_transaction_max_hold_seconds gauge\n"
        "mytimetable_read_transaction_max_hold_seconds 0.00002\n"
        "# HELP mytimetable_store_open 1 when the worker that answered has the store open.\n"
        "# TYPE mytimetable_store_open gauge\n"
        "mytimetable_store_open 1\n"
        "# HELP mytimetable_store_map_size_bytes The size of LMDB's map "
        "(mytimetable_store_size).\n"
        "# TYPE mytimetable_store_map_size_bytes gauge\n"
        "mytimetable_store_map_size_bytes 1048576\n"
        "# HELP mytimetable_store_used_bytes The bytes of the map up to its last page in use.\n"
        "# TYPE mytimetable_store_used_bytes gauge\n"
        "mytimetable_store_used_bytes 81920\n"
        "# HELP mytimetable_store_readers LMDB reader slots held by open read transactions.\n"
        "# TYPE mytimetable_store_readers gauge\n"
        "mytimetable_store_readers 1\n"
        "# HELP mytimetable_store_max_readers LMDB's reader slots.\n"
        "# TYPE mytimetable_store_max_readers gauge\n"
        "mytimetable_store_max_readers 1022\n"
        "# HELP mytimetable_store_entries Entries per table of the store.\n"
        "# TYPE mytimetable_store_entries gauge\n"
        "mytimetable_store_entries{table=\"users\"} 3\n"
        "mytimetable_store_entries{table=\"meta\"} 1\n"
        "# HELP mytimetable_store_layout_version The store's layout (schema) version.\n"
        "# TYPE mytimetable_store_layout_version gauge\n"
        "mytimetable_store_layout_version 2\n"
        "# HELP mytimetable_build_info The module's version and nginx's.\n"
        "# TYPE mytimetable_build_info gauge\n"
        "mytimetable_build_info{version=\"0.1.0\",nginx=\"1.22.1\"} 1\n";
    ck_assert_string_eq(render(*b, l, &g, "1.22.1"), expected);
}
END_TEST

START_TEST(without_the_store_its_gauges_are_left_out) {
    auto b = std::make_unique<Block>();
    std::string text = render(*b, two_routes(), nullptr, "1.22.1");
    ck_assert(text.find("mytimetable_store_open 0\n") != std::string::npos);
    ck_assert(text.find("mytimetable_store_entries") == std::string::npos);
    ck_assert(text.find("mytimetable_requests_total{") == std::string::npos);
}
END_TEST

START_TEST(a_label_value_is_escaped) {
    auto b = std::make_unique<Block>();
    Layout l({{Api::other, "a\"b\\c\nd"}});
    prepare(*b, l);
    add(b->requests[0][100]);
    std::string text = render(*b, l, nullptr, "x");
    ck_assert(text.find("route=\"a\\\"b\\\\c\\nd\",code=\"200\"} 1\n") != std::string::npos);
}
END_TEST

START_TEST(the_store_gauges_read_lmdb) {
    TempDir dir;
    Env env(store_options(dir));
    {
        Txn txn(env, Txn::Write);
        ensure_user(txn, "alice");
        ensure_user(txn, "bob");
        txn.commit();
    }
    Counting c(two_routes());
    StoreGauges g = read_store_gauges(env);
    ck_assert_uint_eq(g.map_size, store_options(dir).map_size);
    ck_assert_uint_eq(g.max_readers, default_max_readers);
    ck_assert_uint_eq(g.readers, 0);
    ck_assert_uint_eq(g.layout_version, Env::schema_version);
    ck_assert_uint_eq(g.used_bytes % 4096, 0);
    ck_assert(g.used_bytes >= 4 * 4096);
    ck_assert_uint_eq(g.entries.size(), 15);
    ck_assert_string_eq(g.entries[1].first, "users");
    ck_assert_uint_eq(g.entries[1].second, 2);
    ck_assert_string_eq(g.entries[2].first, "users_by_name");
    ck_assert_uint_eq(g.entries[2].second, 2);
    {
        Txn held(env, Txn::Read); // one slot taken while it lives
        ck_assert_uint_eq(read_store_gauges(env).readers, 1);
    }
    // its own read transaction was counted, and the one held above
    uint64_t held = 0;
    for (const auto &bucket : c.block->read_hold_us.buckets)
        held += get(bucket);
    ck_assert_uint_eq(held, 3);
}
END_TEST

START_TEST(a_batch_is_counted_with_its_writes) {
    TempDir dir;
    Env env(store_options(dir));
    Counting c(two_routes());
    Settings settings;
    std::vector<Request> writes(3);
    const char *paths[] = {"v0/users/a", "v0/users/b", "v0/users/c"};
    for (size_t i = 0; i < 3; i++) {
        writes[i].method = "PUT";
        writes[i].path = paths[i];
        writes[i].base_url = "http://localhost/api/";
    }
    std::vector<Answer> answers;
    ck_assert_int_eq(run_requests(env, settings, writes, answers), MDB_SUCCESS);
    ck_assert_uint_eq(get(c.block->batch_writes.buckets[2]), 1); // le 4
    ck_assert_uint_eq(get(c.block->batch_writes.sum), 3);
    uint64_t commits = 0;
    for (const auto &bucket : c.block->commit_us.buckets)
        commits += get(bucket);
    ck_assert_uint_eq(commits, 1);
    ck_assert_uint_eq(get(c.block->sync_failures), 0);
}
END_TEST

START_TEST(the_503_refusals_are_counted_by_limit) {
    Counting c(two_routes());
    ck_assert_int_eq(too_many_streams(256).status, 503);
    std::string log;
    ck_assert_int_eq(store_failure(StoreError("mdb_txn_begin", MDB_READERS_FULL), log).status, 503);
    ck_assert_int_eq(store_failure(StoreError("mdb_put", MDB_MAP_FULL), log).status, 507);
    ck_assert_uint_eq(get(c.block->refused[static_cast<size_t>(Limit::streams)]), 1);
    ck_assert_uint_eq(get(c.block->refused[static_cast<size_t>(Limit::readers)]), 1);
    ck_assert_uint_eq(get(c.block->refused[static_cast<size_t>(Limit::top_skip)]), 0);
}
END_TEST

START_TEST(a_backup_is_counted_by_result) {
    Counting c(two_routes());
    backup(Backup::made, 4096, 250, 100);
    backup(Backup::made, 8192, 750, 50); // asked for earlier, made later
    backup(Backup::failed);
    backup(Backup::refused);
    backup(Backup::refused);
    ck_assert_uint_eq(get(c.block->backups[static_cast<size_t>(Backup::made)]), 2);
    ck_assert_uint_eq(get(c.block->backups[static_cast<size_t>(Backup::failed)]), 1);
    ck_assert_uint_eq(get(c.block->backups[static_cast<size_t>(Backup::refused)]), 2);
    ck_assert_uint_eq(get(c.block->backup_bytes), 12288); // only the copies made
    ck_assert_uint_eq(get(c.block->backup_us), 1000);
    ck_assert_uint_eq(get(c.block->last_backup_time), 100); // the newest state copied
}
END_TEST

int main() {
    Suite *s = suite_create("metrics");
    TCase *tc = tcase_create("metrics");
    tcase_add_test(tc, seconds_are_the_shortest_decimal);
    tcase_add_test(tc, rows_are_the_routes_then_none_per_api);
    tcase_add_test(tc, the_api_is_the_first_segment);
    tcase_add_test(tc, the_routes_of_the_api_are_rows);
    tcase_add_test(tc, prepare_keeps_the_counters_of_the_same_layout);
    tcase_add_test(tc, a_histogram_counts_each_value_in_its_bucket);
    tcase_add_test(tc, nothing_is_counted_without_a_block);
    tcase_add_test(tc, the_exposition_of_a_known_block);
    tcase_add_test(tc, without_the_store_its_gauges_are_left_out);
    tcase_add_test(tc, a_label_value_is_escaped);
    tcase_add_test(tc, the_store_gauges_read_lmdb);
    tcase_add_test(tc, a_batch_is_counted_with_its_writes);
    tcase_add_test(tc, the_503_refusals_are_counted_by_limit);
    tcase_add_test(tc, a_backup_is_counted_by_result);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
