// One job: reads. A GET (or HEAD) is answered in one read transaction
// (mtt::run_read); one whose command carries a long read (Command::ahead: a
// directory query that may read more than a few thousand users and index
// entries, see light_query in src/query.h++) has it run first in a thread of
// nginx's pool, in a read transaction of its own, while the event loop
// serves other requests; its answer is then made and sent on the event loop.
#pragma once

#include "ngx/bridge.h++"

#include "command.h++"
#include "http.h++"

#include <memory>

#if (NGX_THREADS)
extern "C" {
#include <ngx_thread_pool.h>
}
#endif

namespace mtt::ngx {

// A query that surely reads fewer users and index entries than this runs on
// the event loop (it takes well under a millisecond).
constexpr uint64_t offload_rows = 4096;

#if (NGX_THREADS)
// The pool `thread_pool default` configures (init_process).
void queries_init(ngx_thread_pool_t *pool);
#endif

// Answers the read command of `req`: now, or, when its long read is under
// way in the pool, later (`deferred`: the request is then answered and
// finalized when it is back; the caller raises its count). Without threads,
// or when the pool refuses it, the long read runs on the event loop.
ngx_int_t serve_read(ngx_http_request_t *r, const Request &req, std::unique_ptr<Command> cmd,
                     bool &deferred);

// At the worker's exit: waits (a bounded time) for the queries in the pool,
// which read the store about to be closed.
void queries_exit();

} // namespace mtt::ngx
