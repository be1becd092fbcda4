// One job: the store's life in nginx's processes. At configuration time its
// directory is checked (nginx -t, start, reload); in the master it is made
// and handed to the worker user; in each worker the store is opened
// (init_process) and closed (exit_process), with, under relaxed durability,
// the timer that has it flushed once a second. The per-worker state that
// every request uses (the Env, the settings, the answer cache) lives here.
#pragma once

#include "ngx/bridge.h++"

#include "api.h++"
#include "store.h++"

#include <memory>
#include <string>

namespace mtt::ngx {

// The store and settings of this worker, built by open_store().
struct Worker {
    std::unique_ptr<Env> env;
    std::unique_ptr<Flusher> flusher; // relaxed: flushes off the event loop
    Settings settings;
    ngx_event_t sync_timer; // relaxed: asks the flusher once a second
    Cache cache;
};

// nullptr before open_store() and after close_store(); env is null when the
// store could not be opened (the API then answers 503).
extern Worker *worker;

// Relaxed durability: how often the flusher is asked to sync, in ms.
constexpr ngx_msec_t flush_interval_ms = 1000;

// At configuration time (`nginx -t`, start and reload): the store must be a
// directory that the worker user can write, or not exist yet. `store` is the
// full path of mytimetable_store.
char *check_store_dir(ngx_conf_t *cf, const ngx_str_t &store);

// In the master, before the fork (never under `nginx -t`): creates a missing
// store directory and hands it to the worker user. Failures are logged, not
// fatal (see lifecycle.c++).
void prepare_store_dir(ngx_cycle_t *cycle, const ngx_str_t &store);

// In each worker: opens the store. A store that cannot be opened is logged
// and `worker->env` stays null; the worker keeps going.
void open_store(ngx_cycle_t *cycle, const EnvOptions &opts, Settings settings);

// At the worker's exit: a last sync, the read statistics, and the state freed.
void close_store(ngx_cycle_t *cycle);

} // namespace mtt::ngx
