// SCIM 2.0 (RFC 7643, RFC 7644) over the user table: the routes below a
// location that carries `mytimetable_scim;` (see README, "SCIM 2.0").
//
// Every route has the shape of command.h++: its parse decodes and validates
// the request on the event loop and returns a refusal or a command; the
// router (api.h++) applies the command in the transaction it owns (a read
// transaction for GET, the batch's write transaction for a write). The
// resources are scim_users.c++ and scim_groups.c++; discovery and the shared
// pieces are scim.c++.
#pragma once

#include "api.h++"

#include <string>
#include <string_view>
#include <vector>

namespace mtt::scim {

// The route of a request of the SCIM location (Request::scim), parsed: its
// command, or a SCIM error (mtt::parse calls it).
Parsed parse(const Request &req, const Settings &settings);

// A plain error answer of the router (a store failure, an exception: see
// exception_answer in api.h++) as a SCIM error: the same status, headers and
// message.
Response as_scim_error(Response plain);

// The routing table, one "METHOD pattern" line per route, in its order
// (patterns relative to the SCIM location: "Users/{id}").
std::vector<std::string> route_table();

// The distinct patterns of the routes, in order (the metrics' rows).
const std::vector<std::string> &patterns();

// The index in patterns() of the pattern `path` matches; patterns().size()
// when none does.
size_t pattern_index(std::string_view path);

// The most resources one list answers (ServiceProviderConfig's
// filter.maxResults): a larger `count` is cut to it (RFC 7644 3.4.2.4).
inline constexpr size_t max_results = 200;

} // namespace mtt::scim
