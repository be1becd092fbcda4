#include "rfc3339.h++"
#include "unit.h++"

#include <cstdint>
#include <string>

using namespace mtt;

// The parse result; fails the test if `s` is rejected.
static int64_t parsed(std::string_view s) {
    std::string why;
    auto t = parse_rfc3339(s, &why);
    ck_assert_msg(t.has_value(), "rejected: %s", why.c_str());
    return *t;
}

// The message for a rejected `s`; fails the test if `s` is accepted.
static std::string why_not(std::string_view s) {
    std::string why;
    auto t = parse_rfc3339(s, &why);
    ck_assert(!t.has_value());
    return why;
}

START_TEST(parses_utc) {
    ck_assert_int_eq(parsed("1970-01-01T00:00:00Z"), 0);
    ck_assert_int_eq(parsed("2026-11-25T10:00:00Z"), 1795600800);
    ck_assert_int_eq(parsed("2000-02-29T12:34:56Z"), 951827696);
    ck_assert_int_eq(parsed("2024-02-29T23:59:59Z"), 1709251199);
    ck_assert_int_eq(parsed("1900-03-01T00:00:00Z"), -2203891200);
    ck_assert_int_eq(parsed("1969-12-31T23:59:59Z"), -1);
}
END_TEST

START_TEST(year_range_limits) {
    ck_assert_int_eq(parsed("0001-01-01T00:00:00Z"), -62135596800);
    ck_assert_int_eq(parsed("9999-12-31T23:59:59Z"), 253402300799);
}
END_TEST

START_TEST(lower_case_t_and_z) {
    ck_assert_int_eq(parsed("2026-11-25t10:00:00z"), 1795600800);
    ck_assert_int_eq(parsed("2026-11-25t10:00:00Z"), 1795600800);
}
END_TEST

START_TEST(offsets_convert_to_utc) {
    ck_assert_int_eq(parsed("2026-11-25T11:00:00+01:00"), 1795600800);
    ck_assert_int_eq(parsed("2026-11-25T05:30:00-04:30"), 1795600800);
    ck_assert_int_eq(parsed("2026-11-26T09:59:00+23:59"), 1795600800);
    ck_assert_int_eq(parsed("2026-11-25T10:00:00+00:00"), 1795600800);
    ck_assert_int_eq(parsed("2026-11-25T10:00:00-00:00"), 1795600800);
    // crossing a year boundary
    ck_assert_int_eq(parsed("1970-01-01T00:30:00+01:00"), -1800);
    ck_assert_int_eq(parsed("1969-12-31T23:00:00-01:00"), 0);
}
END_TEST

START_TEST(fractions_are_truncated) {
    ck_assert_int_eq(parsed("2026-11-25T10:00:00.0Z"), 1795600800);
    ck_assert_int_eq(parsed("2026-11-25T10:00:00.5Z"), 1795600800);
    ck_assert_int_eq(parsed("2026-11-25T10:00:00.999999999Z"), 1795600800);
    ck_assert_int_eq(parsed("2026-11-25T11:00:00.75+01:00"), 1795600800);
    // rounded down, also before the epoch
    ck_assert_int_eq(parsed("1969-12-31T23:59:59.5Z"), -1);
}
END_TEST

START_TEST(formats_utc) {
    ck_assert_string_eq(format_rfc3339(0), "1970-01-01T00:00:00Z");
    ck_assert_string_eq(format_rfc3339(1795600800), "2026-11-25T10:00:00Z");
    ck_assert_string_eq(format_rfc3339(951827696), "2000-02-29T12:34:56Z");
    ck_assert_string_eq(format_rfc3339(-1), "1969-12-31T23:59:59Z");
    ck_assert_string_eq(format_rfc3339(-62135596800), "0001-01-01T00:00:00Z");
    ck_assert_string_eq(format_rfc3339(253402300799), "9999-12-31T23:59:59Z");
    // outside RFC 3339's range, still unambiguous
    ck_assert_string_eq(format_rfc3339(253402300800), "10000-01-01T00:00:00Z");
    ck_assert_string_eq(format_rfc3339(-62167219200), "0000-01-01T00:00:00Z");
    ck_assert_string_eq(format_rfc3339(-62167219201), "-0001-12-31T23:59:59Z");
}
END_TEST

START_TEST(extreme_values_do_not_overflow) {
    CivilTime hi = civil_from_unix(INT64_MAX);
    ck_assert_int_eq(unix_from_civil(hi), INT64_MAX);
    CivilTime lo = civil_from_unix(INT64_MIN);
    ck_assert_int_eq(unix_from_civil(lo), INT64_MIN);
    ck_assert_string_eq(format_rfc3339(INT64_MAX), "292277026596-12-04T15:30:07Z");
    ck_assert_string_eq(format_rfc3339(INT64_MIN), "-292277022657-01-27T08:29:52Z");
}
END_TEST

static bool is_leap(int64_t y) {
    return y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
}

// Whether `c` is the day after `prev` in the Gregorian calendar, at 01:02:03.
static bool follows(const CivilTime &prev, const CivilTime &c) {
    static const int length[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int last = length[prev.month - 1] + (prev.month == 2 && is_leap(prev.year));
    bool next_day = c.year == prev.year && c.month == prev.month && c.day == prev.day + 1;
    bool next_month = c.year == prev.year && c.month == prev.month + 1 && c.day == 1;
    bool next_year = c.year == prev.year + 1 && c.month == 1 && c.day == 1 && prev.month == 12;
    return c.hour == 1 && c.minute == 2 && c.second == 3 &&
           (next_day ? c.day <= last : (next_month || next_year) && prev.day == last);
}

// Every day from 0001-01-01 to 9999-12-31: the calendar advances one day at a
// time, months have their Gregorian lengths, and both directions agree.
START_TEST(calendar_round_trip) {
    const int64_t first = -62135596800 / 86400, last = 253402300799 / 86400;
    CivilTime prev = civil_from_unix(first * 86400 + 3723);
    ck_assert(prev.year == 1 && prev.month == 1 && prev.day == 1);
    int64_t leap_days = 0, bad_day = 0;
    for (int64_t d = first + 1; d <= last && bad_day == 0; ++d) {
        CivilTime c = civil_from_unix(d * 86400 + 3723);
        if (!follows(prev, c) || unix_from_civil(c) != d * 86400 + 3723)
            bad_day = d;
        leap_days += c.month == 2 && c.day == 29;
        prev = c;
    }
    ck_assert_int_eq(bad_day, 0);
    ck_assert(prev.year == 9999 && prev.month == 12 && prev.day == 31);
    ck_assert_int_eq(leap_days, 2424); // 2499 multiples of 4, less 99 centuries, plus 24
}
END_TEST

START_TEST(unix_from_civil_rolls_over) {
    ck_assert_int_eq(unix_from_civil(CivilTime{2026, 11, 31, 0, 0, 0}),
                     parsed("2026-12-01T00:00:00Z"));
    ck_assert_int_eq(unix_from_civil(CivilTime{2026, 13, 1, 0, 0, 0}),
                     parsed("2027-01-01T00:00:00Z"));
    ck_assert_int_eq(unix_from_civil(CivilTime{2026, 0, 1, 0, 0, 0}),
                     parsed("2025-12-01T00:00:00Z"));
}
END_TEST

START_TEST(round_trips_through_text) {
    const char *const samples[] = {"2026-11-25T10:00:00Z", "0001-01-01T00:00:00Z",
                                   "9999-12-31T23:59:59Z", "2400-02-29T00:00:00Z",
                                   "1582-10-04T12:00:00Z"};
    for (const char *s : samples)
        ck_assert_string_eq(format_rfc3339(parsed(s)), s);
}
END_TEST

START_TEST(why_may_be_null) {
    ck_assert(!parse_rfc3339("garbage", nullptr));
    ck_assert(parse_rfc3339("2026-11-25T10:00:00Z", nullptr).value() == 1795600800);
}
END_TEST

START_TEST(rejects_syntax_errors) {
    ck_assert_string_eq(why_not(""), "expected a digit at position 0");
    ck_assert_string_eq(why_not("26-11-25T10:00:00Z"), "expected a digit at position 2");
    ck_assert_string_eq(why_not("2026/11/25T10:00:00Z"), "expected '-' at position 4");
    ck_assert_string_eq(why_not("2026-1-25T10:00:00Z"), "expected a digit at position 6");
    ck_assert_string_eq(why_not("2026-11_25T10:00:00Z"), "expected '-' at position 7");
    ck_assert_string_eq(why_not("2026-11-25"), "expected 'T' at position 10");
    ck_assert_string_eq(why_not("2026-11-25X10:00:00Z"), "expected 'T' at position 10");
    ck_assert_string_eq(why_not("2026-11-25 10:00:00Z"),
                        "expected 'T' at position 10, not a space");
    ck_assert_string_eq(why_not("2026-11-25T10.00:00Z"), "expected ':' at position 13");
    ck_assert_string_eq(why_not("2026-11-25T10:00Z"), "expected ':' at position 16");
    ck_assert_string_eq(why_not("2026-11-25T10:00:0Z"), "expected a digit at position 18");
    ck_assert_string_eq(why_not(std::string("\xEF\xBC\x92") + "026-11-25T10:00:00Z"),
                        "expected a digit at position 0"); // fullwidth digit
}
END_TEST

START_TEST(rejects_bad_fractions) {
    ck_assert_string_eq(why_not("2026-11-25T10:00:00.Z"), "expected a digit at position 20");
    ck_assert_string_eq(why_not("2026-11-25T10:00:00."), "expected a digit at position 20");
    ck_assert_string_eq(why_not("2026-11-25T10:00:00,5Z"),
                        "expected 'Z', '+' or '-' at position 19");
    ck_assert_string_eq(why_not("2026-11-25T10:00:00.1234567890Z"),
                        "the fraction at position 20 has more than 9 digits");
}
END_TEST

START_TEST(rejects_bad_zones) {
    ck_assert_string_eq(why_not("2026-11-25T10:00:00"),
                        "missing time zone (use Z, +HH:MM or -HH:MM)");
    ck_assert_string_eq(why_not("2026-11-25T10:00:00.123"),
                        "missing time zone (use Z, +HH:MM or -HH:MM)");
    ck_assert_string_eq(why_not("2026-11-25T10:00:00UTC"),
                        "expected 'Z', '+' or '-' at position 19");
    ck_assert_string_eq(why_not("2026-11-25T10:00:00 01:00"),
                        "expected 'Z', '+' or '-' at position 19, not a space (a '+' must be "
                        "sent as %2B in a URL or form)");
    ck_assert_string_eq(why_not("2026-11-25T10:00:00+0100"), "expected ':' at position 22");
    ck_assert_string_eq(why_not("2026-11-25T10:00:00+01"), "expected ':' at position 22");
    ck_assert_string_eq(why_not("2026-11-25T10:00:00+1:00"), "expected a digit at position 21");
    ck_assert_string_eq(why_not("2026-11-25T10:00:00+24:00"), "time zone hour 24 is out of range");
    ck_assert_string_eq(why_not("2026-11-25T10:00:00-01:60"),
                        "time zone minute 60 is out of range");
}
END_TEST

START_TEST(rejects_trailing_characters) {
    ck_assert_string_eq(why_not("2026-11-25T10:00:00ZZ"),
                        "unexpected character at position 20 after the time zone");
    ck_assert_string_eq(why_not("2026-11-25T10:00:00+01:00 "),
                        "unexpected character at position 25 after the time zone");
    ck_assert_string_eq(why_not(std::string_view("2026-11-25T10:00:00Z\0", 21)),
                        "unexpected character at position 20 after the time zone");
}
END_TEST

START_TEST(rejects_out_of_range_dates) {
    ck_assert_string_eq(why_not("0000-01-01T00:00:00Z"),
                        "year 0000 is out of range (0001 to 9999)");
    ck_assert_string_eq(why_not("2026-13-01T00:00:00Z"), "month 13 is out of range");
    ck_assert_string_eq(why_not("2026-00-01T00:00:00Z"), "month 0 is out of range");
    ck_assert_string_eq(why_not("2026-11-00T00:00:00Z"),
                        "day 0 is out of range: 2026-11 has 30 days");
    ck_assert_string_eq(why_not("2026-11-31T00:00:00Z"),
                        "day 31 is out of range: 2026-11 has 30 days");
    ck_assert_string_eq(why_not("2026-01-32T00:00:00Z"),
                        "day 32 is out of range: 2026-01 has 31 days");
    ck_assert_string_eq(why_not("2023-02-29T00:00:00Z"),
                        "day 29 is out of range: 2023-02 has 28 days");
    ck_assert_string_eq(why_not("1900-02-29T00:00:00Z"),
                        "day 29 is out of range: 1900-02 has 28 days");
    ck_assert_string_eq(why_not("2024-02-30T00:00:00Z"),
                        "day 30 is out of range: 2024-02 has 29 days");
}
END_TEST

START_TEST(rejects_out_of_range_times) {
    ck_assert_string_eq(why_not("2026-11-25T24:00:00Z"), "hour 24 is out of range");
    ck_assert_string_eq(why_not("2026-11-25T10:60:00Z"), "minute 60 is out of range");
    ck_assert_string_eq(why_not("2016-12-31T23:59:60Z"),
                        "second 60 is out of range (leap seconds are not supported)");
    ck_assert_string_eq(why_not("2026-11-25T10:00:61Z"), "second 61 is out of range");
}
END_TEST

START_TEST(utc_result_stays_in_range) {
    std::string why;
    ck_assert(!parse_rfc3339("0001-01-01T00:00:00+00:01", &why));
    ck_assert_string_eq(why, "the time in UTC is out of range (0001-01-01 to 9999-12-31)");
    ck_assert(!parse_rfc3339("9999-12-31T23:59:59-00:01", &why));
    ck_assert_string_eq(why, "the time in UTC is out of range (0001-01-01 to 9999-12-31)");
    ck_assert(parse_rfc3339("0001-01-01T00:01:00+00:01", &why).has_value());
    ck_assert_string_eq(format_rfc3339(*parse_rfc3339("9999-12-31T23:59:59Z", &why)),
                        "9999-12-31T23:59:59Z");
}
END_TEST

int main() {
    Suite *s = suite_create("rfc3339");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, parses_utc);
    tcase_add_test(tc, year_range_limits);
    tcase_add_test(tc, lower_case_t_and_z);
    tcase_add_test(tc, offsets_convert_to_utc);
    tcase_add_test(tc, fractions_are_truncated);
    tcase_add_test(tc, formats_utc);
    tcase_add_test(tc, extreme_values_do_not_overflow);
    tcase_add_test(tc, calendar_round_trip);
    tcase_add_test(tc, unix_from_civil_rolls_over);
    tcase_add_test(tc, round_trips_through_text);
    tcase_add_test(tc, why_may_be_null);
    tcase_add_test(tc, rejects_syntax_errors);
    tcase_add_test(tc, rejects_bad_fractions);
    tcase_add_test(tc, rejects_bad_zones);
    tcase_add_test(tc, rejects_trailing_characters);
    tcase_add_test(tc, rejects_out_of_range_dates);
    tcase_add_test(tc, rejects_out_of_range_times);
    tcase_add_test(tc, utc_result_stays_in_range);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
