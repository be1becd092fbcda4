#include "calendar.h++"
#include "unit.h++"

#include <cstdint>
#include <string>

using namespace mtt;

// The test's own Gregorian rule, written out rather than shared.
static bool leap(int64_t y) {
    if (y % 400 == 0)
        return true;
    if (y % 100 == 0)
        return false;
    return y % 4 == 0;
}

static int month_length(int64_t y, int m) {
    static const int length[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return length[m - 1] + (m == 2 && leap(y));
}

static bool same(const CivilDate &c, int64_t y, int m, int d) {
    return c.year == y && c.month == m && c.day == d;
}

START_TEST(epoch_is_day_zero) {
    ck_assert_int_eq(days_from_civil(1970, 1, 1), 0);
    ck_assert(same(civil_from_days(0), 1970, 1, 1));
    ck_assert_int_eq(days_from_civil(1969, 12, 31), -1);
    ck_assert(same(civil_from_days(-1), 1969, 12, 31));
}
END_TEST

START_TEST(known_days) {
    ck_assert_int_eq(days_from_civil(1, 1, 1), -719162);
    ck_assert_int_eq(days_from_civil(2000, 3, 1), 11017);
    ck_assert_int_eq(days_from_civil(2024, 2, 29), 19782);
    ck_assert_int_eq(days_from_civil(2026, 11, 25), 20782);
    ck_assert_int_eq(days_from_civil(9999, 12, 31), 2932896);
    ck_assert(same(civil_from_days(-719162), 1, 1, 1));
    ck_assert(same(civil_from_days(11017), 2000, 3, 1));
    ck_assert(same(civil_from_days(2932896), 9999, 12, 31));
}
END_TEST

// Every day from 0001-01-01 to 9999-12-31, counted by a plain day-by-day
// walk: both directions agree with the walk at every step.
START_TEST(every_day_of_years_1_to_9999) {
    int64_t y = 1, n = -719162, bad = 0, leap_days = 0, days = 0;
    int m = 1, d = 1;
    for (; y <= 9999 && bad == 0; ++n, ++days) {
        if (days_from_civil(y, m, d) != n || !same(civil_from_days(n), y, m, d))
            bad = n;
        leap_days += m == 2 && d == 29;
        if (++d > month_length(y, m)) {
            d = 1;
            if (++m > 12) {
                m = 1;
                ++y;
            }
        }
    }
    ck_assert_int_eq(bad, 0);
    ck_assert_int_eq(n, 2932897); // the day after 9999-12-31
    ck_assert_int_eq(days, 3652059);
    ck_assert_int_eq(leap_days, 2424); // 2499 multiples of 4, less 99 centuries, plus 24
}
END_TEST

// Before year 1 and far beyond 9999, by samples: the inverse holds and
// 400 years are always 146097 days.
START_TEST(round_trips_far_out) {
    int64_t bad = 0;
    for (int64_t n = -4000000000000; n <= 4000000000000 && bad == 0; n += 999999937) {
        CivilDate c = civil_from_days(n);
        if (days_from_civil(c.year, c.month, c.day) != n || c.month < 1 || c.month > 12 ||
            c.day < 1 || c.day > month_length(c.year, c.month))
            bad = n;
    }
    ck_assert_int_eq(bad, 0);
    for (int64_t y : {-2000000000, -401, -1, 0, 1, 1600, 1999, 123456789})
        ck_assert_int_eq(days_from_civil(y + 400, 3, 1) - days_from_civil(y, 3, 1), 146097);
    ck_assert(same(civil_from_days(days_from_civil(0, 2, 29)), 0, 2, 29));
    ck_assert(same(civil_from_days(days_from_civil(-1, 12, 31)), -1, 12, 31));
    ck_assert_int_eq(days_from_civil(1, 1, 1) - days_from_civil(0, 1, 1), 366);
    ck_assert_int_eq(days_from_civil(0, 1, 1) - days_from_civil(-1, 1, 1), 365);
}
END_TEST

START_TEST(leap_years) {
    ck_assert(is_leap_year(2000));
    ck_assert(is_leap_year(2024));
    ck_assert(is_leap_year(4));
    ck_assert(is_leap_year(0));
    ck_assert(is_leap_year(-4));
    ck_assert(!is_leap_year(1900));
    ck_assert(!is_leap_year(2100));
    ck_assert(!is_leap_year(2026));
    ck_assert(!is_leap_year(-100));
    ck_assert(!is_leap_year(1));
    for (int64_t y = -1000; y <= 10000; ++y)
        ck_assert(is_leap_year(y) == leap(y));
}
END_TEST

START_TEST(month_lengths) {
    const int expected[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    for (int m = 1; m <= 12; ++m) {
        ck_assert_int_eq(days_in_month(2026, m), expected[m - 1]);
        ck_assert_int_eq(days_in_month(2024, m), expected[m - 1] + (m == 2));
    }
    ck_assert_int_eq(days_in_month(1900, 2), 28);
    ck_assert_int_eq(days_in_month(2000, 2), 29);
}
END_TEST

START_TEST(days_count_on_past_the_month) {
    ck_assert_int_eq(days_from_civil(2026, 2, 29), days_from_civil(2026, 3, 1));
    ck_assert_int_eq(days_from_civil(2026, 3, 0), days_from_civil(2026, 2, 28));
    ck_assert_int_eq(days_from_civil(2026, 1, 32), days_from_civil(2026, 2, 1));
}
END_TEST

START_TEST(zero_padding) {
    ck_assert_string_eq(padded(0, 4), "0000");
    ck_assert_string_eq(padded(7, 2), "07");
    ck_assert_string_eq(padded(42, 2), "42");
    ck_assert_string_eq(padded(2026, 2), "2026");
    ck_assert_string_eq(padded(123456, 4), "123456");
    ck_assert_string_eq(padded(0, 0), "0");
    ck_assert_string_eq(padded(5, 1), "5");
    ck_assert_string_eq(padded(INT64_MAX, 4), "9223372036854775807");
    std::string s = "at ";
    append_padded(s, 9, 3);
    ck_assert_string_eq(s, "at 009");
}
END_TEST

START_TEST(iso_date_times) {
    ck_assert_string_eq(iso_datetime(0, IsoFormat::Extended), "1970-01-01T00:00:00Z");
    ck_assert_string_eq(iso_datetime(0, IsoFormat::Basic), "19700101T000000Z");
    ck_assert_string_eq(iso_datetime(1795600800, IsoFormat::Extended), "2026-11-25T10:00:00Z");
    ck_assert_string_eq(iso_datetime(1795600800, IsoFormat::Basic), "20261125T100000Z");
    ck_assert_string_eq(iso_datetime(951827696, IsoFormat::Basic), "20000229T123456Z");
    ck_assert_string_eq(iso_datetime(-1, IsoFormat::Extended), "1969-12-31T23:59:59Z");
    ck_assert_string_eq(iso_datetime(-62135596800, IsoFormat::Basic), "00010101T000000Z");
    ck_assert_string_eq(iso_datetime(253402300799, IsoFormat::Basic), "99991231T235959Z");
    ck_assert_string_eq(iso_datetime(253402300800, IsoFormat::Extended), "10000-01-01T00:00:00Z");
    ck_assert_string_eq(iso_datetime(-62167219201, IsoFormat::Extended), "-0001-12-31T23:59:59Z");
    ck_assert_string_eq(iso_datetime(-62167219201, IsoFormat::Basic), "-00011231T235959Z");
    ck_assert_string_eq(iso_datetime(INT64_MAX, IsoFormat::Basic), "2922770265961204T153007Z");
    ck_assert_string_eq(iso_datetime(INT64_MIN, IsoFormat::Extended),
                        "-292277022657-01-27T08:29:52Z");
    std::string s = "DTSTART:";
    append_iso_datetime(s, 3723, IsoFormat::Basic);
    ck_assert_string_eq(s, "DTSTART:19700101T010203Z");
}
END_TEST

START_TEST(unix_time_round_trips) {
    for (int64_t t : {INT64_MIN, int64_t{-62135596800}, int64_t{-1}, int64_t{0}, int64_t{59},
                      int64_t{86399}, int64_t{86400}, int64_t{1795600800}, INT64_MAX}) {
        CivilTime c = civil_from_unix(t);
        ck_assert_int_eq(unix_from_civil(c), t);
        int64_t day = t / seconds_per_day - (t % seconds_per_day < 0); // rounded down
        ck_assert(same(civil_from_days(day), c.year, c.month, c.day));
    }
    CivilTime c = civil_from_unix(-1);
    ck_assert(c.year == 1969 && c.month == 12 && c.day == 31 && c.hour == 23 && c.minute == 59 &&
              c.second == 59);
}
END_TEST

int main() {
    Suite *s = suite_create("calendar");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, epoch_is_day_zero);
    tcase_add_test(tc, known_days);
    tcase_add_test(tc, every_day_of_years_1_to_9999);
    tcase_add_test(tc, round_trips_far_out);
    tcase_add_test(tc, leap_years);
    tcase_add_test(tc, month_lengths);
    tcase_add_test(tc, days_count_on_past_the_month);
    tcase_add_test(tc, zero_padding);
    tcase_add_test(tc, iso_date_times);
    tcase_add_test(tc, unix_time_round_trips);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
