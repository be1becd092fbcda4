// The percent decoder (mtt::percent_decode, valid_utf8, utf8_length,
// has_control) and the form decoder (mtt::parse_form and Form's accessors).
// The input is used as is: as a string to percent-decode (both modes) and as
// an application/x-www-form-urlencoded body.
#include "fuzz_common.h++"

#include "form.h++"
#include "text.h++"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace {

// An independent UTF-8 decoder: the code points of `s`, or nothing when it
// is not well-formed (Unicode 15, table 3-7).
std::optional<std::vector<uint32_t>> code_points(std::string_view s) {
    std::vector<uint32_t> cps;
    for (size_t i = 0; i < s.size();) {
        auto c = static_cast<unsigned char>(s[i]);
        size_t n = c < 0x80             ? 1
                   : (c & 0xE0) == 0xC0 ? 2
                   : (c & 0xF0) == 0xE0 ? 3
                   : (c & 0xF8) == 0xF0 ? 4
                                        : 0;
        if (n == 0 || i + n > s.size())
            return std::nullopt;
        uint32_t cp = n == 1 ? c : n == 2 ? c & 0x1F : n == 3 ? c & 0x0F : c & 0x07;
        for (size_t k = 1; k < n; ++k) {
            auto d = static_cast<unsigned char>(s[i + k]);
            if ((d & 0xC0) != 0x80)
                return std::nullopt;
            cp = cp << 6 | (d & 0x3F);
        }
        static const uint32_t least[] = {0, 0, 0x80, 0x800, 0x10000};
        if (cp < least[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return std::nullopt;
        cps.push_back(cp);
        i += n;
    }
    return cps;
}

bool is_hex(char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

// Every byte but the unreserved ones as %XX.
std::string encode(std::string_view s) {
    static const char hex[] = "0123456789ABCDEF";
    std::string out;
    for (char ch : s) {
        auto c = static_cast<unsigned char>(ch);
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
            c == '-' || c == '.' || c == '_' || c == '~') {
            out += ch;
        } else {
            out += '%';
            out += hex[c >> 4];
            out += hex[c & 15];
        }
    }
    return out;
}

bool printable_message(std::string_view m) {
    if (m.empty() || !mtt::valid_utf8(m))
        return false;
    for (char ch : m) {
        auto c = static_cast<unsigned char>(ch);
        if (c < 0x20 || c == 0x7F)
            return false;
    }
    return true;
}

void check_utf8_functions(std::string_view s) {
    auto cps = code_points(s);
    FUZZ_CHECK(mtt::valid_utf8(s) == cps.has_value(), "valid_utf8 disagrees on " + fuzz::show(s));
    if (!cps)
        return;
    FUZZ_CHECK(mtt::utf8_length(s) == cps->size(), "utf8_length wrong for " + fuzz::show(s));
    bool control = false;
    for (uint32_t cp : *cps)
        control |= cp < 0x20 || (cp >= 0x7F && cp <= 0x9F);
    FUZZ_CHECK(mtt::has_control(s) == control, "has_control wrong for " + fuzz::show(s));
}

void check_decode(std::string_view in, bool plus) {
    std::string out;
    auto err = mtt::percent_decode(in, plus, out);

    // '+' in form mode is exactly a space in plain mode
    std::string spaced(in);
    if (plus)
        for (char &c : spaced)
            if (c == '+')
                c = ' ';
    std::string out2;
    auto err2 = mtt::percent_decode(spaced, false, out2);
    FUZZ_CHECK(err.has_value() == err2.has_value() &&
                   (!err || (err->kind == err2->kind && err->where == err2->where)) &&
                   (err || out == out2),
               "'+' handling differs for " + fuzz::show(in));

    if (!err) {
        FUZZ_CHECK(mtt::valid_utf8(out), "decoded text is not UTF-8: " + fuzz::show(in));
        FUZZ_CHECK(out.find('\0') == std::string::npos, "decoded NUL: " + fuzz::show(in));
        size_t escapes = 0;
        for (size_t i = 0; i < in.size(); ++i)
            if (in[i] == '%')
                ++escapes, i += 2;
        FUZZ_CHECK(out.size() == in.size() - 2 * escapes, "decoded size for " + fuzz::show(in));
        std::string again;
        FUZZ_CHECK(!mtt::percent_decode(encode(out), plus, again) && again == out,
                   "encode/decode round trip fails for " + fuzz::show(out));
        return;
    }
    FUZZ_CHECK(printable_message(mtt::describe(*err)), "describe() for " + fuzz::show(in));
    switch (err->kind) {
    case mtt::DecodeError::BadEscape:
        FUZZ_CHECK(err->where < in.size() && in[err->where] == '%' &&
                       !(err->where + 2 < in.size() && is_hex(in[err->where + 1]) &&
                         is_hex(in[err->where + 2])),
                   "BadEscape at " + std::to_string(err->where) + " of " + fuzz::show(in));
        break;
    case mtt::DecodeError::NulByte:
        FUZZ_CHECK(err->where < in.size() &&
                       (in[err->where] == '\0' || in.substr(err->where, 3) == "%00"),
                   "NulByte at " + std::to_string(err->where) + " of " + fuzz::show(in));
        break;
    case mtt::DecodeError::InvalidUtf8: {
        // the whole input decodes (no escape or NUL error) but is not UTF-8,
        // and `where` is the end of its longest valid prefix
        std::string decoded;
        for (size_t i = 0; i < in.size(); ++i) {
            if (in[i] == '%') {
                FUZZ_CHECK(i + 2 < in.size() && is_hex(in[i + 1]) && is_hex(in[i + 2]),
                           "InvalidUtf8 though an escape is bad: " + fuzz::show(in));
                decoded += static_cast<char>(std::stoi(std::string(in.substr(i + 1, 2)), 0, 16));
                i += 2;
            } else {
                decoded += plus && in[i] == '+' ? ' ' : in[i];
            }
        }
        bool starts_valid = false; // a well-formed sequence starts at `where`
        for (size_t n = 1; n <= 4 && err->where + n <= decoded.size(); ++n)
            starts_valid |= code_points(decoded.substr(err->where, n)).has_value();
        FUZZ_CHECK(!code_points(decoded) && decoded.find('\0') == std::string::npos &&
                       err->where < decoded.size() && code_points(decoded.substr(0, err->where)) &&
                       !starts_valid,
                   "InvalidUtf8 at " + std::to_string(err->where) + " of " + fuzz::show(in));
        break;
    }
    }
}

// parse_form as the header describes it, built from percent_decode.
struct Expected {
    bool ok = true;
    std::vector<mtt::FormField> fields;
};

Expected reference_form(std::string_view body) {
    Expected x;
    size_t at = 0;
    while (true) {
        size_t amp = body.find('&', at);
        std::string_view pair = body.substr(at, amp == std::string_view::npos ? amp : amp - at);
        if (!pair.empty() && pair != "=") {
            size_t eq = pair.find('=');
            mtt::FormField f;
            if (x.fields.size() == mtt::form_max_fields || eq == 0 ||
                mtt::percent_decode(pair.substr(0, eq), true, f.name) ||
                mtt::percent_decode(eq == std::string_view::npos ? "" : pair.substr(eq + 1), true,
                                    f.value))
                return Expected{false, {}};
            x.fields.push_back(std::move(f));
        }
        if (amp == std::string_view::npos)
            return x;
        at = amp + 1;
    }
}

void check_form(std::string_view body) {
    mtt::Form form;
    form.fields.push_back({"stale", "field"}); // parse_form clears it
    auto err = mtt::parse_form(body, form);
    Expected x = reference_form(body);
    FUZZ_CHECK(!err == x.ok, "parse_form " + std::string(err ? "failed: " + *err : "succeeded") +
                                 " on " + fuzz::show(body));
    if (err) {
        FUZZ_CHECK(form.fields.empty(), "fields left after an error");
        FUZZ_CHECK(err->rfind("form ", 0) == 0 && printable_message(*err),
                   "odd error message: " + fuzz::show(*err));
        return;
    }
    FUZZ_CHECK(form.fields.size() == x.fields.size(), "field count for " + fuzz::show(body));
    std::string encoded;
    for (size_t i = 0; i < x.fields.size(); ++i) {
        const auto &f = form.fields[i];
        FUZZ_CHECK(f.name == x.fields[i].name && f.value == x.fields[i].value,
                   "field " + std::to_string(i) + " of " + fuzz::show(body));
        FUZZ_CHECK(!f.name.empty(), "empty field name from " + fuzz::show(body));
        auto all = form.all(f.name);
        FUZZ_CHECK(form.count(f.name) == all.size() && !all.empty() &&
                       form.first(f.name) == all.front(),
                   "Form accessors disagree on " + fuzz::show(f.name));
        size_t k = 0;
        for (const auto &g : form.fields)
            if (g.name == f.name)
                FUZZ_CHECK(all[k++] == &g.value, "Form::all order");
        encoded += (i ? "&" : "") + encode(f.name) + "=" + encode(f.value);
    }
    mtt::Form again;
    FUZZ_CHECK(!mtt::parse_form(encoded, again) && again.fields.size() == form.fields.size(),
               "re-encoded form does not parse: " + fuzz::show(encoded));
    for (size_t i = 0; i < again.fields.size(); ++i)
        FUZZ_CHECK(again.fields[i].name == form.fields[i].name &&
                       again.fields[i].value == form.fields[i].value,
                   "re-encoded form differs: " + fuzz::show(encoded));
    FUZZ_CHECK(form.first("\xff") == nullptr && form.count("\xff") == 0,
               "an absent name was found");
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    std::string_view in(reinterpret_cast<const char *>(data), size);
    check_utf8_functions(in);
    check_decode(in, false);
    check_decode(in, true);
    check_form(in);
    return 0;
}
