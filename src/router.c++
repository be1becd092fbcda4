#include "router.h++"

namespace mtt {

namespace {

// A segment that is '.' or '..' once "%2e" / "%2E" are read as '.'.
bool dot_segment(std::string_view seg) {
    size_t dots = 0;
    for (size_t i = 0; i < seg.size(); i++) {
        if (seg[i] == '.') {
            dots++;
        } else if (seg[i] == '%' && i + 2 < seg.size() && seg[i + 1] == '2' &&
                   (seg[i + 2] == 'e' || seg[i + 2] == 'E')) {
            dots++;
            i += 2;
        } else {
            return false;
        }
    }
    return dots == 1 || dots == 2;
}

} // namespace

std::optional<std::string> raw_path_problem(std::string_view raw) {
    if (raw.empty() || raw.front() != '/')
        return std::nullopt; // an absolute-form or '*' target: nginx routes it by r->uri
    raw.remove_prefix(1);
    while (true) {
        size_t slash = raw.find('/');
        std::string_view seg = raw.substr(0, slash);
        if (dot_segment(seg))
            return "the path has a '.' or '..' segment; send the path without dot segments";
        if (slash == std::string_view::npos)
            return std::nullopt;
        if (slash == 0)
            return "the path has an empty segment ('//'); send the path without it";
        raw.remove_prefix(slash + 1);
    }
}

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
