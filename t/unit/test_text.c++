#include "text.h++"
#include "unit.h++"

#include <cstdio>
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
    ck_assert(valid_utf8("\xE2\x82\xAC"));      // euro sign
    ck_assert(valid_utf8("\xF0\x9F\x98\x80"));  // emoji
    ck_assert(!valid_utf8("\xC0\xAF"));         // overlong '/'
    ck_assert(!valid_utf8("\xE0\x80\xAF"));     // overlong
    ck_assert(!valid_utf8("\xED\xA0\x80"));     // surrogate
    ck_assert(!valid_utf8("\xF4\x90\x80\x80")); // above U+10FFFF
    ck_assert(!valid_utf8("\xE2\x82"));         // truncated
    ck_assert_uint_eq(utf8_length("h\xC3\xA9"), 2);
}
END_TEST

START_TEST(control_characters) {
    ck_assert(!has_control("alice"));
    ck_assert(has_control("a\tb"));
    ck_assert(has_control("a\x7F"));
    ck_assert(has_control("a\xC2\x85")); // NEL, a C1 control
    ck_assert(!has_control("\xC2\xA0")); // no-break space is fine
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
    ck_assert_string_eq(valid_utf8_copy("a\xFF"
                                        "b"),
                        "a\xEF\xBF\xBD"
                        "b");
    ck_assert_string_eq(valid_utf8_copy("\xC3"), "\xEF\xBF\xBD"); // cut sequence
}
END_TEST

START_TEST(case_folding) {
    ck_assert_string_eq(case_fold("BJensen@Example.COM"), "bjensen@example.com");
    ck_assert_string_eq(case_fold("ZOË"), "zoë");
    ck_assert_string_eq(case_fold("Straße"), "strasse");
    ck_assert_string_eq(case_fold("ΣΊΣΥΦΟΣ"), case_fold("σίσυφος"));
    ck_assert_string_eq(case_fold("a\xFF"
                                  "B"),
                        "a\xEF\xBF\xBD"
                        "b"); // not UTF-8
    std::string out = "x";
    append_case_folded("ÉCOLE", out);
    ck_assert_string_eq(out, "xécole");
}
END_TEST

// ------------------------------------------------------------------ the UTF-8 scanner

// utf8_decode's answer at byte `i`, as "U+XXXX/len" or "invalid".
static std::string decoded(std::string_view s, size_t i = 0) {
    Utf8Char c = utf8_decode(s, i);
    if (c.length == 0)
        return "invalid";
    char buf[32];
    std::snprintf(buf, sizeof buf, "U+%04X/%zu", static_cast<unsigned>(c.code_point), c.length);
    return buf;
}

START_TEST(scanner_decodes_code_points) {
    ck_assert_string_eq(decoded("A"), "U+0041/1");
    ck_assert_string_eq(decoded(std::string_view("\0", 1)), "U+0000/1");
    ck_assert_string_eq(decoded("\x7F"), "U+007F/1");
    ck_assert_string_eq(decoded("\xC2\x80"), "U+0080/2");
    ck_assert_string_eq(decoded("\xC3\xA9"), "U+00E9/2");
    ck_assert_string_eq(decoded("\xDF\xBF"), "U+07FF/2");
    ck_assert_string_eq(decoded("\xE0\xA0\x80"), "U+0800/3");
    ck_assert_string_eq(decoded("\xE2\x82\xAC"), "U+20AC/3");
    ck_assert_string_eq(decoded("\xED\x9F\xBF"), "U+D7FF/3"); // last before the surrogates
    ck_assert_string_eq(decoded("\xEE\x80\x80"), "U+E000/3"); // first after them
    ck_assert_string_eq(decoded("\xEF\xBF\xBF"), "U+FFFF/3");
    ck_assert_string_eq(decoded("\xF0\x90\x80\x80"), "U+10000/4");
    ck_assert_string_eq(decoded("\xF0\x9F\x98\x80"), "U+1F600/4");
    ck_assert_string_eq(decoded("\xF4\x8F\xBF\xBF"), "U+10FFFF/4");
    // in the middle of a string, with more after it
    ck_assert_string_eq(decoded("ab€cd", 2), "U+20AC/3");
    ck_assert_string_eq(decoded("ab€cd", 5), "U+0063/1");
}
END_TEST

START_TEST(scanner_rejects_overlongs) {
    ck_assert_string_eq(decoded("\xC0\x80"), "invalid"); // U+0000 in 2 bytes
    ck_assert_string_eq(decoded("\xC0\xAF"), "invalid"); // '/'
    ck_assert_string_eq(decoded("\xC1\xBF"), "invalid"); // U+007F
    ck_assert_string_eq(decoded("\xE0\x80\x80"), "invalid");
    ck_assert_string_eq(decoded("\xE0\x9F\xBF"), "invalid"); // U+07FF in 3 bytes
    ck_assert_string_eq(decoded("\xF0\x80\x80\x80"), "invalid");
    ck_assert_string_eq(decoded("\xF0\x8F\xBF\xBF"), "invalid"); // U+FFFF in 4 bytes
}
END_TEST

START_TEST(scanner_rejects_surrogates) {
    ck_assert_string_eq(decoded("\xED\xA0\x80"), "invalid"); // U+D800
    ck_assert_string_eq(decoded("\xED\xAD\xBF"), "invalid"); // U+DB7F
    ck_assert_string_eq(decoded("\xED\xB0\x80"), "invalid"); // U+DC00
    ck_assert_string_eq(decoded("\xED\xBF\xBF"), "invalid"); // U+DFFF
    // a pair encoded as two 3-byte sequences (CESU-8) is no better
    ck_assert_string_eq(decoded("\xED\xA0\xBD\xED\xB8\x80"), "invalid");
}
END_TEST

START_TEST(scanner_rejects_beyond_u10ffff) {
    ck_assert_string_eq(decoded("\xF4\x90\x80\x80"), "invalid"); // U+110000
    ck_assert_string_eq(decoded("\xF4\xBF\xBF\xBF"), "invalid");
    ck_assert_string_eq(decoded("\xF5\x80\x80\x80"), "invalid");
    ck_assert_string_eq(decoded("\xF7\xBF\xBF\xBF"), "invalid");         // U+1FFFFF
    ck_assert_string_eq(decoded("\xF8\x88\x80\x80\x80"), "invalid");     // 5-byte form
    ck_assert_string_eq(decoded("\xFC\x84\x80\x80\x80\x80"), "invalid"); // 6-byte form
    ck_assert_string_eq(decoded("\xFE"), "invalid");
    ck_assert_string_eq(decoded("\xFF"), "invalid");
}
END_TEST

START_TEST(scanner_rejects_truncated_sequences) {
    ck_assert_string_eq(decoded("\xC3"), "invalid");
    ck_assert_string_eq(decoded("\xE2\x82"), "invalid");
    ck_assert_string_eq(decoded("\xE2"), "invalid");
    ck_assert_string_eq(decoded("\xF0\x9F\x98"), "invalid");
    ck_assert_string_eq(decoded("\xF0\x9F"), "invalid");
    // cut by the end of the view, not of the bytes behind it
    ck_assert_string_eq(decoded(std::string_view("\xC3\xA9", 1)), "invalid");
    // interrupted by a byte that is no continuation
    ck_assert_string_eq(decoded("\xC3\x41"), "invalid");
    ck_assert_string_eq(decoded("\xE2\x82\x41"), "invalid");
    ck_assert_string_eq(decoded("\xF0\x9F\x98\x41"), "invalid");
    ck_assert_string_eq(decoded("\xC3\xC3\xA9"), "invalid");
    // a continuation byte starts nothing
    ck_assert_string_eq(decoded("\x80"), "invalid");
    ck_assert_string_eq(decoded("\xBF"), "invalid");
    ck_assert_string_eq(decoded("\xC3\xA9", 1), "invalid");
}
END_TEST

START_TEST(scanner_reports_the_first_bad_byte) {
    const size_t npos = std::string_view::npos;
    ck_assert_uint_eq(utf8_invalid_at(""), npos);
    ck_assert_uint_eq(utf8_invalid_at("plain ascii"), npos);
    ck_assert_uint_eq(utf8_invalid_at("\xC3\xA9t\xC3\xA9 \xF0\x9F\x98\x80"), npos);
    ck_assert_uint_eq(utf8_invalid_at("ab\xC3"), 2);
    ck_assert_uint_eq(utf8_invalid_at("\xE2\x82\xACx\xED\xA0\x80"), 4);
    ck_assert_uint_eq(utf8_invalid_at("\xE2\x82\xAC\x80"), 3);
    ck_assert_uint_eq(utf8_invalid_at("a\xF4\x90\x80\x80"), 1);
    ck_assert_uint_eq(utf8_invalid_at("\xC0\xAFxyz"), 0);
    ck_assert(valid_utf8(""));
    ck_assert(!valid_utf8("ok\xFF"));
}
END_TEST

START_TEST(boundaries_for_cutting) {
    const std::string_view s = "aé€b";
    ck_assert_uint_eq(utf8_boundary(s, 0), 0);
    ck_assert_uint_eq(utf8_boundary(s, 1), 1);
    ck_assert_uint_eq(utf8_boundary(s, 2), 1); // inside é
    ck_assert_uint_eq(utf8_boundary(s, 3), 3);
    ck_assert_uint_eq(utf8_boundary(s, 4), 3); // inside €
    ck_assert_uint_eq(utf8_boundary(s, 5), 3);
    ck_assert_uint_eq(utf8_boundary(s, 6), 6);
    ck_assert_uint_eq(utf8_boundary("\x80\x80\x80", 2), 0); // nothing but continuations
    ck_assert(is_utf8_continuation('\x80') && is_utf8_continuation('\xBF'));
    ck_assert(!is_utf8_continuation('a') && !is_utf8_continuation('\xC3'));
}
END_TEST

// RFC 3629 read literally, as an independent check: the length the lead
// byte announces, its bits and those of the continuation bytes, then the
// shortest form, the surrogates and the upper bound.
static size_t rfc3629(const unsigned char *s, size_t n, char32_t &cp) {
    unsigned char c = s[0];
    size_t len = c < 0x80 ? 1 : c >> 5 == 0x6 ? 2 : c >> 4 == 0xE ? 3 : c >> 3 == 0x1E ? 4 : 0;
    if (len == 0 || len > n)
        return 0;
    cp = len == 1 ? c : c & (0x7F >> len);
    for (size_t k = 1; k < len; ++k) {
        if ((s[k] & 0xC0) != 0x80)
            return 0;
        cp = cp << 6 | (s[k] & 0x3F);
    }
    static const char32_t least[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < least[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return len;
}

// Every string of 1 to 3 bytes, and 4 bytes with every lead from F0 and a
// spread of the rest: the scanner agrees with the RFC on length and value,
// and has_control is what it was written as (a C0 byte, DEL, or C2 80..9F).
START_TEST(scanner_agrees_with_rfc3629) {
    unsigned char b[4];
    long mismatches = 0;
    const unsigned char last[] = {0x00, 0x41, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xFF};
    auto check = [&](size_t n) {
        std::string_view s(reinterpret_cast<const char *>(b), n);
        char32_t cp = 0;
        size_t len = rfc3629(b, n, cp);
        Utf8Char c = utf8_decode(s, 0);
        if (c.length != len || (len != 0 && c.code_point != cp))
            ++mismatches;
        if (n <= 3) {
            bool control = false;
            for (size_t i = 0; i < n; ++i)
                control = control || b[i] < 0x20 || b[i] == 0x7F ||
                          (b[i] == 0xC2 && i + 1 < n && b[i + 1] >= 0x80 && b[i + 1] <= 0x9F);
            if (has_control(s) != control)
                ++mismatches;
        }
    };
    for (unsigned x = 0; x < 256; ++x) {
        b[0] = static_cast<unsigned char>(x);
        check(1);
        for (unsigned y = 0; y < 256; ++y) {
            b[1] = static_cast<unsigned char>(y);
            check(2);
            for (unsigned z = 0; z < 256; ++z) {
                b[2] = static_cast<unsigned char>(z);
                check(3);
                if (x >= 0xF0)
                    for (unsigned char w : last) {
                        b[3] = w;
                        check(4);
                    }
            }
        }
    }
    ck_assert_int_eq(mismatches, 0);
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
    tcase_add_test(tc, scanner_decodes_code_points);
    tcase_add_test(tc, scanner_rejects_overlongs);
    tcase_add_test(tc, scanner_rejects_surrogates);
    tcase_add_test(tc, scanner_rejects_beyond_u10ffff);
    tcase_add_test(tc, scanner_rejects_truncated_sequences);
    tcase_add_test(tc, scanner_reports_the_first_bad_byte);
    tcase_add_test(tc, boundaries_for_cutting);
    tcase_add_test(tc, scanner_agrees_with_rfc3629);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
