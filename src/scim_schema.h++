// SCIM 2.0 schemas and discovery (RFC 7643 sections 5 to 8.7, RFC 7644
// section 4): what the User and Group resources may hold, as the filter,
// PATCH and the resources ask it (Describe), and the bodies of
// ServiceProviderConfig, Schemas and ResourceTypes. Plain C++, no nginx.
//
// The schemas are one JSON text in scim_schema.c++, shaped as RFC 7643
// section 8.7.1 writes them; Describe and the Schemas bodies are both made
// from it, so that what a client reads of an attribute is what the filter and
// PATCH do with it.
#pragma once

#include "scim_attrs.h++"

#include <jansson.h>

#include <cstddef>
#include <string_view>

namespace mtt::scim {

inline constexpr char schema_urn[] = "urn:ietf:params:scim:schemas:core:2.0:Schema";
inline constexpr char resource_type_urn[] = "urn:ietf:params:scim:schemas:core:2.0:ResourceType";
inline constexpr char service_provider_config_urn[] =
    "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig";

// A User: the core User schema, the enterprise extension (under its URN) and
// the common attributes id, externalId and meta (RFC 7643 section 3.1, which
// no schema lists). A Group: the core Group schema and the common attributes.
// Names and URNs compare without ASCII case; AttrInfo::name is the schema's
// spelling. For a sub-attribute, multi_valued is its own (false in these
// schemas): whether it sits in a list is its parent's multi_valued. A name
// under a non-complex attribute, or a sub-attribute of a sub-attribute, is
// unknown. `urn` may also be the resource's core URN.
const Describe &user_schema();
const Describe &group_schema();

// The discovery bodies, as new JSON objects that the caller owns. `base` is
// the absolute URL of the SCIM location ("https://tt.example.edu/scim/v2/"),
// from which each meta.location is made (a missing final '/' is added).
//
// ServiceProviderConfig (RFC 7643 section 5): patch, filter (with
// `max_results`), sort and etag supported; bulk and changePassword not; the
// bearer token of an OAuth client as the authentication scheme.
json_t *service_provider_config(std::string_view base, size_t max_results);
// The ListResponse of the User, Group and enterprise User schemas (section 7).
json_t *schemas_list(std::string_view base);
// One schema by its URN (compared without case); null for none.
json_t *schema_by_uri(std::string_view base, std::string_view uri);
// The ListResponse of the User and Group resource types (section 6).
json_t *resource_types_list(std::string_view base);
// One resource type by its name, "User" or "Group" (compared without case);
// null for none.
json_t *resource_type_by_name(std::string_view base, std::string_view name);

} // namespace mtt::scim
