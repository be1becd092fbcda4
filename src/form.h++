// Decoder for application/x-www-form-urlencoded request bodies and query
// strings (WHATWG URL Standard, "application/x-www-form-urlencoded parsing",
// made strict: malformed escapes and invalid UTF-8 are errors, not U+FFFD).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mtt {

struct FormField {
    std::string name, value;
};

struct Form {
    // In the order they appear, repeated names kept, empty values kept.
    std::vector<FormField> fields;

    // The value of the first field called `name`, or nullptr.
    const std::string *first(std::string_view name) const;
    // The values of every field called `name`, in order.
    std::vector<const std::string *> all(std::string_view name) const;
    // How many fields are called `name`.
    size_t count(std::string_view name) const;
};

// At most this many fields per body or query string.
inline constexpr size_t form_max_fields = 1000;

// Parses `body` into `out` (which is cleared first, and left empty on
// failure). Pairs are separated by '&'; empty pairs ("a=1&&b=2", a trailing
// '&', a lone "=") are skipped. Name and value split at the first '='; a pair
// without '=' is a name with an empty value. '+' is a space, %XX escapes are
// decoded. Returns nothing on success, else a message for a 400 response:
//   form field "NAME": DECODE-ERROR            (bad value)
//   form field name at byte N: DECODE-ERROR    (bad name)
//   form field at byte N has a value but no name
//   form has more than 1000 fields
// where N is the offset of the pair in `body`,
// DECODE-ERROR is describe(DecodeError), with its byte offset counted from
// the start of the raw (still encoded) name or value, or, for invalid UTF-8,
// of the decoded one. NAME is the decoded name with '"', '\' and control
// bytes backslash-escaped.
std::optional<std::string> parse_form(std::string_view body, Form &out);

} // namespace mtt
