// query_time: the query engine's own time on a store made by `load`, in this
// process (no HTTP, no nginx): for each query form of bench/query.pl, the
// median over R runs, each with a new literal or $skip as the bench sends
// them, of run_query alone and of the whole handle() of `GET users?...`
// (query, rendering, the answer's bytes; the answer cache off).
//
//   build/bench/query_time --store DIR [--requests R] [--only SUBSTRING] [--repeat K] [--wall]
//                          [--alone]
//
// Times are the process's CPU time (all its threads) unless --wall. With
// --alone, run_query never scans from both ends (handle() still may).
// With --repeat K each measured run is K calls in a row (their mean), for
// perf: `perf record -g build/bench/query_time --store DIR --only substringof --repeat 50`.
#include "api.h++"
#include "odata.h++"
#include "query.h++"
#include "store.h++"

#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <random>
#include <string>
#include <vector>

namespace {

const char usage[] = "usage: query_time --store DIR [--requests R] [--only SUBSTRING] [--repeat K] "
                     "[--wall] [--alone]\n";

// The process's CPU time (every thread's), in ms: on a shared machine it
// varies less than the clock on the wall (time waiting for a core is not in
// it); with --wall, the wall clock.
bool wall = false;
double now_ms() {
    if (wall)
        return std::chrono::duration<double, std::milli>(
                   std::chrono::steady_clock::now().time_since_epoch())
            .count();
    timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    size_t n = v.size();
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

struct Form {
    const char *what;
    std::function<std::string(int, std::mt19937 &, uint64_t)> make; // (i, rng, users)
};

} // namespace

int main(int argc, char **argv) {
    std::string store, only;
    int requests = 31, repeat = 1;
    bool alone = false;
    for (int i = 1; i < argc; ++i) {
        const char *o = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : nullptr;
        if (!std::strcmp(o, "--store") && v) {
            store = v;
            ++i;
        } else if (!std::strcmp(o, "--requests") && v) {
            requests = std::atoi(v);
            ++i;
        } else if (!std::strcmp(o, "--repeat") && v) {
            repeat = std::atoi(v);
            ++i;
        } else if (!std::strcmp(o, "--alone")) {
            alone = true;
        } else if (!std::strcmp(o, "--wall")) {
            wall = true;
        } else if (!std::strcmp(o, "--only") && v) {
            only = v;
            ++i;
        } else {
            std::fputs(usage, stderr);
            return 2;
        }
    }
    if (store.empty() || requests < 1 || repeat < 1) {
        std::fputs(usage, stderr);
        return 2;
    }
    try {
        mtt::EnvOptions eo;
        eo.path = store;
        mtt::Env env(eo);
        uint64_t users;
        {
            mtt::Txn txn(env, mtt::Txn::Read);
            users = txn.entries(txn.tables().users);
        }
        auto rnd = [](std::mt19937 &g, uint64_t n) {
            return std::to_string(std::uniform_int_distribution<uint64_t>(0, n - 1)(g));
        };
        std::vector<Form> forms = {
            {"$filter=substringof('zz7',Email)",
             [](int i, std::mt19937 &, uint64_t) {
                 return "$filter=substringof('zz" + std::to_string(7 + 10 * i) + "',Email)";
             }},
            {"$filter=tolower(FirstName) eq 'first77'",
             [&](int, std::mt19937 &g, uint64_t n) {
                 return "$filter=tolower(FirstName) eq 'first" + rnd(g, n) + "'";
             }},
            {"$filter=startswith(UserName,'u99997')",
             [&](int, std::mt19937 &g, uint64_t n) {
                 return "$filter=startswith(UserName,'u" +
                        std::to_string(10000 + std::stoull(rnd(g, n > 10000 ? n - 10000 : 1))) +
                        "')";
             }},
            {"$filter=LastName eq 'Last73'",
             [&](int, std::mt19937 &g, uint64_t n) {
                 return "$filter=LastName eq 'Last" + rnd(g, n) + "'";
             }},
            {"$orderby=LastName desc&$top=10&$skip=700",
             [](int i, std::mt19937 &, uint64_t) {
                 return "$orderby=LastName desc&$top=10&$skip=" + std::to_string(700 + i);
             }},
            {"$top=50&$skip=57000",
             [](int i, std::mt19937 &, uint64_t) {
                 return "$top=50&$skip=" + std::to_string(57000 + i);
             }},
        };
        mtt::Settings settings;
        std::printf("%llu users, %d runs per form%s; medians, ms of %s\n",
                    static_cast<unsigned long long>(users), requests,
                    repeat > 1 ? (", each the mean of " + std::to_string(repeat)).c_str() : "",
                    wall ? "the wall clock" : "CPU time");
        std::printf("%-44s %10s %10s %s\n", "query", "run_query", "handle", "plan");
        for (const Form &f : forms) {
            if (!only.empty() && !std::strstr(f.what, only.c_str()))
                continue;
            std::mt19937 g(14);
            std::vector<double> q_ms, h_ms;
            std::string plan;
            for (int i = -1; i < requests; ++i) { // -1: a warm-up
                std::string raw = f.make(i, g, users);
                auto parsed = mtt::odata::parse_query(raw, mtt::user_schema());
                if (auto *e = std::get_if<mtt::odata::Error>(&parsed)) {
                    std::fprintf(stderr, "%s: %s\n", raw.c_str(), e->message.c_str());
                    return 1;
                }
                const mtt::odata::Query &q = std::get<mtt::odata::Query>(parsed);
                double t = now_ms();
                for (int k = 0; k < repeat; ++k) {
                    mtt::Txn txn(env, mtt::Txn::Read);
                    mtt::QueryResult r =
                        alone ? mtt::run_query_tuned(txn, q, false, 5000, 0.25)
                              : mtt::run_query(txn, q, false, settings.query_limits());
                    plan = r.plan + (r.parts == 2 ? ", from both ends" : "");
                }
                double qt = (now_ms() - t) / repeat;
                // the whole request, as a worker answers it on its event loop
                mtt::Context ctx{env, settings, {}, nullptr};
                mtt::Request req;
                req.method = "GET";
                req.path = "users";
                req.query = raw; // parse_query decodes; the literals hold no '%' or '&'
                req.base_url = "http://directory.example/api/";
                t = now_ms();
                size_t bytes = 0;
                for (int k = 0; k < repeat; ++k) {
                    mtt::Response resp = mtt::handle(ctx, req);
                    bytes += resp.body.size();
                    if (resp.status != 200) {
                        std::fprintf(stderr, "%s: %d %s\n", raw.c_str(), resp.status,
                                     resp.body.c_str());
                        return 1;
                    }
                }
                double ht = (now_ms() - t) / repeat;
                if (i >= 0) {
                    q_ms.push_back(qt);
                    h_ms.push_back(ht);
                }
            }
            std::printf("%-44s %10.3f %10.3f %s\n", f.what, median(q_ms), median(h_ms),
                        plan.c_str());
        }
    } catch (const std::exception &e) {
        std::fprintf(stderr, "query_time: %s\n", e.what());
        return 1;
    }
    return 0;
}
