// For the unit tests that run requests through the router as the module
// does (included after unit.h++).
#pragma once

#include "api.h++"

#include <memory>
#include <vector>

// Runs `reqs` as the module runs the writes of one event-loop turn: each is
// parsed; a refused one answers its refusal, the commands of the others
// share one batch (run_batch, whose code is returned). `answers` follows the
// order of `reqs`.
inline int run_requests(mtt::Env &env, const mtt::Settings &settings,
                        const std::vector<mtt::Request> &reqs, std::vector<mtt::Answer> &answers) {
    std::vector<mtt::Parsed> parsed;
    std::vector<mtt::Write> writes;
    for (const auto &req : reqs) {
        parsed.push_back(mtt::parse(req, settings));
        if (parsed.back().command)
            writes.push_back({parsed.back().command.get(), req.base_url, req.now});
    }
    std::vector<mtt::Answer> applied;
    int rc = mtt::run_batch(env, settings, writes, applied);
    answers.clear();
    answers.resize(reqs.size());
    for (size_t i = 0, next = 0; i < reqs.size(); i++) {
        if (parsed[i].command)
            answers[i] = std::move(applied.at(next++));
        else
            answers[i].response = std::move(parsed[i].answer);
    }
    return rc;
}
