// OData v2/v3 system query options over a flat entity set: $filter, $orderby,
// $top, $skip and $inlinecount, and the OData v4 forms common clients send by
// default: $count, `in`, $select, $format, $expand (and $callback, refused).
// Plain C++ with no I/O: the caller supplies the schema (field names and
// types, in order) and the rows; this parses the raw query string and
// evaluates filters and orderings.
//
// Errors are values. Every Error message is ready for a 400 body and names the
// query option, the 0-based byte position inside that option's decoded value
// (when a position means something) and what was expected:
//
//   unknown query option '$expand'
//   repeated query option '$top'
//   query option name '%24to%zz' cannot be decoded: <why>
//   $filter: cannot be decoded: <why>            (the same for every option)
//   $filter: longer than 4096 bytes
//   $filter: the expression is empty
//   $filter: at position P: <what>
//   $orderby: at position P: <what>
//   $top: expected a non-negative integer but found '-1'
//   $top: expected a non-negative integer no greater than 2147483647 but found '2147483648'
//   $skip: (the same two as $top)
//   $inlinecount: expected 'allpages' or 'none' but found 'x'
//   $count: expected 'true' or 'false' but found 'x'
//   $count and $inlinecount cannot both be given: ...   (on the second of them)
//   $select: at position P: expected a field name or '*' but found X
//   $select: at position P: unknown field 'Foo'
//   $expand: at position P: expected a navigation property or '*' but found X
//   $expand: at position P: cannot expand 'Foo': only Groups can be expanded
//   $expand: at position P: options inside $expand (...) are not supported
//   $format: expected 'json' or 'application/json' but found 'xml'
//   $format: the parameter 'odata.metadata=full' is not supported: ...
//   $callback: JSONP is refused: ...
//
// <why> is mtt::describe(DecodeError). <what> is one of (X is the offending
// token: 'text' in quotes, a string or datetime literal as written, or "end
// of input"):
//
//   invalid UTF-8
//   unterminated string literal                  (P: the opening quote)
//   unexpected character '#'
//   expected an integer but found '1.5'
//   integer literal '9223372036854775808' is out of range for Edm.Int64
//   unsupported literal type 'guid'
//   expected datetime'yyyy-mm-ddThh:mm[:ss[.fffffff]][Z]' but found X
//   expected at most millisecond precision but found X
//   expected an expression but found X
//   expected an operator or end of input but found X
//   expected an operator or ')' but found X
//   expected an operator, ',' or ')' but found X
//   expected '(' after 'in' but found X
//   comparisons cannot be chained; use parentheses
//   nesting deeper than 32                       (P: the 33rd '(', not or function)
//   unknown field 'Foo'
//   unknown function 'foo'
//   function 'length' takes 1 argument but was given 2
//   expected Edm.String for argument 1 of 'length' but found Edm.Boolean
//   cannot compare Edm.String with Edm.Int64     (P: the operator)
//   cannot apply 'gt' to Edm.Boolean             (P: the operator)
//   expected Edm.Boolean for the operand of 'and' but found Edm.String
//   expected an Edm.Boolean filter but found Edm.String
//
// and for $orderby, besides the first four (from the shared tokenizer):
//
//   expected a field name but found X
//   unknown field 'Foo'
//   expected 'asc', 'desc', ',' or end of input but found X
//   expected ',' or end of input but found X
//
// Quoted input longer than 40 bytes is cut at a character boundary and ends
// in "...". Parameters are handled left to right; the first error wins.
//
// Semantics, as OData v2/v3 unless noted:
// - Names (options, fields, functions, keywords) are case-sensitive.
// - Precedence, tightest first: `not`, then eq ne gt ge lt le, then `and`,
//   then `or`. So `not Enabled eq false` is `(not Enabled) eq false`.
//   Comparisons do not chain: `a eq b eq c` is an error (use parentheses).
//   `X in (a, b, ...)` (OData 4.01) is a comparison too: exactly
//   `X eq a or X eq b or ...`, with one or more items of X's type.
// - Literals: 'text' ('' is a quote), integers (Edm.Int64, an optional L
//   suffix, a leading '-'; out of range is an error), true, false, null and
//   datetime'yyyy-mm-ddThh:mm[:ss[.fffffff]][Z]' (UTC; digits past the
//   millisecond must be 0). Other typed literals (guid'..', X'..') are errors.
// - The null literal has every type: it may appear wherever a value may.
//   Only `X eq null` and `X ne null` (the null literal on one side) test for
//   null and are always true or false; every other comparison (`Phone ne 'x'`
//   or `Phone eq Email` with a null Phone), `not` and every function with a
//   null operand yield null; `and`/`or` are three-valued (false and null = false, true or
//   null = true). A row matches only when the whole filter is true.
// - eq/ne compare any two values of one type. gt ge lt le apply to Edm.String
//   (byte order, which is code point order for UTF-8), Edm.Int64 and
//   Edm.DateTime; on Edm.Boolean they are a type error (booleans take eq
//   and ne only). Whitespace between tokens is any of space, \t, \r, \n.
// - Functions: substringof(needle, s) (v2 argument order), startswith(s, p),
//   endswith(s, p), contains(s, needle) -> Edm.Boolean; tolower(s),
//   toupper(s) (Unicode simple case mapping, code point by code point, from
//   libunistring: 'zoë' -> 'ZOË', 'ß' stays 'ß', 'ı' -> 'I'), trim(s)
//   (ASCII whitespace: space, \t, \n, \v, \f, \r) -> Edm.String; length(s),
//   indexof(s, needle) (0-based, -1 when absent) -> Edm.Int64, both counting
//   code points.
// - Nesting: parentheses, `not` and function argument lists each add a level;
//   32 levels are accepted, 33 are an error. $filter is at most 4096 bytes
//   after percent decoding.
// - $top and $skip are decimal digits only, 0..2147483647 (Edm.Int32, as
//   OData's own $top/$skip).
// - A field marked `lower_case` holds ASCII lower-case text only (a GUID): a
//   string literal compared directly with it (eq ne gt ge lt le in) is
//   lowered in ASCII too, so `Id eq '4BB7...'` finds '4bb7...'.
// - $count=true|false; $select=Field,... or '*' (answers keep the entity's
//   own order of properties); $expand=Nav,... or '*'; $format=json or
//   application/json (case-insensitive; parameters odata.metadata=minimal|none,
//   odata.streaming=true|false, IEEE754Compatible=false and charset=utf-8
//   only); any $callback is refused.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace mtt::odata {

inline constexpr size_t max_filter_bytes = 4096;
inline constexpr int max_depth = 32;
inline constexpr uint64_t max_top_skip = 2147483647;

enum class Type { String, Boolean, Int64, DateTime };

// "Edm.String", "Edm.Boolean", "Edm.Int64", "Edm.DateTime".
const char *type_name(Type t);

struct Field {
    const char *name;
    Type type;
    bool lower_case = false; // values are ASCII lower case: literals compared with it are lowered
};

// The filterable and sortable fields; a field is referred to by its index.
using Schema = std::vector<Field>;

// One value: null, or a value of one of the schema types. Strings are views:
// a Row's values must stay valid while the row is being evaluated or sorted.
// A DateTime is milliseconds since 1970-01-01T00:00:00Z.
struct Value {
    enum class Kind : unsigned char { Null, String, Boolean, Int64, DateTime };
    Kind kind = Kind::Null;
    bool boolean = false;
    int64_t integer = 0; // Int64, or DateTime milliseconds
    std::string_view text;

    static Value null() { return {}; }
    static Value of_string(std::string_view s) { return make(Kind::String, false, 0, s); }
    static Value of_bool(bool b) { return make(Kind::Boolean, b, 0, {}); }
    static Value of_int64(int64_t i) { return make(Kind::Int64, false, i, {}); }
    static Value of_datetime_ms(int64_t ms) { return make(Kind::DateTime, false, ms, {}); }
    // Seconds since the epoch, saturated to the representable range.
    static Value of_unix_seconds(int64_t s);
    bool is_null() const { return kind == Kind::Null; }

  private:
    static Value make(Kind k, bool b, int64_t i, std::string_view s) {
        Value v;
        v.kind = k;
        v.boolean = b;
        v.integer = i;
        v.text = s;
        return v;
    }
};

// A row as seen by the engine. get() must return null or a value of the
// schema type of `field`; a value of another kind compares as null in
// filters (and by kind in compare_values).
class Row {
  public:
    virtual ~Row() = default;
    virtual Value get(size_t field) const = 0;
};

struct Error {
    std::string message;
};

// A parsed, type-checked $filter. Movable; views handed out by
// equality_literal stay valid while the Filter (or what it was moved to)
// lives. Evaluation does not allocate except for tolower/toupper results.
// One Filter may be evaluated by several threads at once.
class Filter {
  public:
    struct Node; // the expression tree, defined in odata.c++

    Filter(Filter &&) noexcept;
    Filter &operator=(Filter &&) noexcept;
    ~Filter();

    // True when the filter evaluates to true for `row`.
    bool matches(const Row &row) const;
    // The filter's value for `row`: a Boolean or null.
    Value evaluate(const Row &row) const;

  private:
    Filter(std::unique_ptr<Node> root, size_t scratch_slots);
    std::unique_ptr<Node> root_;
    size_t scratch_slots_ = 0; // one string per tolower/toupper call

    friend std::variant<Filter, Error> parse_filter(std::string_view decoded, const Schema &schema);
    friend std::optional<std::string_view> equality_literal(const Filter &filter, size_t field);
    friend std::optional<std::vector<std::string_view>> index_literals(const Filter &filter,
                                                                       size_t field);
    friend std::vector<struct Constraint> constraints(const Filter &filter);
    friend uint64_t fields_read(const Filter &filter);
    friend std::optional<struct SimplePredicate> simple_predicate(const Filter &filter);
};

struct OrderKey {
    size_t field;
    bool descending;
};

// An entity set as the query options see it.
struct EntitySet {
    Schema schema;                        // $filter and $orderby
    std::vector<const char *> properties; // $select, in the order answers show them
    std::vector<const char *> navigation; // $expand
};

struct Query {
    std::optional<Filter> filter;
    std::vector<OrderKey> orderby; // empty: the caller's own order
    std::optional<uint64_t> top;
    uint64_t skip = 0;
    bool inline_count = false; // $inlinecount=allpages
    bool count = false;        // $count=true
    // One flag per EntitySet::properties; empty: every property.
    std::vector<bool> select;
    // One flag per EntitySet::navigation; empty: nothing expanded.
    std::vector<bool> expand;

    bool selected(size_t property) const { return select.empty() || select[property]; }
    bool expanded(size_t navigation) const {
        return navigation < expand.size() && expand[navigation];
    }
};

// Parses a raw query string (no leading '?'): '&'-separated name[=value]
// pairs, percent-encoded, '+' for space. Parameters whose decoded name does
// not start with '$' are ignored; empty pairs are skipped.
std::variant<Query, Error> parse_query(std::string_view raw_query_string, const EntitySet &set);
// The same over a set whose properties are the schema's fields, with no
// navigation property.
std::variant<Query, Error> parse_query(std::string_view raw_query_string, const Schema &schema);

// Parses an already decoded $filter value.
std::variant<Filter, Error> parse_filter(std::string_view decoded, const Schema &schema);

// Parses an already decoded $orderby value: `Field [asc|desc]`, comma-separated.
std::variant<std::vector<OrderKey>, Error> parse_orderby(std::string_view decoded,
                                                         const Schema &schema);

// The literal L when the filter is `F eq 'L'` or `'L' eq F` for F = `field`,
// or an `and` of conjuncts (at any parenthesised depth) one of which is. The
// caller may fetch the rows with F == L from an index and must still apply
// the whole filter to them.
std::optional<std::string_view> equality_literal(const Filter &filter, size_t field);

// The string literals L1..Ln when the filter is true only where F is one of
// them: `F eq 'L'`, `F in ('L1', ..., 'Ln')` (every item a string literal),
// or an `and` of conjuncts one of which is (the first such one counts). For
// index lookups, as equality_literal; the caller applies the whole filter
// to the rows it fetches. The list may repeat a value.
std::optional<std::vector<std::string_view>> index_literals(const Filter &filter, size_t field);

// A set of values of a String field: [lower, upper] with each bound
// inclusive or not (none: unbounded), or, when `prefix`, every value that
// starts with *lower. Never null.
struct Interval {
    std::optional<std::string_view> lower, upper;
    bool lower_inclusive = true, upper_inclusive = true;
    bool prefix = false;
};

// A conjunct of the filter that holds only where `field` is in one of the
// intervals (their union).
struct Constraint {
    size_t field;
    std::vector<Interval> intervals;
};

// The conjuncts of the filter's top-level `and` (at any parenthesised depth)
// that confine a String field to intervals an index can enumerate: `F eq 'L'`
// (either side), `F in ('L1', ...)` (every item a string literal), `F gt|ge|
// lt|le 'L'` (either side) and `startswith(F, 'P')`. A row that matches the
// filter has F in the intervals of every constraint; the caller fetches the
// rows of one constraint from an index and applies the whole filter to them.
// Views stay valid while the Filter lives.
std::vector<Constraint> constraints(const Filter &filter);

// Bit i set when the filter reads field i (fields 0..63).
uint64_t fields_read(const Filter &filter);

// A whole filter of one of the forms a scan meets most, testing one String
// field against a string literal: substringof('L', F), contains(F, 'L'),
// startswith(F, 'L'), endswith(F, 'L'), tolower(F) eq 'L' and toupper(F) eq
// 'L' (either side). test() decides it on the field's value without the
// tree walk, exactly as matches() would, or says nothing (tolower/toupper of
// a value that is not ASCII): then the caller asks matches().
struct SimplePredicate {
    enum class Kind { SubstringOf, StartsWith, EndsWith, LowerEq, UpperEq };
    Kind kind;
    size_t field;
    std::string_view literal; // valid while the Filter lives
    std::optional<bool> test(std::optional<std::string_view> value) const;
};
std::optional<SimplePredicate> simple_predicate(const Filter &filter);

// `s` with every code point mapped by Unicode's simple upper (or lower) case
// mapping; bytes that are not well-formed UTF-8 are kept as they are.
std::string map_case(std::string_view s, bool upper);

// A total order for sorting: null first, then by kind; strings by bytes,
// false before true, integers and datetimes numerically. <0, 0 or >0.
int compare_values(const Value &a, const Value &b);

// Compares two rows on the keys in turn (descending keys reversed, so null
// sorts last there). Use with std::stable_sort to keep the caller's order
// among ties.
int compare_rows(const Row &a, const Row &b, const std::vector<OrderKey> &keys);

// The body of a datetime literal, "yyyy-mm-ddThh:mm[:ss[.fffffff]][Z]",
// years 0001..9999, as milliseconds since the epoch; nothing when malformed,
// out of range or finer than a millisecond.
std::optional<int64_t> parse_datetime(std::string_view s);

// The lexical tokens of $filter and $orderby, exposed for tests. `text` is
// the token's source text (for strings and datetimes with the quotes and
// prefix); `pos` its byte offset. The last token is End.
struct Token {
    enum class Kind { Identifier, String, Integer, Typed, LParen, RParen, Comma, End };
    Kind kind;
    size_t pos;
    std::string_view text;
};

// Splits `decoded` into tokens; `option` names it in error messages.
std::variant<std::vector<Token>, Error> tokenize(std::string_view decoded, const char *option);

} // namespace mtt::odata
