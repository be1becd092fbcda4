#include "users.h++"

#include "codec.h++"
#include "indexkey.h++"
#include "syncs.h++"
#include "text.h++"

#include <pthread.h>
#include <sodium.h>

#include <algorithm>
#include <cstring>
#include <ctime>

namespace mtt {

namespace {

// 1: up to the roles. 2 (layout 4): then externalId, created, lastModified
// and the version. Both read; every write writes 2.
constexpr uint8_t record_version = 2;
constexpr uint8_t group_record_version = 1;

void write_u64(Writer &w, uint64_t v) {
    w.i64(static_cast<int64_t>(v));
}
bool read_u64(Reader &r, uint64_t &v) {
    int64_t i;
    if (!r.i64(i))
        return false;
    v = static_cast<uint64_t>(i);
    return true;
}

void write_attributes(Writer &w, const std::optional<std::vector<Attribute>> &attrs) {
    w.u8(attrs ? 1 : 0);
    if (!attrs)
        return;
    w.u32(static_cast<uint32_t>(attrs->size()));
    for (const auto &a : *attrs) {
        w.str(a.name);
        w.u32(static_cast<uint32_t>(a.values.size()));
        for (const auto &v : a.values)
            w.str(v);
    }
}

bool read_list(Reader &r, std::vector<std::string> &out) {
    uint32_t n;
    if (!r.u32(n))
        return false;
    out.clear();
    for (uint32_t i = 0; i < n; ++i) {
        std::string s;
        if (!r.str(s))
            return false;
        out.push_back(std::move(s));
    }
    return true;
}

bool read_attributes(Reader &r, std::optional<std::vector<Attribute>> &attrs) {
    uint8_t present;
    if (!r.u8(present) || present > 1)
        return false;
    attrs.reset();
    if (!present)
        return true;
    uint32_t n;
    if (!r.u32(n))
        return false;
    attrs.emplace();
    for (uint32_t i = 0; i < n; ++i) {
        Attribute a;
        if (!r.str(a.name) || !read_list(r, a.values))
            return false;
        attrs->push_back(std::move(a));
    }
    return true;
}

User decode_or_throw(std::string_view record) {
    User u;
    if (!decode_user(record, u))
        throw StoreError("a user record in the store is malformed", MDB_CORRUPTED);
    return u;
}

} // namespace

std::string encode_user(const User &u) {
    Writer w;
    w.u8(record_version);
    w.str(u.id);
    w.str(u.username);
    w.opt_str(u.email);
    w.opt_str(u.first_name);
    w.opt_str(u.last_name);
    w.opt_str(u.phone);
    w.opt_i64(u.last_login);
    w.u8(u.enabled);
    w.u8(u.external);
    w.str(u.password_hash);
    w.opt_str(u.display_name);
    w.opt_str(u.locale);
    write_attributes(w, u.attributes);
    w.u32(static_cast<uint32_t>(u.roles.size()));
    for (const auto &role : u.roles)
        w.str(role);
    w.opt_str(u.external_id);
    w.opt_i64(u.created);
    w.opt_i64(u.last_modified);
    write_u64(w, u.version);
    return w.data();
}

bool view_user(std::string_view record, UserView &v) {
    Reader r(record);
    uint8_t version, enabled, external;
    if (!r.u8(version) || version < 1 || version > record_version)
        return false;
    if (!r.view(v.id) || v.id.size() != 16 || !r.view(v.username))
        return false;
    if (!r.opt_view(v.email) || !r.opt_view(v.first_name) || !r.opt_view(v.last_name) ||
        !r.opt_view(v.phone) || !r.opt_i64(v.last_login))
        return false;
    if (!r.u8(enabled) || enabled > 1 || !r.u8(external) || external > 1)
        return false;
    v.enabled = enabled;
    v.external = external;
    return true;
}

bool decode_user(std::string_view record, User &u) {
    Reader r(record);
    uint8_t version, enabled, external;
    if (!r.u8(version) || version < 1 || version > record_version)
        return false;
    if (!r.str(u.id) || u.id.size() != 16 || !r.str(u.username))
        return false;
    if (!r.opt_str(u.email) || !r.opt_str(u.first_name) || !r.opt_str(u.last_name) ||
        !r.opt_str(u.phone) || !r.opt_i64(u.last_login))
        return false;
    if (!r.u8(enabled) || enabled > 1 || !r.u8(external) || external > 1)
        return false;
    u.enabled = enabled;
    u.external = external;
    if (!r.str(u.password_hash) || !r.opt_str(u.display_name) || !r.opt_str(u.locale))
        return false;
    if (!read_attributes(r, u.attributes) || !read_list(r, u.roles))
        return false;
    u.external_id.reset();
    u.created.reset();
    u.last_modified.reset();
    u.version = 0;
    if (version >= 2 && (!r.opt_str(u.external_id) || !r.opt_i64(u.created) ||
                         !r.opt_i64(u.last_modified) || !read_u64(r, u.version)))
        return false;
    return r.done();
}

std::string encode_group(const Group &g) {
    Writer w;
    w.u8(group_record_version);
    w.str(g.id);
    w.str(g.name);
    w.opt_str(g.external_id);
    w.opt_i64(g.created);
    w.opt_i64(g.last_modified);
    write_u64(w, g.version);
    return w.data();
}

bool decode_group(std::string_view record, Group &g) {
    Reader r(record);
    uint8_t version;
    if (!r.u8(version) || version != group_record_version)
        return false;
    return r.str(g.id) && g.id.size() == 16 && r.str(g.name) && r.opt_str(g.external_id) &&
           r.opt_i64(g.created) && r.opt_i64(g.last_modified) && read_u64(r, g.version) && r.done();
}

namespace {

// Random bytes for ids, drawn from libsodium (getrandom) 512 at a time
// rather than one system call per id. A child process forgets what its
// parent drew, so two workers never hand out the same bytes. One per thread
// (a batch may run in a thread of nginx's pool).
struct RandomPool {
    unsigned char bytes[512];
    size_t used = sizeof bytes;
};
thread_local RandomPool random_pool;

void forget_random_pool() {
    random_pool.used = sizeof random_pool.bytes;
}

void random_bytes(char *out, size_t n) {
    static bool registered = pthread_atfork(nullptr, nullptr, forget_random_pool) == 0;
    if (!registered) { // without the fork hook, draw every time
        randombytes_buf(out, n);
        return;
    }
    if (sizeof random_pool.bytes - random_pool.used < n) {
        randombytes_buf(random_pool.bytes, sizeof random_pool.bytes);
        random_pool.used = 0;
    }
    std::memcpy(out, random_pool.bytes + random_pool.used, n);
    sodium_memzero(random_pool.bytes + random_pool.used, n);
    random_pool.used += n;
}

} // namespace

std::string new_user_id() {
    std::string id(16, '\0');
    random_bytes(id.data(), id.size());
    id[6] = static_cast<char>((id[6] & 0x0F) | 0x40); // version 4
    id[8] = static_cast<char>((id[8] & 0x3F) | 0x80); // RFC 4122 variant
    return id;
}

std::string format_guid(std::string_view raw) {
    static const char digits[] = "0123456789abcdef";
    std::string s;
    s.reserve(36);
    for (size_t i = 0; i < raw.size(); ++i) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            s.push_back('-');
        auto c = static_cast<unsigned char>(raw[i]);
        s.push_back(digits[c >> 4]);
        s.push_back(digits[c & 0x0F]);
    }
    return s;
}

std::optional<std::string> parse_guid(std::string_view text) {
    if (text.size() != 36)
        return std::nullopt;
    std::string raw;
    int nibble = -1;
    for (size_t i = 0; i < text.size(); ++i) {
        char c = text[i];
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (c != '-')
                return std::nullopt;
            continue;
        }
        int v = c >= '0' && c <= '9'   ? c - '0'
                : c >= 'a' && c <= 'f' ? c - 'a' + 10
                : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                       : -1;
        if (v < 0)
            return std::nullopt;
        if (nibble < 0) {
            nibble = v;
        } else {
            raw.push_back(static_cast<char>(nibble * 16 + v));
            nibble = -1;
        }
    }
    return raw;
}

std::optional<std::string> username_problem(std::string_view name) {
    if (name.empty())
        return "the username is empty";
    if (name.size() > max_username_bytes)
        return "the username is longer than " + std::to_string(max_username_bytes) + " bytes";
    if (!valid_utf8(name))
        return "the username is not valid UTF-8";
    if (has_control(name))
        return "the username contains a control character";
    if (name.find('/') != std::string_view::npos)
        return "the username contains a '/'";
    if (name == "." || name == "..")
        return "the username is '.' or '..', which no URL can carry";
    return std::nullopt;
}

std::optional<User> find_user(const Txn &txn, std::string_view id) {
    auto record = txn.get(txn.tables().users, id);
    if (!record)
        return std::nullopt;
    return decode_or_throw(*record);
}

std::optional<User> find_user_by_name(const Txn &txn, std::string_view username) {
    if (username.empty() || username.size() > max_username_bytes)
        return std::nullopt;
    auto id = txn.get(txn.tables().users_by_name, username);
    if (!id)
        return std::nullopt;
    auto u = find_user(txn, *id);
    if (!u)
        throw StoreError("the username index names a missing user", MDB_CORRUPTED);
    return u;
}

namespace {

struct SecondaryIndex {
    MDB_dbi Tables::*dbi;
    std::optional<std::string> User::*field;
};
constexpr SecondaryIndex secondary_indexes[] = {
    {&Tables::users_by_email, &User::email},
    {&Tables::users_by_first, &User::first_name},
    {&Tables::users_by_last, &User::last_name},
};

std::string secondary_key(const User &u, const SecondaryIndex &ix) {
    const auto &v = u.*ix.field;
    return index_key(v ? std::optional<std::string_view>(*v) : std::nullopt, u.username);
}

} // namespace

namespace {

int64_t system_clock() {
    return static_cast<int64_t>(std::time(nullptr));
}
UserClock user_clock = system_clock;

std::string fold_key(std::string_view username) {
    std::string k = fold_username(username);
    k.push_back('\0');
    k.append(username);
    return k;
}

std::string id_suffixed(std::string_view value, std::string_view id) {
    std::string k(value);
    k.push_back('\0');
    k.append(id);
    return k;
}

std::string group_decode_failure() {
    return "a group record in the store is malformed";
}

Group group_or_throw(std::string_view record) {
    Group g;
    if (!decode_group(record, g))
        throw StoreError(group_decode_failure(), MDB_CORRUPTED);
    return g;
}

// A role's group record changes with its members: its version and
// lastModified follow them (the group's ETag). A role given to a user gets a
// record when it has none (`added`); one taken away gets none.
void touch_group(Txn &txn, std::string_view role, bool added) {
    auto g = find_group_by_name(txn, role);
    if (!g) {
        if (added)
            new_group(txn, role);
        return;
    }
    Group changed = *g;
    put_group(txn, changed, &*g);
}

// The entries of the layout-4 indexes of `u`, added or (del) removed.
void layout4_entries(Txn &txn, const User &u, bool del) {
    const Tables &t = txn.tables();
    auto put = [&](MDB_dbi dbi, const std::string &key) {
        if (del)
            txn.del(dbi, key);
        else
            txn.put(dbi, key, u.id);
    };
    put(t.users_by_name_fold, fold_key(u.username));
    if (u.external_id)
        put(t.users_by_external_id, id_suffixed(*u.external_id, u.id));
    for (const auto &role : u.roles)
        put(t.users_by_role, id_suffixed(role, u.id));
}

bool holds(const std::vector<std::string> &roles, const std::string &role) {
    return std::find(roles.begin(), roles.end(), role) != roles.end();
}

} // namespace

void set_user_clock(UserClock clock) {
    user_clock = clock ? clock : system_clock;
}
int64_t user_clock_now() {
    return user_clock();
}

std::string fold_username(std::string_view username) {
    std::string f = case_fold(username);
    if (f.size() <= max_fold_bytes)
        return f;
    f.resize(utf8_boundary(f, max_fold_bytes)); // not inside a code point
    return f;
}

std::vector<User> find_users_by_fold(const Txn &txn, std::string_view username) {
    std::vector<User> out;
    if (username.empty() || username.size() > max_username_bytes)
        return out;
    std::string prefix = fold_username(username);
    std::string whole = case_fold(username);
    prefix.push_back('\0');
    Cursor c(txn, txn.tables().users_by_name_fold);
    for (bool ok = c.seek(prefix); ok && c.has_prefix(prefix); ok = c.next()) {
        std::string_view name = c.key().substr(prefix.size());
        if (case_fold(name) != whole)
            continue; // a long name whose cut fold is the same
        auto u = find_user(txn, c.value());
        if (!u)
            throw StoreError("the username fold index names a missing user", MDB_CORRUPTED);
        out.push_back(std::move(*u));
    }
    return out;
}

std::vector<User> find_users_by_external_id(const Txn &txn, std::string_view external_id) {
    std::vector<User> out;
    if (external_id.empty() || external_id.size() > max_external_id_bytes)
        return out;
    std::string prefix(external_id);
    prefix.push_back('\0');
    Cursor c(txn, txn.tables().users_by_external_id);
    for (bool ok = c.seek(prefix); ok && c.has_prefix(prefix); ok = c.next()) {
        if (c.key().size() != prefix.size() + 16)
            continue; // an externalId that holds this one and a NUL: none is stored so
        auto u = find_user(txn, c.value());
        if (!u)
            throw StoreError("the externalId index names a missing user", MDB_CORRUPTED);
        out.push_back(std::move(*u));
    }
    return out;
}

void put_user(Txn &txn, User &u, const User *previous) {
    const Tables &t = txn.tables();
    int64_t now = user_clock();
    u.last_modified = now;
    if (!previous)
        u.created = now;
    else if (!u.created)
        u.created = previous->created;
    u.version = (previous ? previous->version : 0) + 1;
    if (previous && previous->username != u.username)
        txn.del(t.users_by_name, previous->username);
    if (!previous || previous->username != u.username)
        txn.put(t.users_by_name, u.username, u.id);
    for (const SecondaryIndex &ix : secondary_indexes) {
        std::string key = secondary_key(u, ix);
        if (previous) {
            std::string old = secondary_key(*previous, ix);
            if (old == key)
                continue;
            txn.del(t.*ix.dbi, old);
        }
        txn.put(t.*ix.dbi, key, u.id);
    }
    if (previous)
        layout4_entries(txn, *previous, true);
    layout4_entries(txn, u, false);
    for (const auto &role : u.roles)
        if (!previous || !holds(previous->roles, role))
            touch_group(txn, role, true);
    if (previous)
        for (const auto &role : previous->roles)
            if (!holds(u.roles, role))
                touch_group(txn, role, false);
    txn.put(t.users, u.id, encode_user(u));
}

void delete_user(Txn &txn, const User &u) {
    delete_user_synchronizations(txn, u.id);
    delete_user_events(txn, u.id);
    const Tables &t = txn.tables();
    txn.del(t.users_by_name, u.username);
    for (const SecondaryIndex &ix : secondary_indexes)
        txn.del(t.*ix.dbi, secondary_key(u, ix));
    layout4_entries(txn, u, true);
    for (const auto &role : u.roles)
        touch_group(txn, role, false);
    txn.del(t.users, u.id);
}

// ---------------------------------------------------------------- groups

std::optional<Group> find_group(const Txn &txn, std::string_view id) {
    auto record = txn.get(txn.tables().groups, id);
    if (!record)
        return std::nullopt;
    return group_or_throw(*record);
}

std::optional<Group> find_group_by_name(const Txn &txn, std::string_view name) {
    if (name.empty() || name.size() > 511)
        return std::nullopt;
    auto id = txn.get(txn.tables().groups_by_name, name);
    if (!id)
        return std::nullopt;
    auto g = find_group(txn, *id);
    if (!g)
        throw StoreError("the group name index names a missing group", MDB_CORRUPTED);
    return g;
}

void put_group(Txn &txn, Group &g, const Group *previous) {
    const Tables &t = txn.tables();
    int64_t now = user_clock();
    g.last_modified = now;
    if (!previous)
        g.created = now;
    g.version = (previous ? previous->version : 0) + 1;
    if (previous && previous->name != g.name)
        txn.del(t.groups_by_name, previous->name);
    if (!previous || previous->name != g.name)
        txn.put(t.groups_by_name, g.name, g.id);
    txn.put(t.groups, g.id, encode_group(g));
}

Group new_group(Txn &txn, std::string_view name) {
    Group g;
    g.id = new_user_id();
    g.name = std::string(name);
    put_group(txn, g, nullptr);
    return g;
}

void delete_group_record(Txn &txn, const Group &g) {
    txn.del(txn.tables().groups_by_name, g.name);
    txn.del(txn.tables().groups, g.id);
}

std::vector<std::string> role_members(const Txn &txn, std::string_view role) {
    std::vector<std::string> ids;
    std::string prefix(role);
    prefix.push_back('\0');
    Cursor c(txn, txn.tables().users_by_role);
    for (bool ok = c.seek(prefix); ok && c.has_prefix(prefix); ok = c.next())
        if (c.key().size() == prefix.size() + 16)
            ids.emplace_back(c.value());
    return ids;
}

// Layouts 1 and 2 have no secondary indexes, layout 3 none of layout 4's:
// they are built from the users (whose records stay of the version they
// are until they are written again).
uint64_t upgrade_store(Txn &txn, uint32_t from) {
    if (from >= 4)
        return 0;
    const Tables &t = txn.tables();
    uint64_t n = 0;
    Cursor c(txn, t.users);
    for (bool ok = c.first(); ok; ok = c.next()) {
        User u = decode_or_throw(c.value());
        if (from < 3)
            for (const SecondaryIndex &ix : secondary_indexes)
                txn.put(t.*ix.dbi, secondary_key(u, ix), u.id);
        layout4_entries(txn, u, false);
        for (const auto &role : u.roles)
            if (!find_group_by_name(txn, role))
                new_group(txn, role);
        ++n;
    }
    return n;
}

bool ensure_user(Txn &txn, std::string_view username) {
    if (txn.get(txn.tables().users_by_name, username))
        return false;
    User u;
    u.id = new_user_id();
    u.username = std::string(username);
    put_user(txn, u, nullptr);
    return true;
}

} // namespace mtt
