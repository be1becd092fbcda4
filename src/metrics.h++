// Metrics: the counters every worker adds to, and their Prometheus text.
//
// The counters live in one Block of plain atomics, which the nginx side
// places in a shared memory zone (src/ngx/metrics), so that all the workers
// of all generations add to the same numbers and a scrape of any worker sees
// their sum. Adding is a relaxed fetch_add: no lock, no fence, a few
// nanoseconds on the hot paths. A scrape reads the counters one by one while
// the workers go on adding, so two counters may be a request apart; each
// counter only grows.
//
// `shared` points at the Block of this process, or is null (no
// `mytimetable_metrics` location, unit tests): then nothing is counted.
#pragma once

#include "store.h++"

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <string>
#include <string_view>
#include <vector>

namespace mtt::metrics {

// The module's version, as mytimetable_build_info shows it.
inline constexpr char version[] = "0.1.0";

using Counter = std::atomic<uint64_t>;
static_assert(Counter::is_always_lock_free, "the counters are shared between processes");

inline void add(Counter &c, uint64_t n = 1) {
    c.fetch_add(n, std::memory_order_relaxed);
}
inline uint64_t get(const Counter &c) {
    return c.load(std::memory_order_relaxed);
}
// Raises `c` to `v` when `v` is larger.
inline void raise_to(Counter &c, uint64_t v) {
    uint64_t seen = c.load(std::memory_order_relaxed);
    while (v > seen && !c.compare_exchange_weak(seen, v, std::memory_order_relaxed))
        ;
}

// The bucket bounds: durations in microseconds (shown in seconds), writes per
// batch as counts.
inline constexpr uint64_t commit_bounds_us[] = {
    100, 250, 500, 1000, 2500, 5000, 10000, 25000, 50000, 100000, 250000, 500000, 1000000, 2500000};
inline constexpr uint64_t hold_bounds_us[] = {10,    50,     100,    250,     500,
                                              1000,  2500,   5000,   10000,   25000,
                                              50000, 100000, 250000, 1000000, 10000000};
inline constexpr uint64_t batch_bounds[] = {1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024};

// A histogram: one counter per bucket (not cumulative: the text makes them
// so), the last for values above every bound, and the sum of the values.
// Its count is the sum of its buckets, so that the text always agrees.
template <size_t N> struct Histogram {
    Counter buckets[N + 1];
    Counter sum;
    void observe(const uint64_t (&bounds)[N], uint64_t v) {
        size_t i = 0;
        while (i < N && v > bounds[i])
            i++;
        add(buckets[i]);
        add(sum, v);
    }
};

// The APIs a request is counted under (the first segment of its path).
enum class Api { v0, directory, scim, other };
inline constexpr size_t apis = 4;
const char *api_name(Api a);
Api api_of_path(std::string_view path);

// The limits a query is refused by: the OData parser's ($filter's length
// and nesting, $top/$skip's maximum), and the two that answer 503 (the
// streams per worker, LMDB's reader table).
enum class Limit { filter_bytes, filter_depth, top_skip, streams, readers };
inline constexpr size_t limits = 5;
const char *limit_name(Limit l);

// Requests are counted per row and final status (100 to 599). A row is a
// route pattern of the API's table or, after them, one row per API for the
// paths that match no route.
inline constexpr size_t max_rows = 64;
inline constexpr int first_status = 100;
inline constexpr size_t statuses = 500;

// What became of a GET of a mytimetable_backup location.
enum class Backup { made, failed, refused };
inline constexpr size_t backup_results = 3;
const char *backup_result_name(Backup b);

// "mttmetr2": the Block's own layout (changed when a counter is added)
inline constexpr uint64_t magic = 0x6d74746d65747232;

struct Block {
    uint64_t magic;
    uint64_t layout; // Layout::hash() of the rows it counts
    Counter requests[max_rows][statuses];
    Histogram<std::size(batch_bounds)> batch_writes;
    Histogram<std::size(commit_bounds_us)> commit_us;
    Histogram<std::size(hold_bounds_us)> read_hold_us;
    Counter read_max_hold_us;
    Counter sync_failures;
    Counter cache_hits, cache_misses;
    Counter hashes_queued, hashes_done;
    Counter refused[limits];
    Counter backups[backup_results];
    Counter backup_bytes, backup_us;
    Counter last_backup_time; // Unix time of the newest copy made; 0: none
};

// The Block of this process, or null: nothing is counted.
extern Block *shared;

class Layout;
// Prepares a Block for `layout`: true when `b` was already prepared for it
// (the counters of an earlier generation go on), false when it was (re)set
// to zero.
bool prepare(Block &b, const Layout &layout);

// What the rows of the request counters are: the API's route patterns, then
// one row per API for its paths that match no route ("none").
class Layout {
  public:
    struct Route {
        Api api;
        std::string pattern;
    };
    // At most max_rows - apis routes.
    explicit Layout(std::vector<Route> routes);
    size_t rows() const { return routes_.size() + apis; }
    // The row of the route with this index; an index past them: the "none"
    // row of `api`.
    size_t row(size_t route, Api api) const {
        return route < routes_.size() ? route : routes_.size() + static_cast<size_t>(api);
    }
    Api api(size_t row) const;
    std::string_view route(size_t row) const; // "none": no route
    // Tells two layouts apart (a Block kept across a reload by another build).
    uint64_t hash() const;

  private:
    std::vector<Route> routes_;
};

// Counts one request of `row` that answered `status` (outside 100-599: not
// counted).
inline void count_request(size_t row, int status) {
    Block *b = shared;
    if (!b || row >= max_rows || status < first_status ||
        status >= first_status + static_cast<int>(statuses))
        return;
    add(b->requests[row][status - first_status]);
}

inline void count(Counter Block::*c) {
    if (Block *b = shared)
        add(b->*c);
}

inline void refused(Limit l) {
    if (Block *b = shared)
        add(b->refused[static_cast<size_t>(l)]);
}

// A read transaction ended after `us` microseconds.
inline void read_held(uint64_t us) {
    if (Block *b = shared) {
        b->read_hold_us.observe(hold_bounds_us, us);
        raise_to(b->read_max_hold_us, us);
    }
}

// A batch of `writes` ran; its transaction took `us` from begin to the end
// of its commit.
inline void batch_committed(size_t writes, uint64_t us) {
    if (Block *b = shared) {
        b->batch_writes.observe(batch_bounds, writes);
        b->commit_us.observe(commit_bounds_us, us);
    }
}

// A backup ended as `result`; a copy made has `bytes` and took `us` to make
// at Unix time `when`.
inline void backup(Backup result, uint64_t bytes = 0, uint64_t us = 0, uint64_t when = 0) {
    if (Block *b = shared) {
        add(b->backups[static_cast<size_t>(result)]);
        if (result == Backup::made) {
            add(b->backup_bytes, bytes);
            add(b->backup_us, us);
            raise_to(b->last_backup_time, when);
        }
    }
}

// The store as LMDB describes it at the moment of a scrape.
struct StoreGauges {
    uint64_t map_size = 0;
    uint64_t used_bytes = 0; // the pages up to the last one used
    uint64_t readers = 0;    // reader slots held by open read transactions
    uint64_t max_readers = 0;
    uint64_t layout_version = 0;                           // the schema of `meta`
    std::vector<std::pair<std::string, uint64_t>> entries; // per table
};

// Reads them in a short read transaction of its own.
StoreGauges read_store_gauges(const Env &env);

// The exposition (text format 0.0.4) of `b`, the store's gauges (null when
// the store is not open) and the build.
std::string render(const Block &b, const Layout &layout, const StoreGauges *store,
                   std::string_view nginx);

inline constexpr char content_type[] = "text/plain; version=0.0.4; charset=utf-8";

// Microseconds as seconds, in the shortest decimal: 2500 -> "0.0025".
std::string seconds(uint64_t us);

} // namespace mtt::metrics
