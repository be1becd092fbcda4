// Calendar synchronizations and the ledger of events they pushed.
//
// Keys (see README, "Store layout"):
//   syncs           sync id (8 bytes BE)                         -> sync record
//   syncs_by_user   user id (16) + type                          -> sync id
//   events          sync id (8) + event id                       -> event record
//   events_by_user  user id (16) + instance + NUL + sync id (8) + event id -> ""
// so a user's synchronizations, a synchronization's events and "a user's
// events pushed by one instance" are each one cursor range.
#pragma once

#include "store.h++"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mtt {

struct Sync {
    uint64_t id = 0;
    std::string user_id;
    std::string type;
    std::optional<std::string> mailbox;
    bool enabled = true; // false once a PUT v0/synchronizations says enabled=false
    // When the latest event was written for it, in milliseconds since the
    // epoch; none before the first.
    std::optional<int64_t> last_resync;
};

struct Event {
    uint64_t sync_id = 0;
    std::string event_id;
    std::string user_id;
    std::string instance;
    int64_t start = 0, end = 0; // seconds since the epoch, UTC
    std::string summary, location;
};

enum class UnlinkMode { UnlinkOnly, DeleteFutureEvents, DeleteAllEvents, Cleanup };
std::optional<UnlinkMode> parse_unlink_mode(std::string_view s);

std::optional<Sync> find_sync(const Txn &txn, uint64_t id);
std::vector<Sync> user_syncs(const Txn &txn, std::string_view user_id);
// Every synchronization, by id; `fn` returns false to stop.
template <class Fn> void for_each_sync(const Txn &txn, Fn fn);
// Creates the synchronization of this user and type, or updates its mailbox
// in place. `enabled` sets whether it takes events; when not given, a new
// synchronization is enabled and an existing one keeps its state (and its
// last_resync in any case). Returns its id; ids come from a counter in
// `meta` and are never reused.
uint64_t put_sync(Txn &txn, std::string_view user_id, std::string_view type,
                  const std::optional<std::string> &mailbox,
                  std::optional<bool> enabled = std::nullopt);
// Records that an event was written for `s` at `at_ms` (milliseconds since
// the epoch): its last_resync.
void mark_resync(Txn &txn, Sync s, int64_t at_ms);
// Deletes the synchronization and applies `mode` to the ledger, in `txn`.
// `instance` is this installation's instance id, `now` the current time.
void unlink_sync(Txn &txn, const Sync &s, UnlinkMode mode, std::string_view instance, int64_t now);

void put_event(Txn &txn, const Event &e);
std::vector<Event> sync_events(const Txn &txn, uint64_t sync_id);
std::vector<Event> user_events(const Txn &txn, std::string_view user_id);

// Used when a user is deleted.
void delete_user_synchronizations(Txn &txn, std::string_view user_id);
void delete_user_events(Txn &txn, std::string_view user_id);

// The record of a synchronization: a version byte, then user id, type and
// mailbox (version 1); version 2 adds enabled and last_resync. Records of
// version 1, from stores of schema 1, read as enabled and never resynced.
// Throws StoreError (MDB_CORRUPTED) for a malformed record or an unknown
// version.
Sync decode_sync(std::string_view key, std::string_view record);
std::string encode_sync(const Sync &s);

template <class Fn> void for_each_sync(const Txn &txn, Fn fn) {
    Cursor c(txn, txn.tables().syncs);
    for (bool ok = c.first(); ok; ok = c.next())
        if (!fn(decode_sync(c.key(), c.value())))
            return;
}

} // namespace mtt
