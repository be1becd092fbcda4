// The API: the routing table and its handlers, on top of the store.
#pragma once

#include "http.h++"
#include "store.h++"

#include <string>
#include <vector>

namespace mtt {

struct SyncType {
    std::string name;
    bool mailbox = false;
};

struct Settings {
    std::vector<SyncType> sync_types;
    std::string instance_id = "default";
};

// Answers that depend only on the store's contents, kept by a worker for as
// long as the store's snapshot does not change.
struct Cache {
    uint64_t users_snapshot = 0;
    std::string users_body; // GET v0/users of a small store
};

// What one request needs: the store, the settings, and a place for a line the
// caller must log (store failures; never personal data or passwords).
struct Context {
    Env &env;
    const Settings &settings;
    std::string log;          // non-empty: the caller logs it at error level
    MDB_txn *batch = nullptr; // when set, write transactions nest in it (group commit)
    Cache *cache = nullptr;   // optional
};

// True for the methods whose handlers write.
bool writes(std::string_view method);

// Answers one request. Never throws: a store error becomes 507 (map full) or
// 500, with ctx.log set.
Response handle(Context &ctx, const Request &req);

} // namespace mtt
