// One job: group commit. The writes that reach this worker in one event-loop
// turn are queued and run at its end in one batch transaction, with one
// commit for all (see mtt::run_batch); a write that fails never takes the
// others with it. Only then are their answers sent.
#pragma once

#include "ngx/bridge.h++"

#include "http.h++"

namespace mtt::ngx {

// Prepares the posted event that runs the batch (init_process).
void batch_init(ngx_log_t *log);

// Queues a write for the end of the event-loop turn. `req` views the
// request's own buffers and pool, which live as long as the request, whose
// count the caller has raised (the batch finalizes it).
void queue_write(ngx_http_request_t *r, const Request &req);

} // namespace mtt::ngx
