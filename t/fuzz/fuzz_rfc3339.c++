// RFC 3339 (src/rfc3339.h++): parse_rfc3339 against an independent reading
// of the grammar and timegm(3), the format/parse round trip, and (when the
// input has at least 8 bytes) civil_from_unix/unix_from_civil/format_rfc3339
// on the first 8 bytes taken as an int64_t.
#include "fuzz_common.h++"

#include "rfc3339.h++"

#include <cstdint>
#include <cstring>
#include <ctime>
#include <optional>
#include <string>
#include <string_view>

namespace {

constexpr int64_t first_second = -62135596800; // 0001-01-01T00:00:00Z
constexpr int64_t last_second = 253402300799;  // 9999-12-31T23:59:59Z

bool digit(char c) {
    return c >= '0' && c <= '9';
}

// The number in s[at, at + n) when those are all digits.
std::optional<int> number(std::string_view s, size_t at, size_t n) {
    if (at + n > s.size())
        return std::nullopt;
    int v = 0;
    for (size_t i = at; i < at + n; ++i) {
        if (!digit(s[i]))
            return std::nullopt;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

// The reference: the grammar and ranges of rfc3339.h++, the arithmetic of
// glibc's timegm (64-bit time_t).
std::optional<int64_t> reference(std::string_view s) {
    auto year = number(s, 0, 4), month = number(s, 5, 2), day = number(s, 8, 2),
         hour = number(s, 11, 2), minute = number(s, 14, 2), second = number(s, 17, 2);
    if (!year || !month || !day || !hour || !minute || !second || s[4] != '-' || s[7] != '-' ||
        (s[10] != 'T' && s[10] != 't') || s[13] != ':' || s[16] != ':')
        return std::nullopt;
    size_t i = 19;
    if (i < s.size() && s[i] == '.') {
        size_t start = ++i;
        while (i < s.size() && digit(s[i]))
            ++i;
        if (i == start || i - start > 9)
            return std::nullopt;
    }
    int64_t offset = 0;
    if (i < s.size() && (s[i] == 'Z' || s[i] == 'z')) {
        ++i;
    } else if (i < s.size() && (s[i] == '+' || s[i] == '-')) {
        auto hh = number(s, i + 1, 2), mm = number(s, i + 4, 2);
        if (!hh || !mm || s[i + 3] != ':' || *hh > 23 || *mm > 59)
            return std::nullopt;
        offset = (s[i] == '-' ? -1 : 1) * (*hh * 3600 + *mm * 60);
        i += 6;
    } else {
        return std::nullopt;
    }
    if (i != s.size())
        return std::nullopt;
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = *year % 4 == 0 && (*year % 100 != 0 || *year % 400 == 0);
    if (*year < 1 || *month < 1 || *month > 12 || *day < 1 ||
        *day > days[*month - 1] + (*month == 2 && leap) || *hour > 23 || *minute > 59 ||
        *second > 59)
        return std::nullopt;
    struct tm tm;
    std::memset(&tm, 0, sizeof tm);
    tm.tm_year = *year - 1900;
    tm.tm_mon = *month - 1;
    tm.tm_mday = *day;
    tm.tm_hour = *hour;
    tm.tm_min = *minute;
    tm.tm_sec = *second;
    int64_t utc = static_cast<int64_t>(timegm(&tm)) - offset;
    // the parser keeps the time in UTC within 0001-01-01 .. 9999-12-31 too
    if (utc < -62135596800 || utc > 253402300799)
        return std::nullopt;
    return utc;
}

void check_parse(std::string_view in) {
    std::string why;
    auto t = mtt::parse_rfc3339(in, &why);
    auto expected = reference(in);
    FUZZ_CHECK(t.has_value() == expected.has_value() && (!t || *t == *expected),
               "parse_rfc3339(" + fuzz::show(in) + ") = " + (t ? std::to_string(*t) : why) +
                   ", expected " + (expected ? std::to_string(*expected) : "an error"));
    FUZZ_CHECK(t || !why.empty(), "no reason given for refusing " + fuzz::show(in));
    FUZZ_CHECK(mtt::parse_rfc3339(in, nullptr) == t, "parse without `why` differs");
    if (!t)
        return;
    // A parsed time formats and parses back. (Allowed "rfc3339-range": not
    // for a local time near 0001-01-01 or 9999-12-31 whose UTC instant falls
    // outside the years 0001..9999 that parse_rfc3339 accepts.)
    std::string text = mtt::format_rfc3339(*t);
    bool representable = *t >= first_second && *t <= last_second;
    if (representable || !fuzz::allowed("rfc3339-range")) {
        std::string why2;
        auto back = mtt::parse_rfc3339(text, &why2);
        FUZZ_CHECK(back && *back == *t,
                   "parse_rfc3339(" + fuzz::show(in) + ") = " + std::to_string(*t) +
                       ", formatted " + text + ", parsed back " +
                       (back ? std::to_string(*back) : "as an error: " + why2));
    }
}

void check_unix(int64_t t) {
    mtt::CivilTime c = mtt::civil_from_unix(t);
    FUZZ_CHECK(c.month >= 1 && c.month <= 12 && c.day >= 1 && c.day <= 31 && c.hour >= 0 &&
                   c.hour <= 23 && c.minute >= 0 && c.minute <= 59 && c.second >= 0 &&
                   c.second <= 59,
               "civil_from_unix(" + std::to_string(t) + ") out of range");
    FUZZ_CHECK(mtt::unix_from_civil(c) == t,
               "unix_from_civil(civil_from_unix(" + std::to_string(t) + ")) differs");
    std::string text = mtt::format_rfc3339(t);
    FUZZ_CHECK(text.size() >= 20 && text.back() == 'Z',
               "format_rfc3339(" + std::to_string(t) + ") = " + text);
    if (t >= first_second && t <= last_second) {
        FUZZ_CHECK(text.size() == 20 && mtt::parse_rfc3339(text, nullptr) == t,
                   "format_rfc3339(" + std::to_string(t) + ") = " + text + " does not parse back");
        struct tm tm;
        time_t tt = static_cast<time_t>(t);
        gmtime_r(&tt, &tm);
        FUZZ_CHECK(c.year == tm.tm_year + 1900LL && c.month == tm.tm_mon + 1 &&
                       c.day == tm.tm_mday && c.hour == tm.tm_hour && c.minute == tm.tm_min &&
                       c.second == tm.tm_sec,
                   "civil_from_unix(" + std::to_string(t) + ") differs from gmtime");
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    std::string_view in(reinterpret_cast<const char *>(data), size);
    check_parse(in);
    if (size >= 8) {
        int64_t t;
        std::memcpy(&t, data, 8);
        check_unix(t);
    }
    return 0;
}
