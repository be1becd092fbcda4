// The user directory resource: /users and /user/{id}, with OData queries.
#include "handlers.h++"

#include "command.h++"

#include "json.h++"
#include "odata.h++"
#include "query.h++"
#include "rfc3339.h++"
#include "text.h++"
#include "users.h++"
#include "validate.h++"

#include <algorithm>

namespace mtt {

namespace {

// The properties of a user for $select, in the seed's order, and what
// $expand offers.
enum Property {
    P_Id,
    P_UserName,
    P_Email,
    P_FirstName,
    P_LastName,
    P_Phone,
    P_LastLogIn,
    P_Enabled,
    P_IsExternal,
    P_Self,
    P_Links
};
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
        json_object_set_new(o, "LastLogIn",
                            u.last_login ? json_str(format_rfc3339(*u.last_login)) : json_null());
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

Response user_response(int status, std::string_view base_url, const User &u) {
    Json body(user_json(base_url, u));
    return json_response(status, body.get());
}

Response no_such_user(std::string_view raw_id) {
    return error(404, "no user with Id \"" + std::string(raw_id) + "\"");
}

// A {id} path segment: the raw text (for the 404) and the id it names.
struct UserRef {
    std::string raw, id;
    std::optional<User> find(const Txn &txn) const { return find_user(txn, id); }
};

// The user a {id} path segment names; false (and a 404 in `bad`) when it is
// not a GUID, which names no user.
bool user_param(std::string_view raw, UserRef &ref, Response &bad) {
    auto id = parse_guid(raw);
    if (!id) {
        bad = no_such_user(raw);
        return false;
    }
    ref = {std::string(raw), std::move(*id)};
    return true;
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
        bad =
            error(400, "the body is not valid JSON: " + why + " (line " + std::to_string(err.line) +
                           ", column " + std::to_string(err.column) + ")");
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

// A valid password to store, or a 400 in `bad`.
std::shared_ptr<PasswordToHash> password_to_store(std::string password, Response &bad) {
    if (auto problem = password_problem(password)) {
        bad = error(400, *problem);
        return nullptr;
    }
    return std::make_shared<PasswordToHash>(std::move(password));
}

// A name field (FirstName, LastName, Phone): a string or null.
bool name_field(const char *key, const json_t *v, std::optional<std::string> &out, Response &bad) {
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

// The writable fields a directory write's body sets (parse_fields).
struct Fields {
    User values;      // their values
    unsigned set = 0; // which: bits 1 << Property
    // An update's "Email": null, which is fine for a user without an address
    // (a user made through v0 has none yet: sending that back is fine).
    bool email_null = false;
    std::shared_ptr<PasswordToHash> password; // a valid one, to hash

    bool has(Property p) const { return set & (1u << p); }
    // Sets the fields (not the password) on `u`.
    void apply_to(User &u) const {
        if (has(P_UserName))
            u.username = values.username;
        if (has(P_Email))
            u.email = values.email;
        if (has(P_FirstName))
            u.first_name = values.first_name;
        if (has(P_LastName))
            u.last_name = values.last_name;
        if (has(P_Phone))
            u.phone = values.phone;
        if (has(P_Enabled))
            u.enabled = values.enabled;
        if (has(P_IsExternal))
            u.external = values.external;
    }
};

// Reads the writable fields of `body` into `f`. Read-only fields (Id,
// LastLogIn, Self, Links) are ignored, so a GET's answer can be sent back;
// any other field is refused. When `creating`, UserName and Email must be
// there. False at the first field refused, with its 400 in `bad`; the
// password is checked after every other field.
bool parse_fields(const json_t *body, bool creating, Fields &f, Response &bad) {
    const char *key;
    const json_t *v;
    std::optional<std::string> password;
    User &u = f.values;
    json_object_foreach(const_cast<json_t *>(body), key, v) {
        std::string_view k(key);
        if (k == "Id" || k == "LastLogIn" || k == "Self" || k == "Links")
            continue;
        if (!creating && k == "Email" && json_is_null(v)) {
            f.email_null = true; // refused, once the user is found, when it has an address
            continue;
        }
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
                f.set |= 1u << P_UserName;
            } else if (k == "Email") {
                if (auto problem = address_problem(s)) {
                    bad = error(400, "invalid Email: " + *problem);
                    return false;
                }
                u.email = s;
                f.set |= 1u << P_Email;
            } else {
                password = std::move(s);
            }
        } else if (k == "FirstName" || k == "LastName" || k == "Phone") {
            Property p = k == "FirstName" ? P_FirstName : k == "LastName" ? P_LastName : P_Phone;
            auto &field = p == P_FirstName ? u.first_name : p == P_LastName ? u.last_name : u.phone;
            if (!name_field(key, v, field, bad))
                return false;
            f.set |= 1u << p;
        } else if (k == "Enabled" || k == "IsExternal") {
            Property p = k == "Enabled" ? P_Enabled : P_IsExternal;
            if (!bool_field(key, v, p == P_Enabled ? u.enabled : u.external, bad))
                return false;
            f.set |= 1u << p;
        } else {
            bad = error(400, "unknown field \"" + std::string(k.substr(0, 64)) + "\"");
            return false;
        }
    }
    if (creating && !f.has(P_UserName)) {
        bad = error(400, "missing field UserName");
        return false;
    }
    if (creating && !f.has(P_Email)) {
        bad = error(400, "missing field Email");
        return false;
    }
    if (password)
        f.password = password_to_store(std::move(*password), bad);
    return !password || f.password;
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
    IdListStream(const Env &env, std::vector<std::string> ids,
                 std::shared_ptr<const odata::Query> q, std::string base_url)
        : env_(env), ids_(std::move(ids)), query_(std::move(q)), base_url_(std::move(base_url)) {}

    bool next(std::string &out, size_t hint) override {
        if (next_ == ids_.size())
            return finish(out);
        return next_in(Txn(env_, Txn::Read), out, hint);
    }

    // next() in `txn`: the first piece is made in the router's transaction.
    bool next_in(const Txn &txn, std::string &out, size_t hint) {
        size_t start = out.size();
        for (size_t n = 0; next_ < ids_.size() && out.size() - start < hint && n < piece; ++n) {
            auto u = find_user(txn, ids_[next_]);
            ids_[next_++] = std::string(); // its memory goes back now
            if (!u)
                continue;
            if (emitted_++)
                out.push_back(',');
            append_user_json(out, base_url_, *u, query_.get());
        }
        return next_ < ids_.size() || finish(out);
    }

  private:
    static constexpr size_t piece = 1024; // users read in one transaction at most

    bool finish(std::string &out) const {
        out += query_->inline_count || query_->count ? "]}" : "]";
        return false;
    }

    const Env &env_;
    std::vector<std::string> ids_;
    std::shared_ptr<const odata::Query> query_;
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
    UserListStream(const Env &env, std::shared_ptr<const odata::Query> q, std::string base_url)
        : scan_(env, env.tables().users_by_name), query_(std::move(q)),
          base_url_(std::move(base_url)) {}

    bool next(std::string &out, size_t hint) override {
        size_t start = out.size();
        size_t seen = 0;
        bool more = !(query_->top && emitted_ >= *query_->top) &&
                    scan_.piece([&](const Txn &txn, const Cursor &c) {
                        ++seen;
                        if (!query_->filter && skipped_ < query_->skip) { // no need to read it
                            ++skipped_;
                            return seen < count_piece;
                        }
                        User u = load(txn, c.value());
                        if (query_->filter && !query_->filter->matches(UserRow(u)))
                            return seen < count_piece;
                        if (skipped_ < query_->skip) {
                            ++skipped_;
                            return seen < count_piece;
                        }
                        if (emitted_++)
                            out.push_back(',');
                        append_user_json(out, base_url_, u, query_.get());
                        return out.size() - start < hint && seen < count_piece &&
                               !(query_->top && emitted_ >= *query_->top);
                    });
        if (more && !(query_->top && emitted_ >= *query_->top))
            return true;
        out += query_->inline_count || query_->count ? "]}" : "]";
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

    ResumableScan scan_;
    std::shared_ptr<const odata::Query> query_;
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
bool streamed(const odata::Query &q) {
    return q.orderby.empty() && !q.filter && !q.top;
}

} // namespace

// ---------------------------------------------------------------- routes

namespace {

// The query of a GET users that is not a plain walk of the users (see
// streamed), which may read many users: the nginx side may run it ahead of
// its answer, in its thread pool (see ReadAhead).
class UsersQuery : public ReadAhead {
  public:
    UsersQuery(odata::Query q, QueryLimits limits)
        : query(std::make_shared<const odata::Query>(std::move(q))),
          want_total(query->inline_count || query->count), limits(limits) {}

    bool long_read(const Txn &txn, uint64_t rows) const override {
        return !light_query(txn, *query, want_total, rows);
    }
    void run(const Env &env) noexcept override {
        prequery(env, *query, want_total, limits, ahead_);
        ran_ = true;
    }
    bool ran() const override { return ran_; }
    uint64_t snapshot() const override { return ahead_.snapshot; }

    // The users it answers: what the run ahead found, or the query run now,
    // in `txn`. Throws what run_query throws.
    QueryResult result(const Txn &txn) const {
        if (!ran_)
            return run_query(txn, *query, want_total, limits);
        if (ahead_.limit_hit)
            throw ScanLimit(ahead_.limit_hit);
        if (ahead_.time_limit_hit)
            throw TimeLimit(ahead_.time_limit_hit);
        if (ahead_.store_error)
            throw StoreError(ahead_.failure, ahead_.store_error);
        if (!ahead_.failure.empty())
            throw std::runtime_error(ahead_.failure);
        return ahead_.result;
    }

    const std::shared_ptr<const odata::Query> query;
    const bool want_total;
    const QueryLimits limits;

  private:
    Prequeried ahead_;
    bool ran_ = false;
};

Response scan_limit(const ScanLimit &e) {
    std::string n = std::to_string(e.limit());
    return error(400, "the query would read more than " + n +
                          " users and index entries (mytimetable_query_max_scan " + n +
                          "): add to $filter a condition on an indexed field (UserName, "
                          "Email, FirstName, LastName or Id with eq, in, gt, ge, lt, le or "
                          "startswith), or ask for a smaller $skip");
}

Response time_limit(const TimeLimit &e) {
    std::string ms = std::to_string(e.ms());
    return error(400, "the query ran longer than " + ms + " ms (mytimetable_query_max_time " + ms +
                          "ms): add to $filter a condition on an indexed field (UserName, "
                          "Email, FirstName, LastName or Id with eq, in, gt, ge, lt, le or "
                          "startswith), or make the filter simpler");
}

} // namespace

Parsed dir_list_users(const Request &req, const Params &, const Settings &settings) {
    auto parsed = odata::parse_query(req.query, users_set());
    if (auto *e = std::get_if<odata::Error>(&parsed))
        return error(400, e->message);
    odata::Query &q = std::get<odata::Query>(parsed);
    if (streamed(q)) { // every user (after $skip)
        auto shared = std::make_shared<const odata::Query>(std::move(q));
        return then([shared](Txn &txn, const Scope &at) {
            const odata::Query &sq = *shared;
            Response r;
            r.content_type = json_type;
            // the number of users, from the table's root
            r.body = sq.inline_count || sq.count
                         ? envelope_start(sq, txn.entries(txn.tables().users))
                         : "[";
            r.stream = std::make_unique<UserListStream>(at.env, shared, std::string(at.base_url));
            return r;
        });
    }
    auto query = std::make_shared<UsersQuery>(std::move(q), settings.query_limits());
    return then(
        [query](Txn &txn, const Scope &at) {
            QueryResult result;
            try {
                result = query->result(txn);
            } catch (const ScanLimit &e) {
                return scan_limit(e);
            } catch (const TimeLimit &e) {
                return time_limit(e);
            }
            const odata::Query &q = *query->query;
            Response r;
            r.content_type = json_type;
            r.body = q.inline_count || q.count ? envelope_start(q, result.total) : "[";
            auto stream = std::make_unique<IdListStream>(at.env, std::move(result.ids),
                                                         query->query, std::string(at.base_url));
            // an answer that fits in one piece is whole at once (and can be cached)
            if (stream->next_in(txn, r.body, Cache::max_body))
                r.stream = std::move(stream);
            return r;
        },
        query);
}

Parsed dir_create_user(const Request &req, const Params &, const Settings &) {
    Json body;
    Response bad;
    if (!body_object(req, body, bad))
        return bad;
    Fields f;
    if (!parse_fields(body.get(), true, f, bad))
        return bad;
    auto password = f.password;
    return then(
        [f = std::move(f)](Txn &txn, const Scope &at) {
            User u;
            f.apply_to(u);
            if (find_user_by_name(txn, u.username))
                return username_taken(u.username);
            if (f.password)
                u.password_hash = f.password->hash();
            u.id = new_user_id();
            put_user(txn, u, nullptr);
            Json list(json_array());
            json_array_append_new(list.get(), user_json(at.base_url, u));
            Response r = json_response(201, list.get());
            r.headers.push_back({"Location", self_url(at.base_url, u)});
            return r;
        },
        std::move(password));
}

Parsed dir_get_user(const Request &, const Params &p, const Settings &) {
    UserRef ref;
    Response bad;
    if (!user_param(p[0], ref, bad))
        return bad;
    return then([ref](Txn &txn, const Scope &at) {
        auto u = ref.find(txn);
        return u ? user_response(200, at.base_url, *u) : no_such_user(ref.raw);
    });
}

Parsed dir_update_user(const Request &req, const Params &p, const Settings &) {
    Json body;
    Response bad;
    if (!body_object(req, body, bad))
        return bad;
    UserRef ref;
    if (!user_param(p[0], ref, bad))
        return bad;
    Fields f;
    // a field refused is answered once the user is found (a 404 comes first)
    std::shared_ptr<const Response> refused;
    if (!parse_fields(body.get(), false, f, bad))
        refused = std::make_shared<const Response>(std::move(bad));
    auto password = f.password;
    return then(
        [ref, f = std::move(f), refused](Txn &txn, const Scope &at) {
            auto old = ref.find(txn);
            if (!old)
                return no_such_user(ref.raw);
            if (f.email_null && old->email)
                return error(400, "Email must be a string");
            if (refused)
                return copy_of(*refused);
            User u = *old;
            f.apply_to(u);
            if (u.username != old->username && find_user_by_name(txn, u.username))
                return username_taken(u.username);
            if (f.password)
                u.password_hash = f.password->hash();
            put_user(txn, u, &*old);
            return user_response(200, at.base_url, u);
        },
        std::move(password));
}

Parsed dir_delete_user(const Request &, const Params &p, const Settings &) {
    UserRef ref;
    Response bad;
    if (!user_param(p[0], ref, bad))
        return bad;
    return then([ref](Txn &txn, const Scope &at) {
        auto u = ref.find(txn);
        if (!u)
            return no_such_user(ref.raw);
        delete_user(txn, *u);
        return user_response(200, at.base_url, *u);
    });
}

Parsed dir_set_password(const Request &req, const Params &p, const Settings &) {
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
    auto pw = password_to_store(
        std::string(json_string_value(password), json_string_length(password)), bad);
    if (!pw)
        return bad;
    UserRef ref;
    if (!user_param(p[0], ref, bad))
        return bad;
    return then(
        [ref, pw](Txn &txn, const Scope &) {
            auto u = ref.find(txn);
            if (!u)
                return no_such_user(ref.raw);
            User changed = *u;
            changed.password_hash = pw->hash();
            put_user(txn, changed, &*u);
            return no_content();
        },
        pw);
}

Parsed dir_user_groups(const Request &, const Params &p, const Settings &) {
    UserRef ref;
    Response bad;
    if (!user_param(p[0], ref, bad))
        return bad;
    return then([ref](Txn &txn, const Scope &) {
        auto u = ref.find(txn);
        if (!u)
            return no_such_user(ref.raw);
        Json groups(groups_json(*u));
        return json_response(200, groups.get());
    });
}

// GlobalPermissions, ProjectPermissions, Notifications, MailMessages: the
// module keeps none of these, so each is an empty list of a known user.
Parsed dir_empty_list(const Request &, const Params &p, const Settings &) {
    UserRef ref;
    Response bad;
    if (!user_param(p[0], ref, bad))
        return bad;
    return then([ref](Txn &txn, const Scope &) {
        if (!ref.find(txn))
            return no_such_user(ref.raw);
        Json empty(json_array());
        return json_response(200, empty.get());
    });
}

} // namespace mtt
