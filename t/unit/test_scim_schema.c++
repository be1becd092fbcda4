// SCIM schemas (scim_schema.h++): what Describe answers for the User and the
// Group, the discovery bodies, and that the Schemas bodies and Describe say
// the same of every attribute.
#include "json.h++"
#include "scim_schema.h++"
#include "unit.h++"

#include <string>

using namespace mtt;
using namespace mtt::scim;

namespace {

const char base[] = "https://tt.example.edu/scim/v2/";

std::string upper(std::string s) {
    for (char &c : s)
        if (c >= 'a' && c <= 'z')
            c = static_cast<char>(c - 'a' + 'A');
    return s;
}

std::string lower(std::string s) {
    for (char &c : s)
        if (c >= 'A' && c <= 'Z')
            c = static_cast<char>(c - 'A' + 'a');
    return s;
}

// Asserts what `d` says of urn:attr.sub.
void expect(const Describe &d, std::string_view urn, std::string_view attr, std::string_view sub,
            const char *name, Type type, bool multi, bool case_exact, Mutability mutability) {
    AttrInfo a = d.describe(urn, attr, sub);
    std::string what = std::string(urn) + ":" + std::string(attr) + "." + std::string(sub);
    ck_assert_msg(a.known, "unknown: %s", what.c_str());
    ck_assert_string_eq(a.name, name);
    ck_assert_msg(a.type == type, "type of %s", what.c_str());
    ck_assert_msg(a.multi_valued == multi, "multiValued of %s", what.c_str());
    ck_assert_msg(a.case_exact == case_exact, "caseExact of %s", what.c_str());
    ck_assert_msg(a.mutability == mutability, "mutability of %s", what.c_str());
}

void unknown(const Describe &d, std::string_view urn, std::string_view attr, std::string_view sub) {
    AttrInfo a = d.describe(urn, attr, sub);
    std::string what = std::string(urn) + ":" + std::string(attr) + "." + std::string(sub);
    ck_assert_msg(!a.known, "known: %s", what.c_str());
    ck_assert_string_eq(a.name, "");
}

std::string str(const json_t *o, const char *key) {
    const json_t *v = json_object_get(o, key);
    ck_assert_msg(json_is_string(v), "no string %s", key);
    return json_string_value(v);
}

// Every discovery body names its schema and has meta.resourceType and
// meta.location.
void expect_resource(const json_t *o, const char *schema, const char *resource_type,
                     const std::string &location) {
    ck_assert_string_eq(dump(json_object_get(o, "schemas")), "[\"" + std::string(schema) + "\"]");
    const json_t *meta = json_object_get(o, "meta");
    ck_assert_string_eq(str(meta, "resourceType"), resource_type);
    ck_assert_string_eq(str(meta, "location"), location);
}

const Type types[] = {Type::String,   Type::Boolean,   Type::Decimal, Type::Integer,
                      Type::DateTime, Type::Reference, Type::Binary,  Type::Complex};
const char *const type_names[] = {"string",   "boolean",   "decimal", "integer",
                                  "dateTime", "reference", "binary",  "complex"};
const Mutability mutabilities[] = {Mutability::ReadOnly, Mutability::ReadWrite,
                                   Mutability::Immutable, Mutability::WriteOnly};
const char *const mutability_names[] = {"readOnly", "readWrite", "immutable", "writeOnly"};

// What the Schemas body says of one attribute against what `d` answers,
// under the name as written, upper-cased and lower-cased, and with the core
// URN written out for a core attribute.
void agree(const Describe &d, std::string_view urn, const char *core_urn, const json_t *attr,
           const json_t *parent) {
    std::string name = str(attr, "name");
    std::string top = parent ? str(parent, "name") : name;
    std::string sub = parent ? name : "";
    AttrInfo a = d.describe(urn, top, sub);
    ck_assert_msg(a.known, "Describe lacks %s.%s", top.c_str(), sub.c_str());
    ck_assert_string_eq(a.name, name);
    size_t t = 0;
    while (types[t] != a.type)
        t++;
    ck_assert_string_eq(type_names[t], str(attr, "type"));
    size_t m = 0;
    while (mutabilities[m] != a.mutability)
        m++;
    ck_assert_string_eq(mutability_names[m], str(attr, "mutability"));
    ck_assert(json_is_boolean(json_object_get(attr, "multiValued")));
    ck_assert(a.multi_valued == json_is_true(json_object_get(attr, "multiValued")));
    ck_assert(a.case_exact == json_is_true(json_object_get(attr, "caseExact")));
    // (a complex attribute has sub-attributes, and only it)
    ck_assert((a.type == Type::Complex) == (json_object_get(attr, "subAttributes") != nullptr));
    for (const std::string &spelling : {upper(top), lower(top)}) {
        AttrInfo b = parent ? d.describe(upper(std::string(urn)), spelling, upper(sub))
                            : d.describe(lower(std::string(urn)), spelling, "");
        ck_assert_string_eq(b.name, a.name);
        ck_assert(b.type == a.type && b.mutability == a.mutability);
    }
    if (urn.empty()) {
        AttrInfo c = d.describe(core_urn, top, sub);
        ck_assert_string_eq(c.name, a.name);
        ck_assert(c.type == a.type && c.case_exact == a.case_exact);
    }
}

} // namespace

START_TEST(core_attributes) {
    const Describe &u = user_schema();
    expect(u, "", "userName", "", "userName", Type::String, false, false, Mutability::ReadWrite);
    expect(u, "", "USERNAME", "", "userName", Type::String, false, false, Mutability::ReadWrite);
    expect(u, "", "username", "", "userName", Type::String, false, false, Mutability::ReadWrite);
    expect(u, "", "displayName", "", "displayName", Type::String, false, false,
           Mutability::ReadWrite);
    expect(u, "", "active", "", "active", Type::Boolean, false, false, Mutability::ReadWrite);
    expect(u, "", "password", "", "password", Type::String, false, false, Mutability::WriteOnly);
    expect(u, "", "profileUrl", "", "profileUrl", Type::Reference, false, false,
           Mutability::ReadWrite);
    expect(u, "", "name", "", "name", Type::Complex, false, false, Mutability::ReadWrite);
    expect(u, "", "emails", "", "emails", Type::Complex, true, false, Mutability::ReadWrite);
    expect(u, "", "Groups", "", "groups", Type::Complex, true, false, Mutability::ReadOnly);
    expect(u, "", "x509certificates", "", "x509Certificates", Type::Complex, true, false,
           Mutability::ReadWrite);
    // the core URN written out is the core schema
    expect(u, core_user_urn, "userName", "", "userName", Type::String, false, false,
           Mutability::ReadWrite);
    expect(u, upper(core_user_urn), "locale", "", "locale", Type::String, false, false,
           Mutability::ReadWrite);

    const Describe &g = group_schema();
    expect(g, "", "displayName", "", "displayName", Type::String, false, false,
           Mutability::ReadWrite);
    expect(g, "", "MEMBERS", "", "members", Type::Complex, true, false, Mutability::ReadWrite);
    expect(g, core_group_urn, "members", "", "members", Type::Complex, true, false,
           Mutability::ReadWrite);
    // one resource's attributes are not the other's
    unknown(g, "", "userName", "");
    unknown(g, "", "emails", "");
    unknown(u, "", "members", "");
    unknown(u, core_group_urn, "displayName", "");
    unknown(g, core_user_urn, "displayName", "");
}
END_TEST

START_TEST(common_attributes) {
    for (const Describe *d : {&user_schema(), &group_schema()}) {
        expect(*d, "", "id", "", "id", Type::String, false, true, Mutability::ReadOnly);
        expect(*d, "", "ID", "", "id", Type::String, false, true, Mutability::ReadOnly);
        expect(*d, "", "externalId", "", "externalId", Type::String, false, true,
               Mutability::ReadWrite);
        expect(*d, "", "externalid", "", "externalId", Type::String, false, true,
               Mutability::ReadWrite);
        expect(*d, "", "meta", "", "meta", Type::Complex, false, false, Mutability::ReadOnly);
        expect(*d, "", "meta", "lastModified", "lastModified", Type::DateTime, false, false,
               Mutability::ReadOnly);
        expect(*d, "", "Meta", "CREATED", "created", Type::DateTime, false, false,
               Mutability::ReadOnly);
        expect(*d, "", "meta", "location", "location", Type::Reference, false, true,
               Mutability::ReadOnly);
        expect(*d, "", "meta", "version", "version", Type::String, false, true,
               Mutability::ReadOnly);
        expect(*d, "", "meta", "resourceType", "resourceType", Type::String, false, true,
               Mutability::ReadOnly);
        unknown(*d, "", "meta", "modified");
        unknown(*d, "", "id", "value");
        // the common attributes belong to no extension
        unknown(*d, enterprise_user_urn, "id", "");
    }
}
END_TEST

START_TEST(sub_attributes) {
    const Describe &u = user_schema();
    expect(u, "", "name", "givenName", "givenName", Type::String, false, false,
           Mutability::ReadWrite);
    expect(u, "", "NAME", "GIVENNAME", "givenName", Type::String, false, false,
           Mutability::ReadWrite);
    expect(u, "", "name", "familyname", "familyName", Type::String, false, false,
           Mutability::ReadWrite);
    expect(u, "", "name", "honorificSuffix", "honorificSuffix", Type::String, false, false,
           Mutability::ReadWrite);
    // a sub-attribute's own multiValued is false; its parent's says the list
    expect(u, "", "emails", "value", "value", Type::String, false, false, Mutability::ReadWrite);
    expect(u, "", "emails", "type", "type", Type::String, false, false, Mutability::ReadWrite);
    expect(u, "", "emails", "Primary", "primary", Type::Boolean, false, false,
           Mutability::ReadWrite);
    expect(u, "", "phoneNumbers", "type", "type", Type::String, false, false,
           Mutability::ReadWrite);
    expect(u, "", "addresses", "streetAddress", "streetAddress", Type::String, false, false,
           Mutability::ReadWrite);
    expect(u, "", "addresses", "primary", "primary", Type::Boolean, false, false,
           Mutability::ReadWrite);
    expect(u, "", "photos", "value", "value", Type::Reference, false, false, Mutability::ReadWrite);
    expect(u, "", "x509Certificates", "value", "value", Type::Binary, false, false,
           Mutability::ReadWrite);
    expect(u, "", "roles", "value", "value", Type::String, false, false, Mutability::ReadWrite);
    expect(u, "", "groups", "value", "value", Type::String, false, false, Mutability::ReadOnly);
    expect(u, "", "groups", "$ref", "$ref", Type::Reference, false, false, Mutability::ReadOnly);
    expect(u, "", "groups", "$REF", "$ref", Type::Reference, false, false, Mutability::ReadOnly);
    expect(u, "", "groups", "display", "display", Type::String, false, false, Mutability::ReadOnly);

    const Describe &g = group_schema();
    expect(g, "", "members", "value", "value", Type::String, false, false, Mutability::Immutable);
    expect(g, "", "members", "$ref", "$ref", Type::Reference, false, false, Mutability::Immutable);
    expect(g, "", "members", "display", "display", Type::String, false, false,
           Mutability::Immutable);
    expect(g, "", "Members", "TYPE", "type", Type::String, false, false, Mutability::Immutable);

    // no such sub-attribute, and none under a simple attribute
    unknown(u, "", "name", "nickName");
    unknown(u, "", "name", "given");
    unknown(u, "", "emails", "$ref");
    unknown(u, "", "emails", "emails");
    unknown(u, "", "userName", "value");
    unknown(u, "", "active", "primary");
    unknown(u, "", "addresses", "value");
    unknown(g, "", "displayName", "value");
    unknown(g, "", "members", "primary");
}
END_TEST

START_TEST(extension_attributes) {
    const Describe &u = user_schema();
    const std::string ext = enterprise_user_urn;
    expect(u, ext, "employeeNumber", "", "employeeNumber", Type::String, false, false,
           Mutability::ReadWrite);
    expect(u, upper(ext), "EMPLOYEENUMBER", "", "employeeNumber", Type::String, false, false,
           Mutability::ReadWrite);
    expect(u, lower(ext), "costcenter", "", "costCenter", Type::String, false, false,
           Mutability::ReadWrite);
    expect(u, ext, "organization", "", "organization", Type::String, false, false,
           Mutability::ReadWrite);
    expect(u, ext, "division", "", "division", Type::String, false, false, Mutability::ReadWrite);
    expect(u, ext, "department", "", "department", Type::String, false, false,
           Mutability::ReadWrite);
    expect(u, ext, "manager", "", "manager", Type::Complex, false, false, Mutability::ReadWrite);
    expect(u, ext, "manager", "value", "value", Type::String, false, false, Mutability::ReadWrite);
    expect(u, ext, "Manager", "$Ref", "$ref", Type::Reference, false, false, Mutability::ReadWrite);
    expect(u, ext, "manager", "displayName", "displayName", Type::String, false, false,
           Mutability::ReadOnly);
    ck_assert(u.is_extension(enterprise_user_urn));
    ck_assert(u.is_extension(upper(ext)));
    ck_assert(u.is_extension(lower(ext)));

    // an extension's attributes are only under its URN, and the core's not there
    unknown(u, "", "employeeNumber", "");
    unknown(u, core_user_urn, "department", "");
    unknown(u, ext, "userName", "");
    unknown(u, ext, "manager", "id");
    unknown(u, ext, "department", "value");
    // nor under an unknown URN, nor one that is nearly it
    unknown(u, "urn:ietf:params:scim:schemas:extension:enterprise:2.0:Group", "department", "");
    unknown(u, ext + ":", "department", "");
    unknown(u, ext.substr(0, ext.size() - 1), "department", "");
    unknown(u, "urn:example:custom", "userName", "");
    ck_assert(!u.is_extension(core_user_urn));
    ck_assert(!u.is_extension(""));
    ck_assert(!u.is_extension("urn:ietf:params:scim:schemas:extension:enterprise:2.0"));
    ck_assert(!u.is_extension(ext + " "));

    // a Group has no extension
    const Describe &g = group_schema();
    ck_assert(!g.is_extension(enterprise_user_urn));
    unknown(g, ext, "employeeNumber", "");
    unknown(g, ext, "manager", "value");
}
END_TEST

START_TEST(unknown_names) {
    for (const Describe *d : {&user_schema(), &group_schema()}) {
        unknown(*d, "", "", "");
        unknown(*d, "", "", "value");
        unknown(*d, "", "nosuch", "");
        unknown(*d, "", "nosuch", "value");
        unknown(*d, "", "schemas", "");
        unknown(*d, "", "userNam", "");
        unknown(*d, "", "userName ", "");
        unknown(*d, "", " id", "");
        unknown(*d, "", "meta.lastModified", "");
        unknown(*d, "", "name.givenName", "");
        unknown(*d, "",
                "user\xC3\x91"
                "ame",
                "");
        unknown(*d, "", std::string("id\0", 3), "");
        unknown(*d, "", "displayName", "displayName");
    }
}
END_TEST

START_TEST(service_provider_config_body) {
    Json c(service_provider_config(base, 200));
    ck_assert_string_eq(
        dump(c.get()),
        "{\"schemas\":[\"urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig\"],"
        "\"patch\":{\"supported\":true},"
        "\"bulk\":{\"supported\":false,\"maxOperations\":0,\"maxPayloadSize\":0},"
        "\"filter\":{\"supported\":true,\"maxResults\":200},"
        "\"changePassword\":{\"supported\":false},"
        "\"sort\":{\"supported\":true},"
        "\"etag\":{\"supported\":true},"
        "\"authenticationSchemes\":[{\"type\":\"oauthbearertoken\",\"name\":\"OAuth Bearer "
        "Token\",\"description\":\"Authentication scheme using the OAuth Bearer Token Standard: "
        "the token in the Authorization header is checked by the nginx configuration of the "
        "SCIM location before a request reaches the service (see the README's SCIM "
        "section).\",\"specUri\":\"https://www.rfc-editor.org/info/rfc6750\",\"primary\":true}],"
        "\"meta\":{\"resourceType\":\"ServiceProviderConfig\","
        "\"location\":\"https://tt.example.edu/scim/v2/ServiceProviderConfig\"}}");
    // maxResults is the argument; a base without its final '/' gets one
    Json d(service_provider_config("http://h:8080/scim", 1));
    ck_assert_int_eq(
        json_integer_value(json_object_get(json_object_get(d.get(), "filter"), "maxResults")), 1);
    ck_assert_string_eq(str(json_object_get(d.get(), "meta"), "location"),
                        "http://h:8080/scim/ServiceProviderConfig");
}
END_TEST

START_TEST(resource_types_bodies) {
    Json list(resource_types_list(base));
    ck_assert_string_eq(
        dump(list.get()),
        "{\"schemas\":[\"urn:ietf:params:scim:api:messages:2.0:ListResponse\"],"
        "\"totalResults\":2,\"itemsPerPage\":2,\"startIndex\":1,\"Resources\":["
        "{\"schemas\":[\"urn:ietf:params:scim:schemas:core:2.0:ResourceType\"],"
        "\"id\":\"User\",\"name\":\"User\",\"endpoint\":\"/Users\",\"description\":\"User "
        "Account\",\"schema\":\"urn:ietf:params:scim:schemas:core:2.0:User\","
        "\"schemaExtensions\":[{\"schema\":"
        "\"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User\",\"required\":false}],"
        "\"meta\":{\"resourceType\":\"ResourceType\","
        "\"location\":\"https://tt.example.edu/scim/v2/ResourceTypes/User\"}},"
        "{\"schemas\":[\"urn:ietf:params:scim:schemas:core:2.0:ResourceType\"],"
        "\"id\":\"Group\",\"name\":\"Group\",\"endpoint\":\"/Groups\",\"description\":\"Group\","
        "\"schema\":\"urn:ietf:params:scim:schemas:core:2.0:Group\","
        "\"meta\":{\"resourceType\":\"ResourceType\","
        "\"location\":\"https://tt.example.edu/scim/v2/ResourceTypes/Group\"}}]}");
    // one by name is the list's item, the name compared without case
    const json_t *resources = json_object_get(list.get(), "Resources");
    for (const char *name : {"User", "user", "USER"}) {
        Json one(resource_type_by_name(base, name));
        ck_assert_ptr_nonnull(one.get());
        ck_assert(json_equal(one.get(), json_array_get(resources, 0)));
    }
    Json group(resource_type_by_name(base, "Group"));
    ck_assert(json_equal(group.get(), json_array_get(resources, 1)));
    for (const char *name : {"", "Users", "Groups", "Schema", "ResourceType", "User ", "Use"})
        ck_assert_ptr_null(resource_type_by_name(base, name));
}
END_TEST

START_TEST(schemas_bodies) {
    Json list(schemas_list(base));
    ck_assert_string_eq(dump(json_object_get(list.get(), "schemas")),
                        "[\"urn:ietf:params:scim:api:messages:2.0:ListResponse\"]");
    ck_assert_int_eq(json_integer_value(json_object_get(list.get(), "totalResults")), 3);
    ck_assert_int_eq(json_integer_value(json_object_get(list.get(), "itemsPerPage")), 3);
    ck_assert_int_eq(json_integer_value(json_object_get(list.get(), "startIndex")), 1);
    const json_t *resources = json_object_get(list.get(), "Resources");
    ck_assert_uint_eq(json_array_size(resources), 3);
    const char *const ids[] = {core_user_urn, core_group_urn, enterprise_user_urn};
    const char *const names[] = {"User", "Group", "EnterpriseUser"};
    const char *const descriptions[] = {"User Account", "Group", "Enterprise User"};
    const size_t counts[] = {21, 2, 6};
    for (size_t i = 0; i < 3; ++i) {
        const json_t *s = json_array_get(resources, i);
        expect_resource(s, schema_urn, "Schema", std::string(base) + "Schemas/" + ids[i]);
        ck_assert_string_eq(str(s, "id"), ids[i]);
        ck_assert_string_eq(str(s, "name"), names[i]);
        ck_assert_string_eq(str(s, "description"), descriptions[i]);
        ck_assert_uint_eq(json_array_size(json_object_get(s, "attributes")), counts[i]);
        // the keys in the order of RFC 7643 section 8.7.1, schemas first
        std::string keys;
        const char *key;
        json_t *v;
        json_object_foreach(const_cast<json_t *>(s), key, v) keys += std::string(key) + " ";
        ck_assert_string_eq(keys, "schemas id name description attributes meta ");
        // one by URN is the list's item, the URN compared without case
        for (const std::string &uri : {std::string(ids[i]), upper(ids[i]), lower(ids[i])}) {
            Json one(schema_by_uri(base, uri));
            ck_assert_ptr_nonnull(one.get());
            ck_assert(json_equal(one.get(), s));
        }
    }
    for (const char *uri : {"", "User", "urn:ietf:params:scim:schemas:core:2.0",
                            "urn:ietf:params:scim:schemas:core:2.0:Schema",
                            "urn:ietf:params:scim:schemas:core:2.0:ResourceType",
                            "urn:ietf:params:scim:schemas:core:2.0:User:",
                            "urn:ietf:params:scim:api:messages:2.0:ListResponse"})
        ck_assert_ptr_null(schema_by_uri(base, uri));

    // spot checks of what the RFC's JSON says
    const json_t *user = json_object_get(json_array_get(resources, 0), "attributes");
    const json_t *user_name = json_array_get(user, 0);
    ck_assert_string_eq(
        dump(user_name),
        "{\"name\":\"userName\",\"type\":\"string\",\"multiValued\":false,\"description\":"
        "\"Unique identifier for the User, typically used by the user to directly authenticate "
        "to the service provider. Each User MUST include a non-empty userName value.  This "
        "identifier MUST be unique across the service provider's entire set of Users. "
        "REQUIRED.\",\"required\":true,\"caseExact\":false,\"mutability\":\"readWrite\","
        "\"returned\":\"default\",\"uniqueness\":\"server\"}");
    const json_t *password = nullptr, *emails = nullptr, *groups = nullptr;
    size_t i;
    const json_t *a;
    json_array_foreach(user, i, a) {
        if (str(a, "name") == "password")
            password = a;
        if (str(a, "name") == "emails")
            emails = a;
        if (str(a, "name") == "groups")
            groups = a;
    }
    ck_assert_string_eq(str(password, "mutability"), "writeOnly");
    ck_assert_string_eq(str(password, "returned"), "never");
    const json_t *email_type = json_array_get(json_object_get(emails, "subAttributes"), 2);
    ck_assert_string_eq(str(email_type, "name"), "type");
    ck_assert_string_eq(dump(json_object_get(email_type, "canonicalValues")),
                        "[\"work\",\"home\",\"other\"]");
    ck_assert_string_eq(str(groups, "mutability"), "readOnly");
    const json_t *group_ref = json_array_get(json_object_get(groups, "subAttributes"), 1);
    ck_assert_string_eq(str(group_ref, "name"), "$ref");
    ck_assert_string_eq(dump(json_object_get(group_ref, "referenceTypes")), "[\"User\",\"Group\"]");
    const json_t *members =
        json_array_get(json_object_get(json_array_get(resources, 1), "attributes"), 1);
    ck_assert_string_eq(str(members, "name"), "members");
    std::string subs;
    json_array_foreach(json_object_get(members, "subAttributes"), i, a) subs +=
        str(a, "name") + " ";
    ck_assert_string_eq(subs, "value $ref display type ");
    const json_t *manager =
        json_array_get(json_object_get(json_array_get(resources, 2), "attributes"), 5);
    ck_assert_string_eq(str(manager, "name"), "manager");
    ck_assert(json_is_false(json_object_get(manager, "multiValued")));

    // each call a new object of its own
    Json again(schemas_list(base));
    ck_assert(json_equal(again.get(), list.get()));
    ck_assert_ptr_ne(json_array_get(json_object_get(again.get(), "Resources"), 0),
                     json_array_get(resources, 0));
    json_array_clear(json_object_get(again.get(), "Resources"));
    Json third(schemas_list("https://other.example/"));
    ck_assert_uint_eq(json_array_size(json_object_get(third.get(), "Resources")), 3);
    ck_assert_string_eq(
        str(json_object_get(json_array_get(json_object_get(third.get(), "Resources"), 2), "meta"),
            "location"),
        "https://other.example/Schemas/" + std::string(enterprise_user_urn));
}
END_TEST

// Describe answers for every attribute and sub-attribute of the Schemas
// bodies what they say, and nothing is in one but not the other: Describe
// knows the served names only (and the common attributes, checked above).
START_TEST(schemas_and_describe_agree) {
    Json list(schemas_list(base));
    const json_t *resources = json_object_get(list.get(), "Resources");
    size_t attrs = 0, subs = 0, i, j, k;
    const json_t *schema, *attr, *sub;
    json_array_foreach(resources, i, schema) {
        std::string id = str(schema, "id");
        const Describe &d = id == core_group_urn ? group_schema() : user_schema();
        std::string urn = id == enterprise_user_urn ? id : "";
        const char *core = id == core_group_urn ? core_group_urn : core_user_urn;
        json_array_foreach(json_object_get(schema, "attributes"), j, attr) {
            agree(d, urn, core, attr, nullptr);
            attrs++;
            json_array_foreach(json_object_get(attr, "subAttributes"), k, sub) {
                agree(d, urn, core, sub, attr);
                subs++;
            }
        }
    }
    ck_assert_uint_eq(attrs, 21 + 2 + 6);
    ck_assert_uint_eq(subs, 6 + 4 * 6 + 8 + 4 + 4 + 3 + 4);
}
END_TEST

int main() {
    Suite *s = suite_create("scim_schema");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, core_attributes);
    tcase_add_test(tc, common_attributes);
    tcase_add_test(tc, sub_attributes);
    tcase_add_test(tc, extension_attributes);
    tcase_add_test(tc, unknown_names);
    tcase_add_test(tc, service_provider_config_body);
    tcase_add_test(tc, resource_types_bodies);
    tcase_add_test(tc, schemas_bodies);
    tcase_add_test(tc, schemas_and_describe_agree);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
