// One job: work in nginx's thread pool (`thread_pool default`) for the slow
// preparation of a command: a password to hash (src/ngx/passwords), a long
// query (src/ngx/queries). A Tasks is one kind of such work; each task
// carries a job whose run() goes to a pool thread and whose done() comes
// back on the event loop. While any is under way, a timer keeps a worker
// that shuts down from exiting (the request that waits has no timer of its
// own).
#pragma once

#include "ngx/bridge.h++"

#if (NGX_THREADS)
extern "C" {
#include <ngx_thread_pool.h>
}
#endif

#include <atomic>
#include <new>
#include <type_traits>

namespace mtt::ngx {

#if (NGX_THREADS)

class Tasks {
  public:
    // The pool (init_process); without one, ready() is false.
    void init(ngx_thread_pool_t *pool) { pool_ = pool; }
    bool ready() const { return pool_ != nullptr; }

    // A task for a copy of `job`, in `pool` (the request's: the job must be
    // trivially destructible; what it owns, the pool's cleanups free).
    // job.run() runs in a pool thread and lets no exception out; job.done()
    // runs on the event loop once run() returned. nullptr: out of memory.
    template <class Job> ngx_thread_task_t *make(ngx_pool_t *pool, ngx_log_t *log, const Job &job) {
        static_assert(std::is_trivially_destructible_v<Job>, "the pool frees the job unrun");
        ngx_thread_task_t *task = ngx_thread_task_alloc(pool, sizeof(Slot<Job>));
        if (!task)
            return nullptr;
        new (task->ctx) Slot<Job>{this, job};
        task->handler = in_thread<Job>;
        task->event.handler = back<Job>;
        task->event.data = task;
        task->event.log = log;
        return task;
    }
    // The job of a task that make<Job>() made.
    template <class Job> static Job &job_of(ngx_thread_task_t *task) {
        return static_cast<Slot<Job> *>(task->ctx)->job;
    }

    // Hands the task to the pool; false when the pool refused it (its queue
    // is full): neither run() nor done() will run.
    bool post(ngx_thread_task_t *task);
    // Tasks posted whose done() has not run yet.
    unsigned posted() const { return posted_; }
    // At the worker's exit: stops the timer, and waits up to `wait_ms` for
    // the run() under way in pool threads (they may read the store that is
    // closed next).
    void exit(ngx_msec_t wait_ms);

  private:
    template <class Job> struct Slot {
        Tasks *tasks;
        Job job;
    };
    template <class Job> static void in_thread(void *data, ngx_log_t *) {
        auto *slot = static_cast<Slot<Job> *>(data);
        slot->tasks->running_++;
        slot->job.run();
        slot->tasks->running_--;
    }
    template <class Job> static void back(ngx_event_t *ev) {
        auto *slot = static_cast<Slot<Job> *>(static_cast<ngx_thread_task_t *>(ev->data)->ctx);
        slot->tasks->posted_--;
        slot->job.done();
    }
    static void guard(ngx_event_t *ev);

    ngx_thread_pool_t *pool_ = nullptr;
    unsigned posted_ = 0;
    std::atomic<unsigned> running_{0};
    // Not cancelable: nginx's graceful shutdown waits for it.
    ngx_event_t guard_{};
};

#endif

} // namespace mtt::ngx
