// SCIM 2.0 schemas and discovery bodies (see scim_schema.h++).
#include "scim_schema.h++"

#include "json.h++"

#include <new>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace mtt::scim {

namespace {

// The one source of what the schemas say: RFC 7643 section 8.7.1's JSON, with
// the common attributes of section 3.1 beside it (served by no schema, but
// described: filters and PATCH name id, externalId and meta.lastModified).
// Where this differs from section 8.7.1's JSON, the RFC's own text says so:
// - addresses has the "primary" sub-attribute of section 2.4, which the
//   examples of section 8.2 use and the JSON leaves out;
// - members has the "display" sub-attribute of section 2.4 (immutable, as
//   section 2.4 says), which the Group example of section 8.4 uses;
// - a Group's displayName is required, as section 4.2 says ("REQUIRED").
// Everything else, down to caseExact false for a reference or a binary value
// (which sections 2.3.6 and 2.3.7 call case exact), is as the JSON gives it.
// Descriptions are the RFC's, so some lines run past 100 columns: a JSON
// string cannot be wrapped.
constexpr char source[] = R"json(
{
"common": [
  {"name": "id", "type": "string", "multiValued": false,
   "description": "A unique identifier for a SCIM resource as defined by the service provider.",
   "required": true, "caseExact": true, "mutability": "readOnly", "returned": "always",
   "uniqueness": "server"},
  {"name": "externalId", "type": "string", "multiValued": false,
   "description": "A String that is an identifier for the resource as defined by the provisioning client.",
   "required": false, "caseExact": true, "mutability": "readWrite", "returned": "default",
   "uniqueness": "none"},
  {"name": "meta", "type": "complex", "multiValued": false,
   "description": "A complex attribute containing resource metadata.",
   "required": false,
   "subAttributes": [
     {"name": "resourceType", "type": "string", "multiValued": false,
      "description": "The name of the resource type of the resource.",
      "required": false, "caseExact": true, "mutability": "readOnly", "returned": "default",
      "uniqueness": "none"},
     {"name": "created", "type": "dateTime", "multiValued": false,
      "description": "The date and time the resource was added to the service provider.",
      "required": false, "mutability": "readOnly", "returned": "default"},
     {"name": "lastModified", "type": "dateTime", "multiValued": false,
      "description": "The most recent date and time that the details of this resource were updated at the service provider.",
      "required": false, "mutability": "readOnly", "returned": "default"},
     {"name": "location", "type": "reference", "referenceTypes": ["uri"], "multiValued": false,
      "description": "The URI of the resource being returned.",
      "required": false, "caseExact": true, "mutability": "readOnly", "returned": "default",
      "uniqueness": "none"},
     {"name": "version", "type": "string", "multiValued": false,
      "description": "The version of the resource being returned, as its ETag.",
      "required": false, "caseExact": true, "mutability": "readOnly", "returned": "default",
      "uniqueness": "none"}
   ],
   "mutability": "readOnly", "returned": "default"}
],
"schemas": [
{
  "id": "urn:ietf:params:scim:schemas:core:2.0:User",
  "name": "User",
  "description": "User Account",
  "attributes": [
    {"name": "userName", "type": "string", "multiValued": false,
     "description": "Unique identifier for the User, typically used by the user to directly authenticate to the service provider. Each User MUST include a non-empty userName value.  This identifier MUST be unique across the service provider's entire set of Users. REQUIRED.",
     "required": true, "caseExact": false, "mutability": "readWrite", "returned": "default",
     "uniqueness": "server"},
    {"name": "name", "type": "complex", "multiValued": false,
     "description": "The components of the user's real name. Providers MAY return just the full name as a single string in the formatted sub-attribute, or they MAY return just the individual component attributes using the other sub-attributes, or they MAY return both.  If both variants are returned, they SHOULD be describing the same name, with the formatted name indicating how the component attributes should be combined.",
     "required": false,
     "subAttributes": [
       {"name": "formatted", "type": "string", "multiValued": false,
        "description": "The full name, including all middle names, titles, and suffixes as appropriate, formatted for display (e.g., 'Ms. Barbara J Jensen, III').",
        "required": false, "caseExact": false, "mutability": "readWrite", "returned": "default",
        "uniqueness": "none"},
       {"name": "familyName", "type": "string", "multiValued": false,
        "description": "The family name of the User, or last name in most Western languages (e.g., 'Jensen' given the full name 'Ms. Barbara J Jensen, III').",
        "required": false, "caseExact": false, "mutability": "readWrite", "returned": "default",
        "uniqueness": "none"},
       {"name": "givenName", "type": "string", "multiValued": false,
        "description": "The given name of the User, or first name in most Western languages (e.g., 'Barbara' given the full name 'Ms. Barbara J Jensen, III').",
        "required": false, "caseExact": false, "mutability": "readWrite", "returned": "default",
        "uniqueness": "none"},
       {"name": "middleName", "type": "string", "multiValued": false,
        "description": "The middle name(s) of the User (e.g., 'Jane' given the full name 'Ms. Barbara J Jensen, III').",
        "required": false, "caseExact": false, "mutability": "readWrite", "returned": "default",
        "uniqueness": "none"},
       {"name": "honorificPrefix", "type": "string", "multiValued": false,
        "description": "The honorific prefix(es) of the User, or title in most Western languages (e.g., 'Ms.' given the full name 'Ms. Barbara J Jensen, III').",
        "required": false, "caseExact": false, "mutability": "readWrite", "returned": "default",
        "uniqueness": "none"},
       {"name": "honorificSuffix", "type": "string", "multiValued": false,
        "description": "The honorific suffix(es) of the User, or suffix in most Western languages (e.g., 'III' given the full name 'Ms. Barbara J Jensen, III').",
        "required": false, "caseExact": false, "mutability": "readWrite", "returned": "default",
        "uniqueness": "none"}
     ],
     "mutability": "readWrite", "returned": "default", "uniqueness": "none"},
    {"name": "displayName", "type": "string", "multiValued": false,
     "description": "The name of the User, suitable for display to end-users.  The name SHOULD be the full name of the User being described, if known.",
     "required": false, "caseExact": false, "mutability": "readWrite", "returned": "default",
     "uniqueness": "none"},
    {"name": "nickName", "type": "string", "multiValued": false,
     "description": "The casual way to address the user in real life, e.g., 'Bob' or 'Bobby' instead of 'Robert'.  This attribute SHOULD NOT be used to represent a User's username (e.g., 'bjensen' or 'mpepperidge').",
     "required": false, "caseExact": false, "mutability": "readWrite", "returned": "default",
     "uniqueness": "none"},
    {"name": "profileUrl", "type": "reference", "referenceTypes": ["external"], "multiValued": false,
     "description": "A fully qualified URL pointing to a page representing the User's online profile.",
     "required": false, "caseExact": false, "mutability": "readWrite", "returned": "default",
     "uniqueness": "none"},
    {"name": "title", "type": "string", "multiValued": false,
     "description": "The user's title, such as \"Vice President.\"",
     "required": false, "caseExact": false, "mutability": "readWrite", "returned": "default",
     "uniqueness": "none"},
    {"name": "userType", "type": "string", "multiValued": false,
     "description": "Used to identify the relationship between the organization and the user.  Typical values used might be 'Contractor', 'Employee', 'Intern', 'Temp', 'External', and 'Unknown', but any value may be used.",
     "required": false, "caseExact": false, "mutability": "readWrite", "returned": "default",
     "uniqueness": "none"},
    {"name": "preferredLanguage", "type": "string", "multiValued": false,
     "description": "Indicates the User's preferred written or spoken language.  Generally used for selecting a localized user interface; e.g., 'en_US' specifies the language English and country US.",
     "required": false, "caseExact": false, "mutability": "readWrite", "returned": "default",
     "uniqueness": "none"},
    {"name": "locale", "type": "string", "multiValued": false,
     "description": "Used to indicate the User's default location for purposes of localizing items such as currency, date time format, or numerical representations.",
     "required": false, "caseExact": false, "mutability": "readWrite", "returned": "default",
     "uniqueness": "none"},
    {"name": "timezone", "type": "string", "multiValued": false,
     "description": "The User's time zone in the 'Olson' time zone database format, e.g., 'America/Los_Angeles'.",
     "required": false, "caseExact": false, "mutability": "readWrite", "returned": "default",
     "uniqueness": "none"},
    {"name": "active", "type": "boolean", "multiValued": false,
     "description": "A Boolean value indicating the User's administrative status.",
     "required": false, "mutability": "readWrite", "returned": "default"},
    {"name": "password", "type": "string", "multiValued": false,
     "description": "The User's cleartext password.  This attribute is intended to be used as a means to specify an initial password when creating a new User or to reset an existing User's password.",
     "required": false, "caseExact": false, "mutability": "writeOnly", "returned": "never",
     "uniqueness": "none"},
    {"name": "emails", "type": "complex", "multiValued": true,
     "description": "Email addresses for the user.  The value SHOULD be canonicalized by the service provider, e.g., 'bjensen@example.com' instead of 'bjensen@EXAMPLE.COM'. Canonical type values of 'work', 'home', and 'other'.",
     "required": false,
     "subAttributes": [
       {"name": "value", "type": "string", "multiValued": false,
        "description": "Email addresses for the user.  The value SHOULD be canonicalized by the service provider, e.g., 'bjensen@example.com' instead of 'bjensen@EXAMPLE.COM'. Canonical type values of 'work', 'home', and 'other'.",
        "required": false, "caseExact": false, "mutability": "readWrite", "returned": "default",
        "uniqueness": "none"},
       {"name": "display", "type": "string", "multiValued": false,
        "description": "A human-readable name, primarily used for display purposes.  READ-ONLY.",
        "required": false, "caseExact": false, "mutability": "readWrite", "returned": "default",
        "uniqueness": "none"},
       {"name": "type", "type": "string", "multiValued": false,
        "description": "A label indicating the attribute's function, e.g., 'work' or 'home'.",
        "required": false, "caseExact": false, "canonicalValues": ["work", "home", "other"],
        "mutability": "readWrite", "returned": "default", "uniqueness": "none"},
       {"name": "primary", "type": "boolean", "multiValued": false,
        "description": "A Boolean value indicating the 'primary' or preferred attribute value for this attribute, e.g., the preferred mailing address or primary email address.  The primary attribute value 'true' MUST appear no more than once.",
        "required": false, "mutability": "readWrite", "returned": "default"}
     ],
     "mutability": "readWrite", "returned": "default", "uniqueness": "none"},
    {"name": "phoneNumbers", "type": "complex", "multiValued": true,
     "description": "Phone numbers for the User.  The value SHOULD be canonicalized by the service provider according to the format specified in RFC 3966, e.g., 'tel:+1-201-555-0123'. Canonical type values of 'work', 'home', 'mobile', 'fax', 'pager', and 'other'.",
     "required": false,
     "subAttributes": [
       {"name": "value", "type": "string", "multiValued": false,
        "description": "Phone number of the User.",
        "required": false, "caseExact": false, "mutability": "readWrite", "returned": "default",
        "uniqueness": "none"},
       {"name": "display", "type": "string", "multiValued": false,
        "description": "A human-readable name, primarily used for display purposes.  READ-ONLY.",
        "required": false, "caseExact": false, "mutability": "readWrite", "returned": "default",
        "uniqueness": "none"},
       {"name": "type", "type": "string", "multiValued": false,
        "description": "A label indicating the attribute's function, e.g., 'work', 'home', 'mobile'.",
        "required": false, "caseExact": false,
        "canonicalValues": ["work", "home", "mobile", "fax", "pager", "other"],
        "mutability": "readWrite", "returned": "default", "uniqueness": "none"},
       {"name": "primary", "type": "boolean", "multiValued": false,
        "description": "A Boolean value indicating the 'primary' or preferred attribute value for this attribute, e.g., the preferred phone number or primary phone number.  The primary attribute value 'true' MUST appear no more than once.",
        "required": false, "mutability": "readWrite", "returned": "default"}
     ],
     "mutability": "readWrite", "returned": "default"},
    {"name": "ims", "type": "complex", "multiValued": true,
     "description": "Instant messaging addresses for the User.",
     "required": false,
     "subAttributes": [
       {"name": "value", "type": "string", "multiValued": false,
        "description": "Instant messaging address for the User.",
        "required": false, "caseExact": false, "mutability": "readWrite", "returned": "default",
        "uniqueness": "none"},
       {"name": "display", "type": "string", "multiValued": false,
        "description": "A human-readable name, primarily used for display purposes.  READ-ONLY.",
        "required": false, "caseExact": false, "mutability": "readWrite", "returned": "default",
        "uniqueness": "none"},
       {"name": "type", "type": "string", "multiValued": false,
        "description": "A label indicating the attribute's function, e.g., 'aim', 'gtalk', 'xmpp'.",
        "required": false, "caseExact": false,
        "canonicalValues": ["aim", "gtalk", "icq", "xmpp", "msn", "skype", "qq", "yahoo"],
        "mutability": "readWrite", "returned": "default", "uniqueness": "none"},
       {"name": "primary", "type": "boolean", "multiValued": false,
        "description": "A Boolean value indicating the 'primary' or preferred attribute value for this attribute, e.g., the preferred messenger or primary messenger.  The primary attribute value 'true' MUST appear no more than once.",
        "required": false, "mutability": "readWrite", "returned": "default"}
     ],
     "mutability": "readWrite", "returned": "default"},
    {"name": "photos", "type": "complex", "multiValued": true,
     "description": "URLs of photos of the User.",
     "required": false,
     "subAttributes": [
       {"name": "value", "type": "reference", "referenceTypes": ["external"], "multiValued": false,
        "description": "URL of a photo of the User.",
        "required": false, "caseExact": false, "mutability": "readWrite", "returned": "default",
        "uniqueness": "none"},
       {"name": "display", "type": "string", "multiValued": false,
        "description": "A human-readable name, primarily used for display purposes.  READ-ONLY.",
        "required": false, "caseExact": false, "mutability": "readWrite", "returned": "default",
        "uniqueness": "none"},
       {"name": "type", "type": "string", "multiValued": false,
        "description": "A label indicating the attribute's function, i.e., 'photo' or 'thumbnail'.",
        "required": false, "caseExact": false, "canonicalValues": ["photo", "thumbnail"],
        "mutability": "readWrite", "returned": "default", "uniqueness": "none"},
       {"name": "primary", "type": "boolean", "multiValued": false,
        "description": "A Boolean value indicating the 'primary' or preferred attribute value for this attribute, e.g., the preferred photo or thumbnail.  The primary attribute value 'true' MUST appear no more than once.",
        "required": false, "mutability": "readWrite", "returned": "default"}
     ],
     "mutability": "readWrite", "returned": "default"},
    {"name": "addresses", "type": "complex", "multiValued": true,
     "description": "A physical mailing address for this User. Canonical type values of 'work', 'home', and 'other'.  This attribute is a complex type with the following sub-attributes.",
     "required": false,
     "subAttributes": [
       {"name": "formatted", "type": "string", "multiValued": false,
        "description": "The full mailing address, formatted for display or use with a mailing label.  This attribute MAY contain newlines.",
        "required": false, "caseExact": false, "mutability": "readWrite", "returned": "default",
        "uniqueness": "none"},
       {"name": "streetAddress", "type": "string", "multiValued": false,
        "description": "The full street address component, which may include house number, street name, P.O. box, and multi-line extended street address information.  This attribute MAY contain newlines.",
        "required": false, "caseExact": false, "mutability": "readWrite", "returned": "default",
        "uniqueness": "none"},
       {"name": "locality", "type": "string", "multiValued": false,
        "description": "The city or locality component.",
        "required": false, "caseExact": false, "mutability": "readWrite", "returned": "default",
        "uniqueness": "none"},
       {"name": "region", "type": "string", "multiValued": false,
        "description": "The state or region component.",
        "required": false, "caseExact": false, "mutability": "readWrite", "returned": "default",
        "uniqueness": "none"},
       {"name": "postalCode", "type": "string", "multiValued": false,
        "description": "The zip code or postal code component.",
        "required": false, "caseExact": false, "mutability": "readWrite", "returned": "default",
        "uniqueness": "none"},
       {"name": "country", "type": "string", "multiValued": false,
        "description": "The country name component.",
        "required": false, "caseExact": false, "mutability": "readWrite", "returned": "default",
        "uniqueness": "none"},
       {"name": "type", "type": "string", "multiValued": false,
        "description": "A label indicating the attribute's function, e.g., 'work' or 'home'.",
        "required": false, "caseExact": false, "canonicalValues": ["work", "home", "other"],
        "mutability": "readWrite", "returned": "default", "uniqueness": "none"},
       {"name": "primary", "type": "boolean", "multiValued": false,
        "description": "A Boolean value indicating the 'primary' or preferred attribute value for this attribute, e.g., the preferred mailing address.  The primary attribute value 'true' MUST appear no more than once.",
        "required": false, "mutability": "readWrite", "returned": "default"}
     ],
     "mutability": "readWrite", "returned": "default", "uniqueness": "none"},
    {"name": "groups", "type": "complex", "multiValued": true,
     "description": "A list of groups to which the user belongs, either through direct membership, through nested groups, or dynamically calculated.",
     "required": false,
     "subAttributes": [
       {"name": "value", "type": "string", "multiValued": false,
        "description": "The identifier of the User's group.",
        "required": false, "caseExact": false, "mutability": "readOnly", "returned": "default",
        "uniqueness": "none"},
       {"name": "$ref", "type": "reference", "referenceTypes": ["User", "Group"], "multiValued": false,
        "description": "The URI of the corresponding 'Group' resource to which the user belongs.",
        "required": false, "caseExact": false, "mutability": "readOnly", "returned": "default",
        "uniqueness": "none"},
       {"name": "display", "type": "string", "multiValued": false,
        "description": "A human-readable name, primarily used for display purposes.  READ-ONLY.",
        "required": false, "caseExact": false, "mutability": "readOnly", "returned": "default",
        "uniqueness": "none"},
       {"name": "type", "type": "string", "multiValued": false,
        "description": "A label indicating the attribute's function, e.g., 'direct' or 'indirect'.",
        "required": false, "caseExact": false, "canonicalValues": ["direct", "indirect"],
        "mutability": "readOnly", "returned": "default", "uniqueness": "none"}
     ],
     "mutability": "readOnly", "returned": "default"},
    {"name": "entitlements", "type": "complex", "multiValued": true,
     "description": "A list of entitlements for the User that represent a thing the User has.",
     "required": false,
     "subAttributes": [
       {"name": "value", "type": "string", "multiValued": false,
        "description": "The value of an entitlement.",
        "required": false, "caseExact": false, "mutability": "readWrite", "returned": "default",
        "uniqueness": "none"},
       {"name": "display", "type": "string", "multiValued": false,
        "description": "A human-readable name, primarily used for display purposes.  READ-ONLY.",
        "required": false, "caseExact": false, "mutability": "readWrite", "returned": "default",
        "uniqueness": "none"},
       {"name": "type", "type": "string", "multiValued": false,
        "description": "A label indicating the attribute's function.",
        "required": false, "caseExact": false, "mutability": "readWrite", "returned": "default",
        "uniqueness": "none"},
       {"name": "primary", "type": "boolean", "multiValued": false,
        "description": "A Boolean value indicating the 'primary' or preferred attribute value for this attribute.  The primary attribute value 'true' MUST appear no more than once.",
        "required": false, "mutability": "readWrite", "returned": "default"}
     ],
     "mutability": "readWrite", "returned": "default"},
    {"name": "roles", "type": "complex", "multiValued": true,
     "description": "A list of roles for the User that collectively represent who the User is, e.g., 'Student', 'Faculty'.",
     "required": false,
     "subAttributes": [
       {"name": "value", "type": "string", "multiValued": false,
        "description": "The value of a role.",
        "required": false, "caseExact": false, "mutability": "readWrite", "returned": "default",
        "uniqueness": "none"},
       {"name": "display", "type": "string", "multiValued": false,
        "description": "A human-readable name, primarily used for display purposes.  READ-ONLY.",
        "required": false, "caseExact": false, "mutability": "readWrite", "returned": "default",
        "uniqueness": "none"},
       {"name": "type", "type": "string", "multiValued": false,
        "description": "A label indicating the attribute's function.",
        "required": false, "caseExact": false, "canonicalValues": [],
        "mutability": "readWrite", "returned": "default", "uniqueness": "none"},
       {"name": "primary", "type": "boolean", "multiValued": false,
        "description": "A Boolean value indicating the 'primary' or preferred attribute value for this attribute.  The primary attribute value 'true' MUST appear no more than once.",
        "required": false, "mutability": "readWrite", "returned": "default"}
     ],
     "mutability": "readWrite", "returned": "default"},
    {"name": "x509Certificates", "type": "complex", "multiValued": true,
     "description": "A list of certificates issued to the User.",
     "required": false, "caseExact": false,
     "subAttributes": [
       {"name": "value", "type": "binary", "multiValued": false,
        "description": "The value of an X.509 certificate.",
        "required": false, "caseExact": false, "mutability": "readWrite", "returned": "default",
        "uniqueness": "none"},
       {"name": "display", "type": "string", "multiValued": false,
        "description": "A human-readable name, primarily used for display purposes.  READ-ONLY.",
        "required": false, "caseExact": false, "mutability": "readWrite", "returned": "default",
        "uniqueness": "none"},
       {"name": "type", "type": "string", "multiValued": false,
        "description": "A label indicating the attribute's function.",
        "required": false, "caseExact": false, "canonicalValues": [],
        "mutability": "readWrite", "returned": "default", "uniqueness": "none"},
       {"name": "primary", "type": "boolean", "multiValued": false,
        "description": "A Boolean value indicating the 'primary' or preferred attribute value for this attribute.  The primary attribute value 'true' MUST appear no more than once.",
        "required": false, "mutability": "readWrite", "returned": "default"}
     ],
     "mutability": "readWrite", "returned": "default"}
  ]
},
{
  "id": "urn:ietf:params:scim:schemas:core:2.0:Group",
  "name": "Group",
  "description": "Group",
  "attributes": [
    {"name": "displayName", "type": "string", "multiValued": false,
     "description": "A human-readable name for the Group. REQUIRED.",
     "required": true, "caseExact": false, "mutability": "readWrite", "returned": "default",
     "uniqueness": "none"},
    {"name": "members", "type": "complex", "multiValued": true,
     "description": "A list of members of the Group.",
     "required": false,
     "subAttributes": [
       {"name": "value", "type": "string", "multiValued": false,
        "description": "Identifier of the member of this Group.",
        "required": false, "caseExact": false, "mutability": "immutable", "returned": "default",
        "uniqueness": "none"},
       {"name": "$ref", "type": "reference", "referenceTypes": ["User", "Group"], "multiValued": false,
        "description": "The URI corresponding to a SCIM resource that is a member of this Group.",
        "required": false, "caseExact": false, "mutability": "immutable", "returned": "default",
        "uniqueness": "none"},
       {"name": "display", "type": "string", "multiValued": false,
        "description": "A human-readable name of the member, primarily used for display purposes.",
        "required": false, "caseExact": false, "mutability": "immutable", "returned": "default",
        "uniqueness": "none"},
       {"name": "type", "type": "string", "multiValued": false,
        "description": "A label indicating the type of resource, e.g., 'User' or 'Group'.",
        "required": false, "caseExact": false, "canonicalValues": ["User", "Group"],
        "mutability": "immutable", "returned": "default", "uniqueness": "none"}
     ],
     "mutability": "readWrite", "returned": "default"}
  ]
},
{
  "id": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
  "name": "EnterpriseUser",
  "description": "Enterprise User",
  "attributes": [
    {"name": "employeeNumber", "type": "string", "multiValued": false,
     "description": "Numeric or alphanumeric identifier assigned to a person, typically based on order of hire or association with an organization.",
     "required": false, "caseExact": false, "mutability": "readWrite", "returned": "default",
     "uniqueness": "none"},
    {"name": "costCenter", "type": "string", "multiValued": false,
     "description": "Identifies the name of a cost center.",
     "required": false, "caseExact": false, "mutability": "readWrite", "returned": "default",
     "uniqueness": "none"},
    {"name": "organization", "type": "string", "multiValued": false,
     "description": "Identifies the name of an organization.",
     "required": false, "caseExact": false, "mutability": "readWrite", "returned": "default",
     "uniqueness": "none"},
    {"name": "division", "type": "string", "multiValued": false,
     "description": "Identifies the name of a division.",
     "required": false, "caseExact": false, "mutability": "readWrite", "returned": "default",
     "uniqueness": "none"},
    {"name": "department", "type": "string", "multiValued": false,
     "description": "Identifies the name of a department.",
     "required": false, "caseExact": false, "mutability": "readWrite", "returned": "default",
     "uniqueness": "none"},
    {"name": "manager", "type": "complex", "multiValued": false,
     "description": "The User's manager.  A complex type that optionally allows service providers to represent organizational hierarchy by referencing the 'id' attribute of another User.",
     "required": false,
     "subAttributes": [
       {"name": "value", "type": "string", "multiValued": false,
        "description": "The id of the SCIM resource representing the User's manager.  REQUIRED.",
        "required": false, "caseExact": false, "mutability": "readWrite", "returned": "default",
        "uniqueness": "none"},
       {"name": "$ref", "type": "reference", "referenceTypes": ["User"], "multiValued": false,
        "description": "The URI of the SCIM resource representing the User's manager.  REQUIRED.",
        "required": false, "caseExact": false, "mutability": "readWrite", "returned": "default",
        "uniqueness": "none"},
       {"name": "displayName", "type": "string", "multiValued": false,
        "description": "The displayName of the User's manager. OPTIONAL and READ-ONLY.",
        "required": false, "caseExact": false, "mutability": "readOnly", "returned": "default",
        "uniqueness": "none"}
     ],
     "mutability": "readWrite", "returned": "default"}
  ]
}
]
}
)json";

// What jansson answers NULL for, once the source has parsed, is memory.
json_t *made(json_t *j) {
    if (!j)
        throw std::bad_alloc();
    return j;
}

bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size())
        return false;
    for (size_t i = 0; i < a.size(); ++i) {
        unsigned char x = a[i], y = b[i];
        if (x >= 'A' && x <= 'Z')
            x += 'a' - 'A';
        if (y >= 'A' && y <= 'Z')
            y += 'a' - 'A';
        if (x != y)
            return false;
    }
    return true;
}

// One attribute of the source, as Describe answers for it.
struct Attr {
    AttrInfo info;
    std::vector<Attr> subs;
};

struct Schema {
    const json_t *json = nullptr; // the schema's object in the source
    std::string urn;
    std::vector<Attr> attrs;
};

const Attr *find(const std::vector<Attr> &attrs, std::string_view name) {
    for (const Attr &a : attrs)
        if (iequals(a.info.name, name))
            return &a;
    return nullptr;
}

// The source is part of the program: a mistake in it is a programming error,
// which the unit tests meet first.
[[noreturn]] void bad_source(const std::string &what) {
    throw std::logic_error("scim_schema.c++ source: " + what);
}

std::string string_of(const json_t *o, const char *key, const std::string &where) {
    const json_t *v = json_object_get(o, key);
    if (!json_is_string(v))
        bad_source(where + " has no string \"" + key + "\"");
    return {json_string_value(v), json_string_length(v)};
}

bool flag_of(const json_t *o, const char *key, const std::string &where) {
    const json_t *v = json_object_get(o, key);
    if (!v)
        return false;
    if (!json_is_boolean(v))
        bad_source(where + ": \"" + key + "\" is not a boolean");
    return json_is_true(v);
}

Type type_of(const std::string &s, const std::string &where) {
    static const std::pair<const char *, Type> types[] = {
        {"string", Type::String},   {"boolean", Type::Boolean},   {"decimal", Type::Decimal},
        {"integer", Type::Integer}, {"dateTime", Type::DateTime}, {"reference", Type::Reference},
        {"binary", Type::Binary},   {"complex", Type::Complex},
    };
    for (const auto &[name, type] : types)
        if (s == name)
            return type;
    bad_source(where + ": type \"" + s + "\"");
}

Mutability mutability_of(const std::string &s, const std::string &where) {
    static const std::pair<const char *, Mutability> kinds[] = {
        {"readOnly", Mutability::ReadOnly},
        {"readWrite", Mutability::ReadWrite},
        {"immutable", Mutability::Immutable},
        {"writeOnly", Mutability::WriteOnly},
    };
    for (const auto &[name, kind] : kinds)
        if (s == name)
            return kind;
    bad_source(where + ": mutability \"" + s + "\"");
}

std::vector<Attr> attrs_of(const json_t *list, const std::string &where, int depth);

Attr attr_of(const json_t *o, const std::string &parent, int depth) {
    Attr a;
    a.info.known = true;
    a.info.name = string_of(o, "name", parent + " attribute");
    const std::string where = parent + "." + a.info.name;
    a.info.type = type_of(string_of(o, "type", where), where);
    a.info.multi_valued = flag_of(o, "multiValued", where);
    a.info.case_exact = flag_of(o, "caseExact", where);
    a.info.mutability = mutability_of(string_of(o, "mutability", where), where);
    string_of(o, "returned", where);
    const json_t *subs = json_object_get(o, "subAttributes");
    if ((a.info.type == Type::Complex) != (subs != nullptr))
        bad_source(where + ": subAttributes belong to a complex attribute, and only there");
    if (subs) {
        if (depth > 0)
            bad_source(where + ": a complex sub-attribute (RFC 7643 section 2.3.8)");
        a.subs = attrs_of(subs, where, depth + 1);
    }
    return a;
}

std::vector<Attr> attrs_of(const json_t *list, const std::string &where, int depth) {
    if (!json_is_array(list))
        bad_source(where + " has no list of attributes");
    std::vector<Attr> attrs;
    size_t i;
    const json_t *o;
    json_array_foreach(list, i, o) {
        attrs.push_back(attr_of(o, where, depth));
        for (size_t k = 0; k + 1 < attrs.size(); ++k)
            if (iequals(attrs[k].info.name, attrs.back().info.name))
                bad_source(where + "." + attrs.back().info.name + " twice");
    }
    return attrs;
}

struct Source {
    Json root;
    std::vector<Attr> common;
    Schema user, group, enterprise;

    Source() {
        json_error_t error;
        root.reset(json_loadb(source, sizeof source - 1, 0, &error));
        if (!root)
            bad_source("line " + std::to_string(error.line) + ": " + error.text);
        common = attrs_of(json_object_get(root.get(), "common"), "common", 0);
        const json_t *schemas = json_object_get(root.get(), "schemas");
        user = schema(schemas, core_user_urn);
        group = schema(schemas, core_group_urn);
        enterprise = schema(schemas, enterprise_user_urn);
        if (json_array_size(schemas) != 3)
            bad_source("schemas other than User, Group and the enterprise User");
    }

    static Schema schema(const json_t *schemas, const char *urn) {
        size_t i;
        const json_t *o;
        json_array_foreach(schemas, i, o) {
            if (string_of(o, "id", "a schema") != urn)
                continue;
            string_of(o, "name", urn);
            string_of(o, "description", urn);
            Schema s;
            s.json = o;
            s.urn = urn;
            s.attrs = attrs_of(json_object_get(o, "attributes"), s.urn, 0);
            return s;
        }
        bad_source(std::string("no schema ") + urn);
    }
};

const Source &source_data() {
    static const Source s;
    return s;
}

class ResourceDescribe final : public Describe {
  public:
    ResourceDescribe(const Schema &core, std::vector<const Schema *> extensions,
                     const std::vector<Attr> &common)
        : core_(core), extensions_(std::move(extensions)), common_(common) {}

    AttrInfo describe(std::string_view urn, std::string_view attr,
                      std::string_view sub) const override {
        const Attr *a = nullptr;
        if (urn.empty() || iequals(urn, core_.urn)) {
            a = find(core_.attrs, attr);
            if (!a)
                a = find(common_, attr);
        } else if (const Schema *ext = extension(urn)) {
            a = find(ext->attrs, attr);
        }
        if (!a)
            return {};
        if (sub.empty())
            return a->info;
        const Attr *s = find(a->subs, sub);
        return s ? s->info : AttrInfo{};
    }

    bool is_extension(std::string_view urn) const override { return extension(urn) != nullptr; }
    std::string_view core_urn() const override { return core_.urn; }

  private:
    const Schema *extension(std::string_view urn) const {
        for (const Schema *s : extensions_)
            if (iequals(urn, s->urn))
                return s;
        return nullptr;
    }

    const Schema &core_;
    std::vector<const Schema *> extensions_;
    const std::vector<Attr> &common_;
};

std::string with_slash(std::string_view base) {
    std::string s(base);
    if (s.empty() || s.back() != '/')
        s += '/';
    return s;
}

json_t *urn_list(const char *urn) {
    Json a(made(json_array()));
    json_array_append_new(a.get(), made(json_string(urn)));
    return a.release();
}

json_t *meta(const char *resource_type, const std::string &location) {
    Json m(made(json_object()));
    json_object_set_new(m.get(), "resourceType", made(json_string(resource_type)));
    json_object_set_new(m.get(), "location", made(json_str(location)));
    return m.release();
}

// RFC 7644 section 3.4.2: every resource in one page.
json_t *list_response(Json resources) {
    const json_int_t n = json_int_t(json_array_size(resources.get()));
    Json list(made(json_object()));
    json_object_set_new(list.get(), "schemas", urn_list(list_response_urn));
    json_object_set_new(list.get(), "totalResults", made(json_integer(n)));
    json_object_set_new(list.get(), "itemsPerPage", made(json_integer(n)));
    json_object_set_new(list.get(), "startIndex", made(json_integer(1)));
    json_object_set_new(list.get(), "Resources", resources.release());
    return list.release();
}

// RFC 7643 section 7: the schema's own keys between `schemas` and `meta`.
json_t *schema_body(const std::string &base, const Schema &s) {
    Json o(made(json_object()));
    json_object_set_new(o.get(), "schemas", urn_list(schema_urn));
    const char *key;
    json_t *v;
    json_object_foreach(const_cast<json_t *>(s.json), key, v)
        json_object_set_new(o.get(), key, made(json_deep_copy(v)));
    json_object_set_new(o.get(), "meta", meta("Schema", base + "Schemas/" + s.urn));
    return o.release();
}

// The Schemas endpoint's order, section 8.7.1's.
std::vector<const Schema *> served_schemas() {
    const Source &s = source_data();
    return {&s.user, &s.group, &s.enterprise};
}

// RFC 7643 section 6.
struct ResourceType {
    const char *name, *endpoint, *description, *schema;
    std::vector<const char *> extensions; // none required
};

const ResourceType resource_types[] = {
    {"User", "/Users", "User Account", core_user_urn, {enterprise_user_urn}},
    {"Group", "/Groups", "Group", core_group_urn, {}},
};

json_t *resource_type_body(const std::string &base, const ResourceType &t) {
    Json o(made(json_object()));
    json_object_set_new(o.get(), "schemas", urn_list(resource_type_urn));
    json_object_set_new(o.get(), "id", made(json_string(t.name)));
    json_object_set_new(o.get(), "name", made(json_string(t.name)));
    json_object_set_new(o.get(), "endpoint", made(json_string(t.endpoint)));
    json_object_set_new(o.get(), "description", made(json_string(t.description)));
    json_object_set_new(o.get(), "schema", made(json_string(t.schema)));
    if (!t.extensions.empty()) {
        json_t *list = made(json_array());
        json_object_set_new(o.get(), "schemaExtensions", list);
        for (const char *urn : t.extensions) {
            json_t *e = made(json_object());
            json_array_append_new(list, e);
            json_object_set_new(e, "schema", made(json_string(urn)));
            json_object_set_new(e, "required", json_false());
        }
    }
    json_object_set_new(o.get(), "meta", meta("ResourceType", base + "ResourceTypes/" + t.name));
    return o.release();
}

json_t *supported(bool yes) {
    json_t *o = made(json_object());
    json_object_set_new(o, "supported", json_boolean(yes));
    return o;
}

} // namespace

const Describe &user_schema() {
    static const ResourceDescribe d(source_data().user, {&source_data().enterprise},
                                    source_data().common);
    return d;
}

const Describe &group_schema() {
    static const ResourceDescribe d(source_data().group, {}, source_data().common);
    return d;
}

json_t *service_provider_config(std::string_view base, size_t max_results) {
    Json o(made(json_object()));
    json_object_set_new(o.get(), "schemas", urn_list(service_provider_config_urn));
    json_object_set_new(o.get(), "patch", supported(true));
    json_t *bulk = supported(false);
    json_object_set_new(o.get(), "bulk", bulk);
    json_object_set_new(bulk, "maxOperations", made(json_integer(0)));
    json_object_set_new(bulk, "maxPayloadSize", made(json_integer(0)));
    json_t *filter = supported(true);
    json_object_set_new(o.get(), "filter", filter);
    json_object_set_new(filter, "maxResults", made(json_integer(json_int_t(max_results))));
    json_object_set_new(o.get(), "changePassword", supported(false));
    json_object_set_new(o.get(), "sort", supported(true));
    json_object_set_new(o.get(), "etag", supported(true));
    json_t *schemes = made(json_array());
    json_object_set_new(o.get(), "authenticationSchemes", schemes);
    json_t *bearer = made(json_object());
    json_array_append_new(schemes, bearer);
    json_object_set_new(bearer, "type", made(json_string("oauthbearertoken")));
    json_object_set_new(bearer, "name", made(json_string("OAuth Bearer Token")));
    json_object_set_new(
        bearer, "description",
        made(json_string("Authentication scheme using the OAuth Bearer Token Standard: the token "
                         "in the Authorization header is checked by the nginx configuration of "
                         "the SCIM location before a request reaches the service (see the "
                         "README's SCIM section).")));
    json_object_set_new(bearer, "specUri",
                        made(json_string("https://www.rfc-editor.org/info/rfc6750")));
    json_object_set_new(bearer, "primary", json_true());
    json_object_set_new(o.get(), "meta",
                        meta("ServiceProviderConfig", with_slash(base) + "ServiceProviderConfig"));
    return o.release();
}

json_t *schemas_list(std::string_view base) {
    const std::string b = with_slash(base);
    Json list(made(json_array()));
    for (const Schema *s : served_schemas())
        json_array_append_new(list.get(), schema_body(b, *s));
    return list_response(std::move(list));
}

json_t *schema_by_uri(std::string_view base, std::string_view uri) {
    for (const Schema *s : served_schemas())
        if (iequals(uri, s->urn))
            return schema_body(with_slash(base), *s);
    return nullptr;
}

json_t *resource_types_list(std::string_view base) {
    const std::string b = with_slash(base);
    Json list(made(json_array()));
    for (const ResourceType &t : resource_types)
        json_array_append_new(list.get(), resource_type_body(b, t));
    return list_response(std::move(list));
}

json_t *resource_type_by_name(std::string_view base, std::string_view name) {
    for (const ResourceType &t : resource_types)
        if (iequals(name, t.name))
            return resource_type_body(with_slash(base), t);
    return nullptr;
}

} // namespace mtt::scim
