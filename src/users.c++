#include "users.h++"

#include "codec.h++"
#include "indexkey.h++"
#include "syncs.h++"
#include "text.h++"

#include <pthread.h>
#include <sodium.h>

#include <cstring>

namespace mtt {

namespace {

constexpr uint8_t record_version = 1;

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
    return w.data();
}

bool view_user(std::string_view record, UserView &v) {
    Reader r(record);
    uint8_t version, enabled, external;
    if (!r.u8(version) || version != record_version)
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
    if (!r.u8(version) || version != record_version)
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
    return read_attributes(r, u.attributes) && read_list(r, u.roles) && r.done();
}

namespace {

// Random bytes for ids, drawn from libsodium (getrandom) 512 at a time
// rather than one system call per id. A child process forgets what its
// parent drew, so two workers never hand out the same bytes. One thread.
struct RandomPool {
    unsigned char bytes[512];
    size_t used = sizeof bytes;
};
RandomPool random_pool;

void forget_random_pool() { random_pool.used = sizeof random_pool.bytes; }

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

void put_user(Txn &txn, const User &u, const User *previous) {
    const Tables &t = txn.tables();
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
    txn.put(t.users, u.id, encode_user(u));
}

void delete_user(Txn &txn, const User &u) {
    delete_user_synchronizations(txn, u.id);
    delete_user_events(txn, u.id);
    const Tables &t = txn.tables();
    txn.del(t.users_by_name, u.username);
    for (const SecondaryIndex &ix : secondary_indexes)
        txn.del(t.*ix.dbi, secondary_key(u, ix));
    txn.del(t.users, u.id);
}

// Layouts 1 and 2 have no secondary indexes: they are built from the users.
uint64_t upgrade_store(Txn &txn, uint32_t from) {
    if (from >= 3)
        return 0;
    const Tables &t = txn.tables();
    uint64_t n = 0;
    Cursor c(txn, t.users);
    for (bool ok = c.first(); ok; ok = c.next()) {
        User u = decode_or_throw(c.value());
        for (const SecondaryIndex &ix : secondary_indexes)
            txn.put(t.*ix.dbi, secondary_key(u, ix), u.id);
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
