#include "form.h++"

#include "text.h++"

namespace mtt {

namespace {

const char hex_digits[] = "0123456789ABCDEF";

// `s` between double quotes, with '"', '\' and control bytes escaped, so that
// a hostile name cannot garble the message.
std::string quoted(std::string_view s) {
    std::string q = "\"";
    for (char c : s) {
        auto b = static_cast<unsigned char>(c);
        if (c == '"' || c == '\\') {
            q += '\\';
            q += c;
        } else if (b < 0x20 || b == 0x7F) {
            q += "\\x";
            q += hex_digits[b >> 4];
            q += hex_digits[b & 0xF];
        } else {
            q += c;
        }
    }
    return q + '"';
}

// Decodes one "name[=value]" pair that starts at byte `at` of the body.
std::optional<std::string> parse_pair(std::string_view pair, size_t at, FormField &field) {
    size_t eq = pair.find('=');
    std::string_view name = pair.substr(0, eq);
    std::string_view value =
        eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1);
    if (name.empty())
        return "form field at byte " + std::to_string(at) + " has a value but no name";
    if (auto e = percent_decode(name, true, field.name))
        return "form field name at byte " + std::to_string(at) + ": " + describe(*e);
    if (auto e = percent_decode(value, true, field.value))
        return "form field " + quoted(field.name) + ": " + describe(*e);
    return std::nullopt;
}

std::string too_many_fields() {
    return "form has more than " + std::to_string(form_max_fields) + " fields";
}

} // namespace

const std::string *Form::first(std::string_view name) const {
    for (const auto &f : fields)
        if (f.name == name)
            return &f.value;
    return nullptr;
}

std::vector<const std::string *> Form::all(std::string_view name) const {
    std::vector<const std::string *> values;
    for (const auto &f : fields)
        if (f.name == name)
            values.push_back(&f.value);
    return values;
}

size_t Form::count(std::string_view name) const {
    size_t n = 0;
    for (const auto &f : fields)
        n += f.name == name;
    return n;
}

std::optional<std::string> parse_form(std::string_view body, Form &out) {
    out.fields.clear();
    for (size_t at = 0; at <= body.size();) {
        size_t amp = body.find('&', at);
        if (amp == std::string_view::npos)
            amp = body.size();
        std::string_view pair = body.substr(at, amp - at);
        if (!pair.empty() && pair != "=") {
            if (out.fields.size() == form_max_fields) {
                out.fields.clear();
                return too_many_fields();
            }
            FormField field;
            if (auto why = parse_pair(pair, at, field)) {
                out.fields.clear();
                return why;
            }
            out.fields.push_back(std::move(field));
        }
        at = amp + 1;
    }
    return std::nullopt;
}

} // namespace mtt
