// One job: metrics in nginx. The counters' Block (src/metrics) in a shared
// memory zone that every worker, and every generation of workers after a
// reload, adds to; the request counter, which counts each request of the API
// by route and final status when nginx frees it; and the handler of
// `mytimetable_metrics;`, which answers the Prometheus text.
#pragma once

#include "ngx/bridge.h++"

#include <string_view>

namespace mtt::ngx {

// `mytimetable_metrics;`: the location answers GET with the metrics, and
// the counters' zone is added to the configuration.
char *set_metrics(ngx_conf_t *cf, ngx_command_t *cmd, void *conf);

// In each worker: this process counts into the zone (when one is configured).
void metrics_init_process(ngx_cycle_t *cycle);

// At the API's content handler: the request will be counted when it ends,
// under the "none" row of its API until metrics_route() names its route.
void metrics_request(ngx_http_request_t *r);

// The request's path below the API's root is known: its route is counted.
void metrics_route(ngx_http_request_t *r, std::string_view path, bool scim = false);

} // namespace mtt::ngx
