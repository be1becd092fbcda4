// Method + path pattern -> handler. Patterns are '/'-separated segments where
// "{name}" captures one raw (still percent-encoded) segment.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mtt {

using Params = std::vector<std::string_view>;

// Why a raw request path (as the client sent it, before the query) must be
// refused, or nothing. nginx chooses the location, and so its access rules,
// from the normalised path, while routes are taken from the raw one: a '.'
// or '..' segment (also percent-encoded) or an empty one ("//") would let the
// two disagree, so such a path is never served.
std::optional<std::string> raw_path_problem(std::string_view raw);

// True when `path` matches `pattern`, filling `params` with the captures.
bool match_pattern(std::string_view pattern, std::string_view path, Params &params);

template <class Handler> struct Route {
    const char *method;
    const char *pattern;
    Handler handler;
};

template <class Handler> struct Match {
    enum Kind { Found, NoPath, NoMethod } kind = NoPath;
    const Route<Handler> *route = nullptr; // when Found
    Params params;                         // captured segments when Found
    std::string allow;                     // "GET, HEAD, PUT" when NoMethod
};

// Finds the route for (method, path); HEAD is served by a GET route. When the
// path matches but the method does not, `allow` lists the methods it has.
template <class Handler>
Match<Handler> route(const std::vector<Route<Handler>> &routes, std::string_view method,
                     std::string_view path) {
    Match<Handler> m;
    std::string_view wanted = method == "HEAD" ? "GET" : method;
    Params params;
    for (const auto &r : routes) {
        if (!match_pattern(r.pattern, path, params))
            continue;
        if (wanted == r.method) {
            m.kind = Match<Handler>::Found;
            m.route = &r;
            m.params = std::move(params);
            return m;
        }
        m.kind = Match<Handler>::NoMethod;
        if (!m.allow.empty())
            m.allow += ", ";
        m.allow += r.method;
        if (std::string_view(r.method) == "GET")
            m.allow += ", HEAD";
    }
    return m;
}

} // namespace mtt
