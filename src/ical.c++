#include "ical.h++"

#include "calendar.h++"
#include "text.h++"

namespace mtt {

namespace {

constexpr size_t fold_width = 75; // octets per physical line, CRLF excluded

bool is_control(char c) {
    auto b = static_cast<unsigned char>(c);
    return b < 0x20 || b == 0x7F;
}

// A property whose value needs no escaping.
void property(std::string &out, std::string_view name, std::string_view value) {
    std::string line;
    line.reserve(name.size() + 1 + value.size());
    line.append(name).append(":").append(value);
    ical_fold(out, line);
}

// A property with a TEXT value.
void text_property(std::string &out, std::string_view name, std::string_view text) {
    std::string line;
    line.reserve(name.size() + 1 + text.size() + text.size() / 8);
    line.append(name).append(":");
    ical_escape(line, text);
    ical_fold(out, line);
}

void optional_text_property(std::string &out, std::string_view name, std::string_view text) {
    if (!text.empty())
        text_property(out, name, text);
}

} // namespace

std::string ical_datetime(int64_t t) {
    return iso_datetime(t, IsoFormat::Basic);
}

void ical_escape(std::string &out, std::string_view text) {
    for (size_t i = 0; i < text.size(); ++i) {
        char c = text[i];
        if (c == '\\' || c == ';' || c == ',') {
            out += '\\';
            out += c;
        } else if (c == '\n' || c == '\r') {
            out += "\\n";
            if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n')
                ++i;
        } else if (c == '\t' || !is_control(c)) {
            out += c;
        }
    }
}

void ical_fold(std::string &out, std::string_view line) {
    size_t room = fold_width;
    while (line.size() > room) {
        size_t cut = utf8_boundary(line, room);
        if (cut == 0)
            cut = room;
        out.append(line.substr(0, cut));
        out += "\r\n ";
        line.remove_prefix(cut);
        room = fold_width - 1;
    }
    out.append(line);
    out += "\r\n";
}

void ical_begin(std::string &out, std::string_view prodid) {
    property(out, "BEGIN", "VCALENDAR");
    property(out, "VERSION", "2.0");
    text_property(out, "PRODID", prodid);
    property(out, "CALSCALE", "GREGORIAN");
}

void ical_event(std::string &out, const IcalEvent &event, int64_t dtstamp) {
    property(out, "BEGIN", "VEVENT");
    text_property(out, "UID", event.uid);
    property(out, "DTSTAMP", ical_datetime(dtstamp));
    property(out, "DTSTART", ical_datetime(event.start));
    if (event.end != event.start)
        property(out, "DTEND", ical_datetime(event.end));
    optional_text_property(out, "SUMMARY", event.summary);
    optional_text_property(out, "LOCATION", event.location);
    optional_text_property(out, "DESCRIPTION", event.description);
    property(out, "END", "VEVENT");
}

void ical_end(std::string &out, size_t components) {
    if (components == 0) {
        property(out, "BEGIN", "VTIMEZONE");
        property(out, "TZID", "UTC");
        property(out, "BEGIN", "STANDARD");
        property(out, "DTSTART", "19700101T000000");
        property(out, "TZOFFSETFROM", "+0000");
        property(out, "TZOFFSETTO", "+0000");
        property(out, "TZNAME", "UTC");
        property(out, "END", "STANDARD");
        property(out, "END", "VTIMEZONE");
    }
    property(out, "END", "VCALENDAR");
}

} // namespace mtt
