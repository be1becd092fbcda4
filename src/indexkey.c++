#include "indexkey.h++"

#include <cstring>

namespace mtt {

namespace {

void append_escaped(std::string &out, std::string_view value) {
    for (char c : value) {
        out.push_back(c);
        if (c == '\0')
            out.push_back('\xFF');
    }
}

} // namespace

namespace {

// 0x01 escaped(value), cut; true when cut.
bool value_part(std::string_view value, std::string &k) {
    k.reserve(value.size() + 3);
    k.push_back('\x01');
    append_escaped(k, value);
    if (k.size() - 1 <= max_index_value_bytes)
        return false;
    size_t end = 1 + max_index_value_bytes;
    // the byte before the cut opens a 0x00 0xFF pair: cut before it
    for (size_t i = 1; i < end; ++i)
        if (k[i] == '\0') {
            ++i;
            if (i == end) { // the pair straddles the cut
                end -= 1;
                break;
            }
        }
    k.resize(end);
    return true;
}

} // namespace

std::string index_value_prefix(std::string_view value) {
    std::string k;
    value_part(value, k);
    return k;
}

std::string index_value_key(std::string_view value) {
    std::string k;
    bool cut = value_part(value, k);
    k.push_back('\0');
    k.push_back(cut ? '\x01' : '\0');
    return k;
}

std::string index_key(std::optional<std::string_view> value, std::string_view username) {
    std::string k = value ? index_value_key(*value) : index_null_prefix();
    k.append(username);
    return k;
}

bool split_index_key(std::string_view key, IndexEntry &out) {
    if (key.empty())
        return false;
    if (key[0] == '\0') {
        out.null = true;
        out.cut = false;
        out.has_nul = false;
        out.escaped = {};
        out.username = key.substr(1);
        return true;
    }
    if (key[0] != '\x01')
        return false;
    out.has_nul = false;
    for (size_t i = 1;;) {
        const void *z = std::memchr(key.data() + i, '\0', key.size() - i);
        if (!z)
            return false;
        i = static_cast<size_t>(static_cast<const char *>(z) - key.data());
        if (i + 1 >= key.size())
            return false;
        char next = key[i + 1];
        if (next == '\0' || next == '\x01') {
            out.null = false;
            out.cut = next == '\x01';
            out.escaped = key.substr(1, i - 1);
            out.username = key.substr(i + 2);
            return true;
        }
        out.has_nul = true; // 0x00 0xFF: an escaped 0x00
        i += 2;
    }
}

KeyPredicate::KeyPredicate(const odata::SimplePredicate &p) {
    std::string_view l = p.literal;
    lit_ = l.data();
    n_ = l.size();
    if (l.find('\0') != std::string_view::npos || l.find('\xFF') != std::string_view::npos)
        return; // Generic
    using K = odata::SimplePredicate::Kind;
    switch (p.kind) {
    case K::SubstringOf:
        mode_ = Mode::Find;
        break;
    case K::StartsWith:
        // longer than a cut value may be: the record decides
        if (n_ < max_index_value_bytes - 1)
            mode_ = Mode::Starts;
        break;
    case K::EndsWith:
        mode_ = Mode::Ends;
        break;
    case K::LowerEq:
        mode_ = Mode::Lower;
        break;
    case K::UpperEq:
        mode_ = Mode::Upper;
        break;
    }
    if ((mode_ == Mode::Lower || mode_ == Mode::Upper) && n_ > 0 && n_ <= 8 * max_words) {
        // laid out as the key's bytes are loaded (memcpy), whatever the
        // byte order
        words_ = (n_ + 7) / 8;
        char bytes[8 * max_words] = {}, counted[8 * max_words] = {};
        std::memcpy(bytes, l.data(), n_);
        std::memset(counted, '\xFF', n_);
        std::memcpy(word_, bytes, sizeof word_);
        std::memcpy(mask_, counted, sizeof mask_);
    }
}

std::string_view unescape(std::string_view escaped, std::string &scratch) {
    if (escaped.find('\0') == std::string_view::npos)
        return escaped;
    scratch.clear();
    for (size_t i = 0; i < escaped.size(); ++i) {
        scratch.push_back(escaped[i]);
        if (escaped[i] == '\0')
            ++i;
    }
    return scratch;
}

} // namespace mtt
