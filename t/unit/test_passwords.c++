// Passwords hashed before their write runs (password_to_hash, Prehashed).
#include "api.h++"
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

const char *create_ann = R"({"UserName":"ann","Email":"ann@example.org","Password":"correct horse"})";

Response run(Env &env, const Request &req) {
    Settings settings;
    std::vector<Answer> answers;
    ck_assert_int_eq(run_batch(env, settings, {req}, answers), MDB_SUCCESS);
    return std::move(answers[0].response);
}

std::string stored_hash(const Env &env, const char *name) {
    Txn txn(env, Txn::Read);
    auto u = find_user_by_name(txn, name);
    ck_assert(u.has_value());
    return u->password_hash;
}

} // namespace

START_TEST(which_writes_set_a_password) {
    std::string pw;
    ck_assert(password_to_hash(json_request("POST", "users", create_ann), pw));
    ck_assert_string_eq(pw, "correct horse");
    ck_assert(password_to_hash(
        json_request("PUT", "user/3464e9da-f1b7-49aa-87db-7e1eebfd17a5/password",
                     R"({"Password":"another one"})"),
        pw));
    ck_assert_string_eq(pw, "another one");
    ck_assert(password_to_hash(
        json_request("PUT", "user/3464e9da-f1b7-49aa-87db-7e1eebfd17a5", R"({"Password":"12345678"})"),
        pw));
    // not a password write, or one the handler will refuse anyway
    ck_assert(!password_to_hash(json_request("POST", "users", R"({"Password":"short"})"), pw));
    ck_assert(!password_to_hash(json_request("POST", "users", R"({"Password":1})"), pw));
    ck_assert(!password_to_hash(json_request("POST", "users", R"({"UserName":"ann"})"), pw));
    ck_assert(!password_to_hash(json_request("POST", "users", "not json"), pw));
    ck_assert(!password_to_hash(json_request("PUT", "v0/users/ann", create_ann), pw));
    ck_assert(!password_to_hash(json_request("GET", "users", create_ann), pw));
    Request form = json_request("POST", "users", create_ann);
    form.content_type = "application/x-www-form-urlencoded";
    ck_assert(!password_to_hash(form, pw));
}
END_TEST

START_TEST(a_prehashed_password_is_used) {
    TempDir dir;
    Env env(store_options(dir));
    Request req = json_request("POST", "users", create_ann);
    req.prehashed = {"correct horse", "$argon2id$made-beforehand"};
    ck_assert_int_eq(run(env, req).status, 201);
    ck_assert_string_eq(stored_hash(env, "ann"), "$argon2id$made-beforehand");
}
END_TEST

START_TEST(a_hash_of_another_password_is_not) {
    TempDir dir;
    Env env(store_options(dir));
    Request req = json_request("POST", "users", create_ann);
    req.prehashed = {"something else", "$argon2id$made-beforehand"};
    ck_assert_int_eq(run(env, req).status, 201);
    std::string hash = stored_hash(env, "ann");
    ck_assert_int_eq(crypto_pwhash_str_verify(hash.c_str(), "correct horse", 13), 0);
}
END_TEST

START_TEST(hash_password_text_verifies) {
    std::string hash = hash_password_text("correct horse");
    ck_assert(hash.rfind("$argon2id$", 0) == 0);
    ck_assert_int_eq(crypto_pwhash_str_verify(hash.c_str(), "correct horse", 13), 0);
    ck_assert_int_ne(crypto_pwhash_str_verify(hash.c_str(), "correct horsf", 13), 0);
}
END_TEST

int main() {
    if (sodium_init() < 0)
        return 1;
    Suite *s = suite_create("passwords");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, which_writes_set_a_password);
    tcase_add_test(tc, a_prehashed_password_is_used);
    tcase_add_test(tc, a_hash_of_another_password_is_not);
    tcase_add_test(tc, hash_password_text_verifies);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
