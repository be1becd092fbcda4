// Prints the router's table, one "METHOD pattern" line per route (make
// openapi-check compares it with the paths of doc/openapi.json).
#include "api.h++"

#include <cstdio>

int main() {
    for (const std::string &line : mtt::route_table())
        std::printf("%s\n", line.c_str());
    return 0;
}
