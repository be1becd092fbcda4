#include "ical.h++"
#include "text.h++"
#include "unit.h++"

#include <string>
#include <vector>

using namespace mtt;

static const char prodid[] = "-//mytimetable//ngx_mytimetable//EN";

static IcalEvent lesson() {
    IcalEvent e;
    e.uid = "lesson-42@example.org";
    e.start = 1795600800; // 2026-11-25T10:00:00Z
    e.end = 1795606200;   // 2026-11-25T11:30:00Z
    e.summary = "Algebra, group 2";
    e.location = "Room 101; building B";
    return e;
}

static IcalEvent lab() {
    IcalEvent e;
    e.uid = "lab-7@example.org";
    e.start = 1795680900; // 2026-11-26T08:15:00Z
    e.end = 1795683600;   // 2026-11-26T09:00:00Z
    e.summary = "Physique \xE2\x80\x93 TP";
    e.description = "Bring:\nlab coat\\goggles";
    return e;
}

static const int64_t dtstamp = 1795161600; // 2026-11-20T08:00:00Z

START_TEST(writes_a_small_calendar) {
    std::string out;
    ical_begin(out, prodid);
    ical_event(out, lesson(), dtstamp);
    ical_event(out, lab(), dtstamp);
    ical_end(out, 2);
    ck_assert_string_eq(out, "BEGIN:VCALENDAR\r\n"
                             "VERSION:2.0\r\n"
                             "PRODID:-//mytimetable//ngx_mytimetable//EN\r\n"
                             "CALSCALE:GREGORIAN\r\n"
                             "BEGIN:VEVENT\r\n"
                             "UID:lesson-42@example.org\r\n"
                             "DTSTAMP:20261120T080000Z\r\n"
                             "DTSTART:20261125T100000Z\r\n"
                             "DTEND:20261125T113000Z\r\n"
                             "SUMMARY:Algebra\\, group 2\r\n"
                             "LOCATION:Room 101\\; building B\r\n"
                             "END:VEVENT\r\n"
                             "BEGIN:VEVENT\r\n"
                             "UID:lab-7@example.org\r\n"
                             "DTSTAMP:20261120T080000Z\r\n"
                             "DTSTART:20261126T081500Z\r\n"
                             "DTEND:20261126T090000Z\r\n"
                             "SUMMARY:Physique \xE2\x80\x93 TP\r\n"
                             "DESCRIPTION:Bring:\\nlab coat\\\\goggles\r\n"
                             "END:VEVENT\r\n"
                             "END:VCALENDAR\r\n");
}
END_TEST

// RFC 5545 section 3.6: a VCALENDAR holds at least one component, so an
// empty one gets a VTIMEZONE for UTC (which needs a STANDARD sub-component
// with DTSTART, TZOFFSETFROM and TZOFFSETTO).
START_TEST(empty_calendar) {
    std::string out;
    ical_begin(out, "-//x//y//EN");
    ical_end(out, 0);
    ck_assert_string_eq(out, "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//x//y//EN\r\n"
                             "CALSCALE:GREGORIAN\r\n"
                             "BEGIN:VTIMEZONE\r\n"
                             "TZID:UTC\r\n"
                             "BEGIN:STANDARD\r\n"
                             "DTSTART:19700101T000000\r\n"
                             "TZOFFSETFROM:+0000\r\n"
                             "TZOFFSETTO:+0000\r\n"
                             "TZNAME:UTC\r\n"
                             "END:STANDARD\r\n"
                             "END:VTIMEZONE\r\n"
                             "END:VCALENDAR\r\n");
}
END_TEST

START_TEST(calendar_with_events_has_no_timezone) {
    std::string out;
    ical_begin(out, "-//x//y//EN");
    ical_event(out, lesson(), dtstamp);
    ical_end(out, 1);
    ck_assert(out.find("VTIMEZONE") == std::string::npos);
    ck_assert(out.size() > 15 &&
              out.compare(out.size() - 27, 27, "END:VEVENT\r\nEND:VCALENDAR\r\n") == 0);
}
END_TEST

// RFC 5545 wants DTEND later than DTSTART; without DTEND (and DURATION) an
// event with a DATE-TIME start ends when it starts (section 3.6.1).
START_TEST(event_that_ends_when_it_starts_has_no_dtend) {
    IcalEvent e = lesson();
    e.end = e.start;
    std::string out;
    ical_event(out, e, dtstamp);
    ck_assert_string_eq(out, "BEGIN:VEVENT\r\n"
                             "UID:lesson-42@example.org\r\n"
                             "DTSTAMP:20261120T080000Z\r\n"
                             "DTSTART:20261125T100000Z\r\n"
                             "SUMMARY:Algebra\\, group 2\r\n"
                             "LOCATION:Room 101\\; building B\r\n"
                             "END:VEVENT\r\n");
    e.end = e.start + 1; // a second later: DTEND again
    out.clear();
    ical_event(out, e, dtstamp);
    ck_assert(out.find("\r\nDTEND:20261125T100001Z\r\n") != std::string::npos);
}
END_TEST

START_TEST(omits_empty_optional_properties) {
    IcalEvent e;
    e.uid = "u1";
    e.start = 0;
    e.end = 3600;
    std::string out = "kept;";
    ical_event(out, e, 60);
    ck_assert_string_eq(out, "kept;"
                             "BEGIN:VEVENT\r\n"
                             "UID:u1\r\n"
                             "DTSTAMP:19700101T000100Z\r\n"
                             "DTSTART:19700101T000000Z\r\n"
                             "DTEND:19700101T010000Z\r\n"
                             "END:VEVENT\r\n");
}
END_TEST

START_TEST(streams_in_pieces) {
    std::string whole, piece, streamed;
    ical_begin(whole, prodid);
    for (int i = 0; i < 3; ++i)
        ical_event(whole, i % 2 ? lab() : lesson(), dtstamp);
    ical_end(whole, 3);

    ical_begin(piece, prodid);
    streamed += piece;
    piece.clear();
    for (int i = 0; i < 3; ++i) {
        ical_event(piece, i % 2 ? lab() : lesson(), dtstamp);
        ck_assert(piece.rfind("BEGIN:VEVENT\r\n", 0) == 0);
        ck_assert(piece.size() >= 12 &&
                  piece.compare(piece.size() - 12, 12, "END:VEVENT\r\n") == 0);
        streamed += piece;
        piece.clear();
    }
    ical_end(piece, 3);
    ck_assert_string_eq(piece, "END:VCALENDAR\r\n");
    streamed += piece;
    ck_assert_string_eq(streamed, whole);
}
END_TEST

START_TEST(formats_utc_date_times) {
    ck_assert_string_eq(ical_datetime(0), "19700101T000000Z");
    ck_assert_string_eq(ical_datetime(1795600800), "20261125T100000Z");
    ck_assert_string_eq(ical_datetime(951827696), "20000229T123456Z");
    ck_assert_string_eq(ical_datetime(-1), "19691231T235959Z");
    ck_assert_string_eq(ical_datetime(-62135596800), "00010101T000000Z");
    ck_assert_string_eq(ical_datetime(253402300799), "99991231T235959Z");
}
END_TEST

static std::string escaped(std::string_view text) {
    std::string out = "X:";
    ical_escape(out, text);
    return out;
}

START_TEST(escapes_text) {
    ck_assert_string_eq(escaped("a\\b;c,d"), "X:a\\\\b\\;c\\,d");
    ck_assert_string_eq(escaped("\\\\;;,,"), "X:\\\\\\\\\\;\\;\\,\\,");
    // ':' and '"' need no escaping in TEXT
    ck_assert_string_eq(escaped("Note: \"quoted\""), "X:Note: \"quoted\"");
    ck_assert_string_eq(escaped("caf\xC3\xA9 \xF0\x9F\x98\x80"), "X:caf\xC3\xA9 \xF0\x9F\x98\x80");
    ck_assert_string_eq(escaped(""), "X:");
}
END_TEST

START_TEST(escapes_line_breaks) {
    ck_assert_string_eq(escaped("l1\nl2\r\nl3\rl4"), "X:l1\\nl2\\nl3\\nl4");
    ck_assert_string_eq(escaped("\r\n\r\n"), "X:\\n\\n");
    ck_assert_string_eq(escaped("\n\r"), "X:\\n\\n");
    ck_assert_string_eq(escaped("end\r"), "X:end\\n");
}
END_TEST

START_TEST(drops_control_characters) {
    ck_assert_string_eq(escaped("a\tb\001c\177\033d"), "X:a\tbcd");
    ck_assert_string_eq(escaped(std::string_view("n\0ul", 4)), "X:nul");
}
END_TEST

// Splits folded output into physical lines (without CRLF) and checks the
// folding rules: CRLF line ends, at most 75 octets a line, continuation lines
// starting with one space, no line cut inside a UTF-8 sequence (when the
// input is UTF-8), and unfolding giving back `original`.
static std::vector<size_t> check_folding(const std::string &out, const std::string &original) {
    std::vector<size_t> lengths;
    std::string unfolded;
    ck_assert(out.size() >= 2 && out.compare(out.size() - 2, 2, "\r\n") == 0);
    for (size_t at = 0; at < out.size();) {
        size_t crlf = out.find("\r\n", at);
        ck_assert(crlf != std::string::npos);
        std::string line = out.substr(at, crlf - at);
        ck_assert_uint_le(line.size(), 75);
        ck_assert(line.find_first_of("\r\n") == std::string::npos);
        if (at > 0) {
            ck_assert(line.size() >= 2 && line[0] == ' ');
            line.erase(0, 1);
        }
        if (valid_utf8(original))
            ck_assert(valid_utf8(line));
        unfolded += line;
        lengths.push_back(crlf - at);
        at = crlf + 2;
    }
    ck_assert_string_eq(unfolded, original);
    return lengths;
}

static std::vector<size_t> folded(const std::string &line) {
    std::string out;
    ical_fold(out, line);
    return check_folding(out, line);
}

static std::string repeat(std::string_view s, size_t n) {
    std::string r;
    for (size_t i = 0; i < n; ++i)
        r += s;
    return r;
}

START_TEST(short_lines_are_not_folded) {
    std::string out;
    ical_fold(out, "SUMMARY:short");
    ck_assert_string_eq(out, "SUMMARY:short\r\n");
    std::string line75 = "SUMMARY:" + repeat("x", 67);
    out.clear();
    ical_fold(out, line75);
    ck_assert_string_eq(out, line75 + "\r\n");
}
END_TEST

START_TEST(folds_at_75_octets) {
    std::string line76 = "SUMMARY:" + repeat("x", 67) + "y";
    std::string out;
    ical_fold(out, line76);
    ck_assert_string_eq(out, "SUMMARY:" + repeat("x", 67) + "\r\n y\r\n");
    // 75, then a space and 74 octets per line
    std::string line = "DESCRIPTION:" + repeat("0123456789", 20); // 212 octets
    ck_assert(folded(line) == (std::vector<size_t>{75, 75, 64}));
    out.clear();
    ical_fold(out, line);
    ck_assert_string_eq(out.substr(0, 88),
                        "DESCRIPTION:" + repeat("0123456789", 6) + "012" + "\r\n 3456789012");
}
END_TEST

START_TEST(folds_multibyte_text_between_characters) {
    // 2-octet e-acute: the 75th octet would split one, so the line ends at 74
    ck_assert(folded("SUMMARY:" + repeat("\xC3\xA9", 100)) == (std::vector<size_t>{74, 75, 61}));
    // 3-octet euro signs
    ck_assert(folded("SUMMARY:" + repeat("\xE2\x82\xAC", 50)) == (std::vector<size_t>{74, 73, 13}));
    // 4-octet emoji
    ck_assert(folded("SUMMARY:" + repeat("\xF0\x9F\x98\x80", 30)) == (std::vector<size_t>{72, 57}));
    // mixed, long
    std::string mixed = "LOCATION:" + repeat("a\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80;", 80);
    std::vector<size_t> lengths = folded(mixed);
    ck_assert_uint_eq(mixed.size(), 889);
    ck_assert_uint_eq(lengths.size(), 13);
    for (size_t i = 0; i + 1 < lengths.size(); ++i)
        ck_assert_uint_ge(lengths[i], 72); // a cut moves back 3 octets at most
}
END_TEST

START_TEST(folds_bytes_that_are_not_utf8) {
    // continuation bytes only: no character boundary, cut at the limit
    ck_assert(folded(repeat("\x80", 200)) == (std::vector<size_t>{75, 75, 52}));
}
END_TEST

START_TEST(events_fold_long_values) {
    IcalEvent e = lesson();
    e.summary = repeat("Caf\xC3\xA9, ", 30);
    e.description = repeat("line; with\nbreaks ", 10);
    std::string out;
    ical_event(out, e, dtstamp);
    std::string expected_summary = "SUMMARY:" + repeat("Caf\xC3\xA9\\, ", 30);
    std::string expected_description = "DESCRIPTION:" + repeat("line\\; with\\nbreaks ", 10);
    size_t s = out.find("SUMMARY:"), l = out.find("\r\nLOCATION:");
    size_t d = out.find("DESCRIPTION:"), end = out.find("\r\nEND:VEVENT\r\n");
    ck_assert(s != std::string::npos && l != std::string::npos && d != std::string::npos &&
              end != std::string::npos);
    ck_assert_uint_eq(check_folding(out.substr(s, l + 2 - s), expected_summary).size(), 4);
    ck_assert_uint_eq(check_folding(out.substr(d, end + 2 - d), expected_description).size(), 3);
}
END_TEST

int main() {
    Suite *s = suite_create("ical");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, writes_a_small_calendar);
    tcase_add_test(tc, empty_calendar);
    tcase_add_test(tc, calendar_with_events_has_no_timezone);
    tcase_add_test(tc, event_that_ends_when_it_starts_has_no_dtend);
    tcase_add_test(tc, omits_empty_optional_properties);
    tcase_add_test(tc, streams_in_pieces);
    tcase_add_test(tc, formats_utc_date_times);
    tcase_add_test(tc, escapes_text);
    tcase_add_test(tc, escapes_line_breaks);
    tcase_add_test(tc, drops_control_characters);
    tcase_add_test(tc, short_lines_are_not_folded);
    tcase_add_test(tc, folds_at_75_octets);
    tcase_add_test(tc, folds_multibyte_text_between_characters);
    tcase_add_test(tc, folds_bytes_that_are_not_utf8);
    tcase_add_test(tc, events_fold_long_values);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
