#include "text.h++"
#include "unit.h++"

#include <string>

using namespace mtt;

START_TEST(decodes_escapes_and_plus) {
    std::string out;
    ck_assert(!percent_decode("a%20b+c", true, out));
    ck_assert_str_eq(out.c_str(), "a b c");
    ck_assert(!percent_decode("a%20b+c", false, out));
    ck_assert_str_eq(out.c_str(), "a b+c");
    ck_assert(!percent_decode("%C3%A9t%c3%a9", false, out));
    ck_assert_str_eq(out.c_str(), "\xC3\xA9t\xC3\xA9");
}
END_TEST

START_TEST(rejects_bad_escapes) {
    std::string out;
    auto e = percent_decode("ab%2", false, out);
    ck_assert(e && e->kind == DecodeError::BadEscape && e->where == 2);
    ck_assert_string_eq(describe(*e), "the '%' at byte 2 is not followed by two hex digits");
    e = percent_decode("%zz", false, out);
    ck_assert(e && e->kind == DecodeError::BadEscape && e->where == 0);
}
END_TEST

START_TEST(rejects_nul_and_invalid_utf8) {
    std::string out;
    auto e = percent_decode("a%00", false, out);
    ck_assert(e && e->kind == DecodeError::NulByte && e->where == 1);
    ck_assert_string_eq(describe(*e), "it contains a NUL byte at byte 1");
    e = percent_decode("ab%FF", false, out);
    ck_assert(e && e->kind == DecodeError::InvalidUtf8 && e->where == 2);
    ck_assert_string_eq(describe(*e), "it is not valid UTF-8 (at decoded byte 2)");
}
END_TEST

START_TEST(utf8_validation) {
    ck_assert(valid_utf8("plain"));
    ck_assert(valid_utf8("\xE2\x82\xAC"));        // euro sign
    ck_assert(valid_utf8("\xF0\x9F\x98\x80"));    // emoji
    ck_assert(!valid_utf8("\xC0\xAF"));           // overlong '/'
    ck_assert(!valid_utf8("\xE0\x80\xAF"));       // overlong
    ck_assert(!valid_utf8("\xED\xA0\x80"));       // surrogate
    ck_assert(!valid_utf8("\xF4\x90\x80\x80"));   // above U+10FFFF
    ck_assert(!valid_utf8("\xE2\x82"));           // truncated
    ck_assert_uint_eq(utf8_length("h\xC3\xA9"), 2);
}
END_TEST

START_TEST(control_characters) {
    ck_assert(!has_control("alice"));
    ck_assert(has_control("a\tb"));
    ck_assert(has_control("a\x7F"));
    ck_assert(has_control("a\xC2\x85"));          // NEL, a C1 control
    ck_assert(!has_control("\xC2\xA0"));          // no-break space is fine
}
END_TEST

START_TEST(encodes_for_a_path_segment) {
    ck_assert_string_eq(percent_encode("mary ann/x~y.z_-"), "mary%20ann%2Fx~y.z_-");
    ck_assert_string_eq(percent_encode("j\xC3\xBCrgen"), "j%C3%BCrgen");
    std::string back;
    ck_assert(!percent_decode(percent_encode("a+b%c"), false, back));
    ck_assert_string_eq(back, "a+b%c");
}
END_TEST

START_TEST(replaces_invalid_utf8) {
    ck_assert_string_eq(valid_utf8_copy("ok \xC3\xA9"), "ok \xC3\xA9");
    ck_assert_string_eq(valid_utf8_copy("a\xFF" "b"), "a\xEF\xBF\xBD" "b");
    ck_assert_string_eq(valid_utf8_copy("\xC3"), "\xEF\xBF\xBD"); // cut sequence
}
END_TEST

START_TEST(case_folding) {
    ck_assert_string_eq(case_fold("BJensen@Example.COM"), "bjensen@example.com");
    ck_assert_string_eq(case_fold("ZOË"), "zoë");
    ck_assert_string_eq(case_fold("Straße"), "strasse");
    ck_assert_string_eq(case_fold("ΣΊΣΥΦΟΣ"), case_fold("σίσυφος"));
    ck_assert_string_eq(case_fold("a\xFF" "B"), "a\xEF\xBF\xBD" "b"); // not UTF-8
    std::string out = "x";
    append_case_folded("ÉCOLE", out);
    ck_assert_string_eq(out, "xécole");
}
END_TEST

int main() {
    Suite *s = suite_create("text");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, decodes_escapes_and_plus);
    tcase_add_test(tc, rejects_bad_escapes);
    tcase_add_test(tc, rejects_nul_and_invalid_utf8);
    tcase_add_test(tc, utf8_validation);
    tcase_add_test(tc, control_characters);
    tcase_add_test(tc, encodes_for_a_path_segment);
    tcase_add_test(tc, replaces_invalid_utf8);
    tcase_add_test(tc, case_folding);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
