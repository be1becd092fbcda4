// What the SCIM routes share (scim.c++, scim_users.c++, scim_groups.c++).
#pragma once

#include "command.h++"
#include "json.h++"
#include "scim.h++"
#include "scim_attrs.h++"
#include "scim_filter.h++"
#include "users.h++"

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mtt::scim {

inline constexpr char scim_type_header[] = "application/scim+json";

// The SCIM error body (RFC 7644 3.12): schemas, status as a string, scimType
// when there is one, detail.
Response error_response(int status, std::string_view scim_type, std::string_view detail);
inline Response error_response(const Error &e) {
    return error_response(e.status, e.scim_type, e.detail);
}
Response json_answer(int status, const json_t *body);

// The request's JSON object: 415 unless application/scim+json or
// application/json, 400 invalidSyntax when it does not parse (naming the
// line and column) or is not an object.
bool body_object(const Request &req, Json &out, Response &bad);

// The value of `key` in `object`, its name compared without ASCII case
// (RFC 7643 2.1); `found` gets the key as written. Null when absent.
json_t *get_ci(const json_t *object, std::string_view key, const char **found = nullptr);
bool iequal(std::string_view a, std::string_view b);

// `attributes` and `excludedAttributes` (RFC 7644 3.4.2.5, 3.9): the paths
// to keep, or to leave out, of each resource answered.
struct Projection {
    std::vector<AttrPath> attributes, excluded;
    bool excludes(std::string_view attr) const; // a core attribute named in excluded
};
// The query's attributes/excludedAttributes, resolved against `schema`;
// false with the 400 (invalidValue... naming the path) in `bad`.
bool parse_projection(const Request &req, const Describe &schema, Projection &out, Response &bad);
// Applies `p` to a resource's JSON (id, schemas and meta.resourceType always
// stay, as returned "always" says).
void project(json_t *resource, const Projection &p, const Describe &schema);

// The query of a list (RFC 7644 3.4.2): filter, startIndex, count, sortBy,
// sortOrder, and the projection.
struct ListQuery {
    std::unique_ptr<const Filter> filter; // null: every resource
    IndexHint hint;
    size_t start = 1;           // 1-based
    size_t count = max_results; // at most max_results
    std::string sort_by;        // empty: the store's order
    AttrPath sort_path;
    AttrInfo sort_info;
    bool descending = false;
    Projection projection;
};
bool parse_list_query(const Request &req, const Describe &schema, ListQuery &out, Response &bad);

// One resource a list query matched: its id and, when the query sorts, the
// value it sorts by (sort_key).
struct Matched {
    std::string id;
    Json key;
};
// The value `resource` sorts by under q's sortBy (a multi-valued attribute's
// primary value, else its first), as a copy; null for none.
Json sort_key(const json_t *resource, const ListQuery &q);
// Sorts by key (stable; resources without a value last when ascending, first
// when descending, as RFC 7644 3.4.2.3 says); nothing without sortBy.
void sort_matched(std::vector<Matched> &matched, const ListQuery &q);

// The ListResponse of `page` (the resources [q.start, q.start + q.count) of
// the `total` that match), each projected.
Response list_answer(size_t total, std::vector<Json> page, const ListQuery &q,
                     const Describe &schema);

// A ListResponse written piece by piece, the bytes of the jansson tree
// list_answer dumps: list_begin (schemas, totalResults, startIndex,
// itemsPerPage = `items`, and the opening of Resources), the `items`
// resources separated by ',', then list_end.
void list_begin(std::string &out, size_t total, size_t start, size_t items);
void list_end(std::string &out);
// A 200 SCIM answer of `body`.
Response scim_answer(int status, std::string body);

// ETags: W/"<version>".
std::string etag(uint64_t version);
// The request's If-Match allows a write of a resource at `version` (absent
// and "*" allow any; else one of its entity tags, weak or strong, is the
// current one).
bool if_match_allows(std::string_view if_match, uint64_t version);
Response stale(uint64_t version);

// The 404 of an id that names no resource.
Response no_resource(std::string_view kind, std::string_view raw_id);

// What refuses a write to the `kind` resource that the id `raw_id` names
// (`found`, as looked up): 404 when there is none, 412 when the request's
// If-Match does not allow its version; nothing when the write may go on.
template <class Resource>
std::optional<Response> refuse_write(const std::optional<Resource> &found, std::string_view kind,
                                     std::string_view raw_id, std::string_view if_match) {
    if (!found)
        return no_resource(kind, raw_id);
    if (!if_match_allows(if_match, found->version))
        return stale(found->version);
    return std::nullopt;
}

// Validates a role name as a group's displayName or a user's role: 1 to 64
// bytes, no control character.
std::optional<std::string> role_problem(std::string_view role);

// The raw id of a path segment ("Users/{id}"): a GUID (either case).
std::optional<std::string> id_param(std::string_view raw);

// ---------------------------------------------------------------- Users (scim_users.c++)

// The User resource of `u`, as GET answers it (groups from the group records).
json_t *user_resource(const Txn &txn, std::string_view base_url, const User &u);
// The same resource written straight into `out`: the bytes of
// dump(user_resource(...)), without a json_t for what needs none (jansson
// still escapes the strings that need it and parses the attributes kept as
// JSON text).
void append_user_resource(std::string &out, const Txn &txn, std::string_view base_url,
                          const User &u);

Parsed users_list(const Request &req, const Params &p, const Settings &s);
Parsed users_create(const Request &req, const Params &p, const Settings &s);
Parsed users_get(const Request &req, const Params &p, const Settings &s);
Parsed users_replace(const Request &req, const Params &p, const Settings &s);
Parsed users_patch(const Request &req, const Params &p, const Settings &s);
Parsed users_delete(const Request &req, const Params &p, const Settings &s);

// ---------------------------------------------------------------- Groups (scim_groups.c++)

Parsed groups_list(const Request &req, const Params &p, const Settings &s);
Parsed groups_create(const Request &req, const Params &p, const Settings &s);
Parsed groups_get(const Request &req, const Params &p, const Settings &s);
Parsed groups_replace(const Request &req, const Params &p, const Settings &s);
Parsed groups_patch(const Request &req, const Params &p, const Settings &s);
Parsed groups_delete(const Request &req, const Params &p, const Settings &s);

// A user's roles, changed to hold (or not) `role`; the user is written
// (put_user) only when that changes them.
void give_role(Txn &txn, const User &u, std::string_view role, bool holds);

} // namespace mtt::scim
