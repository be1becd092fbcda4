#include "validate.h++"

#include "text.h++"

#include <cstdint>

namespace mtt {

namespace {

bool is_alnum(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

bool local_part_char(char c) {
    return is_alnum(c) ||
           std::string_view("!#$%&'*+-/=?^_`{|}~.").find(c) != std::string_view::npos;
}

bool valid_label(std::string_view label) {
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-')
        return false;
    for (char c : label)
        if (!is_alnum(c) && c != '-')
            return false;
    return true;
}

} // namespace

std::optional<std::string> address_problem(std::string_view address) {
    if (address.size() > 254)
        return "it is longer than 254 bytes";
    size_t at = address.rfind('@');
    if (at == std::string_view::npos)
        return "it has no '@'";
    std::string_view local = address.substr(0, at), domain = address.substr(at + 1);
    if (local.empty() || local.size() > 64)
        return "the part before '@' must be 1 to 64 characters";
    if (local.front() == '.' || local.back() == '.' || local.find("..") != std::string_view::npos)
        return "the part before '@' has a misplaced '.'";
    for (char c : local)
        if (!local_part_char(c))
            return "the part before '@' has a character that is not allowed";
    if (domain.find('.') == std::string_view::npos)
        return "the domain has no '.'";
    for (size_t start = 0;;) {
        size_t dot = domain.find('.', start);
        if (!valid_label(domain.substr(start, dot - start)))
            return "the domain is not a valid host name";
        if (dot == std::string_view::npos)
            break;
        start = dot + 1;
    }
    return std::nullopt;
}

std::optional<std::string> token_problem(std::string_view what, std::string_view s, size_t max) {
    if (s.empty() || s.size() > max)
        return std::string(what) + " must be 1 to " + std::to_string(max) + " characters";
    for (char c : s)
        if (!is_alnum(c) && c != '-' && c != '_' && c != '.')
            return std::string(what) + " may only hold letters, digits, '-', '_' and '.'";
    return std::nullopt;
}

std::optional<std::string> text_problem(std::string_view what, std::string_view s, size_t max) {
    if (s.size() > max)
        return std::string(what) + " is longer than " + std::to_string(max) + " bytes";
    if (!valid_utf8(s))
        return std::string(what) + " is not valid UTF-8";
    if (s.find('\0') != std::string_view::npos)
        return std::string(what) + " contains a NUL byte";
    return std::nullopt;
}

std::optional<std::string> attribute_name_problem(std::string_view name) {
    if (name.empty())
        return "the attribute name is empty";
    if (name.size() > max_attribute_name_bytes)
        return "the attribute name is longer than " + std::to_string(max_attribute_name_bytes) +
               " bytes";
    if (!valid_utf8(name))
        return "the attribute name is not valid UTF-8";
    if (has_control(name))
        return "the attribute name contains a control character";
    return std::nullopt;
}

std::optional<std::string> locale_problem(std::string_view tag) {
    const std::string why = "expected a BCP 47 language tag such as \"en\" or \"nl-NL\"";
    if (tag.empty() || tag.size() > 35)
        return why;
    size_t first = tag.find('-');
    std::string_view language = tag.substr(0, first);
    if (language.size() < 2 || language.size() > 8)
        return why;
    for (char c : language)
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')))
            return why;
    while (first != std::string_view::npos) {
        size_t next = tag.find('-', first + 1);
        std::string_view sub = tag.substr(first + 1, next - first - 1);
        if (sub.empty() || sub.size() > 8)
            return why;
        for (char c : sub)
            if (!is_alnum(c))
                return why;
        first = next;
    }
    return std::nullopt;
}

std::optional<uint64_t> parse_positive_id(std::string_view s) {
    if (s.empty() || s.size() > 19 || s[0] == '0')
        return std::nullopt;
    uint64_t v = 0;
    for (char c : s) {
        if (c < '0' || c > '9')
            return std::nullopt;
        v = v * 10 + static_cast<uint64_t>(c - '0');
    }
    if (v > static_cast<uint64_t>(INT64_MAX))
        return std::nullopt;
    return v;
}

} // namespace mtt
