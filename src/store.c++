#include "store.h++"

#include "metrics.h++"

#include <signal.h>
#include <sys/stat.h>

#include <chrono>
#include <exception>
#include <utility>

namespace mtt {

namespace {

uint64_t now_us() {
    return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                     std::chrono::steady_clock::now().time_since_epoch())
                                     .count());
}

} // namespace

void check(int rc, const char *what) {
    if (rc != MDB_SUCCESS)
        throw StoreError(std::string(what) + ": " + mdb_strerror(rc), rc);
}

std::string be64(uint64_t v) {
    std::string s(8, '\0');
    for (int i = 7; i >= 0; --i, v >>= 8)
        s[i] = static_cast<char>(v & 0xFF);
    return s;
}

uint64_t from_be64(std::string_view s) {
    uint64_t v = 0;
    for (size_t i = 0; i < 8 && i < s.size(); ++i)
        v = (v << 8) | static_cast<unsigned char>(s[i]);
    return v;
}

// ---------------------------------------------------------------- Env

Env::Env(const EnvOptions &opts) {
    check(mdb_env_create(&env_), "mdb_env_create");
    try {
        check(mdb_env_set_maxdbs(env_, 24), "mdb_env_set_maxdbs");
        check(mdb_env_set_maxreaders(env_, opts.max_readers), "mdb_env_set_maxreaders");
        check(mdb_env_set_mapsize(env_, opts.map_size), "mdb_env_set_mapsize");
        // NOTLS: a read transaction may span several event-loop turns of one
        // worker thread (streamed answers) while other requests open theirs.
        // NORDAHEAD: a worker maps only the pages it reads, not their
        // neighbours, so its resident memory follows what it serves.
        unsigned flags = MDB_NOTLS | MDB_NORDAHEAD | (opts.relaxed ? MDB_NOSYNC : 0);
        mkdir(opts.path.c_str(), 0700);
        check(mdb_env_open(env_, opts.path.c_str(), flags, 0600), "mdb_env_open");

        Txn txn(*this, Txn::Write);
        auto open = [&](const char *name, MDB_dbi &dbi) {
            check(mdb_dbi_open(txn.get(), name, MDB_CREATE, &dbi), "mdb_dbi_open");
        };
        open("meta", tables_.meta);
        open("users", tables_.users);
        open("users_by_name", tables_.users_by_name);
        open("syncs", tables_.syncs);
        open("syncs_by_user", tables_.syncs_by_user);
        open("events", tables_.events);
        open("events_by_user", tables_.events_by_user);
        open("users_by_email", tables_.users_by_email);
        open("users_by_first", tables_.users_by_first);
        open("users_by_last", tables_.users_by_last);
        open("users_by_name_fold", tables_.users_by_name_fold);
        open("users_by_external_id", tables_.users_by_external_id);
        open("users_by_role", tables_.users_by_role);
        open("groups", tables_.groups);
        open("groups_by_name", tables_.groups_by_name);

        // An older schema is upgraded in place, in this transaction: its
        // records still read (each record carries its own version), what the
        // new layout adds (indexes) is built, and from now on an older module
        // refuses the store rather than meet a layout it does not keep up.
        auto version = txn.get(tables_.meta, "schema");
        if (!version) { // a new store
            txn.put(tables_.meta, "schema", be64(schema_version));
        } else if (from_be64(*version) < schema_version) {
            auto t0 = std::chrono::steady_clock::now();
            upgrade_.from = static_cast<uint32_t>(from_be64(*version));
            upgrade_.users = upgrade_store(txn, upgrade_.from);
            txn.put(tables_.meta, "schema", be64(schema_version));
            upgrade_.seconds =
                std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        } else if (from_be64(*version) > schema_version) {
            throw StoreError("the store has layout version " + std::to_string(from_be64(*version)) +
                                 ", newer than this module's " + std::to_string(schema_version) +
                                 ": it was written by a newer release; refused",
                             MDB_VERSION_MISMATCH);
        }
        txn.commit();
    } catch (...) {
        mdb_env_close(env_);
        env_ = nullptr;
        throw;
    }
}

Env::~Env() {
    if (env_)
        mdb_env_close(env_);
}

void Env::sync() const {
    check(mdb_env_sync(env_, 1), "mdb_env_sync");
}

int Env::clear_stale_readers() {
    int dead = 0;
    check(mdb_reader_check(env_, &dead), "mdb_reader_check");
    return dead;
}

// ---------------------------------------------------------------- Flusher

Flusher::Flusher(const Env &env) : env_(env) {
    // Signals stay with the thread that handles them (nginx's event loop).
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    try {
        thread_ = std::thread([this] { run(); });
    } catch (...) {
        pthread_sigmask(SIG_SETMASK, &old, nullptr);
        throw;
    }
    pthread_sigmask(SIG_SETMASK, &old, nullptr);
}

Flusher::~Flusher() {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        stop_ = true;
    }
    wake_.notify_one();
    thread_.join();
}

void Flusher::flush() {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        ++asked_;
    }
    wake_.notify_one();
}

void Flusher::wait() {
    std::unique_lock<std::mutex> lock(mutex_);
    uint64_t target = asked_;
    done_.wait(lock, [&] { return finished_ >= target; });
}

std::string Flusher::take_error() {
    std::lock_guard<std::mutex> lock(mutex_);
    return std::exchange(error_, std::string());
}

void Flusher::run() {
    std::unique_lock<std::mutex> lock(mutex_);
    for (;;) {
        wake_.wait(lock, [&] { return stop_ || finished_ < asked_; });
        if (finished_ >= asked_ && stop_)
            return;
        uint64_t target = asked_; // one fdatasync() covers every request so far
        lock.unlock();
        std::string failure;
        try {
            env_.sync();
        } catch (const std::exception &e) {
            failure = e.what();
        }
        lock.lock();
        if (!failure.empty())
            error_ = std::move(failure);
        finished_ = target;
        done_.notify_all();
    }
}

// ---------------------------------------------------------------- Txn

Txn::Txn(const Env &env, Mode mode, Batch *batch) : tables_(env.tables()) {
    if (mode == Write && batch && !batch->nested) {
        txn_ = batch->txn;
        shared_ = batch;
        exceptions_ = std::uncaught_exceptions();
        return;
    }
    MDB_txn *parent = mode == Write && batch ? batch->txn : nullptr;
    check(mdb_txn_begin(env.get(), parent, mode == Write ? 0 : MDB_RDONLY, &txn_), "mdb_txn_begin");
    if (mode == Read) {
        stats_ = &env.stats_;
        begun_us_ = now_us();
    }
}

Txn::Txn(SameStore, const Txn &other) : tables_(other.tables_) {
    check(mdb_txn_begin(mdb_txn_env(other.txn_), nullptr, MDB_RDONLY, &txn_), "mdb_txn_begin");
}

Txn::~Txn() {
    if (shared_ && std::uncaught_exceptions() > exceptions_)
        shared_->spoiled = true; // a store error may have left the batch unusable
    abort();
}

void Txn::commit() {
    if (shared_) { // the batch's commit makes it durable
        shared_ = nullptr;
        txn_ = nullptr;
        return;
    }
    MDB_txn *t = txn_;
    txn_ = nullptr; // mdb_txn_commit frees the txn even when it fails
    check(mdb_txn_commit(t), "mdb_txn_commit");
}

void Txn::abort() {
    if (shared_) { // what it changed cannot be undone alone
        if (writes_ > 0)
            shared_->spoiled = true;
        shared_ = nullptr;
        txn_ = nullptr;
        return;
    }
    if (txn_) {
        mdb_txn_abort(txn_);
        txn_ = nullptr;
        if (stats_) {
            uint64_t held = now_us() - begun_us_;
            stats_->transactions++;
            stats_->total_held_us += held;
            if (held > stats_->max_held_us)
                stats_->max_held_us = held;
            metrics::read_held(held);
        }
    }
}

size_t Txn::entries(MDB_dbi dbi) const {
    MDB_stat st;
    check(mdb_stat(txn_, dbi, &st), "mdb_stat");
    return st.ms_entries;
}

std::optional<std::string_view> Txn::get(MDB_dbi dbi, std::string_view key) const {
    MDB_val k = to_val(key), v;
    int rc = mdb_get(txn_, dbi, &k, &v);
    if (rc == MDB_NOTFOUND)
        return std::nullopt;
    check(rc, "mdb_get");
    return to_view(v);
}

void Txn::put(MDB_dbi dbi, std::string_view key, std::string_view value, unsigned flags) {
    MDB_val k = to_val(key), v = to_val(value);
    ++writes_;
    check(mdb_put(txn_, dbi, &k, &v, flags), "mdb_put");
}

bool Txn::del(MDB_dbi dbi, std::string_view key) {
    MDB_val k = to_val(key);
    ++writes_;
    int rc = mdb_del(txn_, dbi, &k, nullptr);
    if (rc == MDB_NOTFOUND)
        return false;
    check(rc, "mdb_del");
    return true;
}

// ---------------------------------------------------------------- Cursor

Cursor::Cursor(const Txn &txn, MDB_dbi dbi) : txn_(txn) {
    check(mdb_cursor_open(txn.get(), dbi, &cursor_), "mdb_cursor_open");
}

Cursor::~Cursor() {
    mdb_cursor_close(cursor_);
}

bool Cursor::step(MDB_cursor_op op, MDB_val *k) {
    if (k)
        key_ = *k;
    int rc = mdb_cursor_get(cursor_, &key_, &value_, op);
    if (rc == MDB_NOTFOUND)
        return false;
    check(rc, "mdb_cursor_get");
    return true;
}

bool Cursor::seek(std::string_view key) {
    if (key.empty())
        return first();
    MDB_val k = to_val(key);
    return step(MDB_SET_RANGE, &k);
}

bool Cursor::first() {
    return step(MDB_FIRST);
}
bool Cursor::next() {
    return step(MDB_NEXT);
}
bool Cursor::last() {
    return step(MDB_LAST);
}
bool Cursor::prev() {
    return step(MDB_PREV);
}

void Cursor::del() {
    ++txn_.writes_;
    check(mdb_cursor_del(cursor_, 0), "mdb_cursor_del");
}

} // namespace mtt
