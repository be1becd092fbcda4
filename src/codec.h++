// A compact, bounded binary record encoding for store values: a version byte
// then fields in a fixed order, strings as a 32-bit length and bytes. The
// reader checks every length against what is left: a store is input too.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace mtt {

class Writer {
  public:
    void u8(uint8_t v) { out_.push_back(static_cast<char>(v)); }
    void u32(uint32_t v);
    void i64(int64_t v);
    void str(std::string_view s);
    void opt_str(const std::optional<std::string> &s);
    void opt_i64(const std::optional<int64_t> &v);
    const std::string &data() const { return out_; }

  private:
    std::string out_;
};

class Reader {
  public:
    explicit Reader(std::string_view in) : in_(in) {}
    bool u8(uint8_t &v);
    bool u32(uint32_t &v);
    bool i64(int64_t &v);
    bool str(std::string &s);
    bool opt_str(std::optional<std::string> &s);
    bool opt_i64(std::optional<int64_t> &v);
    // A string as a view of the input (no copy).
    bool view(std::string_view &s);
    bool opt_view(std::optional<std::string_view> &s);
    bool done() const { return in_.empty(); }

  private:
    std::string_view in_;
};

} // namespace mtt
