// SCIM 2.0 PATCH (RFC 7644 section 3.5.2) on a resource's SCIM JSON, as
// Microsoft Entra ID and Okta send it. Plain C++, no nginx.
//
// What is accepted beyond the RFC's letter, because the clients send it:
// - `op` in any case ("Replace", "Add": Entra);
// - Boolean attributes also as the strings "true"/"false" in any case
//   ("False": Entra for `active`);
// - an add or replace without `path` whose value object has keys that are
//   paths: dotted ("name.familyName"), prefixed with a schema URN
//   ("urn:...:enterprise:2.0:User:department"), with a value filter
//   ("emails[type eq \"work\"].value"), or the URN of an extension whose
//   value is an object of its attributes (the RFC's own form);
// - a readOnly attribute in such a value object that only repeats the
//   resource's value (Okta renames a Group with {"id": ..., "displayName": ...});
// - a remove with a `value` on a multi-valued attribute: the values listed
//   are removed (Entra without its "aadOptscim062020" flag removes members so).
// Where the RFC and Entra part ways, see the comment on add_by_filter in
// scim_patch.c++.
#pragma once

#include "scim_attrs.h++"

#include <jansson.h>

#include <cstddef>

namespace mtt::scim {

// The most operations one PatchOp applies; more answer 400 invalidValue.
inline constexpr size_t max_patch_operations = 1000;

// Applies a PatchOp body (the parsed JSON request) to `resource` (the SCIM
// JSON object of a User or Group): all operations or none. On failure
// `resource` is unchanged and `err` holds the SCIM error: 400 with scimType
// invalidSyntax, invalidPath, invalidValue, noTarget or mutability, and a
// detail naming the operation ("Operations[2]", 0-based) and the attribute
// at fault. Attribute names are matched without case and written in the
// schema's spelling.
bool apply_patch(json_t *resource, const json_t *body, const Describe &schema, Error &err);

} // namespace mtt::scim
