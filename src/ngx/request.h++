// One job: the request adapter. Turns an nginx request into the mtt::Request
// that src/ reads: views over the request's own buffers, and its pool for
// what must be built (the base URL, a body nginx holds in several buffers).
#pragma once

#include "ngx/bridge.h++"

#include "http.h++"

#include <string>
#include <string_view>

namespace mtt::ngx {

// What went wrong while the request was adapted.
enum class Adapted {
    Ok,
    BodyUnreadable, // a temp file could not be read or the pool is exhausted: 500
    NoMemory,       // the pool is exhausted: 500 without a body
    BadPath,        // `problem` says why the raw path is refused: 400 (req.path is set)
};

// Fills `req` from `r` (its method, the raw path below the API's root, query,
// Content-Type, body and the absolute URL of the API's root).
// `configured_base_url` is mytimetable_base_url's value for this request, or
// empty: derived from the request. `root` is mytimetable_root, or empty: the
// location's prefix.
Adapted adapt(ngx_http_request_t *r, const ngx_str_t &configured_base_url, std::string_view root,
              Request &req, std::string &problem);

// Why `url` cannot be mytimetable_base_url's value (nullptr when it can): an
// absolute http:// or https:// URL with a host, without white space, quotes,
// query or fragment.
const char *base_url_problem(std::string_view url);

} // namespace mtt::ngx
