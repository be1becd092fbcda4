// One job: group commit (see batch.h++).

#include "ngx/batch.h++"

#include "ngx/lifecycle.h++"
#include "ngx/output.h++"
#include "ngx/tasks.h++"

#include "api.h++"

#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace mtt::ngx {

namespace {

// A write waiting for its batch: its command, in the request's pool, and its
// request's base URL and time. Both live as long as the request (whose count
// the wait holds).
struct Pending {
    ngx_http_request_t *r = nullptr;
    Write write;
};

// The writes queued and not taken by a batch yet. The event loop adds to
// them; a batch that runs in a pool thread takes them there.
std::mutex queue_mutex;
std::vector<Pending> queued; // under queue_mutex
ngx_event_t commit_event;    // posted while writes are queued

// One batch: the writes it took, what they answered, and how it ended.
struct Commit {
    std::vector<Pending> taken;
    std::vector<Write> writes;
    std::vector<Answer> answers;
    int rc = MDB_SUCCESS;
    std::string error; // an exception's message, to log
};

// Moves the queued writes into `into` (empty): no allocation.
void take_queued(std::vector<Pending> &into) {
    std::lock_guard<std::mutex> lock(queue_mutex);
    into.swap(queued);
}

bool any_queued() {
    std::lock_guard<std::mutex> lock(queue_mutex);
    return !queued.empty();
}

// Runs a batch of the writes queued when its transaction has begun, that is
// when LMDB's writer lock is ours: the writes that came while the other
// workers held it join (on the event loop or in a pool thread; no nginx
// call, no log). Writes taken when the begin failed answer that failure.
void run(Commit &c) noexcept {
    bool took = false;
    try {
        c.rc = run_batch(
            *worker->env, worker->settings,
            [&c, &took]() -> const std::vector<Write> & {
                took = true;
                take_queued(c.taken);
                c.writes.reserve(c.taken.size());
                for (const Pending &p : c.taken)
                    c.writes.push_back(p.write);
                return c.writes;
            },
            c.answers);
    } catch (const std::exception &e) {
        try {
            c.error = e.what();
        } catch (...) {
        }
        c.answers.clear();
        c.rc = ENOMEM;
    }
    if (!took)
        take_queued(c.taken); // the begin failed: they answer it
}

// Back on the event loop: the answers of a batch that ran. If its commit
// failed, the writes it carried answer an error instead of success.
void answer(Commit &c, ngx_log_t *log) {
    if (!c.error.empty())
        ngx_log_error(NGX_LOG_ERR, log, 0, "mytimetable: %s", c.error.c_str());
    if (c.rc != MDB_SUCCESS)
        ngx_log_error(NGX_LOG_ERR, log, 0, "mytimetable: store: %s", mdb_strerror(c.rc));
    ngx_log_debug1(NGX_LOG_DEBUG_HTTP, log, 0, "mytimetable: committed a batch of %uz writes",
                   c.taken.size());
    for (size_t i = 0; i < c.taken.size(); i++) {
        ngx_http_request_t *r = c.taken[i].r;
        ngx_connection_t *conn = r->connection;
        ngx_int_t sent;
        try {
            if (i < c.answers.size())
                log_failure(r, c.answers[i].log);
            // a failed begin or commit wrote nothing: no answer may say success
            bool lost = i >= c.answers.size() ||
                        (c.rc != MDB_SUCCESS && c.answers[i].response.status < 300);
            Response failed;
            if (lost)
                failed = commit_failure(c.rc, c.taken[i].write.scim);
            sent = send(r, lost ? failed : c.answers[i].response);
        } catch (...) {
            sent = send_exception(r, c.taken[i].write.scim);
        }
        ngx_http_finalize_request(r, sent);
        ngx_http_run_posted_requests(conn);
    }
}

void start(ngx_event_t *ev);

#if (NGX_THREADS)

// Under `full` durability a batch runs in a thread of nginx's pool, one at a
// time: while it waits for the writer lock and its synced commit, the event
// loop goes on reading requests, and the writes they queue join the batch
// when the lock comes (or the next one). Under `relaxed` (no sync) the
// batch is quick and runs on the event loop.
Tasks committing;
ngx_thread_task_t *commit_task; // made once, posted again for each batch
bool in_flight = false;
Commit current; // the batch in flight: the pool thread's until done()

struct CommitJob {
    void run() noexcept { mtt::ngx::run(current); }
    void done() {
        in_flight = false;
        Commit c = std::move(current);
        current = Commit{};
        if (any_queued()) // the next batch waits for the lock while these answer
            start(&commit_event);
        answer(c, commit_event.log);
    }
};

bool post_batch(ngx_event_t *ev) {
    if (!commit_task)
        return false;
    if (in_flight)
        return true; // done() starts the next batch
    in_flight = true;
    if (committing.post(commit_task))
        return true;
    in_flight = false;
    ngx_log_error(NGX_LOG_WARN, ev->log, 0,
                  "mytimetable: the thread pool refused a batch; committing it on the event loop");
    return false;
}

#else

bool post_batch(ngx_event_t *) {
    return false;
}

#endif

// The end of an event-loop turn that queued writes: they go to a batch, in
// the pool or here (unless a batch run here took them already).
void start(ngx_event_t *ev) {
    if (!any_queued() || post_batch(ev))
        return;
    Commit c;
    run(c);
    answer(c, ev->log);
}

} // namespace

void batch_init(ngx_cycle_t *cycle) {
    commit_event.handler = start;
    commit_event.log = cycle->log;
    commit_event.data = &queued;
}

#if (NGX_THREADS)
void batch_offload(ngx_cycle_t *cycle, ngx_thread_pool_t *pool) {
    committing.init(pool);
    commit_task = pool ? committing.make(cycle->pool, cycle->log, CommitJob{}) : nullptr;
}
#endif

void batch_exit() {
#if (NGX_THREADS)
    committing.exit(1000); // the store closes next
#endif
}

void queue_write(ngx_http_request_t *r, const Command &cmd, const Request &req) {
    {
        std::lock_guard<std::mutex> lock(queue_mutex);
        queued.push_back({r, Write{&cmd, req.base_url, req.now, req.scim}});
    }
    ngx_post_event(&commit_event, &ngx_posted_events); // once: it checks posted
}

} // namespace mtt::ngx
