// The handlers the routing table (api.c++) points at, and the helpers they
// share. Each handler answers one route; params are the raw path captures.
#pragma once

#include "api.h++"
#include "form.h++"
#include "router.h++"

#include <jansson.h>

namespace mtt {

using Handler = Response (*)(Context &, const Request &, const Params &);

// v0 users (v0.c++)
Response v0_list_users(Context &, const Request &, const Params &);
Response v0_put_user(Context &, const Request &, const Params &);
Response v0_delete_user(Context &, const Request &, const Params &);
Response v0_user_events(Context &, const Request &, const Params &);
Response v0_user_calendar(Context &, const Request &, const Params &);
Response v0_get_user(Context &, const Request &, const Params &);
Response v0_create_user(Context &, const Request &, const Params &);
Response v0_user_syncs(Context &, const Request &, const Params &);
Response v0_delete_user_syncs(Context &, const Request &, const Params &);
Response v0_delete_user_sync_type(Context &, const Request &, const Params &);

// v0 synchronizations and their events (v0.c++)
Response v0_list_syncs(Context &, const Request &, const Params &);
Response v0_put_sync(Context &, const Request &, const Params &);
Response v0_delete_sync(Context &, const Request &, const Params &);
Response v0_put_event(Context &, const Request &, const Params &);
Response v0_sync_events(Context &, const Request &, const Params &);

// the user directory resource (directory.c++)
Response dir_list_users(Context &, const Request &, const Params &);
// GET users, when its query may read more than `rows` users: the query to
// run ahead (see offload_query); nullptr otherwise.
std::unique_ptr<PendingQuery> dir_plan_list_users(Context &, const Request &, uint64_t rows);
Response dir_create_user(Context &, const Request &, const Params &);
Response dir_get_user(Context &, const Request &, const Params &);
Response dir_update_user(Context &, const Request &, const Params &);
Response dir_delete_user(Context &, const Request &, const Params &);
Response dir_set_password(Context &, const Request &, const Params &);
Response dir_user_groups(Context &, const Request &, const Params &);
Response dir_empty_list(Context &, const Request &, const Params &);

// GET openapi.json: the API's description (openapi.c++)
Response api_description(Context &, const Request &, const Params &);

// ---------------------------------------------------------------- helpers

// A directory user's JSON as the answers show it (directory.c++), shaped by
// a query's $select/$expand when given: built with jansson (single users),
// and written straight into `out` (the lists); the bytes are the same.
std::string user_json_text(std::string_view base_url, const User &u, const odata::Query *shape);
void append_user_json(std::string &out, std::string_view base_url, const User &u,
                      const odata::Query *shape);

// The password a directory write's JSON body sets, when it is a valid one
// (directory.c++).
bool body_password(const Request &req, std::string &password);

Response json_response(int status, const json_t *body);

// Decodes and validates a {username} path segment; on failure `bad` holds
// the 400 answer.
bool username_param(std::string_view raw, std::string &name, Response &bad);

// True when the media type of `content_type` is `type` (parameters ignored,
// case-insensitive).
bool media_type_is(std::string_view content_type, std::string_view type);

// The body as a form: 415 unless it is application/x-www-form-urlencoded
// (an absent body with no Content-Type reads as an empty form), 400 when it
// does not decode.
bool body_form(const Request &req, Form &form, Response &bad);
// The query string as a form; 400 when it does not decode.
bool query_form(const Request &req, Form &form, Response &bad);

// The single value of a form field in `value` (nullptr when absent). False
// with a 400 in `bad` when it is repeated, or missing though `required`.
// `where` is "form field" or "query parameter".
bool single(const Form &form, std::string_view name, bool required, std::string_view where,
            const std::string *&value, Response &bad);

} // namespace mtt
