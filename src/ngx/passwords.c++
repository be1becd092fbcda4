// One job: password hashing off the event loop (see passwords.h++).

#include "ngx/passwords.h++"

#include "ngx/batch.h++"
#include "ngx/output.h++"
#include "ngx/tasks.h++"

#include "metrics.h++"

#include <deque>

namespace mtt::ngx {

#if (NGX_THREADS)

namespace {

Tasks hashing;
// Tasks made while hash_jobs were under way, in their order.
std::deque<ngx_thread_task_t *> waiting;

void start_hash(ngx_thread_task_t *task);

// A write whose command stores a password, while the password is hashed in
// a thread of nginx's pool.
struct HashJob {
    ngx_http_request_t *r;
    Command *cmd;
    Request req;

    // In a pool thread: without a hash (out of memory), apply makes it.
    void run() noexcept {
        try {
            cmd->password->hash_now();
        } catch (...) {
        }
    }

    // Back on the event loop: the write goes to the next batch, and the next
    // password waiting is hashed.
    void done() {
        metrics::count(&metrics::Block::hashes_done);
        queue(r, *cmd, req);
        while (!waiting.empty() && hashing.posted() < hash_jobs) {
            ngx_thread_task_t *next = waiting.front();
            waiting.pop_front();
            start_hash(next);
        }
    }

    // Queues the write; one that cannot go on answers 500 (no exception may
    // reach nginx).
    static void queue(ngx_http_request_t *r, Command &cmd, const Request &req) {
        try {
            queue_write(r, cmd, req);
        } catch (...) {
            ngx_connection_t *c = r->connection;
            ngx_http_finalize_request(r, send_exception(r, req.scim));
            ngx_http_run_posted_requests(c);
        }
    }
};

void start_hash(ngx_thread_task_t *task) {
    if (hashing.posted() >= hash_jobs) {
        waiting.push_back(task);
        return;
    }
    if (hashing.post(task)) {
        metrics::count(&metrics::Block::hashes_queued);
        return;
    }
    // the pool refused it: the write hashes as it runs
    HashJob &job = Tasks::job_of<HashJob>(task);
    ngx_log_error(NGX_LOG_WARN, job.r->connection->log, 0,
                  "mytimetable: the thread pool refused a password; hashing it in the write");
    HashJob::queue(job.r, *job.cmd, job.req);
}

} // namespace

void passwords_init(ngx_thread_pool_t *pool) {
    hashing.init(pool);
}

bool hash_first(ngx_http_request_t *r, Command &cmd, const Request &req) {
    if (!hashing.ready() || !cmd.password)
        return false;
    ngx_thread_task_t *task = hashing.make(r->pool, r->connection->log, HashJob{r, &cmd, req});
    if (!task)
        return false;
    start_hash(task);
    return true;
}

void passwords_exit() {
    hashing.exit(0);
}

#else

bool hash_first(ngx_http_request_t *, Command &, const Request &) {
    return false;
}

void passwords_exit() {}

#endif

} // namespace mtt::ngx
