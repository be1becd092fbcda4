#include "api.h++"

#include "handlers.h++"
#include "json.h++"
#include "scim.h++"
#include "text.h++"
#include "users.h++"

#include <chrono>
#include <new>
#include <utility>

namespace mtt {

namespace {

// The whole API, in the order of the contract's tables (spec/api.md).
const std::vector<Route<Parse>> routes = {
    // 1. users
    {"GET", "v0/users", v0_list_users},
    {"PUT", "v0/users/{username}", v0_put_user},
    {"DELETE", "v0/users/{username}", v0_delete_user},
    // 1. users, later MyTimetable versions
    {"GET", "v0/users/{username}", v0_get_user},
    {"POST", "v0/users", v0_create_user},
    {"GET", "v0/users/{username}/synchronizations", v0_user_syncs},
    {"DELETE", "v0/users/{username}/synchronizations", v0_delete_user_syncs},
    {"DELETE", "v0/users/{username}/synchronizations/{type}", v0_delete_user_sync_type},
    // 2. synchronizations and the event ledger
    {"GET", "v0/synchronizations", v0_list_syncs},
    {"PUT", "v0/synchronizations", v0_put_sync},
    {"DELETE", "v0/synchronizations/{id}", v0_delete_sync},
    {"PUT", "v0/synchronizations/{id}/events/{eventId}", v0_put_event},
    {"GET", "v0/synchronizations/{id}/events", v0_sync_events},
    {"GET", "v0/users/{username}/events", v0_user_events},
    {"GET", "v0/users/{username}/calendar.ics", v0_user_calendar},
    // 3. the user directory resource
    {"GET", "users", dir_list_users},
    {"POST", "users", dir_create_user},
    {"GET", "user/{id}", dir_get_user},
    {"PUT", "user/{id}", dir_update_user},
    {"DELETE", "user/{id}", dir_delete_user},
    {"PUT", "user/{id}/password", dir_set_password},
    {"GET", "user/{id}/groups", dir_user_groups},
    {"GET", "user/{id}/permissions/global", dir_empty_list},
    {"GET", "user/{id}/permissions/projects", dir_empty_list},
    {"GET", "user/{id}/notifications", dir_empty_list},
    {"GET", "user/{id}/mailmessages", dir_empty_list},
    // the API's own description (doc/openapi.json)
    {"GET", "openapi.json", api_description},
};

std::string cache_key(const Request &req) {
    return std::string(req.path) + '?' + std::string(req.query) + ' ' + std::string(req.base_url);
}

// The distinct patterns of `routes`, in order.
std::vector<std::string> patterns() {
    std::vector<std::string> out;
    for (const auto &r : routes) {
        bool seen = false;
        for (const auto &p : out)
            seen = seen || p == r.pattern;
        if (!seen)
            out.push_back(r.pattern);
    }
    return out;
}

const std::vector<std::string> &distinct_patterns() {
    static const std::vector<std::string> all = patterns();
    return all;
}

std::string lower(std::string_view s) {
    std::string out(s);
    for (char &c : out)
        if (c >= 'A' && c <= 'Z')
            c = static_cast<char>(c - 'A' + 'a');
    return out;
}

} // namespace

std::vector<std::string> route_table() {
    std::vector<std::string> lines;
    for (const auto &r : routes)
        lines.push_back(std::string(r.method) + ' ' + r.pattern);
    return lines;
}

const metrics::Layout &metrics_layout() {
    static const metrics::Layout layout = [] {
        std::vector<metrics::Layout::Route> rows;
        for (const auto &p : distinct_patterns())
            rows.push_back({metrics::api_of_path(p), p});
        for (const auto &p : scim::patterns())
            rows.push_back({metrics::Api::scim, p});
        return metrics::Layout(std::move(rows));
    }();
    return layout;
}

size_t route_index(std::string_view path, bool scim) {
    const auto &all = distinct_patterns();
    if (scim) {
        size_t i = scim::pattern_index(path);
        return i < scim::patterns().size() ? all.size() + i : all.size() + scim::patterns().size();
    }
    Params params;
    for (size_t i = 0; i < all.size(); i++)
        if (match_pattern(all[i], path, params))
            return i;
    return all.size() + scim::patterns().size();
}

bool writes(std::string_view method) {
    return method == "PUT" || method == "POST" || method == "DELETE" || method == "PATCH";
}

Response store_failure(const StoreError &e, std::string &log) {
    log = std::string("store: ") + e.what();
    if (e.map_full())
        return error(507, "the store is full; raise mytimetable_store_size");
    if (e.readers_full()) {
        metrics::refused(metrics::Limit::readers);
        log += " (every read transaction slot is taken at this instant; answered 503)";
        Response r = error(503, "the store is busy: every read slot is taken; retry in a second");
        r.headers.push_back({"Retry-After", "1"});
        return r;
    }
    return error(500, "the store failed; see the error log");
}

Response too_many_streams(unsigned max) {
    metrics::refused(metrics::Limit::streams);
    Response r = error(503, "this worker is streaming " + std::to_string(max) +
                                " answers already (mytimetable_max_streams); retry in a second");
    r.headers.push_back({"Retry-After", "1"});
    return r;
}

// ---------------------------------------------------------------- the router

Parsed parse(const Request &req, const Settings &settings) {
    if (req.scim)
        return scim::parse(req, settings);
    auto m = route(routes, req.method, req.path);
    switch (m.kind) {
    case Match<Parse>::Found:
        return m.route->handler(req, m.params, settings);
    case Match<Parse>::NoMethod: {
        Response r = error(405, "the method " + std::string(req.method) +
                                    " is not allowed here; allowed: " + m.allow);
        r.headers.push_back({"Allow", m.allow});
        return r;
    }
    case Match<Parse>::NoPath:
        break;
    }
    return error(404, "no API resource at this path");
}

Scope scope_of(const Context &ctx, const Request &req) {
    return Scope{ctx.env, ctx.settings, req.base_url, req.now};
}

namespace {

Response plain_exception_answer(std::string &log) {
    try {
        throw;
    } catch (const StoreError &e) {
        return store_failure(e, log);
    } catch (const std::bad_alloc &) {
        log = "out of memory";
        return error(500, "out of memory");
    } catch (const std::exception &e) {
        log = e.what();
    } catch (...) {
        log = "unknown exception";
    }
    return error(500, "internal error; see the error log");
}

} // namespace

Response exception_answer(std::string &log, bool scim) {
    Response r = plain_exception_answer(log);
    return scim ? scim::as_scim_error(std::move(r)) : std::move(r);
}

Response commit_failure(int rc, bool scim) {
    Response r = rc == MDB_MAP_FULL ? error(507, "the store is full; raise mytimetable_store_size")
                                    : error(500, "the store failed; see the error log");
    return scim ? scim::as_scim_error(std::move(r)) : std::move(r);
}

std::optional<Response> run_read(Context &ctx, const Request &req, const Command &cmd,
                                 uint64_t ahead_rows) {
    try {
        Txn txn(ctx.env, Txn::Read);
        uint64_t snapshot = txn.snapshot();
        std::string key;
        Cache *cache = req.scim ? nullptr : ctx.cache; // SCIM answers carry ETags: not cached
        if (cache) {
            key = cache_key(req);
            if (const Response *hit = cache->find(snapshot, key)) {
                metrics::count(&metrics::Block::cache_hits);
                return copy_of(*hit);
            }
        }
        const ReadAhead *ahead = cmd.ahead.get();
        if (ahead_rows && ahead && !ahead->ran() && ahead->long_read(txn, ahead_rows))
            return std::nullopt; // the caller runs it ahead, then asks again
        if (cache)
            metrics::count(&metrics::Block::cache_misses);
        Response r = cmd.apply(txn, scope_of(ctx, req));
        // a read run ahead may have seen an older snapshot: not this one's answer
        if (cache && (!ahead || !ahead->ran() || ahead->snapshot() == snapshot))
            cache->store(snapshot, key, r);
        return r;
    } catch (...) {
        return exception_answer(ctx.log, req.scim);
    }
}

namespace {

// A write alone in a write transaction of its own (handle()).
Response run_write(Context &ctx, const Request &req, const Command &cmd) {
    try {
        Txn txn(ctx.env, Txn::Write);
        Response r = cmd.apply(txn, scope_of(ctx, req));
        if (r.status < 400)
            txn.commit();
        return r;
    } catch (...) {
        return exception_answer(ctx.log, req.scim);
    }
}

} // namespace

Response handle(Context &ctx, const Request &req) {
    try {
        Parsed p = parse(req, ctx.settings);
        if (!p.command)
            return std::move(p.answer);
        if (writes(req.method))
            return run_write(ctx, req, *p.command);
        return *run_read(ctx, req, *p.command);
    } catch (...) {
        return exception_answer(ctx.log, req.scim);
    }
}

// ---------------------------------------------------------------- group commit

namespace {

// One command of a batch, in a transaction inside it (nested or direct, see
// Batch): kept when it answers a success, undone otherwise.
Answer apply_in(Env &env, const Settings &settings, const Write &w, Batch &batch) {
    Answer a;
    try {
        Txn txn(env, Txn::Write, &batch);
        a.response = w.command->apply(txn, Scope{env, settings, w.base_url, w.now});
        if (a.response.status < 400)
            txn.commit();
    } catch (...) {
        if (!batch.nested)
            batch.spoiled = true; // it may have changed the batch before it failed
        a.response = exception_answer(a.log, w.scim);
    }
    return a;
}

// Aborts the batch transaction unless it was handed to LMDB's commit.
struct BatchTxn {
    MDB_txn *txn = nullptr;
    ~BatchTxn() {
        if (txn)
            mdb_txn_abort(txn);
    }
    int commit() { return mdb_txn_commit(std::exchange(txn, nullptr)); }
};

} // namespace

int run_batch(Env &env, const Settings &settings, const std::vector<Write> &writes,
              std::vector<Answer> &answers) {
    return run_batch(
        env, settings, [&]() -> const std::vector<Write> & { return writes; }, answers);
}

int run_batch(Env &env, const Settings &settings, const TakeWrites &take,
              std::vector<Answer> &answers) {
    answers.clear();
    const std::vector<Write> *writes = nullptr;
    auto begun = std::chrono::steady_clock::now();
    for (bool nested : {false, true}) {
        BatchTxn txn;
        if (int rc = mdb_txn_begin(env.get(), nullptr, 0, &txn.txn))
            return rc;
        if (!writes) { // the writer lock is ours: what came meanwhile joins
            writes = &take();
            answers.resize(writes->size());
        }
        Batch batch;
        batch.txn = txn.txn;
        batch.nested = nested;
        for (size_t i = 0; i < writes->size(); i++)
            answers[i] = apply_in(env, settings, (*writes)[i], batch);
        if (!nested && batch.spoiled) {
            if (writes->size() > 1)
                continue;       // abort, and again, nested
            return MDB_SUCCESS; // a lone write that failed: abort it
        }
        int rc = txn.commit();
        auto took = std::chrono::duration_cast<std::chrono::microseconds>(
            std::chrono::steady_clock::now() - begun);
        metrics::batch_committed(writes->size(), static_cast<uint64_t>(took.count()));
        if (rc != MDB_SUCCESS)
            metrics::count(&metrics::Block::sync_failures);
        return rc;
    }
    return MDB_SUCCESS; // not reached: the nested run always commits
}

// ---------------------------------------------------------------- cache

const Response *Cache::find(uint64_t snapshot, const std::string &key) {
    if (snapshot != snapshot_)
        return nullptr;
    auto it = entries_.find(key);
    return it == entries_.end() ? nullptr : &it->second;
}

void Cache::store(uint64_t snapshot, const std::string &key, const Response &r) {
    if (r.status != 200 || r.stream || r.body.size() > max_body || r.content_type != json_type)
        return;
    if (snapshot != snapshot_ || entries_.size() >= max_entries) {
        entries_.clear();
        snapshot_ = snapshot;
    }
    entries_[key] = copy_of(r);
}

// ---------------------------------------------------------------- helpers

Response json_response(int status, const json_t *body) {
    Response r;
    r.status = status;
    r.content_type = json_type;
    r.body = dump(body);
    return r;
}

bool username_param(std::string_view raw, std::string &name, Response &bad) {
    if (auto e = percent_decode(raw, false, name)) {
        bad = error(400, "invalid username: " + describe(*e));
        return false;
    }
    if (auto problem = username_problem(name)) {
        bad = error(400, "invalid username: " + *problem);
        return false;
    }
    return true;
}

bool media_type_is(std::string_view content_type, std::string_view type) {
    std::string_view media = content_type.substr(0, content_type.find(';'));
    while (!media.empty() && (media.back() == ' ' || media.back() == '\t'))
        media.remove_suffix(1);
    return lower(media) == type;
}

bool body_form(const Request &req, Form &form, Response &bad) {
    bool absent = req.content_type.empty() && req.body.empty();
    if (!absent && !media_type_is(req.content_type, "application/x-www-form-urlencoded")) {
        bad = error(415, "the body must be application/x-www-form-urlencoded");
        return false;
    }
    if (auto e = parse_form(req.body, form)) {
        bad = error(400, *e);
        return false;
    }
    return true;
}

bool query_form(const Request &req, Form &form, Response &bad) {
    if (auto e = parse_form(req.query, form)) {
        bad = error(400, "query string: " + *e);
        return false;
    }
    return true;
}

bool single(const Form &form, std::string_view name, bool required, std::string_view where,
            const std::string *&value, Response &bad) {
    size_t n = form.count(name);
    value = form.first(name);
    if (n > 1) {
        bad = error(400, std::string(where) + " " + std::string(name) + " is given " +
                             std::to_string(n) + " times; give it once");
        return false;
    }
    if (n == 0 && required) {
        bad = error(400, "missing " + std::string(where) + " " + std::string(name));
        return false;
    }
    return true;
}

} // namespace mtt
