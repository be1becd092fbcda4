#include "calendar.h++"

namespace mtt {

bool is_leap_year(int64_t year) {
    return year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
}

int days_in_month(int64_t year, int month) {
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return month == 2 && is_leap_year(year) ? 29 : days[month - 1];
}

// Both directions count in eras of 400 years (146097 days), which repeat
// exactly, from a year that starts on March 1st so that the leap day is the
// last of its year. (H. Hinnant, "chrono-Compatible Low-Level Date
// Algorithms".)
int64_t days_from_civil(int64_t y, int m, int d) {
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const int64_t yoe = y - era * 400;                                   // [0, 399]
    const int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1; // [0, 365]
    const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;           // [0, 146096]
    return era * 146097 + doe - 719468;
}

CivilDate civil_from_days(int64_t z) {
    z += 719468;
    const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const int64_t doe = z - era * 146097;                                      // [0, 146096]
    const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365; // [0, 399]
    const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);               // [0, 365]
    const int64_t mp = (5 * doy + 2) / 153;                                    // [0, 11]
    CivilDate c{};
    c.day = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
    c.month = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
    c.year = yoe + era * 400 + (c.month <= 2);
    return c;
}

CivilTime civil_from_unix(int64_t t) {
    int64_t days = t / seconds_per_day, secs = t % seconds_per_day;
    if (secs < 0) {
        secs += seconds_per_day;
        days -= 1;
    }
    CivilDate d = civil_from_days(days);
    CivilTime c{};
    c.year = d.year;
    c.month = d.month;
    c.day = d.day;
    c.hour = static_cast<int>(secs / 3600);
    c.minute = static_cast<int>(secs / 60 % 60);
    c.second = static_cast<int>(secs % 60);
    return c;
}

int64_t unix_from_civil(const CivilTime &c) {
    // months outside 1..12 roll over into the neighbouring years
    int64_t months = c.year * 12 + (c.month - 1);
    int64_t year = months >= 0 ? months / 12 : (months - 11) / 12;
    int month = static_cast<int>(months - year * 12) + 1;
    int64_t days = days_from_civil(year, month, 1) + (c.day - 1);
    int64_t secs = int64_t{c.hour} * 3600 + c.minute * 60 + c.second;
    if (days < 0) // so that the earliest day of int64_t does not overflow
        return (days + 1) * seconds_per_day + (secs - seconds_per_day);
    return days * seconds_per_day + secs;
}

void append_padded(std::string &out, int64_t v, int width) {
    char buf[24];
    int n = 0;
    do {
        buf[n++] = static_cast<char>('0' + v % 10);
        v /= 10;
    } while (v > 0);
    for (; n < width; --width)
        out += '0';
    while (n > 0)
        out += buf[--n];
}

std::string padded(int64_t v, int width) {
    std::string s;
    append_padded(s, v, width);
    return s;
}

void append_iso_datetime(std::string &out, int64_t t, IsoFormat format) {
    const bool extended = format == IsoFormat::Extended;
    CivilTime c = civil_from_unix(t);
    if (c.year < 0)
        out += '-';
    append_padded(out, c.year < 0 ? -c.year : c.year, 4);
    if (extended)
        out += '-';
    append_padded(out, c.month, 2);
    if (extended)
        out += '-';
    append_padded(out, c.day, 2);
    out += 'T';
    append_padded(out, c.hour, 2);
    if (extended)
        out += ':';
    append_padded(out, c.minute, 2);
    if (extended)
        out += ':';
    append_padded(out, c.second, 2);
    out += 'Z';
}

std::string iso_datetime(int64_t t, IsoFormat format) {
    std::string s;
    s.reserve(20);
    append_iso_datetime(s, t, format);
    return s;
}

} // namespace mtt
