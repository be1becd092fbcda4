// ngx_http_mytimetable_module: the nginx face of ngx_mytimetable.
//
// Directives, configuration structs and their merge, the process hooks that
// open the LMDB store in each worker, and the content handler that turns an
// nginx request into an mtt::Request and an mtt::Response back into headers
// and a chain. Everything else lives in src/ and knows nothing of nginx.

extern "C" {
#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#if (NGX_THREADS)
#include <ngx_thread_pool.h>
#endif
}

#include "api.h++"
#include "router.h++"
#include "storedir.h++"
#include "store.h++"

#include <sodium.h>

#include <fcntl.h>
#include <pwd.h>
#include <sys/mman.h>

#include <algorithm>
#include <deque>
#include <memory>
#include <new>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#if __cplusplus < 201703L
#error "ngx_mytimetable needs C++17"
#endif

namespace {

// ---------------------------------------------------------------- conf

enum { durability_full = 0, durability_relaxed = 1 };

constexpr off_t min_store_size = 64 * 1024;

struct SyncTypeConf {
    ngx_str_t name;
    ngx_flag_t mailbox;
};

struct MainConf {
    ngx_str_t store;
    off_t store_size; // an offset: ngx_parse_offset knows 'g', ngx_parse_size does not
    ngx_uint_t durability;
    ngx_str_t instance_id;
    ngx_array_t *sync_types; // of SyncTypeConf; NULL: the defaults
    ngx_flag_t used;         // some location carries `mytimetable;`
    ngx_uint_t max_streams;  // streamed answers in progress at once, per worker
#if (NGX_THREADS)
    ngx_thread_pool_t *hash_pool; // nginx's "default" thread pool: Argon2id off the event loop
#endif
};

struct LocConf {
    ngx_str_t base_url;
};

// ---------------------------------------------------------------- declarations

char *set_mytimetable(ngx_conf_t *cf, ngx_command_t *cmd, void *conf);
char *set_sync_type(ngx_conf_t *cf, ngx_command_t *cmd, void *conf);
char *set_durability(ngx_conf_t *cf, ngx_command_t *cmd, void *conf);
char *check_instance_id(ngx_conf_t *cf, void *post, void *data);
char *check_base_url(ngx_conf_t *cf, void *post, void *data);
char *check_store(ngx_conf_t *cf, void *post, void *data);
char *check_store_size(ngx_conf_t *cf, void *post, void *data);
void *create_main_conf(ngx_conf_t *cf);
char *init_main_conf(ngx_conf_t *cf, void *conf);
void *create_loc_conf(ngx_conf_t *cf);
char *merge_loc_conf(ngx_conf_t *cf, void *parent, void *child);
ngx_int_t init_module(ngx_cycle_t *cycle);
ngx_int_t init_process(ngx_cycle_t *cycle);
void exit_process(ngx_cycle_t *cycle);
ngx_int_t content_handler(ngx_http_request_t *r);


ngx_conf_post_t instance_id_post = {check_instance_id};
ngx_conf_post_t base_url_post = {check_base_url};
ngx_conf_post_t store_post = {check_store};
ngx_conf_post_t store_size_post = {check_store_size};

ngx_command_t commands[] = {
    {ngx_string("mytimetable"), NGX_HTTP_LOC_CONF | NGX_CONF_NOARGS, set_mytimetable, 0, 0,
     nullptr},
    {ngx_string("mytimetable_store"), NGX_HTTP_MAIN_CONF | NGX_CONF_TAKE1, ngx_conf_set_str_slot,
     NGX_HTTP_MAIN_CONF_OFFSET, offsetof(MainConf, store), &store_post},
    {ngx_string("mytimetable_store_size"), NGX_HTTP_MAIN_CONF | NGX_CONF_TAKE1,
     ngx_conf_set_off_slot, NGX_HTTP_MAIN_CONF_OFFSET, offsetof(MainConf, store_size),
     &store_size_post},
    {ngx_string("mytimetable_durability"), NGX_HTTP_MAIN_CONF | NGX_CONF_TAKE1,
     set_durability, NGX_HTTP_MAIN_CONF_OFFSET, offsetof(MainConf, durability), nullptr},
    {ngx_string("mytimetable_instance_id"), NGX_HTTP_MAIN_CONF | NGX_CONF_TAKE1,
     ngx_conf_set_str_slot, NGX_HTTP_MAIN_CONF_OFFSET, offsetof(MainConf, instance_id),
     &instance_id_post},
    {ngx_string("mytimetable_max_streams"), NGX_HTTP_MAIN_CONF | NGX_CONF_TAKE1,
     ngx_conf_set_num_slot, NGX_HTTP_MAIN_CONF_OFFSET, offsetof(MainConf, max_streams), nullptr},
    {ngx_string("mytimetable_sync_type"), NGX_HTTP_MAIN_CONF | NGX_CONF_TAKE12, set_sync_type,
     NGX_HTTP_MAIN_CONF_OFFSET, 0, nullptr},
    {ngx_string("mytimetable_base_url"),
     NGX_HTTP_MAIN_CONF | NGX_HTTP_SRV_CONF | NGX_HTTP_LOC_CONF | NGX_CONF_TAKE1,
     ngx_conf_set_str_slot, NGX_HTTP_LOC_CONF_OFFSET, offsetof(LocConf, base_url),
     &base_url_post},
    ngx_null_command,
};

ngx_http_module_t module_ctx = {
    nullptr,          // preconfiguration
    nullptr,          // postconfiguration
    create_main_conf, // create main configuration
    init_main_conf,   // init main configuration
    nullptr,          // create server configuration
    nullptr,          // merge server configuration
    create_loc_conf,  // create location configuration
    merge_loc_conf,   // merge location configuration
};

} // namespace

extern "C" {
ngx_module_t ngx_http_mytimetable_module = {
    NGX_MODULE_V1,
    &module_ctx,    // module context
    commands,       // module directives
    NGX_HTTP_MODULE, // module type
    nullptr,        // init master
    init_module,    // init module
    init_process,   // init process
    nullptr,        // init thread
    nullptr,        // exit thread
    exit_process,   // exit process
    nullptr,        // exit master
    NGX_MODULE_V1_PADDING,
};
}

namespace {

// ---------------------------------------------------------------- bridges

std::string_view view(const ngx_str_t &s) {
    return std::string_view(reinterpret_cast<const char *>(s.data), s.len);
}

// Copies `s` into the pool; false when the pool is exhausted.
bool pool_str(ngx_pool_t *pool, std::string_view s, ngx_str_t &out) {
    out.len = s.size();
    out.data = static_cast<u_char *>(ngx_pnalloc(pool, s.size() ? s.size() : 1));
    if (!out.data)
        return false;
    ngx_memcpy(out.data, s.data(), s.size());
    return true;
}

// ---------------------------------------------------------------- per-process state

// A write waiting for the end of the event-loop turn. Its view of the request
// points into the request's own buffers and pool, which live as long as the
// request (whose count the wait holds).
struct Pending {
    ngx_http_request_t *r = nullptr;
    mtt::Request req;
};

// The store and settings of this worker, built in init_process.
//
// Group commit: the writes that reach this worker in one event-loop turn are
// queued and run at its end in one batch transaction, with one commit for all
// (see run_batch); a write that fails never takes the others with it.
struct Worker {
    std::unique_ptr<mtt::Env> env;
    std::unique_ptr<mtt::Flusher> flusher; // relaxed: flushes off the event loop
    mtt::Settings settings;
    ngx_event_t sync_timer; // relaxed: asks the flusher once a second
    std::vector<Pending> pending;
    ngx_event_t commit_event; // posted while writes are queued
    mtt::Cache cache;
#if (NGX_THREADS)
    // Passwords are hashed in nginx's thread pool before their write is
    // queued, at most hash_jobs at a time (each takes 19 MiB while it runs).
    ngx_thread_pool_t *hash_pool = nullptr;
    unsigned hashing = 0;
    std::deque<ngx_thread_task_t *> hash_waiting;
    // A timer that is not cancelable keeps a worker that is shutting down
    // from exiting while a password is being hashed (its request has none).
    ngx_event_t hash_guard;
#endif
    // Where streamed answers are produced, a piece at a time, before the
    // piece is copied into a buffer of the request's pool. Its capacity is
    // kept from one answer to the next: a fresh string for every long answer
    // made malloc grow and trim the heap (brk, page faults) on each of them.
    std::string scratch;
    // Streamed answers in progress, and how many this worker takes at once.
    unsigned streams = 0;
    unsigned max_streams = 256;
    // The event-loop turn (its ngx_current_msec) and the time its streams
    // have spent producing pieces so far (see stream_turn_budget_us).
    ngx_msec_t turn = 0;
    int64_t turn_spent_us = 0;
};

Worker *worker = nullptr;

// ---------------------------------------------------------------- directives

char *set_mytimetable(ngx_conf_t *cf, ngx_command_t *, void *) {
    auto *clcf = static_cast<ngx_http_core_loc_conf_t *>(
        ngx_http_conf_get_module_loc_conf(cf, ngx_http_core_module));
    // routes are taken below a prefix: other location kinds could never serve
    const char *kind = nullptr;
#if (NGX_PCRE)
    if (clcf->regex)
        kind = "a regular expression location";
#endif
    if (clcf->exact_match)
        kind = "an exact location (\"=\")";
    if (clcf->named)
        kind = "a named location";
    if (kind) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"mytimetable\" cannot be used in %s: use a prefix location such "
                           "as \"location /api/\"",
                           kind);
        return static_cast<char *>(NGX_CONF_ERROR);
    }
    if (clcf->handler == content_handler)
        return const_cast<char *>("is duplicate");
    clcf->handler = content_handler;
    auto *mcf = static_cast<MainConf *>(
        ngx_http_conf_get_module_main_conf(cf, ngx_http_mytimetable_module));
    mcf->used = 1;
#if (NGX_THREADS)
    if (!mcf->hash_pool) { // as `aio threads` does: the pool `thread_pool default` configures
        mcf->hash_pool = ngx_thread_pool_add(cf, nullptr);
        if (!mcf->hash_pool)
            return static_cast<char *>(NGX_CONF_ERROR);
    }
#endif
    return NGX_CONF_OK;
}

bool valid_token(std::string_view s, size_t max) {
    if (s.empty() || s.size() > max)
        return false;
    for (char c : s)
        if (!(isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.'))
            return false;
    return true;
}

char *set_sync_type(ngx_conf_t *cf, ngx_command_t *, void *conf) {
    auto *mcf = static_cast<MainConf *>(conf);
    auto *args = static_cast<ngx_str_t *>(cf->args->elts);
    if (!valid_token(view(args[1]), 64)) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"mytimetable_sync_type\": invalid type \"%V\": use 1 to 64 "
                           "letters, digits, '-', '_' or '.'",
                           &args[1]);
        return static_cast<char *>(NGX_CONF_ERROR);
    }
    bool mailbox = false;
    if (cf->args->nelts == 3) {
        if (view(args[2]) != "mailbox") {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "\"mytimetable_sync_type\": invalid parameter \"%V\": the only one "
                               "is \"mailbox\"",
                               &args[2]);
            return static_cast<char *>(NGX_CONF_ERROR);
        }
        mailbox = true;
    }
    if (!mcf->sync_types) {
        mcf->sync_types = ngx_array_create(cf->pool, 4, sizeof(SyncTypeConf));
        if (!mcf->sync_types)
            return static_cast<char *>(NGX_CONF_ERROR);
    }
    auto *types = static_cast<SyncTypeConf *>(mcf->sync_types->elts);
    for (ngx_uint_t i = 0; i < mcf->sync_types->nelts; i++) {
        if (view(types[i].name) == view(args[1])) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "\"mytimetable_sync_type\": duplicate type \"%V\"",
                               &args[1]);
            return static_cast<char *>(NGX_CONF_ERROR);
        }
    }
    auto *t = static_cast<SyncTypeConf *>(ngx_array_push(mcf->sync_types));
    if (!t)
        return static_cast<char *>(NGX_CONF_ERROR);
    t->name = args[1];
    t->mailbox = mailbox;
    return NGX_CONF_OK;
}

char *set_durability(ngx_conf_t *cf, ngx_command_t *, void *conf) {
    auto *mcf = static_cast<MainConf *>(conf);
    auto *args = static_cast<ngx_str_t *>(cf->args->elts);
    if (mcf->durability != NGX_CONF_UNSET_UINT)
        return const_cast<char *>("is duplicate");
    if (view(args[1]) == "full") {
        mcf->durability = durability_full;
    } else if (view(args[1]) == "relaxed") {
        mcf->durability = durability_relaxed;
    } else {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"mytimetable_durability\" must be \"full\" or \"relaxed\", not \"%V\"",
                           &args[1]);
        return static_cast<char *>(NGX_CONF_ERROR);
    }
    return NGX_CONF_OK;
}

char *check_instance_id(ngx_conf_t *cf, void *, void *data) {
    auto *s = static_cast<ngx_str_t *>(data);
    if (!valid_token(view(*s), 64)) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"mytimetable_instance_id\": invalid value \"%V\": use 1 to 64 "
                           "letters, digits, '-', '_' or '.'",
                           s);
        return static_cast<char *>(NGX_CONF_ERROR);
    }
    return NGX_CONF_OK;
}

char *check_base_url(ngx_conf_t *cf, void *, void *data) {
    auto *s = static_cast<ngx_str_t *>(data);
    std::string_view url = view(*s);
    bool scheme = url.substr(0, 7) == "http://" || url.substr(0, 8) == "https://";
    bool clean = url.find_first_of(" \t\r\n\"?#") == std::string_view::npos;
    if (!scheme || !clean || url.size() <= 8) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"mytimetable_base_url\": invalid value \"%V\": expected an absolute "
                           "http:// or https:// URL without query or fragment",
                           s);
        return static_cast<char *>(NGX_CONF_ERROR);
    }
    if (url.back() != '/') { // Self and Links are built by appending to it
        ngx_str_t with_slash;
        std::string copy(url);
        copy.push_back('/');
        if (!pool_str(cf->pool, copy, with_slash))
            return static_cast<char *>(NGX_CONF_ERROR);
        *s = with_slash;
    }
    return NGX_CONF_OK;
}

char *check_store(ngx_conf_t *cf, void *, void *data) {
    if (static_cast<ngx_str_t *>(data)->len == 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"mytimetable_store\" must name a directory, not \"\"");
        return static_cast<char *>(NGX_CONF_ERROR);
    }
    return NGX_CONF_OK;
}

// Checked where the directive stands, so that nginx names its line. The map
// is reserved (not used) to see that this machine can map that much at all.
char *check_store_size(ngx_conf_t *cf, void *, void *data) {
    off_t size = *static_cast<off_t *>(data);
    if (size < min_store_size) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"mytimetable_store_size\" must be at least 64k, not %O", size);
        return static_cast<char *>(NGX_CONF_ERROR);
    }
    void *p = mmap(nullptr, static_cast<size_t>(size), PROT_NONE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, ngx_errno,
                           "\"mytimetable_store_size\" %O is more than this machine can map",
                           size);
        return static_cast<char *>(NGX_CONF_ERROR);
    }
    munmap(p, static_cast<size_t>(size));
    return NGX_CONF_OK;
}

// The user the workers will run as, when the master runs as root: nginx's
// `user` directive if it came before http, else nginx's default user.
bool worker_user(ngx_conf_t *cf, std::string &name, uid_t &uid, gid_t &gid) {
    if (geteuid() != 0)
        return false;
    auto *ccf = reinterpret_cast<ngx_core_conf_t *>(
        ngx_get_conf(cf->cycle->conf_ctx, ngx_core_module));
    const char *user = ccf && ccf->username ? ccf->username : NGX_USER;
    struct passwd *pw = getpwnam(user);
    if (!pw)
        return false; // nginx itself refuses an unknown user
    name = user;
    uid = pw->pw_uid;
    gid = ccf && ccf->user != (ngx_uid_t)NGX_CONF_UNSET_UINT ? ccf->group : pw->pw_gid;
    return true;
}

// At `nginx -t`, start and reload: the store must be a directory that the
// worker user can write, or not exist yet (the master makes it at start).
char *check_store_dir(ngx_conf_t *cf, MainConf *mcf) {
    std::string dir(view(mcf->store));
    struct stat st;
    if (stat(dir.c_str(), &st) == -1)
        return NGX_CONF_OK;
    if (!S_ISDIR(st.st_mode)) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "\"mytimetable_store\": \"%V\" is not a directory",
                           &mcf->store);
        return static_cast<char *>(NGX_CONF_ERROR);
    }
    std::string user;
    uid_t uid = geteuid();
    gid_t gid = getegid();
    bool as_user = worker_user(cf, user, uid, gid);
    bool ok = as_user ? mtt::dir_writable_by(st.st_uid, st.st_gid, st.st_mode, uid,
                                             mtt::groups_of(user, gid))
                      : access(dir.c_str(), W_OK | X_OK) == 0;
    if (!ok) {
        if (!as_user)
            user = "this user";
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"mytimetable_store\": the worker user \"%s\" cannot write the "
                           "directory \"%V\" (give it to that user, e.g. install -d -o %s "
                           "-m 700 %V)",
                           user.c_str(), &mcf->store, user.c_str(), &mcf->store);
        return static_cast<char *>(NGX_CONF_ERROR);
    }
    return NGX_CONF_OK;
}

void *create_main_conf(ngx_conf_t *cf) {
    auto *mcf = static_cast<MainConf *>(ngx_pcalloc(cf->pool, sizeof(MainConf)));
    if (!mcf)
        return nullptr;
    // ngx_pcalloc left store, instance_id and sync_types empty
    mcf->store_size = NGX_CONF_UNSET;
    mcf->durability = NGX_CONF_UNSET_UINT;
    mcf->max_streams = NGX_CONF_UNSET_UINT;
    return mcf;
}

char *init_main_conf(ngx_conf_t *cf, void *conf) {
    auto *mcf = static_cast<MainConf *>(conf);
    ngx_conf_init_value(mcf->store_size, 1024 * 1024 * 1024);
    ngx_conf_init_uint_value(mcf->durability, durability_full);
    ngx_conf_init_uint_value(mcf->max_streams, 256);
    if (mcf->max_streams == 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "\"mytimetable_max_streams\" must be at least 1");
        return static_cast<char *>(NGX_CONF_ERROR);
    }
    if (mcf->instance_id.data == nullptr) {
        ngx_str_set(&mcf->instance_id, "default");
    }
    if (mcf->store.data == nullptr) {
        ngx_str_set(&mcf->store, "mytimetable");
    }
    if (ngx_conf_full_name(cf->cycle, &mcf->store, 0) != NGX_OK)
        return static_cast<char *>(NGX_CONF_ERROR);
    if (mcf->used)
        return check_store_dir(cf, mcf);
    return NGX_CONF_OK;
}

void *create_loc_conf(ngx_conf_t *cf) {
    auto *lcf = static_cast<LocConf *>(ngx_pcalloc(cf->pool, sizeof(LocConf)));
    // ngx_pcalloc left base_url empty: derived from the request
    return lcf;
}

char *merge_loc_conf(ngx_conf_t *, void *parent, void *child) {
    auto *prev = static_cast<LocConf *>(parent);
    auto *conf = static_cast<LocConf *>(child);
    ngx_conf_merge_str_value(conf->base_url, prev->base_url, "");
    return NGX_CONF_OK;
}

// ---------------------------------------------------------------- process hooks

MainConf *main_conf(ngx_cycle_t *cycle) {
    auto *ctx = reinterpret_cast<ngx_http_conf_ctx_t *>(
        cycle->conf_ctx ? cycle->conf_ctx[ngx_http_module.index] : nullptr);
    if (!ctx)
        return nullptr;
    return static_cast<MainConf *>(ctx->main_conf[ngx_http_mytimetable_module.ctx_index]);
}

// mkdir -p: missing parents are made 0755 (the workers must pass through
// them), the store directory itself 0700. `made` tells whether this call
// created the store directory itself.
bool make_directories(const std::string &dir, bool &made) {
    made = false;
    for (size_t slash = dir.find('/', 1); slash != std::string::npos;
         slash = dir.find('/', slash + 1)) {
        std::string parent = dir.substr(0, slash);
        if (mkdir(parent.c_str(), 0755) == -1 && ngx_errno != NGX_EEXIST)
            return false;
    }
    if (mkdir(dir.c_str(), 0700) == 0) {
        made = true;
        return true;
    }
    return ngx_errno == NGX_EEXIST;
}

// In the master, before the fork: create a missing store directory and hand
// that one directory to the worker user. Ownership of nothing else is ever
// changed: the workers create the store's files themselves, and the master
// (root) must not follow what the worker user could have put in a directory
// it owns (a symbolic link named lock.mdb, say). The directory is opened
// without following a link, and changed through its descriptor. Nothing is
// made by `nginx -t`. A failure is logged, not fatal: nginx exits when a
// module's init fails, which on a reload would take the running server
// down; the workers then fail to open the store, log why, and answer 503.
ngx_int_t init_module(ngx_cycle_t *cycle) {
    MainConf *mcf = main_conf(cycle);
    if (!mcf || !mcf->used || ngx_test_config)
        return NGX_OK;
    std::string dir(view(mcf->store));
    bool made = false;
    if (!make_directories(dir, made)) {
        ngx_log_error(NGX_LOG_EMERG, cycle->log, ngx_errno, "mytimetable: mkdir(\"%V\") failed",
                      &mcf->store);
        return NGX_OK;
    }
    auto *ccf = reinterpret_cast<ngx_core_conf_t *>(ngx_get_conf(cycle->conf_ctx, ngx_core_module));
    if (!made || geteuid() != 0 || ccf->user == (ngx_uid_t)NGX_CONF_UNSET_UINT)
        return NGX_OK;
    int fd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd == -1 || fchown(fd, ccf->user, ccf->group) == -1)
        ngx_log_error(NGX_LOG_EMERG, cycle->log, ngx_errno,
                      "mytimetable: handing \"%V\" to the worker user failed", &mcf->store);
    if (fd != -1)
        close(fd);
    return NGX_OK;
}

void commit_batch(ngx_event_t *ev);

// Relaxed durability: once a second, report how the last flush went and ask
// the flusher thread for the next one.
void sync_store(ngx_event_t *ev) {
    try {
        std::string failed = worker->flusher->take_error();
        if (!failed.empty())
            ngx_log_error(NGX_LOG_ALERT, ev->log, 0, "mytimetable: flushing the store: %s",
                          failed.c_str());
        worker->flusher->flush();
    } catch (const std::exception &e) {
        ngx_log_error(NGX_LOG_ALERT, ev->log, 0, "mytimetable: %s", e.what());
    }
    if (!ngx_exiting)
        ngx_add_timer(ev, 1000);
}

mtt::Settings settings_from(const MainConf *mcf) {
    mtt::Settings s;
    s.instance_id = std::string(view(mcf->instance_id));
    if (!mcf->sync_types) {
        s.sync_types = {{"o365", true}, {"ews", true}, {"googlecalendar", false}};
        return s;
    }
    auto *types = static_cast<SyncTypeConf *>(mcf->sync_types->elts);
    for (ngx_uint_t i = 0; i < mcf->sync_types->nelts; i++)
        s.sync_types.push_back({std::string(view(types[i].name)), types[i].mailbox != 0});
    return s;
}

// In each worker (and in single-process mode): open the store. A store that
// cannot be opened is logged and the API answers 503; the worker keeps going.
ngx_int_t init_process(ngx_cycle_t *cycle) {
    MainConf *mcf = main_conf(cycle);
    if (!mcf || !mcf->used)
        return NGX_OK;
    try {
        if (sodium_init() < 0) {
            ngx_log_error(NGX_LOG_EMERG, cycle->log, 0, "mytimetable: sodium_init() failed");
            return NGX_ERROR;
        }
        worker = new Worker();
        worker->settings = settings_from(mcf);
        worker->max_streams = static_cast<unsigned>(mcf->max_streams);
#if (NGX_THREADS)
        worker->hash_pool = mcf->hash_pool;
#endif
        mtt::EnvOptions opts;
        opts.path = std::string(view(mcf->store));
        opts.map_size = static_cast<size_t>(mcf->store_size);
        opts.relaxed = mcf->durability == durability_relaxed;
        worker->env = std::make_unique<mtt::Env>(opts);
        int stale = worker->env->clear_stale_readers();
        if (stale > 0)
            ngx_log_error(NGX_LOG_NOTICE, cycle->log, 0,
                          "mytimetable: cleared %d reader slots of dead processes", stale);
        worker->commit_event.handler = commit_batch;
        worker->commit_event.log = cycle->log;
        worker->commit_event.data = worker;
        if (opts.relaxed) {
            worker->flusher = std::make_unique<mtt::Flusher>(*worker->env);
            ngx_event_t *ev = &worker->sync_timer;
            ev->handler = sync_store;
            ev->log = cycle->log;
            ev->data = worker;
            ev->cancelable = 1;
            ngx_add_timer(ev, 1000);
        }
    } catch (const std::exception &e) {
        ngx_log_error(NGX_LOG_EMERG, cycle->log, 0, "mytimetable: cannot open the store \"%V\": %s",
                      &mcf->store, e.what());
        if (worker) {
            worker->flusher.reset();
            worker->env.reset();
        }
    }
    return NGX_OK;
}

void exit_process(ngx_cycle_t *cycle) {
    if (!worker)
        return;
    try {
        worker->flusher.reset(); // lets a flush in progress finish
        if (worker->env)
            worker->env->sync();
    } catch (const std::exception &e) {
        ngx_log_error(NGX_LOG_ALERT, cycle->log, 0, "mytimetable: %s", e.what());
    }
    if (worker->sync_timer.timer_set)
        ngx_del_timer(&worker->sync_timer);
#if (NGX_THREADS)
    if (worker->hash_guard.timer_set)
        ngx_del_timer(&worker->hash_guard);
#endif
    if (worker->env) {
        const mtt::ReadStats &rs = worker->env->read_stats();
        ngx_log_error(NGX_LOG_INFO, cycle->log, 0,
                      "mytimetable: %uL read transactions, the longest held %uL us",
                      rs.transactions, rs.max_held_us);
    }
    delete worker;
    worker = nullptr;
}

// ---------------------------------------------------------------- the request

// The part of the raw request path below the location, still percent-encoded
// (nginx's r->uri is decoded: "%2F" would already be a '/').
//
// With `location /api` (no trailing slash) the API answers below "/api/", as
// with `location /api/`: the '/' after the prefix is skipped, and a path that
// merely continues the prefix ("/apix") has no route.
std::string_view relative_path(ngx_http_request_t *r) {
    auto *clcf = static_cast<ngx_http_core_loc_conf_t *>(
        ngx_http_get_module_loc_conf(r, ngx_http_core_module));
    std::string_view prefix = view(clcf->name);
    std::string_view raw = view(r->unparsed_uri);
    raw = raw.substr(0, raw.find('?'));
    std::string_view rest = view(r->uri);
    if (raw.substr(0, prefix.size()) == prefix)
        rest = raw;
    if (rest.substr(0, prefix.size()) != prefix)
        return "\x01"; // matches no route
    rest.remove_prefix(prefix.size());
    if (!prefix.empty() && prefix.back() != '/') {
        if (!rest.empty() && rest.front() != '/')
            return "\x01";
        if (!rest.empty())
            rest.remove_prefix(1);
    }
    return rest;
}

bool host_char(char c) {
    return isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == ':' ||
           c == '[' || c == ']';
}

// The host (and port) for absolute URLs: the Host header when it is a plain
// host[:port], else the server's name, else the local address.
std::string host(ngx_http_request_t *r) {
    if (r->headers_in.host) {
        std::string_view h = view(r->headers_in.host->value);
        bool plain = !h.empty();
        for (char c : h)
            plain = plain && host_char(c);
        if (plain)
            return std::string(h);
    }
    auto *cscf = static_cast<ngx_http_core_srv_conf_t *>(
        ngx_http_get_module_srv_conf(r, ngx_http_core_module));
    if (cscf->server_name.len)
        return std::string(view(cscf->server_name));
    u_char text[NGX_SOCKADDR_STRLEN];
    ngx_str_t addr = {NGX_SOCKADDR_STRLEN, text};
    if (ngx_connection_local_sockaddr(r->connection, &addr, 0) != NGX_OK)
        return "localhost";
    return std::string(view(addr)) + ":" +
           std::to_string(ngx_inet_get_port(r->connection->local_sockaddr));
}

// The absolute URL of the API's location, ending in '/', in the request's
// pool (or the configured mytimetable_base_url); false when out of memory.
bool base_url(ngx_http_request_t *r, std::string_view &url) {
    auto *lcf = static_cast<LocConf *>(ngx_http_get_module_loc_conf(r, ngx_http_mytimetable_module));
    if (lcf->base_url.len) {
        url = view(lcf->base_url);
        return true;
    }
    auto *clcf = static_cast<ngx_http_core_loc_conf_t *>(
        ngx_http_get_module_loc_conf(r, ngx_http_core_module));
#if (NGX_HTTP_SSL)
    std::string_view scheme = r->connection->ssl ? "https://" : "http://";
#else
    std::string_view scheme = "http://";
#endif
    std::string authority = host(r);
    std::string_view location = view(clcf->name);
    bool slash = location.empty() || location.back() != '/';
    size_t size = scheme.size() + authority.size() + location.size() + (slash ? 1 : 0);
    auto *p = static_cast<u_char *>(ngx_pnalloc(r->pool, size));
    if (!p)
        return false;
    u_char *end = ngx_cpymem(p, scheme.data(), scheme.size());
    end = ngx_cpymem(end, authority.data(), authority.size());
    end = ngx_cpymem(end, location.data(), location.size());
    if (slash)
        *end++ = '/';
    url = std::string_view(reinterpret_cast<const char *>(p), end - p);
    return true;
}

// The request body as one contiguous run of bytes: the buffer itself when
// nginx holds it in one, else a copy in the request's pool (from memory
// buffers or the temp file nginx spilled it to).
bool read_body(ngx_http_request_t *r, std::string_view &body) {
    body = std::string_view("", 0);
    if (!r->request_body || !r->request_body->bufs)
        return true;
    ngx_chain_t *bufs = r->request_body->bufs;
    if (!bufs->next && ngx_buf_in_memory(bufs->buf)) {
        body = std::string_view(reinterpret_cast<const char *>(bufs->buf->pos),
                                bufs->buf->last - bufs->buf->pos);
        return true;
    }
    size_t size = 0;
    for (ngx_chain_t *cl = bufs; cl; cl = cl->next)
        size += ngx_buf_in_memory(cl->buf) ? cl->buf->last - cl->buf->pos
                : cl->buf->in_file         ? cl->buf->file_last - cl->buf->file_pos
                                           : 0;
    auto *p = static_cast<u_char *>(ngx_pnalloc(r->pool, size ? size : 1));
    if (!p)
        return false;
    u_char *end = p;
    for (ngx_chain_t *cl = bufs; cl; cl = cl->next) {
        ngx_buf_t *b = cl->buf;
        if (ngx_buf_in_memory(b)) {
            end = ngx_cpymem(end, b->pos, b->last - b->pos);
        } else if (b->in_file) {
            size_t n = b->file_last - b->file_pos;
            if (ngx_read_file(b->file, end, n, b->file_pos) != static_cast<ssize_t>(n))
                return false;
            end += n;
        }
    }
    body = std::string_view(reinterpret_cast<const char *>(p), end - p);
    return true;
}

const char *reason(int status) {
    switch (status) {
    case 200: return "200 OK";
    case 201: return "201 Created";
    case 204: return "204 No Content";
    case 400: return "400 Bad Request";
    case 404: return "404 Not Found";
    case 405: return "405 Method Not Allowed";
    case 409: return "409 Conflict";
    case 413: return "413 Request Entity Too Large";
    case 415: return "415 Unsupported Media Type";
    case 422: return "422 Unprocessable Entity";
    case 500: return "500 Internal Server Error";
    case 503: return "503 Service Unavailable";
    case 507: return "507 Insufficient Storage";
    default: return nullptr;
    }
}

// ---------------------------------------------------------------- streamed bodies

// A streamed answer in progress: the producer, and the buffers it writes
// into, reused once nginx has sent them, so that memory stays bounded
// whatever the length of the list.
struct Stream {
    std::unique_ptr<mtt::BodyStream> body;
    ngx_chain_t *free = nullptr, *busy = nullptr;
    bool finished = false; // the last buffer was handed to nginx
};

constexpr size_t stream_piece = 32 * 1024;
const ngx_buf_tag_t stream_tag = (ngx_buf_tag_t)&ngx_http_mytimetable_module;

// Pieces one connection may produce per event-loop turn: beyond, its stream
// goes on in the next turn (ngx_posted_next_events), after every other
// connection ready now has had its turn.
constexpr unsigned stream_pieces_per_turn = 2;
// And all the streams of a worker together produce for at most this long per
// turn: the rest wait for the next turn, so that a point request never waits
// behind more than this much streaming, however many streams run.
constexpr int64_t stream_turn_budget_us = 5000;

int64_t monotonic_us() {
    timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return int64_t(ts.tv_sec) * 1000000 + ts.tv_nsec / 1000;
}

// True when this turn's streaming budget is spent.
bool turn_spent() {
    if (worker->turn != ngx_current_msec) {
        worker->turn = ngx_current_msec;
        worker->turn_spent_us = 0;
    }
    return worker->turn_spent_us >= stream_turn_budget_us;
}

void destroy_stream(void *data) {
    delete static_cast<Stream *>(data);
    if (worker && worker->streams)
        worker->streams--;
}

// Output the socket did not take yet (not merely the headers nginx holds
// back until the first body buffer).
bool output_pending(ngx_http_request_t *r) { return r->connection->buffered != 0; }

// Copies one piece into a buffer (reused once sent) and hands it to nginx.
ngx_int_t output_piece(ngx_http_request_t *r, Stream *st, std::string_view piece, bool more) {
    ngx_chain_t *cl = ngx_chain_get_free_buf(r->pool, &st->free);
    if (!cl)
        return NGX_ERROR;
    ngx_buf_t *b = cl->buf;
    size_t size = piece.size();
    if (!b->start || static_cast<size_t>(b->end - b->start) < size) {
        // a piece ends after the entry that crosses stream_piece
        size_t capacity = std::max(size, stream_piece + stream_piece / 4);
        b->start = static_cast<u_char *>(ngx_palloc(r->pool, capacity));
        if (!b->start)
            return NGX_ERROR;
        b->end = b->start + capacity;
    }
    b->pos = b->start;
    b->last = ngx_cpymem(b->start, piece.data(), size);
    b->memory = 1;
    b->flush = 1;
    b->tag = stream_tag;
    b->last_buf = (!more && r == r->main) ? 1 : 0;
    b->last_in_chain = more ? 0 : 1;
    st->finished = !more;
    ngx_int_t rc = ngx_http_output_filter(r, cl);
    ngx_chain_update_chains(r->pool, &st->free, &st->busy, &cl, stream_tag);
    return rc == NGX_ERROR ? NGX_ERROR : NGX_OK;
}

// Writes pieces until the body is complete (NGX_OK), the client cannot take
// more now (NGX_AGAIN), this turn's share is spent (NGX_AGAIN with `yield`)
// or the connection fails (NGX_ERROR).
ngx_int_t stream_more(ngx_http_request_t *r, Stream *st, bool &yield) {
    yield = false;
    for (unsigned pieces = 0;; pieces++) {
        if (output_pending(r)) {
            ngx_int_t rc = ngx_http_output_filter(r, nullptr);
            ngx_chain_t *none = nullptr;
            ngx_chain_update_chains(r->pool, &st->free, &st->busy, &none, stream_tag);
            if (rc == NGX_ERROR)
                return NGX_ERROR;
            if (output_pending(r))
                return NGX_AGAIN;
        }
        if (st->finished)
            return NGX_OK;
        if (pieces >= stream_pieces_per_turn || turn_spent()) {
            yield = true;
            return NGX_AGAIN;
        }
        std::string &piece = worker->scratch;
        piece.clear();
        int64_t begun = monotonic_us();
        bool more = st->body->next(piece, stream_piece);
        worker->turn_spent_us += monotonic_us() - begun;
        if (piece.empty() && more)
            continue; // a piece of rows the filter left out
        if (output_piece(r, st, piece, more) == NGX_ERROR)
            return NGX_ERROR;
    }
}

void stream_write(ngx_http_request_t *r) {
    ngx_event_t *wev = r->connection->write;
    if (wev->timedout) {
        ngx_log_error(NGX_LOG_INFO, r->connection->log, NGX_ETIMEDOUT, "client timed out");
        r->connection->timedout = 1;
        ngx_http_finalize_request(r, NGX_HTTP_REQUEST_TIME_OUT);
        return;
    }
    auto *st = static_cast<Stream *>(ngx_http_get_module_ctx(r, ngx_http_mytimetable_module));
    ngx_int_t rc;
    bool yield = false;
    try {
        rc = stream_more(r, st, yield);
    } catch (const std::exception &e) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0, "mytimetable: %s", e.what());
        rc = NGX_ERROR;
    }
    if (rc == NGX_AGAIN && yield) {
        ngx_post_event(wev, &ngx_posted_next_events);
        return;
    }
    if (rc == NGX_AGAIN) {
        auto *clcf = static_cast<ngx_http_core_loc_conf_t *>(
            ngx_http_get_module_loc_conf(r, ngx_http_core_module));
        if (!wev->ready && !wev->delayed)
            ngx_add_timer(wev, clcf->send_timeout);
        if (ngx_handle_write_event(wev, clcf->send_lowat) != NGX_OK)
            ngx_http_finalize_request(r, NGX_ERROR);
        return;
    }
    if (wev->timer_set)
        ngx_del_timer(wev);
    ngx_http_finalize_request(r, rc);
}

// Sends the headers, the first piece and as much more of a streamed body as
// the client takes now; the rest goes from stream_write() as the socket
// drains. The read transaction inside the producer lives until the request's
// pool is freed.
ngx_int_t send_stream(ngx_http_request_t *r, mtt::Response &resp, std::string_view first) {
    ngx_pool_cleanup_t *cln = ngx_pool_cleanup_add(r->pool, 0);
    if (!cln)
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    auto *st = new Stream();
    worker->streams++;
    cln->handler = destroy_stream;
    cln->data = st;
    st->body = std::move(resp.stream);
    ngx_http_set_ctx(r, st, ngx_http_mytimetable_module);
    r->headers_out.content_length_n = -1;
    ngx_int_t rc = ngx_http_send_header(r);
    if (rc == NGX_ERROR || rc > NGX_OK || r->header_only)
        return rc;
    if (output_piece(r, st, first, true) == NGX_ERROR)
        return NGX_ERROR;
    r->main->count++; // released by stream_write's finalize
    r->write_event_handler = stream_write;
    if (output_pending(r)) {
        stream_write(r);
        return NGX_DONE;
    }
    // the next pieces in a later turn: this one has produced its share
    ngx_post_event(r->connection->write, &ngx_posted_next_events);
    return NGX_DONE;
}

ngx_int_t send(ngx_http_request_t *r, mtt::Response &resp) {
    r->headers_out.status = resp.status;
    if (const char *line = reason(resp.status)) {
        r->headers_out.status_line.data = (u_char *)line;
        r->headers_out.status_line.len = ngx_strlen(line);
    }
    if (!resp.content_type.empty()) {
        if (!pool_str(r->pool, resp.content_type, r->headers_out.content_type))
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        r->headers_out.content_type_len = r->headers_out.content_type.len;
        r->headers_out.content_type_lowcase = nullptr;
    }
    for (const auto &h : resp.headers) {
        ngx_table_elt_t *e = static_cast<ngx_table_elt_t *>(ngx_list_push(&r->headers_out.headers));
        if (!e || !pool_str(r->pool, h.name, e->key) || !pool_str(r->pool, h.value, e->value))
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        e->hash = 1;
    }
    std::string_view body = resp.body;
    if (resp.stream) {
        std::string &first = worker->scratch;
        first.assign(resp.body);
        if (resp.stream->next(first, stream_piece)) {
            if (worker->streams >= worker->max_streams) {
                ngx_log_error(NGX_LOG_WARN, r->connection->log, 0,
                              "mytimetable: %ui streams in progress (mytimetable_max_streams): "
                              "answered 503",
                              static_cast<ngx_uint_t>(worker->streams));
                resp = mtt::too_many_streams(worker->max_streams);
                return send(r, resp);
            }
            return send_stream(r, resp, first);
        }
        resp.stream.reset(); // it all fit in the first piece: send it with a Content-Length
        body = first;
    }
    r->headers_out.content_length_n = body.size();
    if (body.empty()) {
        r->header_only = 1;
        return ngx_http_send_header(r);
    }
    ngx_buf_t *b = ngx_create_temp_buf(r->pool, body.size());
    if (!b)
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    b->last = ngx_cpymem(b->last, body.data(), body.size());
    b->last_buf = (r == r->main) ? 1 : 0;
    b->last_in_chain = 1;
    ngx_chain_t out = {b, nullptr};
    ngx_int_t rc = ngx_http_send_header(r);
    if (rc == NGX_ERROR || rc > NGX_OK || r->header_only)
        return rc;
    return ngx_http_output_filter(r, &out);
}

ngx_int_t send_error(ngx_http_request_t *r, int status, std::string_view message) {
    mtt::Response resp = mtt::error(status, message);
    return send(r, resp);
}

// Queues a write for commit_batch() at the end of the event-loop turn.
void queue_write(ngx_http_request_t *r, const mtt::Request &req) {
    worker->pending.push_back({r, req});
    ngx_post_event(&worker->commit_event, &ngx_posted_events); // once: it checks posted
}

#if (NGX_THREADS)

// ---------------------------------------------------------------- passwords

constexpr unsigned hash_jobs = 2; // per worker

// A write whose body sets a password, while the password is hashed in a
// thread of nginx's pool. Lives in the request's pool; trivially destructible.
struct HashJob {
    ngx_http_request_t *r;
    mtt::Request req;
    u_char *password;
    size_t length;
    char hash[crypto_pwhash_STRBYTES];
    bool hashed;
};

// In a pool thread: no exception may leave it.
void hash_in_thread(void *data, ngx_log_t *) {
    auto *job = static_cast<HashJob *>(data);
    job->hashed = false;
    try {
        std::string h = mtt::hash_password_text(
            std::string_view(reinterpret_cast<const char *>(job->password), job->length));
        if (h.size() < sizeof job->hash) {
            ngx_memcpy(job->hash, h.data(), h.size() + 1);
            job->hashed = true;
        }
    } catch (...) {
    }
}

// The request's copy of the password is wiped when the request ends.
void wipe_password(void *data) {
    auto *job = static_cast<HashJob *>(data);
    sodium_memzero(job->password, job->length);
}

void guard_hashing(ngx_event_t *ev) {
    if (worker->hashing || !worker->hash_waiting.empty())
        ngx_add_timer(ev, 1000);
}

void start_hash(ngx_thread_task_t *task) {
    auto *job = static_cast<HashJob *>(task->ctx);
    if (!worker->hash_guard.timer_set) {
        worker->hash_guard.handler = guard_hashing;
        worker->hash_guard.log = ngx_cycle->log;
        worker->hash_guard.data = worker;
        ngx_add_timer(&worker->hash_guard, 1000);
    }
    if (worker->hashing < hash_jobs && ngx_thread_task_post(worker->hash_pool, task) == NGX_OK) {
        worker->hashing++;
        return;
    }
    if (worker->hashing < hash_jobs) { // the pool refused it: the write hashes as it runs
        ngx_log_error(NGX_LOG_WARN, job->r->connection->log, 0,
                      "mytimetable: the thread pool refused a password; hashing it in the write");
        queue_write(job->r, job->req);
        return;
    }
    worker->hash_waiting.push_back(task);
}

// A write that could not go on answers 500 (no exception may reach nginx).
void fail_write(ngx_http_request_t *r, const char *why) {
    ngx_connection_t *c = r->connection;
    ngx_log_error(NGX_LOG_ERR, c->log, 0, "mytimetable: %s", why);
    ngx_http_finalize_request(r, NGX_HTTP_INTERNAL_SERVER_ERROR);
    ngx_http_run_posted_requests(c);
}

// Back on the event loop: the write goes to the next batch with its hash.
void hash_done(ngx_event_t *ev) {
    auto *task = static_cast<ngx_thread_task_t *>(ev->data);
    auto *job = static_cast<HashJob *>(task->ctx);
    worker->hashing--;
    if (job->hashed)
        job->req.prehashed = {
            std::string_view(reinterpret_cast<const char *>(job->password), job->length),
            std::string_view(job->hash)};
    try {
        queue_write(job->r, job->req); // without a hash, the write makes its own
    } catch (const std::exception &e) {
        fail_write(job->r, e.what());
    }
    while (!worker->hash_waiting.empty() && worker->hashing < hash_jobs) {
        ngx_thread_task_t *next = worker->hash_waiting.front();
        worker->hash_waiting.pop_front();
        try {
            start_hash(next);
        } catch (const std::exception &e) {
            fail_write(static_cast<HashJob *>(next->ctx)->r, e.what());
        }
    }
}

// A write that sets a valid password has it hashed in the thread pool first;
// false for any other write (and when the pool is unavailable).
bool hash_first(ngx_http_request_t *r, const mtt::Request &req) {
    std::string password;
    if (!worker->hash_pool || !mtt::password_to_hash(req, password))
        return false;
    ngx_thread_task_t *task = ngx_thread_task_alloc(r->pool, sizeof(HashJob));
    ngx_pool_cleanup_t *cln = ngx_pool_cleanup_add(r->pool, 0);
    auto *copy = static_cast<u_char *>(ngx_pnalloc(r->pool, password.size() + 1));
    if (!task || !cln || !copy) {
        sodium_memzero(password.data(), password.size());
        return false;
    }
    auto *job = new (task->ctx) HashJob{r, req, copy, password.size(), {}, false};
    ngx_memcpy(copy, password.data(), password.size());
    sodium_memzero(password.data(), password.size());
    cln->handler = wipe_password;
    cln->data = job;
    task->handler = hash_in_thread;
    task->event.handler = hash_done;
    task->event.data = task;
    task->event.log = r->connection->log;
    start_hash(task);
    return true;
}

#endif

// Answers the request. A write is `deferred`: it waits in worker->pending
// for commit_batch() at the end of the event-loop turn.
ngx_int_t serve(ngx_http_request_t *r, bool &deferred) {
    deferred = false;
    try {
        if (!worker || !worker->env)
            return send_error(r, 503, "the store is not open; see the error log");
        // the API's view of the request: its buffers, and the pool for the rest
        mtt::Request req;
        if (!read_body(r, req.body))
            return send_error(r, 500, "the request body could not be read");
        if (!base_url(r, req.base_url))
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        req.method = view(r->method_name);
        std::string_view raw = view(r->unparsed_uri);
        if (auto problem = mtt::raw_path_problem(raw.substr(0, raw.find('?'))))
            return send_error(r, 400, *problem);
        req.path = relative_path(r);
        req.query = view(r->args);
        if (r->headers_in.content_type)
            req.content_type = view(r->headers_in.content_type->value);
        req.has_body = r->headers_in.content_length_n > 0 || r->headers_in.chunked;
        req.now = ngx_time();
        if (mtt::writes(req.method)) {
#if (NGX_THREADS)
            if (hash_first(r, req)) {
                deferred = true;
                return NGX_DONE;
            }
#endif
            queue_write(r, req);
            deferred = true;
            return NGX_DONE;
        }
        mtt::Context ctx{*worker->env, worker->settings, {}, nullptr, &worker->cache};
        mtt::Response resp = mtt::handle(ctx, req);
        if (!ctx.log.empty())
            ngx_log_error(NGX_LOG_ERR, r->connection->log, 0, "mytimetable: %s", ctx.log.c_str());
        return send(r, resp);
    } catch (const mtt::StoreError &e) { // a streamed answer's first piece
        try {
            std::string line;
            mtt::Response failed = mtt::store_failure(e, line);
            ngx_log_error(NGX_LOG_ERR, r->connection->log, 0, "mytimetable: %s", line.c_str());
            return send(r, failed);
        } catch (...) {
        }
    } catch (const std::exception &e) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0, "mytimetable: %s", e.what());
    } catch (...) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0, "mytimetable: unknown exception");
    }
    return NGX_HTTP_INTERNAL_SERVER_ERROR;
}

// End of the event-loop turn: the writes that arrived in it run in one batch
// transaction (see run_batch), and one commit (synced under `full`
// durability) makes them durable; only then are their answers sent. The
// writer lock is held only for this, never while the worker waits for its
// clients. If the commit fails, the writes it carried answer an error instead
// of success.
void commit_batch(ngx_event_t *ev) {
    std::vector<Pending> pending;
    pending.swap(worker->pending);
    std::vector<mtt::Answer> answers;
    int rc;
    try {
        std::vector<mtt::Request> writes;
        writes.reserve(pending.size());
        for (const Pending &p : pending)
            writes.push_back(p.req);
        rc = mtt::run_batch(*worker->env, worker->settings, writes, answers);
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
            if (i < answers.size() && !answers[i].log.empty())
                ngx_log_error(NGX_LOG_ERR, c->log, 0, "mytimetable: %s", answers[i].log.c_str());
            // a failed begin or commit wrote nothing: no answer may say success
            bool lost = i >= answers.size() ||
                        (rc != MDB_SUCCESS && answers[i].response.status < 300);
            mtt::Response failed;
            if (lost)
                failed = mtt::error(rc == MDB_MAP_FULL ? 507 : 500,
                                    rc == MDB_MAP_FULL
                                        ? "the store is full; raise mytimetable_store_size"
                                        : "the store failed; see the error log");
            sent = send(r, lost ? failed : answers[i].response);
        } catch (const std::exception &e) {
            ngx_log_error(NGX_LOG_ERR, c->log, 0, "mytimetable: %s", e.what());
            sent = NGX_HTTP_INTERNAL_SERVER_ERROR;
        }
        ngx_http_finalize_request(r, sent);
        ngx_http_run_posted_requests(c);
    }
}

void body_read(ngx_http_request_t *r) {
    bool deferred;
    ngx_int_t rc = serve(r, deferred);
    if (!deferred)
        ngx_http_finalize_request(r, rc);
}

ngx_int_t content_handler(ngx_http_request_t *r) {
    if (r->method & (NGX_HTTP_PUT | NGX_HTTP_POST | NGX_HTTP_PATCH)) {
        ngx_int_t rc = ngx_http_read_client_request_body(r, body_read);
        if (rc >= NGX_HTTP_SPECIAL_RESPONSE)
            return rc;
        return NGX_DONE;
    }
    ngx_int_t rc = ngx_http_discard_request_body(r);
    if (rc != NGX_OK)
        return rc;
    bool deferred;
    rc = serve(r, deferred);
    if (deferred) {
        r->main->count++; // released by commit_batch's finalize
        return NGX_DONE;
    }
    return rc;
}

} // namespace
