// One job: work in nginx's thread pool (see tasks.h++).

#include "ngx/tasks.h++"

namespace mtt::ngx {

#if (NGX_THREADS)

namespace {

// While a task is under way, this long passes between the guard's checks.
constexpr ngx_msec_t guard_ms = 1000;

} // namespace

bool Tasks::post(ngx_thread_task_t *task) {
    if (!pool_ || ngx_thread_task_post(pool_, task) != NGX_OK)
        return false;
    posted_++;
    if (!guard_.timer_set) {
        guard_.handler = guard;
        guard_.log = ngx_cycle->log;
        guard_.data = this;
        ngx_add_timer(&guard_, guard_ms);
    }
    return true;
}

void Tasks::guard(ngx_event_t *ev) {
    auto *tasks = static_cast<Tasks *>(ev->data);
    if (tasks->posted_)
        ngx_add_timer(ev, guard_ms);
}

void Tasks::exit(ngx_msec_t wait_ms) {
    if (guard_.timer_set)
        ngx_del_timer(&guard_);
    for (ngx_msec_t waited = 0; waited < wait_ms && running_.load(); ++waited)
        ngx_msleep(1);
}

#endif

} // namespace mtt::ngx
