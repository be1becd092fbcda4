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
    BadPath,        // `problem` says why the raw path is refused: 400
};

// Fills `req` from `r` (its method, the raw path below the location, query,
// Content-Type, body and the absolute URL of the API's location).
// `configured_base_url` is mytimetable_base_url, or empty: derived from the
// request.
Adapted adapt(ngx_http_request_t *r, const ngx_str_t &configured_base_url, Request &req,
              std::string &problem);

} // namespace mtt::ngx
