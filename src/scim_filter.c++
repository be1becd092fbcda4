#include "scim_filter.h++"

#include "json.h++"
#include "rfc3339.h++"
#include "text.h++"

#include <algorithm>

namespace mtt::scim {

namespace {

// ------------------------------------------------------------------ helpers

constexpr size_t max_quoted_bytes = 80; // a schema URN and a name fit

bool is_alpha(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
bool is_digit(char c) {
    return c >= '0' && c <= '9';
}
bool is_space(char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}
// RFC 7643 section 2.1's nameChar, which has the '$' of "$ref".
bool is_name_char(char c) {
    return is_alpha(c) || is_digit(c) || c == '-' || c == '_' || c == '$';
}
// What an attrPath is made of: names, the '.' before a sub-attribute, and a
// schema URN's ':' and '.'.
bool is_path_char(char c) {
    return is_name_char(c) || c == '.' || c == ':';
}

char ascii_lower(char c) {
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}
bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size())
        return false;
    for (size_t i = 0; i < a.size(); i++)
        if (ascii_lower(a[i]) != ascii_lower(b[i]))
            return false;
    return true;
}

// `s` in single quotes, cut to 80 bytes at a character boundary.
// A JSON string literal of printable ASCII without escapes: its value is
// what is between the quotes.
bool plain_string(std::string_view text) {
    if (text.size() < 2 || text.front() != '"' || text.back() != '"')
        return false;
    for (size_t i = 1; i + 1 < text.size(); ++i)
        if (text[i] < 0x20 || text[i] > 0x7E || text[i] == '"' || text[i] == '\\')
            return false;
    return true;
}

std::string quoted(std::string_view s) {
    if (s.size() <= max_quoted_bytes)
        return "'" + std::string(s) + "'";
    return "'" + std::string(s.substr(0, utf8_boundary(s, max_quoted_bytes))) + "...'";
}

const char *article(Type t) {
    return t == Type::Integer ? "an" : "a";
}

bool is_ordering(Op op) {
    return op == Op::Gt || op == Op::Ge || op == Op::Lt || op == Op::Le;
}
bool is_substring(Op op) {
    return op == Op::Co || op == Op::Sw || op == Op::Ew;
}

const char *op_name(Op op) {
    switch (op) {
    case Op::Eq:
        return "eq";
    case Op::Ne:
        return "ne";
    case Op::Co:
        return "co";
    case Op::Sw:
        return "sw";
    case Op::Ew:
        return "ew";
    case Op::Gt:
        return "gt";
    case Op::Ge:
        return "ge";
    case Op::Lt:
        return "lt";
    case Op::Le:
        return "le";
    case Op::Present:
        return "pr";
    default:
        return "?";
    }
}

bool compare_op(std::string_view word, Op &op) {
    static constexpr Op ops[] = {Op::Eq, Op::Ne, Op::Co, Op::Sw, Op::Ew,
                                 Op::Gt, Op::Ge, Op::Lt, Op::Le, Op::Present};
    for (Op o : ops)
        if (iequals(word, op_name(o))) {
            op = o;
            return true;
        }
    return false;
}

// An RFC 3339 date-time as seconds and nanoseconds (parse_rfc3339 drops the
// fraction; it is read here, where instants are compared to the nanosecond).
bool parse_instant(std::string_view s, int64_t &seconds, int32_t &nanos, std::string *why) {
    auto t = parse_rfc3339(s, why);
    if (!t)
        return false;
    seconds = *t;
    nanos = 0;
    if (s.size() > 19 && s[19] == '.') { // YYYY-MM-DDTHH:MM:SS then the fraction
        int32_t scale = 100000000;
        for (size_t k = 20; k < s.size() && is_digit(s[k]) && scale > 0; k++, scale /= 10)
            nanos += (s[k] - '0') * scale;
    }
    return true;
}

// Whether strings of the attribute compare without case: a string that is
// not caseExact. A reference is case exact whatever the schema says (RFC 7643
// section 2.3.7; section 8.7.1's schemas say caseExact false of some, which
// erratum 6001 notes), and so is binary (base64's letters differ by case).
bool folds(const AttrInfo &a) {
    return a.type == Type::String && !a.case_exact;
}

bool string_typed(Type t) {
    return t == Type::String || t == Type::Reference || t == Type::Binary || t == Type::DateTime;
}

// ------------------------------------------------------------------ parser

class Parser {
  public:
    Parser(std::string_view s, const Describe &schema, Error &err, const char *scim_type)
        : s_(s), schema_(schema), err_(err), scim_type_(scim_type) {}

    bool check_input(const char *what) {
        if (s_.size() > max_filter_bytes)
            return fail_plain(std::string("the ") + what + " is longer than " +
                              std::to_string(max_filter_bytes) + " bytes");
        if (!valid_utf8(s_))
            return fail_plain(std::string("the ") + what + " is not valid UTF-8");
        return true;
    }

    std::unique_ptr<Filter> filter() {
        auto f = parse_or(nullptr);
        if (!f)
            return nullptr;
        skip_space();
        if (i_ < s_.size()) {
            fail(i_, "expected 'and', 'or' or end of input but found " + found());
            return nullptr;
        }
        return f;
    }

    bool patch_path(PatchPath &out) {
        skip_space();
        size_t start = i_;
        std::string_view token = path_token();
        if (token.empty())
            return fail(start, "expected an attribute name but found " + found());
        Resolved r;
        if (!resolve(start, token, nullptr, r))
            return false;
        out.path = r.path;
        out.info = r.info;
        out.filter.reset();
        out.sub.clear();
        if (next_is('[')) {
            if (!value_path_target(start, token, r))
                return false;
            auto inner = bracketed(r.path);
            if (!inner)
                return false;
            out.filter = std::move(inner);
            if (i_ < s_.size() && s_[i_] == '.') {
                i_++;
                size_t sub_at = i_;
                std::string_view name = path_token();
                Resolved sub;
                if (!resolve(sub_at, name, &r.path, sub))
                    return false;
                out.sub = sub.path.sub;
                out.info = sub.info;
            }
        }
        skip_space();
        if (i_ < s_.size())
            return fail(i_, std::string(!out.filter && out.path.sub.empty() &&
                                                out.info.type == Type::Complex
                                            ? "expected '[' or end of input"
                                            : "expected end of input") +
                                " but found " + found());
        return true;
    }

  private:
    struct Resolved {
        AttrPath path;
        AttrInfo info; // of what the path ends at
        std::string written;
    };

    std::string_view s_;
    size_t i_ = 0;
    const Describe &schema_;
    Error &err_;
    const char *scim_type_;
    int depth_ = 0;
    size_t counted_bytes_ = 0, counted_chars_ = 0;

    bool fail_plain(std::string detail) {
        err_.status = 400;
        err_.scim_type = scim_type_;
        err_.detail = std::move(detail);
        return false;
    }
    bool fail(size_t at, const std::string &what) {
        return fail_plain("at character " + std::to_string(character(at)) + ": " + what);
    }
    // The 1-based character at `byte`; positions mostly grow as the parse
    // goes on, so the count goes on from the last one asked.
    size_t character(size_t byte) {
        if (byte < counted_bytes_) {
            counted_bytes_ = 0;
            counted_chars_ = 0;
        }
        counted_chars_ += utf8_length(s_.substr(counted_bytes_, byte - counted_bytes_));
        counted_bytes_ = byte;
        return counted_chars_ + 1;
    }

    void skip_space() {
        while (i_ < s_.size() && is_space(s_[i_]))
            i_++;
    }

    // Whether `c` comes next, after spaces (which are skipped only then).
    bool next_is(char c) {
        size_t j = i_;
        while (j < s_.size() && is_space(s_[j]))
            j++;
        if (j >= s_.size() || s_[j] != c)
            return false;
        i_ = j;
        return true;
    }

    // The token at i_, for "but found ...".
    std::string found() const {
        if (i_ >= s_.size())
            return "end of input";
        char c = s_[i_];
        if (c == '(' || c == ')' || c == '[' || c == ']')
            return quoted(s_.substr(i_, 1));
        size_t j = i_ + 1;
        if (c == '"') {
            while (j < s_.size() && s_[j] != '"')
                j += s_[j] == '\\' ? 2 : 1;
            j = std::min(j + 1, s_.size());
        } else if (is_path_char(c)) {
            while (j < s_.size() && is_path_char(s_[j]))
                j++;
        } else { // check_input() has checked the UTF-8: a whole character
            j = i_ + utf8_decode(s_, i_).length;
        }
        return quoted(s_.substr(i_, j - i_));
    }

    std::string_view path_token() {
        size_t j = i_;
        while (j < s_.size() && is_path_char(s_[j]))
            j++;
        std::string_view t = s_.substr(i_, j - i_);
        i_ = j;
        return t;
    }

    // A keyword at i_ (after spaces) that no name character follows.
    bool keyword(std::string_view k) {
        skip_space();
        if (s_.size() - i_ < k.size() || !iequals(s_.substr(i_, k.size()), k))
            return false;
        if (i_ + k.size() < s_.size() && is_path_char(s_[i_ + k.size()]))
            return false;
        i_ += k.size();
        return true;
    }

    bool enter(size_t at) {
        if (++depth_ > max_filter_depth)
            return fail(at, "nesting deeper than " + std::to_string(max_filter_depth) + " levels");
        return true;
    }

    bool is_core(std::string_view urn) const {
        std::string_view core = schema_.core_urn();
        if (core.empty())
            return iequals(urn, core_user_urn) || iequals(urn, core_group_urn);
        return iequals(urn, core);
    }

    static bool valid_name(std::string_view n) {
        if (n.empty() || !(is_alpha(n[0]) || n[0] == '$'))
            return false;
        return std::all_of(n.begin(), n.end(), is_name_char);
    }

    // Resolves the attrPath `token`, which starts at byte `at`. With `parent`
    // (inside a value filter, or the sub-attribute after one) the token is a
    // sub-attribute name of it.
    bool resolve(size_t at, std::string_view token, const AttrPath *parent, Resolved &r) {
        r.written = std::string(token);
        if (parent) {
            if (!valid_name(token))
                return fail(at, "expected a sub-attribute name of " + quoted(parent->attr) +
                                    " but found " + (token.empty() ? found() : quoted(token)));
            AttrInfo info = schema_.describe(parent->urn, parent->attr, token);
            if (!info.known)
                return fail(at, quoted(parent->attr) + " has no sub-attribute " + quoted(token));
            r.path = AttrPath{parent->urn, parent->attr, info.name};
            r.info = info;
            return true;
        }
        if (token.empty())
            return fail(at, "expected an attribute name but found " + found());
        std::string urn;
        std::string_view rest = token;
        size_t colon = token.rfind(':');
        if (colon != std::string_view::npos) {
            std::string_view written = token.substr(0, colon);
            if (is_core(token) || schema_.is_extension(token))
                return fail(at + token.size(),
                            "expected ':' and an attribute name after the schema URN " +
                                quoted(token));
            if (is_core(written))
                urn.clear();
            else if (schema_.is_extension(written))
                urn = iequals(written, enterprise_user_urn) ? std::string(enterprise_user_urn)
                                                            : std::string(written);
            else
                return fail(at, "unknown schema " + quoted(written));
            rest = token.substr(colon + 1);
            at += colon + 1;
        }
        size_t dot = rest.find('.');
        std::string_view name = rest.substr(0, dot);
        std::string_view sub =
            dot == std::string_view::npos ? std::string_view() : rest.substr(dot + 1);
        if (!valid_name(name))
            return fail(at, "expected an attribute name but found " + quoted(rest));
        if (dot != std::string_view::npos && !valid_name(sub)) {
            if (sub.find('.') != std::string_view::npos)
                return fail(at, quoted(rest) + " names more than one sub-attribute");
            return fail(at + dot + 1, "expected a sub-attribute name but found " + quoted(sub));
        }
        AttrInfo info = schema_.describe(urn, name, "");
        if (!info.known && urn.empty() && iequals(name, "schemas") && sub.empty()) {
            // RFC 7643 section 3: every resource has its schemas
            info.known = true;
            info.name = "schemas";
            info.type = Type::Reference;
            info.multi_valued = true;
            info.case_exact = true;
            info.mutability = Mutability::ReadOnly;
        }
        if (!info.known && colon != std::string_view::npos)
            return fail(at, "unknown attribute " + quoted(name) + " in the schema " +
                                quoted(token.substr(0, colon)));
        if (!info.known)
            return fail(at, "unknown attribute " + quoted(name));
        r.path = AttrPath{urn, info.name, ""};
        r.info = info;
        if (!sub.empty()) {
            if (info.type != Type::Complex)
                return fail(at + dot + 1, quoted(name) + " has no sub-attributes");
            AttrInfo si = schema_.describe(urn, info.name, sub);
            if (!si.known)
                return fail(at + dot + 1, quoted(name) + " has no sub-attribute " + quoted(sub));
            r.path.sub = si.name;
            r.info = si;
        }
        return true;
    }

    bool value_path_target(size_t at, std::string_view token, const Resolved &r) {
        if (!r.path.sub.empty())
            return fail(i_, "a value filter follows an attribute, not a sub-attribute such as " +
                                quoted(token));
        if (r.info.type != Type::Complex)
            return fail(at, quoted(token) + " is " + article(r.info.type) + " " +
                                type_name(r.info.type) +
                                ": only a complex attribute takes a value filter");
        return true;
    }

    // "[" valFilter "]" at i_, for the attribute `parent`.
    std::unique_ptr<Filter> bracketed(const AttrPath &parent) {
        if (!enter(i_))
            return nullptr;
        i_++;
        auto inner = parse_or(&parent);
        if (!inner)
            return nullptr;
        skip_space();
        if (i_ >= s_.size() || s_[i_] != ']') {
            fail(i_, "expected 'and', 'or' or ']' but found " + found());
            return nullptr;
        }
        i_++;
        depth_--;
        return inner;
    }

    std::unique_ptr<Filter> chain(Op op, std::unique_ptr<Filter> first, const AttrPath *parent) {
        const char *word = op == Op::Or ? "or" : "and";
        if (!keyword(word))
            return first;
        auto node = std::make_unique<Filter>();
        node->op = op;
        node->at = first->at;
        node->operands.push_back(std::move(first));
        do {
            auto next = op == Op::Or ? parse_and(parent) : parse_unary(parent);
            if (!next)
                return nullptr;
            node->operands.push_back(std::move(next));
        } while (keyword(word));
        return node;
    }

    std::unique_ptr<Filter> parse_or(const AttrPath *parent) {
        auto first = parse_and(parent);
        if (!first)
            return nullptr;
        return chain(Op::Or, std::move(first), parent);
    }

    std::unique_ptr<Filter> parse_and(const AttrPath *parent) {
        auto first = parse_unary(parent);
        if (!first)
            return nullptr;
        return chain(Op::And, std::move(first), parent);
    }

    std::unique_ptr<Filter> parse_unary(const AttrPath *parent) {
        skip_space();
        size_t start = i_;
        const char *expected = "expected an attribute name, '(' or 'not' but found ";
        if (i_ >= s_.size()) {
            fail(i_, expected + found());
            return nullptr;
        }
        if (keyword("not")) {
            skip_space();
            if (i_ >= s_.size() || s_[i_] != '(') {
                fail(i_, "expected '(' after 'not' but found " + found());
                return nullptr;
            }
            auto inner = parenthesized(parent);
            if (!inner)
                return nullptr;
            auto node = std::make_unique<Filter>();
            node->op = Op::Not;
            node->at = character(start);
            node->operands.push_back(std::move(inner));
            return node;
        }
        if (s_[i_] == '(')
            return parenthesized(parent);
        std::string_view token = path_token();
        if (token.empty()) {
            fail(start, expected + found());
            return nullptr;
        }
        Resolved r;
        if (!resolve(start, token, parent, r))
            return nullptr;
        if (next_is('[')) {
            if (parent) {
                fail(i_, "a value filter cannot hold another value filter");
                return nullptr;
            }
            if (!value_path_target(start, token, r))
                return nullptr;
            auto inner = bracketed(r.path);
            if (!inner)
                return nullptr;
            auto node = std::make_unique<Filter>();
            node->op = Op::ValuePath;
            node->at = character(start);
            node->path = r.path;
            node->info = r.info;
            node->operands.push_back(std::move(inner));
            if (i_ < s_.size() && s_[i_] == '.') {
                i_++;
                size_t sub_at = i_;
                std::string_view name = path_token();
                Resolved sub;
                if (!resolve(sub_at, name, &r.path, sub))
                    return nullptr;
                auto cmp = comparison(sub_at, sub);
                if (!cmp)
                    return nullptr;
                node->operands.push_back(std::move(cmp));
            }
            return node;
        }
        return comparison(start, r);
    }

    std::unique_ptr<Filter> parenthesized(const AttrPath *parent) {
        if (!enter(i_))
            return nullptr;
        i_++;
        auto inner = parse_or(parent);
        if (!inner)
            return nullptr;
        skip_space();
        if (i_ >= s_.size() || s_[i_] != ')') {
            fail(i_, std::string("expected 'and', 'or' or ')' but found ") + found());
            return nullptr;
        }
        i_++;
        depth_--;
        return inner;
    }

    // The operator and value after the resolved attrPath `r` (at byte `at`).
    std::unique_ptr<Filter> comparison(size_t at, const Resolved &r) {
        skip_space();
        size_t op_at = i_;
        size_t j = i_;
        while (j < s_.size() && is_path_char(s_[j]))
            j++;
        Op op;
        if (!compare_op(s_.substr(i_, j - i_), op)) {
            fail(i_, std::string("expected an operator (eq ne co sw ew gt ge lt le pr)") +
                         (r.path.sub.empty() && r.info.type == Type::Complex ? " or '['" : "") +
                         " but found " + found());
            return nullptr;
        }
        i_ = j;
        auto node = std::make_unique<Filter>();
        node->op = op;
        node->at = character(at);
        node->path = r.path;
        node->info = r.info;
        if (op == Op::Present)
            return node;
        skip_space();
        size_t value_at = i_;
        if (!literal(node->value))
            return nullptr;
        if (!typed(*node, r, op_at, value_at))
            return nullptr;
        return node;
    }

    bool literal(Literal &lit) {
        const char *expected =
            "expected a value (a string, number, true, false or null) but found ";
        if (i_ >= s_.size())
            return fail(i_, expected + found());
        size_t start = i_;
        size_t j = i_;
        if (s_[i_] == '"') {
            j++;
            while (j < s_.size() && s_[j] != '"')
                j += s_[j] == '\\' ? 2 : 1;
            if (j >= s_.size())
                return fail(start, "unterminated string " + quoted(s_.substr(start)));
            j++;
        } else {
            while (j < s_.size() && !is_space(s_[j]) && s_[j] != ')' && s_[j] != ']' &&
                   s_[j] != '(' && s_[j] != '[' && s_[j] != '"')
                j++;
        }
        std::string_view text = s_.substr(start, j - start);
        if (text.empty())
            return fail(start, expected + found());
        if (iequals(text, "true") || iequals(text, "false")) {
            lit.kind = Literal::Boolean;
            lit.boolean = iequals(text, "true");
        } else if (iequals(text, "null")) {
            lit.kind = Literal::Null;
        } else if (plain_string(text)) { // what jansson would give, without it
            lit.kind = Literal::String;
            lit.text.assign(text.substr(1, text.size() - 2));
        } else {
            json_error_t jerr;
            Json v(json_loadb(text.data(), text.size(), JSON_DECODE_ANY, &jerr));
            if (text[0] == '"') {
                if (!v || !json_is_string(v.get()))
                    return fail(start, "invalid string " + quoted(text) + ": " +
                                           (std::string_view(jerr.text).find("JSON_ALLOW_NUL") !=
                                                    std::string_view::npos
                                                ? "\\u0000 is not allowed"
                                                // jansson's text may cut a character
                                                : valid_utf8_copy(jerr.text)));
                lit.kind = Literal::String;
                lit.text.assign(json_string_value(v.get()), json_string_length(v.get()));
            } else if (v && json_is_integer(v.get())) {
                lit.kind = Literal::Number;
                lit.integral = true;
                lit.integer = json_integer_value(v.get());
                lit.number = static_cast<double>(lit.integer);
            } else if (v && json_is_real(v.get())) {
                lit.kind = Literal::Number;
                lit.number = json_real_value(v.get());
            } else {
                return fail(start, expected + quoted(text));
            }
        }
        i_ = j;
        return true;
    }

    // Checks that the operator and the literal fit the attribute's type, and
    // prepares the literal for the comparisons.
    bool typed(Filter &n, const Resolved &r, size_t op_at, size_t value_at) {
        // the messages' pieces, made only for a message
        auto name = [&] { return quoted(r.written); };
        if (n.value.kind == Literal::Null) { // `eq null` is `not (pr)`, of any attribute
            if (n.op != Op::Eq && n.op != Op::Ne)
                return fail(value_at, std::string("null is compared with eq or ne only, not ") +
                                          op_name(n.op));
            return true;
        }
        if (n.info.type == Type::Complex) {
            if (!n.path.sub.empty())
                return fail(op_at, name() + " is complex: name one of its sub-attributes");
            AttrInfo value = schema_.describe(n.path.urn, n.path.attr, "value");
            if (!value.known || value.type == Type::Complex)
                return fail(op_at, name() + " is complex: name one of its sub-attributes");
            n.info = value;
            n.implicit_value = true;
        }
        const Literal &lit = n.value;
        Type t = n.info.type;
        auto what = [&] { return name() + " is " + article(t) + " " + type_name(t); };
        bool number = t == Type::Integer || t == Type::Decimal;
        if ((t == Type::Boolean || t == Type::Binary) && is_ordering(n.op))
            return fail(op_at, std::string(op_name(n.op)) + " does not apply to " + name() + ", " +
                                   article(t) + " " + type_name(t));
        if ((t == Type::Boolean || number) && is_substring(n.op))
            return fail(op_at, std::string(op_name(n.op)) + " does not apply to " + name() + ", " +
                                   article(t) + " " + type_name(t));
        if (t == Type::Boolean && lit.kind != Literal::Boolean)
            return fail(value_at,
                        what() + ": expected true or false but found " + found_at(value_at));
        if (number && lit.kind != Literal::Number)
            return fail(value_at, what() + ": expected a number but found " + found_at(value_at));
        if (string_typed(t) && lit.kind != Literal::String)
            return fail(value_at, what() + ": expected a string but found " + found_at(value_at));
        if (t == Type::DateTime && !is_substring(n.op)) {
            std::string why;
            if (!parse_instant(lit.text, n.value.seconds, n.value.nanos, &why))
                return fail(value_at, what() + ": expected an RFC 3339 date-time but found " +
                                          found_at(value_at) + " (" + why + ")");
        }
        if (folds(n.info))
            n.value.folded = case_fold(lit.text);
        return true;
    }

    std::string found_at(size_t at) {
        size_t keep = i_;
        i_ = at;
        std::string f = found();
        i_ = keep;
        return f;
    }
};

// ------------------------------------------------------------------ evaluation

const json_t *get(const json_t *object, std::string_view key) {
    if (!json_is_object(object))
        return nullptr;
    if (const json_t *v = json_object_getn(object, key.data(), key.size()))
        return v;
    const char *k;
    size_t len;
    json_t *v;
    json_object_keylen_foreach(const_cast<json_t *>(object), k, len, v) {
        if (iequals(std::string_view(k, len), key))
            return v;
    }
    return nullptr;
}

bool present(const json_t *v) {
    switch (json_typeof(v)) {
    case JSON_NULL:
        return false;
    case JSON_STRING:
        return json_string_length(v) > 0;
    case JSON_ARRAY: {
        size_t i;
        json_t *e;
        json_array_foreach(v, i, e) {
            if (present(e))
                return true;
        }
        return false;
    }
    case JSON_OBJECT: {
        const char *k;
        json_t *e;
        json_object_foreach(const_cast<json_t *>(v), k, e) {
            if (present(e))
                return true;
        }
        return false;
    }
    default:
        return true;
    }
}

template <class F> bool any_of_values(const json_t *v, F &&f) {
    if (!v)
        return false;
    if (json_is_array(v)) {
        size_t i;
        json_t *e;
        json_array_foreach(v, i, e) {
            if (f(e))
                return true;
        }
        return false;
    }
    return f(v);
}

int compare_bytes(std::string_view a, std::string_view b) {
    int c = a.compare(b);
    return c < 0 ? -1 : c > 0 ? 1 : 0;
}

bool order_holds(Op op, int c) {
    switch (op) {
    case Op::Eq:
        return c == 0;
    case Op::Ne:
        return c != 0;
    case Op::Gt:
        return c > 0;
    case Op::Ge:
        return c >= 0;
    case Op::Lt:
        return c < 0;
    case Op::Le:
        return c <= 0;
    default:
        return false;
    }
}

class Evaluator {
  public:
    bool run(const Filter &f, const json_t *ctx, bool element) {
        switch (f.op) {
        case Op::Or:
            for (const auto &o : f.operands)
                if (run(*o, ctx, element))
                    return true;
            return false;
        case Op::And:
            for (const auto &o : f.operands)
                if (!run(*o, ctx, element))
                    return false;
            return true;
        case Op::Not:
            return !run(*f.operands[0], ctx, element);
        case Op::ValuePath:
            return any_of_values(attribute(f.path, ctx), [&](const json_t *e) {
                if (!json_is_object(e) || !run(*f.operands[0], e, true))
                    return false;
                return f.operands.size() < 2 || run(*f.operands[1], e, true);
            });
        default:
            return test(f, ctx, element);
        }
    }

  private:
    std::string folded_;

    // The attribute (not its sub-attribute) of `path` in the resource.
    static const json_t *attribute(const AttrPath &path, const json_t *resource) {
        const json_t *top = path.urn.empty() ? resource : get(resource, path.urn);
        return get(top, path.attr);
    }

    // Calls f on each value `n` compares, until f says true.
    template <class F>
    static bool any_value(const Filter &n, const json_t *ctx, bool element, F &&f) {
        std::string_view sub = n.implicit_value ? std::string_view("value") : n.path.sub;
        if (element)
            return any_of_values(get(ctx, sub), f);
        const json_t *v = attribute(n.path, ctx);
        if (sub.empty())
            return any_of_values(v, f);
        return any_of_values(v, [&](const json_t *e) { return any_of_values(get(e, sub), f); });
    }

    bool test(const Filter &n, const json_t *ctx, bool element) {
        if (n.op == Op::Present || n.value.kind == Literal::Null) {
            bool is = any_value(n, ctx, element, [](const json_t *v) { return present(v); });
            return n.op == Op::Eq ? !is : is;
        }
        return any_value(n, ctx, element, [&](const json_t *v) { return compare(n, v); });
    }

    bool compare(const Filter &n, const json_t *v) {
        const Literal &lit = n.value;
        switch (n.info.type) {
        case Type::Boolean:
            if (!json_is_boolean(v))
                return false;
            return (json_is_true(v) == lit.boolean) == (n.op == Op::Eq);
        case Type::Integer:
        case Type::Decimal: {
            if (!json_is_number(v))
                return false;
            int c;
            if (json_is_integer(v) && lit.integral) {
                json_int_t a = json_integer_value(v);
                c = a < lit.integer ? -1 : a > lit.integer ? 1 : 0;
            } else {
                double a = json_number_value(v);
                c = a < lit.number ? -1 : a > lit.number ? 1 : 0;
            }
            return order_holds(n.op, c);
        }
        case Type::DateTime:
            if (!is_substring(n.op)) {
                if (!json_is_string(v))
                    return false;
                int64_t seconds;
                int32_t nanos;
                if (!parse_instant(json_string_value(v), seconds, nanos, nullptr))
                    return false;
                int c = seconds < lit.seconds   ? -1
                        : seconds > lit.seconds ? 1
                        : nanos < lit.nanos     ? -1
                        : nanos > lit.nanos     ? 1
                                                : 0;
                return order_holds(n.op, c);
            }
            [[fallthrough]];
        default: {
            if (!json_is_string(v))
                return false;
            std::string_view a(json_string_value(v), json_string_length(v));
            std::string_view b = lit.text;
            if (folds(n.info)) {
                folded_.clear();
                append_case_folded(a, folded_);
                a = folded_;
                b = lit.folded;
            }
            switch (n.op) {
            case Op::Co:
                return a.find(b) != std::string_view::npos;
            case Op::Sw:
                return a.substr(0, b.size()) == b;
            case Op::Ew:
                return a.size() >= b.size() && a.substr(a.size() - b.size()) == b;
            default:
                return order_holds(n.op, compare_bytes(a, b));
            }
        }
        }
    }
};

} // namespace

const char *type_name(Type t) {
    switch (t) {
    case Type::String:
        return "string";
    case Type::Boolean:
        return "boolean";
    case Type::Decimal:
        return "decimal";
    case Type::Integer:
        return "integer";
    case Type::DateTime:
        return "dateTime";
    case Type::Reference:
        return "reference";
    case Type::Binary:
        return "binary";
    case Type::Complex:
        return "complex";
    }
    return "?";
}

std::unique_ptr<Filter> parse_filter(std::string_view text, const Describe &schema, Error &err) {
    Parser p(text, schema, err, "invalidFilter");
    if (!p.check_input("filter"))
        return nullptr;
    return p.filter();
}

bool parse_patch_path(std::string_view text, const Describe &schema, PatchPath &out, Error &err) {
    Parser p(text, schema, err, "invalidPath");
    return p.check_input("path") && p.patch_path(out);
}

bool matches(const Filter &f, const json_t *resource, const Describe &) {
    return Evaluator().run(f, resource, false);
}

bool element_matches(const Filter &f, const json_t *element, const AttrPath &, const Describe &) {
    return json_is_object(element) && Evaluator().run(f, element, true);
}

IndexHint index_hint(const Filter &f) {
    auto hint_of = [](const Filter &n) {
        IndexHint h;
        if (n.op != Op::Eq || n.value.kind != Literal::String || !n.path.urn.empty() ||
            !n.path.sub.empty())
            return h;
        if (n.path.attr == "userName")
            h.kind = IndexHint::UserName;
        else if (n.path.attr == "id")
            h.kind = IndexHint::Id;
        else if (n.path.attr == "externalId")
            h.kind = IndexHint::ExternalId;
        else
            return h;
        h.value = n.value.text;
        return h;
    };
    if (f.op != Op::And)
        return hint_of(f);
    auto rank = [](IndexHint::Kind k) { // userName, then id, then externalId
        return k == IndexHint::UserName     ? 3
               : k == IndexHint::Id         ? 2
               : k == IndexHint::ExternalId ? 1
                                            : 0;
    };
    IndexHint best;
    for (const auto &o : f.operands) {
        IndexHint h = hint_of(*o);
        if (rank(h.kind) > rank(best.kind))
            best = std::move(h);
    }
    return best;
}

} // namespace mtt::scim
