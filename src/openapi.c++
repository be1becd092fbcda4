// GET openapi.json: the OpenAPI 3.1 description of the API, doc/openapi.json
// as it was when the module was built (openapi_json.S embeds its bytes).
#include "handlers.h++"

#include <cstddef>

extern "C" const char mtt_openapi_json[], mtt_openapi_json_end[];

namespace mtt {

std::string_view openapi_description() {
    return {mtt_openapi_json, static_cast<size_t>(mtt_openapi_json_end - mtt_openapi_json)};
}

Parsed api_description(const Request &, const Params &, const Settings &) {
    return then([](Txn &, const Scope &) {
        Response r;
        r.status = 200;
        r.content_type = json_type;
        r.body = std::string(openapi_description());
        return r;
    });
}

} // namespace mtt
