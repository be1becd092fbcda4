#include "text.h++"

#include <unicase.h>

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

// Length of the well-formed UTF-8 sequence starting at s[i], or 0.
size_t utf8_sequence(std::string_view s, size_t i) {
    auto b = [&](size_t k) { return static_cast<unsigned char>(s[i + k]); };
    auto cont = [&](size_t k) { return i + k < s.size() && (b(k) & 0xC0) == 0x80; };
    unsigned char c = b(0);
    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF)
        return cont(1) ? 2 : 0;
    if (c >= 0xE0 && c <= 0xEF) {
        if (!cont(1) || !cont(2))
            return 0;
        if (c == 0xE0 && b(1) < 0xA0)
            return 0; // overlong
        if (c == 0xED && b(1) >= 0xA0)
            return 0; // surrogate
        return 3;
    }
    if (c >= 0xF0 && c <= 0xF4) {
        if (!cont(1) || !cont(2) || !cont(3))
            return 0;
        if (c == 0xF0 && b(1) < 0x90)
            return 0; // overlong
        if (c == 0xF4 && b(1) >= 0x90)
            return 0; // above U+10FFFF
        return 4;
    }
    return 0;
}

} // namespace

bool valid_utf8(std::string_view s) {
    for (size_t i = 0; i < s.size();) {
        size_t n = utf8_sequence(s, i);
        if (n == 0)
            return false;
        i += n;
    }
    return true;
}

size_t utf8_length(std::string_view s) {
    size_t n = 0;
    for (unsigned char c : s)
        n += (c & 0xC0) != 0x80;
    return n;
}

bool has_control(std::string_view s) {
    for (size_t i = 0; i < s.size(); ++i) {
        auto c = static_cast<unsigned char>(s[i]);
        if (c < 0x20 || c == 0x7F)
            return true;
        // U+0080..U+009F encode as C2 80..C2 9F
        if (c == 0xC2 && i + 1 < s.size()) {
            auto d = static_cast<unsigned char>(s[i + 1]);
            if (d >= 0x80 && d <= 0x9F)
                return true;
        }
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
    if (!valid_utf8(out)) {
        // report the offset in the decoded text
        size_t i = 0;
        while (i < out.size()) {
            size_t n = utf8_sequence(out, i);
            if (n == 0)
                break;
            i += n;
        }
        return DecodeError{DecodeError::InvalidUtf8, i};
    }
    return std::nullopt;
}

std::string valid_utf8_copy(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (size_t i = 0; i < s.size();) {
        size_t n = utf8_sequence(s, i);
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
    auto ascii_only = [&] {
        for (char c : rest)
            out.push_back(c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c);
    };
    uint8_t buf[256];
    size_t n = sizeof buf;
    uint8_t *folded = u8_casefold(reinterpret_cast<const uint8_t *>(rest.data()), rest.size(),
                                  nullptr, nullptr, buf, &n);
    if (!folded) { // out of memory
        ascii_only();
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
