#include "router.h++"
#include "unit.h++"

using namespace mtt;

namespace {

using Handler = int;
const std::vector<Route<Handler>> routes = {
    {"GET", "v0/users", 1},
    {"PUT", "v0/users/{username}", 2},
    {"DELETE", "v0/users/{username}", 3},
    {"GET", "v0/users/{username}/events", 4},
};

} // namespace

START_TEST(raw_paths_with_dot_or_empty_segments) {
    const char *dots = "the path has a '.' or '..' segment; send the path without dot segments";
    const char *empty = "the path has an empty segment ('//'); send the path without it";
    for (const char *p : {"/api/v0/users/..", "/api/v0/users/.", "/api/./v0/users",
                          "/api/v0/users/%2e%2e", "/api/v0/users/%2E.", "/api/v0/users/%2e",
                          "/x/../api/v0/users/alice", "/api/v0/users/../users/x"}) {
        auto e = raw_path_problem(p);
        ck_assert_msg(e && *e == dots, "%s", p);
    }
    for (const char *p : {"/api//v0/users", "//api/v0/users", "/api/v0/users//x"}) {
        auto e = raw_path_problem(p);
        ck_assert_msg(e && *e == empty, "%s", p);
    }
    for (const char *p : {"/api/v0/users", "/api/", "/api/v0/users/...", "/api/v0/users/a.b",
                          "/api/v0/users/.alice", "/api/v0/users/%2e%2e%2e", "/api/v0/users/%2ex",
                          "/api/v0/users/%2", "/", "*", "http://h/a/../b"}) {
        ck_assert_msg(!raw_path_problem(p), "%s", p);
    }
}
END_TEST

START_TEST(matches_literal_and_captures) {
    Params p;
    ck_assert(match_pattern("v0/users", "v0/users", p));
    ck_assert_uint_eq(p.size(), 0);
    ck_assert(match_pattern("v0/users/{u}/events", "v0/users/al%20ice/events", p));
    ck_assert_uint_eq(p.size(), 1);
    ck_assert_string_eq(std::string(p[0]), "al%20ice");
}
END_TEST

START_TEST(rejects_near_misses) {
    Params p;
    ck_assert(!match_pattern("v0/users", "v0/users/", p));
    ck_assert(!match_pattern("v0/users", "v0/user", p));
    ck_assert(!match_pattern("v0/users", "v0/usersx", p));
    ck_assert(!match_pattern("v0/users/{u}", "v0/users/", p));
    ck_assert(!match_pattern("v0/users/{u}", "v0/users/a/b", p));
    ck_assert(!match_pattern("v0/users/{u}", "v0/users", p));
    ck_assert(!match_pattern("v0/users", "", p));
    ck_assert(!match_pattern("v0/users", "/v0/users", p));
}
END_TEST

START_TEST(routes_by_method) {
    auto m = route(routes, "PUT", "v0/users/alice");
    ck_assert_int_eq(m.kind, Match<Handler>::Found);
    ck_assert_int_eq(m.route->handler, 2);
    ck_assert_string_eq(std::string(m.params[0]), "alice");
    m = route(routes, "DELETE", "v0/users/alice");
    ck_assert_int_eq(m.route->handler, 3);
    m = route(routes, "HEAD", "v0/users");
    ck_assert_int_eq(m.kind, Match<Handler>::Found);
    ck_assert_int_eq(m.route->handler, 1);
}
END_TEST

START_TEST(method_not_allowed_lists_allow) {
    auto m = route(routes, "POST", "v0/users/alice");
    ck_assert_int_eq(m.kind, Match<Handler>::NoMethod);
    ck_assert_string_eq(m.allow, "PUT, DELETE");
    m = route(routes, "DELETE", "v0/users");
    ck_assert_string_eq(m.allow, "GET, HEAD");
}
END_TEST

START_TEST(unknown_path) {
    auto m = route(routes, "GET", "v1/users");
    ck_assert_int_eq(m.kind, Match<Handler>::NoPath);
    m = route(routes, "GET", "v0/users/alice/other");
    ck_assert_int_eq(m.kind, Match<Handler>::NoPath);
}
END_TEST

int main() {
    Suite *s = suite_create("router");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, raw_paths_with_dot_or_empty_segments);
    tcase_add_test(tc, matches_literal_and_captures);
    tcase_add_test(tc, rejects_near_misses);
    tcase_add_test(tc, routes_by_method);
    tcase_add_test(tc, method_not_allowed_lists_allow);
    tcase_add_test(tc, unknown_path);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
