// The directory's lists write each user's JSON straight into the answer
// (append_user_json); the bytes are those of the jansson tree the single-user
// answers dump (user_json_text), for any user and any $select/$expand.
#include <random>

#include "handlers.h++"
#include "query.h++"
#include "unit.h++"
#include "users.h++"

#include <sodium.h>

using namespace mtt;

namespace {

std::string text(std::mt19937 &rng) {
    static const char *const parts[] = {"a", "Z",    "\"",   "\\",   "/",  "é",  "zoë", "ß", "😀",
                                        " ", "\x01", "\x1f", "\x7f", "\t", "\n", "<>",  "'"};
    std::string s;
    for (unsigned i = 0, n = rng() % 6; i < n; ++i)
        s += parts[rng() % (sizeof parts / sizeof *parts)];
    return s;
}

std::optional<std::string> maybe(std::mt19937 &rng) {
    if (rng() % 4 == 0)
        return std::nullopt;
    return text(rng);
}

} // namespace

START_TEST(direct_rendering_is_janssons) {
    std::mt19937 rng(11);
    static const char *const props[] = {"Id",         "UserName", "Email",     "FirstName",
                                        "LastName",   "Phone",    "LastLogIn", "Enabled",
                                        "IsExternal", "Self",     "Links"};
    odata::EntitySet set{user_schema(),
                         {"Id", "UserName", "Email", "FirstName", "LastName", "Phone", "LastLogIn",
                          "Enabled", "IsExternal", "Self", "Links"},
                         {"Groups"}};
    for (int round = 0; round < 3000; ++round) {
        User u;
        u.id = new_user_id();
        u.username = "u" + text(rng);
        u.email = maybe(rng);
        u.first_name = maybe(rng);
        u.last_name = maybe(rng);
        u.phone = maybe(rng);
        if (rng() % 2)
            u.last_login = static_cast<int64_t>(rng() % 4000000000u) - 100000000;
        u.enabled = rng() % 2;
        u.external = rng() % 2;
        for (unsigned i = 0, n = rng() % 3; i < n; ++i)
            u.roles.push_back(text(rng));
        std::string base = rng() % 2 ? "http://localhost/api/" : "https://h\\x/\"q\"/";
        std::string query;
        if (rng() % 2) {
            query = "$select=";
            for (unsigned i = 0, n = 1 + rng() % 4; i < n; ++i)
                query += std::string(i ? "," : "") + props[rng() % 11];
        }
        if (rng() % 3 == 0)
            query += std::string(query.empty() ? "" : "&") + "$expand=Groups";
        auto parsed = odata::parse_query(query, set);
        ck_assert(std::holds_alternative<odata::Query>(parsed));
        const odata::Query &q = std::get<odata::Query>(parsed);
        const odata::Query *shape = rng() % 4 ? &q : nullptr;
        std::string direct = "[";
        append_user_json(direct, base, u, shape);
        ck_assert_string_eq(direct.substr(1), user_json_text(base, u, shape));
    }
}
END_TEST

int main() {
    if (sodium_init() < 0)
        return 1;
    Suite *s = suite_create("render");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, direct_rendering_is_janssons);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
