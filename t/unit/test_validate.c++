// Field rules shared by the APIs (validate.h++): attribute names.
#include "unit.h++"
#include "validate.h++"

#include <string>

using namespace mtt;

static std::string problem(std::string_view name) {
    auto p = attribute_name_problem(name);
    return p ? *p : "";
}

// The names identity feeds send, as MyTimetable's documentation shows them.
START_TEST(attribute_names_of_identity_feeds) {
    for (const char *name : {"urn:mace:dir:attribute-def:eduPersonAffiliation",
                             "urn:mace:dir:attribute-def:eduPersonPrincipalName",
                             "urn:mace:dir:attribute-def:displayName",
                             "urn:schac:attribute-def:schacHomeOrganization",
                             "urn:oid:1.3.6.1.4.1.5923.1.1.1.1", "faculty", "a",
                             "http://schemas.xmlsoap.org/claims/Group", "naam met spaties",
                             "Fakult\xC3\xA4t"})
        ck_assert_string_eq(problem(name), "");
    ck_assert_string_eq(problem(std::string(256, 'n')), "");
}
END_TEST

START_TEST(attribute_names_refused) {
    ck_assert_string_eq(problem(""), "the attribute name is empty");
    ck_assert_string_eq(problem(std::string(257, 'n')),
                        "the attribute name is longer than 256 bytes");
    ck_assert_string_eq(problem("urn:oid:1\x01"), "the attribute name contains a control character");
    ck_assert_string_eq(problem("a\tb"), "the attribute name contains a control character");
    ck_assert_string_eq(problem("a\x7F"), "the attribute name contains a control character");
    ck_assert_string_eq(problem("a\xC2\x85"), "the attribute name contains a control character");
    ck_assert_string_eq(problem(std::string("a\0b", 3)),
                        "the attribute name contains a control character");
    ck_assert_string_eq(problem("caf\xE9"), "the attribute name is not valid UTF-8");
    // 256 bytes of two-byte characters is the bound, not 256 characters
    std::string umlauts;
    for (int i = 0; i < 129; ++i)
        umlauts += "\xC3\xA4";
    ck_assert_string_eq(problem(umlauts), "the attribute name is longer than 256 bytes");
}
END_TEST

int main() {
    Suite *s = suite_create("validate");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, attribute_names_of_identity_feeds);
    tcase_add_test(tc, attribute_names_refused);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
