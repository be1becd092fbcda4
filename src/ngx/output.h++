// One job: output. Turns an mtt::Response into nginx's status line, headers
// and body chain; a streamed answer (Response::stream) is sent a piece at a
// time as the client's socket drains, with a bounded share of each
// event-loop turn, so that a long list never holds its whole body in memory
// nor its worker's loop.
#pragma once

#include "ngx/bridge.h++"

#include "http.h++"

#include <string>
#include <string_view>

namespace mtt::ngx {

// At most `max_streams` streamed answers at once in this worker
// (mytimetable_max_streams); beyond, a streamed answer is a 503.
void output_init(unsigned max_streams);

// Sends the answer; returns what the content handler (or the caller that
// finalizes the request) passes on: NGX_DONE when a stream goes on.
ngx_int_t send(ngx_http_request_t *r, Response &resp);

// Sends mtt::error(status, message).
ngx_int_t send_error(ngx_http_request_t *r, int status, std::string_view message);

// Logs the line the router asks to log (Context::log, Answer::log), if any,
// at error level.
void log_failure(ngx_http_request_t *r, const std::string &line);

// Sends the answer to the exception being handled, and logs it (call it in
// a catch block): a store error's store_failure(), any other a JSON 500 (as
// a SCIM error for a request of the SCIM location). No exception leaves it;
// when even that answer fails, a bare 500.
ngx_int_t send_exception(ngx_http_request_t *r, bool scim = false) noexcept;

} // namespace mtt::ngx
