// One job: group commit. The writes that reach this worker are queued,
// parsed, and their commands applied together in one batch transaction, with
// one commit for all (see mtt::run_batch); a write that fails never takes the
// others with it. Only then are their answers sent. A batch runs in nginx's
// thread pool (LMDB's writer lock is waited for, and the commit synced,
// there), one at a time per worker: while it runs, the event loop answers
// reads and queues the writes that arrive, which make the next batch as soon
// as it ends.
#pragma once

#include "ngx/bridge.h++"

#if (NGX_THREADS)
extern "C" {
#include <ngx_thread_pool.h>
}
#endif

#include "command.h++"
#include "http.h++"

namespace mtt::ngx {

// Prepares the posted event that runs the batch (init_process).
void batch_init(ngx_log_t *log);
#if (NGX_THREADS)
// The thread pool the batches commit in (init_process; without it they
// commit on the event loop).
void batches_init(ngx_thread_pool_t *pool);
#endif
// At the worker's exit: waits for a commit under way in the pool.
void batches_exit();

// Queues a write, its parsed command, for the end of the event-loop turn.
// `cmd` lives in the request's pool and `req` views its buffers, which live
// as long as the request, whose count the caller has raised (the batch
// finalizes it).
void queue_write(ngx_http_request_t *r, const Command &cmd, const Request &req);

} // namespace mtt::ngx
