#include "json.h++"

#include <cstdlib>
#include <new>
#include <stdexcept>

namespace mtt {

std::string dump(const json_t *j) {
    char *text = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY);
    if (!text)
        throw std::bad_alloc();
    std::string out(text);
    free(text);
    return out;
}

namespace {

int append_to(const char *buffer, size_t size, void *data) {
    static_cast<std::string *>(data)->append(buffer, size);
    return 0;
}

constexpr size_t flags = JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY;

} // namespace

void append_json(std::string &out, const json_t *j) {
    if (json_dump_callback(j, append_to, &out, flags) != 0)
        throw std::bad_alloc();
}

namespace {

// True when jansson would write `s` between the quotes unchanged: printable
// ASCII without '"' or '\\' (with our flags it escapes nothing else).
bool nothing_to_escape(std::string_view s) {
    for (char c : s)
        if (c < 0x20 || c > 0x7E || c == '"' || c == '\\')
            return false;
    return true;
}

} // namespace

void append_json_string(std::string &out, std::string_view s) {
    if (nothing_to_escape(s)) { // most usernames: skip building a json_t
        out.push_back('"');
        out.append(s);
        out.push_back('"');
        return;
    }
    Json j(json_str(s));
    if (!j)
        throw std::invalid_argument("a stored string is not UTF-8");
    append_json(out, j.get());
}

} // namespace mtt
