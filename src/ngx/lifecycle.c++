// One job: the store's life in nginx's processes (see lifecycle.h++).

#include "ngx/lifecycle.h++"

#include "metrics.h++"
#include "storedir.h++"

#include <fcntl.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

namespace mtt::ngx {

Worker *worker = nullptr;

namespace {

// The user the workers will run as, when the master runs as root: nginx's
// `user` directive if it came before http, else nginx's default user.
bool worker_user(ngx_conf_t *cf, std::string &name, uid_t &uid, gid_t &gid) {
    if (geteuid() != 0)
        return false;
    auto *ccf =
        reinterpret_cast<ngx_core_conf_t *>(ngx_get_conf(cf->cycle->conf_ctx, ngx_core_module));
    const char *user = ccf && ccf->username ? ccf->username : NGX_USER;
    struct passwd *pw = getpwnam(user);
    if (!pw)
        return false; // nginx itself refuses an unknown user
    name = user;
    uid = pw->pw_uid;
    gid = ccf && ccf->user != (ngx_uid_t)NGX_CONF_UNSET_UINT ? ccf->group : pw->pw_gid;
    return true;
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

// Relaxed durability: once a second, report how the last flush went and ask
// the flusher thread for the next one.
void sync_store(ngx_event_t *ev) {
    try {
        std::string failed = worker->flusher->take_error();
        if (!failed.empty()) {
            metrics::count(&metrics::Block::sync_failures);
            ngx_log_error(NGX_LOG_ALERT, ev->log, 0, "mytimetable: flushing the store: %s",
                          failed.c_str());
        }
        worker->flusher->flush();
    } catch (const std::exception &e) {
        ngx_log_error(NGX_LOG_ALERT, ev->log, 0, "mytimetable: %s", e.what());
    }
    if (!ngx_exiting)
        ngx_add_timer(ev, flush_interval_ms);
}

} // namespace

// The user of worker_user() may write the directory, or, when the master does
// not run as root, this process may.
char *check_store_dir(ngx_conf_t *cf, const ngx_str_t &store) {
    std::string dir(view(store));
    struct stat st;
    if (stat(dir.c_str(), &st) == -1)
        return NGX_CONF_OK;
    if (!S_ISDIR(st.st_mode)) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "\"mytimetable_store\": \"%V\" is not a directory",
                           &store);
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
                           user.c_str(), &store, user.c_str(), &store);
        return static_cast<char *>(NGX_CONF_ERROR);
    }
    return NGX_CONF_OK;
}

// Ownership of nothing but the store directory is ever changed: the workers
// create the store's files themselves, and the master (root) must not follow
// what the worker user could have put in a directory it owns (a symbolic link
// named lock.mdb, say). The directory is opened without following a link,
// and changed through its descriptor. A failure is logged, not fatal: nginx
// exits when a module's init fails, which on a reload would take the running
// server down; the workers then fail to open the store, log why, and answer
// 503.
void prepare_store_dir(ngx_cycle_t *cycle, const ngx_str_t &store) {
    std::string dir(view(store));
    bool made = false;
    if (!make_directories(dir, made)) {
        ngx_log_error(NGX_LOG_EMERG, cycle->log, ngx_errno, "mytimetable: mkdir(\"%V\") failed",
                      &store);
        return;
    }
    auto *ccf = reinterpret_cast<ngx_core_conf_t *>(ngx_get_conf(cycle->conf_ctx, ngx_core_module));
    if (!made || geteuid() != 0 || ccf->user == (ngx_uid_t)NGX_CONF_UNSET_UINT)
        return;
    int fd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd == -1 || fchown(fd, ccf->user, ccf->group) == -1)
        ngx_log_error(NGX_LOG_EMERG, cycle->log, ngx_errno,
                      "mytimetable: handing \"%V\" to the worker user failed", &store);
    if (fd != -1)
        close(fd);
}

void open_store(ngx_cycle_t *cycle, const EnvOptions &opts, Settings settings) {
    try {
        worker = new Worker();
        worker->settings = std::move(settings);
        worker->env = std::make_unique<Env>(opts);
        if (const Upgrade &up = worker->env->upgrade(); up.from)
            ngx_log_error(NGX_LOG_NOTICE, cycle->log, 0,
                          "mytimetable: upgraded the store \"%s\" from layout %uD to %uD: "
                          "indexed %uL users in %.3f s",
                          opts.path.c_str(), up.from, Env::schema_version, up.users, up.seconds);
        int stale = worker->env->clear_stale_readers();
        if (stale > 0)
            ngx_log_error(NGX_LOG_NOTICE, cycle->log, 0,
                          "mytimetable: cleared %d reader slots of dead processes", stale);
        if (opts.relaxed) {
            worker->flusher = std::make_unique<Flusher>(*worker->env);
            ngx_event_t *ev = &worker->sync_timer;
            ev->handler = sync_store;
            ev->log = cycle->log;
            ev->data = worker;
            ev->cancelable = 1;
            ngx_add_timer(ev, flush_interval_ms);
        }
    } catch (const std::exception &e) {
        ngx_log_error(NGX_LOG_EMERG, cycle->log, 0, "mytimetable: cannot open the store \"%s\": %s",
                      opts.path.c_str(), e.what());
        if (worker) {
            worker->flusher.reset();
            worker->env.reset();
        }
    }
}

void close_store(ngx_cycle_t *cycle) {
    if (!worker)
        return;
    try {
        worker->flusher.reset(); // lets a flush in progress finish
        if (worker->env)
            worker->env->sync();
    } catch (const StoreError &e) { // the exiting worker's last flush
        metrics::count(&metrics::Block::sync_failures);
        ngx_log_error(NGX_LOG_ALERT, cycle->log, 0, "mytimetable: %s", e.what());
    } catch (const std::exception &e) {
        ngx_log_error(NGX_LOG_ALERT, cycle->log, 0, "mytimetable: %s", e.what());
    }
    if (worker->sync_timer.timer_set)
        ngx_del_timer(&worker->sync_timer);
    if (worker->env) {
        const ReadStats &rs = worker->env->read_stats();
        ngx_log_error(NGX_LOG_INFO, cycle->log, 0,
                      "mytimetable: %uL read transactions, the longest held %uL us",
                      rs.transactions, rs.max_held_us);
    }
    delete worker;
    worker = nullptr;
}

} // namespace mtt::ngx
