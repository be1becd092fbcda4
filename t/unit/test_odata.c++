#include "odata.h++"
#include "unit.h++"

#include <algorithm>
#include <array>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

using namespace mtt::odata;

namespace {

// ------------------------------------------------------------------ fixture

enum UserField : size_t {
    Id,
    UserName,
    Email,
    FirstName,
    LastName,
    Phone,
    LastLogIn,
    Enabled,
    IsExternal
};

const Schema &schema() {
    static const Schema s{
        {"Id", Type::String, true},    {"UserName", Type::String}, {"Email", Type::String},
        {"FirstName", Type::String},   {"LastName", Type::String}, {"Phone", Type::String},
        {"LastLogIn", Type::DateTime}, {"Enabled", Type::Boolean}, {"IsExternal", Type::Boolean},
    };
    return s;
}

class TestRow : public Row {
  public:
    std::array<Value, 9> values;
    Value get(size_t field) const override { return values.at(field); }
    std::string name() const { return std::string(values[UserName].text); }
};

Value str(const char *s) {
    return s ? Value::of_string(s) : Value::null();
}

constexpr int64_t no_login = std::numeric_limits<int64_t>::min();

TestRow user(const char *id, const char *name, const char *email, const char *first,
             const char *last, const char *phone, int64_t login_ms, bool enabled, bool external) {
    TestRow r;
    r.values = {str(id),
                str(name),
                str(email),
                str(first),
                str(last),
                str(phone),
                login_ms == no_login ? Value::null() : Value::of_datetime_ms(login_ms),
                Value::of_bool(enabled),
                Value::of_bool(external)};
    return r;
}

// The users in UserName byte order, the order the caller iterates in.
const std::vector<TestRow> &users() {
    static const std::vector<TestRow> u{
        user("00000000-0000-4000-8000-000000000005", "BobS", "BOB@partner.example", "  Bob  ",
             "Smith", "555-0100", 946684799000, false, true),
        user("00000000-0000-4000-8000-000000000003", "ghost", nullptr, nullptr, nullptr, nullptr,
             no_login, false, false),
        user("00000000-0000-4000-8000-000000000002", "janed", "jane.doe@example.org", "Jane", "Doe",
             nullptr, 1767225599500, true, false),
        user("00000000-0000-4000-8000-000000000001", "joeb", "joe.bloggs@example.com", "Joe",
             "Bloggs", "+44 20 7946 0000", 1767323045000, true, false),
        user("00000000-0000-4000-8000-000000000006", "obrien", "sean@example.ie", "Se\xC3\xA1n",
             "O'Brien", nullptr, 1767323045001, true, false),
        user("00000000-0000-4000-8000-000000000004", "zo\xC3\xAB", "zoe@example.fr", "Zo\xC3\xAB",
             "\xC3\x85ngstr\xC3\xB6m", "", 1709208000000, true, true),
    };
    return u;
}

const TestRow &row(const char *name) {
    for (const auto &u : users())
        if (u.name() == name)
            return u;
    return users().front();
}

std::string join(const std::vector<std::string> &names) {
    std::string out;
    for (const auto &n : names)
        out += (out.empty() ? "" : ",") + n;
    return out;
}

// The parse error for `f`, or "<parsed>".
std::string filter_error(std::string_view f) {
    auto r = parse_filter(f, schema());
    if (auto *e = std::get_if<Error>(&r))
        return e->message;
    return "<parsed>";
}

std::string query_error(std::string_view q) {
    auto r = parse_query(q, schema());
    if (auto *e = std::get_if<Error>(&r))
        return e->message;
    return "<parsed>";
}

std::string orderby_error(std::string_view o) {
    auto r = parse_orderby(o, schema());
    if (auto *e = std::get_if<Error>(&r))
        return e->message;
    return "<parsed>";
}

// "f -> joeb,janed": the users matching `f`, or the error.
std::string matching(std::string_view f) {
    auto r = parse_filter(f, schema());
    if (auto *e = std::get_if<Error>(&r))
        return std::string(f) + " -> error: " + e->message;
    std::vector<std::string> names;
    for (const auto &u : users())
        if (std::get<Filter>(r).matches(u))
            names.push_back(u.name());
    return std::string(f) + " -> " + join(names);
}

// "true", "false" or "null": the value of `f` for `r`.
std::string value_of(std::string_view f, const Row &r) {
    auto p = parse_filter(f, schema());
    if (auto *e = std::get_if<Error>(&p))
        return "error: " + e->message;
    Value v = std::get<Filter>(p).evaluate(r);
    if (v.kind == Value::Kind::Null)
        return "null";
    if (v.kind != Value::Kind::Boolean)
        return "not a boolean";
    return v.boolean ? "true" : "false";
}

std::string value_of(std::string_view f) {
    return value_of(f, row("joeb"));
}

const char *kind_name(Token::Kind k) {
    switch (k) {
    case Token::Kind::Identifier:
        return "I";
    case Token::Kind::String:
        return "S";
    case Token::Kind::Integer:
        return "N";
    case Token::Kind::Typed:
        return "T";
    case Token::Kind::LParen:
        return "(";
    case Token::Kind::RParen:
        return ")";
    case Token::Kind::Comma:
        return ",";
    case Token::Kind::End:
        return "E";
    }
    return "?";
}

// "I0:Name I5:eq ...": kind, position and text of every token, or the error.
std::string tokens_of(std::string_view s) {
    auto r = tokenize(s, "$filter");
    if (auto *e = std::get_if<Error>(&r))
        return "error: " + e->message;
    std::string out;
    for (const Token &t : std::get<std::vector<Token>>(r)) {
        out += out.empty() ? "" : " ";
        out += kind_name(t.kind) + std::to_string(t.pos) + ":" + std::string(t.text);
    }
    return out;
}

std::string sorted(const std::string &orderby) {
    auto keys = parse_orderby(orderby, schema());
    if (auto *e = std::get_if<Error>(&keys))
        return "error: " + e->message;
    std::vector<const TestRow *> rows;
    for (const auto &u : users())
        rows.push_back(&u);
    const auto &k = std::get<std::vector<OrderKey>>(keys);
    std::stable_sort(rows.begin(), rows.end(), [&](const TestRow *a, const TestRow *b) {
        return compare_rows(*a, *b, k) < 0;
    });
    std::vector<std::string> names;
    for (const TestRow *r : rows)
        names.push_back(r->name());
    return join(names);
}

// "'a','b'": the index_literals of `f` for `field`, or "none".
std::string literals_for(std::string_view f, size_t field) {
    auto r = parse_filter(f, schema());
    if (auto *e = std::get_if<Error>(&r))
        return "error: " + e->message;
    auto lits = index_literals(std::get<Filter>(r), field);
    if (!lits)
        return "none";
    std::string out;
    for (auto l : *lits)
        out += (out.empty() ? "'" : ",'") + std::string(l) + "'";
    return out;
}

// The query of `q` over the user set (with Self, Links and Groups), or
// nothing with the error in `err`.
const EntitySet &user_set() {
    static const EntitySet set{schema(),
                               {"Id", "UserName", "Email", "FirstName", "LastName", "Phone",
                                "LastLogIn", "Enabled", "IsExternal", "Self", "Links"},
                               {"Groups"}};
    return set;
}

std::string set_error(std::string_view q) {
    auto r = parse_query(q, user_set());
    if (auto *e = std::get_if<Error>(&r))
        return e->message;
    return "<parsed>";
}

// "UserName,Self": the selected properties of `q` ("*" when all).
std::string selection(std::string_view q) {
    auto r = parse_query(q, user_set());
    if (auto *e = std::get_if<Error>(&r))
        return "error: " + e->message;
    const Query &query = std::get<Query>(r);
    if (query.select.empty())
        return "*";
    std::vector<std::string> names;
    for (size_t i = 0; i < user_set().properties.size(); ++i)
        if (query.selected(i))
            names.push_back(user_set().properties[i]);
    return join(names);
}

std::string literal_for(std::string_view f, size_t field) {
    auto r = parse_filter(f, schema());
    if (auto *e = std::get_if<Error>(&r))
        return "error: " + e->message;
    auto lit = equality_literal(std::get<Filter>(r), field);
    return lit ? "'" + std::string(*lit) + "'" : "none";
}

std::string repeat(std::string_view s, size_t n) {
    std::string out;
    for (size_t i = 0; i < n; ++i)
        out += s;
    return out;
}

} // namespace

// ------------------------------------------------------------------ tokenizer

START_TEST(tokenizer_kinds_and_positions) {
    ck_assert_string_eq(tokens_of("Name eq 'it''s' and(-12L,datetime'2026-01-02T03:04')"),
                        "I0:Name I5:eq S8:'it''s' I16:and (19:( N20:-12L ,24:, "
                        "T25:datetime'2026-01-02T03:04' )51:) E52:");
    ck_assert_string_eq(tokens_of("  \t"), "E3:");
    ck_assert_string_eq(tokens_of(""), "E0:");
    ck_assert_string_eq(tokens_of("a_1\n\r,''"), "I0:a_1 ,5:, S6:'' E8:");
    ck_assert_string_eq(tokens_of("'\xC3\xA9 x' 007"), "S0:'\xC3\xA9 x' N7:007 E10:");
    ck_assert_string_eq(tokens_of("guid'x'"), "T0:guid'x' E7:");
    ck_assert_string_eq(tokens_of("1-2"), "N0:1 N1:-2 E3:");
}
END_TEST

START_TEST(tokenizer_errors) {
    ck_assert_string_eq(tokens_of("a eq 'abc"), "error: $filter: at position 5: unterminated "
                                                "string literal");
    ck_assert_string_eq(tokens_of("a eq 'it''"),
                        "error: $filter: at position 5: unterminated string literal");
    ck_assert_string_eq(tokens_of("a eq datetime'2026"),
                        "error: $filter: at position 13: unterminated string literal");
    ck_assert_string_eq(tokens_of("a # b"),
                        "error: $filter: at position 2: unexpected character '#'");
    ck_assert_string_eq(tokens_of("a - b"),
                        "error: $filter: at position 2: unexpected character '-'");
    ck_assert_string_eq(tokens_of("a eq \xC3\xA9"),
                        "error: $filter: at position 5: unexpected character '\xC3\xA9'");
    ck_assert_string_eq(tokens_of("x eq 1.5"),
                        "error: $filter: at position 5: expected an integer but found '1.5'");
    ck_assert_string_eq(tokens_of("x eq 12abc"),
                        "error: $filter: at position 5: expected an integer but found '12abc'");
    ck_assert_string_eq(tokens_of("'ok' \xFF"), "error: $filter: at position 5: invalid UTF-8");
    ck_assert_string_eq(tokens_of("'\xC3'"), "error: $filter: at position 1: invalid UTF-8");
    auto r = tokenize("#", "$orderby");
    ck_assert_string_eq(std::get<Error>(r).message,
                        "$orderby: at position 0: unexpected character '#'");
}
END_TEST

// ------------------------------------------------------------------ parser errors

START_TEST(parse_errors_syntax) {
    ck_assert_string_eq(filter_error(""), "$filter: the expression is empty");
    ck_assert_string_eq(filter_error("   "), "$filter: the expression is empty");
    ck_assert_string_eq(filter_error("UserName eq"),
                        "$filter: at position 11: expected an expression but found end of input");
    ck_assert_string_eq(filter_error("()"),
                        "$filter: at position 1: expected an expression but found ')'");
    ck_assert_string_eq(filter_error("and Enabled"),
                        "$filter: at position 0: expected an expression but found 'and'");
    ck_assert_string_eq(filter_error("Enabled eq eq"),
                        "$filter: at position 11: expected an expression but found 'eq'");
    ck_assert_string_eq(filter_error("UserName eq ,"),
                        "$filter: at position 12: expected an expression but found ','");
    ck_assert_string_eq(filter_error("startswith(UserName,)"),
                        "$filter: at position 20: expected an expression but found ')'");
    ck_assert_string_eq(
        filter_error("Enabled Enabled"),
        "$filter: at position 8: expected an operator or end of input but found 'Enabled'");
    ck_assert_string_eq(
        filter_error("UserName eq 'a' 'b'"),
        "$filter: at position 16: expected an operator or end of input but found 'b'");
    ck_assert_string_eq(
        filter_error("Enabled AND IsExternal"),
        "$filter: at position 8: expected an operator or end of input but found 'AND'");
    ck_assert_string_eq(
        filter_error("Enabled)"),
        "$filter: at position 7: expected an operator or end of input but found ')'");
    ck_assert_string_eq(
        filter_error("(Enabled"),
        "$filter: at position 8: expected an operator or ')' but found end of input");
    ck_assert_string_eq(filter_error("(Enabled IsExternal)"),
                        "$filter: at position 9: expected an operator or ')' but found "
                        "'IsExternal'");
    ck_assert_string_eq(filter_error("startswith(UserName 'x')"),
                        "$filter: at position 20: expected an operator, ',' or ')' but found 'x'");
    ck_assert_string_eq(filter_error("startswith(UserName, 'x'"),
                        "$filter: at position 24: expected an operator, ',' or ')' but found end "
                        "of input");
    ck_assert_string_eq(filter_error("Enabled eq true eq false"),
                        "$filter: at position 16: comparisons cannot be chained; use parentheses");
}
END_TEST

START_TEST(parse_errors_names) {
    ck_assert_string_eq(filter_error("Foo eq 1"), "$filter: at position 0: unknown field 'Foo'");
    ck_assert_string_eq(filter_error("username eq 'a'"),
                        "$filter: at position 0: unknown field 'username'");
    ck_assert_string_eq(filter_error("Self eq 'a'"),
                        "$filter: at position 0: unknown field 'Self'");
    ck_assert_string_eq(filter_error("Enabled and Links"),
                        "$filter: at position 12: unknown field 'Links'");
    ck_assert_string_eq(filter_error("startswith eq 'a'"),
                        "$filter: at position 0: unknown field 'startswith'");
    ck_assert_string_eq(filter_error("foo(UserName)"),
                        "$filter: at position 0: unknown function 'foo'");
    ck_assert_string_eq(filter_error("StartsWith(UserName, 'a')"),
                        "$filter: at position 0: unknown function 'StartsWith'");
    ck_assert_string_eq(filter_error("UserName eq " + repeat("x", 45)),
                        "$filter: at position 12: unknown field "
                        "'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx...'");
    // the cut lands inside the two-byte 'é' at bytes 39..40
    ck_assert_string_eq(filter_error("Enabled '" + repeat("a", 38) + "\xC3\xA9xyz'"),
                        "$filter: at position 8: expected an operator or end of input but found '" +
                            repeat("a", 38) + "...");
}
END_TEST

START_TEST(parse_errors_functions) {
    ck_assert_string_eq(
        filter_error("length(UserName, Email) eq 1"),
        "$filter: at position 0: function 'length' takes 1 argument but was given 2");
    ck_assert_string_eq(
        filter_error("Enabled and startswith(UserName)"),
        "$filter: at position 12: function 'startswith' takes 2 arguments but was given 1");
    ck_assert_string_eq(filter_error("trim() eq 'a'"),
                        "$filter: at position 0: function 'trim' takes 1 argument but was given 0");
    ck_assert_string_eq(
        filter_error("length(Enabled) eq 1"),
        "$filter: at position 7: expected Edm.String for argument 1 of 'length' but "
        "found Edm.Boolean");
    ck_assert_string_eq(filter_error("startswith(UserName, 1)"),
                        "$filter: at position 21: expected Edm.String for argument 2 of "
                        "'startswith' but found Edm.Int64");
    ck_assert_string_eq(filter_error("substringof(LastLogIn, Email)"),
                        "$filter: at position 12: expected Edm.String for argument 1 of "
                        "'substringof' but found Edm.DateTime");
}
END_TEST

START_TEST(parse_errors_types) {
    ck_assert_string_eq(filter_error("UserName eq 1"),
                        "$filter: at position 9: cannot compare Edm.String with Edm.Int64");
    ck_assert_string_eq(filter_error("LastLogIn lt '2026-01-01'"),
                        "$filter: at position 10: cannot compare Edm.DateTime with Edm.String");
    ck_assert_string_eq(filter_error("Enabled eq 'true'"),
                        "$filter: at position 8: cannot compare Edm.Boolean with Edm.String");
    ck_assert_string_eq(filter_error("length(Email) ne Enabled"),
                        "$filter: at position 14: cannot compare Edm.Int64 with Edm.Boolean");
    ck_assert_string_eq(filter_error("Enabled gt false"),
                        "$filter: at position 8: cannot apply 'gt' to Edm.Boolean");
    ck_assert_string_eq(filter_error("null le IsExternal"),
                        "$filter: at position 5: cannot apply 'le' to Edm.Boolean");
    ck_assert_string_eq(filter_error("UserName and Enabled"),
                        "$filter: at position 0: expected Edm.Boolean for the operand of 'and' but "
                        "found Edm.String");
    ck_assert_string_eq(filter_error("Enabled and UserName"),
                        "$filter: at position 12: expected Edm.Boolean for the operand of 'and' "
                        "but found Edm.String");
    ck_assert_string_eq(filter_error("Enabled or length(UserName)"),
                        "$filter: at position 11: expected Edm.Boolean for the operand of 'or' but "
                        "found Edm.Int64");
    ck_assert_string_eq(filter_error("not UserName"),
                        "$filter: at position 4: expected Edm.Boolean for the operand of 'not' but "
                        "found Edm.String");
    // `not` binds tighter than `eq`
    ck_assert_string_eq(filter_error("not UserName eq 'x'"),
                        "$filter: at position 4: expected Edm.Boolean for the operand of 'not' but "
                        "found Edm.String");
    ck_assert_string_eq(filter_error("UserName"),
                        "$filter: at position 0: expected an Edm.Boolean filter but found "
                        "Edm.String");
    ck_assert_string_eq(filter_error("(length(UserName))"),
                        "$filter: at position 0: expected an Edm.Boolean filter but found "
                        "Edm.Int64");
}
END_TEST

START_TEST(parse_errors_literals) {
    ck_assert_string_eq(filter_error("length(UserName) eq 9223372036854775808"),
                        "$filter: at position 20: integer literal '9223372036854775808' is out of "
                        "range for Edm.Int64");
    ck_assert_string_eq(filter_error("length(UserName) eq -9223372036854775809"),
                        "$filter: at position 20: integer literal '-9223372036854775809' is out of "
                        "range for Edm.Int64");
    ck_assert_string_eq(
        filter_error("length(UserName) eq 99999999999999999999999L"),
        "$filter: at position 20: integer literal '99999999999999999999999L' is out "
        "of range for Edm.Int64");
    ck_assert_string_eq(filter_error("Id eq guid'1234'"),
                        "$filter: at position 6: unsupported literal type 'guid'");
    ck_assert_string_eq(filter_error("LastLogIn eq DateTime'2026-01-01T00:00'"),
                        "$filter: at position 13: unsupported literal type 'DateTime'");
    ck_assert_string_eq(filter_error("LastLogIn eq datetime'2026-13-01T00:00:00'"),
                        "$filter: at position 13: expected "
                        "datetime'yyyy-mm-ddThh:mm[:ss[.fffffff]][Z]' but found "
                        "datetime'2026-13-01T00:00:00'");
    ck_assert_string_eq(filter_error("LastLogIn eq datetime'2026-01-01'"),
                        "$filter: at position 13: expected "
                        "datetime'yyyy-mm-ddThh:mm[:ss[.fffffff]][Z]' but found "
                        "datetime'2026-01-01'");
    ck_assert_string_eq(filter_error("LastLogIn eq datetime'2026-01-01T00:00:00.0001'"),
                        "$filter: at position 13: expected at most millisecond precision but found "
                        "datetime'2026-01-01T00:00:00.0001'");
    ck_assert_string_eq(filter_error("LastLogIn gt datetime'" + repeat("9", 50) + "'"),
                        "$filter: at position 13: expected "
                        "datetime'yyyy-mm-ddThh:mm[:ss[.fffffff]][Z]' but found datetime'" +
                            repeat("9", 31) + "...");
    ck_assert_string_eq(filter_error("UserName eq 'abc"),
                        "$filter: at position 12: unterminated string literal");
    ck_assert_string_eq(filter_error("UserName eq '\xFF'"),
                        "$filter: at position 13: invalid UTF-8");
}
END_TEST

// ------------------------------------------------------------------ bounds

START_TEST(filter_length_bound) {
    std::string head = "UserName eq '";
    std::string ok = head + repeat("a", max_filter_bytes - head.size() - 1) + "'";
    ck_assert_uint_eq(ok.size(), 4096);
    ck_assert_string_eq(filter_error(ok), "<parsed>");
    std::string too_long = head + repeat("a", max_filter_bytes - head.size()) + "'";
    ck_assert_uint_eq(too_long.size(), 4097);
    ck_assert_string_eq(filter_error(too_long), "$filter: longer than 4096 bytes");
    // the bound is on the decoded value: 4096 bytes arrive as 3 * 4096 encoded
    std::string encoded =
        "$filter=UserName%20eq%20%27" + repeat("%61", max_filter_bytes - head.size() - 1) + "%27";
    ck_assert_string_eq(query_error(encoded), "<parsed>");
    ck_assert_string_eq(query_error(encoded + "%20"), "$filter: longer than 4096 bytes");
}
END_TEST

START_TEST(nesting_bound) {
    ck_assert_string_eq(matching(repeat("(", 32) + "IsExternal" + repeat(")", 32)),
                        repeat("(", 32) + "IsExternal" + repeat(")", 32) + " -> BobS,zo\xC3\xAB");
    ck_assert_string_eq(filter_error(repeat("(", 33) + "IsExternal" + repeat(")", 33)),
                        "$filter: at position 32: nesting deeper than 32");
    ck_assert_string_eq(matching(repeat("not ", 32) + "IsExternal"),
                        repeat("not ", 32) + "IsExternal -> BobS,zo\xC3\xAB");
    ck_assert_string_eq(filter_error(repeat("not ", 33) + "IsExternal"),
                        "$filter: at position 128: nesting deeper than 32");
    // length + 31 trims: 32 argument lists
    std::string f32 = "length(" + repeat("trim(", 31) + "UserName" + repeat(")", 32) + " eq 3";
    ck_assert_string_eq(matching(f32), f32 + " -> zo\xC3\xAB");
    std::string f33 = "length(" + repeat("trim(", 32) + "UserName" + repeat(")", 33) + " eq 3";
    ck_assert_string_eq(filter_error(f33), "$filter: at position 162: nesting deeper than 32");
    // the kinds add up: 30 parentheses, a not and a function call
    std::string mixed = repeat("(", 30) + "not startswith(UserName, 'j')" + repeat(")", 30);
    ck_assert_string_eq(filter_error(mixed), "<parsed>");
    ck_assert_string_eq(filter_error("(" + mixed + ")"),
                        "$filter: at position 35: nesting deeper than 32");
}
END_TEST

// ------------------------------------------------------------------ evaluator

START_TEST(evaluator_functions) {
    ck_assert_string_eq(value_of("length('\xC3\x85ngstr\xC3\xB6m') eq 8"), "true");
    ck_assert_string_eq(value_of("length('') eq 0"), "true");
    ck_assert_string_eq(value_of("indexof('zo\xC3\xAB zo\xC3\xAB', ' ') eq 3"), "true");
    ck_assert_string_eq(value_of("indexof('abc', 'c') eq 2"), "true");
    ck_assert_string_eq(value_of("indexof('abc', 'x') eq -1"), "true");
    ck_assert_string_eq(value_of("indexof('abc', '') eq 0"), "true");
    ck_assert_string_eq(value_of("substringof('', 'abc')"), "true");
    ck_assert_string_eq(value_of("substringof('bc', 'abc')"), "true");
    ck_assert_string_eq(value_of("substringof('abc', 'bc')"), "false");
    ck_assert_string_eq(value_of("contains('abc', 'bc')"), "true");
    ck_assert_string_eq(value_of("contains('bc', 'abc')"), "false");
    ck_assert_string_eq(value_of("startswith('abc', 'abcd')"), "false");
    ck_assert_string_eq(value_of("startswith('abc', '')"), "true");
    ck_assert_string_eq(value_of("endswith('abc', 'bc')"), "true");
    ck_assert_string_eq(value_of("endswith('abc', 'zabc')"), "false");
    ck_assert_string_eq(value_of("trim(' \t a b \n') eq 'a b'"), "true");
    ck_assert_string_eq(value_of("trim('   ') eq ''"), "true");
    // Unicode simple case mapping: non-ASCII letters too, ß kept
    ck_assert_string_eq(value_of("tolower('\xC3\x80"
                                 "Bc') eq '\xC3\xA0"
                                 "bc'"),
                        "true");
    ck_assert_string_eq(value_of("toupper('stra\xC3\x9f"
                                 "e') eq 'STRA\xC3\x9f"
                                 "E'"),
                        "true");
    ck_assert_string_eq(value_of("toupper('zo\xC3\xAB') eq 'ZO\xC3\x8B'"), "true");
    ck_assert_string_eq(value_of("tolower(toupper('MiXed')) eq 'mixed'"), "true");
    ck_assert_string_eq(value_of("toupper(UserName) eq tolower(UserName)"), "false");
    ck_assert_string_eq(value_of("-9223372036854775808 lt 9223372036854775807L"), "true");
    ck_assert_string_eq(value_of("5L eq 005"), "true");
    ck_assert_string_eq(value_of("'b' gt 'a'"), "true");
    ck_assert_string_eq(value_of("'Z' lt 'a'"), "true");
    ck_assert_string_eq(value_of("'\xC3\xA9' gt 'z'"), "true");
    ck_assert_string_eq(value_of("'it''s' eq 'it' and true"), "false");
    ck_assert_string_eq(value_of("length('it''s') eq 4"), "true");
    ck_assert_string_eq(
        value_of("datetime'2026-01-02T03:04' lt datetime'2026-01-02T03:04:00.001Z'"), "true");
    ck_assert_string_eq(value_of("true eq true"), "true");
    ck_assert_string_eq(value_of("false ne true"), "true");
}
END_TEST

START_TEST(null_semantics) {
    const TestRow &ghost = row("ghost");
    ck_assert_string_eq(value_of("Phone eq null", ghost), "true");
    ck_assert_string_eq(value_of("Phone ne null", ghost), "false");
    ck_assert_string_eq(value_of("null eq Phone", ghost), "true");
    ck_assert_string_eq(value_of("Phone eq 'x'", ghost), "null");
    ck_assert_string_eq(value_of("Phone ne 'x'", ghost), "null");
    ck_assert_string_eq(value_of("not (Phone eq 'x')", ghost), "null");
    ck_assert_string_eq(value_of("Phone eq Email", ghost), "null");
    ck_assert_string_eq(value_of("Phone gt 'a'", ghost), "null");
    ck_assert_string_eq(value_of("Phone le 'a'", ghost), "null");
    ck_assert_string_eq(value_of("not (Phone gt 'a')", ghost), "null");
    ck_assert_string_eq(value_of("LastLogIn lt datetime'2030-01-01T00:00'", ghost), "null");
    ck_assert_string_eq(value_of("startswith(Phone, '+')", ghost), "null");
    ck_assert_string_eq(value_of("length(Phone) eq null", ghost), "true");
    ck_assert_string_eq(value_of("tolower(Email) eq null", ghost), "true");
    ck_assert_string_eq(value_of("substringof('a', FirstName)", ghost), "null");
    ck_assert_string_eq(value_of("indexof(Email, 'a') gt -2", ghost), "null");
    // three-valued and/or over literals
    ck_assert_string_eq(value_of("null and false"), "false");
    ck_assert_string_eq(value_of("false and null"), "false");
    ck_assert_string_eq(value_of("null and true"), "null");
    ck_assert_string_eq(value_of("true and null"), "null");
    ck_assert_string_eq(value_of("null and null"), "null");
    ck_assert_string_eq(value_of("true or null"), "true");
    ck_assert_string_eq(value_of("null or true"), "true");
    ck_assert_string_eq(value_of("null or false"), "null");
    ck_assert_string_eq(value_of("null or null"), "null");
    ck_assert_string_eq(value_of("not null"), "null");
    ck_assert_string_eq(value_of("null"), "null");
    ck_assert_string_eq(value_of("null eq null"), "true");
    ck_assert_string_eq(value_of("null ne null"), "false");
    ck_assert_string_eq(value_of("'a' eq null"), "false");
    ck_assert_string_eq(value_of("'a' ne null"), "true");
    ck_assert_string_eq(value_of("null gt 'a'"), "null");
    // a null value compared with anything but the null literal is null
    ck_assert_string_eq(value_of("length(null) eq 1"), "null");
    ck_assert_string_eq(value_of("length(null) ne 1"), "null");
    ck_assert_string_eq(value_of("length(null) lt 1"), "null");
    // a row matches only when the filter is true
    ck_assert_string_eq(matching("null"), "null -> ");
    ck_assert_string_eq(matching("not (Phone gt 'a')"),
                        "not (Phone gt 'a') -> BobS,joeb,zo\xC3\xAB");
}
END_TEST

// The filters against the six users (in UserName order: BobS, ghost, janed,
// joeb, obrien, zoë).
START_TEST(filter_table) {
    struct Case {
        const char *filter, *expected;
    };
    static const Case cases[] = {
        {"UserName eq 'joeb'", "joeb"},
        {"'janed' eq UserName", "janed"},
        {"UserName ne 'joeb'", "BobS,ghost,janed,obrien,zo\xC3\xAB"},
        {"Enabled", "janed,joeb,obrien,zo\xC3\xAB"},
        {"not Enabled", "BobS,ghost"},
        {"Enabled eq false", "BobS,ghost"},
        {"not Enabled eq true", "BobS,ghost"},
        {"IsExternal and Enabled", "zo\xC3\xAB"},
        {"IsExternal or not Enabled", "BobS,ghost,zo\xC3\xAB"},
        {"Enabled ne IsExternal", "BobS,janed,joeb,obrien"},
        {"Phone eq null", "ghost,janed,obrien"},
        {"Phone ne null", "BobS,joeb,zo\xC3\xAB"},
        {"Phone eq ''", "zo\xC3\xAB"},
        {"Email gt 'j'", "janed,joeb,obrien,zo\xC3\xAB"},
        {"not (Email gt 'j')", "BobS"},
        {"Email lt 'j' or Email eq null", "BobS,ghost"},
        {"LastName eq 'O''Brien'", "obrien"},
        {"startswith(UserName,'jo')", "joeb"},
        {"endswith(Email,'.com')", "joeb"},
        {"substringof('example', Email)", "BobS,janed,joeb,obrien,zo\xC3\xAB"},
        {"substringof(Email, 'example')", ""},
        {"contains(Email,'@example.')", "janed,joeb,obrien,zo\xC3\xAB"},
        {"tolower(Email) eq 'bob@partner.example'", "BobS"},
        {"toupper(FirstName) eq 'ZO\xC3\x8B'", "zo\xC3\xAB"},
        {"toupper(FirstName) eq 'ZO\xC3\xAB'", ""},
        {"tolower(UserName) eq 'bobs'", "BobS"},
        {"length(UserName) eq 3", "zo\xC3\xAB"},
        {"length(LastName) eq 8", "zo\xC3\xAB"},
        {"length(Phone) gt 0", "BobS,joeb"},
        {"indexof(Email,'@') eq 3", "BobS,zo\xC3\xAB"},
        {"indexof(LastName,'s') eq 3", "zo\xC3\xAB"},
        {"indexof(FirstName,'x') eq -1", "BobS,janed,joeb,obrien,zo\xC3\xAB"},
        {"trim(FirstName) eq 'Bob'", "BobS"},
        {"FirstName eq 'Bob'", ""},
        {"FirstName eq 'Se\xC3\xA1n'", "obrien"},
        {"UserName eq 'zo\xC3\xAB'", "zo\xC3\xAB"},
        {"UserName gt 'z'", "zo\xC3\xAB"},
        {"UserName lt 'a'", "BobS"},
        {"endswith(LastName,'str\xC3\xB6m')", "zo\xC3\xAB"},
        {"LastLogIn gt datetime'2026-01-01T00:00:00'", "joeb,obrien"},
        {"LastLogIn eq datetime'2026-01-02T03:04:05Z'", "joeb"},
        {"LastLogIn eq datetime'2026-01-02T03:04:05.001'", "obrien"},
        {"LastLogIn eq datetime'2026-01-02T03:04:05.0010000'", "obrien"},
        {"LastLogIn lt datetime'2000-01-01T00:00'", "BobS"},
        {"LastLogIn ge datetime'2025-12-31T23:59:59.5'", "janed,joeb,obrien"},
        {"LastLogIn le datetime'2024-02-29T12:00:00'", "BobS,zo\xC3\xAB"},
        {"LastLogIn eq null", "ghost"},
        {"(UserName eq 'joeb' or UserName eq 'janed') and Enabled", "janed,joeb"},
        {"UserName eq 'joeb' or UserName eq 'janed' and Enabled eq false", "joeb"},
        {"not startswith(Phone,'+')", "BobS,zo\xC3\xAB"},
        {"startswith(Phone,'+') eq false", "BobS,zo\xC3\xAB"},
        {"Phone gt '' or IsExternal", "BobS,joeb,zo\xC3\xAB"},
        {"Phone gt '' and Enabled", "joeb"},
        {"null eq null", "BobS,ghost,janed,joeb,obrien,zo\xC3\xAB"},
        {"true", "BobS,ghost,janed,joeb,obrien,zo\xC3\xAB"},
        {"false", ""},
        {"Phone eq null and not Enabled", "ghost"},
        {"Id eq '00000000-0000-4000-8000-000000000001'", "joeb"},
        {"Enabled eq true and IsExternal eq false and LastLogIn ne null", "janed,joeb,obrien"},
        {"not (not Enabled)", "janed,joeb,obrien,zo\xC3\xAB"},
        {"Email eq null or startswith(Email,'jo')", "ghost,joeb"},
        {"(Enabled) and ((IsExternal))", "zo\xC3\xAB"},
        {"  Enabled\teq\tfalse  ", "BobS,ghost"},
    };
    ck_assert_uint_ge(sizeof cases / sizeof cases[0], 40);
    for (const Case &c : cases)
        ck_assert_string_eq(matching(c.filter), std::string(c.filter) + " -> " + c.expected);
}
END_TEST

// ------------------------------------------------------------------ index hint

START_TEST(index_hint) {
    ck_assert_string_eq(literal_for("UserName eq 'u50000'", UserName), "'u50000'");
    ck_assert_string_eq(literal_for("'u1' eq UserName", UserName), "'u1'");
    ck_assert_string_eq(literal_for("UserName eq 'o''b'", UserName), "'o'b'");
    ck_assert_string_eq(literal_for("Enabled and UserName eq 'x'", UserName), "'x'");
    ck_assert_string_eq(literal_for("(Enabled and (UserName eq 'y')) and IsExternal", UserName),
                        "'y'");
    ck_assert_string_eq(literal_for("Id eq 'g' and UserName eq 'n'", Id), "'g'");
    ck_assert_string_eq(literal_for("Id eq 'g' and UserName eq 'n'", UserName), "'n'");
    ck_assert_string_eq(literal_for("UserName eq 'a' or Enabled", UserName), "none");
    ck_assert_string_eq(literal_for("not (UserName eq 'a')", UserName), "none");
    ck_assert_string_eq(literal_for("UserName ne 'a'", UserName), "none");
    ck_assert_string_eq(literal_for("Email eq 'a'", UserName), "none");
    ck_assert_string_eq(literal_for("UserName eq null", UserName), "none");
    ck_assert_string_eq(literal_for("tolower(UserName) eq 'a'", UserName), "none");
    ck_assert_string_eq(literal_for("UserName eq Email", UserName), "none");
    ck_assert_string_eq(literal_for("(UserName eq 'a' or Enabled) and Enabled", UserName), "none");
    // the view stays valid after the Filter moves
    auto r = parse_filter("UserName eq 'moved-literal-longer-than-sso'", schema());
    Filter moved = std::move(std::get<Filter>(r));
    auto lit = equality_literal(moved, UserName);
    Filter again = std::move(moved);
    ck_assert(lit.has_value());
    ck_assert_string_eq(std::string(*lit), "moved-literal-longer-than-sso");
    ck_assert_string_eq(std::string(*equality_literal(again, UserName)),
                        "moved-literal-longer-than-sso");
}
END_TEST

START_TEST(index_hint_in) {
    ck_assert_string_eq(literals_for("UserName in ('b','a')", UserName), "'b','a'");
    ck_assert_string_eq(literals_for("UserName eq 'x'", UserName), "'x'");
    ck_assert_string_eq(literals_for("Enabled and UserName in ('x')", UserName), "'x'");
    ck_assert_string_eq(literals_for("UserName in ('a', null)", UserName), "none");
    ck_assert_string_eq(literals_for("UserName in ('a', Email)", UserName), "none");
    ck_assert_string_eq(literals_for("Email in ('a')", UserName), "none");
    ck_assert_string_eq(literals_for("not (UserName in ('a'))", UserName), "none");
    ck_assert_string_eq(literals_for("UserName in ('a') or Enabled", UserName), "none");
    ck_assert_string_eq(literals_for("'a' in (UserName)", UserName), "none");
    // Id literals are lowered: an upper-case GUID is found by key
    ck_assert_string_eq(literals_for("Id in ('0000000A-0000-4000-8000-00000000000B')", Id),
                        "'0000000a-0000-4000-8000-00000000000b'");
    ck_assert_string_eq(literal_for("Id eq 'ABC'", Id), "'abc'");
    ck_assert_string_eq(literal_for("'ABC' eq Id", Id), "'abc'");
    // equality_literal itself stays eq-only
    ck_assert_string_eq(literal_for("UserName in ('a')", UserName), "none");
}
END_TEST

// ------------------------------------------------------------------ in

START_TEST(in_operator) {
    ck_assert_string_eq(matching("UserName in ('joeb','janed','nobody')").c_str(),
                        "UserName in ('joeb','janed','nobody') -> janed,joeb");
    ck_assert_string_eq(matching("UserName in ( 'joeb' )").c_str(),
                        "UserName in ( 'joeb' ) -> joeb");
    ck_assert_string_eq(matching("not (UserName in ('joeb'))").c_str(),
                        "not (UserName in ('joeb')) -> BobS,ghost,janed,obrien,zo\xC3\xAB");
    ck_assert_string_eq(matching("Enabled in (false) and UserName in ('ghost','joeb')").c_str(),
                        "Enabled in (false) and UserName in ('ghost','joeb') -> ghost");
    ck_assert_string_eq(matching("length(UserName) in (4, 5)").c_str(),
                        "length(UserName) in (4, 5) -> BobS,ghost,janed,joeb");
    ck_assert_string_eq(matching("tolower(UserName) in ('bobs')").c_str(),
                        "tolower(UserName) in ('bobs') -> BobS");
    // null: as a chain of eq ... or
    ck_assert_string_eq(value_of("Phone in ('x')", row("ghost")), "null");
    ck_assert_string_eq(value_of("Phone in ('x', null)", row("ghost")), "true");
    ck_assert_string_eq(value_of("Phone in (null)", row("joeb")), "false");
    ck_assert_string_eq(value_of("Email in (Phone, 'joe.bloggs@example.com')"), "true");
    ck_assert_string_eq(value_of("Email in (Phone, 'x')", row("janed")), "null");
    // Id compares regardless of the GUID's case, as GET user/{GUID} does
    ck_assert_string_eq(value_of("Id in ('00000000-0000-4000-8000-00000000000A', "
                                 "'00000000-0000-4000-8000-000000000001')"),
                        "true");
    ck_assert_string_eq(value_of("Id eq '00000000-0000-4000-8000-000000000001'"), "true");
    ck_assert_string_eq(value_of("Id ne '00000000-0000-4000-8000-000000000001'"), "false");
    ck_assert_string_eq(value_of("'00000000-0000-4000-8000-000000000001' eq Id"), "true");
    ck_assert_string_eq(value_of("Id eq '00000000-0000-4000-8000-000000000001'"), "true");
    ck_assert_string_eq(value_of("Id eq '00000000-0000-4000-8000-00000000000X'"), "false");
    // only literals directly compared with Id are lowered
    ck_assert_string_eq(value_of("startswith(Id, '0000000A')"), "false");
    ck_assert_string_eq(value_of("Email eq 'JOE.BLOGGS@example.com'"), "false");
    // errors
    ck_assert_string_eq(filter_error("UserName in 'a'"),
                        "$filter: at position 12: expected '(' after 'in' but found 'a'");
    ck_assert_string_eq(filter_error("UserName in"),
                        "$filter: at position 11: expected '(' after 'in' but found end of input");
    ck_assert_string_eq(filter_error("UserName in ()"),
                        "$filter: at position 13: expected an expression but found ')'");
    ck_assert_string_eq(filter_error("UserName in ('a',)"),
                        "$filter: at position 17: expected an expression but found ')'");
    ck_assert_string_eq(filter_error("UserName in ('a' 'b')"),
                        "$filter: at position 17: expected an operator, ',' or ')' but found 'b'");
    ck_assert_string_eq(filter_error("UserName in ('a', 1)"),
                        "$filter: at position 18: cannot compare Edm.String with Edm.Int64");
    ck_assert_string_eq(filter_error("UserName in ('a') eq true"),
                        "$filter: at position 18: comparisons cannot be chained; use parentheses");
    ck_assert_string_eq(filter_error("UserName eq 'a' in ('a')"),
                        "$filter: at position 16: comparisons cannot be chained; use parentheses");
    ck_assert_string_eq(filter_error("UserName in ('a')"), "<parsed>");
    ck_assert_string_eq(filter_error("in in ('a')"),
                        "$filter: at position 0: expected an expression but found 'in'");
    ck_assert_string_eq(filter_error("UserName in ('a') and 'x'"),
                        "$filter: at position 22: expected Edm.Boolean for the operand of 'and' "
                        "but found Edm.String");
    // the list's parentheses count as a nesting level
    ck_assert_string_eq(filter_error(repeat("(", 31) + "UserName in ('a')" + repeat(")", 31)),
                        "<parsed>");
    ck_assert_string_eq(filter_error(repeat("(", 32) + "UserName in ('a')" + repeat(")", 32)),
                        "$filter: at position 44: nesting deeper than 32");
}
END_TEST

// ------------------------------------------------------------------ case mapping

START_TEST(unicode_case_mapping) {
    // Greek, with both sigmas (simple mapping: Σ lowers to σ)
    ck_assert_string_eq(map_case("\xCE\xB1\xCE\xB2\xCE\xB3 \xCF\x83\xCF\x82", true),
                        "\xCE\x91\xCE\x92\xCE\x93 \xCE\xA3\xCE\xA3");
    ck_assert_string_eq(map_case("\xCE\x9F\xCE\xA3", false), "\xCE\xBF\xCF\x83");
    // Cyrillic: Жёлтый <-> ЖЁЛТЫЙ
    ck_assert_string_eq(map_case("\xD0\x96\xD1\x91\xD0\xBB\xD1\x82\xD1\x8B\xD0\xB9", true),
                        "\xD0\x96\xD0\x81\xD0\x9B\xD0\xA2\xD0\xAB\xD0\x99");
    ck_assert_string_eq(map_case("\xD0\x96\xD0\x81\xD0\x9B\xD0\xA2\xD0\xAB\xD0\x99", false),
                        "\xD0\xB6\xD1\x91\xD0\xBB\xD1\x82\xD1\x8B\xD0\xB9");
    // German: ß has no simple upper case and stays; ẞ lowers to ß
    ck_assert_string_eq(map_case("stra\xC3\x9F"
                                 "e",
                                 true),
                        "STRA\xC3\x9F"
                        "E");
    ck_assert_string_eq(map_case("\xE1\xBA\x9E", false), "\xC3\x9F");
    // Turkish: dotless ı uppers to I, dotted İ lowers to i (no language rules)
    ck_assert_string_eq(map_case("\xC4\xB1", true), "I");
    ck_assert_string_eq(map_case("\xC4\xB0", false), "i");
    ck_assert_string_eq(map_case("i", true), "I");
    // zoë, the issue's example; digits, CJK and emoji have no case
    ck_assert_string_eq(map_case("zo\xC3\xAB", true), "ZO\xC3\x8B");
    ck_assert_string_eq(map_case("a1\xE4\xB8\xAD\xF0\x9F\x98\x80", true),
                        "A1\xE4\xB8\xAD\xF0\x9F\x98\x80");
    // bytes that are not UTF-8 are kept
    ck_assert_string_eq(map_case("\xFF"
                                 "a\xC3",
                                 true),
                        "\xFF"
                        "A\xC3");
    ck_assert_string_eq(map_case("", true), "");
    // through the filter
    ck_assert_string_eq(value_of("toupper(FirstName) eq 'ZO\xC3\x8B'", row("zo\xC3\xAB")), "true");
    ck_assert_string_eq(
        value_of("tolower(LastName) eq '\xC3\xA5ngstr\xC3\xB6m'", row("zo\xC3\xAB")), "true");
    ck_assert_string_eq(value_of("length(toupper('stra\xC3\x9f"
                                 "e')) eq 6"),
                        "true");
}
END_TEST

// ------------------------------------------------------------------ v4 options

START_TEST(v4_query_options) {
    // $count
    auto c = parse_query("$count=true", user_set());
    ck_assert(std::get<Query>(c).count);
    ck_assert(!std::get<Query>(c).inline_count);
    ck_assert(!std::get<Query>(parse_query("%24count=false", user_set())).count);
    ck_assert_string_eq(set_error("$count=TRUE"),
                        "$count: expected 'true' or 'false' but found 'TRUE'");
    ck_assert_string_eq(set_error("$count=allpages"),
                        "$count: expected 'true' or 'false' but found 'allpages'");
    ck_assert_string_eq(set_error("$count"), "$count: expected 'true' or 'false' but found ''");
    const char *both = "$count and $inlinecount cannot both be given: $count=true is OData v4's "
                       "$inlinecount=allpages; send one of them";
    ck_assert_string_eq(set_error("$count=true&$inlinecount=allpages"), both);
    ck_assert_string_eq(set_error("$inlinecount=none&$count=false"), both);
    ck_assert_string_eq(set_error("$inlinecount=x&$count=true"),
                        "$inlinecount: expected 'allpages' or 'none' but found 'x'");
    ck_assert_string_eq(set_error("$count=true&$count=true"), "repeated query option '$count'");

    // $select: the entity's order whatever the order asked
    ck_assert_string_eq(selection(""), "*");
    ck_assert_string_eq(selection("$select=UserName,Id"), "Id,UserName");
    ck_assert_string_eq(selection("$select=Links,%20Self%20,Email"), "Email,Self,Links");
    ck_assert_string_eq(selection("$select=Id,Id"), "Id");
    ck_assert_string_eq(selection("$select=*"),
                        "Id,UserName,Email,FirstName,LastName,Phone,LastLogIn,Enabled,IsExternal,"
                        "Self,Links");
    ck_assert_string_eq(selection("$select=Email,*"),
                        "Id,UserName,Email,FirstName,LastName,Phone,LastLogIn,Enabled,IsExternal,"
                        "Self,Links");
    ck_assert_string_eq(set_error("$select=Foo"), "$select: at position 0: unknown field 'Foo'");
    ck_assert_string_eq(set_error("$select=Id,username"),
                        "$select: at position 3: unknown field 'username'");
    ck_assert_string_eq(set_error("$select=Groups"),
                        "$select: at position 0: unknown field 'Groups'");
    ck_assert_string_eq(set_error("$select="),
                        "$select: at position 0: expected a field name or '*' but found end of "
                        "input");
    ck_assert_string_eq(set_error("$select=Id,,Email"),
                        "$select: at position 3: expected a field name or '*' but found ','");
    ck_assert_string_eq(set_error("$select=Id,"),
                        "$select: at position 3: expected a field name or '*' but found end of "
                        "input");
    ck_assert_string_eq(set_error("$select=Links/Href"),
                        "$select: at position 0: expected a field name or '*' but found "
                        "'Links/Href'");

    // $expand
    auto x = parse_query("$expand=Groups", user_set());
    ck_assert(std::get<Query>(x).expanded(0));
    ck_assert(!std::get<Query>(parse_query("", user_set())).expanded(0));
    ck_assert(std::get<Query>(parse_query("$expand=*", user_set())).expanded(0));
    ck_assert(std::get<Query>(parse_query("$expand=+Groups+,Groups", user_set())).expanded(0));
    ck_assert_string_eq(set_error("$expand=Links"),
                        "$expand: at position 0: cannot expand 'Links': only Groups can be "
                        "expanded");
    ck_assert_string_eq(set_error("$expand=groups"),
                        "$expand: at position 0: cannot expand 'groups': only Groups can be "
                        "expanded");
    ck_assert_string_eq(set_error("$expand=Groups($select=Name)"),
                        "$expand: at position 6: options inside $expand (...) are not supported");
    ck_assert_string_eq(set_error("$expand=Groups/Name"),
                        "$expand: at position 0: expected a navigation property or '*' but found "
                        "'Groups/Name'");
    ck_assert_string_eq(set_error("$expand="),
                        "$expand: at position 0: expected a navigation property or '*' but found "
                        "end of input");
    ck_assert_string_eq(query_error("$expand=Groups"),
                        "$expand: at position 0: cannot expand 'Groups': nothing can be expanded");

    // $format
    for (const char *ok :
         {"$format=json", "$format=JSON", "$format=application/json", "$format=Application/JSON",
          "$format=application%2Fjson", "$format=application/json;odata.metadata=minimal",
          "$format=application/json%3Bodata.metadata%3Dnone",
          "$format=application/json;odata.metadata=minimal;odata.streaming=true",
          "$format=application/json; charset=utf-8",
          "$format=application/json;IEEE754Compatible=false"})
        ck_assert_string_eq(set_error(ok), "<parsed>");
    ck_assert_string_eq(set_error("$format=xml"),
                        "$format: expected 'json' or 'application/json' but found 'xml'");
    ck_assert_string_eq(set_error("$format=atom"),
                        "$format: expected 'json' or 'application/json' but found 'atom'");
    ck_assert_string_eq(set_error("$format="),
                        "$format: expected 'json' or 'application/json' but found ''");
    ck_assert_string_eq(set_error("$format=application/jsonp"),
                        "$format: expected 'json' or 'application/json' but found "
                        "'application/jsonp'");
    ck_assert_string_eq(set_error("$format=application/json;odata.metadata=full"),
                        "$format: the parameter 'odata.metadata=full' is not supported: answers "
                        "are plain JSON (odata.metadata=minimal or none)");
    ck_assert_string_eq(set_error("$format=application/json;"),
                        "$format: the parameter '' is not supported: answers are plain JSON "
                        "(odata.metadata=minimal or none)");

    // $callback, whatever its value
    const char *jsonp = "$callback: JSONP is refused: a JSONP answer is a script that any web "
                        "page can load with the browser's credentials, which would let any page "
                        "read the admin API";
    ck_assert_string_eq(set_error("$callback=jQuery1_2"), jsonp);
    ck_assert_string_eq(set_error("$format=json&$inlinecount=allpages&$callback=callback"), jsonp);
    ck_assert_string_eq(set_error("$callback"), jsonp);
    ck_assert_string_eq(set_error("$callback=%zz"),
                        "$callback: cannot be decoded: the '%' at byte 0 is not followed by two "
                        "hex digits");

    // what the clients send, whole
    auto kendo = parse_query("%24top=20&%24skip=40&%24orderby=UserName+desc&%24filter="
                             "(contains(tolower(UserName)%2C'jo')+and+Enabled+eq+true)"
                             "&%24count=true",
                             user_set());
    ck_assert_string_eq(
        std::holds_alternative<Query>(kendo) ? "query" : std::get<Error>(kendo).message, "query");
    auto oq = parse_query("$select=Id,UserName&$filter=UserName%20in%20(%27joeb%27,%27janed%27)"
                          "&$expand=Groups&$count=true&$top=10&$skip=0",
                          user_set());
    ck_assert_string_eq(std::holds_alternative<Query>(oq) ? "query" : std::get<Error>(oq).message,
                        "query");
    ck_assert(std::get<Query>(oq).filter->matches(row("janed")));
    ck_assert(!std::get<Query>(oq).filter->matches(row("BobS")));
}
END_TEST

// ------------------------------------------------------------------ $orderby

START_TEST(orderby_sorting) {
    ck_assert_string_eq(sorted("LastLogIn"), "ghost,BobS,zo\xC3\xAB,janed,joeb,obrien");
    ck_assert_string_eq(sorted("LastLogIn asc"), "ghost,BobS,zo\xC3\xAB,janed,joeb,obrien");
    ck_assert_string_eq(sorted("LastLogIn desc"), "obrien,joeb,janed,zo\xC3\xAB,BobS,ghost");
    ck_assert_string_eq(sorted("Enabled"), "BobS,ghost,janed,joeb,obrien,zo\xC3\xAB");
    ck_assert_string_eq(sorted("Enabled desc,IsExternal"),
                        "janed,joeb,obrien,zo\xC3\xAB,ghost,BobS");
    ck_assert_string_eq(sorted("Phone"), "ghost,janed,obrien,zo\xC3\xAB,joeb,BobS");
    ck_assert_string_eq(sorted("Email desc"), "zo\xC3\xAB,obrien,joeb,janed,BobS,ghost");
    ck_assert_string_eq(sorted(" IsExternal  desc , UserName desc "),
                        "zo\xC3\xAB,BobS,obrien,joeb,janed,ghost");
    ck_assert_string_eq(sorted("FirstName"), "ghost,BobS,janed,joeb,obrien,zo\xC3\xAB");
    ck_assert_string_eq(sorted("UserName desc"), "zo\xC3\xAB,obrien,joeb,janed,ghost,BobS");
}
END_TEST

START_TEST(orderby_keys_and_values) {
    auto r = parse_orderby("LastName desc, Id, Enabled asc", schema());
    const auto &keys = std::get<std::vector<OrderKey>>(r);
    ck_assert_uint_eq(keys.size(), 3);
    ck_assert_uint_eq(keys[0].field, LastName);
    ck_assert(keys[0].descending);
    ck_assert_uint_eq(keys[1].field, Id);
    ck_assert(!keys[1].descending);
    ck_assert_uint_eq(keys[2].field, Enabled);
    ck_assert(!keys[2].descending);
    ck_assert_int_lt(compare_values(Value::null(), Value::of_string("")), 0);
    ck_assert_int_eq(compare_values(Value::null(), Value::null()), 0);
    ck_assert_int_lt(compare_values(Value::of_bool(false), Value::of_bool(true)), 0);
    ck_assert_int_gt(compare_values(Value::of_string("a"), Value::of_string("Z")), 0);
    ck_assert_int_gt(compare_values(Value::of_string("\xC3\xA9"), Value::of_string("z")), 0);
    ck_assert_int_lt(compare_values(Value::of_string("ab"), Value::of_string("abc")), 0);
    ck_assert_int_eq(compare_values(Value::of_string("abc"), Value::of_string("abc")), 0);
    ck_assert_int_lt(compare_values(Value::of_int64(-5), Value::of_int64(3)), 0);
    ck_assert_int_gt(compare_values(Value::of_datetime_ms(2), Value::of_datetime_ms(1)), 0);
    ck_assert_int_eq(compare_rows(row("joeb"), row("janed"), {}), 0);
    ck_assert_int_gt(compare_rows(row("joeb"), row("janed"), {{UserName, false}}), 0);
    ck_assert_int_lt(compare_rows(row("joeb"), row("janed"), {{UserName, true}}), 0);
    ck_assert_int_gt(compare_rows(row("joeb"), row("janed"), {{Enabled, false}, {LastName, true}}),
                     0);
}
END_TEST

START_TEST(orderby_errors) {
    ck_assert_string_eq(orderby_error(""),
                        "$orderby: at position 0: expected a field name but found end of input");
    ck_assert_string_eq(orderby_error("UserName,"),
                        "$orderby: at position 9: expected a field name but found end of input");
    ck_assert_string_eq(orderby_error("(UserName)"),
                        "$orderby: at position 0: expected a field name but found '('");
    ck_assert_string_eq(orderby_error("Foo"), "$orderby: at position 0: unknown field 'Foo'");
    ck_assert_string_eq(orderby_error("UserName, Self desc"),
                        "$orderby: at position 10: unknown field 'Self'");
    ck_assert_string_eq(orderby_error("UserName up"),
                        "$orderby: at position 9: expected 'asc', 'desc', ',' or end of input but "
                        "found 'up'");
    ck_assert_string_eq(orderby_error("UserName DESC"),
                        "$orderby: at position 9: expected 'asc', 'desc', ',' or end of input but "
                        "found 'DESC'");
    ck_assert_string_eq(orderby_error("UserName desc asc"),
                        "$orderby: at position 14: expected ',' or end of input but found 'asc'");
    ck_assert_string_eq(orderby_error("'x"),
                        "$orderby: at position 0: unterminated string literal");
}
END_TEST

// ------------------------------------------------------------------ query string

START_TEST(query_string_options) {
    auto r = parse_query("foo=bar&%24filter=UserName+eq+%27joeb%27&$top=10&$skip=5"
                         "&$inlinecount=allpages&$orderby=LastName%20desc,UserName&&x&",
                         schema());
    ck_assert_string_eq(std::holds_alternative<Query>(r) ? "query" : std::get<Error>(r).message,
                        "query");
    const Query &q = std::get<Query>(r);
    ck_assert(q.filter.has_value());
    ck_assert(q.filter->matches(row("joeb")));
    ck_assert(!q.filter->matches(row("janed")));
    ck_assert(q.top.has_value());
    ck_assert_uint_eq(*q.top, 10);
    ck_assert_uint_eq(q.skip, 5);
    ck_assert(q.inline_count);
    ck_assert_uint_eq(q.orderby.size(), 2);
    ck_assert_uint_eq(q.orderby[0].field, LastName);
    ck_assert(q.orderby[0].descending);
    ck_assert_uint_eq(q.orderby[1].field, UserName);
    ck_assert(!q.orderby[1].descending);

    auto empty = parse_query("", schema());
    const Query &e = std::get<Query>(empty);
    ck_assert(!e.filter.has_value());
    ck_assert(!e.top.has_value());
    ck_assert_uint_eq(e.skip, 0);
    ck_assert(!e.inline_count);
    ck_assert_uint_eq(e.orderby.size(), 0);

    auto limits = parse_query("$top=0&$skip=2147483647&$inlinecount=none&a%zz=1&b=%", schema());
    const Query &l = std::get<Query>(limits);
    ck_assert_uint_eq(*l.top, 0);
    ck_assert_uint_eq(l.skip, 2147483647);
    ck_assert(!l.inline_count);
    ck_assert_uint_eq(*std::get<Query>(parse_query("$top=007", schema())).top, 7);
}
END_TEST

START_TEST(query_string_errors) {
    ck_assert_string_eq(query_error("$search=Links"), "unknown query option '$search'");
    ck_assert_string_eq(query_error("$Filter=Enabled"), "unknown query option '$Filter'");
    ck_assert_string_eq(query_error("$filter+=Enabled"), "unknown query option '$filter '");
    ck_assert_string_eq(query_error("$=1"), "unknown query option '$'");
    ck_assert_string_eq(query_error("$top=1&$top=2"), "repeated query option '$top'");
    ck_assert_string_eq(query_error("%24filter=Enabled&$filter=Enabled"),
                        "repeated query option '$filter'");
    ck_assert_string_eq(query_error("$top=-1"),
                        "$top: expected a non-negative integer but found '-1'");
    ck_assert_string_eq(query_error("$top"), "$top: expected a non-negative integer but found ''");
    ck_assert_string_eq(query_error("$top=+1"),
                        "$top: expected a non-negative integer but found ' 1'");
    ck_assert_string_eq(query_error("$skip=1e3"),
                        "$skip: expected a non-negative integer but found '1e3'");
    ck_assert_string_eq(query_error("$top=2147483648"),
                        "$top: expected a non-negative integer no greater than 2147483647 but "
                        "found '2147483648'");
    ck_assert_string_eq(query_error("$skip=99999999999999999999999"),
                        "$skip: expected a non-negative integer no greater than 2147483647 but "
                        "found '99999999999999999999999'");
    ck_assert_string_eq(query_error("$inlinecount=all"),
                        "$inlinecount: expected 'allpages' or 'none' but found 'all'");
    ck_assert_string_eq(query_error("$inlinecount"),
                        "$inlinecount: expected 'allpages' or 'none' but found ''");
    ck_assert_string_eq(query_error("$filter=UserName%2"),
                        "$filter: cannot be decoded: the '%' at byte 8 is not followed by two hex "
                        "digits");
    ck_assert_string_eq(query_error("$orderby=%00"),
                        "$orderby: cannot be decoded: it contains a NUL byte at byte 0");
    ck_assert_string_eq(query_error("$filter=%FF"),
                        "$filter: cannot be decoded: it is not valid UTF-8 (at decoded byte 0)");
    ck_assert_string_eq(query_error("%24to%zz=1"),
                        "query option name '%24to%zz' cannot be decoded: the '%' at byte 5 is not "
                        "followed by two hex digits");
    ck_assert_string_eq(query_error("$top%=1"),
                        "query option name '$top%' cannot be decoded: the '%' at byte 4 is not "
                        "followed by two hex digits");
    ck_assert_string_eq(query_error("$filter="), "$filter: the expression is empty");
    ck_assert_string_eq(query_error("$filter=Foo+eq+1"),
                        "$filter: at position 0: unknown field 'Foo'");
    ck_assert_string_eq(query_error("$orderby=Foo"),
                        "$orderby: at position 0: unknown field 'Foo'");
    // the first bad option wins
    ck_assert_string_eq(query_error("$top=x&$search=y"),
                        "$top: expected a non-negative integer but found 'x'");
}
END_TEST

// ------------------------------------------------------------------ datetimes

START_TEST(datetime_parsing) {
    ck_assert_int_eq(*parse_datetime("1970-01-01T00:00"), 0);
    ck_assert_int_eq(*parse_datetime("2026-01-02T03:04:05Z"), 1767323045000);
    ck_assert_int_eq(*parse_datetime("2026-01-02T03:04:05.5"), 1767323045500);
    ck_assert_int_eq(*parse_datetime("2026-01-02T03:04:05.12"), 1767323045120);
    ck_assert_int_eq(*parse_datetime("2026-01-02T03:04:05.1230000Z"), 1767323045123);
    ck_assert_int_eq(*parse_datetime("2024-02-29T12:00:00"), 1709208000000);
    ck_assert_int_eq(*parse_datetime("2000-02-29T00:00"), 951782400000);
    ck_assert_int_eq(*parse_datetime("0001-01-01T00:00:00"), -62135596800000);
    ck_assert_int_eq(*parse_datetime("9999-12-31T23:59:59.999Z"), 253402300799999);
    ck_assert_int_eq(*parse_datetime("1969-12-31T23:59:59.999"), -1);
    const char *bad[] = {
        "2023-02-29T00:00",
        "1900-02-29T00:00",
        "0000-01-01T00:00",
        "2026-00-01T00:00",
        "2026-01-32T00:00",
        "2026-04-31T00:00",
        "2026-01-01T24:00",
        "2026-01-01T00:60",
        "2026-01-01T00:00:60",
        "2026-01-01",
        "2026-01-01T00",
        "2026-1-01T00:00",
        "2026-01-01 00:00",
        "2026-01-01t00:00",
        "2026-01-01T00:00z",
        "2026-01-01T00:00:00+01:00",
        "2026-01-01T00:00.5",
        "2026-01-01T00:00:00.",
        "2026-01-01T00:00:00.12345678",
        "2026-01-01T00:00:00.0001",
        "2026-01-01T00:00:00Z ",
        "",
        "+2026-01-01T00:00",
        "2026-01-01T00:00ZZ",
    };
    for (const char *s : bad)
        ck_assert_string_eq(parse_datetime(s) ? std::string("parsed ") + s : "rejected",
                            "rejected");
    ck_assert_int_eq(Value::of_unix_seconds(5).integer, 5000);
    ck_assert_int_eq(Value::of_unix_seconds(-5).integer, -5000);
    ck_assert(Value::of_unix_seconds(5).kind == Value::Kind::DateTime);
    ck_assert_int_eq(Value::of_unix_seconds(std::numeric_limits<int64_t>::max()).integer,
                     std::numeric_limits<int64_t>::max() / 1000 * 1000);
    ck_assert_string_eq(type_name(Type::DateTime), "Edm.DateTime");
}
END_TEST

int main() {
    Suite *s = suite_create("odata");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, tokenizer_kinds_and_positions);
    tcase_add_test(tc, tokenizer_errors);
    tcase_add_test(tc, parse_errors_syntax);
    tcase_add_test(tc, parse_errors_names);
    tcase_add_test(tc, parse_errors_functions);
    tcase_add_test(tc, parse_errors_types);
    tcase_add_test(tc, parse_errors_literals);
    tcase_add_test(tc, filter_length_bound);
    tcase_add_test(tc, nesting_bound);
    tcase_add_test(tc, evaluator_functions);
    tcase_add_test(tc, null_semantics);
    tcase_add_test(tc, filter_table);
    tcase_add_test(tc, index_hint);
    tcase_add_test(tc, index_hint_in);
    tcase_add_test(tc, in_operator);
    tcase_add_test(tc, unicode_case_mapping);
    tcase_add_test(tc, v4_query_options);
    tcase_add_test(tc, orderby_sorting);
    tcase_add_test(tc, orderby_keys_and_values);
    tcase_add_test(tc, orderby_errors);
    tcase_add_test(tc, query_string_options);
    tcase_add_test(tc, query_string_errors);
    tcase_add_test(tc, datetime_parsing);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
