// Thin RAII over jansson: every json_t we create is owned by a Json.
#pragma once

#include <jansson.h>

#include <memory>
#include <string>
#include <string_view>

namespace mtt {

struct JsonDecref {
    void operator()(json_t *j) const { json_decref(j); }
};
using Json = std::unique_ptr<json_t, JsonDecref>;

// Compact serialisation, object keys in insertion order, UTF-8 kept as is.
std::string dump(const json_t *j);

inline json_t *json_str(std::string_view s) {
    return json_stringn(s.data(), s.size());
}

// Appends `s` as a JSON string literal (jansson does the escaping; a string
// with nothing to escape is copied between quotes). `s` must be UTF-8, as
// everything the store holds is.
void append_json_string(std::string &out, std::string_view s);

// Appends the compact serialisation of `j`.
void append_json(std::string &out, const json_t *j);

} // namespace mtt
