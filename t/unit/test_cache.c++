// The answer cache (Cache) and the router's use of it (run_read): whole JSON
// 200s, kept for one snapshot of the store.
#include "api.h++"
#include "store.h++"
#include "unit.h++"
#include "users.h++"

#include <memory>
#include <stdexcept>
#include <string>

using namespace mtt;

namespace {

Response json_answer(std::string body) {
    Response r;
    r.content_type = json_type;
    r.body = std::move(body);
    return r;
}

class Pieces : public BodyStream {
  public:
    bool next(std::string &out, size_t) override {
        out += "]";
        return false;
    }
};

// A GET's command that answers how often it ran, and a long read that says
// it ran ahead on `snapshot` (when set).
class Counting : public Command {
  public:
    mutable int runs = 0;
    Response apply(Txn &, const Scope &) const override {
        return json_answer("{\"run\":" + std::to_string(++runs) + "}");
    }
};

class RanAhead : public ReadAhead {
  public:
    explicit RanAhead(uint64_t snapshot) : snapshot_(snapshot) {}
    bool long_read(const Txn &, uint64_t) const override { return true; }
    void run(const Env &) noexcept override {}
    bool ran() const override { return true; }
    uint64_t snapshot() const override { return snapshot_; }

  private:
    uint64_t snapshot_;
};

Request get(const char *path) {
    Request r;
    r.method = "GET";
    r.path = path;
    r.base_url = "http://h/api/";
    return r;
}

void write_user(Env &env, const char *name) {
    Txn txn(env, Txn::Write);
    ensure_user(txn, name);
    txn.commit();
}

uint64_t snapshot_of(const Env &env) {
    return Txn(env, Txn::Read).snapshot();
}

} // namespace

START_TEST(keeps_whole_json_200s_of_one_snapshot) {
    Cache cache;
    Response r = json_answer("{}");
    r.headers.push_back({"X-A", "b"});
    cache.store(7, "k", r);
    const Response *hit = cache.find(7, "k");
    ck_assert(hit != nullptr);
    ck_assert_int_eq(hit->status, 200);
    ck_assert_string_eq(hit->body, "{}");
    ck_assert_string_eq(hit->content_type, json_type);
    ck_assert_uint_eq(hit->headers.size(), 1);
    ck_assert_string_eq(hit->headers[0].value, "b");
    ck_assert(cache.find(7, "other") == nullptr);
    ck_assert(cache.find(8, "k") == nullptr); // another snapshot
}
END_TEST

START_TEST(refuses_what_is_not_a_whole_json_200) {
    Cache cache;
    Response created = json_answer("{}");
    created.status = 201;
    cache.store(1, "201", created);
    cache.store(1, "404", error(404, "no"));
    Response calendar = json_answer("BEGIN:VCALENDAR");
    calendar.content_type = "text/calendar; charset=utf-8";
    cache.store(1, "ics", calendar);
    Response streamed = json_answer("[");
    streamed.stream = std::make_unique<Pieces>();
    cache.store(1, "stream", streamed);
    cache.store(1, "big", json_answer(std::string(Cache::max_body + 1, ' ')));
    cache.store(1, "fits", json_answer(std::string(Cache::max_body, ' ')));
    for (const char *key : {"201", "404", "ics", "stream", "big"})
        ck_assert_msg(cache.find(1, key) == nullptr, "kept %s", key);
    ck_assert(cache.find(1, "fits") != nullptr);
}
END_TEST

START_TEST(a_new_snapshot_or_a_full_cache_starts_afresh) {
    Cache cache;
    cache.store(1, "a", json_answer("1"));
    cache.store(2, "b", json_answer("2"));
    ck_assert(cache.find(2, "b") != nullptr);
    ck_assert(cache.find(1, "a") == nullptr);
    ck_assert(cache.find(2, "a") == nullptr);           // emptied, not carried over
    for (size_t i = 0; i + 1 < Cache::max_entries; i++) // full: 256 entries with "b"
        cache.store(2, "k" + std::to_string(i), json_answer("x"));
    ck_assert(cache.find(2, "b") != nullptr);
    ck_assert(cache.find(2, "k" + std::to_string(Cache::max_entries - 2)) != nullptr);
    // the next finds it full: it is wiped, and holds the newcomer alone
    cache.store(2, "last", json_answer("y"));
    ck_assert(cache.find(2, "last") != nullptr);
    ck_assert(cache.find(2, "b") == nullptr);
    ck_assert(cache.find(2, "k0") == nullptr);
}
END_TEST

// run_read: the same snapshot answers from the cache, a commit makes a new one.
START_TEST(a_read_is_cached_until_a_commit) {
    TempDir dir;
    Env env(store_options(dir));
    Settings settings;
    Cache cache;
    Context ctx{env, settings, {}, &cache};
    Counting cmd;
    Request req = get("x");
    ck_assert_string_eq(run_read(ctx, req, cmd)->body, "{\"run\":1}");
    ck_assert_string_eq(run_read(ctx, req, cmd)->body, "{\"run\":1}");
    ck_assert_int_eq(cmd.runs, 1);
    Request other = req;
    other.base_url = "http://elsewhere/api/"; // another base URL is another answer
    ck_assert_string_eq(run_read(ctx, other, cmd)->body, "{\"run\":2}");
    write_user(env, "ann");
    ck_assert_string_eq(run_read(ctx, req, cmd)->body, "{\"run\":3}");
    ck_assert_string_eq(run_read(ctx, req, cmd)->body, "{\"run\":3}");
    ck_assert(ctx.log.empty());
}
END_TEST

// An answer made from a read that ran ahead on an older snapshot is not
// this snapshot's: it is not kept. One of this snapshot is.
START_TEST(a_read_ahead_of_an_older_snapshot_is_not_cached) {
    TempDir dir;
    Env env(store_options(dir));
    Settings settings;
    Cache cache;
    Context ctx{env, settings, {}, &cache};
    uint64_t before = snapshot_of(env);
    write_user(env, "ann");
    Counting old;
    old.ahead = std::make_shared<RanAhead>(before);
    Request req = get("x");
    ck_assert_string_eq(run_read(ctx, req, old)->body, "{\"run\":1}");
    ck_assert_string_eq(run_read(ctx, req, old)->body, "{\"run\":2}");
    Counting current;
    current.ahead = std::make_shared<RanAhead>(snapshot_of(env));
    ck_assert_string_eq(run_read(ctx, req, current)->body, "{\"run\":1}");
    ck_assert_string_eq(run_read(ctx, req, old)->body, "{\"run\":1}"); // now cached
}
END_TEST

// A long read not run yet is handed back to the caller, unless the cache
// has the answer.
START_TEST(a_long_read_goes_ahead_unless_cached) {
    TempDir dir;
    Env env(store_options(dir));
    Settings settings;
    Cache cache;
    Context ctx{env, settings, {}, &cache};
    struct NotRun : RanAhead {
        NotRun() : RanAhead(0) {}
        bool ran() const override { return false; }
    };
    Counting cmd;
    cmd.ahead = std::make_shared<NotRun>();
    Request req = get("x");
    ck_assert(!run_read(ctx, req, cmd, 4096).has_value());
    ck_assert_int_eq(cmd.runs, 0);
    ck_assert_string_eq(run_read(ctx, req, cmd, 0)->body, "{\"run\":1}");    // on the event loop
    ck_assert_string_eq(run_read(ctx, req, cmd, 4096)->body, "{\"run\":1}"); // cached
}
END_TEST

// AnswerAhead: the answer made in run() (its own transaction, the request's
// base URL as parse saw it) is the one answer() gives, once; without run()
// answer() makes it in the transaction handed in; an exception of run() is
// thrown again by answer().
START_TEST(an_answer_made_ahead_is_the_answer) {
    TempDir dir;
    Env env(store_options(dir));
    Settings settings;
    write_user(env, "ann");
    int made = 0;
    auto make = [&made](Txn &txn, const Scope &at) {
        ++made;
        return json_answer("{\"users\":" + std::to_string(txn.entries(txn.tables().users)) +
                           ",\"base\":\"" + std::string(at.base_url) + "\"}");
    };
    auto is_long = [](const Txn &, uint64_t rows) { return rows < 10; };
    std::string base = "http://directory.example/api/";
    Request req = get("x");
    req.base_url = base;
    AnswerAhead ahead(make, is_long, settings, req);
    base.assign(base.size(), '?'); // the request's buffer may be reused: ahead keeps a copy
    {
        Txn txn(env, Txn::Read);
        ck_assert(ahead.long_read(txn, 4));
        ck_assert(!ahead.long_read(txn, 4096));
    }
    ck_assert(!ahead.ran());
    ahead.run(env);
    ck_assert(ahead.ran());
    ck_assert_int_eq(made, 1);
    Txn txn(env, Txn::Read);
    ck_assert_uint_eq(ahead.snapshot(), txn.snapshot());
    Scope at{env, settings, "http://other/", 0};
    ck_assert_string_eq(ahead.answer(txn, at).body,
                        "{\"users\":1,\"base\":\"http://directory.example/api/\"}");
    ck_assert_int_eq(made, 1);

    AnswerAhead now(make, is_long, settings, req);
    ck_assert_string_eq(now.answer(txn, at).body, "{\"users\":1,\"base\":\"http://other/\"}");
    ck_assert_int_eq(made, 2);

    AnswerAhead failing([](Txn &, const Scope &) -> Response { throw std::runtime_error("boom"); },
                        is_long, settings, req);
    failing.run(env);
    ck_assert(failing.ran());
    bool thrown = false;
    try {
        failing.answer(txn, at);
    } catch (const std::runtime_error &e) {
        thrown = std::string(e.what()) == "boom";
    }
    ck_assert(thrown);
}
END_TEST

int main() {
    Suite *s = suite_create("cache");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, keeps_whole_json_200s_of_one_snapshot);
    tcase_add_test(tc, refuses_what_is_not_a_whole_json_200);
    tcase_add_test(tc, a_new_snapshot_or_a_full_cache_starts_afresh);
    tcase_add_test(tc, a_read_is_cached_until_a_commit);
    tcase_add_test(tc, a_read_ahead_of_an_older_snapshot_is_not_cached);
    tcase_add_test(tc, a_long_read_goes_ahead_unless_cached);
    tcase_add_test(tc, an_answer_made_ahead_is_the_answer);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
