// One job: group commit (see batch.h++).

#include "ngx/batch.h++"

#include "ngx/lifecycle.h++"
#include "ngx/output.h++"

#include "api.h++"

#include <vector>

namespace mtt::ngx {

namespace {

// A write waiting for the end of the event-loop turn: its command, in the
// request's pool, and its request's base URL and time. Both live as long as
// the request (whose count the wait holds).
struct Pending {
    ngx_http_request_t *r = nullptr;
    Write write;
};

std::vector<Pending> pending_writes;
ngx_event_t commit_event; // posted while writes are queued

// End of the event-loop turn: the writes that arrived in it run in one batch
// transaction (see run_batch), and one commit (synced under `full`
// durability) makes them durable; only then are their answers sent. The
// writer lock is held only for this, never while the worker waits for its
// clients. If the commit fails, the writes it carried answer an error instead
// of success.
void commit_batch(ngx_event_t *ev) {
    std::vector<Pending> pending;
    pending.swap(pending_writes);
    std::vector<Answer> answers;
    int rc;
    try {
        std::vector<Write> writes;
        writes.reserve(pending.size());
        for (const Pending &p : pending)
            writes.push_back(p.write);
        rc = run_batch(*worker->env, worker->settings, writes, answers);
    } catch (const std::exception &e) {
        ngx_log_error(NGX_LOG_ERR, ev->log, 0, "mytimetable: %s", e.what());
        answers.clear();
        rc = ENOMEM;
    }
    if (rc != MDB_SUCCESS)
        ngx_log_error(NGX_LOG_ERR, ev->log, 0, "mytimetable: store: %s", mdb_strerror(rc));
    ngx_log_debug1(NGX_LOG_DEBUG_HTTP, ev->log, 0, "mytimetable: committed a batch of %uz writes",
                   pending.size());
    for (size_t i = 0; i < pending.size(); i++) {
        ngx_http_request_t *r = pending[i].r;
        ngx_connection_t *c = r->connection;
        ngx_int_t sent;
        try {
            if (i < answers.size())
                log_failure(r, answers[i].log);
            // a failed begin or commit wrote nothing: no answer may say success
            bool lost =
                i >= answers.size() || (rc != MDB_SUCCESS && answers[i].response.status < 300);
            Response failed;
            if (lost)
                failed = commit_failure(rc, pending[i].write.scim);
            sent = send(r, lost ? failed : answers[i].response);
        } catch (...) {
            sent = send_exception(r, pending[i].write.scim);
        }
        ngx_http_finalize_request(r, sent);
        ngx_http_run_posted_requests(c);
    }
}

} // namespace

void batch_init(ngx_log_t *log) {
    commit_event.handler = commit_batch;
    commit_event.log = log;
    commit_event.data = &pending_writes;
}

void queue_write(ngx_http_request_t *r, const Command &cmd, const Request &req) {
    pending_writes.push_back({r, Write{&cmd, req.base_url, req.now, req.scim}});
    ngx_post_event(&commit_event, &ngx_posted_events); // once: it checks posted
}

} // namespace mtt::ngx
