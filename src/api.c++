#include "api.h++"

#include "json.h++"
#include "router.h++"
#include "text.h++"
#include "users.h++"

#include <new>

namespace mtt {

namespace {

using Handler = Response (*)(Context &, const Request &, const Params &);

// ---------------------------------------------------------------- helpers

Response json_response(int status, const json_t *body) {
    Response r;
    r.status = status;
    r.content_type = json_type;
    r.body = dump(body);
    return r;
}

// Decodes and validates a {username} path segment; on failure `bad` holds the
// 400 answer.
bool username_param(std::string_view raw, std::string &name, Response &bad) {
    if (auto e = percent_decode(raw, false, name)) {
        bad = error(400, "invalid username: " + describe(*e));
        return false;
    }
    if (auto problem = username_problem(name)) {
        bad = error(400, "invalid username: " + *problem);
        return false;
    }
    return true;
}

// ---------------------------------------------------------------- v0 users

Response list_users(Context &ctx, const Request &, const Params &) {
    Txn txn(ctx.env, Txn::Read);
    Json users(json_array());
    for_each_username(txn, [&](std::string_view name) {
        json_array_append_new(users.get(), json_str(name));
    });
    Json body(json_object());
    json_object_set(body.get(), "users", users.get());
    return json_response(200, body.get());
}

Response put_user(Context &ctx, const Request &, const Params &p) {
    std::string name;
    Response bad;
    if (!username_param(p[0], name, bad))
        return bad;
    Txn txn(ctx.env, Txn::Write);
    if (ensure_user(txn, name))
        txn.commit();
    return no_content();
}

Response delete_user(Context &ctx, const Request &, const Params &p) {
    std::string name;
    Response bad;
    if (!username_param(p[0], name, bad))
        return bad;
    Txn txn(ctx.env, Txn::Write);
    if (auto u = find_user_by_name(txn, name)) {
        delete_user(txn, *u);
        txn.commit();
    }
    return no_content();
}

// ---------------------------------------------------------------- routes

// The whole API, in the order of the contract's tables.
const std::vector<Route<Handler>> routes = {
    {"GET", "v0/users", list_users},
    {"PUT", "v0/users/{username}", put_user},
    {"DELETE", "v0/users/{username}", delete_user},
};

Response dispatch(Context &ctx, const Request &req) {
    auto m = route(routes, req.method, req.path);
    switch (m.kind) {
    case Match<Handler>::Found:
        return m.route->handler(ctx, req, m.params);
    case Match<Handler>::NoMethod: {
        Response r = error(405, "the method " + std::string(req.method) +
                                    " is not allowed here; allowed: " + m.allow);
        r.headers.push_back({"Allow", m.allow});
        return r;
    }
    case Match<Handler>::NoPath:
        break;
    }
    return error(404, "no API resource at this path");
}

} // namespace

Response handle(Context &ctx, const Request &req) {
    try {
        return dispatch(ctx, req);
    } catch (const StoreError &e) {
        ctx.log = std::string("store: ") + e.what();
        if (e.map_full())
            return error(507, "the store is full; raise mytimetable_store_size");
        return error(500, "the store failed; see the error log");
    } catch (const std::bad_alloc &) {
        ctx.log = "out of memory";
        return error(500, "out of memory");
    }
}

} // namespace mtt
