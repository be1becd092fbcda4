#include "rfc3339.h++"

namespace mtt {

namespace {

// A left-to-right reader over the input that records the first error.
struct Reader {
    std::string_view s;
    size_t pos = 0;
    std::string why;

    bool at_end() const { return pos >= s.size(); }
    char peek() const { return at_end() ? '\0' : s[pos]; }
    bool is_digit() const { return !at_end() && s[pos] >= '0' && s[pos] <= '9'; }

    bool fail(std::string message) {
        why = std::move(message);
        return false;
    }
    bool expected(const char *what) {
        return fail(std::string("expected ") + what + " at position " + std::to_string(pos));
    }

    // Exactly `n` digits into `value`.
    bool digits(int n, int &value) {
        value = 0;
        for (int i = 0; i < n; ++i, ++pos) {
            if (!is_digit())
                return expected("a digit");
            value = value * 10 + (s[pos] - '0');
        }
        return true;
    }
    bool literal(char c) {
        if (peek() != c)
            return expected((std::string("'") + c + "'").c_str());
        ++pos;
        return true;
    }
};

std::string out_of_range(const char *what, int value) {
    return std::string(what) + " " + std::to_string(value) + " is out of range";
}

bool read_date(Reader &r, CivilTime &c) {
    int year = 0;
    if (!r.digits(4, year) || !r.literal('-') || !r.digits(2, c.month) || !r.literal('-') ||
        !r.digits(2, c.day))
        return false;
    c.year = year;
    if (year == 0)
        return r.fail("year 0000 is out of range (0001 to 9999)");
    if (c.month < 1 || c.month > 12)
        return r.fail(out_of_range("month", c.month));
    int last = days_in_month(c.year, c.month);
    if (c.day < 1 || c.day > last)
        return r.fail(out_of_range("day", c.day) + ": " + padded(year, 4) + "-" +
                      padded(c.month, 2) + " has " + std::to_string(last) + " days");
    return true;
}

bool read_separator(Reader &r) {
    if (r.peek() == 'T' || r.peek() == 't') {
        ++r.pos;
        return true;
    }
    if (r.peek() == ' ')
        return r.fail("expected 'T' at position " + std::to_string(r.pos) + ", not a space");
    return r.expected("'T'");
}

bool read_time(Reader &r, CivilTime &c) {
    if (!r.digits(2, c.hour) || !r.literal(':') || !r.digits(2, c.minute) || !r.literal(':') ||
        !r.digits(2, c.second))
        return false;
    if (c.hour > 23)
        return r.fail(out_of_range("hour", c.hour));
    if (c.minute > 59)
        return r.fail(out_of_range("minute", c.minute));
    if (c.second == 60)
        return r.fail(out_of_range("second", 60) + " (leap seconds are not supported)");
    if (c.second > 59)
        return r.fail(out_of_range("second", c.second));
    return true;
}

// ".d[d...]": skipped, the result is truncated to the second.
bool skip_fraction(Reader &r) {
    if (r.peek() != '.')
        return true;
    ++r.pos;
    size_t start = r.pos;
    if (!r.is_digit())
        return r.expected("a digit");
    while (r.is_digit())
        ++r.pos;
    if (r.pos - start > 9)
        return r.fail("the fraction at position " + std::to_string(start) +
                      " has more than 9 digits");
    return true;
}

// The zone as seconds east of UTC.
bool read_zone(Reader &r, int64_t &offset) {
    offset = 0;
    if (r.at_end())
        return r.fail("missing time zone (use Z, +HH:MM or -HH:MM)");
    char c = r.peek();
    if (c == 'Z' || c == 'z') {
        ++r.pos;
        return true;
    }
    if (c == ' ')
        return r.fail("expected 'Z', '+' or '-' at position " + std::to_string(r.pos) +
                      ", not a space (a '+' must be sent as %2B in a URL or form)");
    if (c != '+' && c != '-')
        return r.expected("'Z', '+' or '-'");
    ++r.pos;
    int hh = 0, mm = 0;
    if (!r.digits(2, hh) || !r.literal(':') || !r.digits(2, mm))
        return false;
    if (hh > 23)
        return r.fail(out_of_range("time zone hour", hh));
    if (mm > 59)
        return r.fail(out_of_range("time zone minute", mm));
    offset = (c == '-' ? -1 : 1) * (hh * 3600 + mm * 60);
    return true;
}

bool read_date_time(Reader &r, CivilTime &c, int64_t &offset) {
    if (!read_date(r, c) || !read_separator(r) || !read_time(r, c) || !skip_fraction(r) ||
        !read_zone(r, offset))
        return false;
    if (!r.at_end())
        return r.fail("unexpected character at position " + std::to_string(r.pos) +
                      " after the time zone");
    return true;
}

} // namespace

std::optional<int64_t> parse_rfc3339(std::string_view s, std::string *why) {
    Reader r{s, 0, {}};
    CivilTime c{};
    int64_t offset = 0;
    if (!read_date_time(r, c, offset)) {
        if (why)
            *why = std::move(r.why);
        return std::nullopt;
    }
    int64_t t = unix_from_civil(c) - offset;
    // the zone may carry a time at the edge of the range just outside it
    static const int64_t first = unix_from_civil(CivilTime{1, 1, 1, 0, 0, 0});
    static const int64_t last = unix_from_civil(CivilTime{9999, 12, 31, 23, 59, 59});
    if (t < first || t > last) {
        if (why)
            *why = "the time in UTC is out of range (0001-01-01 to 9999-12-31)";
        return std::nullopt;
    }
    return t;
}

std::string format_rfc3339(int64_t t) {
    return iso_datetime(t, IsoFormat::Extended);
}

} // namespace mtt
