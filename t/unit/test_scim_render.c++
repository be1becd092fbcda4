// SCIM User resources are written straight into the answer
// (append_user_resource); the bytes are those of jansson's compact dump of
// the tree user_resource builds (what PATCH starts from and what a projected
// answer is made of), for any user: missing fields, strings that need
// escaping or are not UTF-8, attributes kept under their URN names (as text
// or JSON, repeated, in another case, unknown, unparseable), the enterprise
// extension, groups with and without their record, and any base URL.
#include "json.h++"
#include "rfc3339.h++"
#include "scim_internal.h++"
#include "unit.h++"
#include "users.h++"

#include <sodium.h>

#include <random>

using namespace mtt;
using namespace mtt::scim;

namespace {

template <size_t N> const char *pick(std::mt19937 &rng, const char *const (&from)[N]) {
    return from[rng() % N];
}

std::string text(std::mt19937 &rng) {
    static const char *const parts[] = {"a",    "Z",  "\"", "\\", "/",    "é",
                                        "zoë",  "ß",  "😀",  " ",  "\x01", "\x1f",
                                        "\x7f", "\t", "\n", "<>", "'",    "$ref"};
    std::string s;
    for (unsigned i = 0, n = rng() % 6; i < n; ++i)
        s += pick(rng, parts);
    if (rng() % 40 == 0)
        s += "\xff"; // not UTF-8: json_str gives null, and the key is left out
    return s;
}

std::optional<std::string> maybe(std::mt19937 &rng) {
    if (rng() % 3 == 0)
        return std::nullopt;
    return text(rng);
}

const std::string core = std::string(core_user_urn) + ":";
const std::string ent = std::string(enterprise_user_urn) + ":";

// An attribute as the store may hold it: what SCIM keeps, and what v0 or
// the directory may have put under the same names.
Attribute attribute(std::mt19937 &rng) {
    static const char *const core_json[][2] = {
        {"emails", R"([{"type":"home","value":"h@example.org"},{"type":"work","primary":true}])"},
        {"emails", R"([{"type":"work","primary":true}])"},
        {"emails", R"([{"value":"x@example.org","display":"é\"q"}])"},
        {"emails", "{\"not\":\"a list\"}"},
        {"emails", "[{"},
        {"phoneNumbers", R"([{"type":"mobile","value":"+1 555"},{"type":"work"}])"},
        {"phoneNumbers", R"([{"type":"work"}])"},
        {"name", R"({"middleName":"Q","formatted":"Ms. Q"})"},
        {"name", R"({"familyName":"Kept","honorificPrefix":"Dr"})"},
        {"name", "[1]"},
        {"name", "not json"},
        {"roles", R"([{"value":"staff","display":"Staff","primary":true},{"value":"gone"}])"},
        {"roles", "[]"},
        {"addresses", R"([{"streetAddress":"Kerkstraat 1","locality":"Ë","type":"work"}])"},
        {"x509Certificates", R"([{"value":"MIIC"}])"},
        {"ims", R"([{"value":"q","type":"xmpp"}])"},
        {"entitlements", "[{\"value\":\"e\"}]"},
        {"meta", R"({"resourceType":"Kept"})"},
        {"groups", R"([{"value":"kept"}])"},
        {"active", "false"},
        {"active", "\"yes\""},
        {"photos", "{broken"},
    };
    static const char *const core_text[] = {
        "title",       "nickName",   "TITLE",       "profileUrl", "userType", "preferredLanguage",
        "timezone",    "externalId", "displayName", "locale",     "userName", "password",
        "unknownAttr", "",           "id"};
    static const char *const ent_text[] = {"employeeNumber", "EmployeeNumber", "costCenter",
                                           "organization",   "division",       "department",
                                           "nothing"};
    static const char *const ent_json[] = {
        R"({"value":"26118915-6090-4610-87e4-49d8ca9f808d","displayName":"Boss"})",
        R"({"value":"m"})", "{", "\"a string\""};
    static const char *const plain[] = {"department", "Office", "urn:other:thing",
                                        "urn:ietf:params:scim:schemas:core:2.0:Userx"};
    Attribute a;
    switch (rng() % 6) {
    case 0: {
        const auto &c = core_json[rng() % (sizeof core_json / sizeof *core_json)];
        a = {core + c[0], {c[1]}};
        break;
    }
    case 1:
    case 2:
        a = {core + pick(rng, core_text), {text(rng)}};
        break;
    case 3:
        a = {ent + pick(rng, ent_text), {text(rng)}};
        break;
    case 4:
        a = {ent + "manager", {pick(rng, ent_json)}};
        break;
    default:
        a = {pick(rng, plain), {text(rng)}};
    }
    if (rng() % 20 == 0)
        a.values.clear(); // no value: not shown
    else if (rng() % 10 == 0)
        a.values.push_back("a second value");
    return a;
}

User random_user(std::mt19937 &rng, const std::vector<std::string> &roles) {
    User u;
    u.id = new_user_id();
    u.username = rng() % 8 ? "u" + std::to_string(rng() % 100000) : "u" + text(rng);
    u.email = maybe(rng);
    u.first_name = maybe(rng);
    u.last_name = maybe(rng);
    u.phone = maybe(rng);
    u.display_name = maybe(rng);
    u.locale = rng() % 2 ? std::optional<std::string>("en-GB") : maybe(rng);
    u.external_id = maybe(rng);
    u.enabled = rng() % 2;
    for (unsigned i = 0, n = rng() % 4; i < n; ++i)
        u.roles.push_back(roles[rng() % roles.size()]);
    static const int64_t times[] = {
        0, 1764769916, -1, 253402300799, 253402300800, -62167219200, -62167219201, 951782400};
    if (rng() % 5)
        u.created = rng() % 3 ? times[rng() % 8] : static_cast<int64_t>(rng());
    if (rng() % 5)
        u.last_modified = times[rng() % 8];
    u.version = rng() % 4 ? rng() % 100 : 18446744073709551615ull;
    if (rng() % 4) {
        u.attributes.emplace();
        for (unsigned i = 0, n = rng() % 7; i < n; ++i)
            u.attributes->push_back(attribute(rng));
    }
    return u;
}

std::string direct(const Txn &txn, std::string_view base, const User &u) {
    std::string out = "[";
    append_user_resource(out, txn, base, u);
    return out.substr(1);
}

std::string jansson(const Txn &txn, std::string_view base, const User &u) {
    Json j(user_resource(txn, base, u));
    return dump(j.get());
}

} // namespace

START_TEST(direct_rendering_is_janssons) {
    TempDir dir;
    Env env(store_options(dir));
    // roles with a group record (put_user makes them), and one without
    std::vector<std::string> roles = {"staff", "student", "zoë \"q\"", "tab\there", "😀"};
    {
        Txn txn(env, Txn::Write);
        for (const auto &r : roles) {
            User holder;
            holder.id = new_user_id();
            holder.username = "holder" + std::to_string(&r - roles.data());
            holder.roles = {r};
            put_user(txn, holder, nullptr);
        }
        txn.commit();
    }
    roles.push_back("no group record");
    std::mt19937 rng(15);
    static const char *const bases[] = {"http://localhost/scim/v2/", "https://h\\x/\"q\"/",
                                        "https://é.example/scim/", "http://bad\xff/"};
    Txn txn(env, Txn::Read);
    // how often the rounds met each case (each must come up)
    static const char *const cases[] = {
        "\"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User\":{",
        "\"addresses\":",
        "\"title\":",
        "\"manager\":{",
        "\\u00",
        "\"groups\":[]",
        "\"emails\":[{\"type\"",
        "\"name\":{\"middleName\"",
        "\"roles\":[{\"value\":\"staff\",\"display\"",
        "\"externalId\":",
        "$ref\":\"https://h\\\\x/"};
    size_t seen[sizeof cases / sizeof *cases] = {}, moved_meta = 0, no_location = 0;
    for (int round = 0; round < 4000; ++round) {
        User u = random_user(rng, roles);
        std::string base = bases[round % 4 == 3 ? rng() % 4 : 0];
        std::string want = jansson(txn, base, u);
        ck_assert_string_eq(direct(txn, base, u), want);
        for (size_t i = 0; i < sizeof cases / sizeof *cases; ++i)
            seen[i] += want.find(cases[i]) != std::string::npos;
        // meta ends the resource ("version" ends meta) unless a kept "meta" placed it
        moved_meta += want.size() < 5 || want.compare(want.size() - 5, 5, "\\\"\"}}") != 0;
        no_location += want.find("\"location\"") == std::string::npos;
    }
    for (size_t i = 0; i < sizeof cases / sizeof *cases; ++i)
        ck_assert_msg(seen[i] > 0, "no round wrote %s", cases[i]);
    ck_assert(moved_meta > 0);
    ck_assert(no_location > 0);
}
END_TEST

// The cases above, one by one, with the bytes written out.
START_TEST(a_user_as_the_bench_loads_it) {
    TempDir dir;
    Env env(store_options(dir));
    User u;
    u.id = std::string("\x1d\x86\xe6\x66\x6e\x47\x4f\x44\x8a\xc6\xd7\x6a\x92\x30\x9f\x1d", 16);
    u.username = "u50000";
    u.email = "u50000@example.org";
    u.first_name = "First50000";
    u.last_name = "Last50000";
    u.phone = "+31 20 005 0000";
    u.display_name = "User 50000";
    u.locale = "en-GB";
    u.enabled = false;
    u.attributes = std::vector<Attribute>{{"department", {"dept0"}}};
    u.roles = {"staff"};
    {
        Txn txn(env, Txn::Write);
        put_user(txn, u, nullptr);
        txn.commit();
    }
    Txn txn(env, Txn::Read);
    auto stored = find_user(txn, u.id);
    ck_assert(stored.has_value());
    auto g = find_group_by_name(txn, "staff");
    ck_assert(g.has_value());
    std::string gid = format_guid(g->id), at = format_rfc3339(*stored->created);
    std::string want =
        R"({"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],)"
        R"("id":"1d86e666-6e47-4f44-8ac6-d76a92309f1d","userName":"u50000",)"
        R"("name":{"familyName":"Last50000","givenName":"First50000"},)"
        R"("displayName":"User 50000","locale":"en-GB","active":false,)"
        R"("emails":[{"value":"u50000@example.org","type":"work","primary":true}],)"
        R"("phoneNumbers":[{"value":"+31 20 005 0000","type":"work"}],)"
        R"("roles":[{"value":"staff"}],)"
        R"("groups":[{"value":")" +
        gid + R"(","$ref":"http://h/scim/v2/Groups/)" + gid +
        R"(","display":"staff"}],)"
        R"("meta":{"resourceType":"User","created":")" +
        at + R"(","lastModified":")" + at +
        R"(","location":"http://h/scim/v2/Users/1d86e666-6e47-4f44-8ac6-d76a92309f1d",)"
        R"("version":"W/\"1\""}})";
    ck_assert_string_eq(direct(txn, "http://h/scim/v2/", *stored), want);
    ck_assert_string_eq(jansson(txn, "http://h/scim/v2/", *stored), want);
}
END_TEST

START_TEST(kept_attributes_in_their_places) {
    TempDir dir;
    Env env(store_options(dir));
    Txn txn(env, Txn::Read);
    User u;
    u.id = std::string(16, '\0');
    u.username = "zoë";
    u.first_name = "Zo\xc3"; // cut inside a character: not UTF-8, left out
    u.version = 3;
    u.attributes = std::vector<Attribute>{
        {ent + "employeeNumber", {"701984"}},
        {core + "title", {"Tour \"Guide\""}},
        {ent + "manager", {"{"}},             // not JSON: not shown
        {core + "meta", {"{}"}},              // meta goes here
        {ent + "EmployeeNumber", {"701985"}}, // the same attribute: its value, first place
        {core + "Title", {"second"}},         // the same attribute: the first stays
        {core + "externalId", {"kept ext"}},  // shown: the user has no externalId
        {core + "emails", {R"([{"type":"home","value":"h@example.org"}])"}},
    };
    std::string want =
        R"({"schemas":["urn:ietf:params:scim:schemas:core:2.0:User",)"
        R"("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],)"
        R"("id":"00000000-0000-0000-0000-000000000000","userName":"zoë","active":true,)"
        R"("emails":[{"type":"home","value":"h@example.org"}],)"
        R"("title":"Tour \"Guide\"",)"
        R"("meta":{"resourceType":"User","location":"b/Users/00000000-0000-0000-0000-000000000000",)"
        R"("version":"W/\"3\""},)"
        R"("externalId":"kept ext",)"
        R"("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"employeeNumber":"701985"}})";
    ck_assert_string_eq(direct(txn, "b/", u), want);
    ck_assert_string_eq(jansson(txn, "b/", u), want);
}
END_TEST

// Every byte at every place of strings of 1 to 20 bytes (the writer tests
// eight bytes at a time whether a string needs jansson).
START_TEST(every_byte_anywhere) {
    TempDir dir;
    Env env(store_options(dir));
    Txn txn(env, Txn::Read);
    User u;
    u.id = std::string(16, '\x5a');
    for (size_t len = 1; len <= 20; ++len)
        for (size_t at = 0; at < len; ++at)
            for (int b = 0; b < 256; ++b) {
                std::string s(len, 'a');
                s[at] = static_cast<char>(b);
                u.username = s;
                u.display_name = "\xc3\xa9" + s; // after a character of two bytes
                ck_assert_string_eq(direct(txn, s, u), jansson(txn, s, u));
            }
}
END_TEST

int main() {
    if (sodium_init() < 0)
        return 1;
    Suite *s = suite_create("scim_render");
    TCase *c = tcase_create("render");
    tcase_set_timeout(c, 60);
    tcase_add_test(c, direct_rendering_is_janssons);
    tcase_add_test(c, a_user_as_the_bench_loads_it);
    tcase_add_test(c, kept_attributes_in_their_places);
    tcase_add_test(c, every_byte_anywhere);
    suite_add_tcase(s, c);
    return run_suite(s);
}
