// The API: the routing table of its routes (each a Parse, see command.h++),
// and the router that applies their commands in the transactions it owns.
#pragma once

#include "command.h++"
#include "http.h++"
#include "metrics.h++"
#include "query.h++"
#include "store.h++"

#include <functional>
#include <optional>
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
    std::string log;        // non-empty: the caller logs it at error level
    Cache *cache = nullptr; // optional
};

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

// True for the methods whose routes write.
bool writes(std::string_view method);

// ---------------------------------------------------------------- the router
//
// A request goes through three steps (see command.h++):
//   parse(req)                 on the event loop, no store: a command or a refusal
//   run_read(ctx, req, cmd)    a GET or HEAD: apply in one read transaction
//   run_batch(env, ..., cmds)  writes: apply in the batch's write transaction
// The nginx side (src/ngx/) adds what is slow between the first and the
// others: a command's password is hashed, its long read run ahead, in
// nginx's thread pool.

// The route of `req`, parsed: its command, or the answer that refuses the
// request (404: no route; 405 with Allow: another method; or the route's
// own refusal). May throw std::bad_alloc.
Parsed parse(const Request &req, const Settings &settings);

// What apply may use besides its transaction, for `req`.
Scope scope_of(const Context &ctx, const Request &req);

// Answers the read command of `req` (a GET or HEAD) in one read
// transaction, the one whose snapshot keys the answer cache (ctx.cache): the
// cached answer when there is one, else apply's (kept when it is a whole
// JSON 200, unless its long read ran ahead on an older snapshot). With
// `ahead_rows` (the caller can run a long read ahead), a command whose long
// read may take more than that (ReadAhead::long_read) and did not run yet
// is not answered: nothing is returned, and the caller runs cmd.ahead, then
// calls again. A store error becomes the answer of store_failure() with
// ctx.log set; any other exception, a JSON 500.
std::optional<Response> run_read(Context &ctx, const Request &req, const Command &cmd,
                                 uint64_t ahead_rows = 0);

// One write of a batch: its command, and what apply may use of its request.
struct Write {
    const Command *command;
    std::string_view base_url;
    int64_t now = 0;
    bool scim = false; // of the SCIM location: a failure answers a SCIM error
};

// What one write of a batch answered, and the line it asks to log.
struct Answer {
    Response response;
    std::string log;
};

// Group commit: applies `writes` in one write transaction and commits it, so
// that they share one (synced) commit; each command's changes are kept when
// it answers a success (below 400) and undone otherwise. They first run
// directly in the batch; if one spoiled it (failed after changing
// something, see Batch), the batch is aborted and the same commands run
// again, each nested, so that only the failed one is undone. A lone write
// needs no second run: aborting undoes it, and its answer says it failed.
// Returns MDB_SUCCESS, or the LMDB code of the begin or commit that failed,
// in which case nothing was written and a write whose answer says success
// did not happen.
int run_batch(Env &env, const Settings &settings, const std::vector<Write> &writes,
              std::vector<Answer> &answers);

// The same for writes that are known only once the batch's transaction has
// begun, that is once this thread holds LMDB's writer lock (which another
// process may hold for a while): `take` runs then, once, and returns them
// (they stay valid until run_batch returns). When the begin fails, `take`
// does not run and `answers` stays empty.
using TakeWrites = std::function<const std::vector<Write> &()>;
int run_batch(Env &env, const Settings &settings, const TakeWrites &take,
              std::vector<Answer> &answers);

// Answers one request, all three steps at once (tests, fuzzing): a write
// runs alone in a write transaction of its own. Never throws. The requests
// of the SCIM location (Request::scim) take the same steps, with SCIM's own
// routes (scim::parse) and errors, and no answer cache.
Response handle(Context &ctx, const Request &req);

// The answer to the exception being handled (call it in a catch block): a
// StoreError's store_failure(), std::bad_alloc's 500 "out of memory", any
// other a JSON 500; `log` gets the line to log. For a request of the SCIM
// location (`scim`), the same as a SCIM error.
Response exception_answer(std::string &log, bool scim = false);

// What the writes of a batch answer when its begin or commit failed with the
// LMDB code `rc` (nothing of it was written): 507 for a full map, else 500;
// a SCIM error for a request of the SCIM location.
Response commit_failure(int rc, bool scim = false);

// What a store error answers, with the line to log in `log`: 507 when the map
// is full; 503 with `Retry-After: 1` when LMDB's reader table is full (every
// slot taken by read transactions open at this instant: the next second has
// free ones); 500 for anything else.
Response store_failure(const StoreError &e, std::string &log);

// The answer to a streamed request beyond the `max` streams a worker carries
// at once: 503 with `Retry-After: 1`.
Response too_many_streams(unsigned max);

} // namespace mtt
