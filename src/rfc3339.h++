// RFC 3339 date-time parsing and formatting, over the calendar of
// calendar.h++ (no timegm, no locale, no TZ).
#pragma once

#include "calendar.h++"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace mtt {

// Parses an RFC 3339 date-time (section 5.6):
//   YYYY-MM-DD T HH:MM:SS [.fraction] (Z | +HH:MM | -HH:MM)
// - the separator is 'T' or 't'; a space is rejected (RFC 3339 only notes
//   that applications may choose to accept one; and in a query string a
//   space is what an unencoded '+' turns into, so the messages point at it);
// - the fraction has 1 to 9 digits and is dropped: the result is rounded
//   down to the whole second;
// - the zone is 'Z', 'z' or a numeric offset (HH 00..23, MM 00..59; "-00:00"
//   is taken as UTC); the result is in UTC;
// - years 0001..9999; day of month checked against the month and leap year;
//   second 60 is rejected since leap seconds are not representable.
// Returns the seconds since the Unix epoch, or nothing with a phrase for a
// 400 message in `*why` (if `why` is not null). Positions are 0-based byte
// offsets.
std::optional<int64_t> parse_rfc3339(std::string_view s, std::string *why);

// "2026-11-25T10:00:00Z" (iso_datetime, extended). Outside years 0000..9999
// (not RFC 3339 any more) the year gets more digits, or a '-' when negative:
// "-0001-12-31T23:59:59Z".
std::string format_rfc3339(int64_t t);

} // namespace mtt
