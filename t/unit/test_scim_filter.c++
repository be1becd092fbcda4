#include "json.h++"
#include "scim_filter.h++"
#include "scim_schema.h++"
#include "text.h++"
#include "unit.h++"

#include <string>
#include <vector>

using namespace mtt;
using namespace mtt::scim;

namespace {

// A User schema for the tests: RFC 7643's facts for the attributes named
// here, and two numbers (loginCount, score) that the real User has not.
class TestUser : public Describe {
  public:
    AttrInfo describe(std::string_view urn, std::string_view attr,
                      std::string_view sub) const override {
        for (const Row &r : rows)
            if (iequal(urn, r.urn) && iequal(attr, r.attr) && iequal(sub, r.sub)) {
                AttrInfo a;
                a.known = true;
                a.name = sub.empty() ? r.attr : r.sub;
                a.type = r.type;
                a.multi_valued = r.multi;
                a.case_exact = r.exact;
                return a;
            }
        return {};
    }
    bool is_extension(std::string_view urn) const override {
        return iequal(urn, enterprise_user_urn);
    }
    std::string_view core_urn() const override { return core_user_urn; }

  private:
    struct Row {
        std::string_view urn, attr, sub;
        Type type;
        bool multi, exact;
    };
    static bool iequal(std::string_view a, std::string_view b) {
        return case_fold(a) == case_fold(b);
    }
    static constexpr std::string_view E = enterprise_user_urn;
    static constexpr Type S = Type::String, C = Type::Complex, B = Type::Boolean,
                          D = Type::DateTime, R = Type::Reference, X = Type::Binary;
    static inline const std::vector<Row> rows = {
        {"", "id", "", S, false, true},
        {"", "externalId", "", S, false, true},
        {"", "userName", "", S, false, false},
        {"", "displayName", "", S, false, false},
        {"", "title", "", S, false, false},
        {"", "userType", "", S, false, false},
        {"", "active", "", B, false, false},
        {"", "loginCount", "", Type::Integer, false, false},
        {"", "score", "", Type::Decimal, false, false},
        {"", "name", "", C, false, false},
        {"", "name", "givenName", S, false, false},
        {"", "name", "familyName", S, false, false},
        {"", "emails", "", C, true, false},
        {"", "emails", "value", S, false, false},
        {"", "emails", "type", S, false, false},
        {"", "emails", "primary", B, false, false},
        {"", "ims", "", C, true, false},
        {"", "ims", "value", S, false, false},
        {"", "ims", "type", S, false, false},
        {"", "groups", "", C, true, false},
        {"", "groups", "value", S, false, true},
        {"", "groups", "$ref", R, false, false}, // as RFC 7643 8.7.1 says
        {"", "x509Certificates", "", C, true, false},
        {"", "x509Certificates", "value", X, false, true},
        {"", "meta", "", C, false, false},
        {"", "meta", "lastModified", D, false, false},
        {"", "meta", "location", R, false, true},
        {E, "employeeNumber", "", S, false, false},
        {E, "manager", "", C, false, false},
        {E, "manager", "value", S, false, false},
        {E, "manager", "displayName", S, false, false},
    };
};

const TestUser schema;

const char *bjensen = R"({
  "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User",
              "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
  "id": "2819c223-7f76-453a-919d-413861904646",
  "externalId": "bjensen",
  "userName": "BJensen@example.com",
  "displayName": "Zoë Jensen",
  "title": "",
  "userType": "Employee",
  "active": true,
  "loginCount": 12,
  "score": 2.5,
  "name": {"givenName": "Barbara", "familyName": "Jensen"},
  "emails": [
    {"value": "bjensen@example.com", "type": "work", "primary": true},
    {"value": "babs@jensen.org", "type": "home"}
  ],
  "ims": [],
  "groups": [{"value": "e9e30dba", "$ref": "https://example.com/v2/Groups/e9e30dba"}],
  "x509Certificates": [{"value": "MIIDQzCCAqygAwIBAgICEAAwDQYJ"}],
  "meta": {"lastModified": "2011-05-13T04:42:34Z",
           "location": "https://example.com/v2/Users/2819c223"},
  "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {
    "employeeNumber": "701984",
    "manager": {"value": "26118915", "displayName": "John Smith"}
  }
})";

Json load(const char *text) {
    json_error_t e;
    Json j(json_loads(text, JSON_DECODE_ANY, &e));
    ck_assert_msg(j != nullptr, "%s", e.text);
    return j;
}

// Whether `filter` matches `resource`; a filter that does not parse fails
// the test.
bool match(const std::string &filter, const char *resource = bjensen) {
    Error err;
    auto f = parse_filter(filter, schema, err);
    ck_assert_msg(f != nullptr, "%s: %s", filter.c_str(), err.detail.c_str());
    Json r = load(resource);
    return matches(*f, r.get(), schema);
}

// The detail of the error `filter` answers ("" when it parses).
std::string error_of(const std::string &filter) {
    Error err;
    auto f = parse_filter(filter, schema, err);
    if (f)
        return "";
    ck_assert_int_eq(err.status, 400);
    ck_assert_string_eq(err.scim_type, "invalidFilter");
    return err.detail;
}

std::string path_error(const std::string &path) {
    Error err;
    PatchPath p;
    if (parse_patch_path(path, schema, p, err))
        return "";
    ck_assert_int_eq(err.status, 400);
    ck_assert_string_eq(err.scim_type, "invalidPath");
    return err.detail;
}

} // namespace

START_TEST(rfc_examples) {
    // RFC 7644 section 3.4.2.2's example filters
    ck_assert(match(R"(userName eq "bjensen@example.com")"));
    ck_assert(match(R"(name.familyName co "ens")"));
    ck_assert(!match(R"(name.familyName co "O'Malley")"));
    ck_assert(match(R"(userName sw "B")"));
    ck_assert(match(R"(urn:ietf:params:scim:schemas:core:2.0:User:userName sw "b")"));
    ck_assert(!match(R"(title pr)"));
    ck_assert(match(R"(userType pr)"));
    ck_assert(match(R"(meta.lastModified gt "2011-05-13T04:42:33Z")"));
    ck_assert(match(R"(meta.lastModified ge "2011-05-13T04:42:34Z")"));
    ck_assert(!match(R"(meta.lastModified lt "2011-05-13T04:42:34Z")"));
    ck_assert(match(R"(meta.lastModified le "2011-05-13T04:42:34Z")"));
    ck_assert(!match(R"(title pr and userType eq "Employee")"));
    ck_assert(match(R"(title pr or userType eq "Employee")"));
    ck_assert(match(R"(schemas eq "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User")"));
    ck_assert(match(
        R"(userType eq "Employee" and (emails co "example.com" or emails.value co "example.org"))"));
    ck_assert(!match(
        R"(userType ne "Employee" and not (emails co "example.com" or emails.value co "example.org"))"));
    ck_assert(match(R"(userType eq "Employee" and (emails.type eq "work"))"));
    ck_assert(
        match(R"(userType eq "Employee" and emails[type eq "work" and value co "@example.com"])"));
    ck_assert(match(
        R"(emails[type eq "work" and value co "@example.com"] or ims[type eq "xmpp" and value co "@foo.com"])"));
}
END_TEST

START_TEST(every_operator_on_strings) {
    ck_assert(match(R"(externalId eq "bjensen")"));
    ck_assert(!match(R"(externalId eq "BJENSEN")")); // caseExact
    ck_assert(match(R"(externalId ne "BJENSEN")"));
    ck_assert(!match(R"(externalId ne "bjensen")"));
    ck_assert(match(R"(userName eq "bjensen@EXAMPLE.com")")); // not caseExact
    ck_assert(!match(R"(userName ne "bjensen@EXAMPLE.com")"));
    ck_assert(match(R"(userName co "SEN@ex")"));
    ck_assert(!match(R"(userName co "sen@exx")"));
    ck_assert(match(R"(userName sw "bjensen@")"));
    ck_assert(!match(R"(userName sw "jensen")"));
    ck_assert(match(R"(userName ew ".COM")"));
    ck_assert(!match(R"(userName ew ".org")"));
    ck_assert(match(R"(userName co "")"));
    ck_assert(match(R"(userName gt "bjensen@a")"));
    ck_assert(!match(R"(userName gt "bjensen@z")"));
    ck_assert(match(R"(userName ge "BJENSEN@EXAMPLE.COM")"));
    ck_assert(match(R"(userName le "BJENSEN@EXAMPLE.COM")"));
    ck_assert(match(R"(userName lt "c")"));
    ck_assert(!match(R"(userName lt "B")"));
    ck_assert(match(R"(externalId lt "bjensen0")"));
    ck_assert(!match(R"(externalId gt "a" and externalId gt "c")"));
    ck_assert(match(R"(id sw "2819c223")"));
    ck_assert(!match(R"(id sw "2819C223")"));
    // a reference that is caseExact, a binary (always with case)
    ck_assert(match(R"(meta.location sw "https://example.com/")"));
    ck_assert(!match(R"(meta.location sw "HTTPS://example.com/")"));
    ck_assert(match(R"(x509Certificates.value sw "MIIDQzCC")"));
    ck_assert(!match(R"(x509Certificates.value eq "miidqzccaqygawibagiceaawdqyj")"));
}
END_TEST

START_TEST(unicode_case) {
    ck_assert(match(R"(displayName eq "ZOË JENSEN")"));
    ck_assert(match(R"(displayName eq "zo\u00eb jensen")"));
    ck_assert(match(R"(displayName sw "ZOË")"));
    ck_assert(!match(R"(displayName eq "ZOE JENSEN")"));
    const char *strasse = R"({"userName": "Straße", "externalId": "Straße"})";
    ck_assert(match(R"(userName eq "STRASSE")", strasse)); // full case folding
    ck_assert(match(R"(userName co "ss")", strasse));
    ck_assert(!match(R"(externalId eq "STRASSE")", strasse));
    ck_assert(match(R"(externalId eq "Stra\u00dfe")", strasse));
}
END_TEST

START_TEST(booleans_numbers_and_dates) {
    ck_assert(match("active eq true"));
    ck_assert(match("active eq TRUE")); // ABNF literals are case-insensitive
    ck_assert(!match("active eq false"));
    ck_assert(match("active ne false"));
    ck_assert(match("emails[primary eq true].value ew \"example.com\""));
    ck_assert(match("loginCount eq 12"));
    ck_assert(match("loginCount eq 12.0"));
    ck_assert(match("loginCount gt 11.5"));
    ck_assert(!match("loginCount gt 12"));
    ck_assert(match("loginCount ge 12 and loginCount le 12 and loginCount lt 13"));
    ck_assert(match("loginCount ne -1e3"));
    ck_assert(match("score lt 2.51 and score gt 2.49 and score eq 2.5 and score eq 25e-1"));
    // instants, not text: an offset and a fraction
    ck_assert(match(R"(meta.lastModified eq "2011-05-13T06:42:34+02:00")"));
    ck_assert(match(R"(meta.lastModified lt "2011-05-13T04:42:34.001Z")"));
    ck_assert(match(R"(meta.lastModified gt "2011-05-13T04:42:33.999999999Z")"));
    ck_assert(!match(R"(meta.lastModified ne "2011-05-13t04:42:34z")"));
    ck_assert(match(R"(meta.lastModified sw "2011-05")")); // co sw ew compare the text
    const char *odd =
        R"({"meta": {"lastModified": "yesterday"}, "active": "true", "loginCount": "12"})";
    ck_assert(!match(R"(meta.lastModified lt "2030-01-01T00:00:00Z")", odd));
    ck_assert(!match(R"(meta.lastModified ne "2030-01-01T00:00:00Z")", odd));
    ck_assert(!match("active eq true", odd));
    ck_assert(!match("loginCount eq 12", odd));
}
END_TEST

START_TEST(multi_valued_and_complex) {
    ck_assert(match(R"(emails co "jensen.org")")); // the value sub-attribute
    ck_assert(match(R"(emails eq "BABS@jensen.org")"));
    ck_assert(match(R"(emails.type eq "home")"));
    ck_assert(match(R"(emails.type ne "work")")); // some email is not work
    ck_assert(!match(R"(emails.type eq "other")"));
    ck_assert(match(R"(emails[type eq "work"])"));
    ck_assert(!match(R"(emails[type eq "work" and value co "jensen.org"])"));
    ck_assert(match(R"(emails[type eq "home" and value co "jensen.org"])"));
    ck_assert(match(R"(emails[not (type eq "work")])"));
    ck_assert(match(R"(emails[type eq "work"].value eq "BJensen@example.com")"));
    ck_assert(!match(R"(emails[type eq "work"].value eq "babs@jensen.org")"));
    ck_assert(match(R"(emails[type eq "home"].value pr)"));
    ck_assert(match(R"(groups eq "e9e30dba")"));
    ck_assert(!match(R"(groups eq "E9E30DBA")")); // groups.value is caseExact here
    ck_assert(match(R"(groups[$ref ew "/e9e30dba"])"));
    ck_assert(!match(R"(groups[$ref ew "/E9E30DBA"])")); // a reference is case exact
    ck_assert(match(R"(name[givenName eq "barbara"])")); // a single-valued complex one
    ck_assert(match(R"(emails pr and name pr and meta pr)"));
    ck_assert(!match(R"(ims pr)")); // an empty array
    ck_assert(!match(R"(ims[type eq "xmpp"])"));
    ck_assert(!match(R"(ims co "x")"));
    const char *bare = R"({"userName": "x", "name": {"givenName": null, "familyName": ""},
                           "emails": [{"type": "work"}, null]})";
    ck_assert(!match("name pr", bare));
    ck_assert(!match("emails.value pr", bare));
    ck_assert(match("emails pr", bare));
    ck_assert(match("emails.type pr", bare));
    ck_assert(!match(R"(emails co "")", bare));
}
END_TEST

START_TEST(extension_attributes) {
    const std::string e = enterprise_user_urn;
    ck_assert(match(e + ":employeeNumber eq \"701984\""));
    ck_assert(match(e + ":manager.value eq \"26118915\""));
    ck_assert(match(e + ":manager.displayName co \"smith\""));
    ck_assert(match(e + ":manager pr"));
    ck_assert(!match(e + ":employeeNumber eq \"1\""));
    // the URN's case and the names' case do not matter
    ck_assert(match("URN:IETF:params:scim:schemas:extension:enterprise:2.0:user:EMPLOYEENUMBER eq "
                    "\"701984\""));
    ck_assert(!match(e + ":employeeNumber pr", R"({"employeeNumber": "701984"})"));
}
END_TEST

START_TEST(names_and_keywords_ignore_case) {
    ck_assert(match(R"(USERNAME EQ "bjensen@example.com")"));
    ck_assert(match(R"(Name.FamilyName Co "JEN")"));
    ck_assert(match(R"(userName eq "x" OR active Eq True)"));
    ck_assert(match(R"(NOT (userName eq "x") AnD EMAILS[TYPE eq "work"])"));
    // keys of the resource too
    ck_assert(match(R"(userName eq "a")", R"({"USERNAME": "A"})"));
    ck_assert(match(R"(emails.type eq "w")", R"({"Emails": [{"Type": "w"}]})"));
}
END_TEST

START_TEST(precedence_and_grouping) {
    // and binds tighter than or: true or (false and false)
    ck_assert(match(R"(active eq true or userName eq "x" and userName eq "y")"));
    // (false and false) or true
    ck_assert(match(R"(userName eq "x" and userName eq "y" or active eq true)"));
    // false and (false or true)
    ck_assert(!match(R"(userName eq "x" and (userName eq "y" or active eq true))"));
    ck_assert(!match(R"(userName eq "x" and userName eq "y" or active eq false)"));
    ck_assert(match(R"(not (active eq false))"));
    ck_assert(!match(R"(not (active eq true) or userName eq "x")"));
    ck_assert(match(R"(not (not (active eq true)))"));
    ck_assert(match(R"(((active eq true)))"));
    ck_assert(match("not(active eq false)and(title eq \"\"or active pr)"));
    ck_assert(match("  active\teq\ntrue  "));
    ck_assert(match(R"(userName eq"bjensen@example.com")"));

    Error err;
    auto f = parse_filter(R"(a pr)", schema, err);
    ck_assert(!f);
    f = parse_filter(R"(title pr or userName pr and active pr or id pr)", schema, err);
    ck_assert(f && f->op == Op::Or && f->operands.size() == 3);
    ck_assert(f->operands[1]->op == Op::And && f->operands[1]->operands.size() == 2);
    ck_assert_uint_eq(f->operands[1]->at, 13);
    ck_assert_string_eq(f->operands[1]->operands[1]->path.attr, "active");
}
END_TEST

START_TEST(null_and_presence) {
    ck_assert(match("title eq null")); // "" is not present
    ck_assert(!match("title ne null"));
    ck_assert(match("loginCount ne null"));
    ck_assert(match("ims eq null"));
    ck_assert(!match("emails eq null"));
    ck_assert(match("name eq null", R"({"name": {"givenName": null}})"));
    ck_assert(match("emails[value eq null]", R"({"emails": [{"type": "work"}]})"));
    // an absent attribute matches no comparison but eq null
    const char *none = R"({"userName": "x"})";
    ck_assert(!match(R"(title eq "x")", none));
    ck_assert(!match(R"(title ne "x")", none));
    ck_assert(match(R"(not (title eq "x"))", none));
    ck_assert(match("title eq null", none));
    ck_assert(!match("title pr", none));
    ck_assert(!match(R"(title ne "x")", R"({"title": null})"));
}
END_TEST

START_TEST(syntax_errors) {
    ck_assert_string_eq(error_of(""),
                        "at character 1: expected an attribute name, '(' or 'not' but found end "
                        "of input");
    ck_assert_string_eq(error_of("userName"),
                        "at character 9: expected an operator (eq ne co sw ew gt ge lt le pr) "
                        "but found end of input");
    ck_assert_string_eq(error_of(R"(userName equals "x")"),
                        "at character 10: expected an operator (eq ne co sw ew gt ge lt le pr) "
                        "but found 'equals'");
    ck_assert_string_eq(error_of(R"(name eqq "x")"),
                        "at character 6: expected an operator (eq ne co sw ew gt ge lt le pr) or "
                        "'[' but found 'eqq'");
    ck_assert_string_eq(error_of("userName eq"),
                        "at character 12: expected a value (a string, number, true, false or "
                        "null) but found end of input");
    ck_assert_string_eq(error_of("userName eq bjensen"),
                        "at character 13: expected a value (a string, number, true, false or "
                        "null) but found 'bjensen'");
    ck_assert_string_eq(error_of(R"(userName eq 'bjensen')"),
                        "at character 13: expected a value (a string, number, true, false or "
                        "null) but found ''bjensen''");
    ck_assert_string_eq(error_of(R"(userName eq "bjensen)"),
                        "at character 13: unterminated string '\"bjensen'");
    ck_assert_string_eq(error_of(R"(userName eq "a\qb")"),
                        "at character 13: invalid string '\"a\\qb\"': invalid escape near "
                        "'\"a\\q'");
    // jansson's excerpt cuts the é after "\u00" in half: the detail stays UTF-8
    ck_assert_string_eq(error_of("userName eq \"\\u00\xC3\xA9\""),
                        "at character 13: invalid string '\"\\u00\xC3\xA9\"': invalid escape "
                        "near '\"\\u00\xEF\xBF\xBD'");
    ck_assert_string_eq(error_of(R"(userName eq "a\u0000")"),
                        "at character 13: invalid string '\"a\\u0000\"': \\u0000 is not allowed");
    ck_assert_string_eq(error_of(R"(userName eq "x" active eq true)"),
                        "at character 17: expected 'and', 'or' or end of input but found "
                        "'active'");
    ck_assert_string_eq(error_of(R"(userName eq "x" and)"),
                        "at character 20: expected an attribute name, '(' or 'not' but found end "
                        "of input");
    ck_assert_string_eq(error_of(R"(userName eq "x" andactive eq true)"),
                        "at character 17: expected 'and', 'or' or end of input but found "
                        "'andactive'");
    ck_assert_string_eq(error_of(R"((userName eq "x")"),
                        "at character 17: expected 'and', 'or' or ')' but found end of input");
    ck_assert_string_eq(error_of(R"(userName eq "x"))"),
                        "at character 16: expected 'and', 'or' or end of input but found ')'");
    ck_assert_string_eq(error_of(R"(not userName eq "x")"),
                        "at character 5: expected '(' after 'not' but found 'userName'");
    ck_assert_string_eq(error_of(R"(emails[type eq "work")"),
                        "at character 22: expected 'and', 'or' or ']' but found end of input");
    ck_assert_string_eq(error_of("emails[type eq \"work\")]"),
                        "at character 22: expected 'and', 'or' or ']' but found ')'");
    ck_assert_string_eq(error_of(R"(emails[emails[type eq "work"]])"),
                        "at character 8: 'emails' has no sub-attribute 'emails'");
    ck_assert_string_eq(error_of(R"(emails[type[value eq "work"]])"),
                        "at character 12: a value filter cannot hold another value filter");
    ck_assert_string_eq(error_of(R"(emails[emails.type eq "work"])"),
                        "at character 8: expected a sub-attribute name of 'emails' but found "
                        "'emails.type'");
    ck_assert_string_eq(error_of(R"(emails[type eq "work"].value)"),
                        "at character 29: expected an operator (eq ne co sw ew gt ge lt le pr) "
                        "but found end of input");
    ck_assert_string_eq(error_of(R"(emails[type eq "work"].nothing eq "x")"),
                        "at character 24: 'emails' has no sub-attribute 'nothing'");
    ck_assert_string_eq(error_of("userName eq \"x\" # comment"),
                        "at character 17: expected 'and', 'or' or end of input but found '#'");
    ck_assert_string_eq(error_of("userName eq 12abc"),
                        "at character 13: expected a value (a string, number, true, false or "
                        "null) but found '12abc'");
    ck_assert_string_eq(error_of("1userName pr"),
                        "at character 1: expected an attribute name but found '1userName'");
    ck_assert_string_eq(error_of("name.givenName.x pr"),
                        "at character 1: 'name.givenName.x' names more than one sub-attribute");
    ck_assert_string_eq(error_of("name. pr"),
                        "at character 6: expected a sub-attribute name but found ''");
    // positions count characters, not bytes
    ck_assert_string_eq(error_of("displayName eq \"Zoë\" ör"),
                        "at character 22: expected 'and', 'or' or end of input but found 'ö'");
}
END_TEST

START_TEST(schema_errors) {
    ck_assert_string_eq(error_of(R"(usrName eq "x")"),
                        "at character 1: unknown attribute 'usrName'");
    ck_assert_string_eq(error_of(R"(name.nickName eq "x")"),
                        "at character 6: 'name' has no sub-attribute 'nickName'");
    ck_assert_string_eq(error_of(R"(userName.value eq "x")"),
                        "at character 10: 'userName' has no sub-attributes");
    ck_assert_string_eq(error_of(R"(urn:example:params:scim:schemas:Thing:x eq "x")"),
                        "at character 1: unknown schema 'urn:example:params:scim:schemas:Thing'");
    ck_assert_string_eq(
        error_of(std::string(enterprise_user_urn) + ":userName eq \"x\""),
        std::string("at character 60: unknown attribute 'userName' in the schema '") +
            enterprise_user_urn + "'");
    ck_assert_string_eq(error_of(std::string(enterprise_user_urn) + " pr"),
                        "at character 59: expected ':' and an attribute name after the schema URN "
                        "'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User'");
    ck_assert_string_eq(
        error_of(std::string(core_group_urn) + ":displayName pr"),
        "at character 1: unknown schema 'urn:ietf:params:scim:schemas:core:2.0:Group'");
    ck_assert_string_eq(error_of(R"(name eq "Barbara")"),
                        "at character 6: 'name' is complex: name one of its sub-attributes");
    ck_assert_string_eq(error_of(R"(userName[value eq "x"])"),
                        "at character 1: 'userName' is a string: only a complex attribute takes a "
                        "value filter");
    ck_assert_string_eq(error_of(R"(name.givenName[value eq "x"])"),
                        "at character 15: a value filter follows an attribute, not a sub-attribute "
                        "such as 'name.givenName'");
}
END_TEST

START_TEST(type_errors) {
    ck_assert_string_eq(error_of("active gt true"),
                        "at character 8: gt does not apply to 'active', a boolean");
    ck_assert_string_eq(error_of("active co true"),
                        "at character 8: co does not apply to 'active', a boolean");
    ck_assert_string_eq(error_of("x509Certificates.value lt \"M\""),
                        "at character 24: lt does not apply to 'x509Certificates.value', a binary");
    ck_assert_string_eq(error_of("loginCount sw 1"),
                        "at character 12: sw does not apply to 'loginCount', an integer");
    ck_assert_string_eq(error_of("active eq \"true\""),
                        "at character 11: 'active' is a boolean: expected true or false but found "
                        "'\"true\"'");
    ck_assert_string_eq(error_of("loginCount eq \"12\""),
                        "at character 15: 'loginCount' is an integer: expected a number but found "
                        "'\"12\"'");
    ck_assert_string_eq(
        error_of("score gt true"),
        "at character 10: 'score' is a decimal: expected a number but found 'true'");
    ck_assert_string_eq(error_of("userName eq 5"),
                        "at character 13: 'userName' is a string: expected a string but found '5'");
    ck_assert_string_eq(error_of("emails[type eq false]"),
                        "at character 16: 'type' is a string: expected a string but found 'false'");
    ck_assert_string_eq(
        error_of(R"(meta.lastModified gt "2011-05-13")"),
        "at character 22: 'meta.lastModified' is a dateTime: expected an RFC 3339 date-time but "
        "found '\"2011-05-13\"' (expected 'T' at position 10)");
    ck_assert_string_eq(error_of("userName gt null"),
                        "at character 13: null is compared with eq or ne only, not gt");
    ck_assert_string_eq(error_of("userName co null"),
                        "at character 13: null is compared with eq or ne only, not co");
    ck_assert_string_eq(error_of("userName eq 1e999"),
                        "at character 13: expected a value (a string, number, true, false or "
                        "null) but found '1e999'");
}
END_TEST

START_TEST(limits) {
    std::string deep = "userName pr";
    for (int i = 0; i < max_filter_depth; i++)
        deep = "(" + deep + ")";
    ck_assert(match(deep));
    ck_assert_string_eq(error_of("(" + deep + ")"),
                        "at character 33: nesting deeper than 32 levels");
    std::string nots = "userName pr";
    for (int i = 0; i < 33; i++)
        nots = "not (" + nots + ")";
    ck_assert_string_eq(error_of(nots), "at character 165: nesting deeper than 32 levels");
    std::string longest = "userName eq \"" + std::string(max_filter_bytes - 14, 'x') + "\"";
    ck_assert_uint_eq(longest.size(), max_filter_bytes);
    ck_assert(!match(longest));
    ck_assert_string_eq(error_of(longest + " "), "the filter is longer than 4096 bytes");
    ck_assert_string_eq(error_of("userName eq \"\xFF\""), "the filter is not valid UTF-8");
    // a long chain is one node, not a deep tree
    std::string chain = "userName pr";
    while (chain.size() < max_filter_bytes - 20)
        chain += " and userName pr";
    Error err;
    auto f = parse_filter(chain, schema, err);
    ck_assert(f && f->op == Op::And && f->operands.size() > 250);
}
END_TEST

START_TEST(patch_paths) {
    Error err;
    PatchPath p;
    ck_assert(parse_patch_path("name.FAMILYNAME", schema, p, err));
    ck_assert_string_eq(p.path.urn, "");
    ck_assert_string_eq(p.path.attr, "name");
    ck_assert_string_eq(p.path.sub, "familyName");
    ck_assert(!p.filter);
    ck_assert_string_eq(p.sub, "");
    ck_assert(p.info.type == Type::String);

    ck_assert(parse_patch_path(R"(emails[type eq "work"].value)", schema, p, err));
    ck_assert_string_eq(p.path.attr, "emails");
    ck_assert_string_eq(p.path.sub, "");
    ck_assert_string_eq(p.sub, "value");
    ck_assert(p.filter && p.filter->op == Op::Eq);
    ck_assert_string_eq(p.filter->path.sub, "type");
    Json work = load(R"({"type": "Work", "value": "a@b"})");
    Json home = load(R"({"type": "home", "value": "a@b"})");
    ck_assert(element_matches(*p.filter, work.get(), p.path, schema));
    ck_assert(!element_matches(*p.filter, home.get(), p.path, schema));

    ck_assert(
        parse_patch_path(R"(emails[type eq "work" and not (value ew ".org")])", schema, p, err));
    ck_assert(p.sub.empty() && p.info.type == Type::Complex && p.info.multi_valued);
    ck_assert(element_matches(*p.filter, work.get(), p.path, schema));

    ck_assert(parse_patch_path(R"(groups[value eq "e9e30dba"])", schema, p, err));
    Json g = load(R"({"value": "e9e30dba"})");
    ck_assert(element_matches(*p.filter, g.get(), p.path, schema));
    Json not_object = load(R"("e9e30dba")");
    ck_assert(!element_matches(*p.filter, not_object.get(), p.path, schema));

    ck_assert(
        parse_patch_path(std::string(enterprise_user_urn) + ":manager.value", schema, p, err));
    ck_assert_string_eq(p.path.urn, enterprise_user_urn);
    ck_assert_string_eq(p.path.attr, "manager");
    ck_assert_string_eq(p.path.sub, "value");
    ck_assert(parse_patch_path(
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:user:employeenumber", schema, p,
        err));
    ck_assert_string_eq(p.path.urn, enterprise_user_urn); // the schema's spelling
    ck_assert_string_eq(p.path.attr, "employeeNumber");
    ck_assert(parse_patch_path(std::string(core_user_urn) + ":userName", schema, p, err));
    ck_assert_string_eq(p.path.urn, "");
    ck_assert_string_eq(p.path.attr, "userName");
    ck_assert(parse_patch_path("members", schema, p, err) == false);

    ck_assert_string_eq(path_error(""),
                        "at character 1: expected an attribute name but found end of input");
    ck_assert_string_eq(path_error("members"), "at character 1: unknown attribute 'members'");
    ck_assert_string_eq(path_error(R"(name.givenName[value eq "x"])"),
                        "at character 15: a value filter follows an attribute, not a sub-attribute "
                        "such as 'name.givenName'");
    ck_assert_string_eq(path_error("name.givenName x"),
                        "at character 16: expected end of input but found 'x'");
    ck_assert_string_eq(path_error("emails x"),
                        "at character 8: expected '[' or end of input but found 'x'");
    ck_assert_string_eq(path_error(R"(emails[type eq "work"] x)"),
                        "at character 24: expected end of input but found 'x'");
    ck_assert_string_eq(path_error(R"(emails[type eq "work"].value.x)"),
                        "at character 24: expected a sub-attribute name of 'emails' but found "
                        "'value.x'");
    ck_assert_string_eq(path_error(R"(emails[type eq "work"].)"),
                        "at character 24: expected a sub-attribute name of 'emails' but found end "
                        "of input");
    ck_assert_string_eq(error_of(R"(emails[type eq "work"].[)"),
                        "at character 24: expected a sub-attribute name of 'emails' but found '['");
    ck_assert_string_eq(path_error(R"(emails[type eq])"),
                        "at character 15: expected a value (a string, number, true, false or "
                        "null) but found ']'");
    ck_assert_string_eq(path_error(R"(emails[type eq "work")"),
                        "at character 22: expected 'and', 'or' or ']' but found end of input");
    ck_assert_string_eq(path_error(R"(userName[value eq "x"])"),
                        "at character 1: 'userName' is a string: only a complex attribute takes a "
                        "value filter");
    ck_assert_string_eq(path_error(std::string(max_filter_bytes + 1, 'a')),
                        "the path is longer than 4096 bytes");
}
END_TEST

START_TEST(index_hints) {
    auto hint = [](const std::string &filter) {
        Error err;
        auto f = parse_filter(filter, schema, err);
        ck_assert_msg(f != nullptr, "%s", err.detail.c_str());
        IndexHint h = index_hint(*f);
        const char *kinds[] = {"none", "userName", "externalId", "id"};
        return std::string(kinds[h.kind]) + (h.kind ? " " + h.value : "");
    };
    ck_assert_string_eq(hint(R"(userName eq "BJensen")"), "userName BJensen");
    ck_assert_string_eq(hint(R"(USERNAME EQ "a\"b")"), "userName a\"b");
    ck_assert_string_eq(hint(R"(urn:ietf:params:scim:schemas:core:2.0:User:userName eq "x")"),
                        "userName x");
    ck_assert_string_eq(hint(R"(externalId eq "00u1")"), "externalId 00u1");
    ck_assert_string_eq(hint(R"(id eq "2819c223")"), "id 2819c223");
    ck_assert_string_eq(hint(R"(active eq true and externalId eq "e" and userName eq "u")"),
                        "userName u");
    ck_assert_string_eq(hint(R"(externalId eq "e" and id eq "i")"), "id i");
    ck_assert_string_eq(hint(R"((userName eq "u"))"), "userName u");
    ck_assert_string_eq(hint(R"(userName eq "u" or active eq true)"), "none");
    ck_assert_string_eq(hint(R"(userName ne "u")"), "none");
    ck_assert_string_eq(hint(R"(userName eq null)"), "none");
    ck_assert_string_eq(hint(R"(userName sw "u")"), "none");
    ck_assert_string_eq(hint(R"(not (userName eq "u"))"), "none");
    ck_assert_string_eq(hint(R"(emails[value eq "u"])"), "none");
    ck_assert_string_eq(hint(R"(active eq true and (userName eq "u" or id eq "i"))"), "none");
}
END_TEST

START_TEST(the_module_schemas) {
    // the same parser over scim_schema.h++'s Describe of a User and a Group
    const Describe &users = user_schema(), &groups = group_schema();
    Error err;
    Json u = load(bjensen);
    auto f = parse_filter(std::string(core_user_urn) +
                              ":userName eq \"BJENSEN@example.com\" and "
                              "schemas eq \"" +
                              enterprise_user_urn + "\" and " + enterprise_user_urn +
                              ":manager.displayName sw \"john\"",
                          users, err);
    ck_assert_msg(f != nullptr, "%s", err.detail.c_str());
    ck_assert(matches(*f, u.get(), users));
    f = parse_filter(std::string(core_group_urn) + ":displayName pr", users, err);
    ck_assert(!f);
    ck_assert_string_eq(
        err.detail, "at character 1: unknown schema 'urn:ietf:params:scim:schemas:core:2.0:Group'");
    Json g = load(R"({"displayName": "Tour Guides", "members": [{"value": "2819c223"}]})");
    f = parse_filter(std::string(core_group_urn) + ":displayName eq \"tour guides\" and members eq "
                                                   "\"2819c223\"",
                     groups, err);
    ck_assert_msg(f != nullptr, "%s", err.detail.c_str());
    ck_assert(matches(*f, g.get(), groups));
    ck_assert(!parse_filter("userName pr", groups, err));
    ck_assert_string_eq(err.detail, "at character 1: unknown attribute 'userName'");
    // a reference is case exact though RFC 7643 8.7.1 says caseExact false of it
    ck_assert(!users.describe("", "groups", "$ref").case_exact);
    f = parse_filter(R"(groups[$ref ew "/E9E30DBA"])", users, err);
    ck_assert(f && !matches(*f, u.get(), users));
}
END_TEST

int main() {
    Suite *s = suite_create("scim_filter");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, rfc_examples);
    tcase_add_test(tc, every_operator_on_strings);
    tcase_add_test(tc, unicode_case);
    tcase_add_test(tc, booleans_numbers_and_dates);
    tcase_add_test(tc, multi_valued_and_complex);
    tcase_add_test(tc, extension_attributes);
    tcase_add_test(tc, names_and_keywords_ignore_case);
    tcase_add_test(tc, precedence_and_grouping);
    tcase_add_test(tc, null_and_presence);
    tcase_add_test(tc, syntax_errors);
    tcase_add_test(tc, schema_errors);
    tcase_add_test(tc, type_errors);
    tcase_add_test(tc, limits);
    tcase_add_test(tc, patch_paths);
    tcase_add_test(tc, index_hints);
    tcase_add_test(tc, the_module_schemas);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
