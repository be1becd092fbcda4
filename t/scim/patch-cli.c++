// Applies each case of a PATCH corpus (t/scim/patches.json) with
// mtt::scim::apply_patch and prints what came of it, one JSON object a line:
//   {"name": ..., "result": <the patched resource>}
//   {"name": ..., "error": {"status": 400, "scimType": ..., "detail": ...}}
// make scim-patch-check compares these with the corpus and with npm
// scim-patch (t/scim/patch-check.mjs). A resource whose schemas list the
// Group URN is patched as a Group, any other as a User (with the
// enterprise extension), by the service's own schemas (scim_schema.h++).
#include "json.h++"
#include "scim_patch.h++"
#include "scim_schema.h++"

#include <cstdio>
#include <cstring>

using namespace mtt;

namespace {

bool is_group(const json_t *resource) {
    size_t i;
    json_t *s;
    json_array_foreach(json_object_get(resource, "schemas"), i, s) {
        if (json_is_string(s) && std::strcmp(json_string_value(s), scim::core_group_urn) == 0)
            return true;
    }
    return false;
}

} // namespace

int main(int argc, char **argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: %s CORPUS.json\n", argv[0]);
        return 2;
    }
    json_error_t e;
    Json corpus(json_load_file(argv[1], 0, &e));
    if (!corpus) {
        std::fprintf(stderr, "%s:%d: %s\n", argv[1], e.line, e.text);
        return 2;
    }
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(corpus.get(), "cases"), i, c) {
        Json resource(json_deep_copy(json_object_get(c, "resource")));
        const scim::Describe &schema =
            is_group(resource.get()) ? scim::group_schema() : scim::user_schema();
        scim::Error err;
        Json out(json_object());
        json_object_set(out.get(), "name", json_object_get(c, "name"));
        if (scim::apply_patch(resource.get(), json_object_get(c, "patch"), schema, err)) {
            json_object_set(out.get(), "result", resource.get());
        } else {
            Json error(json_pack("{s:i,s:s,s:s}", "status", err.status, "scimType",
                                 err.scim_type.c_str(), "detail", err.detail.c_str()));
            json_object_set(out.get(), "error", error.get());
        }
        std::printf("%s\n", dump(out.get()).c_str());
    }
    return 0;
}
