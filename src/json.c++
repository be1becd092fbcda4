#include "json.h++"

#include <cstdlib>
#include <new>

namespace mtt {

std::string dump(const json_t *j) {
    char *text = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY);
    if (!text)
        throw std::bad_alloc();
    std::string out(text);
    free(text);
    return out;
}

} // namespace mtt
