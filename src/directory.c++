// The user directory resource: /users and /user/{id}, with OData queries.
#include "handlers.h++"

#include "json.h++"
#include "metrics.h++"
#include "odata.h++"
#include "query.h++"
#include "rfc3339.h++"
#include "text.h++"
#include "users.h++"
#include "validate.h++"

#include <sodium.h>

#include <algorithm>

namespace mtt {

namespace {

// The properties of a user for $select, in the seed's order, and what
// $expand offers.
enum Property { P_Id, P_UserName, P_Email, P_FirstName, P_LastName, P_Phone, P_LastLogIn,
                P_Enabled, P_IsExternal, P_Self, P_Links };
enum Navigation { N_Groups };

// (made on first use: the schema is another file's static)
const odata::EntitySet &users_set() {
    static const odata::EntitySet set = {
        user_schema(),
        {"Id", "UserName", "Email", "FirstName", "LastName", "Phone", "LastLogIn", "Enabled",
         "IsExternal", "Self", "Links"},
        {"Groups"},
    };
    return set;
}

constexpr size_t max_name_bytes = 256;
constexpr size_t min_password_chars = 8;
constexpr size_t max_password_bytes = 1024;

// Argon2id at OWASP's recommended minimum (19 MiB, 2 passes): about 25 ms of
// one worker per password written.
constexpr unsigned long long pwhash_ops = 2;
constexpr size_t pwhash_mem = 19 * 1024 * 1024;

json_t *optional_str(const std::optional<std::string> &s) {
    return s ? json_str(*s) : json_null();
}

json_t *link(const std::string &href, const char *rel, const char *title = nullptr) {
    json_t *l = json_object();
    if (title)
        json_object_set_new(l, "Title", json_string(title));
    json_object_set_new(l, "Href", json_str(href));
    json_object_set_new(l, "Rel", json_string(rel));
    return l;
}

std::string self_url(std::string_view base_url, const User &u) {
    return std::string(base_url) + "user/" + format_guid(u.id);
}

// The user's groups as GET user/{id}/groups shows them: its v0 roles.
json_t *groups_json(const User &u) {
    json_t *groups = json_array();
    for (const auto &role : u.roles) {
        json_t *g = json_object();
        json_object_set_new(g, "Name", json_str(role));
        json_array_append_new(groups, g);
    }
    return groups;
}

json_t *links_json(const std::string &self) {
    json_t *links = json_array();
    json_array_append_new(links, link(self + "/password", "ChangePassword"));
    json_array_append_new(links, link(self + "/permissions/global", "GlobalPermissions"));
    json_array_append_new(links, link(self + "/groups", "Groups", "Group Memberships"));
    json_array_append_new(links, link(self + "/notifications", "Notifications"));
    json_array_append_new(links, link(self + "/permissions/projects", "ProjectPermissions"));
    json_array_append_new(links, link(self + "/mailmessages", "MailMessages"));
    return links;
}

// A user as the seed shows it: exactly these fields, in this order; with a
// query, only the fields of its $select (still in this order) and then the
// navigation properties of its $expand.
json_t *user_json(std::string_view base_url, const User &u, const odata::Query *shape = nullptr) {
    auto want = [&](Property p) { return !shape || shape->selected(p); };
    std::string self = self_url(base_url, u);
    json_t *o = json_object();
    if (want(P_Id))
        json_object_set_new(o, "Id", json_str(format_guid(u.id)));
    if (want(P_UserName))
        json_object_set_new(o, "UserName", json_str(u.username));
    if (want(P_Email))
        json_object_set_new(o, "Email", optional_str(u.email));
    if (want(P_FirstName))
        json_object_set_new(o, "FirstName", optional_str(u.first_name));
    if (want(P_LastName))
        json_object_set_new(o, "LastName", optional_str(u.last_name));
    if (want(P_Phone))
        json_object_set_new(o, "Phone", optional_str(u.phone));
    if (want(P_LastLogIn))
        json_object_set_new(o, "LastLogIn", u.last_login ? json_str(format_rfc3339(*u.last_login))
                                                         : json_null());
    if (want(P_Enabled))
        json_object_set_new(o, "Enabled", json_boolean(u.enabled));
    if (want(P_IsExternal))
        json_object_set_new(o, "IsExternal", json_boolean(u.external));
    if (want(P_Self))
        json_object_set_new(o, "Self", json_str(self));
    if (want(P_Links))
        json_object_set_new(o, "Links", links_json(self));
    if (shape && shape->expanded(N_Groups))
        json_object_set_new(o, "Groups", groups_json(u));
    return o;
}

} // namespace

std::string user_json_text(std::string_view base_url, const User &u, const odata::Query *shape) {
    Json j(user_json(base_url, u, shape));
    return dump(j.get());
}

// The same bytes as user_json and jansson's compact dump, written straight
// into `out`: no json_t per user (jansson still escapes what needs it).
void append_user_json(std::string &out, std::string_view base_url, const User &u,
                      const odata::Query *shape) {
    auto want = [&](Property p) { return !shape || shape->selected(p); };
    bool first = true;
    auto key = [&](const char *k) {
        out += first ? "{\"" : ",\"";
        first = false;
        out += k;
        out += "\":";
    };
    auto opt = [&](const char *k, const std::optional<std::string> &v) {
        key(k);
        if (v)
            append_json_string(out, *v);
        else
            out += "null";
    };
    std::string self = self_url(base_url, u);
    if (want(P_Id)) {
        key("Id");
        append_json_string(out, format_guid(u.id));
    }
    if (want(P_UserName)) {
        key("UserName");
        append_json_string(out, u.username);
    }
    if (want(P_Email))
        opt("Email", u.email);
    if (want(P_FirstName))
        opt("FirstName", u.first_name);
    if (want(P_LastName))
        opt("LastName", u.last_name);
    if (want(P_Phone))
        opt("Phone", u.phone);
    if (want(P_LastLogIn))
        opt("LastLogIn", u.last_login ? std::optional<std::string>(format_rfc3339(*u.last_login))
                                      : std::nullopt);
    if (want(P_Enabled)) {
        key("Enabled");
        out += u.enabled ? "true" : "false";
    }
    if (want(P_IsExternal)) {
        key("IsExternal");
        out += u.external ? "true" : "false";
    }
    if (want(P_Self)) {
        key("Self");
        append_json_string(out, self);
    }
    if (want(P_Links)) {
        key("Links");
        static const struct {
            const char *path, *rel, *title;
        } links[] = {{"/password", "ChangePassword", nullptr},
                     {"/permissions/global", "GlobalPermissions", nullptr},
                     {"/groups", "Groups", "Group Memberships"},
                     {"/notifications", "Notifications", nullptr},
                     {"/permissions/projects", "ProjectPermissions", nullptr},
                     {"/mailmessages", "MailMessages", nullptr}};
        out += '[';
        for (const auto &l : links) {
            out += &l == links ? "{" : ",{";
            if (l.title) {
                out += "\"Title\":\"";
                out += l.title;
                out += "\",";
            }
            out += "\"Href\":";
            append_json_string(out, self + l.path);
            out += ",\"Rel\":\"";
            out += l.rel;
            out += "\"}";
        }
        out += ']';
    }
    if (shape && shape->expanded(N_Groups)) {
        key("Groups");
        out += '[';
        for (size_t i = 0; i < u.roles.size(); ++i) {
            out += i ? ",{\"Name\":" : "{\"Name\":";
            append_json_string(out, u.roles[i]);
            out += '}';
        }
        out += ']';
    }
    out += first ? "{}" : "}";
}

namespace {

Response user_response(int status, const Request &req, const User &u) {
    Json body(user_json(req.base_url, u));
    return json_response(status, body.get());
}

Response no_such_user(std::string_view raw_id) {
    return error(404, "no user with Id \"" + std::string(raw_id) + "\"");
}

// The user named by a {id} path segment; nothing (and a 404 in `bad`) when
// it is not a GUID or not a user.
std::optional<User> user_param(const Txn &txn, std::string_view raw, Response &bad) {
    std::optional<User> u;
    if (auto id = parse_guid(raw))
        u = find_user(txn, *id);
    if (!u)
        bad = no_such_user(raw);
    return u;
}

// The JSON object of a request body; 415 unless application/json, 400 when
// it does not parse or is not an object.
bool body_object(const Request &req, Json &out, Response &bad) {
    if (!media_type_is(req.content_type, "application/json")) {
        bad = error(415, "the body must be application/json");
        return false;
    }
    json_error_t err;
    // jansson refuses a null buffer, which an empty view may carry
    const char *text = req.body.empty() ? "" : req.body.data();
    out.reset(json_loadb(text, req.body.size(), JSON_REJECT_DUPLICATES, &err));
    if (!out) {
        std::string why = err.text;
        if (json_error_code(&err) == json_error_null_character)
            why = "a string contains \\u0000";
        bad = error(400, "the body is not valid JSON: " + why + " (line " +
                             std::to_string(err.line) + ", column " +
                             std::to_string(err.column) + ")");
        return false;
    }
    if (!json_is_object(out.get())) {
        bad = error(400, "the body must be a JSON object");
        return false;
    }
    return true;
}

std::optional<std::string> password_problem(const std::string &password) {
    if (password.size() > max_password_bytes)
        return "invalid Password: longer than " + std::to_string(max_password_bytes) + " bytes";
    if (utf8_length(password) < min_password_chars || password.find('\0') != std::string::npos)
        return "invalid Password: use at least " + std::to_string(min_password_chars) +
               " characters and no NUL byte";
    return std::nullopt;
}

// Validates `password` and sets `hash` to its Argon2id hash: the one the
// caller made beforehand for this very password, or a new one.
bool hash_password(const std::string &password, const Prehashed &pre, std::string &hash,
                   Response &bad) {
    if (auto problem = password_problem(password)) {
        bad = error(400, *problem);
        return false;
    }
    if (!pre.hash.empty() && pre.password == password) {
        hash = std::string(pre.hash);
        return true;
    }
    hash = hash_password_text(password);
    return true;
}

// A name field (FirstName, LastName, Phone): a string or null.
bool name_field(const char *key, const json_t *v, std::optional<std::string> &out,
                Response &bad) {
    if (json_is_null(v)) {
        out.reset();
        return true;
    }
    if (!json_is_string(v)) {
        bad = error(400, std::string(key) + " must be a string or null");
        return false;
    }
    std::string_view s(json_string_value(v), json_string_length(v));
    auto problem = text_problem(key, s, max_name_bytes);
    if (!problem && has_control(s))
        problem = std::string(key) + " contains a control character";
    if (problem) {
        bad = error(400, "invalid " + std::string(key) + ": " + *problem);
        return false;
    }
    out = std::string(s);
    return true;
}

bool bool_field(const char *key, const json_t *v, bool &out, Response &bad) {
    if (!json_is_boolean(v)) {
        bad = error(400, std::string(key) + " must be true or false");
        return false;
    }
    out = json_is_true(v);
    return true;
}

// Applies the writable fields present in `body` to `u`. Read-only fields (Id,
// LastLogIn, Self, Links) are ignored, so a GET's answer can be sent back;
// any other field is refused. When `creating`, UserName and Email must be
// there.
bool apply_fields(const json_t *body, const Prehashed &pre, User &u, bool creating,
                  Response &bad) {
    const char *key;
    const json_t *v;
    std::optional<std::string> password;
    json_object_foreach(const_cast<json_t *>(body), key, v) {
        std::string_view k(key);
        if (k == "Id" || k == "LastLogIn" || k == "Self" || k == "Links")
            continue;
        if (!creating && k == "Email" && json_is_null(v) && !u.email)
            continue; // a user made through v0 has no address yet: sending that back is fine
        if (k == "UserName" || k == "Email" || k == "Password") {
            if (!json_is_string(v)) {
                bad = error(400, std::string(key) + " must be a string");
                return false;
            }
            std::string s(json_string_value(v), json_string_length(v));
            if (k == "UserName") {
                if (auto problem = username_problem(s)) {
                    bad = error(400, "invalid UserName: " + *problem);
                    return false;
                }
                u.username = s;
            } else if (k == "Email") {
                if (auto problem = address_problem(s)) {
                    bad = error(400, "invalid Email: " + *problem);
                    return false;
                }
                u.email = s;
            } else {
                password = s;
            }
        } else if (k == "FirstName" || k == "LastName" || k == "Phone") {
            auto &field = k == "FirstName" ? u.first_name : k == "LastName" ? u.last_name : u.phone;
            if (!name_field(key, v, field, bad))
                return false;
        } else if (k == "Enabled" || k == "IsExternal") {
            if (!bool_field(key, v, k == "Enabled" ? u.enabled : u.external, bad))
                return false;
        } else {
            bad = error(400, "unknown field \"" + std::string(k.substr(0, 64)) + "\"");
            return false;
        }
    }
    if (creating && u.username.empty()) {
        bad = error(400, "missing field UserName");
        return false;
    }
    if (creating && !u.email) {
        bad = error(400, "missing field Email");
        return false;
    }
    return !password || hash_password(*password, pre, u.password_hash, bad);
}

Response username_taken(std::string_view name) {
    return error(409, "the UserName \"" + std::string(name) + "\" is taken");
}

// The users a planned query answers (src/query.h++), rendered a piece at a
// time from their ids, each piece in a read transaction of its own: the
// answer is never whole in memory and a slow client holds no snapshot. A
// user deleted after the query ran is left out; one changed is shown as it
// is when its piece is made.
class IdListStream : public BodyStream {
  public:
    IdListStream(const Env &env, std::vector<std::string> ids, odata::Query q,
                 std::string base_url)
        : env_(env), ids_(std::move(ids)), query_(std::move(q)), base_url_(std::move(base_url)) {}

    bool next(std::string &out, size_t hint) override {
        size_t start = out.size();
        if (next_ < ids_.size()) {
            Txn txn(env_, Txn::Read);
            for (size_t n = 0; next_ < ids_.size() && out.size() - start < hint && n < piece;
                 ++n) {
                auto u = find_user(txn, ids_[next_]);
                ids_[next_++] = std::string(); // its memory goes back now
                if (!u)
                    continue;
                if (emitted_++)
                    out.push_back(',');
                append_user_json(out, base_url_, *u, &query_);
            }
        }
        if (next_ < ids_.size())
            return true;
        out += query_.inline_count || query_.count ? "]}" : "]";
        return false;
    }

  private:
    static constexpr size_t piece = 1024; // users read in one transaction at most

    const Env &env_;
    std::vector<std::string> ids_;
    odata::Query query_;
    std::string base_url_;
    size_t next_ = 0, emitted_ = 0;
};

// The users of a query without $filter, $orderby or $top, in UserName order
// straight from the username index: skipped a piece at a time,
// so neither the list nor the answer is ever whole in memory. Each piece runs
// in a read transaction of its own (see ResumableScan): a slow client holds
// no snapshot and no reader slot.
class UserListStream : public BodyStream {
  public:
    UserListStream(const Env &env, odata::Query q, std::string base_url)
        : env_(env), scan_(env, env.tables().users_by_name), query_(std::move(q)),
          base_url_(std::move(base_url)) {}

    const odata::Query &query() const { return query_; }

    // The number of users (for $inlinecount), from the table's root.
    uint64_t count() { return Txn(env_, Txn::Read).entries(env_.tables().users); }

    bool next(std::string &out, size_t hint) override {
        size_t start = out.size();
        size_t seen = 0;
        bool more = !(query_.top && emitted_ >= *query_.top) &&
                    scan_.piece([&](const Txn &txn, const Cursor &c) {
                        ++seen;
                        if (!query_.filter && skipped_ < query_.skip) { // no need to read it
                            ++skipped_;
                            return seen < count_piece;
                        }
                        User u = load(txn, c.value());
                        if (query_.filter && !query_.filter->matches(UserRow(u)))
                            return seen < count_piece;
                        if (skipped_ < query_.skip) {
                            ++skipped_;
                            return seen < count_piece;
                        }
                        if (emitted_++)
                            out.push_back(',');
                        append_user_json(out, base_url_, u, &query_);
                        return out.size() - start < hint && seen < count_piece &&
                               !(query_.top && emitted_ >= *query_.top);
                    });
        if (more && !(query_.top && emitted_ >= *query_.top))
            return true;
        out += query_.inline_count || query_.count ? "]}" : "]";
        return false;
    }

  private:
    // Users looked at in one read transaction at most (a filter that skips
    // most rows must not hold one for a whole scan).
    static constexpr size_t count_piece = 1024;

    static User load(const Txn &txn, std::string_view id) {
        auto u = find_user(txn, id);
        if (!u)
            throw StoreError("the username index names a missing user", MDB_CORRUPTED);
        return std::move(*u);
    }

    const Env &env_;
    ResumableScan scan_;
    odata::Query query_;
    std::string base_url_;
    uint64_t skipped_ = 0, emitted_ = 0;
};

std::string envelope_start(const odata::Query &q, uint64_t total) {
    if (q.count)
        return "{\"@odata.count\":" + std::to_string(total) + ",\"value\":[";
    return "{\"Skip\":" + std::to_string(q.skip) +
           ",\"Top\":" + (q.top ? std::to_string(*q.top) : std::string("null")) +
           ",\"Total\":" + std::to_string(total) + ",\"Items\":[";
}

// A query without $filter, $orderby and $top: every user (after $skip), in
// UserName order, streamed straight from the username index.
bool streamed(const odata::Query &q) { return q.orderby.empty() && !q.filter && !q.top; }

} // namespace

std::unique_ptr<PendingQuery> dir_plan_list_users(Context &ctx, const Request &req,
                                                  uint64_t rows) {
    auto parsed = [&] {
        metrics::Quiet look_ahead; // dir_list_users parses it again and counts a refusal
        return odata::parse_query(req.query, users_set());
    }();
    auto *q = std::get_if<odata::Query>(&parsed);
    if (!q || streamed(*q))
        return nullptr;
    bool want_total = q->inline_count || q->count;
    if (light_query(Txn(ctx.env, Txn::Read), *q, want_total, rows))
        return nullptr;
    auto p = std::make_unique<PendingQuery>();
    p->query = std::move(*q);
    p->want_total = want_total;
    p->limits = ctx.settings.query_limits();
    return p;
}

// ---------------------------------------------------------------- handlers

Response dir_list_users(Context &ctx, const Request &req, const Params &) {
    auto parsed = odata::parse_query(req.query, users_set());
    if (auto *e = std::get_if<odata::Error>(&parsed))
        return error(400, e->message);
    odata::Query &q = std::get<odata::Query>(parsed);
    if (streamed(q)) { // every user (after $skip)
        auto stream = std::make_unique<UserListStream>(ctx.env, std::move(q),
                                                       std::string(req.base_url));
        const odata::Query &sq = stream->query();
        Response r;
        r.content_type = json_type;
        r.body = sq.inline_count || sq.count ? envelope_start(sq, stream->count()) : "[";
        r.stream = std::move(stream);
        return r;
    }
    QueryResult result;
    try {
        if (const Prequeried *pre = req.prequeried) { // run ahead, off the event loop
            if (pre->limit_hit)
                throw ScanLimit(pre->limit_hit);
            if (pre->time_limit_hit)
                throw TimeLimit(pre->time_limit_hit);
            if (pre->store_error)
                throw StoreError(pre->failure, pre->store_error);
            if (!pre->failure.empty())
                throw std::runtime_error(pre->failure);
            result = pre->result;
        } else {
            result = run_query(Txn(ctx.env, Txn::Read), q, q.inline_count || q.count,
                               ctx.settings.query_limits());
        }
    } catch (const ScanLimit &e) {
        std::string n = std::to_string(e.limit());
        return error(400, "the query would read more than " + n +
                              " users and index entries (mytimetable_query_max_scan " + n +
                              "): add to $filter a condition on an indexed field (UserName, "
                              "Email, FirstName, LastName or Id with eq, in, gt, ge, lt, le or "
                              "startswith), or ask for a smaller $skip");
    } catch (const TimeLimit &e) {
        std::string ms = std::to_string(e.ms());
        return error(400, "the query ran longer than " + ms + " ms (mytimetable_query_max_time " +
                              ms + "ms): add to $filter a condition on an indexed field (UserName, "
                              "Email, FirstName, LastName or Id with eq, in, gt, ge, lt, le or "
                              "startswith), or make the filter simpler");
    }
    Response r;
    r.content_type = json_type;
    r.body = q.inline_count || q.count ? envelope_start(q, result.total) : "[";
    auto stream = std::make_unique<IdListStream>(ctx.env, std::move(result.ids), std::move(q),
                                                 std::string(req.base_url));
    // an answer that fits in one piece is whole at once (and can be cached)
    if (stream->next(r.body, Cache::max_body))
        r.stream = std::move(stream);
    return r;
}

Response dir_create_user(Context &ctx, const Request &req, const Params &) {
    Json body;
    Response bad;
    if (!body_object(req, body, bad))
        return bad;
    User u;
    if (!apply_fields(body.get(), req.prehashed, u, true, bad))
        return bad;
    Txn txn(ctx.env, Txn::Write, ctx.batch);
    if (find_user_by_name(txn, u.username))
        return username_taken(u.username);
    u.id = new_user_id();
    put_user(txn, u, nullptr);
    txn.commit();
    Json list(json_array());
    json_array_append_new(list.get(), user_json(req.base_url, u));
    Response r = json_response(201, list.get());
    r.headers.push_back({"Location", self_url(req.base_url, u)});
    return r;
}

Response dir_get_user(Context &ctx, const Request &req, const Params &p) {
    Txn txn(ctx.env, Txn::Read);
    Response bad;
    auto u = user_param(txn, p[0], bad);
    if (!u)
        return bad;
    return user_response(200, req, *u);
}

Response dir_update_user(Context &ctx, const Request &req, const Params &p) {
    Json body;
    Response bad;
    if (!body_object(req, body, bad))
        return bad;
    Txn txn(ctx.env, Txn::Write, ctx.batch);
    auto old = user_param(txn, p[0], bad);
    if (!old)
        return bad;
    User u = *old;
    if (!apply_fields(body.get(), req.prehashed, u, false, bad))
        return bad;
    if (u.username != old->username && find_user_by_name(txn, u.username))
        return username_taken(u.username);
    put_user(txn, u, &*old);
    txn.commit();
    return user_response(200, req, u);
}

Response dir_delete_user(Context &ctx, const Request &req, const Params &p) {
    Txn txn(ctx.env, Txn::Write, ctx.batch);
    Response bad;
    auto u = user_param(txn, p[0], bad);
    if (!u)
        return bad;
    delete_user(txn, *u);
    txn.commit();
    return user_response(200, req, *u);
}

Response dir_set_password(Context &ctx, const Request &req, const Params &p) {
    Json body;
    Response bad;
    if (!body_object(req, body, bad))
        return bad;
    const json_t *password = json_object_get(body.get(), "Password");
    if (!password)
        return error(400, "missing field Password");
    if (!json_is_string(password))
        return error(400, "Password must be a string");
    if (json_object_size(body.get()) != 1)
        return error(400, "the body must hold only the field Password");
    std::string hash;
    if (!hash_password(std::string(json_string_value(password), json_string_length(password)),
                       req.prehashed, hash, bad))
        return bad;
    Txn txn(ctx.env, Txn::Write, ctx.batch);
    auto u = user_param(txn, p[0], bad);
    if (!u)
        return bad;
    User changed = *u;
    changed.password_hash = hash;
    put_user(txn, changed, &*u);
    txn.commit();
    return no_content();
}

Response dir_user_groups(Context &ctx, const Request &, const Params &p) {
    Txn txn(ctx.env, Txn::Read);
    Response bad;
    auto u = user_param(txn, p[0], bad);
    if (!u)
        return bad;
    Json groups(groups_json(*u));
    return json_response(200, groups.get());
}

// GlobalPermissions, ProjectPermissions, Notifications, MailMessages: the
// module keeps none of these, so each is an empty list of a known user.
Response dir_empty_list(Context &ctx, const Request &, const Params &p) {
    Txn txn(ctx.env, Txn::Read);
    Response bad;
    if (!user_param(txn, p[0], bad))
        return bad;
    Json empty(json_array());
    return json_response(200, empty.get());
}

// ---------------------------------------------------------------- passwords

std::string hash_password_text(std::string_view password) {
    char out[crypto_pwhash_STRBYTES];
    if (crypto_pwhash_str(out, password.data(), password.size(), pwhash_ops, pwhash_mem) != 0)
        throw std::bad_alloc(); // libsodium fails only for memory
    return out;
}

bool body_password(const Request &req, std::string &password) {
    Json body;
    Response bad;
    if (!body_object(req, body, bad))
        return false;
    const json_t *v = json_object_get(body.get(), "Password");
    if (!json_is_string(v))
        return false;
    password.assign(json_string_value(v), json_string_length(v));
    return !password_problem(password);
}

} // namespace mtt
