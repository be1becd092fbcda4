// One job: metrics in nginx (see metrics.h++).

#include "ngx/metrics.h++"

#include "ngx/lifecycle.h++"
#include "ngx/output.h++"

#include "api.h++"
#include "metrics.h++"

#include <nginx.h>

#include <new>
#include <string>

namespace mtt::ngx {

namespace {

ngx_str_t zone_name = ngx_string("mytimetable_metrics");

// The Block and some room for the slab allocator's own pages.
constexpr size_t zone_size = sizeof(metrics::Block) + 8 * 4096;

// In the master, at start and at each reload. A zone of the same name and
// size is kept by nginx across a reload (`data` is the Block it held): the
// counters go on unless the layout of the rows changed.
ngx_int_t init_zone(ngx_shm_zone_t *zone, void *data) {
    if (data) {
        zone->data = data;
        auto *b = static_cast<metrics::Block *>(data);
        if (!metrics::prepare(*b, metrics_layout()))
            ngx_log_error(NGX_LOG_NOTICE, ngx_cycle->log, 0,
                          "mytimetable: the metrics' layout changed: counting from zero");
        return NGX_OK;
    }
    auto *pool = reinterpret_cast<ngx_slab_pool_t *>(zone->shm.addr);
    void *p = ngx_slab_calloc(pool, sizeof(metrics::Block));
    if (!p) {
        ngx_log_error(NGX_LOG_EMERG, ngx_cycle->log, 0,
                      "mytimetable: no room for the metrics in their zone");
        return NGX_ERROR;
    }
    auto *b = new (p) metrics::Block; // trivial: the zeroes stay
    metrics::prepare(*b, metrics_layout());
    zone->data = b;
    return NGX_OK;
}

// What the request is counted under, until nginx frees it.
struct Counted {
    ngx_http_request_t *r;
    size_t row;
};

// When nginx frees the request: its final status, as the access log shows
// it (an error nginx finalized it with, else the status it sent).
void count_at_end(void *data) {
    auto *c = static_cast<Counted *>(data);
    ngx_http_request_t *r = c->r;
    ngx_uint_t status = r->err_status ? r->err_status : r->headers_out.status;
    metrics::count_request(c->row, static_cast<int>(status));
}

Counted *counted(ngx_http_request_t *r) {
    for (ngx_pool_cleanup_t *c = r->pool->cleanup; c; c = c->next)
        if (c->handler == count_at_end)
            return static_cast<Counted *>(c->data);
    return nullptr;
}

ngx_int_t metrics_handler(ngx_http_request_t *r) {
    if (!(r->method & (NGX_HTTP_GET | NGX_HTTP_HEAD))) {
        ngx_int_t rc = ngx_http_discard_request_body(r);
        if (rc != NGX_OK)
            return rc;
        Response resp = error(405, "the method " + std::string(view(r->method_name)) +
                                       " is not allowed here; allowed: GET, HEAD");
        resp.headers.push_back({"Allow", "GET, HEAD"});
        return send(r, resp);
    }
    ngx_int_t rc = ngx_http_discard_request_body(r);
    if (rc != NGX_OK)
        return rc;
    try {
        if (!metrics::shared)
            return send_error(r, 503, "the metrics are not kept in this worker");
        metrics::StoreGauges gauges;
        bool open = worker && worker->env;
        if (open) {
            try {
                gauges = metrics::read_store_gauges(*worker->env);
            } catch (const StoreError &e) {
                ngx_log_error(NGX_LOG_ERR, r->connection->log, 0, "mytimetable: store: %s",
                              e.what());
                open = false;
            }
        }
        Response resp;
        resp.content_type = metrics::content_type;
        resp.body = metrics::render(*metrics::shared, metrics_layout(), open ? &gauges : nullptr,
                                    NGINX_VERSION);
        return send(r, resp);
    } catch (const std::exception &e) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0, "mytimetable: %s", e.what());
    }
    return NGX_HTTP_INTERNAL_SERVER_ERROR;
}

} // namespace

char *set_metrics(ngx_conf_t *cf, ngx_command_t *, void *) {
    auto *clcf = static_cast<ngx_http_core_loc_conf_t *>(
        ngx_http_conf_get_module_loc_conf(cf, ngx_http_core_module));
    if (clcf->handler == metrics_handler)
        return const_cast<char *>("is duplicate");
    if (clcf->handler) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"mytimetable_metrics\": the location has another content handler "
                           "(\"mytimetable\", \"proxy_pass\", ...): give the metrics a location "
                           "of their own");
        return static_cast<char *>(NGX_CONF_ERROR);
    }
    clcf->handler = metrics_handler;
    ngx_shm_zone_t *zone =
        ngx_shared_memory_add(cf, &zone_name, zone_size, &ngx_http_mytimetable_module);
    if (!zone)
        return static_cast<char *>(NGX_CONF_ERROR);
    zone->init = init_zone;
    return NGX_CONF_OK;
}

void metrics_init_process(ngx_cycle_t *cycle) {
    metrics::shared = nullptr;
    ngx_list_part_t *part = &cycle->shared_memory.part;
    auto *zones = static_cast<ngx_shm_zone_t *>(part->elts);
    for (ngx_uint_t i = 0;; i++) {
        if (i >= part->nelts) {
            if (!part->next)
                return;
            part = part->next;
            zones = static_cast<ngx_shm_zone_t *>(part->elts);
            i = 0;
        }
        if (zones[i].tag == &ngx_http_mytimetable_module &&
            view(zones[i].shm.name) == view(zone_name)) {
            metrics::shared = static_cast<metrics::Block *>(zones[i].data);
            return;
        }
    }
}

void metrics_request(ngx_http_request_t *r) {
    if (!metrics::shared || counted(r)) // counted once, even after an internal redirect
        return;
    ngx_pool_cleanup_t *cln = ngx_pool_cleanup_add(r->pool, sizeof(Counted));
    if (!cln)
        return;
    auto *c = static_cast<Counted *>(cln->data);
    c->r = r;
    c->row = metrics_layout().row(SIZE_MAX, metrics::Api::other);
    cln->handler = count_at_end;
}

void metrics_route(ngx_http_request_t *r, std::string_view path, bool scim) {
    if (!metrics::shared)
        return;
    if (Counted *c = counted(r))
        c->row = metrics_layout().row(route_index(path, scim),
                                      scim ? metrics::Api::scim : metrics::api_of_path(path));
}

} // namespace mtt::ngx
