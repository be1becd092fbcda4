// ngx_http_mytimetable_module: the module definition of ngx_mytimetable.
//
// Configuration structs, the directive table, the module context and the
// module, the process hooks and the content handler's entry. The rest of the
// nginx face lives in src/ngx/, one job a file:
//   src/ngx/bridge     ngx_str_t <-> string_view, pool copies, the module symbol
//   src/ngx/request    nginx request -> mtt::Request
//   src/ngx/output     mtt::Response -> headers and body chain, streamed answers
//   src/ngx/batch      group commit: the queued writes' commands, one commit (in the thread pool)
//   src/ngx/passwords  the passwords of write commands, hashed in nginx's thread pool
//   src/ngx/queries    reads, and the long queries of their commands, run in the same pool
//   src/ngx/tasks      the thread-pool tasks that passwords, queries and batches share
//   src/ngx/lifecycle  the store directory, opening and closing the store per worker
//   src/ngx/metrics    the counters' shared zone, the request counter, mytimetable_metrics
//   src/ngx/backup     mytimetable_backup: a compacted copy of the store, made in the thread pool
// Everything else in src/ is plain C++ that knows nothing of nginx.

extern "C" {
#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#if (NGX_THREADS)
#include <ngx_thread_pool.h>
#endif
}

#include "ngx/backup.h++"
#include "ngx/batch.h++"
#include "ngx/bridge.h++"
#include "ngx/lifecycle.h++"
#include "ngx/metrics.h++"
#include "ngx/output.h++"
#include "ngx/passwords.h++"
#include "ngx/queries.h++"
#include "ngx/request.h++"

#include "api.h++"
#include "store.h++"

#include <sodium.h>

#include <sys/mman.h>

#include <string>
#include <string_view>

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

// The defaults that init_main_conf gives what the configuration leaves unset
// (the store's size, the instance id and the query bounds are the API's:
// mtt::default_map_size, default_instance_id, default_query_max_scan and
// default_query_max_time_ms).
constexpr char default_store[] = "mytimetable"; // below nginx's prefix
constexpr ngx_uint_t default_max_streams = 256;
SyncTypeConf default_sync_types[] = {
    {ngx_string("o365"), 1},
    {ngx_string("ews"), 1},
    {ngx_string("googlecalendar"), 0},
};

struct MainConf {
    ngx_str_t store;
    off_t store_size; // an offset: ngx_parse_offset knows 'g', ngx_parse_size does not
    ngx_uint_t durability;
    ngx_str_t instance_id;
    ngx_array_t *sync_types;   // of SyncTypeConf
    ngx_flag_t used;           // some location carries `mytimetable;` or `mytimetable_backup;`
    ngx_uint_t max_streams;    // streamed answers in progress at once, per worker
    ngx_uint_t query_max_scan; // users and index entries one directory query may read; 0: any
    ngx_msec_t query_max_time; // how long finding one directory query's users may take; 0: any
#if (NGX_THREADS)
    ngx_thread_pool_t *hash_pool; // nginx's "default" thread pool: Argon2id off the event loop
#endif
};

struct LocConf {
    ngx_http_complex_value_t *base_url; // NULL: derived from the request
    ngx_str_t root;                     // the API's root path; empty: the location's prefix
    ngx_str_t location;                 // the prefix of a location that carries `mytimetable;`
    ngx_flag_t scim;                    // `mytimetable_scim;`: the location serves SCIM 2.0
};

// ---------------------------------------------------------------- declarations

char *set_mytimetable(ngx_conf_t *cf, ngx_command_t *cmd, void *conf);
char *set_scim(ngx_conf_t *cf, ngx_command_t *cmd, void *conf);
char *set_sync_type(ngx_conf_t *cf, ngx_command_t *cmd, void *conf);
char *set_enum(ngx_conf_t *cf, ngx_command_t *cmd, void *conf);
char *check_instance_id(ngx_conf_t *cf, void *post, void *data);
char *set_base_url(ngx_conf_t *cf, ngx_command_t *cmd, void *conf);
char *check_root(ngx_conf_t *cf, void *post, void *data);
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

ngx_conf_enum_t durabilities[] = {
    {ngx_string("full"), durability_full},
    {ngx_string("relaxed"), durability_relaxed},
    {ngx_null_string, 0},
};

ngx_conf_post_t instance_id_post = {check_instance_id};
ngx_conf_post_t root_post = {check_root};
ngx_conf_post_t store_post = {check_store};
ngx_conf_post_t store_size_post = {check_store_size};

ngx_command_t commands[] = {
    {ngx_string("mytimetable"), NGX_HTTP_LOC_CONF | NGX_CONF_NOARGS, set_mytimetable,
     NGX_HTTP_LOC_CONF_OFFSET, 0, nullptr},
    // SCIM 2.0 below a prefix location, with routes relative to it (src/scim.h++)
    {ngx_string("mytimetable_scim"), NGX_HTTP_LOC_CONF | NGX_CONF_NOARGS, set_scim,
     NGX_HTTP_LOC_CONF_OFFSET, offsetof(LocConf, scim), nullptr},
    {ngx_string("mytimetable_metrics"), NGX_HTTP_LOC_CONF | NGX_CONF_NOARGS, mtt::ngx::set_metrics,
     NGX_HTTP_LOC_CONF_OFFSET, 0, nullptr},
    {ngx_string("mytimetable_store"), NGX_HTTP_MAIN_CONF | NGX_CONF_TAKE1, ngx_conf_set_str_slot,
     NGX_HTTP_MAIN_CONF_OFFSET, offsetof(MainConf, store), &store_post},
    {ngx_string("mytimetable_store_size"), NGX_HTTP_MAIN_CONF | NGX_CONF_TAKE1,
     ngx_conf_set_off_slot, NGX_HTTP_MAIN_CONF_OFFSET, offsetof(MainConf, store_size),
     &store_size_post},
    {ngx_string("mytimetable_durability"), NGX_HTTP_MAIN_CONF | NGX_CONF_TAKE1, set_enum,
     NGX_HTTP_MAIN_CONF_OFFSET, offsetof(MainConf, durability), durabilities},
    {ngx_string("mytimetable_instance_id"), NGX_HTTP_MAIN_CONF | NGX_CONF_TAKE1,
     ngx_conf_set_str_slot, NGX_HTTP_MAIN_CONF_OFFSET, offsetof(MainConf, instance_id),
     &instance_id_post},
    {ngx_string("mytimetable_max_streams"), NGX_HTTP_MAIN_CONF | NGX_CONF_TAKE1,
     ngx_conf_set_num_slot, NGX_HTTP_MAIN_CONF_OFFSET, offsetof(MainConf, max_streams), nullptr},
    {ngx_string("mytimetable_query_max_scan"), NGX_HTTP_MAIN_CONF | NGX_CONF_TAKE1,
     ngx_conf_set_num_slot, NGX_HTTP_MAIN_CONF_OFFSET, offsetof(MainConf, query_max_scan), nullptr},
    {ngx_string("mytimetable_query_max_time"), NGX_HTTP_MAIN_CONF | NGX_CONF_TAKE1,
     ngx_conf_set_msec_slot, NGX_HTTP_MAIN_CONF_OFFSET, offsetof(MainConf, query_max_time),
     nullptr},
    {ngx_string("mytimetable_sync_type"), NGX_HTTP_MAIN_CONF | NGX_CONF_TAKE12, set_sync_type,
     NGX_HTTP_MAIN_CONF_OFFSET, 0, nullptr},
    {ngx_string("mytimetable_base_url"),
     NGX_HTTP_MAIN_CONF | NGX_HTTP_SRV_CONF | NGX_HTTP_LOC_CONF | NGX_CONF_TAKE1, set_base_url,
     NGX_HTTP_LOC_CONF_OFFSET, offsetof(LocConf, base_url), nullptr},
    {ngx_string("mytimetable_root"),
     NGX_HTTP_MAIN_CONF | NGX_HTTP_SRV_CONF | NGX_HTTP_LOC_CONF | NGX_CONF_TAKE1,
     ngx_conf_set_str_slot, NGX_HTTP_LOC_CONF_OFFSET, offsetof(LocConf, root), &root_post},
    // a location that answers GET with a copy of the store (src/ngx/backup); it marks the store
    // used
    {ngx_string("mytimetable_backup"), NGX_HTTP_LOC_CONF | NGX_CONF_NOARGS, mtt::ngx::set_backup,
     NGX_HTTP_MAIN_CONF_OFFSET, offsetof(MainConf, used), nullptr},
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
    &module_ctx,     // module context
    commands,        // module directives
    NGX_HTTP_MODULE, // module type
    nullptr,         // init master
    init_module,     // init module
    init_process,    // init process
    nullptr,         // init thread
    nullptr,         // exit thread
    exit_process,    // exit process
    nullptr,         // exit master
    NGX_MODULE_V1_PADDING,
};
}

namespace {

using mtt::ngx::pool_str;
using mtt::ngx::view;
using mtt::ngx::worker;

// ---------------------------------------------------------------- directives

char *set_mytimetable(ngx_conf_t *cf, ngx_command_t *cmd, void *conf) {
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
                           "\"%V\" cannot be used in %s: use a prefix location such "
                           "as \"location /api/\"",
                           &cmd->name, kind);
        return static_cast<char *>(NGX_CONF_ERROR);
    }
    if (clcf->handler == content_handler)
        return const_cast<char *>("is duplicate");
    clcf->handler = content_handler;
    static_cast<LocConf *>(conf)->location = clcf->name;
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

// `mytimetable_scim;`: a location of the module (as `mytimetable;`) whose
// requests are SCIM's; the flag is the location's own, never inherited.
char *set_scim(ngx_conf_t *cf, ngx_command_t *cmd, void *conf) {
    auto *lcf = static_cast<LocConf *>(conf);
    if (lcf->scim != NGX_CONF_UNSET)
        return const_cast<char *>("is duplicate");
    char *rv = set_mytimetable(cf, cmd, conf);
    if (rv != NGX_CONF_OK)
        return rv;
    lcf->scim = 1;
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
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "\"mytimetable_sync_type\": duplicate type \"%V\"", &args[1]);
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

// ngx_conf_set_enum_slot, whose message for an unknown value also lists
// the values it takes: "must be "full" or "relaxed", not "sometimes"".
char *set_enum(ngx_conf_t *cf, ngx_command_t *cmd, void *conf) {
    auto *value = &static_cast<ngx_str_t *>(cf->args->elts)[1];
    auto *e = static_cast<ngx_conf_enum_t *>(cmd->post);
    std::string choices;
    for (ngx_uint_t i = 0; e[i].name.len; i++) {
        if (view(e[i].name) == view(*value))
            return ngx_conf_set_enum_slot(cf, cmd, conf);
        choices += i == 0 ? "\"" : e[i + 1].name.len ? ", \"" : " or \"";
        choices += std::string(view(e[i].name)) + "\"";
    }
    ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "\"%V\" must be %s, not \"%V\"", &cmd->name,
                       choices.c_str(), value);
    return static_cast<char *>(NGX_CONF_ERROR);
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

// A value with variables is checked when a request evaluates it
// (mtt::ngx::base_url_problem); a fixed one here, so that nginx -t names it.
char *set_base_url(ngx_conf_t *cf, ngx_command_t *cmd, void *conf) {
    char *rv = ngx_http_set_complex_value_slot(cf, cmd, conf);
    if (rv != NGX_CONF_OK)
        return rv;
    auto *cv = static_cast<LocConf *>(conf)->base_url;
    if (cv->lengths)
        return NGX_CONF_OK;
    if (auto why = mtt::ngx::base_url_problem(view(cv->value))) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"mytimetable_base_url\": invalid value \"%V\": %s", &cv->value, why);
        return static_cast<char *>(NGX_CONF_ERROR);
    }
    return NGX_CONF_OK;
}

char *check_root(ngx_conf_t *cf, void *, void *data) {
    auto *s = static_cast<ngx_str_t *>(data);
    std::string_view root = view(*s);
    bool clean = root.find_first_of(" \t\r\n\"?#%") == std::string_view::npos &&
                 root.find("/./") == std::string_view::npos &&
                 root.find("/../") == std::string_view::npos &&
                 root.find("//") == std::string_view::npos;
    if (root.empty() || root.front() != '/' || root.back() != '/' || !clean) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"mytimetable_root\": invalid value \"%V\": expected a path that "
                           "starts and ends with '/', such as /api/, without '.', '..' or empty "
                           "segments, '%%', '?' or '#'",
                           s);
        return static_cast<char *>(NGX_CONF_ERROR);
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
                           "\"mytimetable_store_size\" %O is more than this machine can map", size);
        return static_cast<char *>(NGX_CONF_ERROR);
    }
    munmap(p, static_cast<size_t>(size));
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
    mcf->query_max_scan = NGX_CONF_UNSET_UINT;
    mcf->query_max_time = NGX_CONF_UNSET_MSEC;
    return mcf;
}

char *init_main_conf(ngx_conf_t *cf, void *conf) {
    auto *mcf = static_cast<MainConf *>(conf);
    ngx_conf_init_value(mcf->store_size, static_cast<off_t>(mtt::default_map_size));
    ngx_conf_init_uint_value(mcf->durability, durability_full);
    ngx_conf_init_uint_value(mcf->max_streams, default_max_streams);
    ngx_conf_init_uint_value(mcf->query_max_scan, mtt::default_query_max_scan);
    ngx_conf_init_msec_value(mcf->query_max_time, mtt::default_query_max_time_ms);
    if (mcf->max_streams == 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "\"mytimetable_max_streams\" must be at least 1");
        return static_cast<char *>(NGX_CONF_ERROR);
    }
    if (mcf->instance_id.data == nullptr) {
        ngx_str_set(&mcf->instance_id, mtt::default_instance_id);
    }
    if (mcf->store.data == nullptr) {
        ngx_str_set(&mcf->store, default_store);
    }
    if (!mcf->sync_types) {
        mcf->sync_types = ngx_array_create(cf->pool, 3, sizeof(SyncTypeConf));
        if (!mcf->sync_types)
            return static_cast<char *>(NGX_CONF_ERROR);
        for (const SyncTypeConf &t : default_sync_types) {
            auto *slot = static_cast<SyncTypeConf *>(ngx_array_push(mcf->sync_types));
            if (!slot)
                return static_cast<char *>(NGX_CONF_ERROR);
            *slot = t;
        }
    }
    if (ngx_conf_full_name(cf->cycle, &mcf->store, 0) != NGX_OK)
        return static_cast<char *>(NGX_CONF_ERROR);
    if (mcf->used)
        return mtt::ngx::check_store_dir(cf, mcf->store);
    return NGX_CONF_OK;
}

void *create_loc_conf(ngx_conf_t *cf) {
    auto *lcf = static_cast<LocConf *>(ngx_pcalloc(cf->pool, sizeof(LocConf)));
    if (!lcf)
        return nullptr;
    lcf->base_url = static_cast<ngx_http_complex_value_t *>(NGX_CONF_UNSET_PTR);
    lcf->scim = NGX_CONF_UNSET;
    // ngx_pcalloc left root and location empty
    return lcf;
}

char *merge_loc_conf(ngx_conf_t *cf, void *parent, void *child) {
    auto *prev = static_cast<LocConf *>(parent);
    auto *conf = static_cast<LocConf *>(child);
    ngx_conf_merge_ptr_value(conf->base_url, prev->base_url, nullptr);
    ngx_conf_merge_str_value(conf->root, prev->root, "");
    if (conf->scim == NGX_CONF_UNSET) // not inherited: a nested location is not SCIM's
        conf->scim = 0;
    // a location of the API lies inside its root (or holds it: /api holds /api/);
    // SCIM's routes are relative to its own location, whatever the root
    std::string_view location = view(conf->location), root = view(conf->root);
    if (!conf->scim && !location.empty() && !root.empty() &&
        location.substr(0, root.size()) != root && root.substr(0, location.size()) != location) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"mytimetable\" in location \"%V\" is outside \"mytimetable_root "
                           "%V\": none of its requests could reach a route",
                           &conf->location, &conf->root);
        return static_cast<char *>(NGX_CONF_ERROR);
    }
    return NGX_CONF_OK;
}

// ---------------------------------------------------------------- process hooks

MainConf *main_conf(ngx_cycle_t *cycle) {
    return static_cast<MainConf *>(
        ngx_http_cycle_get_module_main_conf(cycle, ngx_http_mytimetable_module));
}

// In the master, before the fork: a missing store directory is made and
// handed to the worker user. Nothing is made by `nginx -t`.
ngx_int_t init_module(ngx_cycle_t *cycle) {
    MainConf *mcf = main_conf(cycle);
    if (!mcf || !mcf->used || ngx_test_config)
        return NGX_OK;
    mtt::ngx::prepare_store_dir(cycle, mcf->store);
    return NGX_OK;
}

mtt::Settings settings_from(const MainConf *mcf) {
    mtt::Settings s;
    s.instance_id = std::string(view(mcf->instance_id));
    s.query_max_scan = mcf->query_max_scan;
    s.query_max_time_ms = mcf->query_max_time;
    auto *types = static_cast<SyncTypeConf *>(mcf->sync_types->elts);
    for (ngx_uint_t i = 0; i < mcf->sync_types->nelts; i++)
        s.sync_types.push_back({std::string(view(types[i].name)), types[i].mailbox != 0});
    return s;
}

// In each worker (and in single-process mode): open the store. A store that
// cannot be opened is logged and the API answers 503; the worker keeps going.
ngx_int_t init_process(ngx_cycle_t *cycle) {
    mtt::ngx::metrics_init_process(cycle);
    MainConf *mcf = main_conf(cycle);
    if (!mcf || !mcf->used)
        return NGX_OK;
    if (sodium_init() < 0) {
        ngx_log_error(NGX_LOG_EMERG, cycle->log, 0, "mytimetable: sodium_init() failed");
        return NGX_ERROR;
    }
    mtt::ngx::output_init(static_cast<unsigned>(mcf->max_streams));
    mtt::ngx::batch_init(cycle);
#if (NGX_THREADS)
    if (mcf->durability == durability_full)
        mtt::ngx::batch_offload(cycle, mcf->hash_pool);
    mtt::ngx::passwords_init(mcf->hash_pool);
    mtt::ngx::queries_init(mcf->hash_pool);
#endif
    try {
        mtt::EnvOptions opts;
        opts.path = std::string(view(mcf->store));
        opts.map_size = static_cast<size_t>(mcf->store_size);
        opts.relaxed = mcf->durability == durability_relaxed;
        mtt::ngx::open_store(cycle, opts, settings_from(mcf));
    } catch (const std::exception &e) { // out of memory before the store was opened
        ngx_log_error(NGX_LOG_EMERG, cycle->log, 0, "mytimetable: cannot open the store \"%V\": %s",
                      &mcf->store, e.what());
    }
    return NGX_OK;
}

void exit_process(ngx_cycle_t *cycle) {
    mtt::ngx::passwords_exit();
    mtt::ngx::queries_exit();
    mtt::ngx::batch_exit();
    mtt::ngx::close_store(cycle);
}

// ---------------------------------------------------------------- the content handler

// Answers the request: parses it (mtt::parse), then applies its command. A
// write is `deferred`: it waits for the worker's next batch (src/ngx/batch),
// after its password is hashed when it stores one
// (src/ngx/passwords). A read is answered at once, or `deferred` while its
// long query runs in the thread pool (src/ngx/queries).
ngx_int_t serve(ngx_http_request_t *r, bool &deferred) {
    using mtt::ngx::send;
    using mtt::ngx::send_error;
    deferred = false;
    auto *lcf =
        static_cast<LocConf *>(ngx_http_get_module_loc_conf(r, ngx_http_mytimetable_module));
    bool scim = lcf->scim == 1;
    try {
        if (!worker || !worker->env)
            return send_error(r, 503, "the store is not open; see the error log");
        // the API's view of the request: its buffers, and the pool for the rest
        mtt::Request req;
        std::string problem;
        ngx_str_t configured = ngx_null_string;
        if (lcf->base_url) {
            if (ngx_http_complex_value(r, lcf->base_url, &configured) != NGX_OK)
                return NGX_HTTP_INTERNAL_SERVER_ERROR;
            if (auto why = mtt::ngx::base_url_problem(view(configured))) {
                ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                              "mytimetable: \"mytimetable_base_url %V\" gave \"%V\": %s",
                              &lcf->base_url->value, &configured, why);
                return send_error(r, 500, "the base URL is misconfigured; see the error log");
            }
        }
        req.scim = scim;
        // SCIM answers If-Match itself (weak ETags, W/"<version>"): nginx's
        // not-modified filter, which compares strongly, must not refuse again
        if (req.scim)
            r->disable_not_modified = 1;
        switch (mtt::ngx::adapt(r, configured, req.scim ? "" : view(lcf->root), req, problem)) {
        case mtt::ngx::Adapted::Ok:
            mtt::ngx::metrics_route(r, req.path, req.scim);
            break;
        case mtt::ngx::Adapted::BodyUnreadable:
            return send_error(r, 500, "the request body could not be read");
        case mtt::ngx::Adapted::NoMemory:
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        case mtt::ngx::Adapted::BadPath:
            mtt::ngx::metrics_route(r, req.path, req.scim);
            return send_error(r, 400, problem);
        }
        mtt::Parsed parsed = mtt::parse(req, worker->settings);
        if (!parsed.command)
            return send(r, parsed.answer);
        if (!mtt::writes(req.method))
            return mtt::ngx::serve_read(r, req, std::move(parsed.command), deferred);
        mtt::Command *cmd = mtt::ngx::pool_own(r->pool, std::move(parsed.command));
        if (!cmd)
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        if (!mtt::ngx::hash_first(r, *cmd, req))
            mtt::ngx::queue_write(r, *cmd, req);
        deferred = true;
        return NGX_DONE;
    } catch (...) { // also a streamed answer's first piece
        return mtt::ngx::send_exception(r, scim);
    }
}

void body_read(ngx_http_request_t *r) {
    bool deferred;
    ngx_int_t rc = serve(r, deferred);
    if (!deferred)
        ngx_http_finalize_request(r, rc);
}

ngx_int_t content_handler(ngx_http_request_t *r) {
    mtt::ngx::metrics_request(r); // counted by route and status when it ends
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
