#include "odata.h++"

#include "calendar.h++"
#include "metrics.h++"
#include "text.h++"

#include <unicase.h>
#include <unistr.h>

#include <algorithm>
#include <array>
#include <limits>

namespace mtt::odata {

namespace {

// ------------------------------------------------------------------ helpers

constexpr size_t max_quoted_bytes = 40;

// `s`, cut to at most 40 bytes at a character boundary with "..." appended.
std::string shorten(std::string_view s) {
    if (s.size() <= max_quoted_bytes)
        return std::string(s);
    return std::string(s.substr(0, utf8_boundary(s, max_quoted_bytes))) + "...";
}

std::string quoted(std::string_view s) {
    return "'" + shorten(s) + "'";
}

bool is_digit(char c) {
    return c >= '0' && c <= '9';
}
bool is_alpha(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
bool is_ident_start(char c) {
    return is_alpha(c) || c == '_';
}
bool is_ident(char c) {
    return is_ident_start(c) || is_digit(c);
}
bool is_space(char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}
bool is_trim_space(char c) {
    return is_space(c) || c == '\v' || c == '\f';
}

// An error inside one option's value, before the option name is added.
struct Failure {
    size_t pos = 0;
    std::string what;
};

Error at(const char *option, const Failure &f) {
    return Error{std::string(option) + ": at position " + std::to_string(f.pos) + ": " + f.what};
}

// ------------------------------------------------------------------ datetime

enum class DateTimeStatus { Ok, Malformed, TooPrecise };

// A cursor over the body of a datetime literal.
struct DateTimeReader {
    std::string_view s;
    size_t pos = 0;

    bool digits(size_t n, int &out) {
        out = 0;
        for (size_t k = 0; k < n; ++k, ++pos) {
            if (pos >= s.size() || !is_digit(s[pos]))
                return false;
            out = out * 10 + (s[pos] - '0');
        }
        return true;
    }
    bool literal(char c) {
        if (pos >= s.size() || s[pos] != c)
            return false;
        ++pos;
        return true;
    }
    bool at(char c) const { return pos < s.size() && s[pos] == c; }
};

struct CivilFields {
    int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0, millis = 0;
};

// Fraction after the '.': 1 to 7 digits, those after the third all zero.
DateTimeStatus read_fraction(DateTimeReader &r, int &millis) {
    size_t start = r.pos;
    millis = 0;
    bool finer = false;
    while (r.pos < r.s.size() && is_digit(r.s[r.pos])) {
        size_t k = r.pos - start;
        if (k < 3)
            millis = millis * 10 + (r.s[r.pos] - '0');
        else if (r.s[r.pos] != '0')
            finer = true;
        ++r.pos;
    }
    size_t n = r.pos - start;
    if (n == 0 || n > 7)
        return DateTimeStatus::Malformed;
    for (size_t k = n; k < 3; ++k)
        millis *= 10;
    return finer ? DateTimeStatus::TooPrecise : DateTimeStatus::Ok;
}

DateTimeStatus read_civil(std::string_view s, CivilFields &c) {
    DateTimeReader r{s};
    bool ok = r.digits(4, c.year) && r.literal('-') && r.digits(2, c.month) && r.literal('-') &&
              r.digits(2, c.day) && r.literal('T') && r.digits(2, c.hour) && r.literal(':') &&
              r.digits(2, c.minute);
    if (!ok)
        return DateTimeStatus::Malformed;
    DateTimeStatus status = DateTimeStatus::Ok;
    if (r.literal(':')) {
        if (!r.digits(2, c.second))
            return DateTimeStatus::Malformed;
        if (r.literal('.'))
            status = read_fraction(r, c.millis);
    }
    if (status == DateTimeStatus::Malformed)
        return status;
    r.literal('Z');
    return r.pos == s.size() ? status : DateTimeStatus::Malformed;
}

bool civil_in_range(const CivilFields &c) {
    return c.year >= 1 && c.month >= 1 && c.month <= 12 && c.day >= 1 &&
           c.day <= days_in_month(c.year, c.month) && c.hour <= 23 && c.minute <= 59 &&
           c.second <= 59;
}

DateTimeStatus datetime_from_text(std::string_view s, int64_t &ms) {
    CivilFields c;
    DateTimeStatus status = read_civil(s, c);
    if (status == DateTimeStatus::Malformed || !civil_in_range(c))
        return DateTimeStatus::Malformed;
    int64_t days = days_from_civil(c.year, c.month, c.day);
    int64_t seconds = days * seconds_per_day + c.hour * 3600 + c.minute * 60 + c.second;
    ms = seconds * 1000 + c.millis;
    return status;
}

// ------------------------------------------------------------------ tokenizer

class Lexer {
  public:
    explicit Lexer(std::string_view s) : s_(s) {}

    std::optional<Failure> run(std::vector<Token> &out) {
        size_t bad = utf8_invalid_at(s_);
        if (bad != std::string_view::npos)
            return Failure{bad, "invalid UTF-8"};
        while (skip_space() < s_.size()) {
            if (!next(out))
                return failure_;
        }
        out.push_back(Token{Token::Kind::End, s_.size(), s_.substr(s_.size())});
        return std::nullopt;
    }

  private:
    std::string_view s_;
    size_t i_ = 0;
    Failure failure_;

    bool fail(size_t pos, std::string what) {
        failure_ = Failure{pos, std::move(what)};
        return false;
    }

    size_t skip_space() {
        while (i_ < s_.size() && is_space(s_[i_]))
            ++i_;
        return i_;
    }

    void emit(std::vector<Token> &out, Token::Kind kind, size_t start) {
        out.push_back(Token{kind, start, s_.substr(start, i_ - start)});
    }

    bool next(std::vector<Token> &out) {
        size_t start = i_;
        char c = s_[i_];
        if (c == '(' || c == ')' || c == ',') {
            ++i_;
            emit(out,
                 c == '('   ? Token::Kind::LParen
                 : c == ')' ? Token::Kind::RParen
                            : Token::Kind::Comma,
                 start);
            return true;
        }
        if (c == '\'')
            return quoted_run(out, start, Token::Kind::String);
        if (is_ident_start(c))
            return identifier(out, start);
        if (is_digit(c) || (c == '-' && i_ + 1 < s_.size() && is_digit(s_[i_ + 1])))
            return number(out, start);
        // run() has checked the UTF-8: a whole character
        return fail(start,
                    "unexpected character " + quoted(s_.substr(i_, utf8_decode(s_, i_).length)));
    }

    // A quoted run from s_[i_] == '\'' to its closing quote; '' is a quote.
    bool quoted_run(std::vector<Token> &out, size_t start, Token::Kind kind) {
        size_t j = i_ + 1;
        for (;;) {
            size_t q = s_.find('\'', j);
            if (q == std::string_view::npos)
                return fail(i_, "unterminated string literal");
            if (q + 1 < s_.size() && s_[q + 1] == '\'') {
                j = q + 2;
                continue;
            }
            i_ = q + 1;
            emit(out, kind, start);
            return true;
        }
    }

    bool identifier(std::vector<Token> &out, size_t start) {
        while (i_ < s_.size() && is_ident(s_[i_]))
            ++i_;
        if (i_ < s_.size() && s_[i_] == '\'')
            return quoted_run(out, start, Token::Kind::Typed);
        emit(out, Token::Kind::Identifier, start);
        return true;
    }

    bool number(std::vector<Token> &out, size_t start) {
        ++i_; // the sign or first digit
        while (i_ < s_.size() && is_digit(s_[i_]))
            ++i_;
        if (i_ < s_.size() && s_[i_] == 'L')
            ++i_;
        if (i_ < s_.size() && (is_ident(s_[i_]) || s_[i_] == '.')) {
            while (i_ < s_.size() && (is_ident(s_[i_]) || s_[i_] == '.'))
                ++i_;
            return fail(start,
                        "expected an integer but found " + quoted(s_.substr(start, i_ - start)));
        }
        emit(out, Token::Kind::Integer, start);
        return true;
    }
};

// How a token reads in "but found ..." messages.
std::string show(const Token &t) {
    switch (t.kind) {
    case Token::Kind::End:
        return "end of input";
    case Token::Kind::String:
    case Token::Kind::Typed:
        return shorten(t.text);
    default:
        return quoted(t.text);
    }
}

// ------------------------------------------------------------------ literals

// The contents of a quoted literal with '' unescaped.
std::string unquote(std::string_view quoted_text) {
    std::string_view body = quoted_text.substr(1, quoted_text.size() - 2);
    std::string out;
    out.reserve(body.size());
    for (size_t i = 0; i < body.size(); ++i) {
        out.push_back(body[i]);
        if (body[i] == '\'')
            ++i; // skip the second quote of ''
    }
    return out;
}

std::optional<int64_t> integer_from_text(std::string_view text) {
    bool negative = !text.empty() && text[0] == '-';
    if (negative)
        text.remove_prefix(1);
    if (!text.empty() && text.back() == 'L')
        text.remove_suffix(1);
    const uint64_t limit = negative ? uint64_t{1} << 63 : (uint64_t{1} << 63) - 1;
    uint64_t magnitude = 0;
    for (char c : text) {
        auto d = static_cast<uint64_t>(c - '0');
        if (magnitude > (limit - d) / 10)
            return std::nullopt;
        magnitude = magnitude * 10 + d;
    }
    if (!negative)
        return static_cast<int64_t>(magnitude);
    return magnitude == uint64_t{1} << 63 ? std::numeric_limits<int64_t>::min()
                                          : -static_cast<int64_t>(magnitude);
}

// ------------------------------------------------------------------ the tree

enum class Op : unsigned char { Literal, Field, Not, And, Or, Eq, Ne, Gt, Ge, Lt, Le, In, Call };

enum class Func : unsigned char {
    SubstringOf,
    StartsWith,
    EndsWith,
    Contains,
    ToLower,
    ToUpper,
    Length,
    Trim,
    IndexOf
};

struct FunctionInfo {
    const char *name;
    Func func;
    size_t arity; // every argument is Edm.String
    Type result;
};

constexpr std::array<FunctionInfo, 9> functions{{
    {"substringof", Func::SubstringOf, 2, Type::Boolean},
    {"startswith", Func::StartsWith, 2, Type::Boolean},
    {"endswith", Func::EndsWith, 2, Type::Boolean},
    {"contains", Func::Contains, 2, Type::Boolean},
    {"tolower", Func::ToLower, 1, Type::String},
    {"toupper", Func::ToUpper, 1, Type::String},
    {"length", Func::Length, 1, Type::Int64},
    {"trim", Func::Trim, 1, Type::String},
    {"indexof", Func::IndexOf, 2, Type::Int64},
}};

const FunctionInfo *find_function(std::string_view name) {
    for (const auto &f : functions)
        if (name == f.name)
            return &f;
    return nullptr;
}

std::optional<size_t> find_field(const Schema &schema, std::string_view name) {
    for (size_t i = 0; i < schema.size(); ++i)
        if (name == schema[i].name)
            return i;
    return std::nullopt;
}

struct Comparison {
    const char *name;
    Op op;
};

constexpr std::array<Comparison, 6> comparisons{{
    {"eq", Op::Eq},
    {"ne", Op::Ne},
    {"gt", Op::Gt},
    {"ge", Op::Ge},
    {"lt", Op::Lt},
    {"le", Op::Le},
}};

std::optional<Op> comparison_op(const Token &t) {
    if (t.kind != Token::Kind::Identifier)
        return std::nullopt;
    for (const auto &c : comparisons)
        if (t.text == c.name)
            return c.op;
    return std::nullopt;
}

bool is_operator_keyword(std::string_view s) {
    return s == "and" || s == "or" || s == "not" || s == "in" ||
           comparison_op(Token{Token::Kind::Identifier, 0, s});
}

// The static type of an expression; nothing for the null literal, which
// fits every type.
using StaticType = std::optional<Type>;

std::string static_type_name(StaticType t) {
    return t ? type_name(*t) : "null";
}

} // namespace

struct Filter::Node {
    Op op = Op::Literal;
    Func func = Func::Length;
    StaticType type;
    size_t pos = 0;   // where the expression starts in the source
    size_t index = 0; // Field: the field; ToLower/ToUpper: the scratch slot
    Value literal;    // non-string literals
    std::string text; // string literals
    std::vector<Node> args;
};

namespace {

using Node = Filter::Node;

// ------------------------------------------------------------------ parser

class Parser {
  public:
    Parser(const std::vector<Token> &tokens, const Schema &schema)
        : tokens_(tokens), schema_(schema) {}

    Failure failure;
    size_t scratch_slots = 0;

    bool parse(Node &out) {
        if (!parse_or(out))
            return false;
        if (peek().kind != Token::Kind::End)
            return fail(peek().pos,
                        "expected an operator or end of input but found " + show(peek()));
        if (out.type && *out.type != Type::Boolean)
            return fail(out.pos,
                        "expected an Edm.Boolean filter but found " + static_type_name(out.type));
        return true;
    }

  private:
    const std::vector<Token> &tokens_;
    const Schema &schema_;
    size_t next_ = 0;
    int depth_ = 0;

    const Token &peek() const { return tokens_[next_]; }
    const Token &peek_after() const { return tokens_[std::min(next_ + 1, tokens_.size() - 1)]; }
    const Token &take() { return tokens_[next_ < tokens_.size() - 1 ? next_++ : next_]; }

    bool at_keyword(const char *word) const {
        return peek().kind == Token::Kind::Identifier && peek().text == word;
    }

    bool fail(size_t pos, std::string what) {
        failure = Failure{pos, std::move(what)};
        return false;
    }

    bool enter(size_t pos) {
        if (++depth_ > max_depth) {
            metrics::refused(metrics::Limit::filter_depth);
            return fail(pos, "nesting deeper than " + std::to_string(max_depth));
        }
        return true;
    }
    void leave() { --depth_; }

    bool expect_boolean(const Node &operand, const char *op) {
        if (!operand.type || *operand.type == Type::Boolean)
            return true;
        return fail(operand.pos, std::string("expected Edm.Boolean for the operand of '") + op +
                                     "' but found " + static_type_name(operand.type));
    }

    // or_expr := and_expr ('or' and_expr)*; and the same for 'and'.
    bool parse_logical(Node &out, const char *word, Op op, bool (Parser::*operand)(Node &)) {
        if (!(this->*operand)(out))
            return false;
        if (!at_keyword(word))
            return true;
        Node chain;
        chain.op = op;
        chain.type = Type::Boolean;
        chain.pos = out.pos;
        if (!expect_boolean(out, word))
            return false;
        chain.args.reserve(2);
        chain.args.push_back(std::move(out));
        while (at_keyword(word)) {
            take();
            Node next;
            if (!(this->*operand)(next) || !expect_boolean(next, word))
                return false;
            chain.args.push_back(std::move(next));
        }
        out = std::move(chain);
        return true;
    }

    bool parse_or(Node &out) { return parse_logical(out, "or", Op::Or, &Parser::parse_and); }
    bool parse_and(Node &out) {
        return parse_logical(out, "and", Op::And, &Parser::parse_comparison);
    }

    bool parse_comparison(Node &out) {
        if (!parse_unary(out))
            return false;
        if (at_keyword("in"))
            return parse_in(out);
        auto op = comparison_op(peek());
        if (!op)
            return true;
        const Token &op_token = take();
        Node right;
        if (!parse_unary(right) || !check_comparison(out, right, op_token))
            return false;
        fold_literal(out, right);
        fold_literal(right, out);
        Node cmp;
        cmp.op = *op;
        cmp.type = Type::Boolean;
        cmp.pos = out.pos;
        cmp.args.reserve(2);
        cmp.args.push_back(std::move(out));
        cmp.args.push_back(std::move(right));
        out = std::move(cmp);
        return not_chained();
    }

    bool not_chained() {
        if (comparison_op(peek()) || at_keyword("in"))
            return fail(peek().pos, "comparisons cannot be chained; use parentheses");
        return true;
    }

    // `left in (item, ...)`: one or more items of left's type.
    bool parse_in(Node &left) {
        take(); // 'in'
        if (peek().kind != Token::Kind::LParen)
            return fail(peek().pos, "expected '(' after 'in' but found " + show(peek()));
        const Token &open = take();
        if (!enter(open.pos))
            return false;
        Node in;
        in.op = Op::In;
        in.type = Type::Boolean;
        in.pos = left.pos;
        in.args.push_back(std::move(left));
        for (;;) {
            Node item;
            if (!parse_or(item))
                return false;
            const Node &subject = in.args[0];
            if (subject.type && item.type && *subject.type != *item.type)
                return fail(item.pos, "cannot compare " + static_type_name(subject.type) +
                                          " with " + static_type_name(item.type));
            fold_literal(subject, item);
            in.args.push_back(std::move(item));
            const Token &t = take();
            if (t.kind == Token::Kind::RParen)
                break;
            if (t.kind != Token::Kind::Comma)
                return fail(t.pos, "expected an operator, ',' or ')' but found " + show(t));
        }
        leave();
        left = std::move(in);
        return not_chained();
    }

    // A string literal compared directly with a lower_case field is lowered
    // in ASCII, as the field's values are.
    void fold_literal(const Node &field, Node &literal) const {
        if (field.op != Op::Field || !schema_[field.index].lower_case)
            return;
        if (literal.op != Op::Literal || literal.literal.kind != Value::Kind::String)
            return;
        for (char &c : literal.text)
            if (c >= 'A' && c <= 'Z')
                c = static_cast<char>(c - 'A' + 'a');
    }

    bool check_comparison(const Node &left, const Node &right, const Token &op) {
        if (left.type && right.type && *left.type != *right.type)
            return fail(op.pos, "cannot compare " + static_type_name(left.type) + " with " +
                                    static_type_name(right.type));
        StaticType type = left.type ? left.type : right.type;
        bool ordering = op.text != "eq" && op.text != "ne";
        if (ordering && type == Type::Boolean)
            return fail(op.pos, "cannot apply " + quoted(op.text) + " to Edm.Boolean");
        return true;
    }

    bool parse_unary(Node &out) {
        if (!at_keyword("not"))
            return parse_primary(out);
        const Token &word = take();
        Node operand;
        if (!enter(word.pos) || !parse_unary(operand) || !expect_boolean(operand, "not"))
            return false;
        leave();
        out = Node{};
        out.op = Op::Not;
        out.type = Type::Boolean;
        out.pos = word.pos;
        out.args.push_back(std::move(operand));
        return true;
    }

    bool parse_primary(Node &out) {
        const Token &t = peek();
        switch (t.kind) {
        case Token::Kind::LParen:
            return parse_group(out);
        case Token::Kind::String:
            return string_literal(out, take());
        case Token::Kind::Integer:
            return integer_literal(out, take());
        case Token::Kind::Typed:
            return typed_literal(out, take());
        case Token::Kind::Identifier:
            return parse_name(out);
        default:
            return fail(t.pos, "expected an expression but found " + show(t));
        }
    }

    bool parse_group(Node &out) {
        const Token &open = take();
        if (!enter(open.pos) || !parse_or(out))
            return false;
        if (peek().kind != Token::Kind::RParen)
            return fail(peek().pos, "expected an operator or ')' but found " + show(peek()));
        take();
        leave();
        out.pos = open.pos;
        return true;
    }

    static Node literal_node(size_t pos, Value v, StaticType type) {
        Node n;
        n.op = Op::Literal;
        n.pos = pos;
        n.literal = v;
        n.type = type;
        return n;
    }

    bool string_literal(Node &out, const Token &t) {
        out = literal_node(t.pos, Value::of_string({}), Type::String);
        out.text = unquote(t.text);
        return true;
    }

    bool integer_literal(Node &out, const Token &t) {
        auto i = integer_from_text(t.text);
        if (!i)
            return fail(t.pos,
                        "integer literal " + quoted(t.text) + " is out of range for Edm.Int64");
        out = literal_node(t.pos, Value::of_int64(*i), Type::Int64);
        return true;
    }

    bool typed_literal(Node &out, const Token &t) {
        std::string_view prefix = t.text.substr(0, t.text.find('\''));
        if (prefix != "datetime")
            return fail(t.pos, "unsupported literal type " + quoted(prefix));
        std::string_view body = t.text.substr(prefix.size() + 1, t.text.size() - prefix.size() - 2);
        int64_t ms = 0;
        switch (datetime_from_text(body, ms)) {
        case DateTimeStatus::Malformed:
            return fail(t.pos, "expected datetime'yyyy-mm-ddThh:mm[:ss[.fffffff]][Z]' but found " +
                                   show(t));
        case DateTimeStatus::TooPrecise:
            return fail(t.pos, "expected at most millisecond precision but found " + show(t));
        case DateTimeStatus::Ok:
            break;
        }
        out = literal_node(t.pos, Value::of_datetime_ms(ms), Type::DateTime);
        return true;
    }

    bool parse_name(Node &out) {
        const Token &t = peek();
        if (t.text == "null")
            out = literal_node(take().pos, Value::null(), std::nullopt);
        else if (t.text == "true" || t.text == "false")
            out = literal_node(take().pos, Value::of_bool(t.text == "true"), Type::Boolean);
        else if (is_operator_keyword(t.text))
            return fail(t.pos, "expected an expression but found " + show(t));
        else if (peek_after().kind == Token::Kind::LParen)
            return parse_call(out);
        else
            return parse_field(out);
        return true;
    }

    bool parse_field(Node &out) {
        const Token &t = take();
        auto index = find_field(schema_, t.text);
        if (!index)
            return fail(t.pos, "unknown field " + quoted(t.text));
        out = Node{};
        out.op = Op::Field;
        out.pos = t.pos;
        out.index = *index;
        out.type = schema_[*index].type;
        return true;
    }

    bool parse_call(Node &out) {
        const Token &name = take();
        const FunctionInfo *f = find_function(name.text);
        if (!f)
            return fail(name.pos, "unknown function " + quoted(name.text));
        take(); // '('
        out = Node{};
        out.op = Op::Call;
        out.func = f->func;
        out.type = f->result;
        out.pos = name.pos;
        if (!enter(name.pos) || !parse_arguments(out.args))
            return false;
        leave();
        if (f->func == Func::ToLower || f->func == Func::ToUpper)
            out.index = scratch_slots++;
        return check_arguments(*f, out);
    }

    bool parse_arguments(std::vector<Node> &args) {
        if (peek().kind == Token::Kind::RParen) {
            take();
            return true;
        }
        for (;;) {
            Node arg;
            if (!parse_or(arg))
                return false;
            args.push_back(std::move(arg));
            const Token &t = take();
            if (t.kind == Token::Kind::RParen)
                return true;
            if (t.kind != Token::Kind::Comma)
                return fail(t.pos, "expected an operator, ',' or ')' but found " + show(t));
        }
    }

    bool check_arguments(const FunctionInfo &f, const Node &call) {
        if (call.args.size() != f.arity)
            return fail(call.pos, std::string("function '") + f.name + "' takes " +
                                      std::to_string(f.arity) +
                                      (f.arity == 1 ? " argument" : " arguments") +
                                      " but was given " + std::to_string(call.args.size()));
        for (size_t i = 0; i < call.args.size(); ++i) {
            const Node &arg = call.args[i];
            if (arg.type && *arg.type != Type::String)
                return fail(arg.pos, "expected Edm.String for argument " + std::to_string(i + 1) +
                                         " of '" + f.name + "' but found " +
                                         static_type_name(arg.type));
        }
        return true;
    }
};

// ------------------------------------------------------------------ evaluator

using Scratch = std::vector<std::string>;

Value evaluate_node(const Node &n, const Row &row, Scratch &scratch);

bool same_kind(const Value &a, const Value &b) {
    return a.kind == b.kind;
}

Value evaluate_not(const Node &n, const Row &row, Scratch &scratch) {
    Value v = evaluate_node(n.args[0], row, scratch);
    return v.kind == Value::Kind::Boolean ? Value::of_bool(!v.boolean) : Value::null();
}

// and: false wins, else null wins, else true; or: the same with true and false swapped.
Value evaluate_logical(const Node &n, const Row &row, Scratch &scratch, bool deciding) {
    bool saw_null = false;
    for (const Node &arg : n.args) {
        Value v = evaluate_node(arg, row, scratch);
        if (v.kind != Value::Kind::Boolean)
            saw_null = true;
        else if (v.boolean == deciding)
            return Value::of_bool(deciding);
    }
    return saw_null ? Value::null() : Value::of_bool(!deciding);
}

bool is_null_literal(const Node &n) {
    return n.op == Op::Literal && !n.type;
}

// `x eq y` (or `ne` when !eq) for the values a of x and b of y. Only `eq
// null` / `ne null` test for null; any other comparison with a null value is
// null, as the contract says.
Value equality(const Node &x, const Value &a, const Node &y, const Value &b, bool eq) {
    if (a.is_null() || b.is_null()) {
        if (!is_null_literal(x) && !is_null_literal(y))
            return Value::null();
        return Value::of_bool((a.is_null() && b.is_null()) == eq);
    }
    bool equal = same_kind(a, b) && compare_values(a, b) == 0;
    return Value::of_bool(equal == eq);
}

// `x in (y1, y2, ...)`: `x eq y1 or x eq y2 or ...`, x evaluated once.
Value evaluate_in(const Node &n, const Row &row, Scratch &scratch) {
    Value a = evaluate_node(n.args[0], row, scratch);
    bool saw_null = false;
    for (size_t i = 1; i < n.args.size(); ++i) {
        Value b = evaluate_node(n.args[i], row, scratch);
        Value v = equality(n.args[0], a, n.args[i], b, true);
        if (v.kind != Value::Kind::Boolean)
            saw_null = true;
        else if (v.boolean)
            return v;
    }
    return saw_null ? Value::null() : Value::of_bool(false);
}

Value evaluate_comparison(const Node &n, const Row &row, Scratch &scratch) {
    Value a = evaluate_node(n.args[0], row, scratch);
    Value b = evaluate_node(n.args[1], row, scratch);
    if (n.op == Op::Eq || n.op == Op::Ne)
        return equality(n.args[0], a, n.args[1], b, n.op == Op::Eq);
    if (a.is_null() || b.is_null() || !same_kind(a, b))
        return Value::null();
    int c = compare_values(a, b);
    switch (n.op) {
    case Op::Gt:
        return Value::of_bool(c > 0);
    case Op::Ge:
        return Value::of_bool(c >= 0);
    case Op::Lt:
        return Value::of_bool(c < 0);
    default:
        return Value::of_bool(c <= 0);
    }
}

bool starts_with(std::string_view s, std::string_view p) {
    return s.size() >= p.size() && s.compare(0, p.size(), p) == 0;
}

bool ends_with(std::string_view s, std::string_view p) {
    return s.size() >= p.size() && s.compare(s.size() - p.size(), p.size(), p) == 0;
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && is_trim_space(s.front()))
        s.remove_prefix(1);
    while (!s.empty() && is_trim_space(s.back()))
        s.remove_suffix(1);
    return s;
}

// Appends `s` case-mapped to `out` (see map_case in the header).
void append_case_mapped(std::string_view s, bool upper, std::string &out) {
    const auto *begin = reinterpret_cast<const uint8_t *>(s.data());
    const uint8_t *p = begin, *end = begin + s.size();
    while (p < end) {
        if (*p < 0x80) { // ASCII: no call into the library
            char c = static_cast<char>(*p++);
            if (upper && c >= 'a' && c <= 'z')
                c = static_cast<char>(c - 'a' + 'A');
            else if (!upper && c >= 'A' && c <= 'Z')
                c = static_cast<char>(c - 'A' + 'a');
            out.push_back(c);
            continue;
        }
        auto [c, n] = utf8_decode(s, static_cast<size_t>(p - begin));
        if (n == 0) { // not well-formed: keep the byte
            out.push_back(static_cast<char>(*p++));
            continue;
        }
        uint8_t buf[6];
        int k = u8_uctomb(buf, upper ? uc_toupper(c) : uc_tolower(c), sizeof buf);
        if (k > 0)
            out.append(reinterpret_cast<const char *>(buf), static_cast<size_t>(k));
        else
            out.append(reinterpret_cast<const char *>(p), static_cast<size_t>(n));
        p += n;
    }
}

std::string_view map_case_into(std::string_view s, bool upper, std::string &slot) {
    slot.clear();
    append_case_mapped(s, upper, slot);
    return slot;
}

int64_t index_of(std::string_view s, std::string_view needle) {
    size_t at = s.find(needle);
    if (at == std::string_view::npos)
        return -1;
    return static_cast<int64_t>(utf8_length(s.substr(0, at)));
}

Value apply(const Node &n, std::string_view a, std::string_view b, Scratch &scratch) {
    switch (n.func) {
    case Func::SubstringOf:
        return Value::of_bool(b.find(a) != std::string_view::npos);
    case Func::StartsWith:
        return Value::of_bool(starts_with(a, b));
    case Func::EndsWith:
        return Value::of_bool(ends_with(a, b));
    case Func::Contains:
        return Value::of_bool(a.find(b) != std::string_view::npos);
    case Func::ToLower:
    case Func::ToUpper:
        return Value::of_string(map_case_into(a, n.func == Func::ToUpper, scratch[n.index]));
    case Func::Length:
        return Value::of_int64(static_cast<int64_t>(utf8_length(a)));
    case Func::Trim:
        return Value::of_string(trim(a));
    case Func::IndexOf:
        return Value::of_int64(index_of(a, b));
    }
    return Value::null();
}

Value evaluate_call(const Node &n, const Row &row, Scratch &scratch) {
    std::array<std::string_view, 2> args;
    for (size_t i = 0; i < n.args.size() && i < args.size(); ++i) {
        Value v = evaluate_node(n.args[i], row, scratch);
        if (v.kind != Value::Kind::String)
            return Value::null();
        args[i] = v.text;
    }
    return apply(n, args[0], args[1], scratch);
}

Value evaluate_node(const Node &n, const Row &row, Scratch &scratch) {
    switch (n.op) {
    case Op::Literal:
        return n.literal.kind == Value::Kind::String ? Value::of_string(n.text) : n.literal;
    case Op::Field:
        return row.get(n.index);
    case Op::Not:
        return evaluate_not(n, row, scratch);
    case Op::And:
        return evaluate_logical(n, row, scratch, false);
    case Op::Or:
        return evaluate_logical(n, row, scratch, true);
    case Op::Call:
        return evaluate_call(n, row, scratch);
    case Op::In:
        return evaluate_in(n, row, scratch);
    default:
        return evaluate_comparison(n, row, scratch);
    }
}

std::optional<std::string_view> find_equality(const Node &n, size_t field) {
    if (n.op == Op::And) {
        for (const Node &arg : n.args)
            if (auto found = find_equality(arg, field))
                return found;
        return std::nullopt;
    }
    if (n.op != Op::Eq)
        return std::nullopt;
    auto is_field = [&](const Node &x) { return x.op == Op::Field && x.index == field; };
    auto is_string = [](const Node &x) {
        return x.op == Op::Literal && x.literal.kind == Value::Kind::String;
    };
    const Node &a = n.args[0], &b = n.args[1];
    if (is_field(a) && is_string(b))
        return std::string_view(b.text);
    if (is_string(a) && is_field(b))
        return std::string_view(a.text);
    return std::nullopt;
}

bool is_field(const Node &x, size_t field) {
    return x.op == Op::Field && x.index == field;
}
bool is_string_literal(const Node &x) {
    return x.op == Op::Literal && x.literal.kind == Value::Kind::String;
}

std::optional<std::vector<std::string_view>> find_literals(const Node &n, size_t field) {
    if (n.op == Op::And) {
        for (const Node &arg : n.args)
            if (auto found = find_literals(arg, field))
                return found;
        return std::nullopt;
    }
    if (n.op == Op::Eq) {
        if (auto lit = find_equality(n, field))
            return std::vector<std::string_view>{*lit};
        return std::nullopt;
    }
    if (n.op != Op::In || !is_field(n.args[0], field))
        return std::nullopt;
    std::vector<std::string_view> out;
    for (size_t i = 1; i < n.args.size(); ++i) {
        if (!is_string_literal(n.args[i]))
            return std::nullopt;
        out.emplace_back(n.args[i].text);
    }
    return out;
}

void collect_constraints(const Node &n, std::vector<Constraint> &out) {
    if (n.op == Op::And) {
        for (const Node &arg : n.args)
            collect_constraints(arg, out);
        return;
    }
    auto field_of = [](const Node &x) {
        return x.op == Op::Field && x.type == Type::String ? std::optional<size_t>(x.index)
                                                           : std::nullopt;
    };
    if (n.op == Op::In) {
        auto f = field_of(n.args[0]);
        if (!f)
            return;
        Constraint c{*f, {}};
        for (size_t i = 1; i < n.args.size(); ++i) {
            if (!is_string_literal(n.args[i]))
                return;
            std::string_view v(n.args[i].text);
            c.intervals.push_back(Interval{v, v, true, true, false});
        }
        out.push_back(std::move(c));
        return;
    }
    if (n.op == Op::Call && n.func == Func::StartsWith) {
        auto f = field_of(n.args[0]);
        if (f && is_string_literal(n.args[1]))
            out.push_back(Constraint{
                *f, {Interval{std::string_view(n.args[1].text), std::nullopt, true, true, true}}});
        return;
    }
    if (n.op != Op::Eq && n.op != Op::Gt && n.op != Op::Ge && n.op != Op::Lt && n.op != Op::Le)
        return;
    Op op = n.op;
    std::optional<size_t> f = field_of(n.args[0]);
    const Node *lit = &n.args[1];
    if (!f) { // 'L' op F is F op' 'L'
        f = field_of(n.args[1]);
        lit = &n.args[0];
        op = op == Op::Gt   ? Op::Lt
             : op == Op::Ge ? Op::Le
             : op == Op::Lt ? Op::Gt
             : op == Op::Le ? Op::Ge
                            : op;
    }
    if (!f || !is_string_literal(*lit))
        return;
    std::string_view v(lit->text);
    Interval i;
    switch (op) {
    case Op::Eq:
        i = Interval{v, v, true, true, false};
        break;
    case Op::Gt:
        i.lower = v;
        i.lower_inclusive = false;
        break;
    case Op::Ge:
        i.lower = v;
        break;
    case Op::Lt:
        i.upper = v;
        i.upper_inclusive = false;
        break;
    default:
        i.upper = v;
        break; // Le
    }
    out.push_back(Constraint{*f, {i}});
}

void collect_fields(const Node &n, uint64_t &bits) {
    if (n.op == Op::Field && n.index < 64)
        bits |= uint64_t(1) << n.index;
    for (const Node &arg : n.args)
        collect_fields(arg, bits);
}

// ------------------------------------------------------------------ orderby

// Parses the tokens of $orderby into `keys`.
class OrderbyParser {
  public:
    OrderbyParser(const std::vector<Token> &tokens, const Schema &schema)
        : tokens_(tokens), schema_(schema) {}

    Failure failure;

    bool parse(std::vector<OrderKey> &keys) {
        for (;;) {
            OrderKey key{};
            if (!parse_key(key))
                return false;
            keys.push_back(key);
            const Token &t = tokens_[next_++];
            if (t.kind == Token::Kind::End)
                return true;
            if (t.kind != Token::Kind::Comma)
                return fail(t.pos, (direction_ ? "expected ',' or end of input but found "
                                               : "expected 'asc', 'desc', ',' or end of input "
                                                 "but found ") +
                                       show(t));
        }
    }

  private:
    const std::vector<Token> &tokens_;
    const Schema &schema_;
    size_t next_ = 0;
    bool direction_ = false; // the last key had asc/desc

    bool fail(size_t pos, std::string what) {
        failure = Failure{pos, std::move(what)};
        return false;
    }

    bool parse_key(OrderKey &key) {
        const Token &name = tokens_[next_];
        if (name.kind != Token::Kind::Identifier)
            return fail(name.pos, "expected a field name but found " + show(name));
        auto index = find_field(schema_, name.text);
        if (!index)
            return fail(name.pos, "unknown field " + quoted(name.text));
        ++next_;
        key.field = *index;
        const Token &t = tokens_[next_];
        direction_ = t.kind == Token::Kind::Identifier && (t.text == "asc" || t.text == "desc");
        key.descending = direction_ && t.text == "desc";
        next_ += direction_;
        return true;
    }
};

// ------------------------------------------------------------------ query string

enum Option {
    FilterOption,
    OrderbyOption,
    TopOption,
    SkipOption,
    InlinecountOption,
    CountOption,
    SelectOption,
    ExpandOption,
    FormatOption,
    CallbackOption,
    NoOption
};

constexpr std::array<const char *, 10> option_names{
    "$filter", "$orderby", "$top",    "$skip",   "$inlinecount",
    "$count",  "$select",  "$expand", "$format", "$callback"};

Option find_option(std::string_view name) {
    for (size_t i = 0; i < option_names.size(); ++i)
        if (name == option_names[i])
            return static_cast<Option>(i);
    return NoOption;
}

// A name that is meant as a system query option even if it does not decode.
bool looks_like_option(std::string_view raw) {
    if (!raw.empty() && raw[0] == '$')
        return true;
    return raw.size() >= 3 && raw[0] == '%' && raw[1] == '2' && raw[2] == '4';
}

std::optional<Error> parse_count(const char *option, std::string_view value, uint64_t &out) {
    bool digits = !value.empty() && std::all_of(value.begin(), value.end(), is_digit);
    if (!digits)
        return Error{std::string(option) + ": expected a non-negative integer but found " +
                     quoted(value)};
    out = 0;
    for (char c : value) {
        out = out * 10 + static_cast<uint64_t>(c - '0');
        if (out > max_top_skip) {
            metrics::refused(metrics::Limit::top_skip);
            return Error{std::string(option) +
                         ": expected a non-negative integer no greater than " +
                         std::to_string(max_top_skip) + " but found " + quoted(value)};
        }
    }
    return std::nullopt;
}

std::optional<Error> parse_inlinecount(std::string_view value, bool &out) {
    if (value != "allpages" && value != "none")
        return Error{"$inlinecount: expected 'allpages' or 'none' but found " + quoted(value)};
    out = value == "allpages";
    return std::nullopt;
}

std::optional<Error> parse_v4_count(std::string_view value, bool &out) {
    if (value != "true" && value != "false")
        return Error{"$count: expected 'true' or 'false' but found " + quoted(value)};
    out = value == "true";
    return std::nullopt;
}

bool is_identifier(std::string_view s) {
    return !s.empty() && is_ident_start(s[0]) && std::all_of(s.begin(), s.end(), is_ident);
}

// $select and $expand: comma-separated names from `names`, or '*' for all;
// whitespace around an item is allowed. Sets one flag per name.
std::optional<Error> parse_name_list(const char *option, std::string_view value,
                                     const std::vector<const char *> &names, bool navigation,
                                     std::vector<bool> &flags) {
    auto error = [&](size_t pos, const std::string &what) {
        return Error{std::string(option) + ": at position " + std::to_string(pos) + ": " + what};
    };
    if (navigation) {
        size_t paren = value.find('(');
        if (paren != std::string_view::npos)
            return error(paren, "options inside $expand (...) are not supported");
    }
    const char *expected = navigation ? "expected a navigation property or '*' but found "
                                      : "expected a field name or '*' but found ";
    flags.assign(names.size(), false);
    size_t pos = 0;
    for (;;) {
        size_t comma = value.find(',', pos);
        size_t stop = comma == std::string_view::npos ? value.size() : comma;
        size_t begin = pos, finish = stop;
        while (begin < finish && is_space(value[begin]))
            ++begin;
        while (finish > begin && is_space(value[finish - 1]))
            --finish;
        std::string_view item = value.substr(begin, finish - begin);
        if (item.empty())
            return error(begin,
                         expected + std::string(stop == value.size() ? "end of input" : "','"));
        if (item == "*") {
            flags.assign(names.size(), true);
        } else if (!is_identifier(item)) {
            return error(begin, expected + quoted(item));
        } else {
            auto at =
                std::find_if(names.begin(), names.end(), [&](const char *n) { return item == n; });
            if (at == names.end()) {
                if (!navigation)
                    return error(begin, "unknown field " + quoted(item));
                std::string offered;
                for (size_t i = 0; i < names.size(); ++i)
                    offered +=
                        (i ? (i + 1 == names.size() ? " and " : ", ") : "") + std::string(names[i]);
                return error(begin, "cannot expand " + quoted(item) +
                                        (names.empty() ? ": nothing can be expanded"
                                                       : ": only " + offered + " can be expanded"));
            }
            flags[static_cast<size_t>(at - names.begin())] = true;
        }
        if (comma == std::string_view::npos)
            return std::nullopt;
        pos = comma + 1;
    }
}

std::string ascii_lower(std::string_view s) {
    std::string out(s);
    for (char &c : out)
        if (c >= 'A' && c <= 'Z')
            c = static_cast<char>(c - 'A' + 'a');
    return out;
}

std::string_view trimmed(std::string_view s) {
    while (!s.empty() && is_space(s.front()))
        s.remove_prefix(1);
    while (!s.empty() && is_space(s.back()))
        s.remove_suffix(1);
    return s;
}

// $format: json or application/json, case-insensitive, with the parameters
// v4 clients add for plain JSON.
std::optional<Error> parse_format(std::string_view value) {
    static constexpr std::array<const char *, 11> parameters{
        "odata.metadata=minimal",  "odata.metadata=none",   "metadata=minimal", "metadata=none",
        "odata.streaming=true",    "odata.streaming=false", "streaming=true",   "streaming=false",
        "ieee754compatible=false", "charset=utf-8",         "charset=\"utf-8\""};
    size_t semi = value.find(';');
    std::string media = ascii_lower(trimmed(value.substr(0, semi)));
    if (media != "json" && media != "application/json")
        return Error{"$format: expected 'json' or 'application/json' but found " + quoted(value)};
    while (semi != std::string_view::npos) {
        size_t next = value.find(';', semi + 1);
        std::string_view raw = trimmed(value.substr(semi + 1, next - semi - 1));
        std::string p = ascii_lower(raw);
        if (std::find(parameters.begin(), parameters.end(), p) == parameters.end())
            return Error{"$format: the parameter " + quoted(raw) +
                         " is not supported: answers are plain JSON (odata.metadata=minimal or "
                         "none)"};
        semi = next;
    }
    return std::nullopt;
}

std::optional<Error> apply_option(Option option, std::string_view value, const EntitySet &set,
                                  Query &q) {
    switch (option) {
    case FilterOption: {
        auto r = parse_filter(value, set.schema);
        if (auto *e = std::get_if<Error>(&r))
            return std::move(*e);
        q.filter.emplace(std::move(std::get<Filter>(r)));
        return std::nullopt;
    }
    case OrderbyOption: {
        auto r = parse_orderby(value, set.schema);
        if (auto *e = std::get_if<Error>(&r))
            return std::move(*e);
        q.orderby = std::move(std::get<std::vector<OrderKey>>(r));
        return std::nullopt;
    }
    case TopOption:
        return parse_count("$top", value, q.top.emplace());
    case SkipOption:
        return parse_count("$skip", value, q.skip);
    case InlinecountOption:
        return parse_inlinecount(value, q.inline_count);
    case CountOption:
        return parse_v4_count(value, q.count);
    case SelectOption:
        return parse_name_list("$select", value, set.properties, false, q.select);
    case ExpandOption:
        return parse_name_list("$expand", value, set.navigation, true, q.expand);
    case FormatOption:
        return parse_format(value);
    default:
        return Error{"$callback: JSONP is refused: a JSONP answer is a script that any web page "
                     "can load with the browser's credentials, which would let any page read "
                     "the admin API"};
    }
}

// Handles one name[=value] pair; `seen` has a bit per option already given.
std::optional<Error> parse_pair(std::string_view pair, const EntitySet &set, unsigned &seen,
                                Query &q) {
    size_t eq = pair.find('=');
    std::string_view raw_name = pair.substr(0, eq);
    std::string_view raw_value = eq == std::string_view::npos ? "" : pair.substr(eq + 1);
    std::string name, value;
    if (auto e = percent_decode(raw_name, true, name)) {
        if (!looks_like_option(raw_name))
            return std::nullopt;
        return Error{"query option name " + quoted(raw_name) +
                     " cannot be decoded: " + describe(*e)};
    }
    if (name.empty() || name[0] != '$')
        return std::nullopt;
    Option option = find_option(name);
    if (option == NoOption)
        return Error{"unknown query option " + quoted(name)};
    if (seen & (1u << option))
        return Error{"repeated query option " + quoted(name)};
    seen |= 1u << option;
    constexpr unsigned counts = (1u << CountOption) | (1u << InlinecountOption);
    if ((seen & counts) == counts)
        return Error{"$count and $inlinecount cannot both be given: $count=true is OData v4's "
                     "$inlinecount=allpages; send one of them"};
    if (auto e = percent_decode(raw_value, true, value))
        return Error{name + ": cannot be decoded: " + describe(*e)};
    return apply_option(option, value, set, q);
}

} // namespace

// ------------------------------------------------------------------ public

const char *type_name(Type t) {
    switch (t) {
    case Type::String:
        return "Edm.String";
    case Type::Boolean:
        return "Edm.Boolean";
    case Type::Int64:
        return "Edm.Int64";
    case Type::DateTime:
        return "Edm.DateTime";
    }
    return "Edm.Unknown";
}

Value Value::of_unix_seconds(int64_t s) {
    constexpr int64_t limit = std::numeric_limits<int64_t>::max() / 1000;
    return of_datetime_ms(std::clamp(s, -limit, limit) * 1000);
}

Filter::Filter(std::unique_ptr<Node> root, size_t scratch_slots)
    : root_(std::move(root)), scratch_slots_(scratch_slots) {}
Filter::Filter(Filter &&) noexcept = default;
Filter &Filter::operator=(Filter &&) noexcept = default;
Filter::~Filter() = default;

Value Filter::evaluate(const Row &row) const {
    if (scratch_slots_ == 0) {
        Scratch none;
        return evaluate_node(*root_, row, none);
    }
    // one per thread, kept from row to row (the strings keep their capacity);
    // a Value never outlives the evaluation that made it
    thread_local Scratch scratch;
    if (scratch.size() < scratch_slots_)
        scratch.resize(scratch_slots_);
    return evaluate_node(*root_, row, scratch);
}

bool Filter::matches(const Row &row) const {
    Value v = evaluate(row);
    return v.kind == Value::Kind::Boolean && v.boolean;
}

std::variant<std::vector<Token>, Error> tokenize(std::string_view decoded, const char *option) {
    std::vector<Token> tokens;
    tokens.reserve(16); // a filter's common size: no growing
    if (auto f = Lexer(decoded).run(tokens))
        return at(option, *f);
    return tokens;
}

std::variant<Filter, Error> parse_filter(std::string_view decoded, const Schema &schema) {
    if (decoded.size() > max_filter_bytes) {
        metrics::refused(metrics::Limit::filter_bytes);
        return Error{"$filter: longer than " + std::to_string(max_filter_bytes) + " bytes"};
    }
    auto lexed = tokenize(decoded, "$filter");
    if (auto *e = std::get_if<Error>(&lexed))
        return std::move(*e);
    const auto &tokens = std::get<std::vector<Token>>(lexed);
    if (tokens.size() == 1)
        return Error{"$filter: the expression is empty"};
    Parser parser(tokens, schema);
    auto root = std::make_unique<Node>();
    if (!parser.parse(*root))
        return at("$filter", parser.failure);
    return Filter(std::move(root), parser.scratch_slots);
}

std::variant<std::vector<OrderKey>, Error> parse_orderby(std::string_view decoded,
                                                         const Schema &schema) {
    auto lexed = tokenize(decoded, "$orderby");
    if (auto *e = std::get_if<Error>(&lexed))
        return std::move(*e);
    OrderbyParser parser(std::get<std::vector<Token>>(lexed), schema);
    std::vector<OrderKey> keys;
    if (!parser.parse(keys))
        return at("$orderby", parser.failure);
    return keys;
}

std::variant<Query, Error> parse_query(std::string_view raw, const Schema &schema) {
    EntitySet set{schema, {}, {}};
    for (const Field &f : schema)
        set.properties.push_back(f.name);
    return parse_query(raw, set);
}

std::variant<Query, Error> parse_query(std::string_view raw, const EntitySet &set) {
    Query q;
    unsigned seen = 0;
    while (!raw.empty()) {
        size_t amp = raw.find('&');
        std::string_view pair = raw.substr(0, amp);
        raw = amp == std::string_view::npos ? std::string_view{} : raw.substr(amp + 1);
        if (pair.empty())
            continue;
        if (auto e = parse_pair(pair, set, seen, q))
            return std::move(*e);
    }
    return q;
}

std::optional<std::string_view> equality_literal(const Filter &filter, size_t field) {
    return find_equality(*filter.root_, field);
}

std::optional<std::vector<std::string_view>> index_literals(const Filter &filter, size_t field) {
    return find_literals(*filter.root_, field);
}

std::vector<Constraint> constraints(const Filter &filter) {
    std::vector<Constraint> out;
    collect_constraints(*filter.root_, out);
    return out;
}

uint64_t fields_read(const Filter &filter) {
    uint64_t bits = 0;
    collect_fields(*filter.root_, bits);
    return bits;
}

std::optional<SimplePredicate> simple_predicate(const Filter &filter) {
    const Node &n = *filter.root_;
    auto field = [](const Node &x) {
        return x.op == Op::Field && x.type == Type::String ? std::optional<size_t>(x.index)
                                                           : std::nullopt;
    };
    using K = SimplePredicate::Kind;
    if (n.op == Op::Call && n.args.size() == 2) {
        const Node &a = n.args[0], &b = n.args[1];
        switch (n.func) {
        case Func::SubstringOf:
            if (is_string_literal(a) && field(b))
                return SimplePredicate{K::SubstringOf, *field(b), a.text};
            break;
        case Func::Contains:
        case Func::StartsWith:
        case Func::EndsWith:
            if (field(a) && is_string_literal(b))
                return SimplePredicate{n.func == Func::Contains     ? K::SubstringOf
                                       : n.func == Func::StartsWith ? K::StartsWith
                                                                    : K::EndsWith,
                                       *field(a), b.text};
            break;
        default:
            break;
        }
        return std::nullopt;
    }
    if (n.op != Op::Eq)
        return std::nullopt;
    for (int side = 0; side < 2; ++side) {
        const Node &call = n.args[side], &lit = n.args[1 - side];
        if (call.op == Op::Call && (call.func == Func::ToLower || call.func == Func::ToUpper) &&
            field(call.args[0]) && is_string_literal(lit))
            return SimplePredicate{call.func == Func::ToLower ? K::LowerEq : K::UpperEq,
                                   *field(call.args[0]), lit.text};
    }
    return std::nullopt;
}

std::optional<bool> SimplePredicate::test(std::optional<std::string_view> value) const {
    if (!value)
        return false; // a function of null is null: no match
    std::string_view v = *value;
    switch (kind) {
    case Kind::SubstringOf:
        return v.find(literal) != std::string_view::npos;
    case Kind::StartsWith:
        return starts_with(v, literal);
    case Kind::EndsWith:
        return ends_with(v, literal);
    case Kind::LowerEq:
    case Kind::UpperEq: {
        bool upper = kind == Kind::UpperEq;
        if (v.size() != literal.size()) { // ASCII maps byte for byte: only a non-ASCII v may match
            for (char c : v)
                if (static_cast<unsigned char>(c) >= 0x80)
                    return std::nullopt;
            return false;
        }
        for (size_t i = 0; i < v.size(); ++i) {
            char c = v[i];
            if (static_cast<unsigned char>(c) >= 0x80)
                return std::nullopt;
            if (upper && c >= 'a' && c <= 'z')
                c = static_cast<char>(c - 'a' + 'A');
            else if (!upper && c >= 'A' && c <= 'Z')
                c = static_cast<char>(c - 'A' + 'a');
            if (c != literal[i]) // the mapping is byte for byte up to here
                return false;
        }
        return true;
    }
    }
    return std::nullopt;
}

std::string map_case(std::string_view s, bool upper) {
    std::string out;
    out.reserve(s.size());
    append_case_mapped(s, upper, out);
    return out;
}

int compare_values(const Value &a, const Value &b) {
    if (a.kind != b.kind)
        return a.kind < b.kind ? -1 : 1;
    switch (a.kind) {
    case Value::Kind::Null:
        return 0;
    case Value::Kind::String: {
        int c = a.text.compare(b.text);
        return (c > 0) - (c < 0);
    }
    case Value::Kind::Boolean:
        return static_cast<int>(a.boolean) - static_cast<int>(b.boolean);
    default:
        return (a.integer > b.integer) - (a.integer < b.integer);
    }
}

int compare_rows(const Row &a, const Row &b, const std::vector<OrderKey> &keys) {
    for (const OrderKey &k : keys) {
        int c = compare_values(a.get(k.field), b.get(k.field));
        if (c != 0)
            return k.descending ? -c : c;
    }
    return 0;
}

std::optional<int64_t> parse_datetime(std::string_view s) {
    int64_t ms = 0;
    if (datetime_from_text(s, ms) != DateTimeStatus::Ok)
        return std::nullopt;
    return ms;
}

} // namespace mtt::odata
