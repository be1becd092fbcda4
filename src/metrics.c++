#include "metrics.h++"

#include <cstdio>
#include <cstring>

namespace mtt::metrics {

Block *shared = nullptr;

const char *api_name(Api a) {
    switch (a) {
    case Api::v0:
        return "v0";
    case Api::directory:
        return "directory";
    case Api::scim:
        return "scim";
    case Api::other:
        break;
    }
    return "other";
}

Api api_of_path(std::string_view path) {
    std::string_view first = path.substr(0, path.find('/'));
    if (first == "v0")
        return Api::v0;
    if (first == "users" || first == "user")
        return Api::directory;
    return Api::other;
}

const char *limit_name(Limit l) {
    switch (l) {
    case Limit::filter_bytes:
        return "filter_bytes";
    case Limit::filter_depth:
        return "filter_depth";
    case Limit::top_skip:
        return "top_skip";
    case Limit::streams:
        return "streams";
    case Limit::readers:
        break;
    }
    return "readers";
}

Layout::Layout(std::vector<Route> routes) : routes_(std::move(routes)) {
    if (routes_.size() > max_rows - apis)
        routes_.resize(max_rows - apis);
}

Api Layout::api(size_t row) const {
    return row < routes_.size() ? routes_[row].api : static_cast<Api>(row - routes_.size());
}

std::string_view Layout::route(size_t row) const {
    return row < routes_.size() ? std::string_view(routes_[row].pattern) : "none";
}

uint64_t Layout::hash() const {
    uint64_t h = 14695981039346656037u; // FNV-1a
    auto mix = [&](std::string_view s) {
        for (unsigned char c : s)
            h = (h ^ c) * 1099511628211u;
        h = (h ^ 0xff) * 1099511628211u;
    };
    for (const Route &r : routes_) {
        mix(api_name(r.api));
        mix(r.pattern);
    }
    return h ^ sizeof(Block);
}

const char *backup_result_name(Backup b) {
    switch (b) {
    case Backup::made:
        return "made";
    case Backup::failed:
        return "failed";
    case Backup::refused:
        return "refused";
    }
    return "?";
}

bool prepare(Block &b, const Layout &layout) {
    if (b.magic == magic && b.layout == layout.hash())
        return true;
    std::memset(static_cast<void *>(&b), 0, sizeof b);
    b.magic = magic;
    b.layout = layout.hash();
    return false;
}

// ---------------------------------------------------------------- store gauges

namespace {

// mdb_reader_list's callback: one line of text a call, a header first, then
// one per reader slot in use ("(no active readers)" when none).
int count_reader(const char *line, void *ctx) {
    while (*line == ' ')
        line++;
    if (*line >= '0' && *line <= '9')
        ++*static_cast<uint64_t *>(ctx);
    return 0;
}

} // namespace

StoreGauges read_store_gauges(const Env &env) {
    StoreGauges g;
    // before this function's own transaction takes a slot
    mdb_reader_list(env.get(), count_reader, &g.readers);
    MDB_envinfo info;
    check(mdb_env_info(env.get(), &info), "mdb_env_info");
    MDB_stat st;
    check(mdb_env_stat(env.get(), &st), "mdb_env_stat");
    g.map_size = info.me_mapsize;
    g.used_bytes = (static_cast<uint64_t>(info.me_last_pgno) + 1) * st.ms_psize;
    g.max_readers = info.me_maxreaders;
    Txn txn(env, Txn::Read);
    const Tables &t = txn.tables();
    for (auto [name, dbi] : {std::pair<const char *, MDB_dbi>{"meta", t.meta},
                             {"users", t.users},
                             {"users_by_name", t.users_by_name},
                             {"users_by_email", t.users_by_email},
                             {"users_by_first", t.users_by_first},
                             {"users_by_last", t.users_by_last},
                             {"users_by_name_fold", t.users_by_name_fold},
                             {"users_by_external_id", t.users_by_external_id},
                             {"users_by_role", t.users_by_role},
                             {"groups", t.groups},
                             {"groups_by_name", t.groups_by_name},
                             {"syncs", t.syncs},
                             {"syncs_by_user", t.syncs_by_user},
                             {"events", t.events},
                             {"events_by_user", t.events_by_user}})
        g.entries.emplace_back(name, txn.entries(dbi));
    if (auto v = txn.get(t.meta, "schema"))
        g.layout_version = from_be64(*v);
    return g;
}

// ---------------------------------------------------------------- exposition

std::string seconds(uint64_t us) {
    std::string s = std::to_string(us / 1000000);
    uint64_t frac = us % 1000000;
    if (frac == 0)
        return s;
    char digits[8];
    std::snprintf(digits, sizeof digits, "%06llu", static_cast<unsigned long long>(frac));
    size_t n = 6;
    while (digits[n - 1] == '0')
        n--;
    return s + '.' + std::string(digits, n);
}

namespace {

// A label value with \, " and newline escaped.
std::string escaped(std::string_view v) {
    std::string out;
    for (char c : v) {
        if (c == '\\' || c == '"')
            out += '\\';
        if (c == '\n') {
            out += "\\n";
            continue;
        }
        out += c;
    }
    return out;
}

class Writer {
  public:
    std::string text;

    void head(const char *name, const char *type, const char *help) {
        text += "# HELP ";
        text += name;
        text += ' ';
        text += help;
        text += "\n# TYPE ";
        text += name;
        text += ' ';
        text += type;
        text += '\n';
    }
    void sample(std::string_view name, std::string_view labels, std::string_view value) {
        text += name;
        if (!labels.empty()) {
            text += '{';
            text += labels;
            text += '}';
        }
        text += ' ';
        text += value;
        text += '\n';
    }
    void sample(std::string_view name, std::string_view labels, uint64_t value) {
        sample(name, labels, std::to_string(value));
    }
    void single(const char *name, const char *type, const char *help, uint64_t value) {
        head(name, type, help);
        sample(name, "", value);
    }
    // `us`: the bounds and the sum are microseconds, shown as seconds.
    template <size_t N>
    void histogram(const char *name, const char *help, const Histogram<N> &h,
                   const uint64_t (&bounds)[N], bool us) {
        head(name, "histogram", help);
        std::string bucket = std::string(name) + "_bucket";
        uint64_t total = 0;
        for (size_t i = 0; i <= N; i++) {
            total += get(h.buckets[i]);
            std::string le = i == N ? "+Inf" : us ? seconds(bounds[i]) : std::to_string(bounds[i]);
            sample(bucket, "le=\"" + le + "\"", total);
        }
        uint64_t sum = get(h.sum);
        sample(std::string(name) + "_sum", "", us ? seconds(sum) : std::to_string(sum));
        sample(std::string(name) + "_count", "", total);
    }
};

} // namespace

std::string render(const Block &b, const Layout &layout, const StoreGauges *store,
                   std::string_view nginx) {
    Writer w;
    w.head("mytimetable_requests_total", "counter",
           "Requests the API answered, by API, route pattern and status code.");
    for (size_t row = 0; row < layout.rows() && row < max_rows; row++) {
        std::string labels = std::string("api=\"") + api_name(layout.api(row)) + "\",route=\"" +
                             escaped(layout.route(row)) + "\",code=\"";
        for (size_t s = 0; s < statuses; s++) {
            uint64_t n = get(b.requests[row][s]);
            if (n)
                w.sample("mytimetable_requests_total",
                         labels + std::to_string(first_status + static_cast<int>(s)) + "\"", n);
        }
    }
    w.histogram("mytimetable_batch_writes", "Writes per committed batch (group commit).",
                b.batch_writes, batch_bounds, false);
    w.histogram("mytimetable_commit_duration_seconds",
                "Time a write batch waited for and held LMDB's writer lock, from its begin to "
                "the end of its commit (synced under full durability).",
                b.commit_us, commit_bounds_us, true);
    w.single("mytimetable_sync_failures_total", "counter",
             "Writes not made durable: batch commits that failed (their writes answered an "
             "error) and, under relaxed durability, flushes that failed.",
             get(b.sync_failures));
    w.single("mytimetable_cache_hits_total", "counter",
             "GET answers served from a worker's answer cache.", get(b.cache_hits));
    w.single("mytimetable_cache_misses_total", "counter",
             "GET answers the cache did not hold, produced by their handler.", get(b.cache_misses));
    w.single("mytimetable_password_hashes_queued_total", "counter",
             "Passwords handed to the thread pool to be hashed.", get(b.hashes_queued));
    w.single("mytimetable_password_hashes_done_total", "counter",
             "Password hashes the thread pool finished.", get(b.hashes_done));
    w.head("mytimetable_queries_refused_total", "counter",
           "Requests refused by a limit, by limit.");
    for (size_t l = 0; l < limits; l++)
        w.sample("mytimetable_queries_refused_total",
                 std::string("limit=\"") + limit_name(static_cast<Limit>(l)) + "\"",
                 get(b.refused[l]));
    w.head("mytimetable_backups_total", "counter",
           "GETs of a mytimetable_backup location, by result: made (the copy was made and its "
           "sending began), failed (500), refused (503: another backup in the worker, or no "
           "store).");
    for (size_t i = 0; i < backup_results; i++)
        w.sample("mytimetable_backups_total",
                 std::string("result=\"") + backup_result_name(static_cast<Backup>(i)) + "\"",
                 get(b.backups[i]));
    w.single("mytimetable_backup_bytes_total", "counter", "Bytes of the copies made.",
             get(b.backup_bytes));
    w.head("mytimetable_backup_seconds_total", "counter",
           "Time spent making the copies (in the thread pool), before their sending.");
    w.sample("mytimetable_backup_seconds_total", "", seconds(get(b.backup_us)));
    w.single("mytimetable_last_backup_timestamp_seconds", "gauge",
             "Unix time at which the newest copy made was asked for, the store as of then (0: "
             "none since the counters began).",
             get(b.last_backup_time));
    w.histogram("mytimetable_read_transaction_hold_seconds",
                "Time each read transaction was held open.", b.read_hold_us, hold_bounds_us, true);
    w.head("mytimetable_read_transaction_max_hold_seconds", "gauge",
           "The longest time a read transaction was held open.");
    w.sample("mytimetable_read_transaction_max_hold_seconds", "", seconds(get(b.read_max_hold_us)));
    w.single("mytimetable_store_open", "gauge",
             "1 when the worker that answered has the store open.", store ? 1 : 0);
    if (store) {
        w.single("mytimetable_store_map_size_bytes", "gauge",
                 "The size of LMDB's map (mytimetable_store_size).", store->map_size);
        w.single("mytimetable_store_used_bytes", "gauge",
                 "The bytes of the map up to its last page in use.", store->used_bytes);
        w.single("mytimetable_store_readers", "gauge",
                 "LMDB reader slots held by open read transactions.", store->readers);
        w.single("mytimetable_store_max_readers", "gauge", "LMDB's reader slots.",
                 store->max_readers);
        w.head("mytimetable_store_entries", "gauge", "Entries per table of the store.");
        for (const auto &[table, n] : store->entries)
            w.sample("mytimetable_store_entries", "table=\"" + escaped(table) + "\"", n);
        w.single("mytimetable_store_layout_version", "gauge",
                 "The store's layout (schema) version.", store->layout_version);
    }
    w.head("mytimetable_build_info", "gauge", "The module's version and nginx's.");
    w.sample("mytimetable_build_info",
             std::string("version=\"") + version + "\",nginx=\"" + escaped(nginx) + "\"", 1);
    return std::move(w.text);
}

} // namespace mtt::metrics
