// SCIM Users over the user table (see README, "SCIM 2.0", for the mapping).
//
// A User resource is made from the stored user: the fields the three APIs
// share (userName, name.givenName/familyName, the chosen email and work
// phone, active, displayName, locale, roles), externalId and meta, and the
// rest of what the client sent, kept as v0 attributes named by the full URN
// of the attribute ("urn:ietf:params:scim:schemas:core:2.0:User:title",
// "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber"):
// a single string as it is, anything else as its JSON text. The emails,
// phoneNumbers and name kept so leave out what the shared fields hold (the
// chosen entry's value, givenName, familyName), so that a change through v0
// or the directory shows in SCIM.
#include "scim_internal.h++"

#include "form.h++"
#include "handlers.h++"
#include "query.h++"
#include "rfc3339.h++"
#include "scim_patch.h++"
#include "scim_schema.h++"
#include "text.h++"
#include "validate.h++"

#include <algorithm>
#include <cstring>

namespace mtt::scim {

namespace {

constexpr size_t max_text_bytes = 256;       // a name, a phone, displayName
constexpr size_t max_kept_bytes = 64 * 1024; // one kept attribute's JSON text
constexpr size_t min_password_chars = 8, max_password_bytes = 1024;

std::string kept_name(std::string_view urn, std::string_view attr) {
    return std::string(urn.empty() ? std::string_view(core_user_urn) : urn) + ":" +
           std::string(attr);
}

// A kept attribute whose value is text as it is (a single string-like value).
bool kept_as_text(const AttrInfo &a) {
    return !a.multi_valued && a.type != Type::Complex && a.type != Type::Boolean &&
           a.type != Type::Integer && a.type != Type::Decimal;
}

bool is_scim_attribute(std::string_view name) {
    std::string core = std::string(core_user_urn) + ":";
    std::string ent = std::string(enterprise_user_urn) + ":";
    return name.substr(0, core.size()) == core || name.substr(0, ent.size()) == ent;
}

const Attribute *find_kept(const User &u, std::string_view name) {
    if (!u.attributes)
        return nullptr;
    for (const auto &a : *u.attributes)
        if (a.name == name && !a.values.empty())
            return &a;
    return nullptr;
}

Json kept_json(const User &u, std::string_view attr) {
    const Attribute *a = find_kept(u, kept_name("", attr));
    if (!a)
        return nullptr;
    json_error_t err;
    return Json(json_loads(a->values[0].c_str(), 0, &err));
}

json_t *str_or_null(const std::optional<std::string> &s) {
    return s ? json_str(*s) : nullptr;
}

void set_if(json_t *o, const char *key, json_t *v) {
    if (v)
        json_object_set_new(o, key, v);
}

// The entry of a kept list that a shared field fills: the one without a value.
json_t *slot_of(json_t *list) {
    size_t i;
    json_t *e;
    json_array_foreach(list, i, e) if (json_is_object(e) && !json_object_get(e, "value")) return e;
    return nullptr;
}

// emails or phoneNumbers: the kept list with the shared field in its slot.
json_t *filled_list(const User &u, const char *attr, const std::optional<std::string> &field,
                    bool primary_by_default) {
    Json list = kept_json(u, attr);
    if (!json_is_array(list.get()))
        list.reset();
    if (!list) {
        if (!field)
            return nullptr;
        json_t *e = json_object();
        json_object_set_new(e, "value", json_str(*field));
        json_object_set_new(e, "type", json_string("work"));
        if (primary_by_default)
            json_object_set_new(e, "primary", json_true());
        json_t *a = json_array();
        json_array_append_new(a, e);
        return a;
    }
    json_t *slot = slot_of(list.get());
    if (slot && field) {
        json_object_set_new(slot, "value", json_str(*field));
    } else if (slot) {
        size_t i;
        json_t *e;
        json_array_foreach(list.get(), i, e) if (e == slot) {
            json_array_remove(list.get(), i);
            break;
        }
    } else if (field) {
        json_t *e = json_object();
        json_object_set_new(e, "value", json_str(*field));
        json_object_set_new(e, "type", json_string("work"));
        json_array_append_new(list.get(), e);
    }
    if (json_array_size(list.get()) == 0)
        return nullptr;
    return list.release();
}

json_t *name_json(const User &u) {
    Json name = kept_json(u, "name");
    if (!json_is_object(name.get()))
        name.reset(json_object());
    set_if(name.get(), "familyName", str_or_null(u.last_name));
    set_if(name.get(), "givenName", str_or_null(u.first_name));
    if (json_object_size(name.get()) == 0)
        return nullptr;
    return name.release();
}

json_t *roles_json(const User &u) {
    if (u.roles.empty())
        return nullptr;
    Json kept = kept_json(u, "roles");
    json_t *out = json_array();
    for (const auto &r : u.roles) {
        json_t *found = nullptr;
        size_t i;
        json_t *e;
        json_array_foreach(kept.get(), i, e) {
            const json_t *v = json_object_get(e, "value");
            if (json_is_string(v) && r == json_string_value(v)) {
                found = e;
                break;
            }
        }
        if (found) {
            json_array_append(out, found);
        } else {
            json_t *o = json_object();
            json_object_set_new(o, "value", json_str(r));
            json_array_append_new(out, o);
        }
    }
    return out;
}

json_t *groups_json(const Txn &txn, std::string_view base, const User &u) {
    if (u.roles.empty())
        return nullptr;
    json_t *out = json_array();
    for (const auto &r : u.roles) {
        auto g = find_group_by_name(txn, r);
        if (!g)
            continue;
        std::string id = format_guid(g->id);
        json_t *o = json_object();
        json_object_set_new(o, "value", json_str(id));
        json_object_set_new(o, "$ref", json_str(std::string(base) + "Groups/" + id));
        json_object_set_new(o, "display", json_str(r));
        json_array_append_new(out, o);
    }
    return out;
}

json_t *kept_value(const Attribute &a, const AttrInfo &info) {
    if (kept_as_text(info))
        return json_str(a.values[0]);
    json_error_t err;
    return json_loads(a.values[0].c_str(), JSON_DECODE_ANY, &err);
}

json_t *meta_json(std::string_view resource_type, std::string_view location,
                  const std::optional<int64_t> &created, const std::optional<int64_t> &modified,
                  uint64_t version) {
    json_t *m = json_object();
    json_object_set_new(m, "resourceType", json_str(resource_type));
    if (created)
        json_object_set_new(m, "created", json_str(format_rfc3339(*created)));
    if (modified)
        json_object_set_new(m, "lastModified", json_str(format_rfc3339(*modified)));
    json_object_set_new(m, "location", json_str(location));
    json_object_set_new(m, "version", json_str(etag(version)));
    return m;
}

} // namespace

json_t *user_resource(const Txn &txn, std::string_view base, const User &u) {
    const Describe &schema = user_schema();
    std::string id = format_guid(u.id);
    json_t *o = json_object();
    json_t *schemas = json_array();
    json_array_append_new(schemas, json_string(core_user_urn));
    json_object_set_new(o, "schemas", schemas);
    json_object_set_new(o, "id", json_str(id));
    set_if(o, "externalId", str_or_null(u.external_id));
    json_object_set_new(o, "userName", json_str(u.username));
    set_if(o, "name", name_json(u));
    set_if(o, "displayName", str_or_null(u.display_name));
    set_if(o, "locale", str_or_null(u.locale));
    json_object_set_new(o, "active", json_boolean(u.enabled));
    set_if(o, "emails", filled_list(u, "emails", u.email, true));
    set_if(o, "phoneNumbers", filled_list(u, "phoneNumbers", u.phone, false));
    set_if(o, "roles", roles_json(u));
    set_if(o, "groups", groups_json(txn, base, u));
    json_t *enterprise = nullptr;
    if (u.attributes) {
        std::string core = std::string(core_user_urn) + ":";
        std::string ent = std::string(enterprise_user_urn) + ":";
        for (const auto &a : *u.attributes) {
            if (a.values.empty())
                continue;
            bool is_core = a.name.compare(0, core.size(), core) == 0;
            bool is_ent = a.name.compare(0, ent.size(), ent) == 0;
            if (!is_core && !is_ent)
                continue;
            std::string attr = a.name.substr(is_core ? core.size() : ent.size());
            AttrInfo info = schema.describe(is_core ? "" : enterprise_user_urn, attr, "");
            if (!info.known)
                continue;
            if (is_core &&
                (info.name == "name" || info.name == "emails" || info.name == "phoneNumbers" ||
                 info.name == "roles" || json_object_get(o, info.name.c_str())))
                continue;
            json_t *v = kept_value(a, info);
            if (!v)
                continue;
            if (is_core) {
                json_object_set_new(o, info.name.c_str(), v);
            } else {
                if (!enterprise)
                    enterprise = json_object();
                json_object_set_new(enterprise, info.name.c_str(), v);
            }
        }
    }
    if (enterprise) {
        json_array_append_new(schemas, json_string(enterprise_user_urn));
        json_object_set_new(o, enterprise_user_urn, enterprise);
    }
    json_object_set_new(o, "meta",
                        meta_json("User", std::string(base) + "Users/" + id, u.created,
                                  u.last_modified, u.version));
    return o;
}

// ---------------------------------------------------------------- the resource, written directly

namespace {

// Printable ASCII without '"' or '\\': what jansson writes between the quotes
// unchanged (with dump()'s flags it escapes nothing else). Eight bytes at a
// time, with the classic tests of whether some byte of a word is zero, less
// than n or more than n (exact as to whether there is one, for ASCII bytes).
bool plain(std::string_view s) {
    constexpr uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
    auto bad = [](uint64_t x) {
        uint64_t quote = x ^ (ones * '"'), backslash = x ^ (ones * '\\');
        uint64_t below = (x - ones * 0x20) & ~x;               // some byte < 0x20
        uint64_t del = x + ones;                               // some byte > 0x7E
        uint64_t q = (quote - ones) & ~quote;                  // some byte == '"'
        uint64_t b = (backslash - ones) & ~backslash;          // some byte == '\\'
        return (x & highs) || ((below | del | q | b) & highs); // (x & highs): from 0x80
    };
    const char *p = s.data();
    size_t n = s.size();
    uint64_t x;
    if (n < 8) { // padded with a byte that is plain
        x = ones * 'a';
        std::memcpy(&x, p, n);
        return !bad(x);
    }
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        std::memcpy(&x, p + i, 8);
        if (bad(x))
            return false;
    }
    if (i < n) { // the last eight bytes, overlapping what was tested
        std::memcpy(&x, p + n - 8, 8);
        return !bad(x);
    }
    return true;
}

// Appends to a string through an index into room made ahead, so that a
// piece costs a copy and no call into the string; the string is cut to what
// was written when the writer ends.
class Out {
  public:
    explicit Out(std::string &s) : s_(s), at_(s.size()) { room(1024); }
    ~Out() { s_.resize(at_); }
    Out(const Out &) = delete;
    Out &operator=(const Out &) = delete;

    void put(char c) {
        room(1);
        s_.data()[at_++] = c;
    }
    void put(std::string_view v) {
        room(v.size());
        std::memcpy(s_.data() + at_, v.data(), v.size());
        at_ += v.size();
    }
    // Room for n bytes at the end, to be written and then given to done().
    char *grab(size_t n) {
        room(n);
        return s_.data() + at_;
    }
    void done(char *end) { at_ = static_cast<size_t>(end - s_.data()); }
    // For what appends to the string itself (jansson's dump).
    template <class F> void through(F f) {
        s_.resize(at_);
        f(s_);
        at_ = s_.size();
    }

  private:
    void room(size_t n) {
        if (s_.size() - at_ < n)
            s_.resize(std::max(2 * s_.size(), at_ + n + 256));
    }
    std::string &s_;
    size_t at_;
};

// One JSON object written in the order its keys come, as jansson's compact,
// order-preserving dump of the object user_resource builds writes it. Keys
// are the schema's spellings (plain ASCII).
class ObjectOut {
  public:
    explicit ObjectOut(Out &out) : out_(out) { out_.put('{'); }
    void key(std::string_view k) { out_.done(key_at(out_.grab(k.size() + 4), k)); }
    // `"k":"s"` as json_object_set_new(o, k, json_str(s)) shows it: nothing
    // at all when s is not UTF-8 (json_str gives null, the key is left out).
    // False then.
    bool str(std::string_view k, std::string_view s) {
        if (plain(s)) {
            char *p = key_at(out_.grab(k.size() + s.size() + 6), k);
            *p++ = '"';
            std::memcpy(p, s.data(), s.size());
            p += s.size();
            *p++ = '"';
            out_.done(p);
            return true;
        }
        Json j(json_str(s));
        if (!j)
            return false;
        key(k);
        out_.through([&](std::string &o) { append_json(o, j.get()); });
        return true;
    }
    void opt(std::string_view k, const std::optional<std::string> &s) {
        if (s)
            str(k, *s);
    }
    // `"k":` and the compact dump of `v`; nothing when v is null.
    void json(std::string_view k, const json_t *v) {
        if (!v)
            return;
        key(k);
        out_.through([&](std::string &o) { append_json(o, v); });
    }
    void close() { out_.put('}'); }

  private:
    // Writes [,]"k": at p (room for k and 4 more bytes); the end.
    char *key_at(char *p, std::string_view k) {
        if (!first_)
            *p++ = ',';
        first_ = false;
        *p++ = '"';
        std::memcpy(p, k.data(), k.size());
        p += k.size();
        *p++ = '"';
        *p++ = ':';
        return p;
    }

    Out &out_;
    bool first_ = true;
};

// The two hex digits of every byte, "000102...ff".
struct HexPairs {
    char digits[512];
    constexpr HexPairs() : digits{} {
        const char hex[] = "0123456789abcdef";
        for (int b = 0; b < 256; ++b) {
            digits[2 * b] = hex[b >> 4];
            digits[2 * b + 1] = hex[b & 0x0F];
        }
    }
};
constexpr HexPairs hex_pairs;

// format_guid(raw), written in place.
void append_guid(Out &out, std::string_view raw) {
    if (raw.size() != 16) { // not an id as the store makes them
        out.put(format_guid(raw));
        return;
    }
    char *p = out.grab(36);
    auto pair = [&](size_t i, size_t at) {
        std::memcpy(p + at, hex_pairs.digits + 2 * static_cast<unsigned char>(raw[i]), 2);
    };
    pair(0, 0), pair(1, 2), pair(2, 4), pair(3, 6);
    p[8] = '-';
    pair(4, 9), pair(5, 11);
    p[13] = '-';
    pair(6, 14), pair(7, 16);
    p[18] = '-';
    pair(8, 19), pair(9, 21);
    p[23] = '-';
    pair(10, 24), pair(11, 26), pair(12, 28), pair(13, 30), pair(14, 32), pair(15, 34);
    out.done(p + 36);
}

void append_number(Out &out, uint64_t n) {
    char digits[20];
    size_t i = sizeof digits;
    do {
        digits[--i] = static_cast<char>('0' + n % 10);
        n /= 10;
    } while (n);
    out.put(std::string_view(digits + i, sizeof digits - i));
}

// format_rfc3339(t), without a string of its own for the years 0000..9999
// (the last time written is kept: created and lastModified are often one).
void append_time(Out &out, int64_t t) {
    static thread_local struct {
        int64_t t;
        bool have;
        char s[20]; // YYYY-MM-DDTHH:MM:SSZ
    } last = {};
    char *s = last.s;
    if (last.have && t == last.t) {
        out.put(std::string_view(s, sizeof last.s));
        return;
    }
    CivilTime c = civil_from_unix(t);
    if (c.year < 0 || c.year > 9999) {
        out.put(format_rfc3339(t));
        return;
    }
    auto two = [&](char *at, int v) {
        at[0] = static_cast<char>('0' + v / 10);
        at[1] = static_cast<char>('0' + v % 10);
    };
    int y = static_cast<int>(c.year);
    two(s, y / 100);
    two(s + 2, y % 100);
    s[4] = '-';
    two(s + 5, c.month);
    s[7] = '-';
    two(s + 8, c.day);
    s[10] = 'T';
    two(s + 11, c.hour);
    s[13] = ':';
    two(s + 14, c.minute);
    s[16] = ':';
    two(s + 17, c.second);
    s[19] = 'Z';
    last.t = t;
    last.have = true;
    out.put(std::string_view(s, sizeof last.s));
}

// `"k":"<base><path><guid>"` (a $ref or meta.location), left out as
// json_str leaves out a base URL that is not UTF-8.
void url(ObjectOut &o, Out &out, std::string_view k, std::string_view base, std::string_view path,
         std::string_view raw_id) {
    if (plain(base)) {
        o.key(k);
        out.put('"');
        out.put(base);
        out.put(path);
        append_guid(out, raw_id);
        out.put('"');
        return;
    }
    std::string whole(base);
    whole += path;
    whole += format_guid(raw_id);
    o.str(k, whole);
}

// Is `a` the kept attribute "<core URN>:<attr>" (find_kept's test).
bool is_kept(const Attribute &a, std::string_view attr) {
    constexpr size_t n = sizeof core_user_urn - 1;
    return !a.values.empty() && a.name.size() == n + 1 + attr.size() &&
           a.name.compare(0, n, core_user_urn) == 0 && a.name[n] == ':' &&
           a.name.compare(n + 1, attr.size(), attr) == 0;
}

bool has_kept(const User &u, std::string_view attr) {
    if (u.attributes)
        for (const auto &a : *u.attributes)
            if (is_kept(a, attr))
                return true;
    return false;
}

// A kept attribute that user_resource shows: where it goes (a core
// attribute at the top level, or in the enterprise object) and its value (a
// text as it is, else its parsed JSON).
struct Shown {
    AttrInfo info;
    const std::string *text = nullptr;
    Json value;
};

struct KeptShown {
    std::vector<Shown> core, enterprise;
    void clear() {
        core.clear();
        enterprise.clear();
    }
};

// The kept attributes user_resource adds after the shared fields, in its
// order: a core attribute once (the first that has a value, unless the
// resource has that key already), an enterprise one at the place of its
// first value with its last. `present` says which keys the resource has.
template <class Present> void kept_shown(const User &u, Present present, KeptShown &out) {
    out.clear();
    if (!u.attributes)
        return;
    const Describe &schema = user_schema();
    constexpr size_t nc = sizeof core_user_urn - 1, ne = sizeof enterprise_user_urn - 1;
    for (const auto &a : *u.attributes) {
        if (a.values.empty())
            continue;
        bool is_core =
            a.name.size() > nc && a.name.compare(0, nc, core_user_urn) == 0 && a.name[nc] == ':';
        bool is_ent = !is_core && a.name.size() > ne &&
                      a.name.compare(0, ne, enterprise_user_urn) == 0 && a.name[ne] == ':';
        if (!is_core && !is_ent)
            continue;
        std::string_view attr = std::string_view(a.name).substr((is_core ? nc : ne) + 1);
        AttrInfo info = schema.describe(is_core ? "" : enterprise_user_urn, attr, "");
        if (!info.known)
            continue;
        if (is_core) {
            const std::string &n = info.name;
            if (n == "name" || n == "emails" || n == "phoneNumbers" || n == "roles" || present(n))
                continue;
            bool again = false;
            for (const Shown &s : out.core)
                again = again || s.info.name == n;
            if (again)
                continue;
        }
        Shown s;
        if (kept_as_text(info)) {
            if (!plain(a.values[0]) && !Json(json_str(a.values[0])))
                continue; // not UTF-8: json_str gives null
            s.text = &a.values[0];
        } else {
            json_error_t err;
            s.value.reset(json_loads(a.values[0].c_str(), JSON_DECODE_ANY, &err));
            if (!s.value)
                continue;
        }
        s.info = std::move(info);
        if (is_core) {
            out.core.push_back(std::move(s));
            continue;
        }
        bool replaced = false;
        for (Shown &e : out.enterprise)
            if (e.info.name == s.info.name) {
                e.text = s.text;
                e.value = std::move(s.value);
                replaced = true;
                break;
            }
        if (!replaced)
            out.enterprise.push_back(std::move(s));
    }
}

void shown_value(ObjectOut &o, const Shown &s) {
    if (s.text)
        o.str(s.info.name, *s.text);
    else
        o.json(s.info.name, s.value.get());
}

// The worker's scratch for kept attributes (one thread renders at a time).
KeptShown &kept_scratch() {
    static thread_local KeptShown k;
    return k;
}

// The id of the group of `role`, as find_group_by_name(txn, role)->id but
// without decoding the group's record (a view, valid in `txn`).
std::optional<std::string_view> group_id(const Txn &txn, std::string_view role) {
    if (role.empty() || role.size() > 511)
        return std::nullopt;
    const Tables &t = txn.tables();
    auto id = txn.get(t.groups_by_name, role);
    if (!id)
        return std::nullopt;
    if (!txn.get(t.groups, *id))
        throw StoreError("the group name index names a missing group", MDB_CORRUPTED);
    return id;
}

void append_meta(ObjectOut &o, Out &out, std::string_view base, const User &u) {
    o.key("meta");
    ObjectOut m(out);
    m.key("resourceType");
    out.put("\"User\"");
    if (u.created) {
        m.key("created");
        out.put('"');
        append_time(out, *u.created);
        out.put('"');
    }
    if (u.last_modified) {
        m.key("lastModified");
        out.put('"');
        append_time(out, *u.last_modified);
        out.put('"');
    }
    url(m, out, "location", base, "Users/", u.id);
    m.key("version");
    out.put("\"W/\\\"");
    append_number(out, u.version);
    out.put("\\\"\"");
    m.close();
}

void append_resource(Out &out, const Txn &txn, std::string_view base, const User &u) {
    // the shared fields that take a kept attribute in: through jansson, as
    // user_resource makes them, when there is one
    Json name, emails, phones, roles;
    bool kept_name_ = has_kept(u, "name"), kept_emails = has_kept(u, "emails"),
         kept_phones = has_kept(u, "phoneNumbers"), kept_roles = has_kept(u, "roles");
    if (kept_name_)
        name.reset(name_json(u));
    if (kept_emails)
        emails.reset(filled_list(u, "emails", u.email, true));
    if (kept_phones)
        phones.reset(filled_list(u, "phoneNumbers", u.phone, false));
    if (kept_roles)
        roles.reset(roles_json(u));
    auto shows = [](const std::optional<std::string> &s) {
        return s && (plain(*s) || Json(json_str(*s)));
    };
    auto present = [&](const std::string &k) {
        return k == "schemas" || k == "id" || k == "active" ||
               (k == "userName" && (plain(u.username) || Json(json_str(u.username)))) ||
               (k == "externalId" && shows(u.external_id)) ||
               (k == "displayName" && shows(u.display_name)) ||
               (k == "locale" && shows(u.locale)) || (k == "groups" && !u.roles.empty());
    };
    KeptShown &kept = kept_scratch();
    kept_shown(u, present, kept);

    ObjectOut o(out);
    o.key("schemas");
    out.put("[\"");
    out.put(core_user_urn);
    if (!kept.enterprise.empty()) {
        out.put("\",\"");
        out.put(enterprise_user_urn);
    }
    out.put("\"]");
    o.key("id");
    out.put('"');
    append_guid(out, u.id);
    out.put('"');
    o.opt("externalId", u.external_id);
    o.str("userName", u.username);
    if (kept_name_) {
        o.json("name", name.get());
    } else if (shows(u.last_name) || shows(u.first_name)) {
        o.key("name");
        ObjectOut n(out);
        n.opt("familyName", u.last_name);
        n.opt("givenName", u.first_name);
        n.close();
    }
    o.opt("displayName", u.display_name);
    o.opt("locale", u.locale);
    o.key("active");
    out.put(u.enabled ? "true" : "false");
    if (kept_emails) {
        o.json("emails", emails.get());
    } else if (u.email) {
        o.key("emails");
        out.put('[');
        ObjectOut e(out);
        e.str("value", *u.email);
        e.key("type");
        out.put("\"work\"");
        e.key("primary");
        out.put("true");
        e.close();
        out.put(']');
    }
    if (kept_phones) {
        o.json("phoneNumbers", phones.get());
    } else if (u.phone) {
        o.key("phoneNumbers");
        out.put('[');
        ObjectOut e(out);
        e.str("value", *u.phone);
        e.key("type");
        out.put("\"work\"");
        e.close();
        out.put(']');
    }
    if (!u.roles.empty()) {
        if (kept_roles) {
            o.json("roles", roles.get());
        } else {
            o.key("roles");
            out.put('[');
            for (size_t i = 0; i < u.roles.size(); ++i) {
                if (i)
                    out.put(',');
                ObjectOut r(out);
                r.str("value", u.roles[i]);
                r.close();
            }
            out.put(']');
        }
        o.key("groups");
        out.put('[');
        bool any = false;
        for (const auto &r : u.roles) {
            auto gid = group_id(txn, r);
            if (!gid)
                continue;
            if (any)
                out.put(',');
            any = true;
            ObjectOut e(out);
            e.key("value");
            out.put('"');
            append_guid(out, *gid);
            out.put('"');
            url(e, out, "$ref", base, "Groups/", *gid);
            e.str("display", r);
            e.close();
        }
        out.put(']');
    }
    bool meta_done = false;
    for (const Shown &s : kept.core) {
        if (s.info.name == "meta") { // set again below: its value, at this place
            append_meta(o, out, base, u);
            meta_done = true;
        } else {
            shown_value(o, s);
        }
    }
    if (!kept.enterprise.empty()) {
        o.key(enterprise_user_urn);
        ObjectOut e(out);
        for (const Shown &s : kept.enterprise)
            shown_value(e, s);
        e.close();
    }
    if (!meta_done)
        append_meta(o, out, base, u);
    o.close();
    kept.clear();
}

} // namespace

void append_user_resource(std::string &out, const Txn &txn, std::string_view base, const User &u) {
    Out o(out);
    append_resource(o, txn, base, u);
}

namespace {

// ---------------------------------------------------------------- resource -> user

bool fail(Error &err, std::string scim_type, std::string detail) {
    err.status = 400;
    err.scim_type = std::move(scim_type);
    err.detail = std::move(detail);
    return false;
}

// A text field: a string (or null: none), at most `max` bytes, no control
// character.
bool text_field(const char *what, const json_t *v, size_t max, std::optional<std::string> &out,
                Error &err) {
    if (!v || json_is_null(v)) {
        out.reset();
        return true;
    }
    if (!json_is_string(v))
        return fail(err, "invalidValue", std::string(what) + " must be a string");
    std::string_view s(json_string_value(v), json_string_length(v));
    if (s.size() > max)
        return fail(err, "invalidValue",
                    std::string(what) + " is longer than " + std::to_string(max) + " bytes");
    if (has_control(s))
        return fail(err, "invalidValue", std::string(what) + " contains a control character");
    out = s.empty() ? std::nullopt : std::optional<std::string>(std::string(s));
    return true;
}

bool boolean_field(const char *what, const json_t *v, bool &out, Error &err) {
    if (json_is_boolean(v)) {
        out = json_is_true(v);
        return true;
    }
    if (json_is_string(v) &&
        (iequal(json_string_value(v), "true") || iequal(json_string_value(v), "false"))) {
        out = iequal(json_string_value(v), "true");
        return true;
    }
    return fail(err, "invalidValue", std::string(what) + " must be true or false");
}

// Does a kept value fit the schema's type (the shape only; the client's
// values are kept as sent).
bool fits(const json_t *v, const AttrInfo &a, bool element) {
    if (a.multi_valued && !element)
        return json_is_array(v);
    switch (a.type) {
    case Type::Complex:
        return json_is_object(v);
    case Type::Boolean:
        return json_is_boolean(v);
    case Type::Integer:
        return json_is_integer(v);
    case Type::Decimal:
        return json_is_number(v);
    default:
        return json_is_string(v);
    }
}

const char *shape(const AttrInfo &a) {
    if (a.multi_valued)
        return "an array";
    switch (a.type) {
    case Type::Complex:
        return "an object";
    case Type::Boolean:
        return "true or false";
    case Type::Integer:
        return "an integer";
    case Type::Decimal:
        return "a number";
    default:
        return "a string";
    }
}

bool check_shape(const std::string &what, const json_t *v, const AttrInfo &a, Error &err) {
    if (!fits(v, a, false))
        return fail(err, "invalidValue", what + " must be " + shape(a));
    if (a.multi_valued) {
        size_t i;
        json_t *e;
        json_array_foreach(v, i, e) if (!fits(e, a, true)) return fail(
            err, "invalidValue",
            what + "[" + std::to_string(i) + "] must be " +
                (a.type == Type::Complex ? "an object" : "a single value"));
    }
    return true;
}

bool keep(std::vector<Attribute> &kept, std::string name, const json_t *v, const AttrInfo &a,
          Error &err) {
    std::string text =
        kept_as_text(a) ? std::string(json_string_value(v), json_string_length(v)) : dump(v);
    if (text.size() > max_kept_bytes)
        return fail(err, "invalidValue",
                    name + " is longer than " + std::to_string(max_kept_bytes) + " bytes");
    kept.push_back({std::move(name), {std::move(text)}});
    return true;
}

// The entry of emails or phoneNumbers whose value is the shared field:
// the primary one, else the first of type "work" (emails: else the first);
// phoneNumbers: the first of type "work", else the primary one.
long chosen(const json_t *list, bool email) {
    long primary = -1, work = -1;
    size_t i;
    json_t *e;
    json_array_foreach(list, i, e) {
        if (primary < 0 && json_is_true(get_ci(e, "primary")))
            primary = static_cast<long>(i);
        const json_t *t = get_ci(e, "type");
        if (work < 0 && json_is_string(t) && iequal(json_string_value(t), "work"))
            work = static_cast<long>(i);
    }
    if (email)
        return primary >= 0 ? primary : work >= 0 ? work : json_array_size(list) ? 0 : -1;
    return work >= 0 ? work : primary;
}

// emails / phoneNumbers: the shared field from the chosen entry, and the
// list kept without its value (unless it is only that entry, as the default
// shows it).
bool split_list(const char *what, const json_t *list, bool email, std::optional<std::string> &field,
                std::vector<Attribute> &kept, Error &err) {
    field.reset();
    if (!list || json_is_null(list))
        return true;
    long k = chosen(list, email);
    Json rest(json_deep_copy(list));
    if (k >= 0) {
        json_t *e = json_array_get(rest.get(), static_cast<size_t>(k));
        const char *found = nullptr;
        const json_t *v = get_ci(e, "value", &found);
        std::string where = std::string(what) + "[" + std::to_string(k) + "].value";
        if (!text_field(where.c_str(), v, email ? 254 : max_text_bytes, field, err))
            return false;
        if (email && field)
            if (auto problem = address_problem(*field))
                return fail(err, "invalidValue", where + ": " + *problem);
        if (found)
            json_object_del(e, found);
        if (!field)
            k = -1; // nothing shared: the entry is kept whole, with no slot
    }
    bool trivial = false;
    if (k >= 0 && json_array_size(rest.get()) == 1) {
        const json_t *e = json_array_get(rest.get(), 0);
        const json_t *t = get_ci(e, "type"), *p = get_ci(e, "primary");
        size_t n = json_object_size(e);
        bool work = json_is_string(t) && std::string_view(json_string_value(t)) == "work";
        trivial = email ? (work && json_is_true(p) && n == 2) : (work && n == 1);
    }
    if (trivial || json_array_size(rest.get()) == 0)
        return true;
    AttrInfo a = user_schema().describe("", what, "");
    return keep(kept, kept_name("", a.name), rest.get(), a, err);
}

struct FromResource {
    std::optional<std::string> password; // set when the resource holds one
};

// Replaces what SCIM shows of `u` with `res` (readOnly attributes ignored,
// an absent one cleared; what SCIM does not show of `u` stays).
bool user_from_resource(const json_t *res, User &u, FromResource &extra, Error &err) {
    const Describe &schema = user_schema();
    std::vector<Attribute> kept;
    const json_t *user_name = nullptr, *name = nullptr, *emails = nullptr, *phones = nullptr,
                 *roles = nullptr, *active = nullptr;
    std::optional<std::string> external_id, display_name, locale;
    const char *key;
    json_t *v;
    json_object_foreach(const_cast<json_t *>(res), key, v) {
        std::string_view k(key);
        if (iequal(k, "schemas"))
            continue;
        if (schema.is_extension(k)) {
            if (json_is_null(v))
                continue;
            if (!json_is_object(v))
                return fail(err, "invalidValue", std::string(k) + " must be an object");
            const char *sub;
            json_t *sv;
            json_object_foreach(v, sub, sv) {
                AttrInfo a = schema.describe(enterprise_user_urn, sub, "");
                std::string what = std::string(enterprise_user_urn) + ":" + sub;
                if (!a.known)
                    return fail(err, "invalidSyntax",
                                "unknown attribute \"" + valid_utf8_copy(what.substr(0, 200)) +
                                    "\": not in the enterprise User schema");
                if (json_is_null(sv) || a.mutability == Mutability::ReadOnly)
                    continue;
                if (!check_shape(what, sv, a, err) ||
                    !keep(kept, kept_name(enterprise_user_urn, a.name), sv, a, err))
                    return false;
            }
            continue;
        }
        AttrInfo a = schema.describe("", k, "");
        if (!a.known) {
            if (k.substr(0, 4) == "urn:" || k.substr(0, 7) == "http://" ||
                k.substr(0, 8) == "https://")
                continue; // an extension this service does not keep
            return fail(err, "invalidSyntax",
                        "unknown attribute \"" + valid_utf8_copy(k.substr(0, 200)) +
                            "\": not in the User schema");
        }
        const std::string &n = a.name;
        if (a.mutability == Mutability::ReadOnly || n == "groups")
            continue; // id, meta, groups: the service's
        if (n == "userName") {
            user_name = v;
        } else if (n == "externalId") {
            if (!text_field("externalId", v, max_external_id_bytes, external_id, err))
                return false;
        } else if (n == "displayName") {
            if (!text_field("displayName", v, max_text_bytes, display_name, err))
                return false;
        } else if (n == "locale") {
            if (!text_field("locale", v, 35, locale, err))
                return false;
            if (locale)
                if (auto problem = locale_problem(*locale))
                    return fail(err, "invalidValue", "locale \"" + *locale + "\": " + *problem);
        } else if (n == "active") {
            active = v;
        } else if (n == "password") {
            if (json_is_null(v))
                continue;
            if (!json_is_string(v))
                return fail(err, "invalidValue", "password must be a string");
            std::string pw(json_string_value(v), json_string_length(v));
            if (pw.size() > max_password_bytes || utf8_length(pw) < min_password_chars)
                return fail(err, "invalidValue",
                            "password: use at least " + std::to_string(min_password_chars) +
                                " characters and at most " + std::to_string(max_password_bytes) +
                                " bytes");
            extra.password = std::move(pw);
        } else if (n == "name") {
            name = v;
        } else if (n == "emails") {
            emails = v;
        } else if (n == "phoneNumbers") {
            phones = v;
        } else if (n == "roles") {
            roles = v;
        } else {
            if (json_is_null(v))
                continue;
            if (!check_shape(n, v, a, err) || !keep(kept, kept_name("", n), v, a, err))
                return false;
        }
    }
    // userName
    if (!user_name || json_is_null(user_name))
        return fail(err, "invalidValue", "userName is required");
    if (!json_is_string(user_name))
        return fail(err, "invalidValue", "userName must be a string");
    std::string un(json_string_value(user_name), json_string_length(user_name));
    if (auto problem = username_problem(un))
        return fail(err, "invalidValue", "userName: " + *problem);
    // name
    std::optional<std::string> given, family;
    if (name && !json_is_null(name)) {
        if (!json_is_object(name))
            return fail(err, "invalidValue", "name must be an object");
        Json rest(json_deep_copy(name));
        const char *found = nullptr;
        if (!text_field("name.givenName", get_ci(name, "givenName", &found), max_text_bytes, given,
                        err))
            return false;
        if (found)
            json_object_del(rest.get(), found);
        found = nullptr;
        if (!text_field("name.familyName", get_ci(name, "familyName", &found), max_text_bytes,
                        family, err))
            return false;
        if (found)
            json_object_del(rest.get(), found);
        const char *sub;
        json_t *sv;
        json_object_foreach(rest.get(), sub, sv) {
            AttrInfo s = schema.describe("", "name", sub);
            if (!s.known)
                return fail(err, "invalidSyntax",
                            "unknown attribute \"name." +
                                valid_utf8_copy(std::string(sub).substr(0, 200)) +
                                "\": not in the User schema");
            if (!json_is_null(sv) && !json_is_string(sv))
                return fail(err, "invalidValue", "name." + s.name + " must be a string");
        }
        if (json_object_size(rest.get()) &&
            !keep(kept, kept_name("", "name"), rest.get(), schema.describe("", "name", ""), err))
            return false;
    }
    // emails, phoneNumbers
    std::optional<std::string> email, phone;
    AttrInfo ea = schema.describe("", "emails", ""), pa = schema.describe("", "phoneNumbers", "");
    if ((emails && !json_is_null(emails) && !check_shape("emails", emails, ea, err)) ||
        (phones && !json_is_null(phones) && !check_shape("phoneNumbers", phones, pa, err)))
        return false;
    if (!split_list("emails", emails, true, email, kept, err) ||
        !split_list("phoneNumbers", phones, false, phone, kept, err))
        return false;
    // roles: absent, they stay (they are the user's groups too, which
    // SCIM changes through Groups); null or [] clears them
    std::vector<std::string> role_names = u.roles;
    if (roles)
        role_names.clear();
    if (roles && !json_is_null(roles)) {
        AttrInfo ra = schema.describe("", "roles", "");
        if (!check_shape("roles", roles, ra, err))
            return false;
        bool more = false;
        size_t i;
        json_t *e;
        json_array_foreach(roles, i, e) {
            std::string where = "roles[" + std::to_string(i) + "].value";
            const json_t *rv = get_ci(e, "value");
            if (!json_is_string(rv))
                return fail(err, "invalidValue", where + " must be a string");
            std::string r(json_string_value(rv), json_string_length(rv));
            if (auto problem = role_problem(r))
                return fail(err, "invalidValue", where + ": " + *problem);
            if (std::find(role_names.begin(), role_names.end(), r) == role_names.end())
                role_names.push_back(r);
            more = more || json_object_size(e) > 1;
        }
        if (more && !keep(kept, kept_name("", "roles"), roles, ra, err))
            return false;
    }
    bool enabled = true;
    if (active && !json_is_null(active) && !boolean_field("active", active, enabled, err))
        return false;

    u.username = std::move(un);
    u.external_id = std::move(external_id);
    u.first_name = std::move(given);
    u.last_name = std::move(family);
    u.email = std::move(email);
    u.phone = std::move(phone);
    u.enabled = enabled;
    u.display_name = std::move(display_name);
    u.locale = std::move(locale);
    u.roles = std::move(role_names);
    std::vector<Attribute> attrs;
    if (u.attributes)
        for (auto &a : *u.attributes)
            if (!is_scim_attribute(a.name))
                attrs.push_back(std::move(a));
    for (auto &a : kept)
        attrs.push_back(std::move(a));
    if (attrs.empty() && !u.attributes)
        u.attributes.reset();
    else
        u.attributes = std::move(attrs);
    return true;
}

// ---------------------------------------------------------------- commands

// What a write command carries of the request.
struct WriteInput {
    Projection projection;
    std::string if_match;
    // The password the body sets (POST, PUT), which the module may hash
    // before the write runs (Command::password); null for a PATCH, whose
    // password is known only once its operations are applied.
    std::shared_ptr<PasswordToHash> password;

    std::string hash(const std::string &text) const {
        if (password && password->text() == text)
            return password->hash();
        return PasswordToHash(text).hash();
    }
};

// What the write routes of Users read first: the body (a JSON object), then
// the projection of the answer and If-Match. False with `bad` set when the
// request is refused; `in` is then null.
bool write_input(const Request &req, Json &body, std::shared_ptr<WriteInput> &in, Response &bad) {
    if (!body_object(req, body, bad))
        return false;
    auto made = std::make_shared<WriteInput>();
    if (!parse_projection(req, user_schema(), made->projection, bad))
        return false;
    made->if_match = std::string(req.if_match);
    in = std::move(made);
    return true;
}

// The ids of the users whose username folds to `folded` (case_fold of
// `name`), in username byte order: find_users_by_fold's look-up, without
// reading the users (the views are valid in `txn`).
void users_by_fold(const Txn &txn, std::string_view name, std::string_view folded,
                   std::vector<std::string_view> &ids) {
    ids.clear();
    if (name.empty() || name.size() > max_username_bytes)
        return;
    // fold_username(name): the fold, cut when it is long
    static thread_local std::string prefix;
    if (folded.size() <= max_fold_bytes)
        prefix.assign(folded);
    else
        prefix = fold_username(name);
    prefix.push_back('\0');
    static thread_local std::string key_fold;
    Cursor c(txn, txn.tables().users_by_name_fold);
    for (bool ok = c.seek(prefix); ok && c.has_prefix(prefix); ok = c.next()) {
        key_fold.clear();
        append_case_folded(c.key().substr(prefix.size()), key_fold);
        if (key_fold == folded) // not a long name whose cut fold is the same
            ids.push_back(c.value());
    }
}

// The user `id` names, decoded into `u` (whose strings are reused).
void read_user(const Txn &txn, std::string_view id, User &u) {
    auto record = txn.get(txn.tables().users, id);
    if (!record)
        throw StoreError("the username fold index names a missing user", MDB_CORRUPTED);
    if (!decode_user(*record, u))
        throw StoreError("a user record in the store is malformed", MDB_CORRUPTED);
}

// The worker's scratch of the userName eq look-up.
struct FoldScratch {
    std::vector<std::string_view> ids;
    User user;
};
FoldScratch &fold_scratch() {
    static thread_local FoldScratch s;
    return s;
}

// What an answer reserves at first: a user's resource and a list's head
// fit (about 900 bytes for a user as the bench loads it).
constexpr size_t answer_bytes = 2048;

// The resource of `u` as `p` projects it, appended to `out`: written
// directly when nothing is projected, else through jansson.
void append_projected(std::string &out, const Txn &txn, std::string_view base, const User &u,
                      const Projection &p) {
    if (p.attributes.empty() && p.excluded.empty()) {
        append_user_resource(out, txn, base, u);
        return;
    }
    Json res(user_resource(txn, base, u));
    project(res.get(), p, user_schema());
    append_json(out, res.get());
}

Response user_answer(int status, const Txn &txn, std::string_view base, const User &u,
                     const Projection &p) {
    std::string body;
    body.reserve(answer_bytes);
    append_projected(body, txn, base, u, p);
    Response r = scim_answer(status, std::move(body));
    r.headers.push_back({"ETag", etag(u.version)});
    if (status == 201)
        r.headers.push_back({"Location", std::string(base) + "Users/" + format_guid(u.id)});
    return r;
}

// 409 when another user's userName is the same without case.
std::optional<Response> taken(const Txn &txn, const User &u) {
    for (const User &other : find_users_by_fold(txn, u.username))
        if (other.id != u.id)
            return error_response(409, "uniqueness",
                                  "userName \"" + u.username +
                                      "\" is taken (compared without case) by user " +
                                      format_guid(other.id));
    return std::nullopt;
}

// Writes `u` (changed from `old`, or new) unless its userName is taken.
Response store_user(Txn &txn, const Scope &at, User u, const User *old, const FromResource &extra,
                    const WriteInput &in) {
    if (auto t = taken(txn, u))
        return std::move(*t);
    if (extra.password)
        u.password_hash = in.hash(*extra.password);
    put_user(txn, u, old);
    return user_answer(old ? 200 : 201, txn, at.base_url, u, in.projection);
}

std::optional<User> user_by_param(const Txn &txn, const std::string &raw) {
    auto id = id_param(raw);
    if (!id)
        return std::nullopt;
    return find_user(txn, *id);
}

} // namespace

// GET Users
//
// A filter that is an index's look-up and nothing else (userName eq,
// externalId eq, id eq) without sortBy takes the users the index names as
// they are, with no resource built to test it, and writes them straight into
// the answer; so does a page without filter or sortBy, read in username
// order from the index. Any other filter or sortBy tests and sorts each
// user's resource (jansson).
Parsed users_list(const Request &req, const Params &, const Settings &settings) {
    ListQuery query;
    Response bad;
    if (!parse_list_query(req, user_schema(), query, bad))
        return bad;
    auto shared = std::make_shared<const ListQuery>(std::move(query));
    auto make = [shared, limits = settings.query_limits()](Txn &txn, const Scope &at) {
        const ListQuery *q = shared.get();
        const Describe &schema = user_schema();
        const Tables &t = txn.tables();
        std::string out;
        out.reserve(answer_bytes);
        // what the index finds is the answer: the filter is its look-up alone
        bool exact = q->filter && q->sort_by.empty() && q->hint.kind != IndexHint::None &&
                     q->filter->op == Op::Eq;
        if (exact && q->hint.kind == IndexHint::UserName) {
            // the ids from the index, then only the page's users read
            std::vector<std::string_view> &ids = fold_scratch().ids;
            users_by_fold(txn, q->hint.value, q->filter->value.folded, ids);
            size_t first = std::min(q->start - 1, ids.size());
            size_t items = std::min(q->count, ids.size() - first);
            list_begin(out, ids.size(), q->start, items);
            User &u = fold_scratch().user;
            for (size_t i = 0; i < items; ++i) {
                if (i)
                    out += ',';
                read_user(txn, ids[first + i], u);
                append_projected(out, txn, at.base_url, u, q->projection);
            }
            ids.clear();
            list_end(out);
            return scim_answer(200, std::move(out));
        }
        if (exact) {
            std::vector<User> found;
            if (q->hint.kind == IndexHint::ExternalId) {
                found = find_users_by_external_id(txn, q->hint.value);
            } else if (auto id = parse_guid(q->hint.value)) {
                // id is case exact: the index takes either case, the filter not
                if (auto u = find_user(txn, *id); u && format_guid(u->id) == q->hint.value)
                    found.push_back(std::move(*u));
            }
            size_t first = std::min(q->start - 1, found.size());
            size_t items = std::min(q->count, found.size() - first);
            list_begin(out, found.size(), q->start, items);
            for (size_t i = 0; i < items; ++i) {
                if (i)
                    out += ',';
                append_projected(out, txn, at.base_url, found[first + i], q->projection);
            }
            list_end(out);
            return scim_answer(200, std::move(out));
        }
        if (!q->filter && q->sort_by.empty()) {
            // a page in username order, read from the index alone up to it
            size_t total = txn.entries(t.users_by_name);
            std::vector<User> page;
            Cursor c(txn, t.users_by_name);
            size_t i = 1;
            for (bool ok = c.first(); ok && page.size() < q->count; ok = c.next(), ++i) {
                if (i < q->start)
                    continue;
                if (auto u = find_user(txn, c.value()))
                    page.push_back(std::move(*u));
            }
            list_begin(out, total, q->start, page.size());
            for (size_t k = 0; k < page.size(); ++k) {
                if (k)
                    out += ',';
                append_projected(out, txn, at.base_url, page[k], q->projection);
            }
            list_end(out);
            return scim_answer(200, std::move(out));
        }
        std::vector<Matched> matched;
        auto consider = [&](const User &u) {
            Json res(user_resource(txn, at.base_url, u));
            if (q->filter && !matches(*q->filter, res.get(), schema))
                return;
            matched.push_back({u.id, sort_key(res.get(), *q)});
        };
        if (q->hint.kind == IndexHint::UserName) {
            for (const User &u : find_users_by_fold(txn, q->hint.value))
                consider(u);
        } else if (q->hint.kind == IndexHint::ExternalId) {
            for (const User &u : find_users_by_external_id(txn, q->hint.value))
                consider(u);
        } else if (q->hint.kind == IndexHint::Id) {
            if (auto id = parse_guid(q->hint.value))
                if (auto u = find_user(txn, *id))
                    consider(*u);
        } else {
            size_t users = txn.entries(t.users);
            // a scan beyond a limit: 400 tooMany naming it, and what reads an index
            auto too_many = [](const std::string &why) {
                return error_response(400, "tooMany",
                                      "this filter or sortBy " + why +
                                          "; filter by userName eq or externalId eq, which read "
                                          "an index");
            };
            if (limits.max_read && users > limits.max_read)
                return too_many("reads every user (" + std::to_string(users) +
                                "), more than mytimetable_query_max_scan (" +
                                std::to_string(limits.max_read) + ")");
            ScanClock clock(limits);
            Cursor c(txn, t.users_by_name);
            for (bool ok = c.first(); ok; ok = c.next()) {
                if (clock.over())
                    return too_many("ran longer than " + std::to_string(limits.max_ms) +
                                    " ms (mytimetable_query_max_time " +
                                    std::to_string(limits.max_ms) + "ms)");
                if (auto u = find_user(txn, c.value()))
                    consider(*u);
            }
        }
        sort_matched(matched, *q);
        std::vector<User> page;
        for (size_t i = q->start - 1; i < matched.size() && page.size() < q->count; i++)
            if (auto u = find_user(txn, matched[i].id))
                page.push_back(std::move(*u));
        list_begin(out, matched.size(), q->start, page.size());
        for (size_t k = 0; k < page.size(); ++k) {
            if (k)
                out += ',';
            append_projected(out, txn, at.base_url, page[k], q->projection);
        }
        list_end(out);
        return scim_answer(200, std::move(out));
    };
    // what reads every user, or walks far into the username order, may be
    // made in the thread pool (see ReadAhead)
    if (shared->hint.kind != IndexHint::None)
        return then(std::move(make)); // what an index names: a few users
    auto is_long = [shared](const Txn &txn, uint64_t rows) {
        const ListQuery &q = *shared;
        if (!q.filter && q.sort_by.empty())
            return q.start > 16 * rows; // a walk of index entries
        return txn.entries(txn.tables().users) > rows;
    };
    auto ahead = std::make_shared<AnswerAhead>(std::move(make), std::move(is_long), settings, req);
    return then([ahead](Txn &txn, const Scope &at) { return ahead->answer(txn, at); }, ahead);
}

// POST Users
Parsed users_create(const Request &req, const Params &, const Settings &) {
    Json body;
    std::shared_ptr<WriteInput> in;
    Response bad;
    if (!write_input(req, body, in, bad))
        return bad;
    User u;
    FromResource extra;
    Error err;
    if (!user_from_resource(body.get(), u, extra, err))
        return error_response(err);
    if (extra.password)
        in->password = std::make_shared<PasswordToHash>(*extra.password);
    return then(
        [u, extra, in](Txn &txn, const Scope &at) {
            User created = u;
            created.id = new_user_id();
            return store_user(txn, at, std::move(created), nullptr, extra, *in);
        },
        in->password);
}

// GET Users/{id}
Parsed users_get(const Request &req, const Params &p, const Settings &) {
    std::string raw(p[0]);
    Projection projection;
    Response bad;
    if (!parse_projection(req, user_schema(), projection, bad))
        return bad;
    return then([raw, projection](Txn &txn, const Scope &at) {
        auto u = user_by_param(txn, raw);
        if (!u)
            return no_resource("User", raw);
        return user_answer(200, txn, at.base_url, *u, projection);
    });
}

// PUT Users/{id}: replaces what SCIM shows of the user.
Parsed users_replace(const Request &req, const Params &p, const Settings &) {
    std::string raw(p[0]);
    Json body;
    std::shared_ptr<WriteInput> in;
    Response bad;
    if (!write_input(req, body, in, bad))
        return bad;
    std::shared_ptr<const json_t> res(json_incref(body.get()), json_decref);
    // checked here too, so that a bad body is refused without the store
    User probe;
    FromResource extra;
    Error err;
    if (!user_from_resource(body.get(), probe, extra, err))
        return error_response(err);
    if (extra.password)
        in->password = std::make_shared<PasswordToHash>(*extra.password);
    return then(
        [raw, res, extra, in](Txn &txn, const Scope &at) {
            auto old = user_by_param(txn, raw);
            if (auto refused = refuse_write(old, "User", raw, in->if_match))
                return std::move(*refused);
            User u = *old;
            FromResource ignored;
            Error e;
            if (!user_from_resource(res.get(), u, ignored, e))
                return error_response(e);
            return store_user(txn, at, std::move(u), &*old, extra, *in);
        },
        in->password);
}

// PATCH Users/{id}: the operations applied to the user's resource, which is
// then stored as PUT stores it.
Parsed users_patch(const Request &req, const Params &p, const Settings &) {
    std::string raw(p[0]);
    Json body;
    std::shared_ptr<WriteInput> in;
    Response bad;
    if (!write_input(req, body, in, bad))
        return bad;
    std::shared_ptr<const json_t> ops(json_incref(body.get()), json_decref);
    return then([raw, ops, in](Txn &txn, const Scope &at) {
        auto old = user_by_param(txn, raw);
        if (auto refused = refuse_write(old, "User", raw, in->if_match))
            return std::move(*refused);
        Json res(user_resource(txn, at.base_url, *old));
        Error e;
        if (!apply_patch(res.get(), ops.get(), user_schema(), e))
            return error_response(e);
        User u = *old;
        FromResource extra;
        if (!user_from_resource(res.get(), u, extra, e))
            return error_response(e);
        return store_user(txn, at, std::move(u), &*old, extra, *in);
    });
}

// DELETE Users/{id}: as v0's DELETE, its synchronizations and events too.
Parsed users_delete(const Request &req, const Params &p, const Settings &) {
    std::string raw(p[0]), if_match(req.if_match);
    return then([raw, if_match](Txn &txn, const Scope &) {
        auto u = user_by_param(txn, raw);
        if (auto refused = refuse_write(u, "User", raw, if_match))
            return std::move(*refused);
        delete_user(txn, *u);
        return no_content();
    });
}

} // namespace mtt::scim
