#include "codec.h++"

namespace mtt {

void Writer::u32(uint32_t v) {
    for (int i = 3; i >= 0; --i)
        out_.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}

void Writer::i64(int64_t v) {
    auto u = static_cast<uint64_t>(v);
    for (int i = 7; i >= 0; --i)
        out_.push_back(static_cast<char>((u >> (8 * i)) & 0xFF));
}

void Writer::str(std::string_view s) {
    u32(static_cast<uint32_t>(s.size()));
    out_.append(s);
}

void Writer::opt_str(const std::optional<std::string> &s) {
    u8(s ? 1 : 0);
    if (s)
        str(*s);
}

void Writer::opt_i64(const std::optional<int64_t> &v) {
    u8(v ? 1 : 0);
    if (v)
        i64(*v);
}

bool Reader::u8(uint8_t &v) {
    if (in_.empty())
        return false;
    v = static_cast<uint8_t>(in_[0]);
    in_.remove_prefix(1);
    return true;
}

bool Reader::u32(uint32_t &v) {
    if (in_.size() < 4)
        return false;
    v = 0;
    for (int i = 0; i < 4; ++i)
        v = (v << 8) | static_cast<uint8_t>(in_[i]);
    in_.remove_prefix(4);
    return true;
}

bool Reader::i64(int64_t &v) {
    if (in_.size() < 8)
        return false;
    uint64_t u = 0;
    for (int i = 0; i < 8; ++i)
        u = (u << 8) | static_cast<uint8_t>(in_[i]);
    v = static_cast<int64_t>(u);
    in_.remove_prefix(8);
    return true;
}

bool Reader::str(std::string &s) {
    uint32_t n;
    if (!u32(n) || n > in_.size())
        return false;
    s.assign(in_.data(), n);
    in_.remove_prefix(n);
    return true;
}

bool Reader::view(std::string_view &s) {
    uint32_t n;
    if (!u32(n) || n > in_.size())
        return false;
    s = in_.substr(0, n);
    in_.remove_prefix(n);
    return true;
}

bool Reader::opt_view(std::optional<std::string_view> &s) {
    uint8_t present;
    if (!u8(present) || present > 1)
        return false;
    if (!present) {
        s.reset();
        return true;
    }
    s.emplace();
    return view(*s);
}

bool Reader::opt_str(std::optional<std::string> &s) {
    uint8_t present;
    if (!u8(present) || present > 1)
        return false;
    if (!present) {
        s.reset();
        return true;
    }
    s.emplace();
    return str(*s);
}

bool Reader::opt_i64(std::optional<int64_t> &v) {
    uint8_t present;
    if (!u8(present) || present > 1)
        return false;
    if (!present) {
        v.reset();
        return true;
    }
    v.emplace();
    return i64(*v);
}

} // namespace mtt
