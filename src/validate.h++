// Field rules shared by the APIs.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace mtt {

// Why `address` is not a mailbox address (local@domain.tld, ASCII, at most
// 254 bytes), or nothing when it is one.
std::optional<std::string> address_problem(std::string_view address);

// Why `s` is not a short name token (1 to `max` letters, digits, '-', '_',
// '.'), or nothing. `what` names the value in the message.
std::optional<std::string> token_problem(std::string_view what, std::string_view s, size_t max);

// Why free text is refused (too long, not UTF-8, a NUL byte), or nothing.
// Newlines and tabs are allowed; `what` names the field.
std::optional<std::string> text_problem(std::string_view what, std::string_view s, size_t max);

// Why `name` is not an attribute name of a v0 profile, or nothing. A name is
// 1 to 256 bytes of UTF-8 without control characters, so that the URNs of
// identity feeds ("urn:mace:dir:attribute-def:eduPersonAffiliation",
// "urn:schac:attribute-def:schacHomeOrganization", "urn:oid:1.3.6.1.4.1.5923.1.1.1.1")
// are names as they are.
std::optional<std::string> attribute_name_problem(std::string_view name);
constexpr size_t max_attribute_name_bytes = 256;

// Why `tag` is not a BCP 47 language tag ("en", "nl-NL", "zh-Hant-TW"), or
// nothing. A syntax check: a 2-8 letter language subtag, then subtags of
// 1-8 letters or digits, at most 35 characters.
std::optional<std::string> locale_problem(std::string_view tag);

// A positive decimal integer below 2^63 without sign or leading zeros.
std::optional<uint64_t> parse_positive_id(std::string_view s);

} // namespace mtt
