// One job: the small bridges every nginx-facing file shares. ngx_str_t <->
// std::string_view, a copy into a pool, an object the pool deletes, and the
// module symbol (defined in ngx_mytimetable_module.c++). Only files of
// src/ngx/ and the module file include nginx headers; the rest of src/ never
// sees an nginx type.
#pragma once

extern "C" {
#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
}

#include <memory>
#include <string_view>

extern "C" ngx_module_t ngx_http_mytimetable_module;

namespace mtt::ngx {

inline std::string_view view(const ngx_str_t &s) {
    return std::string_view(reinterpret_cast<const char *>(s.data), s.len);
}

// Copies `s` into the pool; false when the pool is exhausted.
inline bool pool_str(ngx_pool_t *pool, std::string_view s, ngx_str_t &out) {
    out.len = s.size();
    out.data = static_cast<u_char *>(ngx_pnalloc(pool, s.size() ? s.size() : 1));
    if (!out.data)
        return false;
    ngx_memcpy(out.data, s.data(), s.size());
    return true;
}

// Hands `object` to the pool, which deletes it when it is destroyed (for a
// request's pool: when the request ends); nullptr, and `object` deleted,
// when the pool is exhausted.
template <class T> T *pool_own(ngx_pool_t *pool, std::unique_ptr<T> object) {
    ngx_pool_cleanup_t *cln = ngx_pool_cleanup_add(pool, 0);
    if (!cln)
        return nullptr;
    cln->handler = [](void *data) { delete static_cast<T *>(data); };
    cln->data = object.get();
    return object.release();
}

} // namespace mtt::ngx
