// The request and response as the domain code sees them: no nginx types.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace mtt {

struct Request {
    std::string_view method;       // "GET", "PUT", ...
    std::string_view path;         // below the location, still percent-encoded: "v0/users/alice"
    std::string_view query;        // the raw query string, without '?'
    std::string_view content_type; // the Content-Type header, empty when absent
    std::string_view body;
    bool has_body = false;     // the request carried a body (even an empty chunked one)
    std::string_view base_url; // absolute URL of the location, ending in '/'
    int64_t now = 0;           // seconds since the epoch
    bool scim = false;         // a request of the SCIM location (mytimetable_scim)
    std::string_view if_match; // the If-Match header, empty when absent
};

struct Header {
    std::string name, value;
};

// A body produced piece by piece (a long list read from a cursor), so that
// neither the whole list nor the whole answer is ever in memory.
class BodyStream {
  public:
    virtual ~BodyStream() = default;
    // Appends the next piece (about `hint` bytes) to `out`; false once the
    // body is complete (`out` may still have received its last piece).
    virtual bool next(std::string &out, size_t hint) = 0;
};

struct Response {
    int status = 200;
    std::string content_type; // empty: no body
    std::vector<Header> headers;
    std::string body;
    std::unique_ptr<BodyStream> stream; // when set, the body follows `body` from here
};

// A copy of `r` without its stream (a cached answer, a refusal answered
// again).
Response copy_of(const Response &r);

// Reads a whole streamed body into one string (tests, fuzzing).
std::string drain(Response &r);

constexpr const char *json_type = "application/json; charset=utf-8";

// 204 No Content.
Response no_content();
// A JSON error body {"error": "<short code for the status>", "message": message}.
Response error(int status, std::string_view message);
// The short code used in error bodies: 400 "bad_request", 404 "not_found", ...
const char *error_code(int status);

} // namespace mtt
