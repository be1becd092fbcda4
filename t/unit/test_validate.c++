// Field rules shared by the APIs (validate.h++): mailbox addresses, tokens,
// free text, attribute names, language tags and positive ids.
#include "unit.h++"
#include "validate.h++"

#include <cstdint>
#include <optional>
#include <string>

using namespace mtt;

static std::string problem(std::string_view name) {
    auto p = attribute_name_problem(name);
    return p ? *p : "";
}

// The names identity feeds send, as MyTimetable's documentation shows them.
START_TEST(attribute_names_of_identity_feeds) {
    for (const char *name :
         {"urn:mace:dir:attribute-def:eduPersonAffiliation",
          "urn:mace:dir:attribute-def:eduPersonPrincipalName",
          "urn:mace:dir:attribute-def:displayName", "urn:schac:attribute-def:schacHomeOrganization",
          "urn:oid:1.3.6.1.4.1.5923.1.1.1.1", "faculty", "a",
          "http://schemas.xmlsoap.org/claims/Group", "naam met spaties", "Fakult\xC3\xA4t"})
        ck_assert_string_eq(problem(name), "");
    ck_assert_string_eq(problem(std::string(256, 'n')), "");
}
END_TEST

START_TEST(attribute_names_refused) {
    ck_assert_string_eq(problem(""), "the attribute name is empty");
    ck_assert_string_eq(problem(std::string(257, 'n')),
                        "the attribute name is longer than 256 bytes");
    ck_assert_string_eq(problem("urn:oid:1\x01"),
                        "the attribute name contains a control character");
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

template <class Check> std::string why(Check check) {
    auto p = check();
    return p ? *p : "";
}

START_TEST(addresses) {
    auto address = [](std::string_view a) { return why([&] { return address_problem(a); }); };
    for (const char *ok : {"ann@example.org", "a.b+c@sub.example.co.uk", "x@a-b.nl",
                           "!#$%&'*+-/=?^_`{|}~@example.org", "A@EXAMPLE.ORG"})
        ck_assert_string_eq(address(ok), "");
    std::string local64(64, 'a'),
        domain = std::string(63, 'b') + "." + std::string(63, 'c') + "." + std::string(57, 'd');
    ck_assert_string_eq(address(local64 + "@" + domain + ".org"), ""); // 254 bytes
    ck_assert_string_eq(address(local64 + "@" + domain + "x.org"), "it is longer than 254 bytes");
    ck_assert_string_eq(address("ann.example.org"), "it has no '@'");
    ck_assert_string_eq(address("@example.org"), "the part before '@' must be 1 to 64 characters");
    ck_assert_string_eq(address(std::string(65, 'a') + "@example.org"),
                        "the part before '@' must be 1 to 64 characters");
    for (const char *dots : {".ann@example.org", "ann.@example.org", "a..nn@example.org"})
        ck_assert_string_eq(address(dots), "the part before '@' has a misplaced '.'");
    for (const char *bad :
         {"a n@example.org", "a\"n@example.org", "a,n@example.org", "\xC3\xA4@example.org"})
        ck_assert_string_eq(address(bad),
                            "the part before '@' has a character that is not allowed");
    // the last '@' starts the domain
    ck_assert_string_eq(address("a@b@example.org"),
                        "the part before '@' has a character that is not allowed");
    ck_assert_string_eq(address("ann@localhost"), "the domain has no '.'");
    for (const char *bad : {"ann@example..org", "ann@-example.org", "ann@example-.org",
                            "ann@.example.org", "ann@example.org.", "ann@exa_mple.org"})
        ck_assert_string_eq(address(bad), "the domain is not a valid host name");
    ck_assert_string_eq(address("ann@" + std::string(63, 'l') + ".org"), "");
    ck_assert_string_eq(address("ann@" + std::string(64, 'l') + ".org"),
                        "the domain is not a valid host name");
}
END_TEST

START_TEST(tokens) {
    auto token = [](std::string_view s) {
        return why([&] { return token_problem("the id", s, 8); });
    };
    for (const char *ok : {"a", "o365", "Goo.Cal", "a-b_c.d", "12345678"})
        ck_assert_string_eq(token(ok), "");
    ck_assert_string_eq(token(""), "the id must be 1 to 8 characters");
    ck_assert_string_eq(token("123456789"), "the id must be 1 to 8 characters");
    for (const char *bad : {"a b", "a/b", "a:b", "\xC3\xA4"})
        ck_assert_string_eq(token(bad), "the id may only hold letters, digits, '-', '_' and '.'");
}
END_TEST

START_TEST(free_text) {
    auto text = [](std::string_view s) {
        return why([&] { return text_problem("summary", s, 8); });
    };
    for (const char *ok : {"", "a\tb\nc\r", "\xC3\xA4\xC3\xA4\xC3\xA4\xC3\xA4"})
        ck_assert_string_eq(text(ok), "");
    ck_assert_string_eq(text("123456789"), "summary is longer than 8 bytes");
    ck_assert_string_eq(text("caf\xE9"), "summary is not valid UTF-8");
    ck_assert_string_eq(text("\xED\xA0\x80"), "summary is not valid UTF-8"); // a surrogate
    ck_assert_string_eq(text(std::string("a\0b", 3)), "summary contains a NUL byte");
}
END_TEST

START_TEST(language_tags) {
    auto locale = [](std::string_view s) { return why([&] { return locale_problem(s); }); };
    for (const char *ok : {"en", "nl-NL", "zh-Hant-TW", "de-CH-1996", "abcdefgh", "en-US-x-a1"})
        ck_assert_string_eq(locale(ok), "");
    ck_assert_string_eq(locale("en-abcdefgh-abcdefgh-abcdefgh-abcde"), ""); // 35 characters
    const std::string refused = "expected a BCP 47 language tag such as \"en\" or \"nl-NL\"";
    for (const char *bad :
         {"", "e", "abcdefghi", "e1", "en-", "en--US", "en-abcdefghi", "en_US", "-en", "en US"})
        ck_assert_string_eq(locale(bad), refused);
    ck_assert_string_eq(locale("en-abcdefgh-abcdefgh-abcdefgh-abcdef"), refused); // 36
}
END_TEST

START_TEST(positive_ids) {
    ck_assert(parse_positive_id("1") == std::optional<uint64_t>(1));
    ck_assert(parse_positive_id("42") == std::optional<uint64_t>(42));
    ck_assert(parse_positive_id("9223372036854775807") == std::optional<uint64_t>(INT64_MAX));
    for (const char *bad : {"", "0", "01", "-1", "+1", "1.0", " 1", "1 ", "9223372036854775808",
                            "18446744073709551616", "12345678901234567890", "1e3", "x"})
        ck_assert_msg(!parse_positive_id(bad), "accepted \"%s\"", bad);
}
END_TEST

int main() {
    Suite *s = suite_create("validate");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, attribute_names_of_identity_feeds);
    tcase_add_test(tc, attribute_names_refused);
    tcase_add_test(tc, addresses);
    tcase_add_test(tc, tokens);
    tcase_add_test(tc, free_text);
    tcase_add_test(tc, language_tags);
    tcase_add_test(tc, positive_ids);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
