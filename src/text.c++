#include "text.h++"

#include <unicase.h>
#include <unistr.h>

#include <cstdint>
#include <cstdlib>

namespace mtt {

namespace {

int hex_value(unsigned char c) {
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

} // namespace

Utf8Char utf8_decode(std::string_view s, size_t i) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80)
        return Utf8Char{c, 1};
    ucs4_t uc = 0;
    int n = u8_mbtoucr(&uc, reinterpret_cast<const uint8_t *>(s.data()) + i, s.size() - i);
    if (n <= 0) // -1 ill-formed, -2 cut short by the end
        return Utf8Char{0, 0};
    return Utf8Char{static_cast<char32_t>(uc), static_cast<size_t>(n)};
}

size_t utf8_invalid_at(std::string_view s) {
    for (size_t i = 0; i < s.size();) {
        if (static_cast<unsigned char>(s[i]) < 0x80) { // ASCII: no call
            ++i;
            continue;
        }
        size_t n = utf8_decode(s, i).length;
        if (n == 0)
            return i;
        i += n;
    }
    return std::string_view::npos;
}

bool valid_utf8(std::string_view s) {
    return utf8_invalid_at(s) == std::string_view::npos;
}

size_t utf8_boundary(std::string_view s, size_t at) {
    while (at > 0 && is_utf8_continuation(s[at]))
        --at;
    return at;
}

size_t utf8_length(std::string_view s) {
    size_t n = 0;
    for (char c : s)
        n += !is_utf8_continuation(c);
    return n;
}

bool has_control(std::string_view s) {
    for (size_t i = 0; i < s.size();) {
        auto b = static_cast<unsigned char>(s[i]);
        if (b < 0x80) { // C0 controls and DEL
            if (b < 0x20 || b == 0x7F)
                return true;
            ++i;
            continue;
        }
        Utf8Char c = utf8_decode(s, i);
        if (c.length == 0) { // not UTF-8: a byte that is no control either
            ++i;
            continue;
        }
        if (c.code_point <= 0x9F) // C1 controls, U+0080..U+009F
            return true;
        i += c.length;
    }
    return false;
}

std::optional<DecodeError> percent_decode(std::string_view in, bool plus_is_space,
                                          std::string &out) {
    out.clear();
    out.reserve(in.size());
    for (size_t i = 0; i < in.size(); ++i) {
        char c = in[i];
        if (c == '%') {
            int hi = i + 1 < in.size() ? hex_value(in[i + 1]) : -1;
            int lo = i + 2 < in.size() ? hex_value(in[i + 2]) : -1;
            if (hi < 0 || lo < 0)
                return DecodeError{DecodeError::BadEscape, i};
            c = static_cast<char>(hi * 16 + lo);
            if (c == '\0')
                return DecodeError{DecodeError::NulByte, i};
            i += 2;
        } else if (c == '+' && plus_is_space) {
            c = ' ';
        } else if (c == '\0') {
            return DecodeError{DecodeError::NulByte, i};
        }
        out.push_back(c);
    }
    // the offset is in the decoded text
    size_t bad = utf8_invalid_at(out);
    if (bad != std::string_view::npos)
        return DecodeError{DecodeError::InvalidUtf8, bad};
    return std::nullopt;
}

std::string valid_utf8_copy(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (size_t i = 0; i < s.size();) {
        size_t n = utf8_decode(s, i).length;
        if (n == 0) {
            out += "\xEF\xBF\xBD";
            ++i;
        } else {
            out.append(s.substr(i, n));
            i += n;
        }
    }
    return out;
}

std::string percent_encode(std::string_view in) {
    static const char digits[] = "0123456789ABCDEF";
    std::string out;
    out.reserve(in.size());
    for (char ch : in) {
        auto c = static_cast<unsigned char>(ch);
        bool unreserved = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                          (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~';
        if (unreserved) {
            out.push_back(ch);
        } else {
            out.push_back('%');
            out.push_back(digits[c >> 4]);
            out.push_back(digits[c & 0x0F]);
        }
    }
    return out;
}

std::string describe(const DecodeError &e) {
    switch (e.kind) {
    case DecodeError::BadEscape:
        return "the '%' at byte " + std::to_string(e.where) + " is not followed by two hex digits";
    case DecodeError::NulByte:
        return "it contains a NUL byte at byte " + std::to_string(e.where);
    case DecodeError::InvalidUtf8:
        return "it is not valid UTF-8 (at decoded byte " + std::to_string(e.where) + ")";
    }
    return "it cannot be decoded";
}

void append_case_folded(std::string_view s, std::string &out) {
    size_t ascii = 0;
    while (ascii < s.size() && static_cast<unsigned char>(s[ascii]) < 0x80)
        ascii++;
    for (size_t i = 0; i < ascii; i++) {
        char c = s[i];
        out.push_back(c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c);
    }
    if (ascii == s.size())
        return;
    std::string_view rest = s.substr(ascii);
    uint8_t buf[256];
    size_t n = sizeof buf;
    uint8_t *folded = u8_casefold(reinterpret_cast<const uint8_t *>(rest.data()), rest.size(),
                                  nullptr, nullptr, buf, &n);
    if (!folded) { // out of memory: left as it is
        out.append(rest);
        return;
    }
    out.append(reinterpret_cast<const char *>(folded), n);
    if (folded != buf)
        std::free(folded);
}

std::string case_fold(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    append_case_folded(s, out);
    return out;
}

} // namespace mtt
