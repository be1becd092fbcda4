// One job: reads, their long queries off the event loop (see queries.h++).

#include "ngx/queries.h++"

#include "ngx/lifecycle.h++"
#include "ngx/output.h++"
#include "ngx/tasks.h++"

#include "api.h++"

#include <optional>

namespace mtt::ngx {

namespace {

// Answers the read now, in one read transaction (`ahead_rows` as
// run_read's); nothing, and nothing sent, when its long read should run
// ahead first.
std::optional<ngx_int_t> answer(ngx_http_request_t *r, const Request &req, const Command &cmd,
                                uint64_t ahead_rows) {
    if (!worker || !worker->env)
        return send_error(r, 503, "the store is not open; see the error log");
    Context ctx{*worker->env, worker->settings, {}, &worker->cache};
    std::optional<Response> resp = run_read(ctx, req, cmd, ahead_rows);
    log_failure(r, ctx.log);
    if (!resp)
        return std::nullopt;
    return send(r, *resp);
}

#if (NGX_THREADS)

// At the worker's exit, the queries still in pool threads are waited for
// this long at most.
constexpr ngx_msec_t exit_wait_ms = 5000;

Tasks querying;

// A read while its long read runs in a pool thread. The command lives in
// the request's pool.
struct QueryJob {
    ngx_http_request_t *r;
    const Command *cmd;
    Request req;
    const Env *env;

    void run() noexcept { cmd->ahead->run(*env); }

    // Back on the event loop: the answer.
    void done() {
        ngx_connection_t *c = r->connection;
        ngx_int_t rc;
        try {
            rc = *answer(r, req, *cmd, 0);
        } catch (...) {
            rc = send_exception(r, req.scim);
        }
        ngx_http_finalize_request(r, rc);
        ngx_http_run_posted_requests(c);
    }
};

#endif

} // namespace

#if (NGX_THREADS)

void queries_init(ngx_thread_pool_t *pool) {
    querying.init(pool);
}

ngx_int_t serve_read(ngx_http_request_t *r, const Request &req, std::unique_ptr<Command> cmd,
                     bool &deferred) {
    deferred = false;
    if (auto rc = answer(r, req, *cmd, querying.ready() ? offload_rows : 0))
        return *rc;
    // its long read goes to the pool, the command to the request's pool
    const Command *owned = pool_own(r->pool, std::move(cmd));
    if (!owned)
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    ngx_thread_task_t *task =
        querying.make(r->pool, r->connection->log, QueryJob{r, owned, req, worker->env.get()});
    if (task && querying.post(task)) {
        deferred = true;
        return NGX_DONE;
    }
    if (task)
        ngx_log_error(NGX_LOG_WARN, r->connection->log, 0,
                      "mytimetable: the thread pool refused a query; running it on the event loop");
    return *answer(r, req, *owned, 0);
}

void queries_exit() {
    querying.exit(exit_wait_ms);
}

#else

ngx_int_t serve_read(ngx_http_request_t *r, const Request &req, std::unique_ptr<Command> cmd,
                     bool &deferred) {
    deferred = false;
    return *answer(r, req, *cmd, 0);
}

void queries_exit() {}

#endif

} // namespace mtt::ngx
