// Passwords are a property of the parsed command (Command::password): the
// module hashes them in its thread pool before the write runs; apply stores
// that hash, or makes it when nobody did.
#include "api.h++"
#include "requests.h++"
#include "store.h++"
#include "unit.h++"
#include "users.h++"

#include <sodium.h>

#include <string>
#include <vector>

using namespace mtt;

namespace {

Request json_request(const char *method, const char *path, const char *body) {
    Request r;
    r.method = method;
    r.path = path;
    r.content_type = "application/json";
    r.body = body;
    r.has_body = true;
    r.base_url = "http://localhost/api/";
    return r;
}

const char *create_ann =
    R"({"UserName":"ann","Email":"ann@example.org","Password":"correct horse"})";

// The password the command of `req` stores; "-" when it stores none or the
// request is refused.
std::string password_of(const Request &req) {
    Settings settings;
    Parsed p = parse(req, settings);
    return p.command && p.command->password ? p.command->password->text() : "-";
}

std::string stored_hash(const Env &env, const char *name) {
    Txn txn(env, Txn::Read);
    auto u = find_user_by_name(txn, name);
    ck_assert(u.has_value());
    return u->password_hash;
}

bool verifies(const std::string &hash, const char *password) {
    return crypto_pwhash_str_verify(hash.c_str(), password, strlen(password)) == 0;
}

// A write that changes the store, then fails: it spoils its batch.
class Spoiler : public Command {
  public:
    Response apply(Txn &txn, const Scope &) const override {
        ensure_user(txn, "spoiler");
        return error(400, "changed something, then failed");
    }
};

} // namespace

START_TEST(which_commands_store_a_password) {
    ck_assert_string_eq(password_of(json_request("POST", "users", create_ann)), "correct horse");
    ck_assert_string_eq(
        password_of(json_request("PUT", "user/3464e9da-f1b7-49aa-87db-7e1eebfd17a5/password",
                                 R"({"Password":"another one"})")),
        "another one");
    ck_assert_string_eq(password_of(json_request("PUT", "user/3464e9da-f1b7-49aa-87db-7e1eebfd17a5",
                                                 R"({"Password":"12345678"})")),
                        "12345678");
    // not a password write, or one the route refuses anyway
    ck_assert_string_eq(password_of(json_request("POST", "users", R"({"Password":"short"})")), "-");
    ck_assert_string_eq(password_of(json_request("POST", "users", R"({"Password":1})")), "-");
    ck_assert_string_eq(password_of(json_request("POST", "users", R"({"UserName":"ann"})")), "-");
    ck_assert_string_eq(password_of(json_request("POST", "users", "not json")), "-");
    ck_assert_string_eq(password_of(json_request("PUT", "v0/users/ann", create_ann)), "-");
    ck_assert_string_eq(password_of(json_request("GET", "users", create_ann)), "-");
    Request form = json_request("POST", "users", create_ann);
    form.content_type = "application/x-www-form-urlencoded";
    ck_assert_string_eq(password_of(form), "-");
    // an update with a field refused (answered once the user is found) hashes nothing
    ck_assert_string_eq(password_of(json_request("PUT", "user/3464e9da-f1b7-49aa-87db-7e1eebfd17a5",
                                                 R"({"Password":"12345678","Bogus":1})")),
                        "-");
}
END_TEST

START_TEST(a_password_hashed_before_apply_is_stored) {
    TempDir dir;
    Env env(store_options(dir));
    Settings settings;
    Request req = json_request("POST", "users", create_ann);
    Parsed p = parse(req, settings);
    ck_assert(p.command && p.command->password);
    p.command->password->hash_now(); // as the thread pool does
    std::string made = p.command->password->hash();
    std::vector<Answer> answers;
    ck_assert_int_eq(run_batch(env, settings, {{p.command.get(), req.base_url, 0}}, answers),
                     MDB_SUCCESS);
    ck_assert_int_eq(answers[0].response.status, 201);
    ck_assert_string_eq(stored_hash(env, "ann"), made);
}
END_TEST

START_TEST(apply_hashes_a_password_nobody_hashed) {
    TempDir dir;
    Env env(store_options(dir));
    Settings settings;
    std::vector<Answer> answers;
    ck_assert_int_eq(
        run_requests(env, settings, {json_request("POST", "users", create_ann)}, answers),
        MDB_SUCCESS);
    ck_assert_int_eq(answers[0].response.status, 201);
    ck_assert(verifies(stored_hash(env, "ann"), "correct horse"));
}
END_TEST

// A spoiled batch applies the same commands again, nested: the password is
// not parsed nor hashed a second time.
START_TEST(a_spoiled_batch_keeps_the_hash) {
    TempDir dir;
    Env env(store_options(dir));
    Settings settings;
    Request req = json_request("POST", "users", create_ann);
    Parsed p = parse(req, settings);
    ck_assert(p.command && p.command->password);
    Spoiler spoiler;
    std::vector<Answer> answers;
    ck_assert_int_eq(run_batch(env, settings,
                               {{p.command.get(), req.base_url, 0}, {&spoiler, req.base_url, 0}},
                               answers),
                     MDB_SUCCESS);
    ck_assert_int_eq(answers[0].response.status, 201);
    ck_assert_int_eq(answers[1].response.status, 400);
    ck_assert(p.command->password->hashed());
    ck_assert_string_eq(stored_hash(env, "ann"), p.command->password->hash());
    Txn txn(env, Txn::Read);
    ck_assert(!find_user_by_name(txn, "spoiler"));
}
END_TEST

START_TEST(a_hash_verifies) {
    PasswordToHash pw("correct horse");
    ck_assert(!pw.hashed());
    std::string hash = pw.hash();
    ck_assert(pw.hashed());
    ck_assert(hash.rfind("$argon2id$", 0) == 0);
    ck_assert(verifies(hash, "correct horse"));
    ck_assert(!verifies(hash, "correct horsf"));
    ck_assert_string_eq(pw.hash(), hash); // made once
}
END_TEST

int main() {
    if (sodium_init() < 0)
        return 1;
    Suite *s = suite_create("passwords");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, which_commands_store_a_password);
    tcase_add_test(tc, a_password_hashed_before_apply_is_stored);
    tcase_add_test(tc, apply_hashes_a_password_nobody_hashed);
    tcase_add_test(tc, a_spoiled_batch_keeps_the_hash);
    tcase_add_test(tc, a_hash_verifies);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
