// Prints the routers' tables, one "TABLE METHOD pattern" line per route: the
// API's ("api", relative to the location that carries `mytimetable;`), then
// SCIM's ("scim", relative to the one that carries `mytimetable_scim;`).
// make openapi-check compares them with the paths of doc/openapi.json.
#include "api.h++"
#include "scim.h++"

#include <cstdio>

int main() {
    for (const std::string &line : mtt::route_table())
        std::printf("api %s\n", line.c_str());
    for (const std::string &line : mtt::scim::route_table())
        std::printf("scim %s\n", line.c_str());
    return 0;
}
