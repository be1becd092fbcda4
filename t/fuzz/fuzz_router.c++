// The router (src/router.h++) and the whole API behind it. The input is
//   METHOD \n PATH \n QUERY [\n PATTERN]
// cut down to what nginx can hand the module: the method keeps only A-Z, '_'
// and '-' (nginx refuses other methods), path and query lose control bytes,
// spaces and DEL (nginx refuses those in the request line), and the path ends
// at the first '?'. Checks:
// - match_pattern against a reference split on '/' (for the API's patterns
//   and for PATTERN when given), and route() against the reference;
// - mtt::handle(method, path, query) on an empty store answers a documented
//   status, errors with a JSON {"error", "message"} body.
#include "fuzz_common.h++"

#include "router.h++"

#include <string>
#include <string_view>
#include <vector>

namespace {

// A copy of the routing table of src/api.c++ (which keeps its own private),
// for checking route() on realistic patterns; handle() below uses the real one.
const std::vector<mtt::Route<int>> routes = {
    {"GET", "v0/users", 0},
    {"PUT", "v0/users/{username}", 0},
    {"DELETE", "v0/users/{username}", 0},
    {"GET", "v0/users/{username}", 0},
    {"POST", "v0/users", 0},
    {"GET", "v0/users/{username}/synchronizations", 0},
    {"DELETE", "v0/users/{username}/synchronizations", 0},
    {"DELETE", "v0/users/{username}/synchronizations/{type}", 0},
    {"GET", "v0/synchronizations", 0},
    {"PUT", "v0/synchronizations", 0},
    {"DELETE", "v0/synchronizations/{id}", 0},
    {"PUT", "v0/synchronizations/{id}/events/{eventId}", 0},
    {"GET", "v0/synchronizations/{id}/events", 0},
    {"GET", "v0/users/{username}/events", 0},
    {"GET", "v0/users/{username}/calendar.ics", 0},
    {"GET", "users", 0},
    {"POST", "users", 0},
    {"GET", "user/{id}", 0},
    {"PUT", "user/{id}", 0},
    {"DELETE", "user/{id}", 0},
    {"PUT", "user/{id}/password", 0},
    {"GET", "user/{id}/groups", 0},
    {"GET", "user/{id}/permissions/global", 0},
    {"GET", "user/{id}/permissions/projects", 0},
    {"GET", "user/{id}/notifications", 0},
    {"GET", "user/{id}/mailmessages", 0},
};

std::vector<std::string_view> split(std::string_view s) {
    std::vector<std::string_view> parts;
    for (;;) {
        size_t slash = s.find('/');
        parts.push_back(s.substr(0, slash));
        if (slash == std::string_view::npos)
            return parts;
        s.remove_prefix(slash + 1);
    }
}

bool is_capture(std::string_view seg) {
    return seg.size() > 1 && seg.front() == '{' && seg.back() == '}';
}

// match_pattern as router.h++ describes it.
bool reference_match(std::string_view pattern, std::string_view path, mtt::Params &params) {
    params.clear();
    auto want = split(pattern), have = split(path);
    if (want.size() != have.size())
        return false;
    for (size_t i = 0; i < want.size(); ++i) {
        if (is_capture(want[i])) {
            if (have[i].empty())
                return false;
            params.push_back(have[i]);
        } else if (want[i] != have[i]) {
            return false;
        }
    }
    return true;
}

void check_match(std::string_view pattern, std::string_view path) {
    mtt::Params got, expected;
    got.push_back("stale");
    bool m = mtt::match_pattern(pattern, path, got);
    bool e = reference_match(pattern, path, expected);
    FUZZ_CHECK(m == e, "match_pattern(" + fuzz::show(pattern) + ", " + fuzz::show(path) +
                           ") = " + (m ? "true" : "false"));
    if (!m)
        return;
    FUZZ_CHECK(got.size() == expected.size(), "capture count for " + fuzz::show(path));
    for (size_t i = 0; i < got.size(); ++i) {
        // a capture is a view into the path, not a copy
        FUZZ_CHECK(got[i] == expected[i] && got[i].data() >= path.data() &&
                       got[i].data() + got[i].size() <= path.data() + path.size(),
                   "capture " + std::to_string(i) + " of " + fuzz::show(path));
    }
}

void check_route(std::string_view method, std::string_view path) {
    auto m = mtt::route(routes, method, path);
    std::string_view wanted = method == "HEAD" ? "GET" : method;
    const mtt::Route<int> *first = nullptr;
    std::string allow;
    mtt::Params params;
    for (const auto &r : routes) {
        if (!reference_match(r.pattern, path, params))
            continue;
        if (!first && wanted == r.method)
            first = &r;
        allow += std::string(allow.empty() ? "" : ", ") + r.method;
        if (std::string_view(r.method) == "GET")
            allow += ", HEAD";
    }
    std::string what = std::string(method) + " " + fuzz::show(path);
    if (first) {
        FUZZ_CHECK(m.kind == mtt::Match<int>::Found && m.route == first,
                   "route() did not find the first matching route for " + what);
        reference_match(first->pattern, path, params);
        FUZZ_CHECK(m.params == params, "route() captures for " + what);
    } else if (!allow.empty()) {
        FUZZ_CHECK(m.kind == mtt::Match<int>::NoMethod && m.allow == allow,
                   "route() NoMethod/allow \"" + m.allow + "\" for " + what);
    } else {
        FUZZ_CHECK(m.kind == mtt::Match<int>::NoPath, "route() matched " + what);
    }
}

// Keeps the bytes nginx lets through in a request line.
std::string request_line_bytes(std::string_view s) {
    std::string out;
    for (char ch : s) {
        auto c = static_cast<unsigned char>(ch);
        if (c > 0x20 && c != 0x7F)
            out += ch;
    }
    return out;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    std::string_view in(reinterpret_cast<const char *>(data), size);
    std::vector<std::string_view> parts;
    for (size_t i = 0; i < 4; ++i) {
        size_t nl = i < 3 ? in.find('\n') : std::string_view::npos;
        parts.push_back(in.substr(0, nl));
        in = nl == std::string_view::npos ? std::string_view{} : in.substr(nl + 1);
        if (nl == std::string_view::npos)
            break;
    }
    std::string method;
    for (char c : parts[0])
        if ((c >= 'A' && c <= 'Z') || c == '_' || c == '-')
            method += c;
    if (method.empty())
        method = "GET";
    std::string path = request_line_bytes(parts.size() > 1 ? parts[1] : "");
    path = path.substr(0, path.find('?'));
    std::string query = request_line_bytes(parts.size() > 2 ? parts[2] : "");

    for (const auto &r : routes)
        check_match(r.pattern, path);
    if (parts.size() > 3)
        check_match(parts[3], path);
    check_route(method, path);

    fuzz::Store &store = fuzz::store();
    store.reset(false);
    mtt::Context ctx{store.env(), store.settings(), {}};
    mtt::Request req;
    req.method = method;
    req.path = path;
    req.query = query;
    req.base_url = fuzz::base_url;
    req.now = fuzz::now;
    mtt::Response r = fuzz::call(ctx, req, "200 201 204 400 404 405 409 415 422");
    if (r.status == 405) {
        bool allow = false;
        for (const auto &h : r.headers)
            allow |= h.name == "Allow" && !h.value.empty();
        FUZZ_CHECK(allow, "405 without Allow: " + fuzz::describe(req, r));
    }
    return 0;
}
