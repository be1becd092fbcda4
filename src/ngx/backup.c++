// One job: the backup location (see backup.h++).

#include "ngx/backup.h++"

#include "ngx/lifecycle.h++"
#include "ngx/output.h++"

#include "metrics.h++"
#include "snapshot.h++"

#if (NGX_THREADS)
extern "C" {
#include <ngx_thread_pool.h>
}
#endif

#include <chrono>
#include <new>
#include <string>
#include <type_traits>

#include <sys/stat.h>
#include <unistd.h>

namespace mtt::ngx {

namespace {

#if (NGX_THREADS)

// Backups in progress at once in one worker, from the request until its
// answer is sent: each holds a thread of the pool and a reader slot while its
// copy is made, then a file as large as the compacted store until its client
// has it. Beyond, 503 with Retry-After.
constexpr unsigned max_copies = 1;
// While a copy is made, this long passes between the checks of the guard timer.
constexpr ngx_msec_t copy_guard_ms = 1000;

struct Copies {
    unsigned running = 0;
    // A timer that is not cancelable keeps a worker that is shutting down
    // from exiting (and closing the store) while a copy is being made: the
    // request that waits for it has no timer of its own.
    ngx_event_t guard;
};

Copies copies;

// One backup request while its copy is made; lives in the request's pool.
struct CopyJob {
    ngx_http_request_t *r;
    MDB_env *env;
    const char *dir; // the store directory (LMDB's copy of its path)
    time_t began;
    int fd;       // the copy, once made; closed with the request's pool
    uint64_t us;  // how long the thread took to make it
    char *error;  // set by the thread when the copy failed (malloc'ed)
    bool counted; // in copies.running until the request's pool goes
};
static_assert(std::is_trivially_destructible<CopyJob>::value, "lives in a pool");

// (Kept while the answer is sent too: harmless, the request's send timer
// keeps the worker then anyway.)
void guard_copies(ngx_event_t *ev) {
    if (copies.running)
        ngx_add_timer(ev, copy_guard_ms);
}

void close_copy(void *data) {
    auto *job = static_cast<CopyJob *>(data);
    if (job->counted)
        copies.running--;
    job->counted = false;
    if (job->fd != -1)
        close(job->fd);
    job->fd = -1;
    free(job->error);
    job->error = nullptr;
}

// In a pool thread: no exception may leave it, nothing of nginx is touched.
void copy_in_thread(void *data, ngx_log_t *) {
    auto *job = static_cast<CopyJob *>(data);
    auto t0 = std::chrono::steady_clock::now();
    try {
        Snapshot s = snapshot(job->env, job->dir);
        job->us = static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                            std::chrono::steady_clock::now() - t0)
                                            .count());
        job->fd = s.fd;
        if (s.fd == -1)
            job->error = strdup(s.error.c_str());
    } catch (...) {
        job->error = strdup("out of memory");
    }
}

ngx_int_t add_header(ngx_http_request_t *r, const char *key, std::string_view value) {
    auto *h = static_cast<ngx_table_elt_t *>(ngx_list_push(&r->headers_out.headers));
    if (!h)
        return NGX_ERROR;
    h->hash = 1;
    h->key.data = (u_char *)key;
    h->key.len = ngx_strlen(key);
    return pool_str(r->pool, value, h->value) ? NGX_OK : NGX_ERROR;
}

// The copy as the answer: headers, then the file in one file buffer that
// nginx's output chain sends (sendfile, or its output_buffers) a piece at a
// time as the client takes it.
ngx_int_t send_copy(ngx_http_request_t *r, CopyJob *job) {
    struct stat st;
    if (fstat(job->fd, &st) == -1) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, ngx_errno,
                      "mytimetable: backup: fstat() failed");
        metrics::backup(metrics::Backup::failed);
        return send_error(r, 500, "the backup failed; see the error log");
    }
    metrics::backup(metrics::Backup::made, static_cast<uint64_t>(st.st_size), job->us,
                    static_cast<uint64_t>(job->began));
    auto *b = static_cast<ngx_buf_t *>(ngx_calloc_buf(r->pool));
    auto *file = static_cast<ngx_file_t *>(ngx_pcalloc(r->pool, sizeof(ngx_file_t)));
    if (!b || !file)
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    std::string name = snapshot_name(job->began);
    r->headers_out.status = NGX_HTTP_OK;
    r->headers_out.content_length_n = st.st_size;
    ngx_str_set(&r->headers_out.content_type, "application/octet-stream");
    r->headers_out.content_type_len = r->headers_out.content_type.len;
    r->headers_out.content_type_lowcase = nullptr;
    if (add_header(r, "Content-Disposition", "attachment; filename=\"" + name + "\"") != NGX_OK ||
        add_header(r, "Cache-Control", "no-store") != NGX_OK)
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    file->fd = job->fd;
    file->log = r->connection->log;
    file->name.data = (u_char *)job->dir; // for nginx's messages: the copy has no name
    file->name.len = ngx_strlen(job->dir);
    b->file = file;
    b->in_file = 1;
    b->file_pos = 0;
    b->file_last = st.st_size;
    b->last_buf = r == r->main ? 1 : 0;
    b->last_in_chain = 1;
    ngx_int_t rc = ngx_http_send_header(r);
    if (rc == NGX_ERROR || rc > NGX_OK || r->header_only)
        return rc;
    ngx_chain_t out = {b, nullptr};
    return ngx_http_output_filter(r, &out);
}

// Back on the event loop: the copy is made (or failed); the answer goes.
void copy_done(ngx_event_t *ev) {
    auto *task = static_cast<ngx_thread_task_t *>(ev->data);
    auto *job = static_cast<CopyJob *>(task->ctx);
    ngx_http_request_t *r = job->r;
    ngx_connection_t *c = r->connection;
    ngx_int_t rc;
    if (job->error) {
        ngx_log_error(NGX_LOG_ERR, c->log, 0, "mytimetable: backup: %s", job->error);
        metrics::backup(metrics::Backup::failed);
        rc = send_error(r, 500, "the backup failed; see the error log");
    } else {
        rc = send_copy(r, job);
    }
    ngx_http_finalize_request(r, rc);
    ngx_http_run_posted_requests(c);
}

ngx_int_t refuse(ngx_http_request_t *r, int status, std::string_view message, const char *header,
                 std::string_view value) {
    Response resp = error(status, message);
    resp.headers.push_back({header, std::string(value)});
    return send(r, resp);
}

ngx_int_t start_copy(ngx_http_request_t *r) {
    if (!worker || !worker->env) {
        metrics::backup(metrics::Backup::refused);
        return send_error(r, 503, "the store is not open; see the error log");
    }
    if (copies.running >= max_copies) {
        metrics::backup(metrics::Backup::refused);
        return refuse(r, 503, "another backup is in progress in this worker; retry when it is done",
                      "Retry-After", "5");
    }
    static ngx_str_t pool_name = ngx_string("default");
    ngx_thread_pool_t *pool = ngx_thread_pool_get((ngx_cycle_t *)ngx_cycle, &pool_name);
    MDB_env *env = worker->env->get();
    const char *dir = nullptr;
    if (!pool || mdb_env_get_path(env, &dir) != MDB_SUCCESS) {
        metrics::backup(metrics::Backup::failed);
        return send_error(r, 500, "the backup failed; see the error log");
    }
    ngx_thread_task_t *task = ngx_thread_task_alloc(r->pool, sizeof(CopyJob));
    ngx_pool_cleanup_t *cln = ngx_pool_cleanup_add(r->pool, 0);
    if (!task || !cln)
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    auto *job = new (task->ctx) CopyJob{r, env, dir, ngx_time(), -1, 0, nullptr, false};
    cln->handler = close_copy;
    cln->data = job;
    task->handler = copy_in_thread;
    task->event.handler = copy_done;
    task->event.data = task;
    task->event.log = r->connection->log;
    if (ngx_thread_task_post(pool, task) != NGX_OK) {
        metrics::backup(metrics::Backup::failed);
        return send_error(r, 500,
                          "the backup failed: the thread pool refused it; see the error log");
    }
    copies.running++;
    job->counted = true;
    if (!copies.guard.timer_set) {
        copies.guard.handler = guard_copies;
        copies.guard.log = ngx_cycle->log;
        copies.guard.data = &copies;
        ngx_add_timer(&copies.guard, copy_guard_ms);
    }
    r->main->count++; // released by copy_done's finalize
    return NGX_DONE;
}

ngx_int_t backup_handler(ngx_http_request_t *r) {
    try {
        ngx_int_t rc = ngx_http_discard_request_body(r);
        if (rc != NGX_OK)
            return rc;
        if (r->method != NGX_HTTP_GET)
            return refuse(r, 405,
                          "the method " + std::string(view(r->method_name)) +
                              " is not allowed here; allowed: GET",
                          "Allow", "GET");
        return start_copy(r);
    } catch (const std::exception &e) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0, "mytimetable: backup: %s", e.what());
    } catch (...) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0, "mytimetable: backup: unknown exception");
    }
    return NGX_HTTP_INTERNAL_SERVER_ERROR;
}

#endif

} // namespace

char *set_backup(ngx_conf_t *cf, ngx_command_t *cmd, void *conf) {
#if (NGX_THREADS)
    auto *clcf = static_cast<ngx_http_core_loc_conf_t *>(
        ngx_http_conf_get_module_loc_conf(cf, ngx_http_core_module));
    if (clcf->handler == backup_handler)
        return const_cast<char *>("is duplicate");
    if (clcf->handler) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"mytimetable_backup\": the location \"%V\" already has a content "
                           "handler (\"mytimetable\", \"proxy_pass\", ...): give the backup a "
                           "location of its own",
                           &clcf->name);
        return static_cast<char *>(NGX_CONF_ERROR);
    }
    clcf->handler = backup_handler;
    *reinterpret_cast<ngx_flag_t *>(static_cast<char *>(conf) + cmd->offset) = 1;
    // as `aio threads` does: the pool `thread_pool default` configures
    if (!ngx_thread_pool_add(cf, nullptr))
        return static_cast<char *>(NGX_CONF_ERROR);
    return NGX_CONF_OK;
#else
    (void)conf;
    (void)cmd;
    ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                       "\"mytimetable_backup\" needs an nginx built with threads (--with-threads)");
    return static_cast<char *>(NGX_CONF_ERROR);
#endif
}

} // namespace mtt::ngx
