// bench/load: fills a store with users (with profiles), synchronizations and
// events, fast, through the module's own store code (src/). It writes straight
// into the LMDB environment, offline: no nginx is involved, and none may be
// writing to the store while it runs.
//
//   build/bench/load --store DIR --users N [--syncs-per-user S] [--events-per-sync E]
//   build/bench/load --store DIR --users 0 --dump FILE
//
// User i (0 <= i < N) is named "u<i>" (so "u50000" exists when N > 50000), with
// the e-mail "u<i>@example.org" and a full profile; see --help.
#include "store.h++"
#include "syncs.h++"
#include "users.h++"

#include <sodium.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

namespace {

const char usage[] =
    "usage: load --store DIR --users N [options]\n"
    "\n"
    "Fills an ngx_mytimetable store with N users, their synchronizations and their\n"
    "events. It writes straight into the LMDB store, offline, through the module's\n"
    "own store code: stop every nginx that uses the store first. Users that are\n"
    "already there (same username) are left alone.\n"
    "\n"
    "User i (0 <= i < N) is \"u<i>\": Email u<i>@example.org, FirstName First<i>,\n"
    "LastName Last<i>, Phone, displayName, locale, one attribute and one role; every\n"
    "tenth user is external. Each user gets S synchronizations (o365 with the\n"
    "mailbox u<i>@example.org, then ews, then googlecalendar) and each\n"
    "synchronization E events of the default instance.\n"
    "\n"
    "options:\n"
    "  --store DIR            the LMDB environment directory (created if missing)\n"
    "  --users N              how many users (required)\n"
    "  --first I              number the users from I (default 0)\n"
    "  --syncs-per-user S     0 to 3 (default 1)\n"
    "  --events-per-sync E    (default 2)\n"
    "  --map-size BYTES       LMDB map size, as mytimetable_store_size (default 1073741824)\n"
    "  --batch B              users per write transaction (default 10000)\n"
    "  --dump FILE            then write every user of the store to FILE, one a line in\n"
    "                         UserName order, for another service to load the same users:\n"
    "                         Id, UserName, Email, FirstName, LastName, Phone, LastLogIn\n"
    "                         (seconds), Enabled, IsExternal (0/1), roles (comma-separated),\n"
    "                         separated by tabs, \\N for null\n"
    "  --quiet                print nothing on success\n"
    "  --help                 this text\n"
    "\n"
    "Transactions are not synced one by one; the store is synced once at the end.\n";

[[noreturn]] void fail(const std::string &why) {
    std::fprintf(stderr, "load: %s\n(load --help for the options)\n", why.c_str());
    std::exit(2);
}

unsigned long long number(const char *opt, const char *v) {
    if (!v)
        fail(std::string(opt) + " needs a value");
    char *end = nullptr;
    errno = 0;
    unsigned long long n = std::strtoull(v, &end, 10);
    if (errno || end == v || *end || v[0] == '-')
        fail(std::string(opt) + ": not a non-negative integer: " + v);
    return n;
}

const char *const sync_types[] = {"o365", "ews", "googlecalendar"};

mtt::User make_user(unsigned long long i) {
    std::string n = std::to_string(i);
    mtt::User u;
    u.id = mtt::new_user_id();
    u.username = "u" + n;
    u.email = "u" + n + "@example.org";
    u.first_name = "First" + n;
    u.last_name = "Last" + n;
    char phone[32];
    std::snprintf(phone, sizeof phone, "+31 20 %03llu %04llu", (i / 10000) % 1000, i % 10000);
    u.phone = phone;
    if (i % 3 == 0)
        u.last_login = 1700000000 + static_cast<int64_t>(i);
    u.enabled = i % 50 != 0;
    u.external = i % 10 == 0;
    u.display_name = "User " + n;
    u.locale = i % 2 ? "nl-NL" : "en-GB";
    u.attributes = std::vector<mtt::Attribute>{{"department", {"dept" + std::to_string(i % 40)}}};
    u.roles = {i % 10 == 0 ? "staff" : "student"};
    return u;
}

// One line per user, in UserName order (see --dump in the usage).
bool dump_users(const mtt::Env &env, const std::string &file) {
    FILE *out = std::fopen(file.c_str(), "w");
    if (!out)
        return false;
    auto opt = [](const std::optional<std::string> &s) { return s ? *s : std::string("\\N"); };
    mtt::Txn txn(env, mtt::Txn::Read);
    mtt::Cursor c(txn, txn.tables().users_by_name);
    for (bool ok = c.first(); ok; ok = c.next()) {
        auto u = mtt::find_user(txn, c.value());
        if (!u)
            continue;
        std::string roles;
        for (const auto &r : u->roles)
            roles += (roles.empty() ? "" : ",") + r;
        std::fprintf(out, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%d\t%d\t%s\n",
                     mtt::format_guid(u->id).c_str(), u->username.c_str(), opt(u->email).c_str(),
                     opt(u->first_name).c_str(), opt(u->last_name).c_str(), opt(u->phone).c_str(),
                     u->last_login ? std::to_string(*u->last_login).c_str() : "\\N",
                     u->enabled ? 1 : 0, u->external ? 1 : 0, roles.c_str());
    }
    return std::fclose(out) == 0;
}

} // namespace

int main(int argc, char **argv) {
    std::string store, dump;
    unsigned long long users = 0, first = 0, syncs_per_user = 1, events_per_sync = 2;
    unsigned long long map_size = 1ull << 30, batch = 10000;
    bool have_users = false, quiet = false;
    for (int a = 1; a < argc; ++a) {
        const char *opt = argv[a];
        const char *val = a + 1 < argc ? argv[a + 1] : nullptr;
        if (!std::strcmp(opt, "--help") || !std::strcmp(opt, "-h")) {
            std::fputs(usage, stdout);
            return 0;
        } else if (!std::strcmp(opt, "--quiet")) {
            quiet = true;
            continue;
        } else if (!std::strcmp(opt, "--store")) {
            if (!val)
                fail("--store needs a value");
            store = val;
        } else if (!std::strcmp(opt, "--users")) {
            users = number(opt, val);
            have_users = true;
        } else if (!std::strcmp(opt, "--first")) {
            first = number(opt, val);
        } else if (!std::strcmp(opt, "--syncs-per-user")) {
            syncs_per_user = number(opt, val);
        } else if (!std::strcmp(opt, "--events-per-sync")) {
            events_per_sync = number(opt, val);
        } else if (!std::strcmp(opt, "--map-size")) {
            map_size = number(opt, val);
        } else if (!std::strcmp(opt, "--dump")) {
            if (!val)
                fail("--dump needs a value");
            dump = val;
        } else if (!std::strcmp(opt, "--batch")) {
            batch = number(opt, val);
        } else {
            fail(std::string("unknown option ") + opt);
        }
        ++a;
    }
    if (store.empty() || !have_users)
        fail("--store and --users are required");
    if (syncs_per_user > 3)
        fail("--syncs-per-user is at most 3");
    if (batch == 0)
        batch = 1;
    if (sodium_init() < 0)
        fail("sodium_init() failed");

    auto t0 = std::chrono::steady_clock::now();
    unsigned long long made = 0, kept = 0, syncs = 0, events = 0;
    try {
        mtt::EnvOptions opts;
        opts.path = store;
        opts.map_size = map_size;
        opts.relaxed = true; // one mdb_env_sync at the end instead of one per commit
        mtt::Env env(opts);
        unsigned long long i = first, end = first + users;
        while (i < end) {
            mtt::Txn txn(env, mtt::Txn::Write);
            for (unsigned long long stop = std::min(end, i + batch); i < stop; ++i) {
                mtt::User u = make_user(i);
                if (txn.get(txn.tables().users_by_name, u.username)) {
                    ++kept;
                    continue;
                }
                mtt::put_user(txn, u, nullptr);
                ++made;
                for (unsigned long long s = 0; s < syncs_per_user; ++s) {
                    std::optional<std::string> mailbox;
                    if (s < 2)
                        mailbox = *u.email;
                    uint64_t id = mtt::put_sync(txn, u.id, sync_types[s], mailbox);
                    ++syncs;
                    for (unsigned long long e = 0; e < events_per_sync; ++e) {
                        mtt::Event ev;
                        ev.sync_id = id;
                        ev.event_id = "ev" + std::to_string(e) + "-" + u.username;
                        ev.user_id = u.id;
                        ev.instance = "default";
                        // lectures of 1h45, one a week from 2024-01-08 09:00 UTC
                        ev.start = 1704704400 + static_cast<int64_t>(e) * 7 * 86400 +
                                   static_cast<int64_t>(i % 8) * 3600;
                        ev.end = ev.start + 105 * 60;
                        ev.summary =
                            "Lecture " + std::to_string(i % 200) + " week " + std::to_string(e + 1);
                        ev.location = "Room " + std::to_string(100 + i % 300);
                        mtt::put_event(txn, ev);
                        ++events;
                    }
                }
            }
            txn.commit();
        }
        env.sync();
        if (!dump.empty() && !dump_users(env, dump))
            fail("cannot write " + dump + ": " + std::strerror(errno));
    } catch (const mtt::StoreError &e) {
        std::fprintf(stderr, "load: %s: %s\n", store.c_str(), e.what());
        return 1;
    }
    double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (!quiet)
        std::printf("load: %llu users (%llu already there), %llu synchronizations, %llu events "
                    "in %.2f s\n",
                    made, kept, syncs, events, s);
    return 0;
}
