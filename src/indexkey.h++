// The keys of the secondary user indexes (users_by_email, users_by_first,
// users_by_last; see README, "Store layout"). A key is the field's value and
// then the username, laid out so that LMDB's byte order of the keys is the
// order of $orderby on the field, ties by UserName bytes:
//
//   null value:  0x00 username
//   a value:     0x01 escaped(value) 0x00 0x00 username
//   a long one:  0x01 escaped(value), cut to 248 bytes, 0x00 0x01 username
//
// where escaped() writes a 0x00 byte as 0x00 0xFF and every other byte as it
// is. The terminator 0x00 0x00 sorts below every escaped byte, so a value
// sorts before every longer value it is a prefix of, as in byte order; null
// sorts before every value. The value of an entry is the user id.
//
// LMDB keys are at most 511 bytes and a username takes up to 256, so a value
// whose escaped form is longer than 248 bytes is cut (never inside a 0x00
// 0xFF pair): its key is in the right place among every value but those with
// the same first 248 bytes, which sort after the cut value and among
// themselves by username. A reader of such an entry takes the value from the
// record (IndexEntry::cut).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace mtt {

inline constexpr size_t max_index_value_bytes = 248;

// The key of `value` (nullopt: null) for `username`.
std::string index_key(std::optional<std::string_view> value, std::string_view username);
// 0x01 escaped(value): the start of every key whose value starts with `value`
// (cut as a key is: then also of other keys).
std::string index_value_prefix(std::string_view value);
// The start of every key whose value is `value`: 0x01 escaped(value) 0x00
// 0x00, or the cut form's 0x01 escaped(value) 0x00 0x01 (then also of other
// keys; the caller tests the values).
std::string index_value_key(std::string_view value);
// The prefix of the keys of the null value.
inline std::string index_null_prefix() { return std::string(1, '\0'); }

// A key taken apart; false when it is malformed.
struct IndexEntry {
    bool null = false;
    bool cut = false;         // a long value, cut: the record has the whole of it
    bool has_nul = false;     // escaped holds an escaped 0x00 (unescape copies)
    std::string_view escaped; // the value as stored (escaped)
    std::string_view username;
};
bool split_index_key(std::string_view key, IndexEntry &out);
// The value of an escaped view (copies only when it holds a 0x00).
std::string_view unescape(std::string_view escaped, std::string &scratch);

} // namespace mtt
