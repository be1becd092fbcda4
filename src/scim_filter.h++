// SCIM 2.0 filters (RFC 7644 section 3.4.2.2) and PATCH paths (section
// 3.5.2): the parser, which resolves every attribute against the resource
// type's schema (scim_attrs.h++'s Describe), and the evaluator over a
// resource's SCIM JSON. Plain C++, no nginx.
//
// Grammar (RFC 7644 Figure 1, with what clients send beside it):
//   filter    = or
//   or        = and *("or" and)                 ; "and" binds tighter than "or"
//   and       = unary *("and" unary)
//   unary     = "not" "(" filter ")" / "(" filter ")" / attrExp / valuePath
//   attrExp   = attrPath "pr" / attrPath compareOp compValue
//   valuePath = attrPath "[" valFilter "]" ["." subAttr ("pr" / compareOp compValue)]
//   valFilter = the same as filter, its attributes naming sub-attributes of the
//               valuePath's attribute, without a valuePath inside
//   attrPath  = [URN ":"] ATTRNAME ["." ATTRNAME]
// - Keywords (and, or, not, the operators, true, false, null) and attribute
//   names are case-insensitive; tokens are separated by any run of space, tab,
//   CR or LF, which may also be left out where no name or keyword would run
//   into the next one (`not(`, `eq"x"`).
// - `not` needs its parentheses (`not userName eq "x"` is refused).
// - `emails[type eq "work"].value eq "x"` (what Entra ID sends to match an
//   existing user): some one element of emails has type "work" and value "x".
// - compValue is a JSON literal (RFC 8259): strings with their escapes (no
//   \u0000), numbers, true, false, null.
// - An attribute is prefixed with its schema's URN (the resource's core
//   schema, or an extension the schema knows): everything before the last ':'
//   of the path is the URN.
//
// Meaning:
// - The comparison follows the attribute's type as the schema gives it:
//   strings byte by byte, with case or without it as the attribute's
//   caseExact says (without: Unicode full case folding, mtt::case_fold);
//   references and binary always with case (RFC 7643 section 2.3.7 makes a
//   reference case exact whatever section 8.7.1's schemas say; base64 differs
//   by case); dateTime as instants (eq ne gt ge lt le; co sw ew compare its
//   text); booleans with eq and ne only; integer and decimal as numbers.
//   gt ge lt le on strings compare code points (of the folded text when not
//   caseExact).
// - The literal must fit the attribute: a string for strings (an RFC 3339
//   date-time for dateTime), a number for numbers, true or false for booleans;
//   else the filter is refused (invalidFilter), as are gt/ge/lt/le on a
//   boolean or binary attribute (RFC 7644: SHALL fail) and co/sw/ew on a
//   boolean or number.
// - A multi-valued attribute matches when any one of its values does; a
//   complex attribute compared without a sub-attribute compares its `value`
//   sub-attribute (`emails co "@example.com"`, Entra's `members eq "<id>"`).
// - `pr`: the attribute has a value that is not null, not "", not an empty
//   array, and (complex) has a sub-attribute that is present.
// - `eq null` is true when the attribute is not present in that sense
//   (RFC 7643 section 2.5: unassigned, null and empty are the same state) and
//   `ne null` when it is; null takes no other operator.
// - Every other comparison needs a value: an attribute that is not present
//   matches neither `eq "x"` nor `ne "x"` (`not (title eq "x")` is true for a
//   user without a title, `title ne "x"` is not).
// - Limits: a filter or path of at most 4096 bytes, and at most 32 levels of
//   parentheses, `not` and brackets.
//
// Errors name the 1-based character where the fault is and what was expected
// and found: "at character 10: expected an operator (eq ne co sw ew gt ge lt le
// pr) but found 'equals'". The caller may prefix what the text was.
#pragma once

#include "scim_attrs.h++"

#include <jansson.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace mtt::scim {

inline constexpr size_t max_filter_bytes = 4096;
inline constexpr int max_filter_depth = 32;

enum class Op { Or, And, Not, ValuePath, Present, Eq, Ne, Co, Sw, Ew, Gt, Ge, Lt, Le };

// The compValue of a comparison.
struct Literal {
    enum Kind { Null, Boolean, Number, String } kind = Null;
    bool boolean = false;
    bool integral = false; // Number: an integer literal (no fraction, no exponent)
    json_int_t integer = 0;
    double number = 0;   // Number, also when integral
    std::string text;    // String: unescaped
    std::string folded;  // String, when compared without case: case_fold(text)
    int64_t seconds = 0; // String compared as a dateTime: the instant
    int32_t nanos = 0;
};

// One node of a parsed filter. Every attribute is resolved: `path` carries
// the schema's spellings and `info` what the schema says of the attribute that
// is compared.
class Filter {
  public:
    Op op = Op::Present;
    size_t at = 1; // the 1-based character where this expression starts
    // Or, And: two or more operands (a chain `a and b and c` is one node);
    // Not: one; ValuePath: the value filter, then for `attr[...].sub op v`
    // the comparison of the sub-attribute, both evaluated on one element.
    std::vector<std::unique_ptr<Filter>> operands;
    // Present and the comparisons: the attribute. Inside a value filter (and
    // in a ValuePath's own comparison) `urn` and `attr` name the valuePath's
    // attribute and `sub` the sub-attribute compared in its element. ValuePath:
    // the attribute, `sub` empty.
    AttrPath path;
    AttrInfo info;               // of the attribute compared (its `value` when implicit_value)
    bool implicit_value = false; // a complex attribute compared without a sub-attribute
    Literal value;               // the comparisons
};

// The whole filter of a GET ?filter=...: null and `err` (400, "invalidFilter",
// a detail naming the position and what was expected and found) when it does
// not parse or names an attribute the schema does not know.
std::unique_ptr<Filter> parse_filter(std::string_view text, const Describe &schema, Error &err);

// True when `resource` (the SCIM JSON object of a User or Group) matches.
// `schema` is the one the filter was parsed with (the filter holds what it
// needs of it).
bool matches(const Filter &f, const json_t *resource, const Describe &schema);

// A PATCH "path" (RFC 7644 section 3.5.2): an attrPath, or a valuePath
// `attr[filter]` optionally followed by ".sub":
// - `name.familyName`: path {"", "name", "familyName"}, no filter, sub "";
// - `emails[type eq "work"].value`: path {"", "emails", ""}, the filter
//   `type eq "work"` (evaluate it with element_matches), sub "value";
// - `members[value eq "2819c223"]`: path {"", "members", ""}, the filter, sub "";
// - `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value`:
//   path {enterprise_user_urn, "manager", "value"}.
// `info` is what the schema says of the attribute the path ends at (the
// sub-attribute when one is named). False with `err` (400, "invalidPath",
// detail) when the path does not parse or the schema does not know it.
struct PatchPath {
    AttrPath path;
    std::shared_ptr<const Filter> filter;
    std::string sub;
    AttrInfo info;
};
bool parse_patch_path(std::string_view text, const Describe &schema, PatchPath &out, Error &err);

// For the value filter of a PatchPath: does one element (an object of the
// multi-valued complex attribute `parent`) match.
bool element_matches(const Filter &f, const json_t *element, const AttrPath &parent,
                     const Describe &schema);

// What an index can answer: the filter is `userName eq "x"`, `externalId eq
// "x"` or `id eq "x"`, alone or as one operand of a top-level `and` (whose
// other operands the evaluator then checks; userName is preferred, then id,
// then externalId). `value` is the literal as sent: userName is compared
// without case (case_fold), id and externalId with it. The routes should still
// run matches() on what the index finds.
struct IndexHint {
    enum Kind { None, UserName, ExternalId, Id } kind = None;
    std::string value;
};
IndexHint index_hint(const Filter &f);

// The RFC 7643 names of the types, for messages: "string", "dateTime", ...
const char *type_name(Type t);

} // namespace mtt::scim
