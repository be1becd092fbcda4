// One job: group commit (see batch.h++).

#include "ngx/batch.h++"

#include "ngx/lifecycle.h++"
#include "ngx/output.h++"
#include "ngx/tasks.h++"

#include "api.h++"

#include <memory>
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

// One batch: the writes it carries and, once it ran, what they answered and
// the LMDB code of its begin or commit.
struct Batch {
    std::vector<Pending> pending;
    std::vector<Answer> answers;
    int rc = MDB_SUCCESS;
    std::string failure; // an exception's message, when run() caught one

    // Runs the batch (in a pool thread or on the event loop); no exception
    // leaves it.
    void run() noexcept {
        try {
            std::vector<Write> writes;
            writes.reserve(pending.size());
            for (const Pending &p : pending)
                writes.push_back(p.write);
            rc = run_batch(*worker->env, worker->settings, writes, answers);
        } catch (const std::exception &e) {
            try {
                failure = e.what();
            } catch (...) {
            }
            answers.clear();
            rc = ENOMEM;
        } catch (...) {
            answers.clear();
            rc = ENOMEM;
        }
    }
};

std::vector<Pending> pending_writes;
ngx_event_t commit_event; // posted while writes are queued and no batch runs
bool running = false;     // a batch is under way (in the pool: at most one a worker)

#if (NGX_THREADS)
Tasks committing; // the batches that run in the thread pool
// How long a worker that exits waits for a commit under way in the pool.
constexpr ngx_msec_t exit_wait_ms = 10000;
#endif

void start_batch(ngx_log_t *log);

// Sends the answers of a batch that ran, on the event loop; then starts the
// next batch if writes arrived meanwhile.
void answer_batch(Batch &b, ngx_log_t *log) {
    if (!b.failure.empty())
        ngx_log_error(NGX_LOG_ERR, log, 0, "mytimetable: %s", b.failure.c_str());
    if (b.rc != MDB_SUCCESS)
        ngx_log_error(NGX_LOG_ERR, log, 0, "mytimetable: store: %s", mdb_strerror(b.rc));
    ngx_log_debug1(NGX_LOG_DEBUG_HTTP, log, 0, "mytimetable: committed a batch of %uz writes",
                   b.pending.size());
    for (size_t i = 0; i < b.pending.size(); i++) {
        ngx_http_request_t *r = b.pending[i].r;
        ngx_connection_t *c = r->connection;
        ngx_int_t sent;
        try {
            if (i < b.answers.size())
                log_failure(r, b.answers[i].log);
            // a failed begin or commit wrote nothing: no answer may say success
            bool lost = i >= b.answers.size() ||
                        (b.rc != MDB_SUCCESS && b.answers[i].response.status < 300);
            Response failed;
            if (lost)
                failed = commit_failure(b.rc, b.pending[i].write.scim);
            sent = send(r, lost ? failed : b.answers[i].response);
        } catch (...) {
            sent = send_exception(r, b.pending[i].write.scim);
        }
        ngx_http_finalize_request(r, sent);
        ngx_http_run_posted_requests(c);
    }
}

void batch_done(Batch *b, ngx_log_t *log) {
    std::unique_ptr<Batch> owned(b);
    running = false;
    answer_batch(*owned, log);
    owned.reset();
    if (!pending_writes.empty() && !commit_event.posted)
        start_batch(log);
}

#if (NGX_THREADS)
// The job of a batch in the pool: run() in a pool thread (LMDB's writer lock
// is taken and the commit synced there, so the event loop serves reads and
// gathers the next batch's writes meanwhile); done() on the event loop.
struct BatchJob {
    Batch *batch;
    ngx_pool_t *pool; // the task's own, destroyed by done()
    ngx_log_t *log;
    void run() noexcept { batch->run(); }
    void done() {
        ngx_pool_t *p = pool;
        batch_done(batch, log);
        ngx_destroy_pool(p);
    }
};
#endif

// Takes the queued writes into a batch and runs it: in the thread pool when
// there is one, else here.
void start_batch(ngx_log_t *log) {
    auto b = std::make_unique<Batch>();
    b->pending.swap(pending_writes);
    running = true;
#if (NGX_THREADS)
    if (committing.ready()) {
        ngx_pool_t *pool = ngx_create_pool(1024, log);
        ngx_thread_task_t *task =
            pool ? committing.make(pool, log, BatchJob{b.get(), pool, log}) : nullptr;
        if (task && committing.post(task)) {
            b.release(); // done() takes it back
            return;
        }
        if (pool)
            ngx_destroy_pool(pool);
        ngx_log_error(
            NGX_LOG_WARN, log, 0,
            "mytimetable: the thread pool refused a batch; committing it on the event loop");
    }
#endif
    b->run();
    batch_done(b.release(), log);
}

// End of an event-loop turn with writes queued: they start a batch unless one
// is under way, whose end starts the next with what arrived meanwhile.
void commit_batch(ngx_event_t *ev) {
    if (running || pending_writes.empty())
        return;
    start_batch(ev->log);
}

} // namespace

void batch_init(ngx_log_t *log) {
    commit_event.handler = commit_batch;
    commit_event.log = log;
    commit_event.data = &pending_writes;
}

#if (NGX_THREADS)
void batches_init(ngx_thread_pool_t *pool) {
    committing.init(pool);
}

void batches_exit() {
    committing.exit(exit_wait_ms);
}
#else
void batches_exit() {}
#endif

void queue_write(ngx_http_request_t *r, const Command &cmd, const Request &req) {
    pending_writes.push_back({r, Write{&cmd, req.base_url, req.now, req.scim}});
    if (!running) {
        ngx_post_event(&commit_event, &ngx_posted_events); // once: it checks posted
    }
}

} // namespace mtt::ngx
