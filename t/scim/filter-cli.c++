// Evaluates the cases of a filter corpus (t/scim/filters.json) with
// parse_filter and matches, and prints one JSON line per case, in order:
//   {"case": 0, "matches": ["bjensen", "jsmith"]}   the resources it matches
//   {"case": 1, "error": "at character 10: ..."}     the detail of its 400
// t/scim/filter-check.mjs compares them with the corpus and with
// scim2-parse-filter (make scim-filter-check).
//
// The schemas are RFC 7643 section 8.7.1's User (with the enterprise
// extension) and Group, with their caseExact as written there, and the common
// attributes of section 3.1.
#include "json.h++"
#include "scim_filter.h++"

#include <cstdio>
#include <string>
#include <vector>

using namespace mtt;
using namespace mtt::scim;

namespace {

struct Attr {
    std::string name;
    Type type = Type::String;
    bool multi = false;
    bool exact = false;
    std::vector<Attr> subs;
};

Attr str(const char *n, bool exact = false) {
    return Attr{n, Type::String, false, exact, {}};
}
Attr of(const char *n, Type t, bool exact = false) {
    return Attr{n, t, false, exact, {}};
}
Attr complex(const char *n, bool multi, std::vector<Attr> subs) {
    return Attr{n, Type::Complex, multi, false, std::move(subs)};
}
// RFC 7643 section 2.4's sub-attributes of a multi-valued attribute, `value` of type `t`
Attr listing(const char *n, Type t = Type::String) {
    return complex(n, true,
                   {of("value", t), str("display"), str("type"), of("primary", Type::Boolean)});
}

char lower(char c) {
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size())
        return false;
    for (size_t i = 0; i < a.size(); i++)
        if (lower(a[i]) != lower(b[i]))
            return false;
    return true;
}

class Table : public Describe {
  public:
    Table(std::string core, std::vector<Attr> attrs, std::vector<Attr> enterprise)
        : core_(std::move(core)), attrs_(std::move(attrs)), enterprise_(std::move(enterprise)) {}

    AttrInfo describe(std::string_view urn, std::string_view attr,
                      std::string_view sub) const override {
        const std::vector<Attr> *in = nullptr;
        if (urn.empty() || iequals(urn, core_))
            in = &attrs_;
        else if (!enterprise_.empty() && iequals(urn, enterprise_user_urn))
            in = &enterprise_;
        const Attr *a = in ? find(*in, attr) : nullptr;
        if (a && !sub.empty())
            a = find(a->subs, sub);
        AttrInfo info;
        if (!a)
            return info;
        info.known = true;
        info.name = a->name;
        info.type = a->type;
        info.multi_valued = a->multi;
        info.case_exact = a->exact;
        return info;
    }
    bool is_extension(std::string_view urn) const override {
        return !enterprise_.empty() && iequals(urn, enterprise_user_urn);
    }
    std::string_view core_urn() const override { return core_; }

  private:
    static const Attr *find(const std::vector<Attr> &in, std::string_view name) {
        for (const Attr &a : in)
            if (iequals(a.name, name))
                return &a;
        return nullptr;
    }
    std::string core_;
    std::vector<Attr> attrs_, enterprise_;
};

std::vector<Attr> common() {
    return {str("id", true), str("externalId", true),
            complex("meta", false,
                    {str("resourceType", true), of("created", Type::DateTime),
                     of("lastModified", Type::DateTime), of("location", Type::Reference, true),
                     str("version", true)})};
}

const Table &users() {
    static const Table t = [] {
        std::vector<Attr> a = common();
        std::vector<Attr> core = {
            str("userName"),
            complex("name", false,
                    {str("formatted"), str("familyName"), str("givenName"), str("middleName"),
                     str("honorificPrefix"), str("honorificSuffix")}),
            str("displayName"),
            str("nickName"),
            of("profileUrl", Type::Reference),
            str("title"),
            str("userType"),
            str("preferredLanguage"),
            str("locale"),
            str("timezone"),
            of("active", Type::Boolean),
            str("password"),
            listing("emails"),
            listing("phoneNumbers"),
            listing("ims"),
            listing("photos", Type::Reference),
            complex("addresses", true,
                    {str("formatted"), str("streetAddress"), str("locality"), str("region"),
                     str("postalCode"), str("country"), str("type"), of("primary", Type::Boolean)}),
            complex("groups", true,
                    {str("value"), of("$ref", Type::Reference), str("display"), str("type")}),
            listing("entitlements"),
            listing("roles"),
            listing("x509Certificates", Type::Binary)};
        a.insert(a.end(), core.begin(), core.end());
        std::vector<Attr> enterprise = {
            str("employeeNumber"),
            str("costCenter"),
            str("organization"),
            str("division"),
            str("department"),
            complex("manager", false,
                    {str("value"), of("$ref", Type::Reference), str("displayName")})};
        return Table(core_user_urn, a, enterprise);
    }();
    return t;
}

const Table &groups() {
    static const Table t = [] {
        std::vector<Attr> a = common();
        a.push_back(str("displayName"));
        a.push_back(
            complex("members", true,
                    {str("value"), of("$ref", Type::Reference), str("display"), str("type")}));
        return Table(core_group_urn, a, {});
    }();
    return t;
}

} // namespace

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
        const Describe &schema = group ? static_cast<const Describe &>(groups()) : users();
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
