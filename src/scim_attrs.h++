// SCIM 2.0 (RFC 7643, RFC 7644): attribute paths and what the schema says of
// an attribute, shared by the filter (scim_filter.h++), PATCH (scim_patch.h++)
// and the resources (scim.c++). Plain C++, no nginx.
//
// A resource is handled as its SCIM JSON (a jansson object): the core
// schema's attributes at the top level, an extension's under its URN, e.g.
// {"userName": "bjensen", "name": {"givenName": "Barbara"},
//  "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"employeeNumber": "701984"}}.
// Attribute names are case-insensitive (RFC 7643 section 2.1): a lookup in
// the JSON compares keys without case, and what is written keeps the schema's
// spelling (Describe gives it).
#pragma once

#include <string>
#include <string_view>

namespace mtt::scim {

inline constexpr char core_user_urn[] = "urn:ietf:params:scim:schemas:core:2.0:User";
inline constexpr char core_group_urn[] = "urn:ietf:params:scim:schemas:core:2.0:Group";
inline constexpr char enterprise_user_urn[] =
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
inline constexpr char list_response_urn[] = "urn:ietf:params:scim:api:messages:2.0:ListResponse";
inline constexpr char patch_op_urn[] = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
inline constexpr char error_urn[] = "urn:ietf:params:scim:api:messages:2.0:Error";

// An attribute path as a filter or a PATCH path names it:
// [urn ":"] attr ["." sub]. `urn` is empty for the resource's core schema
// (a path prefixed with the core URN is stored with an empty urn too);
// `sub` is empty when no sub-attribute is named. In `attributes` and
// `excludedAttributes` an extension's URN alone names all of its attributes:
// `urn` is set and `attr` (and `sub`) empty.
struct AttrPath {
    std::string urn, attr, sub;
};

enum class Type { String, Boolean, Decimal, Integer, DateTime, Reference, Binary, Complex };
enum class Mutability { ReadOnly, ReadWrite, Immutable, WriteOnly };

// What the schema says of one attribute (or sub-attribute).
struct AttrInfo {
    bool known = false; // false: the schema has no such attribute
    std::string name;   // the schema's spelling ("givenName" for "GIVENNAME")
    Type type = Type::String;
    bool multi_valued = false;
    bool case_exact = false; // strings: compared with case (RFC 7643 2.2)
    Mutability mutability = Mutability::ReadWrite;
};

// The schema of one resource type, as the filter and PATCH need it:
// describe(urn, attr, "") for an attribute, describe(urn, attr, sub) for a
// sub-attribute of a complex one; `urn` empty for the core schema. An
// unknown `urn` or name answers known = false.
class Describe {
  public:
    virtual ~Describe() = default;
    virtual AttrInfo describe(std::string_view urn, std::string_view attr,
                              std::string_view sub) const = 0;
    // The URNs of the extensions the resource may carry (top-level keys).
    virtual bool is_extension(std::string_view urn) const = 0;
    // The URN of the resource type's core schema (core_user_urn or
    // core_group_urn): a path prefixed with it names a core attribute. Empty,
    // the default, takes either of the two as the core one.
    virtual std::string_view core_urn() const { return {}; }
};

// The SCIM error a bad request answers (RFC 7644 section 3.12): the HTTP
// status, the scimType (empty for none) and a detail that names the
// attribute or position at fault.
struct Error {
    int status = 400;
    std::string scim_type; // invalidFilter invalidSyntax invalidPath invalidValue
                           // uniqueness mutability noTarget tooMany
    std::string detail;
};

} // namespace mtt::scim
