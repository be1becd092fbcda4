// One job: password hashing off the event loop (see passwords.h++).

#include "ngx/passwords.h++"

#include "ngx/batch.h++"

#include "api.h++"
#include "metrics.h++"

#include <sodium.h>

#include <deque>
#include <new>
#include <string>

namespace mtt::ngx {

#if (NGX_THREADS)

namespace {

// While a password is hashed, this long passes between the checks of the
// guard timer.
constexpr ngx_msec_t hash_guard_ms = 1000;

struct Hashing {
    ngx_thread_pool_t *pool = nullptr;
    unsigned running = 0;
    std::deque<ngx_thread_task_t *> waiting;
    // A timer that is not cancelable keeps a worker that is shutting down
    // from exiting while a password is being hashed (its request has none).
    ngx_event_t guard;
};

Hashing hashing;

// A write whose body sets a password, while the password is hashed in a
// thread of nginx's pool. Lives in the request's pool; trivially destructible.
struct HashJob {
    ngx_http_request_t *r;
    Request req;
    u_char *password;
    size_t length;
    char hash[crypto_pwhash_STRBYTES];
    bool hashed;
};

// In a pool thread: no exception may leave it.
void hash_in_thread(void *data, ngx_log_t *) {
    auto *job = static_cast<HashJob *>(data);
    job->hashed = false;
    try {
        std::string h = hash_password_text(
            std::string_view(reinterpret_cast<const char *>(job->password), job->length));
        if (h.size() < sizeof job->hash) {
            ngx_memcpy(job->hash, h.data(), h.size() + 1);
            job->hashed = true;
        }
    } catch (...) {
    }
}

// The request's copy of the password is wiped when the request ends.
void wipe_password(void *data) {
    auto *job = static_cast<HashJob *>(data);
    sodium_memzero(job->password, job->length);
}

void guard_hashing(ngx_event_t *ev) {
    if (hashing.running || !hashing.waiting.empty())
        ngx_add_timer(ev, hash_guard_ms);
}

void start_hash(ngx_thread_task_t *task) {
    auto *job = static_cast<HashJob *>(task->ctx);
    if (!hashing.guard.timer_set) {
        hashing.guard.handler = guard_hashing;
        hashing.guard.log = ngx_cycle->log;
        hashing.guard.data = &hashing;
        ngx_add_timer(&hashing.guard, hash_guard_ms);
    }
    if (hashing.running < hash_jobs && ngx_thread_task_post(hashing.pool, task) == NGX_OK) {
        hashing.running++;
        metrics::count(&metrics::Block::hashes_queued);
        return;
    }
    if (hashing.running < hash_jobs) { // the pool refused it: the write hashes as it runs
        ngx_log_error(NGX_LOG_WARN, job->r->connection->log, 0,
                      "mytimetable: the thread pool refused a password; hashing it in the write");
        queue_write(job->r, job->req);
        return;
    }
    hashing.waiting.push_back(task);
}

// A write that could not go on answers 500 (no exception may reach nginx).
void fail_write(ngx_http_request_t *r, const char *why) {
    ngx_connection_t *c = r->connection;
    ngx_log_error(NGX_LOG_ERR, c->log, 0, "mytimetable: %s", why);
    ngx_http_finalize_request(r, NGX_HTTP_INTERNAL_SERVER_ERROR);
    ngx_http_run_posted_requests(c);
}

// Back on the event loop: the write goes to the next batch with its hash.
void hash_done(ngx_event_t *ev) {
    auto *task = static_cast<ngx_thread_task_t *>(ev->data);
    auto *job = static_cast<HashJob *>(task->ctx);
    hashing.running--;
    metrics::count(&metrics::Block::hashes_done);
    if (job->hashed)
        job->req.prehashed = {
            std::string_view(reinterpret_cast<const char *>(job->password), job->length),
            std::string_view(job->hash)};
    try {
        queue_write(job->r, job->req); // without a hash, the write makes its own
    } catch (const std::exception &e) {
        fail_write(job->r, e.what());
    }
    while (!hashing.waiting.empty() && hashing.running < hash_jobs) {
        ngx_thread_task_t *next = hashing.waiting.front();
        hashing.waiting.pop_front();
        try {
            start_hash(next);
        } catch (const std::exception &e) {
            fail_write(static_cast<HashJob *>(next->ctx)->r, e.what());
        }
    }
}

} // namespace

void passwords_init(ngx_thread_pool_t *pool) { hashing.pool = pool; }

// A write that sets a valid password has it hashed in the thread pool first;
// false for any other write (and when the pool is unavailable).
bool hash_first(ngx_http_request_t *r, const Request &req) {
    std::string password;
    if (!hashing.pool || !password_to_hash(req, password))
        return false;
    ngx_thread_task_t *task = ngx_thread_task_alloc(r->pool, sizeof(HashJob));
    ngx_pool_cleanup_t *cln = ngx_pool_cleanup_add(r->pool, 0);
    auto *copy = static_cast<u_char *>(ngx_pnalloc(r->pool, password.size() + 1));
    if (!task || !cln || !copy) {
        sodium_memzero(password.data(), password.size());
        return false;
    }
    auto *job = new (task->ctx) HashJob{r, req, copy, password.size(), {}, false};
    ngx_memcpy(copy, password.data(), password.size());
    sodium_memzero(password.data(), password.size());
    cln->handler = wipe_password;
    cln->data = job;
    task->handler = hash_in_thread;
    task->event.handler = hash_done;
    task->event.data = task;
    task->event.log = r->connection->log;
    start_hash(task);
    return true;
}


void passwords_exit() {
    if (hashing.guard.timer_set)
        ngx_del_timer(&hashing.guard);
}

#else

bool hash_first(ngx_http_request_t *, const Request &) { return false; }

void passwords_exit() {}

#endif

} // namespace mtt::ngx
