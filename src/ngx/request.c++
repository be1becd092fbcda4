// One job: the request adapter (see request.h++).

#include "ngx/request.h++"

#include "router.h++"

#include <string>

namespace mtt::ngx {

namespace {

// The part of the raw request path below `prefix` (the API's root, or the
// location's prefix), still percent-encoded
// (nginx's r->uri is decoded: "%2F" would already be a '/').
//
// With `location /api` (no trailing slash) the API answers below "/api/", as
// with `location /api/`: the '/' after the prefix is skipped, and a path that
// merely continues the prefix ("/apix") has no route.
std::string_view relative_path(ngx_http_request_t *r, std::string_view prefix) {
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
    return isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == ':' || c == '[' ||
           c == ']';
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
bool base_url(ngx_http_request_t *r, const ngx_str_t &configured, std::string_view location,
              std::string_view &url) {
    if (configured.len) {
        url = view(configured);
        if (url.back() == '/')
            return true;
        // Self and Links are built by appending to it
        auto *p = static_cast<u_char *>(ngx_pnalloc(r->pool, url.size() + 1));
        if (!p)
            return false;
        ngx_memcpy(p, url.data(), url.size());
        p[url.size()] = '/';
        url = std::string_view(reinterpret_cast<const char *>(p), url.size() + 1);
        return true;
    }
#if (NGX_HTTP_SSL)
    std::string_view scheme = r->connection->ssl ? "https://" : "http://";
#else
    std::string_view scheme = "http://";
#endif
    std::string authority = host(r);
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

} // namespace

const char *base_url_problem(std::string_view url) {
    size_t host = url.substr(0, 7) == "http://" ? 7 : url.substr(0, 8) == "https://" ? 8 : 0;
    bool ok = host && url.size() > host && url[host] != '/' && url[host] != ':' &&
              url.find_first_of(" \t\r\n\"'<>\\?#") == std::string_view::npos;
    return ok ? nullptr : "expected an absolute http:// or https:// URL without query or fragment";
}

Adapted adapt(ngx_http_request_t *r, const ngx_str_t &configured_base_url, std::string_view root,
              Request &req, std::string &problem) {
    if (!read_body(r, req.body))
        return Adapted::BodyUnreadable;
    auto *clcf = static_cast<ngx_http_core_loc_conf_t *>(
        ngx_http_get_module_loc_conf(r, ngx_http_core_module));
    std::string_view prefix = root.empty() ? view(clcf->name) : root;
    if (!base_url(r, configured_base_url, prefix, req.base_url))
        return Adapted::NoMemory;
    req.method = view(r->method_name);
    req.path = relative_path(r, prefix); // also for BadPath: what the refusal is counted under
    std::string_view raw = view(r->unparsed_uri);
    if (auto why = raw_path_problem(raw.substr(0, raw.find('?')))) {
        problem = std::move(*why);
        return Adapted::BadPath;
    }
    req.query = view(r->args);
    if (r->headers_in.content_type)
        req.content_type = view(r->headers_in.content_type->value);
    if (r->headers_in.if_match)
        req.if_match = view(r->headers_in.if_match->value);
    req.has_body = r->headers_in.content_length_n > 0 || r->headers_in.chunked;
    req.now = ngx_time();
    return Adapted::Ok;
}

} // namespace mtt::ngx
