// One job: password hashing off the event loop. A write whose command stores
// a password (Command::password) has it hashed (Argon2id: about 25 ms and
// 19 MiB) in a thread of nginx's pool, a bounded number at a time, before the
// write is queued for its batch.
#pragma once

#include "ngx/bridge.h++"

#include "command.h++"
#include "http.h++"

#if (NGX_THREADS)
extern "C" {
#include <ngx_thread_pool.h>
}
#endif

namespace mtt::ngx {

// Passwords hashed at once in one worker (each takes 19 MiB while it runs).
constexpr unsigned hash_jobs = 2;

#if (NGX_THREADS)
// The pool `thread_pool default` configures (init_process).
void passwords_init(ngx_thread_pool_t *pool);
#endif

// A write whose command stores a password has it hashed in the thread pool,
// then queued (queue_write); true when that is under way. False for any
// other write, when nginx has no threads and when the pool is unavailable:
// the caller queues it, and apply hashes the password as it runs. `cmd`
// lives in the request's pool; `req` views the request's buffers.
bool hash_first(ngx_http_request_t *r, Command &cmd, const Request &req);

// At the worker's exit: the timer that kept it alive while hashing.
void passwords_exit();

} // namespace mtt::ngx
