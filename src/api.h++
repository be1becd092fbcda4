// The API: the routing table and its handlers, on top of the store.
#pragma once

#include "http.h++"
#include "store.h++"

#include <string>
#include <unordered_map>
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

// The JSON answers to GET requests a worker gave for the store's current
// snapshot; any commit, by any worker, makes a new snapshot and empties it.
// Bounded in entries and in the size of each answer.
class Cache {
  public:
    static constexpr size_t max_entries = 256;
    static constexpr size_t max_body = 32 * 1024;
    const Response *find(uint64_t snapshot, const std::string &key);
    void store(uint64_t snapshot, const std::string &key, const Response &r);

  private:
    uint64_t snapshot_ = 0;
    std::unordered_map<std::string, Response> entries_;
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
