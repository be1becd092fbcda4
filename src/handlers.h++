// The routes the routing table (api.c++) points at, and the helpers they
// share. Each parses one route; params are the raw path captures.
#pragma once

#include "api.h++"
#include "command.h++"
#include "form.h++"
#include "odata.h++"
#include "router.h++"
#include "users.h++"

#include <jansson.h>

namespace mtt {

// Each is a Parse (command.h++): it decodes and validates the request, and
// returns the command that answers it or the refusal.

// v0 users (v0.c++)
Parsed v0_list_users(const Request &, const Params &, const Settings &);
Parsed v0_put_user(const Request &, const Params &, const Settings &);
Parsed v0_delete_user(const Request &, const Params &, const Settings &);
Parsed v0_user_events(const Request &, const Params &, const Settings &);
Parsed v0_user_calendar(const Request &, const Params &, const Settings &);
Parsed v0_get_user(const Request &, const Params &, const Settings &);
Parsed v0_create_user(const Request &, const Params &, const Settings &);
Parsed v0_user_syncs(const Request &, const Params &, const Settings &);
Parsed v0_delete_user_syncs(const Request &, const Params &, const Settings &);
Parsed v0_delete_user_sync_type(const Request &, const Params &, const Settings &);

// v0 synchronizations and their events (v0.c++)
Parsed v0_list_syncs(const Request &, const Params &, const Settings &);
Parsed v0_put_sync(const Request &, const Params &, const Settings &);
Parsed v0_delete_sync(const Request &, const Params &, const Settings &);
Parsed v0_put_event(const Request &, const Params &, const Settings &);
Parsed v0_sync_events(const Request &, const Params &, const Settings &);

// the user directory resource (directory.c++); GET users carries its query
// as a long read (Command::ahead) when it is not a plain walk of the users
Parsed dir_list_users(const Request &, const Params &, const Settings &);
Parsed dir_create_user(const Request &, const Params &, const Settings &);
Parsed dir_get_user(const Request &, const Params &, const Settings &);
Parsed dir_update_user(const Request &, const Params &, const Settings &);
Parsed dir_delete_user(const Request &, const Params &, const Settings &);
Parsed dir_set_password(const Request &, const Params &, const Settings &);
Parsed dir_user_groups(const Request &, const Params &, const Settings &);
Parsed dir_empty_list(const Request &, const Params &, const Settings &);

// GET openapi.json: the API's description (openapi.c++)
Parsed api_description(const Request &, const Params &, const Settings &);

// ---------------------------------------------------------------- helpers

// A directory user's JSON as the answers show it (directory.c++), shaped by
// a query's $select/$expand when given: built with jansson (single users),
// and written straight into `out` (the lists); the bytes are the same.
std::string user_json_text(std::string_view base_url, const User &u, const odata::Query *shape);
void append_user_json(std::string &out, std::string_view base_url, const User &u,
                      const odata::Query *shape);

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
