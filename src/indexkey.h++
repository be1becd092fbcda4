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

#include "odata.h++"

#include <cstdint>
#include <cstring>
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
inline std::string index_null_prefix() {
    return std::string(1, '\0');
}

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

// The index of the terminator (the 0x00 before 0x00 or 0x01) of a key that
// starts with 0x01, and whether the value is cut; npos when there is none.
inline size_t value_end(std::string_view key, bool &cut) {
    for (size_t i = 1;;) {
        const void *z = std::memchr(key.data() + i, '\0', key.size() - i);
        if (!z)
            return std::string_view::npos;
        i = static_cast<size_t>(static_cast<const char *>(z) - key.data());
        if (i + 1 >= key.size())
            return std::string_view::npos;
        char next = key[i + 1];
        if (next == '\0' || next == '\x01') {
            cut = next == '\x01';
            return i;
        }
        i += 2; // 0x00 0xFF: an escaped 0x00
    }
}

// A SimplePredicate (odata.h++) decided on the bytes of an index key, as
// SimplePredicate::test decides it on the value, without taking the key
// apart or copying it: a scan of an index tests its keys with it. The
// literal, when it holds neither 0x00 nor 0xFF (a filter's literal is
// UTF-8, so never 0xFF), is found in or compared with the escaped value as
// it stands, since escaping only puts a 0xFF after each 0x00. Ask: the
// caller takes the key apart and asks SimplePredicate::test, or the record
// when the value is cut.
class KeyPredicate {
  public:
    enum Verdict : unsigned char { No, Yes, Ask };

    explicit KeyPredicate(const odata::SimplePredicate &p);

    // On a value as it is (a key of the UserName index: the username).
    Verdict test_value(std::string_view v) const {
        switch (mode_) {
        case Mode::Find:
            return find(v, 0) != npos ? Yes : No;
        case Mode::Starts:
            return v.size() >= n_ && !std::memcmp(v.data(), lit_, n_) ? Yes : No;
        case Mode::Ends:
            return v.size() >= n_ && !std::memcmp(v.data() + v.size() - n_, lit_, n_) ? Yes : No;
        case Mode::Lower:
        case Mode::Upper:
            return case_eq(v.data(), v.size(), false);
        case Mode::Generic:
            break;
        }
        return Ask;
    }

    // On a key of a secondary index (index_key(value, username)).
    __attribute__((always_inline)) Verdict test_key(std::string_view k) const {
        if (mode_ == Mode::Find && n_ > 0 && k.size() > 1 && k[0] == '\x01' &&
            k.size() < min_cut_key) {
            // the common case: not cut, and the literal's first byte is
            // nowhere in the key (an occurrence holds no 0x00: it lies in
            // the value or in the username)
            if (!std::memchr(k.data() + 1, lit_[0], k.size() - 1))
                return No;
        } else if (words_ && k.size() > 1 && k[0] == '\x01') {
            Verdict v = case_eq_words(k.data() + 1, k.size() - 1);
            if (v != Ask)
                return v;
        }
        return test_key_slow(k);
    }

  private:
    __attribute__((noinline)) Verdict test_key_slow(std::string_view k) const {
        if (k.empty())
            return Ask;
        if (k[0] == '\0')
            return No; // null: a function of null is null
        if (k[0] != '\x01')
            return Ask; // malformed: the caller says so
        switch (mode_) {
        case Mode::Find: {
            size_t at = find(k, 1);
            if (at == npos && k.size() < min_cut_key)
                return No;
            bool cut = false;
            size_t end = value_end(k, cut);
            if (end == npos)
                return Ask;
            if (at != npos && at + n_ <= end)
                return Yes;
            return cut ? Ask : No;
        }
        case Mode::Starts: // the literal is shorter than any cut value
            return k.size() >= 1 + n_ && !std::memcmp(k.data() + 1, lit_, n_) ? Yes : No;
        case Mode::Ends: {
            bool cut = false;
            size_t end = value_end(k, cut);
            if (end == npos || cut)
                return Ask;
            return end - 1 >= n_ && !std::memcmp(k.data() + end - n_, lit_, n_) ? Yes : No;
        }
        case Mode::Lower:
        case Mode::Upper:
            return case_eq(k.data() + 1, k.size() - 1, true);
        case Mode::Generic:
            break;
        }
        return Ask;
    }

    enum class Mode : unsigned char { Find, Starts, Ends, Lower, Upper, Generic };
    static constexpr size_t npos = std::string_view::npos;
    // the shortest key of a cut value: 0x01, 247 escaped bytes (a cut
    // before a 0x00 0xFF pair that straddles 248), 0x00 0x01
    static constexpr size_t min_cut_key = max_index_value_bytes + 2;

    Mode mode_ = Mode::Generic;
    const char *lit_ = nullptr;
    size_t n_ = 0;
    // tolower/toupper eq a literal of at most 32 bytes: its bytes eight at a
    // time (as memcpy loads them) and which of them count
    static constexpr size_t max_words = 4;
    size_t words_ = 0;
    uint64_t word_[max_words] = {}, mask_[max_words] = {};

    // case_eq over the escaped value of a secondary key (`size` bytes from
    // `p`, the terminator and username included) eight bytes at a time:
    // ASCII bytes map byte for byte, so the first n bytes mapped either are
    // the literal or are not; then the value must end there. Ask: a
    // non-ASCII byte among them, or too few bytes to load (case_eq decides).
    Verdict case_eq_words(const char *p, size_t size) const {
        constexpr uint64_t ones = 0x0101010101010101, high = 0x8080808080808080;
        bool upper = mode_ == Mode::Upper;
        for (size_t j = 0; j < words_; ++j) {
            if (8 * j + 8 > size)
                return Ask;
            uint64_t x;
            std::memcpy(&x, p + 8 * j, 8);
            if (x & mask_[j] & high)
                return Ask;
            // the bytes in A..Z (or a..z) have 0x20 added (or taken away)
            uint64_t t = x & ~high;
            uint64_t ge = t + ones * (0x80 - (upper ? 'a' : 'A'));
            uint64_t gt = t + ones * (0x80 - (upper ? 'z' : 'Z') - 1);
            uint64_t letters = (ge & ~gt) & high;
            uint64_t mapped = upper ? x & ~(letters >> 2) : x | (letters >> 2);
            if ((mapped ^ word_[j]) & mask_[j])
                return No;
        }
        // the first n bytes are the literal: the value must end there (the
        // literal is shorter than a cut value)
        if (n_ + 1 >= size)
            return Ask;
        if (p[n_] != '\0')
            return No; // longer: its mapping is longer
        return p[n_ + 1] == '\0' ? Yes : p[n_ + 1] == '\xFF' ? No : Ask;
    }

    // The first occurrence of the literal in s from `from`, or npos.
    size_t find(std::string_view s, size_t from) const {
        if (n_ == 0)
            return from <= s.size() ? from : npos;
        const char *p = s.data() + from, *end = s.data() + s.size();
        char first = lit_[0];
        while (end - p >= static_cast<std::ptrdiff_t>(n_)) {
            p = static_cast<const char *>(
                std::memchr(p, first, static_cast<size_t>(end - p) - n_ + 1));
            if (!p)
                return npos;
            if (!std::memcmp(p + 1, lit_ + 1, n_ - 1))
                return static_cast<size_t>(p - s.data());
            ++p;
        }
        return npos;
    }

    // tolower(v) eq L / toupper(v) eq L over v's bytes: up to the end of the
    // buffer, or (`escaped`) up to the terminator of a secondary key.
    // Mapping is byte for byte over ASCII; a byte past an ASCII prefix that
    // differs from L, or a value longer than L (its mapping is longer), is
    // no match; a non-ASCII byte in a prefix that matches so far is for the
    // evaluator to map.
    Verdict case_eq(const char *p, size_t size, bool escaped) const {
        bool upper = mode_ == Mode::Upper;
        for (size_t i = 0;; ++i) {
            if (i == size)
                return escaped ? Ask : i == n_ ? Yes : No;
            unsigned char c = static_cast<unsigned char>(p[i]);
            if (escaped && c == 0) {
                if (i + 1 == size)
                    return Ask;
                unsigned char next = static_cast<unsigned char>(p[i + 1]);
                if (next == 0)
                    return i == n_ ? Yes : No;
                if (next == 0xFF) // the value holds a 0x00, which L does not
                    return No;
                return Ask; // cut (the record has the rest), or malformed
            }
            if (i == n_)
                return No;
            if (c >= 0x80)
                return Ask;
            if (upper && c >= 'a' && c <= 'z')
                c = static_cast<unsigned char>(c - 'a' + 'A');
            else if (!upper && c >= 'A' && c <= 'Z')
                c = static_cast<unsigned char>(c - 'A' + 'a');
            if (c != static_cast<unsigned char>(lit_[i]))
                return No;
        }
    }
};

} // namespace mtt
