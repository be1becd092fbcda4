// GET openapi.json: the embedded description, and the routes it describes.
// (the streams before Check, whose fail() macro they would meet)
#include <cctype>
#include <fstream>
#include <sstream>

#include "api.h++"
#include "metrics.h++"
#include "unit.h++"

#include <jansson.h>

using namespace mtt;

namespace {

json_t *description() {
    std::string_view d = openapi_description();
    json_error_t e;
    json_t *doc = json_loadb(d.data(), d.size(), 0, &e);
    ck_assert_msg(doc, "the embedded description is not JSON: line %d: %s", e.line, e.text);
    return doc;
}

} // namespace

START_TEST(embeds_doc_openapi_json) {
    // make unit runs from the top of the repository
    std::ifstream f("doc/openapi.json", std::ios::binary);
    ck_assert(f);
    std::stringstream file;
    file << f.rdbuf();
    ck_assert_uint_gt(file.str().size(), 1000);
    ck_assert(openapi_description() == file.str());
    // a NUL follows the bytes, so they end where the file ends
    ck_assert_int_eq(openapi_description().data()[openapi_description().size()], 0);
    json_t *doc = description();
    ck_assert_str_eq(json_string_value(json_object_get(doc, "openapi")), "3.1.0");
    // the version it describes is the module's (mytimetable_build_info)
    ck_assert_str_eq(json_string_value(json_object_get(json_object_get(doc, "info"), "version")),
                     metrics::version);
    json_decref(doc);
}
END_TEST

START_TEST(every_route_is_described) {
    json_t *doc = description();
    json_t *paths = json_object_get(doc, "paths");
    size_t routes = 0;
    for (const std::string &line : route_table()) {
        size_t sp = line.find(' ');
        std::string method = line.substr(0, sp), path = "/" + line.substr(sp + 1);
        for (char &c : method)
            c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        ck_assert_msg(json_object_get(json_object_get(paths, path.c_str()), method.c_str()),
                      "not described: %s", line.c_str());
        routes++;
    }
    ck_assert_uint_ge(routes, 27);
    json_decref(doc);
}
END_TEST

START_TEST(answers_the_description) {
    TempDir dir;
    Env env(store_options(dir));
    Settings settings;
    Context ctx{env, settings, {}, nullptr};
    Request req;
    req.method = "GET";
    req.path = "openapi.json";
    req.base_url = "http://h/api/";
    Response r = handle(ctx, req);
    ck_assert_int_eq(r.status, 200);
    ck_assert_str_eq(r.content_type.c_str(), mtt::json_type);
    ck_assert(r.body == openapi_description());
    req.method = "HEAD";
    ck_assert_int_eq(handle(ctx, req).status, 200);
    req.method = "PUT";
    r = handle(ctx, req);
    ck_assert_int_eq(r.status, 405);
    ck_assert_uint_eq(r.headers.size(), 1);
    ck_assert_string_eq(r.headers[0].name, "Allow");
    ck_assert_string_eq(r.headers[0].value, "GET, HEAD");
    req.method = "GET";
    req.path = "openapi.yaml";
    ck_assert_int_eq(handle(ctx, req).status, 404);
    ck_assert(ctx.log.empty());
}
END_TEST

int main() {
    Suite *s = suite_create("openapi");
    TCase *tc = tcase_create("openapi");
    tcase_add_test(tc, embeds_doc_openapi_json);
    tcase_add_test(tc, every_route_is_described);
    tcase_add_test(tc, answers_the_description);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
