#include "router.h++"

namespace mtt {

bool match_pattern(std::string_view pattern, std::string_view path, Params &params) {
    params.clear();
    while (true) {
        size_t p = pattern.find('/'), q = path.find('/');
        std::string_view want = pattern.substr(0, p), seg = path.substr(0, q);
        if (want.size() > 1 && want.front() == '{' && want.back() == '}') {
            if (seg.empty())
                return false;
            params.push_back(seg);
        } else if (want != seg) {
            return false;
        }
        if (p == std::string_view::npos || q == std::string_view::npos)
            return p == q;
        pattern.remove_prefix(p + 1);
        path.remove_prefix(q + 1);
    }
}

} // namespace mtt
