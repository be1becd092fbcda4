// SCIM filters and PATCH paths (src/scim_filter.h++) over the module's User
// and Group schemas: the input as a filter (parse_filter) and as a PATCH path
// (parse_patch_path). A refusal is a 400 with its scimType and a detail that
// is UTF-8 and names a character of the input; a filter that parses is
// evaluated on fixed resources (odd types, nulls, non-ASCII), and an index
// hint of a lone `eq` must match the resource that holds just its value.
#include "fuzz_common.h++"

#include "json.h++"
#include "scim_filter.h++"
#include "scim_schema.h++"
#include "text.h++"

#include <string>
#include <string_view>
#include <vector>

using namespace mtt;
using namespace mtt::scim;

namespace {

const char *const resources_text[] = {
    R"({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User",
                    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
        "id": "2819c223", "externalId": "701984", "userName": "BJensen@example.com",
        "name": {"givenName": "Barbara", "familyName": "Jensen"}, "displayName": "Zoë Straße",
        "title": "", "active": true,
        "emails": [{"value": "bjensen@example.com", "type": "work", "primary": true},
                   {"value": "babs@jensen.org", "type": "home"}, null, "x"],
        "x509Certificates": [{"value": "MIIDQzCC"}],
        "groups": [{"value": "e9e30dba", "$ref": "../Groups/e9e30dba"}],
        "meta": {"created": "2010-01-23T04:56:22Z", "lastModified": "2011-05-13T06:42:34.5+02:00"},
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":
            {"employeeNumber": "701984", "manager": {"value": "26118915"}},
        "members": [{"value": "2819c223"}]})",
    // every attribute of the wrong JSON type
    R"({"userName": 5, "active": "true", "name": "Barbara", "emails": {"value": 1},
        "meta": {"lastModified": "yesterday", "created": 12},
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": [],
        "displayName": [null, [], {}], "members": "2819c223", "groups": [[{"value": "x"}]]})",
    R"({"USERNAME": "a", "Emails": [{"VALUE": "A@B", "Type": "WORK"}], "title": null})",
    "{}",
};

std::vector<Json> load_resources() {
    std::vector<Json> out;
    for (const char *t : resources_text) {
        json_error_t e;
        Json j(json_loads(t, 0, &e));
        FUZZ_CHECK(j != nullptr, std::string("a fixed resource does not load: ") + e.text);
        out.push_back(std::move(j));
    }
    return out;
}

const std::vector<Json> &resources() {
    static const std::vector<Json> r = load_resources();
    return r;
}

void check_error(const Error &err, const char *scim_type, std::string_view in) {
    FUZZ_CHECK(err.status == 400,
               "status " + std::to_string(err.status) + " for " + fuzz::show(in));
    FUZZ_CHECK(err.scim_type == scim_type, "scimType " + err.scim_type + " for " + fuzz::show(in));
    FUZZ_CHECK(!err.detail.empty() && valid_utf8(err.detail),
               "detail not UTF-8 for " + fuzz::show(in) + ": " + fuzz::show(err.detail));
    const std::string at = "at character ";
    if (err.detail.compare(0, at.size(), at) != 0) {
        FUZZ_CHECK(err.detail.find("longer than") != std::string::npos ||
                       err.detail.find("not valid UTF-8") != std::string::npos,
                   "detail without a position: " + fuzz::show(err.detail));
        return;
    }
    size_t n = std::stoul(err.detail.substr(at.size()));
    FUZZ_CHECK(n >= 1 && n <= utf8_length(in) + 1,
               "position out of the input: " + fuzz::show(err.detail) + " for " + fuzz::show(in));
}

void check_filter(std::string_view in, const Describe &schema) {
    Error err;
    auto f = parse_filter(in, schema, err);
    if (!f) {
        check_error(err, "invalidFilter", in);
        return;
    }
    FUZZ_CHECK(in.size() <= max_filter_bytes && valid_utf8(in), "parsed " + fuzz::show(in));
    for (const Json &r : resources())
        (void)matches(*f, r.get(), schema);
    IndexHint h = index_hint(*f);
    if (h.kind != IndexHint::None && f->op == Op::Eq) {
        const char *key = h.kind == IndexHint::UserName ? "userName"
                          : h.kind == IndexHint::Id     ? "id"
                                                        : "externalId";
        Json one(json_object());
        json_object_set_new(one.get(), key, json_str(h.value));
        FUZZ_CHECK(matches(*f, one.get(), schema),
                   "the hinted value does not match: " + fuzz::show(in));
    }
}

void check_path(std::string_view in, const Describe &schema) {
    Error err;
    PatchPath p;
    if (!parse_patch_path(in, schema, p, err)) {
        check_error(err, "invalidPath", in);
        return;
    }
    FUZZ_CHECK(!p.path.attr.empty() && p.info.known, "an empty path parsed: " + fuzz::show(in));
    FUZZ_CHECK(p.path.sub.empty() || (!p.filter && p.sub.empty()),
               "a sub-attribute twice: " + fuzz::show(in));
    if (!p.filter)
        return;
    for (const Json &r : resources()) {
        const json_t *top =
            p.path.urn.empty() ? r.get() : json_object_get(r.get(), p.path.urn.c_str());
        const json_t *v = json_object_get(top, p.path.attr.c_str());
        size_t i;
        const json_t *e;
        json_array_foreach(v, i, e) {
            (void)element_matches(*p.filter, e, p.path, schema);
        }
        if (v)
            (void)element_matches(*p.filter, v, p.path, schema);
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    std::string_view in(reinterpret_cast<const char *>(data), size);
    check_filter(in, scim::user_schema());
    check_filter(in, scim::group_schema());
    check_path(in, scim::user_schema());
    check_path(in, scim::group_schema());
    return 0;
}
