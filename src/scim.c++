// SCIM 2.0: the routing table, discovery, and what the resources share (see
// scim.h++ and scim_internal.h++).
#include "scim_internal.h++"

#include "form.h++"
#include "handlers.h++"
#include "scim_schema.h++"
#include "text.h++"

#include <algorithm>
#include <new>

namespace mtt::scim {

namespace {

// ---------------------------------------------------------------- discovery

Parsed service_provider(const Request &, const Params &, const Settings &) {
    return then([](Txn &, const Scope &at) {
        Json body(service_provider_config(at.base_url, max_results));
        return json_answer(200, body.get());
    });
}

Parsed schemas(const Request &, const Params &, const Settings &) {
    return then([](Txn &, const Scope &at) {
        Json body(schemas_list(at.base_url));
        return json_answer(200, body.get());
    });
}

bool decoded_param(std::string_view raw, std::string &out, Response &bad) {
    if (auto e = percent_decode(raw, false, out)) {
        bad = error_response(400, "invalidValue", "the path segment: " + describe(*e));
        return false;
    }
    return true;
}

Parsed schema(const Request &, const Params &p, const Settings &) {
    std::string uri;
    Response bad;
    if (!decoded_param(p[0], uri, bad))
        return bad;
    return then([uri](Txn &, const Scope &at) {
        Json body(schema_by_uri(at.base_url, uri));
        if (!body)
            return error_response(404, "", "no schema \"" + valid_utf8_copy(uri) + "\"");
        return json_answer(200, body.get());
    });
}

Parsed resource_types(const Request &, const Params &, const Settings &) {
    return then([](Txn &, const Scope &at) {
        Json body(resource_types_list(at.base_url));
        return json_answer(200, body.get());
    });
}

Parsed resource_type(const Request &, const Params &p, const Settings &) {
    std::string name;
    Response bad;
    if (!decoded_param(p[0], name, bad))
        return bad;
    return then([name](Txn &, const Scope &at) {
        Json body(resource_type_by_name(at.base_url, name));
        if (!body)
            return error_response(404, "", "no resource type \"" + valid_utf8_copy(name) + "\"");
        return json_answer(200, body.get());
    });
}

// ---------------------------------------------------------------- routes

const std::vector<Route<Parse>> routes = {
    {"GET", "Users", users_list},
    {"POST", "Users", users_create},
    {"GET", "Users/{id}", users_get},
    {"PUT", "Users/{id}", users_replace},
    {"PATCH", "Users/{id}", users_patch},
    {"DELETE", "Users/{id}", users_delete},
    {"GET", "Groups", groups_list},
    {"POST", "Groups", groups_create},
    {"GET", "Groups/{id}", groups_get},
    {"PUT", "Groups/{id}", groups_replace},
    {"PATCH", "Groups/{id}", groups_patch},
    {"DELETE", "Groups/{id}", groups_delete},
    {"GET", "ServiceProviderConfig", service_provider},
    {"GET", "Schemas", schemas},
    {"GET", "Schemas/{uri}", schema},
    {"GET", "ResourceTypes", resource_types},
    {"GET", "ResourceTypes/{name}", resource_type},
};

Parsed dispatch(const Request &req, const Settings &settings) {
    auto m = route(routes, req.method, req.path);
    switch (m.kind) {
    case Match<Parse>::Found:
        return m.route->handler(req, m.params, settings);
    case Match<Parse>::NoMethod: {
        Response r = error_response(405, "",
                                    "the method " + std::string(req.method) +
                                        " is not allowed here; allowed: " + m.allow);
        r.headers.push_back({"Allow", m.allow});
        return r;
    }
    case Match<Parse>::NoPath:
        break;
    }
    return error_response(404, "", "no SCIM resource at this path");
}

std::vector<std::string> distinct() {
    std::vector<std::string> out;
    for (const auto &r : routes)
        if (std::find(out.begin(), out.end(), r.pattern) == out.end())
            out.push_back(r.pattern);
    return out;
}

bool ascii_space(char c) {
    return c == ' ' || c == '\t';
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && ascii_space(s.front()))
        s.remove_prefix(1);
    while (!s.empty() && ascii_space(s.back()))
        s.remove_suffix(1);
    return s;
}

} // namespace

Parsed parse(const Request &req, const Settings &settings) {
    return dispatch(req, settings);
}

Response as_scim_error(Response plain) {
    std::string detail = "the store failed; see the error log";
    json_error_t err;
    Json body(json_loadb(plain.body.data(), plain.body.size(), 0, &err));
    if (const json_t *m = json_object_get(body.get(), "message"); json_is_string(m))
        detail = json_string_value(m);
    Response r = error_response(plain.status, "", detail);
    r.headers = std::move(plain.headers);
    return r;
}

std::vector<std::string> route_table() {
    std::vector<std::string> lines;
    for (const auto &r : routes)
        lines.push_back(std::string(r.method) + ' ' + r.pattern);
    return lines;
}

const std::vector<std::string> &patterns() {
    static const std::vector<std::string> all = distinct();
    return all;
}

size_t pattern_index(std::string_view path) {
    const auto &all = patterns();
    Params params;
    for (size_t i = 0; i < all.size(); i++)
        if (match_pattern(all[i], path, params))
            return i;
    return all.size();
}

// ---------------------------------------------------------------- answers

Response error_response(int status, std::string_view scim_type, std::string_view detail) {
    Json body(json_object());
    json_t *schemas = json_array();
    json_array_append_new(schemas, json_string(error_urn));
    json_object_set_new(body.get(), "schemas", schemas);
    json_object_set_new(body.get(), "status", json_string(std::to_string(status).c_str()));
    if (!scim_type.empty())
        json_object_set_new(body.get(), "scimType", json_str(scim_type));
    json_object_set_new(body.get(), "detail", json_str(valid_utf8_copy(detail)));
    return json_answer(status, body.get());
}

Response json_answer(int status, const json_t *body) {
    Response r;
    r.status = status;
    r.content_type = scim_type_header;
    r.body = dump(body);
    return r;
}

bool body_object(const Request &req, Json &out, Response &bad) {
    if (!media_type_is(req.content_type, "application/scim+json") &&
        !media_type_is(req.content_type, "application/json")) {
        bad = error_response(415, "", "the body must be application/scim+json or application/json");
        return false;
    }
    json_error_t err;
    const char *text = req.body.empty() ? "" : req.body.data();
    out.reset(json_loadb(text, req.body.size(), JSON_REJECT_DUPLICATES, &err));
    if (!out) {
        std::string why = err.text;
        if (json_error_code(&err) == json_error_null_character)
            why = "a string contains \\u0000";
        bad = error_response(400, "invalidSyntax",
                             "the body is not valid JSON: " + why + " (line " +
                                 std::to_string(err.line) + ", column " +
                                 std::to_string(err.column) + ")");
        return false;
    }
    if (!json_is_object(out.get())) {
        bad = error_response(400, "invalidSyntax", "the body must be a JSON object");
        return false;
    }
    return true;
}

bool iequal(std::string_view a, std::string_view b) {
    if (a.size() != b.size())
        return false;
    for (size_t i = 0; i < a.size(); i++) {
        char x = a[i], y = b[i];
        if (x >= 'A' && x <= 'Z')
            x = static_cast<char>(x - 'A' + 'a');
        if (y >= 'A' && y <= 'Z')
            y = static_cast<char>(y - 'A' + 'a');
        if (x != y)
            return false;
    }
    return true;
}

json_t *get_ci(const json_t *object, std::string_view key, const char **found) {
    if (!json_is_object(object))
        return nullptr;
    const char *k;
    json_t *v;
    json_object_foreach(const_cast<json_t *>(object), k, v) {
        if (iequal(k, key)) {
            if (found)
                *found = k;
            return v;
        }
    }
    return nullptr;
}

// ---------------------------------------------------------------- projection

namespace {

// The value of the field `name` of a query string in `value` (null when it
// has none); false when it is given more than once.
bool given_once(const Form &form, std::string_view name, const std::string *&value) {
    value = nullptr;
    for (const auto &f : form.fields) {
        if (f.name != name)
            continue;
        if (value)
            return false;
        value = &f.value;
    }
    return true;
}

// "[urn:]attr[.sub]" resolved against the schema; false when it names no
// attribute the schema knows.
bool resolve_path(std::string_view text, const Describe &schema, AttrPath &out) {
    std::string_view urn, rest = text;
    size_t colon = text.rfind(':');
    if (colon != std::string_view::npos) {
        urn = text.substr(0, colon);
        rest = text.substr(colon + 1);
    }
    std::string_view attr = rest.substr(0, rest.find('.'));
    std::string_view sub =
        rest.find('.') == std::string_view::npos ? "" : rest.substr(rest.find('.') + 1);
    if (!urn.empty() && (iequal(urn, core_user_urn) || iequal(urn, core_group_urn)))
        urn = "";
    if (attr.empty() || (rest.find('.') != std::string_view::npos && sub.empty()))
        return false;
    if (!urn.empty() && !schema.is_extension(urn))
        return false;
    AttrInfo a = schema.describe(urn, attr, "");
    if (!a.known)
        return false;
    out.urn = std::string(urn);
    out.attr = a.name;
    out.sub.clear();
    if (!sub.empty()) {
        AttrInfo s = schema.describe(urn, attr, sub);
        if (!s.known)
            return false;
        out.sub = s.name;
    }
    return true;
}

bool path_list(const Form &form, const char *name, const Describe &schema,
               std::vector<AttrPath> &out, Response &bad) {
    const std::string *v;
    if (!given_once(form, name, v)) {
        bad = error_response(400, "invalidValue",
                             "query parameter " + std::string(name) +
                                 " is given more than once; give it once");
        return false;
    }
    if (!v)
        return true;
    std::string_view rest = *v;
    while (true) {
        size_t comma = rest.find(',');
        std::string_view item = trim(rest.substr(0, comma));
        if (!item.empty()) {
            AttrPath p;
            if (schema.is_extension(item)) {
                p.urn = std::string(item); // all of the extension's attributes
            } else if (!resolve_path(item, schema, p)) {
                bad = error_response(400, "invalidValue",
                                     std::string(name) + ": no attribute \"" +
                                         valid_utf8_copy(item.substr(0, 200)) +
                                         "\" in the resource's schemas");
                return false;
            }
            out.push_back(std::move(p));
        }
        if (comma == std::string_view::npos)
            break;
        rest.remove_prefix(comma + 1);
    }
    return true;
}

// The object that holds `p`'s attribute in `resource`: the resource, or its
// extension's object.
json_t *holder(json_t *resource, const AttrPath &p) {
    return p.urn.empty() ? resource : get_ci(resource, p.urn);
}

void remove_ci(json_t *object, std::string_view key) {
    const char *found = nullptr;
    if (get_ci(object, key, &found))
        json_object_del(object, std::string(found).c_str());
}

bool always_returned(std::string_view key) {
    return iequal(key, "id") || iequal(key, "schemas");
}

} // namespace

bool Projection::excludes(std::string_view attr) const {
    for (const auto &p : excluded)
        if (p.urn.empty() && p.sub.empty() && iequal(p.attr, attr))
            return true;
    return false;
}

bool parse_projection(const Request &req, const Describe &schema, Projection &out, Response &bad) {
    Form form;
    if (auto e = parse_form(req.query, form)) {
        bad = error_response(400, "invalidValue", "query string: " + *e);
        return false;
    }
    return path_list(form, "attributes", schema, out.attributes, bad) &&
           path_list(form, "excludedAttributes", schema, out.excluded, bad);
}

void project(json_t *resource, const Projection &p, const Describe &schema) {
    (void)schema;
    for (const auto &x : p.excluded) {
        if (x.urn.empty() && always_returned(x.attr))
            continue;
        if (x.attr.empty()) { // a whole extension
            remove_ci(resource, x.urn);
            continue;
        }
        json_t *h = holder(resource, x);
        if (!h)
            continue;
        if (x.sub.empty()) {
            remove_ci(h, x.attr);
            continue;
        }
        json_t *v = get_ci(h, x.attr);
        if (json_is_object(v))
            remove_ci(v, x.sub);
        size_t i;
        json_t *e;
        json_array_foreach(v, i, e) remove_ci(e, x.sub);
    }
    if (p.attributes.empty())
        return;
    // keep what is listed (a listed extension attribute keeps its URN's
    // object with that attribute only), and what is always returned
    Json kept(json_object());
    const char *key;
    json_t *value;
    json_object_foreach(resource, key, value) {
        if (always_returned(key) || iequal(key, "meta")) {
            if (!iequal(key, "meta")) {
                json_object_set(kept.get(), key, value);
                continue;
            }
        }
        bool urn = schema.is_extension(key);
        bool whole = false;
        std::vector<const AttrPath *> subs;
        for (const auto &a : p.attributes) {
            if (urn ? iequal(a.urn, key) : (a.urn.empty() && iequal(a.attr, key))) {
                if (urn ? a.attr.empty() : a.sub.empty())
                    whole = true;
                else
                    subs.push_back(&a);
            }
        }
        if (whole) {
            json_object_set(kept.get(), key, value);
        } else if (!subs.empty() && json_is_object(value)) {
            Json part(json_object());
            for (const AttrPath *a : subs) {
                std::string_view name = urn ? std::string_view(a->attr) : std::string_view(a->sub);
                const char *found = nullptr;
                if (json_t *v = get_ci(value, name, &found)) {
                    if (urn && !a->sub.empty() && json_is_object(v)) {
                        json_t *inner = json_object_get(part.get(), found);
                        if (!inner) {
                            inner = json_object();
                            json_object_set_new(part.get(), found, inner);
                        }
                        const char *f2 = nullptr;
                        if (json_t *w = get_ci(v, a->sub, &f2))
                            json_object_set(inner, f2, w);
                    } else {
                        json_object_set(part.get(), found, v);
                    }
                }
            }
            if (json_object_size(part.get()))
                json_object_set(kept.get(), key, part.get());
        } else if (!subs.empty() && json_is_array(value)) {
            Json part(json_array());
            size_t i;
            json_t *e;
            json_array_foreach(value, i, e) {
                Json elem(json_object());
                for (const AttrPath *a : subs) {
                    const char *found = nullptr;
                    if (json_t *v = get_ci(e, a->sub, &found))
                        json_object_set(elem.get(), found, v);
                }
                if (json_object_size(elem.get()))
                    json_array_append(part.get(), elem.get());
            }
            if (json_array_size(part.get()))
                json_object_set(kept.get(), key, part.get());
        }
    }
    // meta.resourceType is returned always; the rest of meta when asked for
    if (json_t *meta = get_ci(resource, "meta");
        json_is_object(meta) && !json_object_get(kept.get(), "meta")) {
        Json m(json_object());
        if (json_t *rt = json_object_get(meta, "resourceType"))
            json_object_set(m.get(), "resourceType", rt);
        json_object_set(kept.get(), "meta", m.get());
    }
    json_object_clear(resource);
    json_object_update(resource, kept.get());
}

// ---------------------------------------------------------------- lists

namespace {

bool number_param(const Form &form, const char *name, std::optional<long long> &out,
                  Response &bad) {
    const std::string *v;
    if (!given_once(form, name, v)) {
        bad = error_response(400, "invalidValue",
                             "query parameter " + std::string(name) +
                                 " is given more than once; give it once");
        return false;
    }
    if (!v)
        return true;
    std::string_view s = trim(*v);
    bool minus = !s.empty() && s.front() == '-';
    std::string_view digits = minus ? s.substr(1) : s;
    long long n = 0;
    bool ok = !digits.empty() && digits.size() <= 12;
    for (char c : digits) {
        ok = ok && c >= '0' && c <= '9';
        n = n * 10 + (c - '0');
    }
    if (!ok) {
        bad = error_response(400, "invalidValue",
                             std::string(name) + " must be an integer, not \"" +
                                 valid_utf8_copy(s.substr(0, 64)) + "\"");
        return false;
    }
    out = minus ? -n : n;
    return true;
}

} // namespace

bool parse_list_query(const Request &req, const Describe &schema, ListQuery &out, Response &bad) {
    static thread_local Form form; // its fields' room kept from one query to the next
    if (auto e = parse_form(req.query, form)) {
        bad = error_response(400, "invalidValue", "query string: " + *e);
        return false;
    }
    const std::string *filter, *sort_by, *sort_order;
    auto once = [&](const char *name, const std::string *&v) {
        if (given_once(form, name, v))
            return true;
        bad = error_response(400, "invalidValue",
                             "query parameter " + std::string(name) +
                                 " is given more than once; give it once");
        return false;
    };
    if (!once("filter", filter) || !once("sortBy", sort_by) || !once("sortOrder", sort_order))
        return false;
    if (filter && !trim(*filter).empty()) {
        Error err;
        auto f = parse_filter(*filter, schema, err);
        if (!f) {
            bad = error_response(err.status, err.scim_type, "filter: " + err.detail);
            return false;
        }
        out.hint = index_hint(*f);
        out.filter = std::move(f);
    }
    std::optional<long long> start, count;
    if (!number_param(form, "startIndex", start, bad) || !number_param(form, "count", count, bad))
        return false;
    // RFC 7644 3.4.2.4: a startIndex below 1 is 1, a negative count 0, and
    // the service provider answers at most its maxResults
    out.start = start && *start > 1 ? static_cast<size_t>(*start) : 1;
    out.count = !count ? max_results : *count < 0 ? 0 : std::min<size_t>(*count, max_results);
    if (sort_by && !trim(*sort_by).empty()) {
        if (!resolve_path(trim(*sort_by), schema, out.sort_path)) {
            bad = error_response(400, "invalidValue",
                                 "sortBy: no attribute \"" +
                                     valid_utf8_copy(trim(*sort_by).substr(0, 200)) +
                                     "\" in the resource's schemas");
            return false;
        }
        out.sort_by = std::string(trim(*sort_by));
        const AttrPath &sp = out.sort_path;
        out.sort_info = schema.describe(sp.urn, sp.attr, sp.sub);
        if (out.sort_info.type == Type::Complex) {
            AttrInfo v = schema.describe(sp.urn, sp.attr, "value");
            if (v.known)
                out.sort_info = v;
        }
    }
    if (sort_order) {
        if (iequal(*sort_order, "descending")) {
            out.descending = true;
        } else if (!iequal(*sort_order, "ascending")) {
            bad = error_response(400, "invalidValue",
                                 "sortOrder must be ascending or descending, not \"" +
                                     valid_utf8_copy(sort_order->substr(0, 64)) + "\"");
            return false;
        }
    }
    Projection &pr = out.projection;
    return path_list(form, "attributes", schema, pr.attributes, bad) &&
           path_list(form, "excludedAttributes", schema, pr.excluded, bad);
}

namespace {

// The value a resource sorts by: the attribute (a multi-valued one's
// primary value, else its first), or null.
const json_t *sort_value(const json_t *resource, const ListQuery &q) {
    const AttrPath &p = q.sort_path;
    const json_t *h = p.urn.empty() ? resource : get_ci(resource, p.urn);
    const json_t *v = get_ci(h, p.attr);
    if (json_is_array(v)) {
        const json_t *pick = json_array_get(v, 0);
        size_t i;
        json_t *e;
        json_array_foreach(v, i, e) if (json_is_true(get_ci(e, "primary"))) {
            pick = e;
            break;
        }
        v = pick;
    }
    if (!p.sub.empty())
        v = get_ci(v, p.sub);
    else if (json_is_object(v))
        v = get_ci(v, "value");
    return json_is_null(v) ? nullptr : v;
}

int compare_json(const json_t *a, const json_t *b, bool case_exact) {
    if (json_is_string(a) && json_is_string(b)) {
        std::string x = json_string_value(a), y = json_string_value(b);
        if (!case_exact) {
            x = case_fold(x);
            y = case_fold(y);
        }
        return x < y ? -1 : x > y ? 1 : 0;
    }
    if (json_is_number(a) && json_is_number(b)) {
        double x = json_number_value(a), y = json_number_value(b);
        return x < y ? -1 : x > y ? 1 : 0;
    }
    if (json_is_boolean(a) && json_is_boolean(b))
        return static_cast<int>(json_is_true(a)) - static_cast<int>(json_is_true(b));
    return 0;
}

} // namespace

Json sort_key(const json_t *resource, const ListQuery &q) {
    if (q.sort_by.empty())
        return nullptr;
    const json_t *v = sort_value(resource, q);
    return Json(v ? json_deep_copy(v) : nullptr);
}

void sort_matched(std::vector<Matched> &matched, const ListQuery &q) {
    if (q.sort_by.empty())
        return;
    bool exact = q.sort_info.case_exact;
    std::stable_sort(matched.begin(), matched.end(), [&](const Matched &a, const Matched &b) {
        const json_t *x = a.key.get(), *y = b.key.get();
        if (!x || !y) // values before none when ascending, after when descending
            return q.descending ? (!x && y) : (x && !y);
        int c = compare_json(x, y, exact);
        return q.descending ? c > 0 : c < 0;
    });
}

namespace {

void append_count(std::string &out, size_t n) {
    char digits[20];
    size_t i = sizeof digits;
    do {
        digits[--i] = static_cast<char>('0' + n % 10);
        n /= 10;
    } while (n);
    out.append(digits + i, sizeof digits - i);
}

} // namespace

void list_begin(std::string &out, size_t total, size_t start, size_t items) {
    static const std::string head =
        std::string("{\"schemas\":[\"") + list_response_urn + "\"],\"totalResults\":";
    out += head;
    append_count(out, total);
    out += ",\"startIndex\":";
    append_count(out, start);
    out += ",\"itemsPerPage\":";
    append_count(out, items);
    out += ",\"Resources\":[";
}

void list_end(std::string &out) {
    out += "]}";
}

Response scim_answer(int status, std::string body) {
    Response r;
    r.status = status;
    r.content_type = scim_type_header;
    r.body = std::move(body);
    return r;
}

Response list_answer(size_t total, std::vector<Json> page, const ListQuery &q,
                     const Describe &schema) {
    std::string out;
    list_begin(out, total, q.start, page.size());
    for (size_t i = 0; i < page.size(); ++i) {
        project(page[i].get(), q.projection, schema);
        if (i)
            out += ',';
        append_json(out, page[i].get());
    }
    list_end(out);
    return scim_answer(200, std::move(out));
}

// ---------------------------------------------------------------- versions, ids

std::string etag(uint64_t version) {
    return "W/\"" + std::to_string(version) + "\"";
}

bool if_match_allows(std::string_view if_match, uint64_t version) {
    if_match = trim(if_match);
    if (if_match.empty() || if_match == "*")
        return true;
    std::string want = "\"" + std::to_string(version) + "\"";
    while (!if_match.empty()) {
        size_t comma = if_match.find(',');
        std::string_view tag = trim(if_match.substr(0, comma));
        if (tag.substr(0, 2) == "W/")
            tag.remove_prefix(2);
        if (tag == want)
            return true;
        if (comma == std::string_view::npos)
            break;
        if_match.remove_prefix(comma + 1);
    }
    return false;
}

Response stale(uint64_t version) {
    return error_response(412, "",
                          "If-Match names another version than the resource's, " + etag(version) +
                              ": read it again");
}

Response no_resource(std::string_view kind, std::string_view raw_id) {
    return error_response(
        404, "", std::string(kind) + " " + valid_utf8_copy(raw_id.substr(0, 64)) + " not found");
}

std::optional<std::string> role_problem(std::string_view role) {
    if (role.empty() || role.size() > 64 || has_control(role) || !valid_utf8(role))
        return std::string("use 1 to 64 bytes of UTF-8 without control characters");
    return std::nullopt;
}

std::optional<std::string> id_param(std::string_view raw) {
    return parse_guid(raw);
}

} // namespace mtt::scim
