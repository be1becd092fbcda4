// Byte-level text helpers shared by the parsers: percent decoding, UTF-8
// validation, ASCII case helpers, Unicode case folding. No allocation beyond
// the returned strings.
#pragma once

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

// True when `s` is well-formed UTF-8 (no overlongs, no surrogates, <= U+10FFFF).
bool valid_utf8(std::string_view s);

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
