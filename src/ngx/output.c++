// One job: output (see output.h++).

#include "ngx/output.h++"

#include "api.h++"

#include <algorithm>
#include <memory>
#include <string>
#include <time.h>

namespace mtt::ngx {

namespace {

// What the streams of this worker share.
struct Output {
    // Where streamed answers are produced, a piece at a time, before the
    // piece is copied into a buffer of the request's pool. Its capacity is
    // kept from one answer to the next: a fresh string for every long answer
    // made malloc grow and trim the heap (brk, page faults) on each of them.
    std::string scratch;
    // Streamed answers in progress, and how many this worker takes at once
    // (set by output_init from mytimetable_max_streams).
    unsigned streams = 0;
    unsigned max_streams = 0;
    // The event-loop turn (its ngx_current_msec) and the time its streams
    // have spent producing pieces so far (see stream_turn_budget_us).
    ngx_msec_t turn = 0;
    int64_t turn_spent_us = 0;
};

Output out;

const char *reason(int status) {
    switch (status) {
    case 200:
        return "200 OK";
    case 201:
        return "201 Created";
    case 204:
        return "204 No Content";
    case 400:
        return "400 Bad Request";
    case 404:
        return "404 Not Found";
    case 405:
        return "405 Method Not Allowed";
    case 409:
        return "409 Conflict";
    case 413:
        return "413 Request Entity Too Large";
    case 415:
        return "415 Unsupported Media Type";
    case 422:
        return "422 Unprocessable Entity";
    case 500:
        return "500 Internal Server Error";
    case 503:
        return "503 Service Unavailable";
    case 507:
        return "507 Insufficient Storage";
    default:
        return nullptr;
    }
}

// A streamed answer in progress: the producer, and the buffers it writes
// into, reused once nginx has sent them, so that memory stays bounded
// whatever the length of the list.
struct Stream {
    std::unique_ptr<BodyStream> body;
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
    if (out.turn != ngx_current_msec) {
        out.turn = ngx_current_msec;
        out.turn_spent_us = 0;
    }
    return out.turn_spent_us >= stream_turn_budget_us;
}

void destroy_stream(void *data) {
    delete static_cast<Stream *>(data);
    if (out.streams)
        out.streams--;
}

// Output the socket did not take yet (not merely the headers nginx holds
// back until the first body buffer).
bool output_pending(ngx_http_request_t *r) {
    return r->connection->buffered != 0;
}

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
        std::string &piece = out.scratch;
        piece.clear();
        int64_t begun = monotonic_us();
        bool more = st->body->next(piece, stream_piece);
        out.turn_spent_us += monotonic_us() - begun;
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
ngx_int_t send_stream(ngx_http_request_t *r, Response &resp, std::string_view first) {
    ngx_pool_cleanup_t *cln = ngx_pool_cleanup_add(r->pool, 0);
    if (!cln)
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    auto *st = new Stream();
    out.streams++;
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

} // namespace

void output_init(unsigned max_streams) {
    out.max_streams = max_streams;
}

ngx_int_t send(ngx_http_request_t *r, Response &resp) {
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
        std::string &first = out.scratch;
        first.assign(resp.body);
        if (resp.stream->next(first, stream_piece)) {
            if (out.streams >= out.max_streams) {
                ngx_log_error(NGX_LOG_WARN, r->connection->log, 0,
                              "mytimetable: %ui streams in progress (mytimetable_max_streams): "
                              "answered 503",
                              static_cast<ngx_uint_t>(out.streams));
                resp = too_many_streams(out.max_streams);
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
    ngx_chain_t chain = {b, nullptr};
    ngx_int_t rc = ngx_http_send_header(r);
    if (rc == NGX_ERROR || rc > NGX_OK || r->header_only)
        return rc;
    return ngx_http_output_filter(r, &chain);
}

ngx_int_t send_error(ngx_http_request_t *r, int status, std::string_view message) {
    Response resp = error(status, message);
    return send(r, resp);
}

void log_failure(ngx_http_request_t *r, const std::string &line) {
    if (!line.empty())
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0, "mytimetable: %s", line.c_str());
}

ngx_int_t send_exception(ngx_http_request_t *r, bool scim) noexcept {
    try {
        std::string line;
        Response failed = exception_answer(line, scim);
        log_failure(r, line);
        return send(r, failed);
    } catch (...) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "mytimetable: out of memory for the answer to a failure");
    }
    return NGX_HTTP_INTERNAL_SERVER_ERROR;
}

} // namespace mtt::ngx
