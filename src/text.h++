// Byte-level text helpers shared by the parsers: percent decoding, the UTF-8
// scanner, ASCII case helpers, Unicode case folding. No allocation beyond
// the returned strings.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace mtt {

// Why a decode failed; `where` is the byte offset in the input.
struct DecodeError {
    enum Kind { BadEscape, InvalidUtf8, NulByte } kind;
    size_t where;
};

// Percent-decodes `in` into `out`. With `plus_is_space` (form bodies and
// query strings) '+' becomes ' '. Rejects a '%' not followed by two hex
// digits, an encoded or raw NUL byte, and a result that is not valid UTF-8.
std::optional<DecodeError> percent_decode(std::string_view in, bool plus_is_space,
                                          std::string &out);

// Percent-encodes every byte but the RFC 3986 unreserved characters, for a
// path segment.
std::string percent_encode(std::string_view in);

// The UTF-8 scanner: every decoding or validating of UTF-8 goes through it.
//
// The code point that starts at byte `i` of `s` (i < s.size()) and the
// number of bytes that encode it, 1 to 4; or length 0 when the bytes there
// are not a well-formed sequence (RFC 3629): a continuation byte, C0, C1 or
// F5..FF, an overlong form, a surrogate (U+D800..U+DFFF), a code point above
// U+10FFFF, or a sequence that `s` ends inside. libunistring's u8_mbtoucr.
struct Utf8Char {
    char32_t code_point;
    size_t length; // 0: not well-formed at this byte
};
Utf8Char utf8_decode(std::string_view s, size_t i);

// The offset of the first byte of `s` where utf8_decode finds no
// well-formed sequence, or npos when `s` is well-formed UTF-8.
size_t utf8_invalid_at(std::string_view s);

// True when `s` is well-formed UTF-8 (no overlongs, no surrogates, <= U+10FFFF).
bool valid_utf8(std::string_view s);

// True for a UTF-8 continuation byte (10xxxxxx), which starts no character.
inline bool is_utf8_continuation(char c) {
    return (static_cast<unsigned char>(c) & 0xC0) == 0x80;
}

// Where `s` can be cut at or before byte `at` (< s.size()) without
// splitting a UTF-8 sequence: `at` moved back over continuation bytes, 0 if
// nothing but continuation bytes comes before it.
size_t utf8_boundary(std::string_view s, size_t at);

// True when `s` contains a C0 control character or DEL (or, in UTF-8, a C1
// control U+0080..U+009F).
bool has_control(std::string_view s);

// Number of code points in valid UTF-8 `s`.
size_t utf8_length(std::string_view s);

// `s` with every byte that is not part of well-formed UTF-8 replaced by
// U+FFFD, so that any text can go into a JSON message.
std::string valid_utf8_copy(std::string_view s);

// `s` case-folded: Unicode full case folding (libunistring's u8_casefold,
// without normalization), so that two strings are equal without case when
// their foldings are equal ("Straße" and "STRASSE", "ÉCOLE" and
// "école"). ASCII text is folded without the library; in text that is not
// well-formed UTF-8 the library replaces each bad byte by U+FFFD. What SCIM's
// attributes that are not caseExact are compared (and indexed) by.
std::string case_fold(std::string_view s);
// The same, appended to `out` (a reused buffer allocates only to grow).
void append_case_folded(std::string_view s, std::string &out);

// Human description of a DecodeError, for 400 messages: "a '%' at byte 3 is
// not followed by two hex digits", ...
std::string describe(const DecodeError &e);

} // namespace mtt
