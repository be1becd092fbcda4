// SCIM PATCH (src/scim_patch.h++): every form of RFC 7644 section 3.5.2 and
// what Entra ID and Okta send (their documented requests verbatim), the
// errors with their exact scimType and detail, and all-or-nothing.
#include "json.h++"
#include "scim_patch.h++"
#include "scim_test_schema.h++"
#include "unit.h++"

#include <string>

using namespace mtt;
using namespace mtt::scim;
using scim_test::group_schema;
using scim_test::user_schema;

namespace {

Json parse(const std::string &text) {
    json_error_t e;
    Json j(json_loads(text.c_str(), 0, &e));
    if (!j)
        ck_abort_msg("bad JSON in the test: %s: %s", e.text, text.c_str());
    return j;
}

// `body` applied to `resource`: the patched resource (compact JSON), or
// "<status> <scimType>: <detail>" with the resource checked unchanged.
std::string patch(const std::string &resource, const std::string &body,
                  const Describe &schema = user_schema()) {
    Json res = parse(resource);
    Json before(json_deep_copy(res.get()));
    Json b = parse(body);
    Error err;
    if (apply_patch(res.get(), b.get(), schema, err))
        return dump(res.get());
    ck_assert_msg(json_equal(res.get(), before.get()), "a failed PATCH changed the resource: %s",
                  dump(res.get()).c_str());
    ck_assert_string_eq(dump(res.get()), dump(before.get())); // not even the key order
    return std::to_string(err.status) + " " + err.scim_type + ": " + err.detail;
}

// The same, with the result compared as JSON with `expect` (key order aside).
#define ck_patch(RESOURCE, BODY, EXPECT, ...)                                                      \
    do {                                                                                           \
        std::string got_ = patch(RESOURCE, BODY, ##__VA_ARGS__);                                   \
        Json want_ = parse(EXPECT);                                                                \
        json_error_t e_;                                                                           \
        Json got_json_(json_loads(got_.c_str(), 0, &e_));                                          \
        ck_assert_msg(got_json_ &&json_equal(got_json_.get(), want_.get()), "got %s\nwant %s",     \
                      got_.c_str(), dump(want_.get()).c_str());                                    \
    } while (0)

std::string ops(const std::string &operations) {
    return R"({"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":)" +
           operations + "}";
}

const char *const barbara = R"({
    "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
    "id": "2819c223", "userName": "bjensen", "active": true,
    "name": {"givenName": "Barbara", "familyName": "Jensen"},
    "emails": [{"value": "bjensen@example.com", "type": "work", "primary": true},
               {"value": "babs@jensen.org", "type": "home"}],
    "meta": {"resourceType": "User", "created": "2011-08-01T18:29:49Z"}
})";

const char *const group = R"({
    "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
    "id": "abf4dd94", "displayName": "Tour Guides",
    "members": [{"value": "u1", "display": "one"}, {"value": "u2", "display": "two"}]
})";

} // namespace

// ------------------------------------------------------------------ Entra ID
// learn.microsoft.com: "Known issues and resolutions with SCIM 2.0 protocol
// compliance" (with and without the aadOptscim062020 flag) and "Tutorial:
// Develop and plan provisioning for a SCIM endpoint" (request-4 ... request-14).

START_TEST(entra_disable_user_without_the_flag) {
    ck_patch(R"({"userName": "u", "active": true})", R"({
    "schemas": [
        "urn:ietf:params:scim:api:messages:2.0:PatchOp"
    ],
    "Operations": [
        {
            "op": "Replace",
            "path": "active",
            "value": "False"
        }
    ]
  })",
             R"({"userName": "u", "active": false})");
}
END_TEST

START_TEST(entra_disable_user_with_the_flag) {
    ck_patch(R"({"userName": "u", "active": true})", R"({
    "schemas": [
        "urn:ietf:params:scim:api:messages:2.0:PatchOp"
    ],
    "Operations": [
        {
            "op": "replace",
            "path": "active",
            "value": false
        }
    ]
  })",
             R"({"userName": "u", "active": false})");
    // request-14: "Operations" before "schemas"
    ck_patch(R"({"userName": "u", "active": true})", R"({
    "Operations": [
        {
            "op": "Replace",
            "path": "active",
            "value": false
        }
    ],
    "schemas": [
        "urn:ietf:params:scim:api:messages:2.0:PatchOp"
    ]
})",
             R"({"userName": "u", "active": false})");
}
END_TEST

START_TEST(entra_add_a_single_value_string_attribute) {
    for (const char *op : {"Add", "add"})
        ck_patch(R"({"userName": "u"})", R"({
    "schemas": [
        "urn:ietf:params:scim:api:messages:2.0:PatchOp"
    ],
    "Operations": [
      {
        "op": ")" + std::string(op) + R"(",
        "path": "nickName",
        "value": "Babs"
      }
    ]
  })",
                 R"({"userName": "u", "nickName": "Babs"})");
}
END_TEST

START_TEST(entra_replace_multiple_attributes_without_the_flag) {
    ck_patch(barbara, R"({
    "schemas": [
        "urn:ietf:params:scim:api:messages:2.0:PatchOp"
    ],
    "Operations": [
        {
            "op": "Replace",
            "path": "displayName",
            "value": "Pvlo"
        },
        {
            "op": "Replace",
            "path": "emails[type eq \"work\"].value",
            "value": "TestBcwqnm@test.microsoft.com"
        },
        {
            "op": "Replace",
            "path": "name.givenName",
            "value": "Gtfd"
        },
        {
            "op": "Replace",
            "path": "name.familyName",
            "value": "Pkqf"
        },
        {
            "op": "Replace",
            "path": "externalId",
            "value": "Eqpj"
        },
        {
            "op": "Replace",
            "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber",
            "value": "Eqpj"
        }
    ]
  })",
             R"({
    "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
    "id": "2819c223", "userName": "bjensen", "active": true,
    "name": {"givenName": "Gtfd", "familyName": "Pkqf"},
    "emails": [{"value": "TestBcwqnm@test.microsoft.com", "type": "work", "primary": true},
               {"value": "babs@jensen.org", "type": "home"}],
    "meta": {"resourceType": "User", "created": "2011-08-01T18:29:49Z"},
    "displayName": "Pvlo", "externalId": "Eqpj",
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"employeeNumber": "Eqpj"}
})");
}
END_TEST

START_TEST(entra_replace_multiple_attributes_with_the_flag) {
    ck_patch(R"({"userName": "u", "name": {"givenName": "A", "formatted": "A B"}})", R"({
    "schemas": [
        "urn:ietf:params:scim:api:messages:2.0:PatchOp"
    ],
    "Operations": [
        {
            "op": "replace",
            "path": "emails[type eq \"work\"].value",
            "value": "TestMhvaes@test.microsoft.com"
        },
        {
            "op": "replace",
            "value": {
                "displayName": "Bjfe",
                "name.givenName": "Kkom",
                "name.familyName": "Unua",
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber": "Aklq"
            }
        }
    ]
  })",
             // the user had no emails: the work email is added (see add_by_filter)
             R"({"userName": "u",
    "name": {"givenName": "Kkom", "formatted": "A B", "familyName": "Unua"},
    "emails": [{"type": "work", "value": "TestMhvaes@test.microsoft.com"}],
    "displayName": "Bjfe",
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"employeeNumber": "Aklq"}
})");
}
END_TEST

START_TEST(entra_update_user_multi_and_single_valued_properties) {
    const char *user = R"({
    "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
    "id": "6764549bef60420686bc",
    "externalId": "6c75de36-30fa-4d2d-a196-6bdcdb6b6539",
    "userName": "Test_User_00aa00aa-bb11-cc22-dd33-44ee44ee44ee",
    "name": {"formatted": "givenName familyName", "familyName": "familyName", "givenName": "givenName"},
    "active": true,
    "emails": [{"value": "Test_User_11bb11bb-cc22-dd33-ee44-55ff55ff55ff@testuser.com", "type": "work", "primary": true}]
})";
    // request-4
    ck_patch(user, R"({
    "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
    "Operations": [
            {
            "op": "Replace",
            "path": "emails[type eq \"work\"].value",
            "value": "updatedEmail@microsoft.com"
            },
            {
            "op": "Replace",
            "path": "name.familyName",
            "value": "updatedFamilyName"
            }
    ]
})",
             R"({
    "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
    "id": "6764549bef60420686bc",
    "externalId": "6c75de36-30fa-4d2d-a196-6bdcdb6b6539",
    "userName": "Test_User_00aa00aa-bb11-cc22-dd33-44ee44ee44ee",
    "name": {"formatted": "givenName familyName", "familyName": "updatedFamilyName", "givenName": "givenName"},
    "active": true,
    "emails": [{"value": "updatedEmail@microsoft.com", "type": "work", "primary": true}]
})");
    // request-5
    ck_patch(R"({"userName": "Test_User_00aa00aa-bb11-cc22-dd33-44ee44ee44ee"})", R"({
    "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
    "Operations": [{
        "op": "Replace",
        "path": "userName",
        "value": "5b50642d-79fc-4410-9e90-4c077cdd1a59@testuser.com"
    }]
})",
             R"({"userName": "5b50642d-79fc-4410-9e90-4c077cdd1a59@testuser.com"})");
}
END_TEST

START_TEST(entra_group_operations) {
    // request-10
    ck_patch(R"({"id": "fa2ce26709934589afc5", "displayName": "displayName"})", R"({
    "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
    "Operations": [{
        "op": "Replace",
        "path": "displayName",
        "value": "1879db59-3bdf-4490-ad68-ab880a269474updatedDisplayName"
    }]
})",
             R"({"id": "fa2ce26709934589afc5",
                 "displayName": "1879db59-3bdf-4490-ad68-ab880a269474updatedDisplayName"})",
             group_schema());
    // request-11: "$ref": null is no $ref
    ck_patch(R"({"id": "a99962b9f99d4c4fac67", "displayName": "g", "members": []})", R"({
    "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
    "Operations": [{
        "op": "Add",
        "path": "members",
        "value": [{
            "$ref": null,
            "value": "f648f8d5ea4e4cd38e9c"
        }]
    }]
})",
             R"({"id": "a99962b9f99d4c4fac67", "displayName": "g",
                 "members": [{"value": "f648f8d5ea4e4cd38e9c"}]})",
             group_schema());
    // request-12: remove with a value (no path filter)
    ck_patch(R"({"id": "a99962b9f99d4c4fac67", "displayName": "g",
                 "members": [{"value": "f648f8d5ea4e4cd38e9c"}, {"value": "other"}]})",
             R"({
    "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
    "Operations": [{
        "op": "Remove",
        "path": "members",
        "value": [{
            "$ref": null,
            "value": "f648f8d5ea4e4cd38e9c"
        }]
    }]
})",
             R"({"id": "a99962b9f99d4c4fac67", "displayName": "g",
                 "members": [{"value": "other"}]})",
             group_schema());
    // the compliance page's forms, without and with the flag
    ck_patch(R"({"displayName": "g", "members": [{"value": "u1091"}, {"value": "u1"}]})", R"({
    "schemas": [
        "urn:ietf:params:scim:api:messages:2.0:PatchOp"
    ],
    "Operations": [
        {
            "op": "Remove",
            "path": "members",
            "value": [
                {
                    "value": "u1091"
                }
            ]
        }
    ]
  })",
             R"({"displayName": "g", "members": [{"value": "u1"}]})", group_schema());
    ck_patch(
        R"({"displayName": "g", "members": [{"value": "7f4bc1a3-285e-48ae-8202-5accb43efb0e"}]})",
        R"({
    "schemas": [
        "urn:ietf:params:scim:api:messages:2.0:PatchOp"
    ],
    "Operations": [
        {
            "op": "remove",
            "path": "members[value eq \"7f4bc1a3-285e-48ae-8202-5accb43efb0e\"]"
        }
    ]
  })",
        R"({"displayName": "g"})", group_schema());
}
END_TEST

START_TEST(entra_sets_the_manager_by_its_id) {
    // as Entra sends it (github.com/Captain-P-Goldfish/SCIM-SDK issue 686)
    ck_patch(R"({"userName": "u"})", R"({
  "schemas": [
    "urn:ietf:params:scim:api:messages:2.0:PatchOp"
  ],
  "Operations": [
    {
      "op": "add",
      "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager",
      "value": "2c2f6fb8-254f-492e-b7fe-c09c5a61c8a2"
    }
  ]
})",
             R"({"userName": "u", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":
                     {"manager": {"value": "2c2f6fb8-254f-492e-b7fe-c09c5a61c8a2"}}})");
    // a single value for any complex attribute with a "value": its value
    ck_patch(R"({})", ops(R"([{"op":"add","path":"emails","value":"a@x"}])"),
             R"({"emails": [{"value": "a@x"}]})");
    ck_patch(
        R"({"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"manager": {"value": "m"}}})",
        ops(R"([{"op":"Remove","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager",
                      "value":[{"value":"m"}]}])"),
        R"({})");
}
END_TEST

// ------------------------------------------------------------------ Okta
// developer.okta.com: "SCIM 2.0 protocol reference" (the Okta SCIM client).

START_TEST(okta_deactivate_user) {
    ck_patch(R"({"id": "23a35c27-23d3-4c03-b4c5-6443c09e7173", "userName": "test.user@okta.local",
                 "active": true, "groups": []})",
             R"({
    "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
    "Operations": [{
        "op": "replace",
        "value": {
            "active": false
        }
    }]
})",
             R"({"id": "23a35c27-23d3-4c03-b4c5-6443c09e7173", "userName": "test.user@okta.local",
                 "active": false, "groups": []})");
}
END_TEST

START_TEST(okta_rename_group_with_its_id_in_the_value) {
    const char *rename = R"({
    "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
    "Operations": [{
        "op": "replace",
        "value": {
            "id": "abf4dd94-a4c0-4f67-89c9-76b03340cb9b",
            "displayName": "Test SCIMv2"
        }
    }]
})";
    ck_patch(R"({"id": "abf4dd94-a4c0-4f67-89c9-76b03340cb9b", "displayName": "Old"})", rename,
             R"({"id": "abf4dd94-a4c0-4f67-89c9-76b03340cb9b", "displayName": "Test SCIMv2"})",
             group_schema());
    // another id is a change of a readOnly attribute
    ck_assert_string_eq(patch(R"({"id": "other", "displayName": "Old"})", rename, group_schema()),
                        "400 mutability: Operations[0]: id is readOnly");
}
END_TEST

START_TEST(okta_group_membership) {
    ck_patch(R"({"id": "abf4dd94-a4c0-4f67-89c9-76b03340cb9b", "displayName": "Test SCIMv2",
                 "members": [{"value": "89bb1940-b905-4575-9e7f-6f887cfb368e", "display": "x"}]})",
             R"({
    "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
    "Operations": [{
          "op": "remove",
          "path": "members[value eq \"89bb1940-b905-4575-9e7f-6f887cfb368e\"]"
        },
        {
          "op": "add",
          "path": "members",
          "value": [{
              "value": "23a35c27-23d3-4c03-b4c5-6443c09e7173",
              "display": "test.user@okta.local"
        }]
    }]
})",
             R"({"id": "abf4dd94-a4c0-4f67-89c9-76b03340cb9b", "displayName": "Test SCIMv2",
                 "members": [{"value": "23a35c27-23d3-4c03-b4c5-6443c09e7173",
                              "display": "test.user@okta.local"}]})",
             group_schema());
    // the full push
    ck_patch(group, R"({
  "schemas": [
    "urn:ietf:params:scim:api:messages:2.0:PatchOp"
  ],
  "Operations": [
    {
      "op": "replace",
      "path": "members",
      "value": [
        {
          "value": "23a35c27-23d3-4c03-b4c5-6443c09e7173",
          "display": "test.user@okta.local"
        },
        {
          "value": "89bb1940-b905-4575-9e7f-6f887cfb368e",
          "display": "test.user@okta.local"
        }
      ]
    }
  ]
})",
             R"({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
                 "id": "abf4dd94", "displayName": "Tour Guides",
                 "members": [{"value": "23a35c27-23d3-4c03-b4c5-6443c09e7173",
                              "display": "test.user@okta.local"},
                             {"value": "89bb1940-b905-4575-9e7f-6f887cfb368e",
                              "display": "test.user@okta.local"}]})",
             group_schema());
    // a member removed twice, or from a group without members: nothing to do
    ck_patch(R"({"displayName": "g"})",
             ops(R"([{"op":"remove","path":"members[value eq \"u9\"]"}])"),
             R"({"displayName": "g"})", group_schema());
    ck_patch(group, ops(R"([{"op":"remove","path":"members[value eq \"u9\"]"}])"), group,
             group_schema());
}
END_TEST

// ------------------------------------------------------------------ the forms

START_TEST(op_is_case_insensitive) {
    ck_patch(R"({"userName": "u"})", ops(R"([{"op":"REPLACE","path":"title","value":"t"},
                     {"op":"ADD","path":"nickName","value":"n"},
                     {"op":"rEmOvE","path":"title"}])"),
             R"({"userName": "u", "nickName": "n"})");
}
END_TEST

START_TEST(booleans_also_as_strings) {
    for (const char *s : {"\"True\"", "\"TRUE\"", "\"true\"", "true"})
        ck_patch(R"({"active": false})",
                 ops(std::string(R"([{"op":"replace","path":"active","value":)") + s + "}]"),
                 R"({"active": true})");
    for (const char *s : {"\"False\"", "\"FALSE\"", "\"false\"", "false"})
        ck_patch(R"({"active": true})",
                 ops(std::string(R"([{"op":"replace","value":{"active":)") + s + "}}]"),
                 R"({"active": false})");
    // inside a complex value too
    ck_patch(R"({})",
             ops(R"([{"op":"add","path":"emails","value":[{"value":"a@x","primary":"True"}]}])"),
             R"({"emails": [{"value": "a@x", "primary": true}]})");
    for (const char *s : {"\"yes\"", "1", "\"\"", "null"}) {
        std::string got =
            patch(R"({"active": true})",
                  ops(std::string(R"([{"op":"add","path":"active","value":[)") + s + "]}]"));
        ck_assert_string_eq(got, "400 invalidValue: Operations[0]: active must be a boolean");
    }
    ck_assert_string_eq(
        patch("{}",
              ops(R"([{"op":"replace","path":"emails[type eq \"work\"].primary","value":"on"}])")),
        "400 invalidValue: Operations[0]: emails.primary must be a boolean");
}
END_TEST

START_TEST(path_less_value_with_dotted_urn_and_extension_keys) {
    ck_patch(R"({"userName": "u", "name": {"givenName": "A"}})", ops(R"([{"op":"add","value":{
                 "name.familyName": "X",
                 "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department": "Sales",
                 "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value": "m1",
                 "urn:ietf:params:scim:schemas:core:2.0:User:title": "Boss",
                 "emails[type eq \"work\"].value": "w@x",
                 "schemas": ["ignored"]}}])"),
             R"({"userName": "u", "name": {"givenName": "A", "familyName": "X"},
                 "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":
                     {"department": "Sales", "manager": {"value": "m1"}},
                 "title": "Boss", "emails": [{"type": "work", "value": "w@x"}]})");
    // RFC 7644's own form: the extension's URN, its attributes in an object
    ck_patch(R"({"userName": "u",
                 "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"division": "D"}})",
             ops(R"([{"op":"replace","value":{
                 "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":
                     {"department": "Sales", "costCenter": "4130"}}}])"),
             R"({"userName": "u",
                 "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":
                     {"division": "D", "department": "Sales", "costCenter": "4130"}})");
    // the core schema's URN so too
    ck_patch(R"({"userName": "u"})", ops(R"([{"op":"add","value":{
                 "urn:ietf:params:scim:schemas:core:2.0:User": {"title": "Boss"}}}])"),
             R"({"userName": "u", "title": "Boss"})");
    // and as a path
    ck_patch(
        R"({"userName": "u"})",
        ops(R"([{"op":"add","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
                      "value":{"employeeNumber": "701984"}}])"),
        R"({"userName": "u",
                 "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":
                     {"employeeNumber": "701984"}})");
    ck_patch(
        R"({"userName": "u",
                 "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"division": "D"}})",
        ops(R"([{"op":"remove","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"}])"),
        R"({"userName": "u"})");
}
END_TEST

START_TEST(extension_attributes_by_path) {
    const char *urn = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
    ck_patch(
        R"({"userName": "u"})",
        ops(std::string(R"([{"op":"add","path":")") + urn + R"(:department","value":"Sales"}])"),
        std::string(R"({"userName": "u", ")") + urn + R"(": {"department": "Sales"}})");
    ck_patch(R"({"userName": "u"})",
             ops(std::string(R"([{"op":"replace","path":")") + urn +
                 R"(:manager","value":{"value":"m1","$ref":"../Users/m1"}}])"),
             std::string(R"({"userName": "u", ")") + urn +
                 R"(": {"manager": {"value": "m1", "$ref": "../Users/m1"}}})");
    // the last attribute of an extension takes the extension with it
    ck_patch(std::string(R"({"userName": "u", ")") + urn +
                 R"(": {"department": "Sales", "manager": {"value": "m1"}}})",
             ops(std::string(R"([{"op":"remove","path":")") + urn + R"(:department"},
                                 {"op":"remove","path":")" +
                 urn + R"(:manager.value"}])"),
             R"({"userName": "u"})");
    // manager.displayName is readOnly
    ck_assert_string_eq(patch("{}", ops(std::string(R"([{"op":"add","path":")") + urn +
                                        R"(:manager","value":{"displayName":"Boss"}}])")),
                        std::string("400 mutability: Operations[0]: ") + urn +
                            ":manager.displayName is readOnly");
}
END_TEST

START_TEST(value_filters_select_values) {
    // addresses[type eq "work"].streetAddress: Entra's other filtered path
    ck_patch(
        R"({"addresses": [{"type": "work", "locality": "Utrecht"}, {"type": "home"}]})",
        ops(R"([{"op":"Replace","path":"addresses[type eq \"work\"].streetAddress","value":"Main 1"}])"),
        R"({"addresses": [{"type": "work", "locality": "Utrecht", "streetAddress": "Main 1"},
                               {"type": "home"}]})");
    ck_patch(
        R"({"addresses": [{"type": "home"}]})",
        ops(R"([{"op":"Replace","path":"addresses[type eq \"work\"].streetAddress","value":"Main 1"}])"),
        R"({"addresses": [{"type": "home"}, {"type": "work", "streetAddress": "Main 1"}]})");
    // every matching value
    ck_patch(R"({"emails": [{"value": "a", "type": "work"}, {"value": "b", "type": "work"},
                            {"value": "c", "type": "home"}]})",
             ops(R"([{"op":"replace","path":"emails[type eq \"work\"].display","value":"W"}])"),
             R"({"emails": [{"value": "a", "type": "work", "display": "W"},
                            {"value": "b", "type": "work", "display": "W"},
                            {"value": "c", "type": "home"}]})");
    // a whole value, merged (sub-attributes not named stay)
    ck_patch(
        barbara,
        ops(R"([{"op":"replace","path":"emails[type eq \"home\"]","value":{"value":"b@j.org","display":"B"}}])"),
        R"({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                 "id": "2819c223", "userName": "bjensen", "active": true,
                 "name": {"givenName": "Barbara", "familyName": "Jensen"},
                 "emails": [{"value": "bjensen@example.com", "type": "work", "primary": true},
                            {"value": "b@j.org", "type": "home", "display": "B"}],
                 "meta": {"resourceType": "User", "created": "2011-08-01T18:29:49Z"}})");
    // the filter's string compared without case (emails.type is not caseExact)
    ck_patch(R"({"emails": [{"value": "a", "type": "Work"}]})",
             ops(R"([{"op":"replace","path":"emails[type eq \"work\"].value","value":"b"}])"),
             R"({"emails": [{"value": "b", "type": "Work"}]})");
    // remove of a sub-attribute in the matching values
    ck_patch(
        R"({"emails": [{"value": "a", "type": "work", "display": "A"}, {"value": "b", "display": "B"}]})",
        ops(R"([{"op":"remove","path":"emails[type eq \"work\"].display"}])"),
        R"({"emails": [{"value": "a", "type": "work"}, {"value": "b", "display": "B"}]})");
    // remove of the matching values; the last takes the attribute with it
    ck_patch(barbara, ops(R"([{"op":"remove","path":"emails[type eq \"work\"]"},
                             {"op":"remove","path":"emails[value eq \"babs@jensen.org\"]"}])"),
             R"({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                 "id": "2819c223", "userName": "bjensen", "active": true,
                 "name": {"givenName": "Barbara", "familyName": "Jensen"},
                 "meta": {"resourceType": "User", "created": "2011-08-01T18:29:49Z"}})");
}
END_TEST

START_TEST(a_filter_that_matches_nothing) {
    // with a sub-attribute and a filter of equalities: the value is added
    ck_patch(
        R"({"phoneNumbers": [{"value": "1", "type": "work"}]})",
        ops(R"([{"op":"replace","path":"phoneNumbers[type eq \"mobile\" and primary eq true].value","value":"2"}])"),
        R"({"phoneNumbers": [{"value": "1", "type": "work"},
                                  {"type": "mobile", "primary": true, "value": "2"}]})");
    // add of a whole value: added too
    ck_patch(R"({})",
             ops(R"([{"op":"add","path":"emails[type eq \"home\"]","value":{"value":"h@x"}}])"),
             R"({"emails": [{"type": "home", "value": "h@x"}]})");
    // replace of a whole value: RFC 7644 3.5.2.3's noTarget
    ck_assert_string_eq(
        patch(
            barbara,
            ops(R"([{"op":"replace","path":"emails[type eq \"other\"]","value":{"value":"o@x"}}])")),
        "400 noTarget: Operations[0]: emails[type eq \"other\"] matches no value");
    // a filter that pins no value to add
    ck_assert_string_eq(
        patch(barbara,
              ops(R"([{"op":"replace","path":"emails[value co \"zzz\"].type","value":"x"}])")),
        "400 noTarget: Operations[0]: emails[value co \"zzz\"].type matches no value");
}
END_TEST

START_TEST(multi_valued_add_appends_and_replace_replaces_all) {
    // add appends; a value already there is not added twice; one with the
    // same value (and no other type) takes the new sub-attributes
    ck_patch(R"({"emails": [{"value": "a@x", "type": "work"}]})",
             ops(R"([{"op":"add","path":"emails","value":[
                        {"value": "a@x", "type": "work"},
                        {"value": "b@x", "type": "home"},
                        {"value": "A@X", "display": "A"},
                        {"value": "b@x", "type": "other"}]}])"),
             R"({"emails": [{"value": "A@X", "type": "work", "display": "A"},
                            {"value": "b@x", "type": "home"},
                            {"value": "b@x", "type": "other"}]})");
    // compared as the filter compares what is not caseExact (full case folding)
    ck_patch(R"({"emails": [{"value": "\u00e9cole@x"}]})",
             ops(R"([{"op":"add","path":"emails","value":[{"value":"\u00c9COLE@X"}]}])"),
             R"({"emails": [{"value": "\u00c9COLE@X"}]})");
    // one value alone is a one-value array
    ck_patch(group, ops(R"([{"op":"add","path":"members","value":{"value":"u3"}}])"),
             R"({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
                 "id": "abf4dd94", "displayName": "Tour Guides",
                 "members": [{"value": "u1", "display": "one"}, {"value": "u2", "display": "two"},
                             {"value": "u3"}]})",
             group_schema());
    ck_patch(group, ops(R"([{"op":"add","path":"members","value":[{"value":"u2"}]}])"), group,
             group_schema());
    // replace replaces all; with [] it unassigns
    ck_patch(R"({"emails": [{"value": "a@x"}, {"value": "b@x"}]})",
             ops(R"([{"op":"replace","path":"emails","value":[{"value":"c@x"}]}])"),
             R"({"emails": [{"value": "c@x"}]})");
    ck_patch(R"({"userName": "u", "emails": [{"value": "a@x"}]})",
             ops(R"([{"op":"replace","path":"emails","value":[]}])"), R"({"userName": "u"})");
    // path-less add appends as well
    ck_patch(R"({"emails": [{"value": "a@x"}]})",
             ops(R"([{"op":"add","value":{"emails":[{"value":"b@x"}]}}])"),
             R"({"emails": [{"value": "a@x"}, {"value": "b@x"}]})");
}
END_TEST

START_TEST(a_new_primary_value_ends_the_old_one) {
    ck_patch(barbara,
             ops(R"([{"op":"add","path":"emails","value":[{"value":"n@x","primary":true}]}])"),
             R"({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                 "id": "2819c223", "userName": "bjensen", "active": true,
                 "name": {"givenName": "Barbara", "familyName": "Jensen"},
                 "emails": [{"value": "bjensen@example.com", "type": "work", "primary": false},
                            {"value": "babs@jensen.org", "type": "home"},
                            {"value": "n@x", "primary": true}],
                 "meta": {"resourceType": "User", "created": "2011-08-01T18:29:49Z"}})");
    ck_patch(
        R"({"emails": [{"value": "a", "type": "work", "primary": true}, {"value": "b", "type": "home"}]})",
        ops(R"([{"op":"replace","path":"emails[type eq \"home\"].primary","value":"True"}])"),
        R"({"emails": [{"value": "a", "type": "work", "primary": false},
                            {"value": "b", "type": "home", "primary": true}]})");
}
END_TEST

START_TEST(single_valued_and_complex_attributes) {
    // a complex value merges into the attribute (RFC 7644 3.5.2.3)
    ck_patch(R"({"name": {"givenName": "A", "familyName": "B"}})",
             ops(R"([{"op":"replace","path":"name","value":{"givenName":"C","middleName":"M"}}])"),
             R"({"name": {"givenName": "C", "familyName": "B", "middleName": "M"}})");
    ck_patch(R"({})", ops(R"([{"op":"add","path":"name.givenName","value":"G"}])"),
             R"({"name": {"givenName": "G"}})");
    // the last sub-attribute removed takes the attribute with it
    ck_patch(R"({"userName": "u", "name": {"givenName": "A"}})",
             ops(R"([{"op":"remove","path":"name.givenName"}])"), R"({"userName": "u"})");
    // remove of what is not there: nothing to do
    ck_patch(R"({"userName": "u"})",
             ops(R"([{"op":"remove","path":"title"},{"op":"remove","path":"name.givenName"},
                     {"op":"remove","path":"emails[type eq \"work\"].value"}])"),
             R"({"userName": "u"})");
    // null unassigns
    ck_patch(R"({"userName": "u", "title": "T", "name": {"givenName": "A"}})",
             ops(R"([{"op":"replace","path":"title","value":null},
                     {"op":"replace","value":{"name.givenName":null}}])"),
             R"({"userName": "u"})");
    // a sub-attribute of a multi-valued attribute without a filter: every value
    ck_patch(R"({"emails": [{"value": "a"}, {"value": "b", "type": "home"}]})",
             ops(R"([{"op":"replace","path":"emails.type","value":"work"}])"),
             R"({"emails": [{"value": "a", "type": "work"}, {"value": "b", "type": "work"}]})");
    ck_patch(R"({"emails": [{"value": "a", "type": "work"}, {"type": "home"}]})",
             ops(R"([{"op":"remove","path":"emails.type"}])"), R"({"emails": [{"value": "a"}]})");
    ck_assert_string_eq(
        patch("{}", ops(R"([{"op":"replace","path":"emails.type","value":"work"}])")),
        "400 noTarget: Operations[0]: emails has no values to set type in");
    // an empty path is no path
    ck_patch(R"({})", ops(R"([{"op":"add","path":"","value":{"title":"T"}}])"),
             R"({"title": "T"})");
}
END_TEST

START_TEST(names_are_case_insensitive_and_written_as_the_schema_spells_them) {
    ck_patch(R"({"username": "old", "NAME": {"GIVENNAME": "A"}})",
             ops(R"([{"op":"replace","path":"USERNAME","value":"new"},
                     {"op":"replace","path":"name.givenname","value":"B"},
                     {"op":"add","value":{"DISPLAYNAME":"D","Name.FamilyName":"F"}},
                     {"op":"add","path":"EMAILS","value":[{"VALUE":"a@x","Type":"work"}]},
                     {"op":"replace","path":"emails[TYPE eq \"work\"].Display","value":"W"}])"),
             R"({"userName": "new", "name": {"givenName": "B", "familyName": "F"},
                 "displayName": "D", "emails": [{"value": "a@x", "type": "work", "display": "W"}]})");
}
END_TEST

START_TEST(immutable_values_take_no_change) {
    ck_assert_string_eq(
        patch(group,
              ops(R"([{"op":"replace","path":"members[value eq \"u1\"].value","value":"u9"}])"),
              group_schema()),
        "400 mutability: Operations[0]: members.value is immutable");
    // the same value again is no change
    ck_patch(group,
             ops(R"([{"op":"replace","path":"members[value eq \"u1\"].value","value":"u1"}])"),
             group, group_schema());
    ck_assert_string_eq(
        patch(group,
              ops(R"([{"op":"replace","path":"members[value eq \"u1\"].display","value":"Uno"}])"),
              group_schema()),
        "400 mutability: Operations[0]: members.display is immutable");
    // a member added again keeps what it had ("no changes SHOULD be made",
    // 3.5.2.1) and gains what it had not
    ck_patch(
        R"({"members": [{"value": "u1", "display": "one"}, {"value": "u2"}]})",
        ops(R"([{"op":"add","path":"members","value":[{"value":"u1","display":"Uno"},
                                                            {"value":"u2","display":"Two"}]}])"),
        R"({"members": [{"value": "u1", "display": "one"}, {"value": "u2", "display": "Two"}]})",
        group_schema());
}
END_TEST

// ------------------------------------------------------------------ errors

START_TEST(the_body_must_be_a_patch_op) {
    const char *u = R"({"userName": "u"})";
    const char *one = R"([{"op":"add","path":"title","value":"t"}])";
    ck_assert_string_eq(patch(u, "[]"),
                        "400 invalidSyntax: the body must be a JSON object (a PatchOp)");
    ck_assert_string_eq(patch(u, std::string(R"({"Operations":)") + one + "}"),
                        "400 invalidSyntax: schemas must list "
                        "\"urn:ietf:params:scim:api:messages:2.0:PatchOp\"");
    ck_assert_string_eq(
        patch(u, std::string(
                     R"({"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"Operations":)") +
                     one + "}"),
        "400 invalidSyntax: schemas must list \"urn:ietf:params:scim:api:messages:2.0:PatchOp\"");
    ck_assert_string_eq(
        patch(u, R"({"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"]})"),
        "400 invalidSyntax: Operations must be an array of operations");
    ck_assert_string_eq(patch(u, ops(R"({"op":"add"})")),
                        "400 invalidSyntax: Operations must be an array of operations");
    ck_assert_string_eq(
        patch(u, ops("[]")),
        "400 invalidSyntax: Operations is empty: a PatchOp has at least one operation");
    // the names are case-insensitive here too
    ck_patch(u,
             std::string(
                 R"({"SCHEMAS":["URN:IETF:PARAMS:SCIM:API:MESSAGES:2.0:PATCHOP"],"operations":)") +
                 one + "}",
             R"({"userName": "u", "title": "t"})");
}
END_TEST

START_TEST(operations_are_bounded) {
    std::string many = "[";
    for (size_t i = 0; i < max_patch_operations; ++i)
        many += std::string(i ? "," : "") + R"({"op":"add","path":"title","value":"t)" +
                std::to_string(i) + "\"}";
    ck_patch(R"({})", ops(many + "]"), R"({"title": "t999"})");
    ck_assert_string_eq(
        patch(R"({})", ops(many + R"(,{"op":"remove","path":"title"}])")),
        "400 invalidValue: Operations has 1001 operations, more than the 1000 allowed");
}
END_TEST

START_TEST(each_operation_must_be_well_formed) {
    const char *u = R"({"userName": "u"})";
    ck_assert_string_eq(patch(u, ops(R"([{"op":"add","path":"title","value":"t"}, "remove"])")),
                        "400 invalidSyntax: Operations[1] must be an object");
    ck_assert_string_eq(patch(u, ops(R"([{"path":"title","value":"t"}])")),
                        "400 invalidSyntax: Operations[0]: op is missing (add, replace or remove)");
    ck_assert_string_eq(
        patch(u, ops(R"([{"op":"move","path":"title","value":"t"}])")),
        "400 invalidSyntax: Operations[0]: op \"move\" is not add, replace or remove");
    ck_assert_string_eq(
        patch(u, ops(R"([{"op":1,"path":"title","value":"t"}])")),
        "400 invalidSyntax: Operations[0]: op must be a string: add, replace or remove");
    ck_assert_string_eq(patch(u, ops(R"([{"op":"add","path":["title"],"value":"t"}])")),
                        "400 invalidSyntax: Operations[0]: path must be a string");
    ck_assert_string_eq(patch(u, ops(R"([{"op":"add","path":"title"}])")),
                        "400 invalidValue: Operations[0]: add needs a value");
    ck_assert_string_eq(patch(u, ops(R"([{"op":"Replace","path":"title"}])")),
                        "400 invalidValue: Operations[0]: replace needs a value");
    ck_assert_string_eq(patch(u, ops(R"([{"op":"remove"}])")),
                        "400 noTarget: Operations[0]: remove needs a path");
    ck_assert_string_eq(patch(u, ops(R"([{"op":"remove","value":{"title":"t"}}])")),
                        "400 noTarget: Operations[0]: remove needs a path");
    ck_assert_string_eq(patch(u, ops(R"([{"op":"replace","value":"t"}])")),
                        "400 invalidValue: Operations[0]: replace without a path needs an object "
                        "of attributes as its value");
}
END_TEST

START_TEST(read_only_attributes) {
    ck_assert_string_eq(patch(barbara, ops(R"([{"op":"replace","path":"id","value":"x"}])")),
                        "400 mutability: Operations[0]: id is readOnly");
    ck_assert_string_eq(patch(barbara, ops(R"([{"op":"remove","path":"id"}])")),
                        "400 mutability: Operations[0]: id is readOnly");
    ck_assert_string_eq(
        patch(barbara,
              ops(R"([{"op":"replace","path":"meta.created","value":"2020-01-01T00:00:00Z"}])")),
        "400 mutability: Operations[0]: meta is readOnly");
    ck_assert_string_eq(
        patch(barbara, ops(R"([{"op":"add","path":"groups","value":[{"value":"g"}]}])")),
        "400 mutability: Operations[0]: groups is readOnly");
    ck_assert_string_eq(
        patch(barbara, ops(R"([{"op":"add","value":{"meta":{"resourceType":"Group"}}}])")),
        "400 mutability: Operations[0]: meta is readOnly");
    // the value the resource holds already is no change (Okta sends the id)
    ck_patch(R"({"id": "2819c223", "userName": "u"})",
             ops(R"([{"op":"replace","value":{"id":"2819c223","userName":"v"}}])"),
             R"({"id": "2819c223", "userName": "v"})");
}
END_TEST

START_TEST(unknown_attributes_and_wrong_types) {
    ck_assert_string_eq(patch(barbara, ops(R"([{"op":"add","value":{"shoeSize":"42"}}])")),
                        "400 invalidValue: Operations[0]: value key \"shoeSize\": "
                        "at character 1: unknown attribute 'shoeSize'");
    ck_assert_string_eq(patch(barbara, ops(R"([{"op":"add","path":"shoeSize","value":"42"}])")),
                        "400 invalidPath: Operations[0]: path \"shoeSize\": "
                        "at character 1: unknown attribute 'shoeSize'");
    ck_assert_string_eq(
        patch(barbara, ops(R"([{"op":"add","path":"emails[type eq]","value":"x"}])")),
        "400 invalidPath: Operations[0]: path \"emails[type eq]\": at character 15: "
        "expected a value (a string, number, true, false or null) but found ']'");
    ck_assert_string_eq(
        patch(barbara, ops(R"([{"op":"add","value":{"emails[type eq \"work\"].valu":"x"}}])")),
        "400 invalidValue: Operations[0]: value key \"emails[type eq \"work\"].valu\": "
        "at character 24: 'emails' has no sub-attribute 'valu'");
    ck_assert_string_eq(
        patch(barbara, ops(R"([{"op":"add","path":"name","value":{"nickname":"x"}}])")),
        "400 invalidValue: Operations[0]: 'name' has no sub-attribute 'nickname'");
    ck_assert_string_eq(
        patch(barbara,
              ops(R"([{"op":"add","path":"emails","value":[{"value":"a","kind":"work"}]}])")),
        "400 invalidValue: Operations[0]: 'emails' has no sub-attribute 'kind'");
    ck_assert_string_eq(patch(barbara, ops(R"([{"op":"add","path":"name.nickname","value":"x"}])")),
                        "400 invalidPath: Operations[0]: path \"name.nickname\": at character 6: "
                        "'name' has no sub-attribute 'nickname'");
    ck_assert_string_eq(
        patch(barbara, ops(R"([{"op":"add","path":"userName.first","value":"x"}])")),
        "400 invalidPath: Operations[0]: path \"userName.first\": at character 10: "
        "'userName' has no sub-attributes");
    ck_assert_string_eq(
        patch(barbara,
              ops(R"([{"op":"add","path":"name[givenName eq \"x\"].familyName","value":"x"}])")),
        "400 invalidPath: Operations[0]: name is single-valued: it takes no value filter");
    ck_assert_string_eq(patch(barbara, ops(R"([{"op":"add","path":"displayName","value":5}])")),
                        "400 invalidValue: Operations[0]: displayName must be a string");
    ck_assert_string_eq(patch(barbara, ops(R"([{"op":"add","path":"name","value":"Barbara"}])")),
                        "400 invalidValue: Operations[0]: name must be an object");
    ck_assert_string_eq(patch(barbara, ops(R"([{"op":"add","path":"emails","value":[["a@x"]]}])")),
                        "400 invalidValue: Operations[0]: emails must be an object");
    ck_assert_string_eq(patch(barbara, ops(R"([{"op":"add","path":"emails","value":[5]}])")),
                        "400 invalidValue: Operations[0]: emails.value must be a string");
    ck_assert_string_eq(
        patch(barbara,
              ops(R"([{"op":"replace","path":"emails[type eq \"work\"].value","value":false}])")),
        "400 invalidValue: Operations[0]: emails.value must be a string");
    ck_assert_string_eq(
        patch(
            barbara,
            ops(R"([{"op":"add","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User","value":"x"}])")),
        "400 invalidValue: Operations[0]: "
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User "
        "must be an object of its attributes");
}
END_TEST

START_TEST(all_operations_or_none) {
    // the third fails: the first two are not kept (patch() checks the
    // resource is as it was, to the key order)
    ck_assert_string_eq(patch(barbara, ops(R"([
        {"op":"replace","path":"userName","value":"changed"},
        {"op":"remove","path":"emails"},
        {"op":"replace","path":"active","value":"maybe"},
        {"op":"add","path":"title","value":"never"}])")),
                        "400 invalidValue: Operations[2]: active must be a boolean");
    ck_assert_string_eq(patch(group, ops(R"([
        {"op":"remove","path":"members[value eq \"u1\"]"},
        {"op":"add","path":"members","value":[{"value":"u3"}]},
        {"op":"replace","path":"id","value":"x"}])"),
                              group_schema()),
                        "400 mutability: Operations[2]: id is readOnly");
}
END_TEST

int main() {
    Suite *s = suite_create("scim_patch");
    TCase *entra = tcase_create("entra");
    tcase_add_test(entra, entra_disable_user_without_the_flag);
    tcase_add_test(entra, entra_disable_user_with_the_flag);
    tcase_add_test(entra, entra_add_a_single_value_string_attribute);
    tcase_add_test(entra, entra_replace_multiple_attributes_without_the_flag);
    tcase_add_test(entra, entra_replace_multiple_attributes_with_the_flag);
    tcase_add_test(entra, entra_update_user_multi_and_single_valued_properties);
    tcase_add_test(entra, entra_group_operations);
    tcase_add_test(entra, entra_sets_the_manager_by_its_id);
    suite_add_tcase(s, entra);
    TCase *okta = tcase_create("okta");
    tcase_add_test(okta, okta_deactivate_user);
    tcase_add_test(okta, okta_rename_group_with_its_id_in_the_value);
    tcase_add_test(okta, okta_group_membership);
    suite_add_tcase(s, okta);
    TCase *forms = tcase_create("forms");
    tcase_add_test(forms, op_is_case_insensitive);
    tcase_add_test(forms, booleans_also_as_strings);
    tcase_add_test(forms, path_less_value_with_dotted_urn_and_extension_keys);
    tcase_add_test(forms, extension_attributes_by_path);
    tcase_add_test(forms, value_filters_select_values);
    tcase_add_test(forms, a_filter_that_matches_nothing);
    tcase_add_test(forms, multi_valued_add_appends_and_replace_replaces_all);
    tcase_add_test(forms, a_new_primary_value_ends_the_old_one);
    tcase_add_test(forms, single_valued_and_complex_attributes);
    tcase_add_test(forms, names_are_case_insensitive_and_written_as_the_schema_spells_them);
    tcase_add_test(forms, immutable_values_take_no_change);
    suite_add_tcase(s, forms);
    TCase *errors = tcase_create("errors");
    tcase_add_test(errors, the_body_must_be_a_patch_op);
    tcase_add_test(errors, operations_are_bounded);
    tcase_add_test(errors, each_operation_must_be_well_formed);
    tcase_add_test(errors, read_only_attributes);
    tcase_add_test(errors, unknown_attributes_and_wrong_types);
    tcase_add_test(errors, all_operations_or_none);
    suite_add_tcase(s, errors);
    return run_suite(s);
}
