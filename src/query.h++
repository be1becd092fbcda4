// The query engine of the user directory: which users a parsed OData query
// answers, in answer order, read through the indexes where the filter or the
// order allows (see README, "Query options").
//
// The planner:
// - a conjunct `F eq 'L'`, `F in (...)`, `F gt|ge|lt|le 'L'` or
//   `startswith(F, 'P')` on an indexed field (UserName, Email, FirstName,
//   LastName; Id by key for eq/in) is a set of cursor ranges on its index;
//   of several such conjuncts (an `and`), the one with the fewest entries is
//   read (their cursors are stepped in turn until one ends) and the whole
//   filter is tested on the users it yields;
// - $orderby whose first key is an indexed field (and no answer-sized range)
//   walks that index in order (desc backwards, ties still by UserName),
//   skipping $skip matches and stopping after $top unless the total is
//   wanted; the UserName index without a filter starts at the $skip'th
//   entry, stepped to from the nearer end or from the nearest key at a
//   multiple of 1024 that a walk in the same snapshot learned;
// - otherwise every user is read: from an index alone when the filter reads
//   only that index's field and UserName (the index key holds both; the
//   one-field forms of SimplePredicate decided on the key's bytes, see
//   KeyPredicate), else from the user table in key order, testing the
//   filter on a view of the record (no User is built); a table of
//   scan_both_ends_min entries or more is read from both ends at once by
//   two threads in one snapshot; only the $skip+$top best are kept (a
//   bounded heap) when there is a $top.
// The filter's evaluator decides every match: a planned query answers exactly
// what testing every user would (t/unit/test_query.c++).
#pragma once

#include "odata.h++"
#include "store.h++"
#include "users.h++"

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace mtt {

// The filterable fields of a user, in the seed's order (the schema's indexes).
enum UserField {
    F_Id,
    F_UserName,
    F_Email,
    F_FirstName,
    F_LastName,
    F_Phone,
    F_LastLogIn,
    F_Enabled,
    F_IsExternal
};
const odata::Schema &user_schema();

// A user's fields as a filter reads them, from a full User or a record view.
class UserRow : public odata::Row {
  public:
    explicit UserRow(const User &u);
    explicit UserRow(const UserView &v) : v_(v) {}
    odata::Value get(size_t field) const override;

  private:
    UserView v_;
    mutable std::string id_; // the GUID text, made when asked for
};

// The query would read more users or index entries than its limit allows
// (mytimetable_query_max_scan).
class ScanLimit : public std::runtime_error {
  public:
    explicit ScanLimit(uint64_t limit)
        : std::runtime_error("the query reads more than " + std::to_string(limit) + " users"),
          limit_(limit) {}
    uint64_t limit() const { return limit_; }

  private:
    uint64_t limit_;
};

// The query ran longer than its limit allows (mytimetable_query_max_time).
class TimeLimit : public std::runtime_error {
  public:
    explicit TimeLimit(uint64_t ms)
        : std::runtime_error("the query runs longer than " + std::to_string(ms) + " ms"), ms_(ms) {}
    uint64_t ms() const { return ms_; }

  private:
    uint64_t ms_;
};

// What one query may cost; 0: no limit. The clock is read every few hundred
// rows (`clock_us`, microseconds of a monotonic clock: tests give their own).
struct QueryLimits {
    uint64_t max_read = 0;            // index entries and records (ScanLimit)
    uint64_t max_ms = 0;              // milliseconds from the start of run_query (TimeLimit)
    uint64_t (*clock_us)() = nullptr; // null: std::chrono::steady_clock
};

// The clock of one query under `limits.max_ms`: over() is called once per
// entry read and says, from its 256th call on and every 256 calls, whether
// the query has run longer than the limit (never without a limit).
class ScanClock {
  public:
    explicit ScanClock(const QueryLimits &limits)
        : max_us_(limits.max_ms * 1000), clock_(limits.clock_us ? limits.clock_us : steady_us),
          start_us_(max_us_ ? clock_() : 0) {}
    bool over() { return max_us_ && (++ticks_ & 255) == 0 && clock_() - start_us_ > max_us_; }
    uint64_t max_ms() const { return max_us_ / 1000; }
    // Another clock of the same query (a second thread's) starts when this
    // one did.
    void started_with(const ScanClock &other) { start_us_ = other.start_us_; }
    static uint64_t steady_us();

  private:
    uint64_t max_us_;
    uint64_t (*clock_)();
    uint64_t start_us_;
    uint32_t ticks_ = 0;
};

struct QueryResult {
    std::vector<std::string> ids; // the answer's users (raw ids), in order, $skip/$top applied
    uint64_t total = 0;           // users the filter matches (when asked for)
    // What was read, for tests: "id", "index UserName", "index Email", ...,
    // "walk LastName", "walk UserName", "scan index Email", "scan users".
    std::string plan;
    uint64_t examined = 0; // users the filter was tested on
    uint64_t read = 0;     // index entries and records read
    unsigned parts = 1;    // 2: a scan read from both ends at once, in two threads
};

// Runs `q` (filter, orderby, skip, top) in `txn`. With `want_total`, total is
// the number of matches (else it may stop early and total is a lower bound).
// With `max_read` (0: no limit), throws ScanLimit rather than read more than
// that many index entries and records: before it starts when it must read
// every user and there are more, else as soon as it gets there.
QueryResult run_query(const Txn &txn, const odata::Query &q, bool want_total,
                      uint64_t max_read = 0);
// The same within both limits: throws ScanLimit or TimeLimit.
QueryResult run_query(const Txn &txn, const odata::Query &q, bool want_total,
                      const QueryLimits &limits);

// True when `q` surely costs at most about as much as testing `rows` users
// (an Id look-up, an indexed range of at most `rows` entries, a walk without
// a filter over at most 16 * `rows` entries, or a store of at most `rows`
// users); reads at most `rows` entries per indexed condition to find out.
bool light_query(const Txn &txn, const odata::Query &q, bool want_total, uint64_t rows);

// A query run ahead of its request, in any thread (see Command::ahead in
// command.h++): its result, or why it has none.
struct Prequeried {
    QueryResult result;
    uint64_t snapshot = 0;       // the store's snapshot it read
    uint64_t limit_hit = 0;      // ScanLimit's limit; 0: none
    uint64_t time_limit_hit = 0; // TimeLimit's limit (ms); 0: none
    int store_error = 0;         // a StoreError's code; 0: none
    std::string failure;         // the exception's message, when there was one
};
// Runs `q` in a read transaction of its own; no exception leaves it.
void prequery(const Env &env, const odata::Query &q, bool want_total, const QueryLimits &limits,
              Prequeried &out) noexcept;

// A scan of every user (an index or the user table) of at least this many
// entries reads it from both ends at once, in a second thread, when a core
// of the machine is idle (and no other scan of this process has the second
// thread); a second thread that has not started by the time the first is
// done is called off.
inline constexpr uint64_t scan_both_ends_min = 20000;

// run_query with other thresholds than the defaults (5000, 0.25,
// scan_both_ends_min), for tests: with an indexed $orderby that can be
// walked, a range of more than `range_cap` entries is not read; a range of
// more than `scan_share` of the users is not read either (every user is
// then); a scan of at least `both_ends` entries runs from both ends even
// when no core is idle, its sides saying where they are every `meet_every`
// entries (256 in run_query), the first waiting for the second to begin
// when `await_helper` (else the second may be called off before it starts,
// as in run_query).
QueryResult run_query_tuned(const Txn &txn, const odata::Query &q, bool want_total,
                            uint64_t range_cap, double scan_share, uint64_t both_ends = UINT64_MAX,
                            uint32_t meet_every = 256, bool await_helper = true);

// The same answer by testing every user and sorting them all: the judge the
// planner is tested against.
QueryResult run_query_by_scan(const Txn &txn, const odata::Query &q);

} // namespace mtt
