#include "json.h++"
#include "unit.h++"

#include <stdexcept>
#include <string>
#include <vector>

using namespace mtt;

namespace {

// What jansson itself writes for the string `s`.
std::string by_jansson(const std::string &s) {
    Json j(json_str(s));
    ck_assert_ptr_nonnull(j.get());
    return dump(j.get());
}

std::string appended(const std::string &s) {
    std::string out = "[";
    append_json_string(out, s);
    return out.substr(1);
}

} // namespace

START_TEST(strings_are_written_as_jansson_writes_them) {
    std::vector<std::string> cases = {
        "",
        "alice",
        "u12345",
        "a b",
        "with \"quotes\"",
        "back\\slash",
        "a/b",
        "tab\there",
        "new\nline",
        "\x7f",
        "j\xC3\xBCrgen",
        "\xE2\x80\xA8",
        "\xF0\x9F\x98\x80",
        "~!@#$%^&*()_+`-={}[]|:;'<>?,.",
    };
    for (int c = 1; c < 0x80; ++c) // every ASCII byte alone and inside a word
        cases.push_back(std::string(1, static_cast<char>(c))),
            cases.push_back("x" + std::string(1, static_cast<char>(c)) + "y");
    for (const auto &s : cases)
        ck_assert_string_eq(appended(s), by_jansson(s));
    ck_assert_string_eq(appended("a\"b"), "\"a\\\"b\"");
    ck_assert_string_eq(appended("a\x01"), "\"a\\u0001\"");
}
END_TEST

START_TEST(invalid_utf8_is_refused) {
    std::string out;
    bool thrown = false;
    try {
        append_json_string(out, "bad \xC3");
    } catch (const std::invalid_argument &) {
        thrown = true;
    }
    ck_assert(thrown);
    ck_assert_string_eq(out, "");
}
END_TEST

START_TEST(appends_after_what_is_there) {
    std::string out = "{\"users\":[";
    append_json_string(out, "alice");
    out += ',';
    append_json_string(out, "b\xC3\xA9");
    Json j(json_object());
    json_object_set_new(j.get(), "n", json_integer(1));
    out += "],\"x\":";
    append_json(out, j.get());
    ck_assert_string_eq(out, "{\"users\":[\"alice\",\"b\xC3\xA9\"],\"x\":{\"n\":1}");
}
END_TEST

int main() {
    Suite *s = suite_create("json");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, strings_are_written_as_jansson_writes_them);
    tcase_add_test(tc, invalid_utf8_is_refused);
    tcase_add_test(tc, appends_after_what_is_there);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
