// The LMDB layer and the tables built on it: users, synchronizations, events.
#include "codec.h++"
#include "store.h++"
#include "syncs.h++"
#include "unit.h++"
#include "users.h++"

#include <sodium.h>
#include <sys/wait.h>
#include <unistd.h>

#include <set>

using namespace mtt;

namespace {

std::vector<std::string> usernames(const Env &env) {
    Txn txn(env, Txn::Read);
    std::vector<std::string> out;
    Cursor c(txn, txn.tables().users_by_name);
    for (bool ok = c.first(); ok; ok = c.next())
        out.emplace_back(c.key());
    return out;
}

Event event(const Sync &s, std::string id, std::string instance, int64_t start) {
    Event e;
    e.sync_id = s.id;
    e.event_id = std::move(id);
    e.user_id = s.user_id;
    e.instance = std::move(instance);
    e.start = start;
    e.end = start + 3600;
    e.summary = "Lecture";
    return e;
}

std::string event_ids(const std::vector<Event> &events) {
    std::string out;
    for (const auto &e : events)
        out += (out.empty() ? "" : ",") + std::to_string(e.sync_id) + ":" + e.event_id;
    return out;
}

} // namespace

START_TEST(aborted_txn_leaves_nothing) {
    TempDir dir;
    Env env(store_options(dir));
    {
        Txn txn(env, Txn::Write);
        ensure_user(txn, "alice");
    } // destroyed without commit
    ck_assert_uint_eq(usernames(env).size(), 0);
    {
        Txn txn(env, Txn::Write);
        ck_assert(ensure_user(txn, "alice"));
        ck_assert(!ensure_user(txn, "alice"));
        txn.commit();
    }
    ck_assert_uint_eq(usernames(env).size(), 1);
}
END_TEST

START_TEST(data_survives_reopen) {
    TempDir dir;
    {
        Env env(store_options(dir));
        Txn txn(env, Txn::Write);
        ensure_user(txn, "bob");
        ensure_user(txn, "alice");
        txn.commit();
    }
    Env env(store_options(dir));
    auto names = usernames(env);
    ck_assert_uint_eq(names.size(), 2);
    ck_assert_string_eq(names[0], "alice");
    ck_assert_string_eq(names[1], "bob");
}
END_TEST

START_TEST(refuses_newer_schema) {
    TempDir dir;
    {
        Env env(store_options(dir));
        Txn txn(env, Txn::Write);
        txn.put(env.tables().meta, "schema", be64(Env::schema_version + 1));
        txn.commit();
    }
    try {
        Env env(store_options(dir));
        ck_abort_msg("a store of a newer schema was opened");
    } catch (const StoreError &e) {
        ck_assert_string_eq(e.what(),
                            "the store has layout version 5, newer than this module's 4: it was "
                            "written by a newer release; refused");
    }
}
END_TEST

START_TEST(map_full_is_reported) {
    TempDir dir;
    EnvOptions o = store_options(dir);
    o.map_size = 64 * 1024;
    Env env(o);
    bool full = false;
    try {
        for (int i = 0; i < 10000; ++i) {
            Txn txn(env, Txn::Write);
            ensure_user(txn, "user-with-a-long-name-" + std::to_string(i));
            txn.commit();
        }
    } catch (const StoreError &e) {
        full = e.map_full();
    }
    ck_assert(full);
    ck_assert_uint_gt(usernames(env).size(), 0); // still readable
}
END_TEST

START_TEST(flusher_flushes_off_the_caller) {
    TempDir dir;
    EnvOptions o = store_options(dir);
    o.relaxed = true;
    Env env(o);
    {
        Txn txn(env, Txn::Write);
        ensure_user(txn, "alice");
        txn.commit();
    }
    {
        Flusher flusher(env);
        flusher.flush();
        flusher.flush(); // asked twice before it ran: still one wait
        flusher.wait();
        ck_assert_string_eq(flusher.take_error(), "");
        flusher.flush(); // the destructor lets this one finish
    }
}
END_TEST

START_TEST(user_record_round_trip) {
    User u;
    u.id = new_user_id();
    u.username = "janed";
    u.email = "janed@unknown.net";
    u.phone = "(09)-555-999";
    u.last_login = 1700000000;
    u.external = true;
    u.attributes = std::vector<Attribute>{{"faculty", {"science", "arts"}}};
    u.roles = {"student"};
    User back;
    ck_assert(decode_user(encode_user(u), back));
    ck_assert_string_eq(back.username, "janed");
    ck_assert_string_eq(*back.email, "janed@unknown.net");
    ck_assert(!back.first_name);
    ck_assert_int_eq(*back.last_login, 1700000000);
    ck_assert(back.enabled && back.external);
    ck_assert_string_eq((*back.attributes)[0].values[1], "arts");
    ck_assert_string_eq(back.roles[0], "student");
    std::string record = encode_user(u);
    ck_assert(!decode_user(record.substr(0, record.size() - 1), back)); // truncated
    ck_assert(!decode_user(record + "x", back));                        // trailing bytes
    record[0] = 9;
    ck_assert(!decode_user(record, back)); // unknown version
}
END_TEST

// Layout 4's fields round-trip, and a record of version 1 (written before
// them) still reads, without them.
START_TEST(user_record_version_2) {
    User u;
    u.id = new_user_id();
    u.username = "janed";
    u.roles = {"student"};
    std::string v1 = encode_user(u);
    // a version-1 record is a version-2 one without its last fields: three
    // absent optionals (one byte each) and the 8-byte version
    v1 = v1.substr(0, v1.size() - 3 - 8);
    v1[0] = 1;
    u.external_id = "ext-1";
    u.created = 1700000000;
    u.last_modified = 1700000100;
    u.version = 7;
    User back;
    ck_assert(decode_user(encode_user(u), back));
    ck_assert_str_eq(back.external_id->c_str(), "ext-1");
    ck_assert_int_eq(*back.created, 1700000000);
    ck_assert_int_eq(*back.last_modified, 1700000100);
    ck_assert_uint_eq(back.version, 7);
    ck_assert(decode_user(v1, back));
    ck_assert_str_eq(back.username.c_str(), "janed");
    ck_assert_str_eq(back.roles[0].c_str(), "student");
    ck_assert(!back.external_id && !back.created && !back.last_modified);
    ck_assert_uint_eq(back.version, 0);
    UserView view;
    ck_assert(view_user(v1, view));
    ck_assert(view.username == "janed");
    ck_assert(!decode_user(v1 + "x", back));
}
END_TEST

int64_t fixed_clock() {
    return 1800000000;
}

// put_user stamps what it stores: created once, lastModified and the
// version at every write; the fold, externalId and role indexes and the
// group records follow the user.
START_TEST(put_user_stamps_and_indexes) {
    TempDir dir;
    Env env(store_options(dir));
    set_user_clock(fixed_clock);
    Txn txn(env, Txn::Write);
    User u;
    u.id = new_user_id();
    u.username = "Alice";
    u.external_id = "E1";
    u.roles = {"staff"};
    put_user(txn, u, nullptr);
    ck_assert_int_eq(*u.created, 1800000000);
    ck_assert_int_eq(*u.last_modified, 1800000000);
    ck_assert_uint_eq(u.version, 1);
    set_user_clock(nullptr);
    User v = u;
    v.roles = {"student"};
    v.username = "alice2";
    put_user(txn, v, &u);
    ck_assert_int_eq(*v.created, 1800000000);
    ck_assert_int_gt(*v.last_modified, 1800000000 - 1000000000);
    ck_assert_uint_eq(v.version, 2);
    ck_assert_uint_eq(find_user(txn, u.id)->version, 2);
    ck_assert_uint_eq(find_users_by_fold(txn, "ALICE2").size(), 1);
    ck_assert_uint_eq(find_users_by_fold(txn, "alice").size(), 0);
    ck_assert_uint_eq(find_users_by_external_id(txn, "E1").size(), 1);
    ck_assert_uint_eq(find_users_by_external_id(txn, "e1").size(), 0);
    ck_assert_uint_eq(role_members(txn, "staff").size(), 0);
    ck_assert(role_members(txn, "student") == std::vector<std::string>{u.id});
    // the group of a role outlives its last member
    auto staff = find_group_by_name(txn, "staff");
    ck_assert(staff.has_value());
    ck_assert_uint_eq(staff->version, 2); // made, then touched when alice left
    ck_assert(find_group(txn, staff->id)->name == "staff");
    // two names that differ only by case (as v0 allows): the fold finds both
    ensure_user(txn, "ALICE2");
    auto both = find_users_by_fold(txn, "Alice2");
    ck_assert_uint_eq(both.size(), 2);
    ck_assert_str_eq(both[0].username.c_str(), "ALICE2");
    ck_assert_str_eq(both[1].username.c_str(), "alice2");
    delete_user(txn, v);
    ck_assert_uint_eq(find_users_by_fold(txn, "alice2").size(), 1);
    ck_assert_uint_eq(find_users_by_external_id(txn, "E1").size(), 0);
    ck_assert_uint_eq(role_members(txn, "student").size(), 0);
    ck_assert_uint_eq(txn.entries(env.tables().users_by_role), 0);
    txn.commit();
}
END_TEST

// A fold is cut on a code point boundary; a long name is still told apart
// from another whose cut fold is the same.
START_TEST(long_folds) {
    ck_assert_str_eq(fold_username("J\xC3\x9CRGEN").c_str(), "j\xC3\xBCrgen");
    std::string name(253, 'a');
    name += "\xC3\x9C"; // a 2-byte code point across the cut at 254
    ck_assert_uint_eq(fold_username(name).size(), 253);
    TempDir dir;
    Env env(store_options(dir));
    Txn txn(env, Txn::Write);
    std::string other = std::string(253, 'a') + "\xC3\x9Dz";
    ensure_user(txn, name);
    ensure_user(txn, other);
    ck_assert_uint_eq(find_users_by_fold(txn, name).size(), 1);
    ck_assert_uint_eq(find_users_by_fold(txn, std::string(253, 'A') + "\xC3\xBC").size(), 1);
    txn.commit();
}
END_TEST

START_TEST(guids) {
    std::string id = new_user_id();
    std::string text = format_guid(id);
    ck_assert_uint_eq(text.size(), 36);
    ck_assert_int_eq(text[14], '4'); // version 4
    ck_assert(std::string("89ab").find(text[19]) != std::string::npos);
    ck_assert(*parse_guid(text) == id);
    ck_assert(parse_guid("3464E9DA-F1B7-49AA-87DB-7E1EEBFD17A5").has_value());
    ck_assert(!parse_guid("3464e9da-f1b7-49aa-87db-7e1eebfd17a"));
    ck_assert(!parse_guid("3464e9da+f1b7-49aa-87db-7e1eebfd17a5"));
    ck_assert(!parse_guid("3464e9da-f1b7-49aa-87db-7e1eebfd17ag"));
    ck_assert(new_user_id() != id);
}
END_TEST

START_TEST(guids_unique_across_fork) {
    std::set<std::string> seen;
    for (int i = 0; i < 100; ++i) // several refills of the pool of random bytes
        ck_assert(seen.insert(new_user_id()).second);
    int fds[2];
    ck_assert_int_eq(pipe(fds), 0);
    pid_t child = fork();
    ck_assert_int_ge(child, 0);
    if (child == 0) {
        std::string id = new_user_id();
        _exit(write(fds[1], id.data(), id.size()) == 16 ? 0 : 1);
    }
    std::string mine = new_user_id(), theirs(16, '\0');
    ck_assert_int_eq(read(fds[0], theirs.data(), theirs.size()), 16);
    int status = 0;
    waitpid(child, &status, 0);
    close(fds[0]);
    close(fds[1]);
    ck_assert(mine != theirs); // the child did not reuse the parent's pool
    ck_assert(!seen.count(theirs));
}
END_TEST

START_TEST(username_rules) {
    ck_assert(!username_problem("alice"));
    ck_assert(!username_problem("j\xC3\xBCrgen"));
    ck_assert_string_eq(*username_problem(""), "the username is empty");
    ck_assert_string_eq(*username_problem(std::string(257, 'x')),
                        "the username is longer than 256 bytes");
    ck_assert(!username_problem(std::string(256, 'x')));
    ck_assert_string_eq(*username_problem("a\xFF"), "the username is not valid UTF-8");
    ck_assert_string_eq(*username_problem("a\tb"), "the username contains a control character");
    ck_assert_string_eq(*username_problem("a/b"), "the username contains a '/'");
    ck_assert_string_eq(*username_problem(".."),
                        "the username is '.' or '..', which no URL can carry");
    ck_assert_string_eq(*username_problem("."),
                        "the username is '.' or '..', which no URL can carry");
    ck_assert(!username_problem("..."));
}
END_TEST

START_TEST(rename_moves_the_index) {
    TempDir dir;
    Env env(store_options(dir));
    Txn txn(env, Txn::Write);
    ensure_user(txn, "alice");
    User old = *find_user_by_name(txn, "alice");
    User renamed = old;
    renamed.username = "alicia";
    put_user(txn, renamed, &old);
    ck_assert(!find_user_by_name(txn, "alice"));
    ck_assert(find_user_by_name(txn, "alicia")->id == old.id);
    txn.commit();
}
END_TEST

START_TEST(sync_ids_and_updates) {
    TempDir dir;
    Env env(store_options(dir));
    Txn txn(env, Txn::Write);
    ensure_user(txn, "alice");
    ensure_user(txn, "bob");
    std::string a = find_user_by_name(txn, "alice")->id, b = find_user_by_name(txn, "bob")->id;
    ck_assert_uint_eq(put_sync(txn, a, "o365", std::string("alice@example.org")), 1);
    ck_assert_uint_eq(put_sync(txn, b, "googlecalendar", std::nullopt), 2);
    ck_assert_uint_eq(put_sync(txn, a, "o365", std::string("alice@new.example.org")), 1);
    ck_assert_string_eq(*find_sync(txn, 1)->mailbox, "alice@new.example.org");
    unlink_sync(txn, *find_sync(txn, 1), UnlinkMode::UnlinkOnly, "default", 0);
    ck_assert(!find_sync(txn, 1));
    ck_assert_uint_eq(put_sync(txn, a, "o365", std::nullopt), 3); // never reused
    std::string ids;
    for_each_sync(txn, [&](const Sync &s) {
        ids += std::to_string(s.id);
        return true;
    });
    ck_assert_string_eq(ids, "23");
    txn.commit();
}
END_TEST

// A synchronization record as the first layout (record version 1, schema 1)
// wrote it: user id, type, mailbox.
std::string old_sync_record(std::string_view user_id, std::string_view type,
                            const std::optional<std::string> &mailbox) {
    Writer w;
    w.u8(1);
    w.str(user_id);
    w.str(type);
    w.opt_str(mailbox);
    return w.data();
}

START_TEST(decodes_old_sync_records) {
    std::string user_id(16, '\x07');
    Sync s = decode_sync(be64(5), old_sync_record(user_id, "ews", std::string("a@example.org")));
    ck_assert_uint_eq(s.id, 5);
    ck_assert_string_eq(s.user_id, user_id);
    ck_assert_string_eq(s.type, "ews");
    ck_assert_string_eq(*s.mailbox, "a@example.org");
    ck_assert(s.enabled);
    ck_assert(!s.last_resync);
    Sync g = decode_sync(be64(6), old_sync_record(user_id, "googlecalendar", std::nullopt));
    ck_assert(!g.mailbox && g.enabled && !g.last_resync);
}
END_TEST

START_TEST(sync_record_round_trip_and_malformed) {
    Sync s;
    s.id = 9;
    s.user_id = std::string(16, 'u');
    s.type = "o365";
    s.mailbox = "b@example.org";
    s.enabled = false;
    s.last_resync = 1795600800123;
    std::string record = encode_sync(s);
    ck_assert_uint_eq(static_cast<uint8_t>(record[0]), 2);
    Sync back = decode_sync(be64(9), record);
    ck_assert(!back.enabled);
    ck_assert_int_eq(*back.last_resync, 1795600800123);
    ck_assert_string_eq(*back.mailbox, "b@example.org");
    auto refused = [](std::string_view key, std::string record) {
        try {
            decode_sync(key, record);
        } catch (const StoreError &e) {
            return e.code() == MDB_CORRUPTED;
        }
        return false;
    };
    ck_assert(refused(be64(9), record.substr(0, record.size() - 1))); // cut short
    ck_assert(refused(be64(9), record + "x"));                        // trailing bytes
    std::string v3 = record;
    v3[0] = 3; // a version this module does not know
    ck_assert(refused(be64(9), v3));
    std::string bad_flag = encode_sync(Sync{9, s.user_id, "o365", std::nullopt, true, {}});
    bad_flag[bad_flag.size() - 2] = 2; // enabled is 0 or 1
    ck_assert(refused(be64(9), bad_flag));
    ck_assert(refused("short", record));
    std::string v1 = old_sync_record(s.user_id, "o365", std::nullopt);
    ck_assert(refused(be64(9), v1 + std::string("\x01\x00", 2))); // v1 has no more fields
}
END_TEST

// A store of schema 1 (synchronization records of version 1) opens, is marked
// as of this schema, and its synchronizations read and update.
START_TEST(opens_a_schema_1_store) {
    TempDir dir;
    std::string a;
    {
        Env env(store_options(dir));
        Txn txn(env, Txn::Write);
        ensure_user(txn, "alice");
        a = find_user_by_name(txn, "alice")->id;
        txn.put(env.tables().meta, "schema", be64(1));
        txn.put(env.tables().meta, "next_sync_id", be64(3));
        txn.put(env.tables().syncs, be64(1),
                old_sync_record(a, "ews", std::string("a@example.org")));
        txn.put(env.tables().syncs_by_user, a + "ews", be64(1));
        txn.put(env.tables().syncs, be64(2), old_sync_record(a, "caldav", std::nullopt));
        txn.put(env.tables().syncs_by_user, a + "caldav", be64(2));
        txn.commit();
    }
    Env env(store_options(dir));
    Txn txn(env, Txn::Write);
    ck_assert_uint_eq(from_be64(*txn.get(env.tables().meta, "schema")), Env::schema_version);
    auto syncs = user_syncs(txn, a);
    ck_assert_uint_eq(syncs.size(), 2);
    ck_assert(syncs[0].enabled && !syncs[0].last_resync && syncs[1].enabled);
    ck_assert_string_eq(syncs[1].type, "caldav");
    // an update of an old record keeps its id and writes the new version
    ck_assert_uint_eq(put_sync(txn, a, "ews", std::string("a@example.org"), false), 1);
    ck_assert_uint_eq(static_cast<uint8_t>((*txn.get(env.tables().syncs, be64(1)))[0]), 2);
    ck_assert(!find_sync(txn, 1)->enabled);
    ck_assert_uint_eq(put_sync(txn, a, "googlecalendar", std::nullopt), 3);
    txn.commit();
}
END_TEST

START_TEST(enabled_and_last_resync) {
    TempDir dir;
    Env env(store_options(dir));
    Txn txn(env, Txn::Write);
    ensure_user(txn, "alice");
    std::string a = find_user_by_name(txn, "alice")->id;
    uint64_t id = put_sync(txn, a, "googlecalendar", std::nullopt);
    ck_assert(find_sync(txn, id)->enabled);
    ck_assert(!find_sync(txn, id)->last_resync);
    mark_resync(txn, *find_sync(txn, id), 1795600800000);
    ck_assert_int_eq(*find_sync(txn, id)->last_resync, 1795600800000);
    put_sync(txn, a, "googlecalendar", std::nullopt, false);
    ck_assert(!find_sync(txn, id)->enabled);
    put_sync(txn, a, "googlecalendar", std::nullopt); // not given: kept
    Sync s = *find_sync(txn, id);
    ck_assert(!s.enabled);
    ck_assert_int_eq(*s.last_resync, 1795600800000);
    put_sync(txn, a, "googlecalendar", std::nullopt, true);
    ck_assert(find_sync(txn, id)->enabled);
    ck_assert_int_eq(*find_sync(txn, id)->last_resync, 1795600800000);
    txn.commit();
}
END_TEST

START_TEST(unlink_modes) {
    const int64_t now = 1000000;
    for (auto mode : {UnlinkMode::UnlinkOnly, UnlinkMode::DeleteFutureEvents,
                      UnlinkMode::DeleteAllEvents, UnlinkMode::Cleanup}) {
        TempDir dir;
        Env env(store_options(dir));
        Txn txn(env, Txn::Write);
        ensure_user(txn, "alice");
        std::string a = find_user_by_name(txn, "alice")->id;
        Sync old = *find_sync(txn, put_sync(txn, a, "ews", std::string("a@example.org")));
        put_event(txn, event(old, "e0", "default", now - 10));
        unlink_sync(txn, old, UnlinkMode::UnlinkOnly, "default", now);
        Sync s = *find_sync(txn, put_sync(txn, a, "ews", std::string("a@example.org")));
        put_event(txn, event(s, "past", "default", now - 100));
        put_event(txn, event(s, "future", "default", now + 100));
        put_event(txn, event(s, "other", "legacy", now + 100));
        unlink_sync(txn, s, mode, "default", now);
        std::string left = event_ids(user_events(txn, a));
        switch (mode) {
        case UnlinkMode::UnlinkOnly:
            ck_assert_string_eq(left, "1:e0,2:future,2:past,2:other");
            break;
        case UnlinkMode::DeleteFutureEvents:
            ck_assert_string_eq(left, "1:e0,2:past"); // whatever the instance
            break;
        case UnlinkMode::DeleteAllEvents:
            ck_assert_string_eq(left, "1:e0");
            break;
        case UnlinkMode::Cleanup:
            ck_assert_string_eq(left, "2:other");
            break;
        }
        ck_assert(!find_sync(txn, s.id));
        txn.commit();
    }
}
END_TEST

START_TEST(replacing_an_event_moves_its_index_entry) {
    TempDir dir;
    Env env(store_options(dir));
    Txn txn(env, Txn::Write);
    ensure_user(txn, "alice");
    std::string a = find_user_by_name(txn, "alice")->id;
    Sync s = *find_sync(txn, put_sync(txn, a, "googlecalendar", std::nullopt));
    put_event(txn, event(s, "e1", "default", 10));
    put_event(txn, event(s, "e1", "legacy", 20));
    auto events = user_events(txn, a);
    ck_assert_uint_eq(events.size(), 1);
    ck_assert_string_eq(events[0].instance, "legacy");
    ck_assert_int_eq(events[0].start, 20);
    ck_assert_uint_eq(sync_events(txn, s.id).size(), 1);
}
END_TEST

START_TEST(deleting_a_user_cascades) {
    TempDir dir;
    Env env(store_options(dir));
    Txn txn(env, Txn::Write);
    ensure_user(txn, "alice");
    ensure_user(txn, "bob");
    User alice = *find_user_by_name(txn, "alice");
    std::string b = find_user_by_name(txn, "bob")->id;
    Sync sa = *find_sync(txn, put_sync(txn, alice.id, "googlecalendar", std::nullopt));
    Sync sb = *find_sync(txn, put_sync(txn, b, "googlecalendar", std::nullopt));
    put_event(txn, event(sa, "e1", "default", 10));
    put_event(txn, event(sb, "e2", "default", 10));
    delete_user(txn, alice);
    ck_assert(!find_user_by_name(txn, "alice"));
    ck_assert(!find_sync(txn, sa.id));
    ck_assert(find_sync(txn, sb.id).has_value());
    ck_assert_uint_eq(sync_events(txn, sa.id).size(), 0);
    ck_assert_uint_eq(user_events(txn, alice.id).size(), 0);
    ck_assert_string_eq(event_ids(user_events(txn, b)), "2:e2");
}
END_TEST

START_TEST(cursor_delete_while_iterating) {
    TempDir dir;
    Env env(store_options(dir));
    Txn txn(env, Txn::Write);
    for (const char *k : {"a1", "b1", "b2", "b3", "c1"})
        txn.put(env.tables().meta, k, "v");
    Cursor c(txn, env.tables().meta);
    int deleted = 0;
    for (bool ok = c.seek("b"); ok && c.has_prefix("b"); ok = c.next()) {
        c.del();
        ++deleted;
    }
    ck_assert_int_eq(deleted, 3);
    ck_assert(txn.get(env.tables().meta, "a1").has_value());
    ck_assert(txn.get(env.tables().meta, "c1").has_value());
    ck_assert(!txn.get(env.tables().meta, "b2").has_value());
}
END_TEST

int main() {
    if (sodium_init() < 0)
        return EXIT_FAILURE;
    Suite *s = suite_create("store");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, aborted_txn_leaves_nothing);
    tcase_add_test(tc, data_survives_reopen);
    tcase_add_test(tc, refuses_newer_schema);
    tcase_add_test(tc, map_full_is_reported);
    tcase_add_test(tc, user_record_round_trip);
    tcase_add_test(tc, user_record_version_2);
    tcase_add_test(tc, put_user_stamps_and_indexes);
    tcase_add_test(tc, long_folds);
    tcase_add_test(tc, flusher_flushes_off_the_caller);
    tcase_add_test(tc, guids);
    tcase_add_test(tc, guids_unique_across_fork);
    tcase_add_test(tc, username_rules);
    tcase_add_test(tc, rename_moves_the_index);
    tcase_add_test(tc, sync_ids_and_updates);
    tcase_add_test(tc, decodes_old_sync_records);
    tcase_add_test(tc, sync_record_round_trip_and_malformed);
    tcase_add_test(tc, opens_a_schema_1_store);
    tcase_add_test(tc, enabled_and_last_resync);
    tcase_add_test(tc, unlink_modes);
    tcase_add_test(tc, replacing_an_event_moves_its_index_entry);
    tcase_add_test(tc, deleting_a_user_cascades);
    tcase_add_test(tc, cursor_delete_while_iterating);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
