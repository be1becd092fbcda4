// The API: the routing table and its handlers, on top of the store.
#pragma once

#include "http.h++"
#include "query.h++"
#include "metrics.h++"
#include "store.h++"

#include <string>
#include <unordered_map>
#include <vector>

namespace mtt {

struct SyncType {
    std::string name;
    bool mailbox = false;
};

// mytimetable_instance_id's default.
inline constexpr char default_instance_id[] = "default";

// mytimetable_query_max_scan's default: users and index entries one
// directory query may read (0: no limit).
inline constexpr uint64_t default_query_max_scan = 1000000;

// mytimetable_query_max_time's default, in milliseconds: how long finding the
// users of one directory query may take (0: no limit).
inline constexpr uint64_t default_query_max_time_ms = 5000;

struct Settings {
    std::vector<SyncType> sync_types;
    std::string instance_id = default_instance_id;
    uint64_t query_max_scan = default_query_max_scan;
    uint64_t query_max_time_ms = default_query_max_time_ms;

    // The limits of one directory query.
    QueryLimits query_limits() const {
        QueryLimits l;
        l.max_read = query_max_scan;
        l.max_ms = query_max_time_ms;
        return l;
    }
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
    Batch *batch = nullptr;   // when set, write transactions run in it (group commit)
    Cache *cache = nullptr;   // optional
};

// A GET of the directory's users whose query may read many users: the query
// to run off the event loop (run(), in any thread), after which the request
// is answered by handle() with Request::prequeried = &out.
struct PendingQuery {
    odata::Query query;
    bool want_total = false;
    QueryLimits limits;
    Prequeried out;
    void run(const Env &env) noexcept { prequery(env, query, want_total, limits, out); }
};

// The PendingQuery of `req` when it is a GET users whose query may read more
// than `rows` users and index entries (light_query); nullptr for every other
// request, a query that reads little, a refused query and an answer the
// cache holds: handle() answers those at once.
std::unique_ptr<PendingQuery> offload_query(Context &ctx, const Request &req, uint64_t rows);
// The routing table, one "METHOD pattern" line per route, in its order
// (make openapi-check compares it with the operations of doc/openapi.json).
std::vector<std::string> route_table();

// The API's OpenAPI description (GET openapi.json): the bytes of
// doc/openapi.json, embedded when the module was built.
std::string_view openapi_description();

// The rows of the request counters: the distinct path patterns of the
// routes, in the table's order, each with its API.
const metrics::Layout &metrics_layout();

// The index (a route of metrics_layout()) of the pattern that `path`
// matches, whatever the method (`scim`: a path of the SCIM location, whose
// patterns follow the API's); one past them all when none does.
size_t route_index(std::string_view path, bool scim = false);

// True for the methods whose handlers write.
bool writes(std::string_view method);

// Answers one request. A store error becomes the answer of store_failure(),
// with ctx.log set.
Response handle(Context &ctx, const Request &req);

// What a store error answers, with the line to log in `log`: 507 when the map
// is full; 503 with `Retry-After: 1` when LMDB's reader table is full (every
// slot taken by read transactions open at this instant: the next second has
// free ones); 500 for anything else.
Response store_failure(const StoreError &e, std::string &log);

// The answer to a streamed request beyond the `max` streams a worker carries
// at once: 503 with `Retry-After: 1`.
Response too_many_streams(unsigned max);

// Argon2id is slow (about 25 ms and 19 MiB a password): the caller can hash
// the password a write sets before the write runs, off its event loop and
// outside the batch's writer lock. True, with the password, for a directory
// write (POST users, PUT user/{id}, PUT user/{id}/password) whose body sets a
// valid one; the caller then passes hash_password_text(password) back in
// Request::prehashed. Hashing is safe in any thread.
bool password_to_hash(const Request &req, std::string &password);
std::string hash_password_text(std::string_view password);

// What one write of a batch answered, and the line it asks to log.
struct Answer {
    Response response;
    std::string log;
};

// Group commit: runs `writes` in one write transaction and commits it, so
// that they share one (synced) commit. They first run directly in the batch;
// if one spoiled it (failed after changing something, see Batch), the batch
// is aborted and they run again, each nested, so that only the failed one is
// undone. A lone write needs no second run: aborting undoes it, and its
// answer says it failed. Returns MDB_SUCCESS, or the LMDB code of the begin
// or commit that failed, in which case nothing was written and a write whose
// answer says success did not happen. `run` answers one write (tests pass
// their own).
using Runner = Response (*)(Context &, const Request &);
int run_batch(Env &env, const Settings &settings, const std::vector<Request> &writes,
              std::vector<Answer> &answers, Runner run = handle);

} // namespace mtt
