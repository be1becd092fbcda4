// One job: group commit. The writes that reach this worker are queued,
// parsed, and their commands applied in one batch transaction, with one
// commit for all (see mtt::run_batch); a write that fails never takes the
// others with it. Only then are their answers sent. Under `full` durability
// (batch_offload) a batch runs in a thread of nginx's pool, one at a time,
// and takes the writes queued when LMDB's writer lock becomes its own, so
// that the event loop never waits for the lock or the sync; otherwise it
// runs on the event loop at the end of the turn that queued them.
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
void batch_init(ngx_cycle_t *cycle);

#if (NGX_THREADS)
// Has batches run in `pool` (the one `thread_pool default` configures), one
// at a time, rather than on the event loop (init_process, after batch_init).
void batch_offload(ngx_cycle_t *cycle, ngx_thread_pool_t *pool);
#endif

// At the worker's exit: waits for a batch under way (the store closes next).
void batch_exit();

// Queues a write, its parsed command, for the worker's next batch.
// `cmd` lives in the request's pool and `req` views its buffers, which live
// as long as the request, whose count the caller has raised (the batch
// finalizes it).
void queue_write(ngx_http_request_t *r, const Command &cmd, const Request &req);

} // namespace mtt::ngx
