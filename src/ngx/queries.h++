// One job: directory queries off the event loop. A GET users whose query may
// read more than a few thousand users and index entries (a scan, a long index
// walk; see light_query in src/query.h++) is run in a thread of nginx's pool,
// in a read transaction of its own, while the event loop serves other
// requests; its answer is then made and sent on the event loop.
#pragma once

#include "ngx/bridge.h++"

#include "api.h++"

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

// True when the request's query is under way in the pool (the request is then
// answered and finalized when it is back); false when the caller answers it
// now: any other request, a query that reads little, a cached answer, no
// threads or a pool that refused it.
bool query_first(ngx_http_request_t *r, Context &ctx, const Request &req);

// At the worker's exit: waits (a bounded time) for the queries in the pool,
// which read the store about to be closed.
void queries_exit();

} // namespace mtt::ngx
