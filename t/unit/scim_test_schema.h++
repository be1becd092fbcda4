// A Describe of RFC 7643's User (with the enterprise extension) and Group,
// from a table, for the tests of the filter and PATCH (t/unit) and the
// reference check (t/scim/patch-cli.c++): they need the schema's facts, not
// the service's own schema.
#pragma once

#include "scim_attrs.h++"

#include <strings.h>

#include <string>
#include <string_view>
#include <vector>

namespace scim_test {

using mtt::scim::AttrInfo;
using mtt::scim::Mutability;
using mtt::scim::Type;

struct Row {
    const char *urn, *attr, *sub;
    Type type;
    bool multi;
    bool case_exact;
    Mutability mutability;
};

inline constexpr Mutability RW = Mutability::ReadWrite;
inline constexpr Mutability RO = Mutability::ReadOnly;
inline constexpr Mutability IM = Mutability::Immutable;
inline constexpr Mutability WO = Mutability::WriteOnly;

inline const char *const ent = mtt::scim::enterprise_user_urn;

// (urn "", attr, "") for an attribute, (urn, attr, sub) for a sub-attribute.
inline const std::vector<Row> &user_rows() {
    static const std::vector<Row> rows = {
        {"", "id", "", Type::String, false, true, RO},
        {"", "externalId", "", Type::String, false, true, RW},
        {"", "meta", "", Type::Complex, false, false, RO},
        {"", "meta", "resourceType", Type::String, false, true, RO},
        {"", "meta", "created", Type::DateTime, false, false, RO},
        {"", "meta", "lastModified", Type::DateTime, false, false, RO},
        {"", "meta", "location", Type::Reference, false, true, RO},
        {"", "meta", "version", Type::String, false, true, RO},
        {"", "userName", "", Type::String, false, false, RW},
        {"", "name", "", Type::Complex, false, false, RW},
        {"", "name", "formatted", Type::String, false, false, RW},
        {"", "name", "familyName", Type::String, false, false, RW},
        {"", "name", "givenName", Type::String, false, false, RW},
        {"", "name", "middleName", Type::String, false, false, RW},
        {"", "name", "honorificPrefix", Type::String, false, false, RW},
        {"", "name", "honorificSuffix", Type::String, false, false, RW},
        {"", "displayName", "", Type::String, false, false, RW},
        {"", "nickName", "", Type::String, false, false, RW},
        {"", "profileUrl", "", Type::Reference, false, false, RW},
        {"", "title", "", Type::String, false, false, RW},
        {"", "userType", "", Type::String, false, false, RW},
        {"", "preferredLanguage", "", Type::String, false, false, RW},
        {"", "locale", "", Type::String, false, false, RW},
        {"", "timezone", "", Type::String, false, false, RW},
        {"", "active", "", Type::Boolean, false, false, RW},
        {"", "password", "", Type::String, false, false, WO},
        {"", "emails", "", Type::Complex, true, false, RW},
        {"", "emails", "value", Type::String, false, false, RW},
        {"", "emails", "display", Type::String, false, false, RW},
        {"", "emails", "type", Type::String, false, false, RW},
        {"", "emails", "primary", Type::Boolean, false, false, RW},
        {"", "phoneNumbers", "", Type::Complex, true, false, RW},
        {"", "phoneNumbers", "value", Type::String, false, false, RW},
        {"", "phoneNumbers", "display", Type::String, false, false, RW},
        {"", "phoneNumbers", "type", Type::String, false, false, RW},
        {"", "phoneNumbers", "primary", Type::Boolean, false, false, RW},
        {"", "addresses", "", Type::Complex, true, false, RW},
        {"", "addresses", "formatted", Type::String, false, false, RW},
        {"", "addresses", "streetAddress", Type::String, false, false, RW},
        {"", "addresses", "locality", Type::String, false, false, RW},
        {"", "addresses", "region", Type::String, false, false, RW},
        {"", "addresses", "postalCode", Type::String, false, false, RW},
        {"", "addresses", "country", Type::String, false, false, RW},
        {"", "addresses", "type", Type::String, false, false, RW},
        {"", "addresses", "primary", Type::Boolean, false, false, RW},
        {"", "groups", "", Type::Complex, true, false, RO},
        {"", "groups", "value", Type::String, false, false, RO},
        {"", "groups", "$ref", Type::Reference, false, false, RO},
        {"", "groups", "display", Type::String, false, false, RO},
        {"", "groups", "type", Type::String, false, false, RO},
        {"", "roles", "", Type::Complex, true, false, RW},
        {"", "roles", "value", Type::String, false, false, RW},
        {"", "roles", "display", Type::String, false, false, RW},
        {"", "roles", "type", Type::String, false, false, RW},
        {"", "roles", "primary", Type::Boolean, false, false, RW},
        {ent, "employeeNumber", "", Type::String, false, false, RW},
        {ent, "costCenter", "", Type::String, false, false, RW},
        {ent, "organization", "", Type::String, false, false, RW},
        {ent, "division", "", Type::String, false, false, RW},
        {ent, "department", "", Type::String, false, false, RW},
        {ent, "manager", "", Type::Complex, false, false, RW},
        {ent, "manager", "value", Type::String, false, false, RW},
        {ent, "manager", "$ref", Type::Reference, false, false, RW},
        {ent, "manager", "displayName", Type::String, false, false, RO},
    };
    return rows;
}

inline const std::vector<Row> &group_rows() {
    static const std::vector<Row> rows = {
        {"", "id", "", Type::String, false, true, RO},
        {"", "externalId", "", Type::String, false, true, RW},
        {"", "meta", "", Type::Complex, false, false, RO},
        {"", "meta", "resourceType", Type::String, false, true, RO},
        {"", "meta", "created", Type::DateTime, false, false, RO},
        {"", "meta", "lastModified", Type::DateTime, false, false, RO},
        {"", "displayName", "", Type::String, false, false, RW},
        {"", "members", "", Type::Complex, true, false, RW},
        {"", "members", "value", Type::String, false, true, IM},
        {"", "members", "$ref", Type::Reference, false, true, IM},
        {"", "members", "type", Type::String, false, false, IM},
        {"", "members", "display", Type::String, false, false, IM},
    };
    return rows;
}

class TableSchema : public mtt::scim::Describe {
  public:
    explicit TableSchema(const std::vector<Row> &rows, bool enterprise)
        : rows_(rows), enterprise_(enterprise) {}

    AttrInfo describe(std::string_view urn, std::string_view attr,
                      std::string_view sub) const override {
        for (const Row &r : rows_) {
            if (same(r.urn, urn) && same(r.attr, attr) && same(r.sub, sub)) {
                AttrInfo i;
                i.known = true;
                i.name = *r.sub ? r.sub : r.attr;
                i.type = r.type;
                i.multi_valued = r.multi;
                i.case_exact = r.case_exact;
                i.mutability = r.mutability;
                return i;
            }
        }
        return {};
    }
    bool is_extension(std::string_view urn) const override { return enterprise_ && same(ent, urn); }

  private:
    const std::vector<Row> &rows_;
    bool enterprise_;

    static bool same(std::string_view a, std::string_view b) {
        return a.size() == b.size() && strncasecmp(a.data(), b.data(), a.size()) == 0;
    }
};

inline const TableSchema &user_schema() {
    static const TableSchema s(user_rows(), true);
    return s;
}
inline const TableSchema &group_schema() {
    static const TableSchema s(group_rows(), false);
    return s;
}

} // namespace scim_test
