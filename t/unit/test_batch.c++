// Group commit (run_batch: the commands of a batch) and the batch modes of Txn.
#include "api.h++"
#include "requests.h++"
#include "store.h++"
#include "unit.h++"
#include "users.h++"

#include <atomic>
#include <chrono>
#include <future>
#include <map>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

using namespace mtt;

namespace {

bool has_user(const Env &env, const std::string &name) {
    Txn txn(env, Txn::Read);
    return find_user_by_name(txn, name).has_value();
}

Request put(const char *path) {
    Request r;
    r.method = "PUT";
    r.path = path;
    r.base_url = "http://localhost/api/";
    return r;
}

// A stand-in for a route's command that writes a user of its name; "fail"
// answers 400 before writing, "spoil" writes and then answers 400 (which
// leaves its change to be undone), "throw" writes and then throws. Counts
// the runs of each name.
std::map<std::string, int> runs;

class Fake : public Command {
  public:
    explicit Fake(std::string name) : name_(std::move(name)) {}
    Response apply(Txn &txn, const Scope &) const override {
        ++runs[name_];
        if (name_ == "fail")
            return error(400, "bad");
        ensure_user(txn, name_);
        if (name_ == "spoil")
            return error(400, "changed something, then failed");
        if (name_ == "throw")
            throw std::runtime_error("failed half-way");
        return no_content();
    }

  private:
    std::string name_;
};

// The fake commands of `names`, in one batch.
int run_fakes(Env &env, const std::vector<std::string> &names, std::vector<Answer> &answers) {
    Settings settings;
    std::vector<Fake> fakes(names.begin(), names.end());
    std::vector<Write> writes;
    for (const Fake &f : fakes)
        writes.push_back({&f, "http://localhost/api/", 0});
    return run_batch(env, settings, writes, answers);
}

} // namespace

START_TEST(direct_writes_share_the_batch) {
    TempDir dir;
    Env env(store_options(dir));
    Txn outer(env, Txn::Write);
    Batch batch{outer.get(), false};
    {
        Txn a(env, Txn::Write, &batch);
        ensure_user(a, "alice");
        a.commit();
    }
    {
        Txn b(env, Txn::Write, &batch);
        ck_assert(find_user_by_name(b, "alice").has_value()); // sees the batch
        ensure_user(b, "bob");
        b.commit();
    }
    {
        Txn c(env, Txn::Write, &batch); // opened and left without a change
    }
    ck_assert(!batch.spoiled);
    outer.commit();
    ck_assert(has_user(env, "alice") && has_user(env, "bob"));
}
END_TEST

START_TEST(a_direct_write_left_uncommitted_spoils) {
    TempDir dir;
    Env env(store_options(dir));
    Txn outer(env, Txn::Write);
    Batch batch{outer.get(), false};
    {
        Txn a(env, Txn::Write, &batch);
        ensure_user(a, "alice");
    }
    ck_assert(batch.spoiled);

    Batch second{outer.get(), false};
    try {
        Txn b(env, Txn::Write, &second);
        throw std::runtime_error("before any change");
    } catch (const std::runtime_error &) {
    }
    ck_assert(second.spoiled); // an exception may follow a failed store call
}
END_TEST

START_TEST(a_cursor_delete_is_a_change) {
    TempDir dir;
    Env env(store_options(dir));
    {
        Txn txn(env, Txn::Write);
        ensure_user(txn, "alice");
        txn.commit();
    }
    Txn outer(env, Txn::Write);
    Batch batch{outer.get(), false};
    {
        Txn a(env, Txn::Write, &batch);
        Cursor c(a, a.tables().users_by_name);
        ck_assert(c.first());
        c.del();
    }
    ck_assert(batch.spoiled);
}
END_TEST

START_TEST(a_nested_write_aborts_alone) {
    TempDir dir;
    Env env(store_options(dir));
    Txn outer(env, Txn::Write);
    Batch batch{outer.get(), true};
    {
        Txn a(env, Txn::Write, &batch);
        ensure_user(a, "alice");
        a.commit();
    }
    {
        Txn b(env, Txn::Write, &batch);
        ensure_user(b, "bob");
    }
    ck_assert(!batch.spoiled);
    outer.commit();
    ck_assert(has_user(env, "alice"));
    ck_assert(!has_user(env, "bob"));
}
END_TEST

START_TEST(batch_runs_once_when_nothing_spoils) {
    TempDir dir;
    Env env(store_options(dir));
    runs.clear();
    std::vector<Answer> answers;
    int rc = run_fakes(env, {"alice", "fail", "bob"}, answers);
    ck_assert_int_eq(rc, MDB_SUCCESS);
    ck_assert_uint_eq(answers.size(), 3);
    ck_assert_int_eq(answers[0].response.status, 204);
    ck_assert_int_eq(answers[1].response.status, 400);
    ck_assert_int_eq(answers[2].response.status, 204);
    ck_assert_int_eq(runs["alice"], 1);
    ck_assert_int_eq(runs["fail"], 1);
    ck_assert(has_user(env, "alice") && has_user(env, "bob"));
}
END_TEST

START_TEST(a_spoiled_batch_runs_again_nested) {
    TempDir dir;
    Env env(store_options(dir));
    for (const char *bad : {"spoil", "throw"}) {
        runs.clear();
        std::vector<Answer> answers;
        int rc = run_fakes(env, {"alice", bad, "bob"}, answers);
        ck_assert_int_eq(rc, MDB_SUCCESS);
        ck_assert_int_eq(runs["alice"], 2); // once directly, once nested
        ck_assert_int_eq(runs[bad], 2);
        ck_assert_int_eq(answers[0].response.status, 204);
        ck_assert_int_eq(answers[1].response.status, std::string(bad) == "spoil" ? 400 : 500);
        ck_assert_int_eq(answers[2].response.status, 204);
        if (std::string(bad) == "throw")
            ck_assert_string_eq(answers[1].log, "failed half-way");
        ck_assert(has_user(env, "alice") && has_user(env, "bob"));
        ck_assert(!has_user(env, bad)); // its change was undone
    }
}
END_TEST

START_TEST(a_lone_spoiled_write_is_aborted) {
    TempDir dir;
    Env env(store_options(dir));
    runs.clear();
    std::vector<Answer> answers;
    ck_assert_int_eq(run_fakes(env, {"spoil"}, answers), MDB_SUCCESS);
    ck_assert_int_eq(runs["spoil"], 1);
    ck_assert_int_eq(answers[0].response.status, 400);
    ck_assert(!has_user(env, "spoil"));
}
END_TEST

START_TEST(the_real_api_in_a_batch) {
    TempDir dir;
    Env env(store_options(dir));
    Settings settings;
    std::vector<Answer> answers;
    int rc = run_requests(
        env, settings, {put("v0/users/alice"), put("v0/users/%00"), put("v0/users/bob")}, answers);
    ck_assert_int_eq(rc, MDB_SUCCESS);
    ck_assert_int_eq(answers[0].response.status, 204);
    ck_assert_int_eq(answers[1].response.status, 400);
    ck_assert_int_eq(answers[2].response.status, 204);
    ck_assert(has_user(env, "alice") && has_user(env, "bob"));
}
END_TEST

// The writes of a batch are taken once its transaction has begun, that is
// once the writer lock is its own: a write queued while another thread held
// the lock joins the batch; and `take` runs once, even when the batch runs
// again nested.
START_TEST(writes_are_taken_once_the_lock_is_held) {
    TempDir dir;
    Env env(store_options(dir));
    Settings settings;
    runs.clear();
    Fake early("alice"), late("bob"), spoil("spoil");
    std::mutex queue_mutex;
    std::vector<Write> queue{{&early, "http://localhost/api/", 0},
                             {&spoil, "http://localhost/api/", 0}};
    std::atomic<bool> holder_committed{false};
    std::promise<void> held;
    std::thread holder([&] {
        Txn txn(env, Txn::Write);
        held.set_value();
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        {
            std::lock_guard<std::mutex> lock(queue_mutex);
            queue.push_back({&late, "http://localhost/api/", 0}); // queued while it waits
        }
        ensure_user(txn, "holder");
        txn.commit();
        holder_committed = true;
    });
    held.get_future().wait();
    int takes = 0;
    bool after_holder = false;
    std::vector<Write> taken;
    std::vector<Answer> answers;
    int rc = run_batch(
        env, settings,
        [&]() -> const std::vector<Write> & {
            ++takes;
            after_holder = holder_committed.load();
            std::lock_guard<std::mutex> lock(queue_mutex);
            taken.swap(queue);
            return taken;
        },
        answers);
    holder.join();
    ck_assert_int_eq(rc, MDB_SUCCESS);
    ck_assert_int_eq(takes, 1);
    ck_assert(after_holder);
    ck_assert_uint_eq(answers.size(), 3);
    ck_assert_int_eq(answers[0].response.status, 204);
    ck_assert_int_eq(answers[1].response.status, 400);
    ck_assert_int_eq(answers[2].response.status, 204);
    ck_assert_int_eq(runs["bob"], 2); // directly, then nested after "spoil"
    ck_assert(has_user(env, "holder") && has_user(env, "alice") && has_user(env, "bob"));
    ck_assert(!has_user(env, "spoil"));
}
END_TEST

// The module hands the API views of the request's buffers; an absent body
// is an empty view with no data at all.
START_TEST(an_empty_body_view_reads_as_empty) {
    TempDir dir;
    Env env(store_options(dir));
    Settings settings;
    Request req = put("users");
    req.method = "POST";
    req.content_type = "application/json";
    req.body = std::string_view();
    std::vector<Answer> answers;
    ck_assert_int_eq(run_requests(env, settings, {req}, answers), MDB_SUCCESS);
    ck_assert_int_eq(answers[0].response.status, 400);
    ck_assert_string_eq(answers[0].response.body,
                        "{\"error\":\"bad_request\",\"message\":\"the body is not valid JSON: "
                        "'[' or '{' expected near end of file (line 1, column 0)\"}");
}
END_TEST

int main() {
    Suite *s = suite_create("batch");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, direct_writes_share_the_batch);
    tcase_add_test(tc, a_direct_write_left_uncommitted_spoils);
    tcase_add_test(tc, a_cursor_delete_is_a_change);
    tcase_add_test(tc, a_nested_write_aborts_alone);
    tcase_add_test(tc, batch_runs_once_when_nothing_spoils);
    tcase_add_test(tc, a_spoiled_batch_runs_again_nested);
    tcase_add_test(tc, a_lone_spoiled_write_is_aborted);
    tcase_add_test(tc, the_real_api_in_a_batch);
    tcase_add_test(tc, an_empty_body_view_reads_as_empty);
    tcase_add_test(tc, writes_are_taken_once_the_lock_is_held);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
