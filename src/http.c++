#include "http.h++"

#include "json.h++"
#include "text.h++"

namespace mtt {

std::string drain(Response &r) {
    std::string out = r.body;
    if (r.stream)
        while (r.stream->next(out, 16384)) {
        }
    r.stream.reset();
    return out;
}

Response copy_of(const Response &r) {
    Response c;
    c.status = r.status;
    c.content_type = r.content_type;
    c.headers = r.headers;
    c.body = r.body;
    return c;
}

Response no_content() {
    Response r;
    r.status = 204;
    return r;
}

const char *error_code(int status) {
    switch (status) {
    case 400:
        return "bad_request";
    case 404:
        return "not_found";
    case 405:
        return "method_not_allowed";
    case 409:
        return "conflict";
    case 413:
        return "payload_too_large";
    case 415:
        return "unsupported_media_type";
    case 422:
        return "unprocessable_entity";
    case 503:
        return "service_unavailable";
    case 507:
        return "insufficient_storage";
    default:
        return status >= 500 ? "internal_error" : "error";
    }
}

Response error(int status, std::string_view message) {
    Json body(json_object());
    json_object_set_new(body.get(), "error", json_string(error_code(status)));
    // messages may quote input: make sure they stay UTF-8 (jansson refuses
    // anything else, which would drop the message)
    json_object_set_new(body.get(), "message", json_str(valid_utf8_copy(message)));
    Response r;
    r.status = status;
    r.content_type = json_type;
    r.body = dump(body.get());
    return r;
}

} // namespace mtt
