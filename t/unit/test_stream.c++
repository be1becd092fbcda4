// Streams that hold no read transaction between pieces (ResumableScan), and
// what a full reader table answers.
#include "api.h++"
#include "store.h++"
#include "unit.h++"
#include "users.h++"

#include <memory>
#include <vector>

using namespace mtt;

namespace {

void put_names(const Env &env, std::vector<std::string> names) {
    Txn txn(env, Txn::Write);
    for (const auto &n : names)
        ensure_user(txn, n);
    txn.commit();
}

void delete_name(const Env &env, const std::string &name) {
    Txn txn(env, Txn::Write);
    txn.del(txn.tables().users_by_name, name);
    txn.commit();
}

// One piece of at most `n` keys, appended to `out`.
bool piece(ResumableScan &scan, size_t n, std::vector<std::string> &out) {
    size_t seen = 0;
    return scan.piece([&](const Txn &, const Cursor &c) {
        out.emplace_back(c.key());
        return ++seen < n;
    });
}

} // namespace

START_TEST(scan_resumes_after_the_last_key) {
    TempDir dir;
    Env env(store_options(dir));
    put_names(env, {"b", "d", "f", "h", "j"});
    ResumableScan scan(env, env.tables().users_by_name);
    std::vector<std::string> seen;
    ck_assert(piece(scan, 2, seen)); // b d
    // between pieces: one behind the walk, one ahead, the next one deleted,
    // the last one visited deleted
    put_names(env, {"a", "c", "e", "g"});
    delete_name(env, "f");
    delete_name(env, "d");
    while (piece(scan, 2, seen)) {
    }
    std::string got;
    for (const auto &k : seen)
        got += k;
    ck_assert_string_eq(got, "bdeghj"); // in order, each once, a c (behind) never, f (deleted) not
    ck_assert(scan.done());
    ck_assert(!piece(scan, 2, seen));
}
END_TEST

START_TEST(scan_holds_no_reader_between_pieces) {
    TempDir dir;
    Env env(store_options(dir));
    put_names(env, {"a", "b", "c"});
    ResumableScan scan(env, env.tables().users_by_name);
    std::vector<std::string> seen;
    uint64_t before = env.read_stats().transactions;
    ck_assert(piece(scan, 1, seen));
    // the piece's transaction has ended: it is counted, and no slot is taken
    ck_assert_uint_eq(env.read_stats().transactions, before + 1);
    int readers = -1;
    MDB_envinfo info;
    mdb_env_info(env.get(), &info);
    readers = static_cast<int>(info.me_numreaders);
    // a slot once used stays in the table but is free: a writer may reuse pages
    for (int i = 0; i < 200; i++)
        put_names(env, {"x" + std::to_string(i)});
    mdb_env_info(env.get(), &info);
    ck_assert_uint_le(info.me_last_pgno, 64); // 1 MiB map: no snapshot pinned, no growth
    (void)readers;
    while (piece(scan, 1000, seen)) {
    }
    ck_assert_uint_eq(seen.size(), 203);
}
END_TEST

START_TEST(full_reader_table_answers_503) {
    TempDir dir;
    EnvOptions o = store_options(dir);
    o.max_readers = 4;
    Env env(o);
    put_names(env, {"alice"});
    std::vector<std::unique_ptr<Txn>> held;
    bool full = false;
    std::string log;
    Response r;
    for (int i = 0; i < 10000 && !full; i++) {
        try {
            held.push_back(std::make_unique<Txn>(env, Txn::Read));
        } catch (const StoreError &e) {
            full = e.readers_full();
            r = store_failure(e, log);
        }
    }
    ck_assert(full);
    ck_assert_int_eq(r.status, 503);
    ck_assert_uint_eq(r.headers.size(), 1);
    ck_assert_string_eq(r.headers[0].name, "Retry-After");
    ck_assert_string_eq(r.headers[0].value, "1");
    ck_assert_string_eq(r.body,
                        "{\"error\":\"service_unavailable\",\"message\":\"the store is busy: "
                        "every read slot is taken; retry in a second\"}");
    ck_assert(log.find("MDB_READERS_FULL") != std::string::npos);
    // a request meets the same answer through handle()
    Settings settings;
    Context ctx{env, settings, {}, nullptr};
    Request req;
    req.method = "GET";
    req.path = "v0/users/alice";
    req.base_url = "http://h/api/";
    Response viahandle = handle(ctx, req);
    ck_assert_int_eq(viahandle.status, 503);
    ck_assert(!ctx.log.empty());
    held.clear();
    ctx.log.clear();
    ck_assert_int_eq(handle(ctx, req).status, 200);
}
END_TEST

START_TEST(too_many_streams_names_the_directive) {
    Response r = too_many_streams(256);
    ck_assert_int_eq(r.status, 503);
    ck_assert_string_eq(r.headers.at(0).name, "Retry-After");
    ck_assert(r.body.find("mytimetable_max_streams") != std::string::npos);
    ck_assert(r.body.find("256") != std::string::npos);
}
END_TEST

int main() {
    Suite *s = suite_create("stream");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, scan_resumes_after_the_last_key);
    tcase_add_test(tc, scan_holds_no_reader_between_pieces);
    tcase_add_test(tc, full_reader_table_answers_503);
    tcase_add_test(tc, too_many_streams_names_the_directive);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
