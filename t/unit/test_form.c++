#include "form.h++"
#include "unit.h++"

#include <string>

using namespace mtt;

// The error message of parse_form(body), or "" when it succeeds.
static std::string error_of(std::string_view body) {
    Form form;
    auto why = parse_form(body, form);
    return why ? *why : std::string();
}

START_TEST(splits_pairs_in_order) {
    Form f;
    ck_assert(!parse_form("username=alice&password=s3cret&role=admin", f));
    ck_assert_uint_eq(f.fields.size(), 3);
    ck_assert_string_eq(f.fields[0].name, "username");
    ck_assert_string_eq(f.fields[0].value, "alice");
    ck_assert_string_eq(f.fields[1].name, "password");
    ck_assert_string_eq(f.fields[1].value, "s3cret");
    ck_assert_string_eq(f.fields[2].name, "role");
    ck_assert_string_eq(f.fields[2].value, "admin");
}
END_TEST

START_TEST(decodes_plus_and_escapes) {
    Form f;
    ck_assert(!parse_form("full+name=Ad%C3%A9le+M%20Dupont&q=a%2Bb%26c%3Dd", f));
    ck_assert_uint_eq(f.fields.size(), 2);
    ck_assert_string_eq(f.fields[0].name, "full name");
    ck_assert_string_eq(f.fields[0].value, "Ad\xC3\xA9le M Dupont");
    ck_assert_string_eq(f.fields[1].name, "q");
    ck_assert_string_eq(f.fields[1].value, "a+b&c=d");
}
END_TEST

START_TEST(value_splits_at_first_equals) {
    Form f;
    ck_assert(!parse_form("expr=a=b==c", f));
    ck_assert_uint_eq(f.fields.size(), 1);
    ck_assert_string_eq(f.fields[0].name, "expr");
    ck_assert_string_eq(f.fields[0].value, "a=b==c");
}
END_TEST

START_TEST(tolerates_empty_pairs) {
    Form f;
    ck_assert(!parse_form("&a=1&&b=2&=&", f));
    ck_assert_uint_eq(f.fields.size(), 2);
    ck_assert_string_eq(f.fields[0].name, "a");
    ck_assert_string_eq(f.fields[0].value, "1");
    ck_assert_string_eq(f.fields[1].name, "b");
    ck_assert_string_eq(f.fields[1].value, "2");
    ck_assert(!parse_form("", f));
    ck_assert_uint_eq(f.fields.size(), 0);
    ck_assert(!parse_form("&&&", f));
    ck_assert_uint_eq(f.fields.size(), 0);
}
END_TEST

START_TEST(missing_equals_and_empty_values) {
    Form f;
    ck_assert(!parse_form("flag&empty=&x=1", f));
    ck_assert_uint_eq(f.fields.size(), 3);
    ck_assert_string_eq(f.fields[0].name, "flag");
    ck_assert_string_eq(f.fields[0].value, "");
    ck_assert_string_eq(f.fields[1].name, "empty");
    ck_assert_string_eq(f.fields[1].value, "");
    ck_assert_ptr_nonnull(f.first("flag"));
    ck_assert_string_eq(*f.first("empty"), "");
}
END_TEST

START_TEST(repeated_fields_and_lookups) {
    Form f;
    ck_assert(!parse_form("group=a&x=1&group=&group=c", f));
    ck_assert_uint_eq(f.count("group"), 3);
    ck_assert_uint_eq(f.count("x"), 1);
    ck_assert_uint_eq(f.count("nope"), 0);
    ck_assert_string_eq(*f.first("group"), "a");
    ck_assert_string_eq(*f.first("x"), "1");
    ck_assert_ptr_null(f.first("nope"));
    ck_assert_ptr_null(f.first("grou"));
    auto all = f.all("group");
    ck_assert_uint_eq(all.size(), 3);
    ck_assert_string_eq(*all[0], "a");
    ck_assert_string_eq(*all[1], "");
    ck_assert_string_eq(*all[2], "c");
    ck_assert_ptr_eq(all[0], &f.fields[0].value);
    ck_assert_uint_eq(f.all("nope").size(), 0);
}
END_TEST

START_TEST(query_string) {
    Form f;
    ck_assert(!parse_form("unlinkMode=CLEANUP", f));
    ck_assert_uint_eq(f.fields.size(), 1);
    ck_assert_string_eq(*f.first("unlinkMode"), "CLEANUP");
    ck_assert_ptr_null(f.first("unlinkmode")); // names are case-sensitive
}
END_TEST

START_TEST(clears_previous_content) {
    Form f;
    ck_assert(!parse_form("a=1&b=2", f));
    ck_assert(!parse_form("c=3", f));
    ck_assert_uint_eq(f.fields.size(), 1);
    ck_assert_string_eq(f.fields[0].name, "c");
    ck_assert(parse_form("d=4&e=%", f));
    ck_assert_uint_eq(f.fields.size(), 0);
}
END_TEST

START_TEST(rejects_bad_value_escape) {
    ck_assert_string_eq(
        error_of("a=1&username=abc%2"),
        "form field \"username\": the '%' at byte 3 is not followed by two hex digits");
    ck_assert_string_eq(error_of("x=%zz"),
                        "form field \"x\": the '%' at byte 0 is not followed by two hex digits");
}
END_TEST

START_TEST(rejects_bad_name_escape) {
    ck_assert_string_eq(
        error_of("a=1&b%g=2"),
        "form field name at byte 4: the '%' at byte 1 is not followed by two hex digits");
    ck_assert_string_eq(error_of("%"),
                        "form field name at byte 0: the '%' at byte 0 is not followed by two "
                        "hex digits");
}
END_TEST

START_TEST(rejects_invalid_utf8) {
    ck_assert_string_eq(error_of("city=Li%E8ge"),
                        "form field \"city\": it is not valid UTF-8 (at decoded byte 2)");
    ck_assert_string_eq(error_of("ok=1&n%C3=1"),
                        "form field name at byte 5: it is not valid UTF-8 (at decoded byte 1)");
    // raw (unescaped) bytes are checked too: an overlong '/'
    ck_assert_string_eq(error_of("p=\xC0\xAF"),
                        "form field \"p\": it is not valid UTF-8 (at decoded byte 0)");
}
END_TEST

START_TEST(rejects_nul_bytes) {
    ck_assert_string_eq(error_of("a=x%00y"), "form field \"a\": it contains a NUL byte at byte 1");
    ck_assert_string_eq(error_of(std::string_view("a=x\0y", 5)),
                        "form field \"a\": it contains a NUL byte at byte 1");
    ck_assert_string_eq(error_of("z=1&%00=1"),
                        "form field name at byte 4: it contains a NUL byte at byte 0");
}
END_TEST

START_TEST(rejects_value_without_name) {
    ck_assert_string_eq(error_of("=x"), "form field at byte 0 has a value but no name");
    ck_assert_string_eq(error_of("a=1&=2"), "form field at byte 4 has a value but no name");
}
END_TEST

START_TEST(quotes_names_in_messages) {
    ck_assert_string_eq(error_of("a%22b%5Cc%0A=%"),
                        "form field \"a\\\"b\\\\c\\x0A\": the '%' at byte 0 is not followed by "
                        "two hex digits");
}
END_TEST

static std::string fields(size_t n) {
    std::string body;
    for (size_t i = 0; i < n; ++i)
        body += "f" + std::to_string(i) + "=v&";
    return body;
}

START_TEST(field_limit) {
    Form f;
    ck_assert(!parse_form(fields(1000), f));
    ck_assert_uint_eq(f.fields.size(), 1000);
    ck_assert_string_eq(f.fields[999].name, "f999");
    // empty pairs do not count
    ck_assert(!parse_form(fields(1000) + "&&&", f));
    ck_assert_uint_eq(f.fields.size(), 1000);
    ck_assert_string_eq(error_of(fields(1001)), "form has more than 1000 fields");
    ck_assert(parse_form(fields(1001), f));
    ck_assert_uint_eq(f.fields.size(), 0);
    ck_assert_string_eq(error_of(fields(1000) + "x"), "form has more than 1000 fields");
}
END_TEST

int main() {
    Suite *s = suite_create("form");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, splits_pairs_in_order);
    tcase_add_test(tc, decodes_plus_and_escapes);
    tcase_add_test(tc, value_splits_at_first_equals);
    tcase_add_test(tc, tolerates_empty_pairs);
    tcase_add_test(tc, missing_equals_and_empty_values);
    tcase_add_test(tc, repeated_fields_and_lookups);
    tcase_add_test(tc, query_string);
    tcase_add_test(tc, clears_previous_content);
    tcase_add_test(tc, rejects_bad_value_escape);
    tcase_add_test(tc, rejects_bad_name_escape);
    tcase_add_test(tc, rejects_invalid_utf8);
    tcase_add_test(tc, rejects_nul_bytes);
    tcase_add_test(tc, rejects_value_without_name);
    tcase_add_test(tc, quotes_names_in_messages);
    tcase_add_test(tc, field_limit);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
