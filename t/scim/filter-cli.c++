// Evaluates the cases of a filter corpus (t/scim/filters.json) with
// parse_filter and matches over the module's User and Group schemas
// (scim_schema.h++), and prints one JSON line per case, in order:
//   {"case": 0, "matches": ["bjensen", "jsmith"]}   the resources it matches
//   {"case": 1, "error": "at character 10: ..."}     the detail of its 400
// t/scim/filter-check.mjs compares them with the corpus and with
// scim2-parse-filter (make scim-filter-check).
#include "json.h++"
#include "scim_filter.h++"
#include "scim_schema.h++"

#include <cstdio>
#include <string>

using namespace mtt;
using namespace mtt::scim;

int main(int argc, char **argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: %s t/scim/filters.json\n", argv[0]);
        return 2;
    }
    json_error_t jerr;
    Json corpus(json_load_file(argv[1], 0, &jerr));
    if (!corpus) {
        std::fprintf(stderr, "%s:%d: %s\n", argv[1], jerr.line, jerr.text);
        return 2;
    }
    const json_t *cases = json_object_get(corpus.get(), "cases");
    size_t i;
    const json_t *c;
    json_array_foreach(cases, i, c) {
        const char *on = json_string_value(json_object_get(c, "on"));
        bool group = on && std::string(on) == "groups";
        const Describe &schema = group ? group_schema() : user_schema();
        const json_t *resources = json_object_get(corpus.get(), group ? "groups" : "users");
        const json_t *filter = json_object_get(c, "filter");
        Json line(json_object());
        json_object_set_new(line.get(), "case", json_integer(static_cast<json_int_t>(i)));
        Error err;
        auto f = parse_filter(
            std::string_view(json_string_value(filter), json_string_length(filter)), schema, err);
        if (!f) {
            json_object_set_new(line.get(), "error", json_str(err.detail));
        } else {
            json_t *names = json_array();
            const char *name;
            json_t *r;
            json_object_foreach(const_cast<json_t *>(resources), name, r) {
                if (matches(*f, r, schema))
                    json_array_append_new(names, json_string(name));
            }
            json_object_set_new(line.get(), "matches", names);
        }
        std::printf("%s\n", dump(line.get()).c_str());
    }
    return 0;
}
