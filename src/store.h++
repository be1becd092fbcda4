// A small RAII layer over LMDB: Env, Txn (read or write), Cursor.
//
// LMDB failures are exceptional (a full map, an I/O error, a corrupt store)
// and travel as StoreError; a Txn that is destroyed without commit() is
// aborted, so no error path can leak a transaction or its reader slot.
#pragma once

#include <lmdb.h>

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>

namespace mtt {

class StoreError : public std::runtime_error {
  public:
    StoreError(std::string what, int code) : std::runtime_error(std::move(what)), code_(code) {}
    int code() const { return code_; }
    bool map_full() const { return code_ == MDB_MAP_FULL; }
    // Every slot of LMDB's reader table is taken: a moment later one may be free.
    bool readers_full() const { return code_ == MDB_READERS_FULL; }

  private:
    int code_;
};

// Throws StoreError naming `what` when rc is not MDB_SUCCESS.
void check(int rc, const char *what);

inline MDB_val to_val(std::string_view s) {
    return MDB_val{s.size(), const_cast<char *>(s.data())};
}
inline std::string_view to_view(const MDB_val &v) {
    return std::string_view(static_cast<const char *>(v.mv_data), v.mv_size);
}

// The named databases of one store (see README, "Store layout").
struct Tables {
    MDB_dbi meta = 0;           // "schema", "next_sync_id" -> counters
    MDB_dbi users = 0;          // user id (16 bytes) -> user record
    MDB_dbi users_by_name = 0;  // username bytes -> user id
    MDB_dbi syncs = 0;          // sync id (8 bytes, big-endian) -> sync record
    MDB_dbi syncs_by_user = 0;  // user id + type -> sync id
    MDB_dbi events = 0;         // sync id + event id -> event record
    MDB_dbi events_by_user = 0; // user id + instance + NUL + sync id + event id -> ""
    // secondary user indexes (layout 3): index_key(value, username) -> user id
    MDB_dbi users_by_email = 0;
    MDB_dbi users_by_first = 0;
    MDB_dbi users_by_last = 0;
    // layout 4: SCIM's look-ups and the roles as groups
    MDB_dbi users_by_name_fold = 0;   // fold(username) + NUL + username -> user id
    MDB_dbi users_by_external_id = 0; // externalId + NUL + user id -> user id
    MDB_dbi users_by_role = 0;        // role + NUL + user id -> user id
    MDB_dbi groups = 0;               // group id (16 bytes, GUID) -> group record
    MDB_dbi groups_by_name = 0;       // role name -> group id
};

// What opening a store of an older layout did (Env::upgrade()).
struct Upgrade {
    uint32_t from = 0;  // the layout found; 0: none was needed
    uint64_t users = 0; // users whose index entries were built
    double seconds = 0;
};

// Brings a store of layout `from` up to Env::schema_version inside `txn`,
// the transaction that also records the new version (defined with the
// tables it fills, in users.c++). Returns how many users it indexed.
uint64_t upgrade_store(class Txn &txn, uint32_t from);

// LMDB's reader table: one slot per read transaction open at once, in all
// the processes on the store. With MDB_NOTLS a slot belongs to a transaction,
// and no transaction waits for a client (see ResumableScan), so the workers
// need only a few at a time.
constexpr unsigned default_max_readers = 1022;

// The map's size when none is given (mytimetable_store_size's default).
constexpr size_t default_map_size = size_t(1) << 30;

struct EnvOptions {
    std::string path;
    size_t map_size = default_map_size;
    bool relaxed = false; // MDB_NOSYNC: the caller syncs periodically
    unsigned max_readers = default_max_readers;
};

// How long this process held its read transactions, for metrics: LMDB cannot
// reuse a page freed after the oldest open read transaction began, so a read
// transaction held long makes the store grow with every write meanwhile.
struct ReadStats {
    uint64_t transactions = 0; // read transactions ended
    uint64_t max_held_us = 0;  // the longest one, in microseconds
    uint64_t total_held_us = 0;
};

class Env {
  public:
    // Opens (creating the directory's files if missing) and prepares the
    // tables. Refuses a store written by a newer schema version; upgrades an
    // older one (upgrade_store) in the write transaction that marks it as of
    // this version, and says so in upgrade().
    explicit Env(const EnvOptions &opts);
    ~Env();
    Env(const Env &) = delete;
    Env &operator=(const Env &) = delete;

    MDB_env *get() const { return env_; }
    const Tables &tables() const { return tables_; }
    // Flushes to disk (fdatasync); safe from any thread (see Flusher).
    void sync() const;
    // Clears reader slots left by processes that died; returns how many.
    int clear_stale_readers();
    // This process's read transactions so far (not thread-safe: the event
    // loop's thread only).
    const ReadStats &read_stats() const { return stats_; }
    // What opening did to a store of an older layout (for the caller's log).
    const Upgrade &upgrade() const { return upgrade_; }

    // 1: the first layout. 2: synchronization records of version 2
    // (enabled, last_resync). 3: the secondary user indexes (users_by_email,
    // users_by_first, users_by_last). 4: user records of version 2 (externalId,
    // meta.created/lastModified, a version for ETags), the indexes SCIM reads
    // (users_by_name_fold, users_by_external_id, users_by_role) and the group
    // records of the roles (groups, groups_by_name).
    static constexpr uint32_t schema_version = 4;

  private:
    friend class Txn;
    MDB_env *env_ = nullptr;
    Tables tables_;
    Upgrade upgrade_;
    mutable ReadStats stats_;
};

// Flushes a `relaxed` environment from a thread of its own: flush() asks for
// an fdatasync() and returns at once, so that writing a second's worth of
// pages to disk (easily 100 ms) never stalls the caller's event loop. A
// failure is kept for the caller to report (take_error()). The thread starts
// with every signal blocked; the destructor waits for a flush in progress.
class Flusher {
  public:
    explicit Flusher(const Env &env);
    ~Flusher();
    Flusher(const Flusher &) = delete;
    Flusher &operator=(const Flusher &) = delete;

    // Asks for a flush; a flush already asked for and not started yet counts.
    void flush();
    // Waits until every flush asked for so far has run (tests, shutdown).
    void wait();
    // The message of the last failed flush, and clears it; empty: none.
    std::string take_error();

  private:
    void run();
    const Env &env_;
    std::mutex mutex_;
    std::condition_variable wake_, done_;
    uint64_t asked_ = 0, finished_ = 0;
    bool stop_ = false;
    std::string error_;
    std::thread thread_;
};

// The write transaction that the queued writes of one event-loop turn share
// (group commit). When `nested`, each write runs in a nested transaction of
// its own, which its failure aborts alone. Otherwise writes run in `txn`
// itself, which is cheaper (no nested begin, no copies of the pages the batch
// already changed); a write that fails after changing something (an error
// answer without commit, an exception) marks the batch `spoiled`, and the
// caller aborts it and runs the same writes again, nested.
struct Batch {
    MDB_txn *txn = nullptr;
    bool nested = true;
    bool spoiled = false;
};

class Txn {
  public:
    // ReadAnyThread: a read transaction that any thread may open (the
    // event loop's read statistics do not count it).
    enum Mode { Read, Write, ReadAnyThread };
    // A Write txn with a `batch` runs inside it (see Batch): its commit
    // leaves the changes to the batch's commit, its abort undoes them (nested)
    // or spoils the batch (direct).
    Txn(const Env &env, Mode mode, Batch *batch = nullptr);
    // A ReadAnyThread transaction on the store of `other` (any thread). It
    // sees the newest snapshot, which is other's only when snapshot() says
    // so: no commit came in between.
    struct SameStore {};
    Txn(SameStore, const Txn &other);
    ~Txn();
    Txn(const Txn &) = delete;
    Txn &operator=(const Txn &) = delete;

    void commit();
    void abort();
    MDB_txn *get() const { return txn_; }
    const Tables &tables() const { return tables_; }
    // The id of the snapshot a read txn sees: it changes with every commit.
    uint64_t snapshot() const { return mdb_txn_id(txn_); }
    // How many entries a table holds (from its root, without a scan).
    size_t entries(MDB_dbi dbi) const;

    std::optional<std::string_view> get(MDB_dbi dbi, std::string_view key) const;
    void put(MDB_dbi dbi, std::string_view key, std::string_view value, unsigned flags = 0);
    // Returns false when the key was not there.
    bool del(MDB_dbi dbi, std::string_view key);

  private:
    friend class Cursor;
    MDB_txn *txn_ = nullptr;
    const Tables &tables_;
    Batch *shared_ = nullptr;     // a direct write in this batch: txn_ is the batch's
    mutable unsigned writes_ = 0; // puts and deletes so far (cursors count theirs)
    int exceptions_ = 0;          // std::uncaught_exceptions() at construction
    ReadStats *stats_ = nullptr;  // a read txn: where its time held is counted
    uint64_t begun_us_ = 0;
};

// A cursor over one table; iterate keys that start with a prefix with
// seek(prefix) then next() while the key still has the prefix.
class Cursor {
  public:
    Cursor(const Txn &txn, MDB_dbi dbi);
    ~Cursor();
    Cursor(const Cursor &) = delete;
    Cursor &operator=(const Cursor &) = delete;

    // Positions at the first key >= `key`; false at the end of the table.
    bool seek(std::string_view key);
    bool first();
    bool next();
    bool last();
    bool prev();
    // next() (forward) or prev(), inline: for loops over many entries.
    bool step_on(bool forward) {
        int rc = mdb_cursor_get(cursor_, &key_, &value_, forward ? MDB_NEXT : MDB_PREV);
        if (rc == MDB_SUCCESS)
            return true;
        if (rc != MDB_NOTFOUND)
            check(rc, "mdb_cursor_get");
        return false;
    }
    // The same reading the key alone (value() is then stale): for a loop
    // that needs the value of few entries, read by value_now().
    bool step_key_on(bool forward) {
        int rc = mdb_cursor_get(cursor_, &key_, nullptr, forward ? MDB_NEXT : MDB_PREV);
        if (rc == MDB_SUCCESS)
            return true;
        if (rc != MDB_NOTFOUND)
            check(rc, "mdb_cursor_get");
        return false;
    }
    // The current entry's value, read again (after step_key_on).
    std::string_view value_now() {
        MDB_val k;
        check(mdb_cursor_get(cursor_, &k, &value_, MDB_GET_CURRENT), "mdb_cursor_get");
        return value();
    }
    // Deletes the current entry; next() then moves to the entry that
    // followed it, so `for (ok = seek(p); ok && has_prefix(p); ok = next())`
    // may delete as it goes.
    void del();

    std::string_view key() const { return to_view(key_); }
    std::string_view value() const { return to_view(value_); }
    bool has_prefix(std::string_view prefix) const {
        return key().substr(0, prefix.size()) == prefix;
    }

  private:
    bool step(MDB_cursor_op op, MDB_val *k = nullptr);
    const Txn &txn_;
    MDB_cursor *cursor_ = nullptr;
    MDB_val key_{0, nullptr}, value_{0, nullptr};
};

// A walk over a table in key order that holds no read transaction between its
// pieces: each piece() opens a fresh one, starts after the last key the
// walk visited, and closes it before it returns. A slow consumer (a client
// reading a streamed answer) thus never pins a snapshot, whose pages LMDB
// could not reuse, nor a reader slot.
//
// Each key is visited at most once and in order. The walk is not one
// snapshot: an entry written after the walk went past its key is not seen, an
// entry written (or changed) ahead of the walk is seen as it is when the walk
// gets there, one deleted ahead of it is not seen.
class ResumableScan {
  public:
    ResumableScan(const Env &env, MDB_dbi dbi) : env_(env), dbi_(dbi) {}

    // Calls visit(txn, cursor) for each entry after the last one visited,
    // while it returns true, in one read transaction. Returns false once the
    // walk has reached the end of the table.
    template <class Visit> bool piece(Visit &&visit) {
        if (done_)
            return false;
        Txn txn(env_, Txn::Read);
        Cursor c(txn, dbi_);
        bool ok = started_ ? c.seek(last_) : c.first();
        if (ok && started_ && c.key() == last_)
            ok = c.next();
        started_ = true;
        for (; ok; ok = c.next()) {
            last_.assign(c.key());
            if (!visit(static_cast<const Txn &>(txn), static_cast<const Cursor &>(c)))
                return true;
        }
        done_ = true;
        return false;
    }
    bool done() const { return done_; }
    // The last key visited.
    const std::string &last_key() const { return last_; }

  private:
    const Env &env_;
    MDB_dbi dbi_;
    std::string last_;
    bool started_ = false, done_ = false;
};

// Big-endian fixed-width integers: keys that sort numerically.
std::string be64(uint64_t v);
uint64_t from_be64(std::string_view s);

} // namespace mtt
