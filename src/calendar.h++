// The proleptic Gregorian calendar in UTC, and ISO 8601 text for its dates
// and times: day counts since 1970-01-01, civil dates and times, zero-padded
// fields. Pure arithmetic (no timegm, no locale, no TZ), the one calendar
// behind RFC 3339, OData datetime literals, iCalendar and backup file names.
#pragma once

#include <cstdint>
#include <string>

namespace mtt {

constexpr int64_t seconds_per_day = 86400;

// A calendar date. Years are astronomical: 0 is 1 BC, -1 is 2 BC.
struct CivilDate {
    int64_t year;
    int month; // 1..12
    int day;   // 1..31
};

// A UTC calendar date and time of day.
struct CivilTime {
    int64_t year; // astronomical: 0 is 1 BC
    int month;    // 1..12
    int day;      // 1..31
    int hour, minute, second;
};

bool is_leap_year(int64_t year);

// 28 to 31; `month` 1..12.
int days_in_month(int64_t year, int month);

// Days since 1970-01-01 (day 0) of a date; `month` 1..12, `day` counts on
// from the 1st without a check (day 0 is the last of the month before).
// civil_from_days is the inverse; both are exact over every day of an int64_t
// count of seconds.
int64_t days_from_civil(int64_t year, int month, int day);
CivilDate civil_from_days(int64_t days);

// Seconds since 1970-01-01T00:00:00Z to calendar time and back. Every int64_t
// converts both ways. unix_from_civil does not validate its argument: fields
// out of range roll over (day 31 of a 30-day month is the 1st of the next,
// month 13 is January of the next year), as long as the result fits.
CivilTime civil_from_unix(int64_t t);
int64_t unix_from_civil(const CivilTime &c);

// Appends the decimal `v` (>= 0) zero-padded to at least `width` digits:
// (7, 2) is "07", (2026, 2) is "2026".
void append_padded(std::string &out, int64_t v, int width);
std::string padded(int64_t v, int width);

// `t` as an ISO 8601 UTC date-time, extended ("2026-11-25T10:00:00Z", as RFC
// 3339 writes it) or basic ("20261125T100000Z", as iCalendar and file names
// do). Outside years 0000..9999 the year gets more digits, or a '-' when
// negative: "-0001-12-31T23:59:59Z".
enum class IsoFormat { Basic, Extended };
void append_iso_datetime(std::string &out, int64_t t, IsoFormat format);
std::string iso_datetime(int64_t t, IsoFormat format);

} // namespace mtt
