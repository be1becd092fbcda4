// An RFC 5545 iCalendar writer for VEVENTs in UTC. Output is appended to a
// std::string so that a caller can stream a calendar: ical_begin(), then
// ical_event() once per event, then ical_end(), sending and clearing `out`
// whenever it likes in between (every call appends whole content lines).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace mtt {

struct IcalEvent {
    std::string uid;
    int64_t start = 0, end = 0; // seconds since the Unix epoch
    std::string summary, location;
    std::string description; // optional
};

// BEGIN:VCALENDAR, VERSION:2.0, PRODID:<prodid>, CALSCALE:GREGORIAN.
void ical_begin(std::string &out, std::string_view prodid);

// BEGIN:VEVENT, UID, DTSTAMP, DTSTART, DTEND, then SUMMARY, LOCATION and
// DESCRIPTION unless empty, END:VEVENT. Times are written as UTC DATE-TIME
// ("20261125T100000Z"). An event that ends when it starts has no DTEND:
// RFC 5545 wants DTEND later than DTSTART, and an event with a DATE-TIME
// DTSTART and neither DTEND nor DURATION ends when it starts (section
// 3.6.1). The caller supplies a non-empty UID and end >= start.
void ical_event(std::string &out, const IcalEvent &event, int64_t dtstamp);

// END:VCALENDAR. `components` is how many components (ical_event calls) the
// caller wrote: RFC 5545 (section 3.6) wants at least one in a VCALENDAR, so
// for none a VTIMEZONE for UTC (TZID:UTC, offset +0000) goes in first.
void ical_end(std::string &out, size_t components);

// The building blocks, public for tests.

// `t` as a UTC DATE-TIME in basic format: "20261125T100000Z". Meaningful for
// years 0000..9999 only.
std::string ical_datetime(int64_t t);

// Appends `text` escaped as a TEXT value (RFC 5545 section 3.3.11): '\' ';'
// ',' get a backslash, a line break (LF, CRLF or a lone CR) becomes "\n",
// HTAB is kept, other control characters (which TEXT cannot hold) are
// dropped. `text` should be UTF-8; other bytes are copied unchanged.
void ical_escape(std::string &out, std::string_view text);

// Appends the content line `line` followed by CRLF, folded as RFC 5545
// section 3.1 describes: no physical line longer than 75 octets without its
// CRLF, a continuation line being a single space and at most 74 octets of
// the content line; never inside a UTF-8 sequence (bytes that are not UTF-8
// may be split).
void ical_fold(std::string &out, std::string_view line);

} // namespace mtt
