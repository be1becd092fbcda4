// One job: directory queries off the event loop (see queries.h++).

#include "ngx/queries.h++"

#include "ngx/lifecycle.h++"
#include "ngx/output.h++"

#include <atomic>
#include <new>
#include <string>

namespace mtt::ngx {

#if (NGX_THREADS)

namespace {

// While a query runs, this long passes between the checks of the guard timer.
constexpr ngx_msec_t query_guard_ms = 1000;

struct Querying {
    ngx_thread_pool_t *pool = nullptr;
    unsigned posted = 0;               // tasks whose completion the event loop awaits
    std::atomic<unsigned> running{0};  // tasks inside a pool thread now
    // A timer that is not cancelable keeps a worker that is shutting down
    // from exiting while a query runs.
    ngx_event_t guard;
};

Querying querying;

// A GET users while its query runs in a pool thread. Lives in the request's
// pool; the PendingQuery is freed by the pool's cleanup.
struct QueryJob {
    ngx_http_request_t *r;
    Request req;
    PendingQuery *pending;
    const Env *env;
};

// In a pool thread: PendingQuery::run lets no exception out.
void query_in_thread(void *data, ngx_log_t *) {
    auto *job = static_cast<QueryJob *>(data);
    querying.running++;
    job->pending->run(*job->env);
    querying.running--;
}

void free_pending(void *data) {
    auto *job = static_cast<QueryJob *>(data);
    delete job->pending;
    job->pending = nullptr;
}

void guard_queries(ngx_event_t *ev) {
    if (querying.posted)
        ngx_add_timer(ev, query_guard_ms);
}

// Back on the event loop: the answer, as serve() makes it.
ngx_int_t answer(ngx_http_request_t *r, QueryJob *job) {
    try {
        if (!worker || !worker->env)
            return send_error(r, 503, "the store is not open; see the error log");
        job->req.prequeried = &job->pending->out;
        Context ctx{*worker->env, worker->settings, {}, nullptr, &worker->cache};
        Response resp = handle(ctx, job->req);
        if (!ctx.log.empty())
            ngx_log_error(NGX_LOG_ERR, r->connection->log, 0, "mytimetable: %s", ctx.log.c_str());
        return send(r, resp);
    } catch (const StoreError &e) { // a streamed answer's first piece
        try {
            std::string line;
            Response failed = store_failure(e, line);
            ngx_log_error(NGX_LOG_ERR, r->connection->log, 0, "mytimetable: %s", line.c_str());
            return send(r, failed);
        } catch (...) {
        }
    } catch (const std::exception &e) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0, "mytimetable: %s", e.what());
    } catch (...) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0, "mytimetable: unknown exception");
    }
    return NGX_HTTP_INTERNAL_SERVER_ERROR;
}

void query_done(ngx_event_t *ev) {
    auto *task = static_cast<ngx_thread_task_t *>(ev->data);
    auto *job = static_cast<QueryJob *>(task->ctx);
    querying.posted--;
    ngx_http_request_t *r = job->r;
    ngx_connection_t *c = r->connection;
    ngx_http_finalize_request(r, answer(r, job));
    ngx_http_run_posted_requests(c);
}

} // namespace

void queries_init(ngx_thread_pool_t *pool) { querying.pool = pool; }

bool query_first(ngx_http_request_t *r, Context &ctx, const Request &req) {
    if (!querying.pool)
        return false;
    std::unique_ptr<PendingQuery> pending = offload_query(ctx, req, offload_rows);
    if (!pending)
        return false;
    ngx_thread_task_t *task = ngx_thread_task_alloc(r->pool, sizeof(QueryJob));
    ngx_pool_cleanup_t *cln = ngx_pool_cleanup_add(r->pool, 0);
    if (!task || !cln)
        return false;
    auto *job = new (task->ctx) QueryJob{r, req, pending.release(), &ctx.env};
    cln->handler = free_pending;
    cln->data = job;
    task->handler = query_in_thread;
    task->event.handler = query_done;
    task->event.data = task;
    task->event.log = r->connection->log;
    if (ngx_thread_task_post(querying.pool, task) != NGX_OK) {
        ngx_log_error(NGX_LOG_WARN, r->connection->log, 0,
                      "mytimetable: the thread pool refused a query; running it on the event loop");
        return false; // the cleanup frees the pending query with the request
    }
    querying.posted++;
    if (!querying.guard.timer_set) {
        querying.guard.handler = guard_queries;
        querying.guard.log = ngx_cycle->log;
        querying.guard.data = &querying;
        ngx_add_timer(&querying.guard, query_guard_ms);
    }
    return true;
}

void queries_exit() {
    if (querying.guard.timer_set)
        ngx_del_timer(&querying.guard);
    // a query still inside a pool thread holds a read transaction of the
    // store that close_store() closes next
    for (int i = 0; i < 5000 && querying.running.load(); ++i)
        ngx_msleep(1);
}

#else

bool query_first(ngx_http_request_t *, Context &, const Request &) { return false; }

void queries_exit() {}

#endif

} // namespace mtt::ngx
