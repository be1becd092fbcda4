// SCIM Groups: the roles of the user table (see README, "SCIM 2.0"). A
// group is a role's record (groups, groups_by_name: its stable id, externalId
// and meta); its members are the users whose roles hold it (users_by_role).
#include "scim_internal.h++"

#include "handlers.h++"
#include "rfc3339.h++"
#include "scim_patch.h++"
#include "scim_schema.h++"
#include "text.h++"

#include <algorithm>
#include <set>

namespace mtt::scim {

namespace {

json_t *group_resource(const Txn &txn, std::string_view base, const Group &g, bool members) {
    std::string id = format_guid(g.id);
    json_t *o = json_object();
    json_t *schemas = json_array();
    json_array_append_new(schemas, json_string(core_group_urn));
    json_object_set_new(o, "schemas", schemas);
    json_object_set_new(o, "id", json_str(id));
    if (g.external_id)
        json_object_set_new(o, "externalId", json_str(*g.external_id));
    json_object_set_new(o, "displayName", json_str(g.name));
    if (members) {
        json_t *list = json_array();
        for (const std::string &uid : role_members(txn, g.name)) {
            auto u = find_user(txn, uid);
            if (!u)
                continue;
            std::string text = format_guid(uid);
            json_t *m = json_object();
            json_object_set_new(m, "value", json_str(text));
            json_object_set_new(m, "$ref", json_str(std::string(base) + "Users/" + text));
            json_object_set_new(m, "display", json_str(u->username));
            json_object_set_new(m, "type", json_string("User"));
            json_array_append_new(list, m);
        }
        json_object_set_new(o, "members", list);
    }
    json_t *meta = json_object();
    json_object_set_new(meta, "resourceType", json_string("Group"));
    if (g.created)
        json_object_set_new(meta, "created", json_str(format_rfc3339(*g.created)));
    if (g.last_modified)
        json_object_set_new(meta, "lastModified", json_str(format_rfc3339(*g.last_modified)));
    json_object_set_new(meta, "location", json_str(std::string(base) + "Groups/" + id));
    json_object_set_new(meta, "version", json_str(etag(g.version)));
    json_object_set_new(o, "meta", meta);
    return o;
}

bool mentions_members(const Filter &f) {
    if (iequal(f.path.attr, "members"))
        return true;
    for (const auto &o : f.operands)
        if (o && mentions_members(*o))
            return true;
    return false;
}

Response group_answer(int status, const Txn &txn, std::string_view base, const Group &g,
                      const Projection &p) {
    Json res(group_resource(txn, base, g, !p.excludes("members")));
    project(res.get(), p, group_schema());
    Response r = json_answer(status, res.get());
    r.headers.push_back({"ETag", etag(g.version)});
    if (status == 201)
        r.headers.push_back({"Location", std::string(base) + "Groups/" + format_guid(g.id)});
    return r;
}

bool fail(Error &err, std::string scim_type, std::string detail) {
    err.status = 400;
    err.scim_type = std::move(scim_type);
    err.detail = std::move(detail);
    return false;
}

// What a Group resource sets: displayName, externalId, and (when `members`
// is there) the member ids.
struct GroupInput {
    std::string name;
    std::optional<std::string> external_id;
    bool has_members = false;
    std::vector<std::string> members; // raw user ids, without repeats
};

bool group_from_resource(const json_t *res, GroupInput &in, Error &err) {
    const Describe &schema = group_schema();
    const json_t *name = nullptr, *members = nullptr;
    const char *key;
    json_t *v;
    json_object_foreach(const_cast<json_t *>(res), key, v) {
        std::string_view k(key);
        if (iequal(k, "schemas"))
            continue;
        AttrInfo a = schema.describe("", k, "");
        if (!a.known) {
            if (k.substr(0, 4) == "urn:" || k.substr(0, 7) == "http://" ||
                k.substr(0, 8) == "https://")
                continue; // an extension this service does not keep
            return fail(err, "invalidSyntax",
                        "unknown attribute \"" + valid_utf8_copy(k.substr(0, 200)) +
                            "\": not in the Group schema");
        }
        if (a.name == "displayName") {
            name = v;
        } else if (a.name == "members") {
            members = v;
        } else if (a.name == "externalId") {
            if (json_is_null(v))
                continue;
            if (!json_is_string(v))
                return fail(err, "invalidValue", "externalId must be a string");
            std::string_view s(json_string_value(v), json_string_length(v));
            if (s.size() > max_external_id_bytes || has_control(s))
                return fail(err, "invalidValue",
                            "externalId: use at most " + std::to_string(max_external_id_bytes) +
                                " bytes without control characters");
            if (!s.empty())
                in.external_id = std::string(s);
        }
        // id, meta: readOnly, ignored
    }
    if (!name || json_is_null(name))
        return fail(err, "invalidValue", "displayName is required");
    if (!json_is_string(name))
        return fail(err, "invalidValue", "displayName must be a string");
    in.name.assign(json_string_value(name), json_string_length(name));
    if (auto problem = role_problem(in.name))
        return fail(err, "invalidValue", "displayName: " + *problem);
    if (members && !json_is_null(members)) {
        if (!json_is_array(members))
            return fail(err, "invalidValue", "members must be an array");
        in.has_members = true;
        size_t i;
        json_t *e;
        json_array_foreach(members, i, e) {
            std::string where = "members[" + std::to_string(i) + "].value";
            const json_t *mv = get_ci(e, "value");
            if (!json_is_string(mv))
                return fail(err, "invalidValue", where + " must be a string: a User's id");
            auto id = parse_guid(json_string_value(mv));
            if (!id)
                return fail(err, "invalidValue",
                            where + ": \"" +
                                valid_utf8_copy(std::string(json_string_value(mv)).substr(0, 64)) +
                                "\" is not a User's id");
            if (std::find(in.members.begin(), in.members.end(), *id) == in.members.end())
                in.members.push_back(*id);
        }
    } else if (members) {
        in.has_members = true; // null: no members
    }
    return true;
}

// The users of `ids`, all of them, or the 400 naming one that is not there.
bool load_members(const Txn &txn, const std::vector<std::string> &ids, std::vector<User> &out,
                  Error &err) {
    for (size_t i = 0; i < ids.size(); i++) {
        auto u = find_user(txn, ids[i]);
        if (!u)
            return fail(err, "invalidValue", "members: no User " + format_guid(ids[i]));
        out.push_back(std::move(*u));
    }
    return true;
}

// Makes the members of `g` exactly `ids`.
bool set_members(Txn &txn, const Group &g, const std::vector<std::string> &ids, Error &err) {
    std::vector<User> wanted;
    if (!load_members(txn, ids, wanted, err))
        return false;
    std::set<std::string> keep(ids.begin(), ids.end());
    for (const std::string &uid : role_members(txn, g.name))
        if (!keep.count(uid))
            if (auto u = find_user(txn, uid))
                give_role(txn, *u, g.name, false);
    for (const User &u : wanted)
        give_role(txn, u, g.name, true);
    return true;
}

// Renames the group record of `g`, then the role in every member (where it
// keeps its place in their lists).
void rename_group(Txn &txn, Group &g, const std::string &name) {
    std::string was = g.name;
    Group old = g;
    g.name = name;
    put_group(txn, g, &old);
    for (const std::string &uid : role_members(txn, was)) {
        auto u = find_user(txn, uid);
        if (!u)
            continue;
        User changed = *u;
        auto it = std::find(changed.roles.begin(), changed.roles.end(), was);
        if (std::find(changed.roles.begin(), changed.roles.end(), name) != changed.roles.end())
            changed.roles.erase(it);
        else
            *it = name;
        put_user(txn, changed, &*u);
    }
}

std::optional<Group> group_by_param(const Txn &txn, const std::string &raw) {
    auto id = id_param(raw);
    if (!id)
        return std::nullopt;
    return find_group(txn, *id);
}

Response name_taken(const std::string &name) {
    return error_response(409, "uniqueness", "a Group \"" + name + "\" exists already");
}

// Stores `in` as the new state of `g` (rename, externalId, members when
// given); the caller checked If-Match.
std::optional<Response> store_group(Txn &txn, Group &g, const GroupInput &in) {
    if (in.name != g.name) {
        if (auto other = find_group_by_name(txn, in.name); other && other->id != g.id)
            return name_taken(in.name);
        rename_group(txn, g, in.name);
    }
    Error err;
    if (in.has_members && !set_members(txn, g, in.members, err))
        return error_response(err);
    auto now = find_group(txn, g.id);
    Group changed = *now;
    changed.external_id = in.external_id;
    put_group(txn, changed, &*now);
    g = changed;
    return std::nullopt;
}

} // namespace

void give_role(Txn &txn, const User &u, std::string_view role, bool holds) {
    bool has = std::find(u.roles.begin(), u.roles.end(), role) != u.roles.end();
    if (has == holds)
        return;
    User changed = u;
    if (holds)
        changed.roles.emplace_back(role);
    else
        changed.roles.erase(std::find(changed.roles.begin(), changed.roles.end(), role));
    put_user(txn, changed, &u);
}

// GET Groups
Parsed groups_list(const Request &req, const Params &, const Settings &) {
    auto q = std::make_shared<ListQuery>();
    Response bad;
    if (!parse_list_query(req, group_schema(), *q, bad))
        return bad;
    return then([q](Txn &txn, const Scope &at) {
        const Describe &schema = group_schema();
        bool members = !q->projection.excludes("members") ||
                       (q->filter && mentions_members(*q->filter)) ||
                       iequal(q->sort_path.attr, "members");
        std::vector<Matched> matched;
        auto consider = [&](const Group &g) {
            Json res(group_resource(txn, at.base_url, g, members));
            if (q->filter && !matches(*q->filter, res.get(), schema))
                return;
            matched.push_back({g.id, sort_key(res.get(), *q)});
        };
        if (q->hint.kind == IndexHint::Id) {
            if (auto id = parse_guid(q->hint.value))
                if (auto g = find_group(txn, *id))
                    consider(*g);
        } else {
            // by name: the records' order is the names' (groups_by_name)
            Cursor c(txn, txn.tables().groups_by_name);
            for (bool ok = c.first(); ok; ok = c.next())
                if (auto g = find_group(txn, c.value()))
                    consider(*g);
        }
        sort_matched(matched, *q);
        std::vector<Json> page;
        bool show = !q->projection.excludes("members");
        for (size_t i = q->start - 1; i < matched.size() && page.size() < q->count; i++)
            if (auto g = find_group(txn, matched[i].id))
                page.emplace_back(group_resource(txn, at.base_url, *g, show));
        return list_answer(matched.size(), std::move(page), *q, schema);
    });
}

// POST Groups: a new role, with its members.
Parsed groups_create(const Request &req, const Params &, const Settings &) {
    Json body;
    Response bad;
    if (!body_object(req, body, bad))
        return bad;
    Projection projection;
    if (!parse_projection(req, group_schema(), projection, bad))
        return bad;
    GroupInput in;
    Error err;
    if (!group_from_resource(body.get(), in, err))
        return error_response(err);
    return then([in, projection](Txn &txn, const Scope &at) {
        if (find_group_by_name(txn, in.name))
            return name_taken(in.name);
        Group g;
        g.id = new_user_id();
        g.name = in.name;
        g.external_id = in.external_id;
        put_group(txn, g, nullptr);
        Error e;
        if (!set_members(txn, g, in.members, e))
            return error_response(e);
        return group_answer(201, txn, at.base_url, *find_group(txn, g.id), projection);
    });
}

// GET Groups/{id}
Parsed groups_get(const Request &req, const Params &p, const Settings &) {
    std::string raw(p[0]);
    Projection projection;
    Response bad;
    if (!parse_projection(req, group_schema(), projection, bad))
        return bad;
    return then([raw, projection](Txn &txn, const Scope &at) {
        auto g = group_by_param(txn, raw);
        if (!g)
            return no_resource("Group", raw);
        return group_answer(200, txn, at.base_url, *g, projection);
    });
}

// PUT Groups/{id}: displayName (a rename of the role in every member),
// externalId, and the members when given.
Parsed groups_replace(const Request &req, const Params &p, const Settings &) {
    std::string raw(p[0]), if_match(req.if_match);
    Json body;
    Response bad;
    if (!body_object(req, body, bad))
        return bad;
    Projection projection;
    if (!parse_projection(req, group_schema(), projection, bad))
        return bad;
    GroupInput in;
    Error err;
    if (!group_from_resource(body.get(), in, err))
        return error_response(err);
    return then([raw, if_match, in, projection](Txn &txn, const Scope &at) {
        auto g = group_by_param(txn, raw);
        if (auto refused = refuse_write(g, "Group", raw, if_match))
            return std::move(*refused);
        if (auto refused = store_group(txn, *g, in))
            return std::move(*refused);
        return group_answer(200, txn, at.base_url, *g, projection);
    });
}

// PATCH Groups/{id}: the operations applied to the group's resource (its
// members included), then stored as PUT stores it. Answers 204, or 200 with
// the group when the query asks for attributes.
Parsed groups_patch(const Request &req, const Params &p, const Settings &) {
    std::string raw(p[0]), if_match(req.if_match);
    Json body;
    Response bad;
    if (!body_object(req, body, bad))
        return bad;
    Projection projection;
    if (!parse_projection(req, group_schema(), projection, bad))
        return bad;
    bool answer = !projection.attributes.empty() || !projection.excluded.empty();
    std::shared_ptr<const json_t> ops(json_incref(body.get()), json_decref);
    return then([raw, if_match, ops, projection, answer](Txn &txn, const Scope &at) {
        auto g = group_by_param(txn, raw);
        if (auto refused = refuse_write(g, "Group", raw, if_match))
            return std::move(*refused);
        Json res(group_resource(txn, at.base_url, *g, true));
        Error e;
        if (!apply_patch(res.get(), ops.get(), group_schema(), e))
            return error_response(e);
        GroupInput in;
        if (!group_from_resource(res.get(), in, e))
            return error_response(e);
        in.has_members = true; // the patched resource lists them all
        if (auto refused = store_group(txn, *g, in))
            return std::move(*refused);
        if (!answer)
            return no_content();
        return group_answer(200, txn, at.base_url, *g, projection);
    });
}

// DELETE Groups/{id}: the role is taken from everyone, and its record goes.
Parsed groups_delete(const Request &req, const Params &p, const Settings &) {
    std::string raw(p[0]), if_match(req.if_match);
    return then([raw, if_match](Txn &txn, const Scope &) {
        auto g = group_by_param(txn, raw);
        if (auto refused = refuse_write(g, "Group", raw, if_match))
            return std::move(*refused);
        for (const std::string &uid : role_members(txn, g->name))
            if (auto u = find_user(txn, uid))
                give_role(txn, *u, g->name, false);
        delete_group_record(txn, *g);
        return no_content();
    });
}

} // namespace mtt::scim
