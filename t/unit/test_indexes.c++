// The secondary user indexes: key order, upkeep by put_user/delete_user, and
// the upgrade of a store of layout 2 (t/fixtures/store-v2) that builds them.
#include <algorithm>
#include <fstream> // before check.h, whose fail() macro it would meet
#include <map>
#include <random>

#include "indexkey.h++"
#include "store.h++"
#include "unit.h++"
#include "users.h++"

#include <sodium.h>

using namespace mtt;

namespace {

struct Entry {
    std::optional<std::string> value;
    std::string username;
};

// The order of $orderby on the field, ties by username.
bool before(const Entry &a, const Entry &b) {
    if (a.value.has_value() != b.value.has_value())
        return !a.value;
    if (a.value && *a.value != *b.value)
        return *a.value < *b.value;
    return a.username < b.username;
}

std::string random_text(std::mt19937 &rng, size_t max) {
    static const char alphabet[] = {'\0', '\x01', 'a', 'b', '\xFF', 'z', '\x7F', '\xC3'};
    std::string s(rng() % (max + 1), ' ');
    for (char &c : s)
        c = alphabet[rng() % sizeof alphabet];
    return s;
}

std::map<std::string, std::string> table(const Txn &txn, MDB_dbi dbi) {
    std::map<std::string, std::string> out;
    Cursor c(txn, dbi);
    for (bool ok = c.first(); ok; ok = c.next())
        out.emplace(std::string(c.key()), std::string(c.value()));
    return out;
}

// What the three indexes must hold, computed from the users table.
std::map<std::string, std::string> expected(const Txn &txn, std::optional<std::string> User::*f) {
    std::map<std::string, std::string> out;
    Cursor c(txn, txn.tables().users);
    for (bool ok = c.first(); ok; ok = c.next()) {
        User u;
        ck_assert(decode_user(c.value(), u));
        const auto &v = u.*f;
        out.emplace(index_key(v ? std::optional<std::string_view>(*v) : std::nullopt, u.username),
                    u.id);
    }
    return out;
}

void check_indexes(const Env &env) {
    Txn txn(env, Txn::Read);
    ck_assert(table(txn, env.tables().users_by_email) == expected(txn, &User::email));
    ck_assert(table(txn, env.tables().users_by_first) == expected(txn, &User::first_name));
    ck_assert(table(txn, env.tables().users_by_last) == expected(txn, &User::last_name));
}

} // namespace

// Keys sort as the values do (null first, bytes, a prefix first), ties by
// username; values with NUL bytes and long (cut) values included.
START_TEST(key_order_is_the_orderby_order) {
    std::mt19937 rng(7);
    for (int round = 0; round < 200; ++round) {
        std::vector<Entry> entries;
        for (int i = 0; i < 40; ++i) {
            Entry e;
            if (rng() % 8)
                e.value = rng() % 10 == 0 ? std::string(250, 'q') + random_text(rng, 8)
                                          : random_text(rng, 6);
            e.username = "u" + random_text(rng, 4);
            entries.push_back(std::move(e));
        }
        for (const Entry &a : entries)
            for (const Entry &b : entries) {
                auto key = [](const Entry &e) {
                    return index_key(e.value ? std::optional<std::string_view>(*e.value)
                                             : std::nullopt,
                                     e.username);
                };
                std::string ka = key(a), kb = key(b);
                ck_assert_uint_le(ka.size(), 1 + max_index_value_bytes + 2 + a.username.size());
                bool both_cut =
                    a.value && b.value && a.value->size() > 240 && b.value->size() > 240;
                if (both_cut)
                    continue; // ordered by username among themselves: the reader sorts them
                if (before(a, b))
                    ck_assert_msg(ka < kb, "key order differs (round %d)", round);
                IndexEntry ea;
                ck_assert(split_index_key(ka, ea));
                ck_assert(ea.null == !a.value);
                ck_assert_string_eq(std::string(ea.username), a.username);
                std::string scratch;
                if (a.value && !ea.cut)
                    ck_assert(unescape(ea.escaped, scratch) == *a.value);
                if (a.value) {
                    // eq and startswith find the key by its prefix
                    ck_assert(ka.compare(0, index_value_key(*a.value).size(),
                                         index_value_key(*a.value)) == 0);
                    for (size_t n = 0; n <= a.value->size(); ++n)
                        ck_assert(ka.compare(0, index_value_prefix(a.value->substr(0, n)).size(),
                                             index_value_prefix(a.value->substr(0, n))) == 0);
                }
            }
    }
}
END_TEST

// Creating, renaming, changing and deleting users keeps every index exactly
// what the users table says, in the writes' own transactions.
START_TEST(indexes_follow_the_users) {
    TempDir dir;
    Env env(store_options(dir));
    std::mt19937 rng(3);
    std::vector<std::string> ids;
    for (int step = 0; step < 400; ++step) {
        Txn txn(env, Txn::Write);
        int what = rng() % 4;
        if (what == 0 || ids.empty()) {
            User u;
            u.id = new_user_id();
            u.username = "user" + std::to_string(step);
            if (rng() % 3)
                u.email = "e" + std::to_string(rng() % 20) + "@example.org";
            if (rng() % 3)
                u.first_name = "F" + std::to_string(rng() % 5);
            if (rng() % 3)
                u.last_name = rng() % 9 ? "L" + std::to_string(rng() % 5) : std::string(256, 'x');
            put_user(txn, u, nullptr);
            ids.push_back(u.id);
        } else {
            size_t i = rng() % ids.size();
            auto old = find_user(txn, ids[i]);
            ck_assert(old.has_value());
            if (what == 3) {
                delete_user(txn, *old);
                ids.erase(ids.begin() + static_cast<long>(i));
            } else {
                User u = *old;
                if (rng() % 2)
                    u.username = "renamed" + std::to_string(step);
                if (rng() % 2)
                    u.email.reset();
                else
                    u.email = "n" + std::to_string(rng() % 20) + "@example.org";
                if (rng() % 2)
                    u.last_name = "L" + std::to_string(rng() % 5);
                put_user(txn, u, &*old);
            }
        }
        txn.commit();
        if (step % 50 == 0)
            check_indexes(env);
    }
    check_indexes(env);
}
END_TEST

// A store made by the release before the indexes (layout 2) opens: the
// indexes are built in the transaction that marks it as of layout 3, which
// Env::upgrade() reports, and its users are found through them.
START_TEST(upgrades_a_layout_2_store) {
    TempDir dir;
    {
        std::ifstream in("t/fixtures/store-v2/data.mdb", std::ios::binary);
        ck_assert_msg(in.good(), "t/fixtures/store-v2/data.mdb is missing");
        std::ofstream out(dir.path() + "/data.mdb", std::ios::binary);
        out << in.rdbuf();
    }
    {
        Env env(store_options(dir));
        ck_assert_uint_eq(env.upgrade().from, 2);
        ck_assert_uint_eq(env.upgrade().users, 40);
        Txn txn(env, Txn::Read);
        ck_assert_uint_eq(from_be64(*txn.get(env.tables().meta, "schema")), 4);
        ck_assert_uint_eq(txn.entries(env.tables().users_by_email), 40);
        ck_assert_uint_eq(txn.entries(env.tables().users_by_first), 40);
        ck_assert_uint_eq(txn.entries(env.tables().users_by_last), 40);
        auto u7 = find_user_by_name(txn, "u7");
        ck_assert(u7.has_value());
        auto id = txn.get(env.tables().users_by_last, index_key(std::string_view("Last7"), "u7"));
        ck_assert(id && *id == u7->id);
        txn.abort();
        check_indexes(env);
    }
    // opened again: nothing more to do
    Env env(store_options(dir));
    ck_assert_uint_eq(env.upgrade().from, 0);
    check_indexes(env);
}
END_TEST

// A store of layout 3 (the release before SCIM) opens: the fold, externalId
// and role indexes and the group records are built in the transaction that
// marks it as of layout 4; its records stay of version 1 until written.
START_TEST(upgrades_a_layout_3_store) {
    TempDir dir;
    {
        std::ifstream in("t/fixtures/store-v3/data.mdb", std::ios::binary);
        ck_assert_msg(in.good(), "t/fixtures/store-v3/data.mdb is missing");
        std::ofstream out(dir.path() + "/data.mdb", std::ios::binary);
        out << in.rdbuf();
    }
    {
        Env env(store_options(dir));
        ck_assert_uint_eq(env.upgrade().from, 3);
        ck_assert_uint_eq(env.upgrade().users, 41);
        Txn txn(env, Txn::Write);
        ck_assert_uint_eq(from_be64(*txn.get(env.tables().meta, "schema")), 4);
        ck_assert_uint_eq(txn.entries(env.tables().users_by_name_fold), 41);
        ck_assert_uint_eq(txn.entries(env.tables().users_by_external_id), 0);
        ck_assert_uint_eq(txn.entries(env.tables().users_by_role), 40);
        ck_assert_uint_eq(txn.entries(env.tables().groups), 2);
        ck_assert_uint_eq(txn.entries(env.tables().groups_by_name), 2);
        // u7 and U7 differ only by case: the fold holds both
        auto pair = find_users_by_fold(txn, "u7");
        ck_assert_uint_eq(pair.size(), 2);
        ck_assert_str_eq(pair[0].username.c_str(), "U7");
        ck_assert_str_eq(pair[1].username.c_str(), "u7");
        ck_assert(!pair[1].created && pair[1].version == 0); // a version-1 record
        ck_assert_uint_eq(role_members(txn, "staff").size(), 4);
        ck_assert_uint_eq(role_members(txn, "student").size(), 36);
        auto staff = find_group_by_name(txn, "staff");
        ck_assert(staff && find_group(txn, staff->id)->name == "staff");
        // written again, a user gets lastModified and a version; when it
        // was created is not known
        User u7 = pair[1];
        User changed = u7;
        put_user(txn, changed, &u7);
        ck_assert(!changed.created && changed.last_modified && changed.version == 1);
        txn.commit();
        check_indexes(env);
    }
    Env env(store_options(dir));
    ck_assert_uint_eq(env.upgrade().from, 0);
}
END_TEST

// A new store is of the current layout at once, with nothing to upgrade.
START_TEST(a_new_store_needs_no_upgrade) {
    TempDir dir;
    Env env(store_options(dir));
    ck_assert_uint_eq(env.upgrade().from, 0);
    Txn txn(env, Txn::Read);
    ck_assert_uint_eq(from_be64(*txn.get(env.tables().meta, "schema")), Env::schema_version);
}
END_TEST

int main() {
    if (sodium_init() < 0)
        return 1;
    Suite *s = suite_create("indexes");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, key_order_is_the_orderby_order);
    tcase_add_test(tc, indexes_follow_the_users);
    tcase_add_test(tc, upgrades_a_layout_2_store);
    tcase_add_test(tc, upgrades_a_layout_3_store);
    tcase_add_test(tc, a_new_store_needs_no_upgrade);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
