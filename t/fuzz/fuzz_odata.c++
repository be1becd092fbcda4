// The OData layer (src/odata.h++) over the user directory's schema: the
// input is parsed three ways, as a raw query string (parse_query), as a
// decoded $filter (tokenize + parse_filter) and as a decoded $orderby
// (parse_orderby); every filter that parses is evaluated on a few fixed rows
// and every ordering sorts them.
#include "fuzz_common.h++"

#include "odata.h++"
#include "text.h++"

#include <algorithm>
#include <array>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

using namespace mtt::odata;

namespace {

// As src/directory.c++ (the only schema the module has).
enum FieldIndex {
    F_Id,
    F_UserName,
    F_Email,
    F_FirstName,
    F_LastName,
    F_Phone,
    F_LastLogIn,
    F_Enabled,
    F_IsExternal,
    F_Count
};

const Schema schema = {
    {"Id", Type::String},          {"UserName", Type::String}, {"Email", Type::String},
    {"FirstName", Type::String},   {"LastName", Type::String}, {"Phone", Type::String},
    {"LastLogIn", Type::DateTime}, {"Enabled", Type::Boolean}, {"IsExternal", Type::Boolean},
};

class FixedRow : public Row {
  public:
    std::array<Value, F_Count> values;
    Value get(size_t field) const override { return values.at(field); }
};

Value str(const char *s) {
    return s ? Value::of_string(s) : Value::null();
}

constexpr int64_t no_login = std::numeric_limits<int64_t>::min() + 1;

FixedRow row(const char *id, const char *name, const char *email, const char *first,
             const char *last, const char *phone, int64_t login_s, bool enabled, bool external) {
    FixedRow r;
    r.values = {str(id),
                str(name),
                str(email),
                str(first),
                str(last),
                str(phone),
                login_s == no_login ? Value::null() : Value::of_unix_seconds(login_s),
                Value::of_bool(enabled),
                Value::of_bool(external)};
    return r;
}

// The rows as the directory sees them (UserName byte order), with nulls,
// empty strings, non-ASCII text and the extreme LastLogIn values.
const std::vector<FixedRow> rows = {
    row("00000000-0000-4000-8000-000000000005", "BobS", "BOB@partner.example", "  Bob  ", "Smith",
        "555-0100", 946684799, false, true),
    row("00000000-0000-4000-8000-000000000003", "ghost", nullptr, nullptr, nullptr, nullptr,
        no_login, false, false),
    row("00000000-0000-4000-8000-000000000002", "janed", "jane.doe@example.org", "Jane", "Doe",
        nullptr, 1767225599, true, false),
    row("00000000-0000-4000-8000-000000000001", "joeb", "joe.bloggs@example.com", "Joe", "Bloggs",
        "+44 20 7946 0000", std::numeric_limits<int64_t>::max(), true, false),
    row("00000000-0000-4000-8000-000000000006", "obrien", "sean@example.ie", "Se\xC3\xA1n",
        "O'Brien", "", std::numeric_limits<int64_t>::min(), true, false),
    row("00000000-0000-4000-8000-000000000004", "zo\xC3\xAB", "zoe@example.fr", "Zo\xC3\xAB",
        "\xC3\x85ngstr\xC3\xB6m", "\t", -62135596800, true, true),
};

int sign(int c) {
    return (c > 0) - (c < 0);
}

void check_message(const Error &e, std::string_view prefix, bool input_is_utf8,
                   std::string_view in) {
    FUZZ_CHECK(!e.message.empty() && e.message.rfind(prefix, 0) == 0,
               "message \"" + fuzz::show(e.message) + "\" for " + fuzz::show(in));
    // messages end up in JSON error bodies, which must be UTF-8
    if (input_is_utf8)
        FUZZ_CHECK(mtt::valid_utf8(e.message),
                   "message is not UTF-8: \"" + fuzz::show(e.message) + "\" for " + fuzz::show(in));
}

void check_filter(const Filter &f, std::string_view in) {
    std::vector<std::optional<std::string_view>> literal(F_Count);
    for (size_t k = 0; k < F_Count; ++k)
        literal[k] = equality_literal(f, k);
    for (const auto &r : rows) {
        Value v = f.evaluate(r);
        FUZZ_CHECK(v.kind == Value::Kind::Boolean || v.kind == Value::Kind::Null,
                   "a filter evaluated to a non-boolean for " + fuzz::show(in));
        bool match = f.matches(r);
        FUZZ_CHECK(match == (v.kind == Value::Kind::Boolean && v.boolean),
                   "matches() disagrees with evaluate() for " + fuzz::show(in));
        Value again = f.evaluate(r);
        FUZZ_CHECK(again.kind == v.kind && again.boolean == v.boolean,
                   "evaluation is not repeatable for " + fuzz::show(in));
        if (!match)
            continue;
        // a row the whole filter accepts has the literal the index lookup uses
        for (size_t k = 0; k < F_Count; ++k)
            if (literal[k]) {
                Value field = r.get(k);
                FUZZ_CHECK(field.kind == Value::Kind::String && field.text == *literal[k],
                           "equality_literal(" + std::string(schema[k].name) + ") = '" +
                               fuzz::show(*literal[k]) + "' but a row with '" +
                               fuzz::show(field.text) + "' matches " + fuzz::show(in));
            }
    }
}

void check_order(const std::vector<OrderKey> &keys, std::string_view in) {
    FUZZ_CHECK(!keys.empty(), "an empty ordering parsed from " + fuzz::show(in));
    for (const auto &k : keys)
        FUZZ_CHECK(k.field < F_Count, "ordering on an unknown field");
    for (const auto &a : rows) {
        FUZZ_CHECK(compare_rows(a, a, keys) == 0, "a row is not equal to itself");
        for (const auto &b : rows) {
            int ab = sign(compare_rows(a, b, keys));
            FUZZ_CHECK(ab == -sign(compare_rows(b, a, keys)),
                       "compare_rows is not antisymmetric for " + fuzz::show(in));
            for (const auto &c : rows)
                if (ab <= 0 && sign(compare_rows(b, c, keys)) <= 0)
                    FUZZ_CHECK(compare_rows(a, c, keys) <= 0,
                               "compare_rows is not transitive for " + fuzz::show(in));
        }
    }
    std::vector<const Row *> sorted;
    for (const auto &r : rows)
        sorted.push_back(&r);
    std::stable_sort(sorted.begin(), sorted.end(),
                     [&](const Row *a, const Row *b) { return compare_rows(*a, *b, keys) < 0; });
    for (size_t i = 1; i < sorted.size(); ++i)
        FUZZ_CHECK(compare_rows(*sorted[i - 1], *sorted[i], keys) <= 0, "not sorted");
}

void check_tokens(std::string_view in, bool utf8) {
    auto lexed = tokenize(in, "$filter");
    if (auto *e = std::get_if<Error>(&lexed)) {
        check_message(*e, "$filter: at position ", utf8, in);
        return;
    }
    const auto &tokens = std::get<std::vector<Token>>(lexed);
    FUZZ_CHECK(!tokens.empty() && tokens.back().kind == Token::Kind::End &&
                   tokens.back().pos == in.size(),
               "the tokens do not end with End for " + fuzz::show(in));
    size_t end = 0;
    for (const auto &t : tokens) {
        FUZZ_CHECK(t.pos >= end && t.pos <= in.size() && in.substr(t.pos, t.text.size()) == t.text,
                   "token at " + std::to_string(t.pos) + " is not where it says in " +
                       fuzz::show(in));
        FUZZ_CHECK(t.kind == Token::Kind::End || !t.text.empty(), "an empty token");
        end = t.pos + t.text.size();
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    std::string_view in(reinterpret_cast<const char *>(data), size);
    bool utf8 = mtt::valid_utf8(in);

    // 1. a raw query string, as GET users?... passes it
    auto q = parse_query(in, schema);
    if (auto *e = std::get_if<Error>(&q)) {
        check_message(*e, "", utf8, in);
    } else {
        const Query &query = std::get<Query>(q);
        if (query.filter)
            check_filter(*query.filter, in);
        if (!query.orderby.empty())
            check_order(query.orderby, in);
        FUZZ_CHECK(query.skip <= max_top_skip && (!query.top || *query.top <= max_top_skip),
                   "$top/$skip out of range from " + fuzz::show(in));
    }

    // 2. an already decoded $filter
    check_tokens(in, utf8);
    auto f = parse_filter(in, schema);
    if (auto *e = std::get_if<Error>(&f)) {
        check_message(*e, "$filter: ", utf8, in);
    } else {
        FUZZ_CHECK(in.size() <= max_filter_bytes, "an over-long $filter parsed");
        Filter moved(std::move(std::get<Filter>(f)));
        check_filter(moved, in);
    }

    // 3. an already decoded $orderby
    auto o = parse_orderby(in, schema);
    if (auto *e = std::get_if<Error>(&o))
        check_message(*e, "$orderby: ", utf8, in);
    else
        check_order(std::get<std::vector<OrderKey>>(o), in);

    // 4. the body of a datetime literal
    if (auto ms = parse_datetime(in))
        FUZZ_CHECK(*ms >= -62135596800000 && *ms <= 253402300799999,
                   "datetime out of range from " + fuzz::show(in));
    return 0;
}
