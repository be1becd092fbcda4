// Shared by the libFuzzer targets in t/fuzz: invariant checks that abort
// (so libFuzzer saves the input as a crash), checks of API responses, and a
// scratch LMDB store for the targets that drive mtt::handle.
#pragma once

#include "api.h++"
#include "http.h++"
#include "store.h++"
#include "syncs.h++"
#include "users.h++"

#include <jansson.h>
#include <sodium.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>

namespace fuzz {

// Prints what went wrong and aborts: libFuzzer reports a deadly signal and
// writes the input to crash-<sha1>.
[[noreturn]] inline void fail(const char *file, int line, const char *cond,
                              const std::string &detail) {
    std::fprintf(stderr, "\n==fuzz== invariant violated at %s:%d: %s\n", file, line, cond);
    if (!detail.empty())
        std::fprintf(stderr, "==fuzz== %s\n", detail.c_str());
    std::fflush(stderr);
    std::abort();
}

#define FUZZ_CHECK(cond, detail)                                                                   \
    do {                                                                                           \
        if (!(cond))                                                                               \
            ::fuzz::fail(__FILE__, __LINE__, #cond, (detail));                                     \
    } while (0)

// True when MTT_FUZZ_ALLOW (a comma-separated list) names `finding`: a known
// src/ problem that the targets then tolerate instead of failing on. Empty
// by default; see README.
inline bool allowed(std::string_view finding) {
    static const std::string list = [] {
        const char *v = std::getenv("MTT_FUZZ_ALLOW");
        return "," + std::string(v ? v : "") + ",";
    }();
    return list.find("," + std::string(finding) + ",") != std::string::npos;
}

// `s` with non-printable bytes as \xNN, cut to `max` bytes, for messages.
inline std::string show(std::string_view s, size_t max = 300) {
    static const char hex[] = "0123456789abcdef";
    std::string out;
    for (size_t i = 0; i < s.size() && i < max; ++i) {
        auto c = static_cast<unsigned char>(s[i]);
        if (c >= 0x20 && c < 0x7F && c != '\\') {
            out += static_cast<char>(c);
        } else {
            out += "\\x";
            out += hex[c >> 4];
            out += hex[c & 15];
        }
    }
    if (s.size() > max)
        out += "...";
    return out;
}

struct JsonFree {
    void operator()(json_t *j) const { json_decref(j); }
};
using JsonPtr = std::unique_ptr<json_t, JsonFree>;

inline JsonPtr parse_json(std::string_view text) {
    json_error_t err;
    return JsonPtr(json_loadb(text.data(), text.size(), JSON_DECODE_ANY, &err));
}

inline std::string describe(const mtt::Request &req, const mtt::Response &r) {
    return std::string(req.method) + " " + show(req.path) + "?" + show(req.query) + " -> " +
           std::to_string(r.status) + " " + show(r.content_type) + " body " + show(r.body);
}

// Calls mtt::handle, which is documented never to throw, and checks the
// answer: a documented status (`statuses`, a string of three-digit codes);
// an error status carries the JSON body {"error": error_code(status),
// "message": "..."}; a success body of the JSON type is JSON; 204 has no
// body; no store failure was logged.
inline mtt::Response checked(const mtt::Request &req, mtt::Response r, const std::string &log,
                             std::string_view statuses);

inline mtt::Response call(mtt::Context &ctx, const mtt::Request &req,
                          std::string_view statuses = "200 201 204 400 404 409 415 422") {
    mtt::Response r;
    ctx.log.clear();
    try {
        r = mtt::handle(ctx, req);
    } catch (const std::exception &e) {
        fail(__FILE__, __LINE__, "mtt::handle threw",
             std::string(req.method) + " " + show(req.path) + ": " + e.what());
    } catch (...) {
        fail(__FILE__, __LINE__, "mtt::handle threw", "a non-std exception");
    }
    return checked(req, std::move(r), ctx.log, statuses);
}

// The checks of call() on the answer `r` to `req`, and the line `log` it
// asked to log.
inline mtt::Response checked(const mtt::Request &req, mtt::Response r, const std::string &log,
                             std::string_view statuses) {
    try {
        r.body = mtt::drain(r); // a streamed body, read to its end
    } catch (const std::exception &e) {
        fail(__FILE__, __LINE__, "the body stream threw",
             std::string(req.method) + " " + show(req.path) + ": " + e.what());
    } catch (...) {
        fail(__FILE__, __LINE__, "the body stream threw", "a non-std exception");
    }
    const std::string what = describe(req, r);
    FUZZ_CHECK(log.empty(), "logged \"" + log + "\": " + what);
    std::string code = std::to_string(r.status);
    FUZZ_CHECK(code.size() == 3 && statuses.find(code) != std::string_view::npos,
               "undocumented status: " + what);
    if (r.status >= 300) {
        FUZZ_CHECK(r.content_type == mtt::json_type, "error without a JSON type: " + what);
        JsonPtr body = parse_json(r.body);
        FUZZ_CHECK(body && json_is_object(body.get()), "error body is not a JSON object: " + what);
        json_t *error = json_object_get(body.get(), "error");
        json_t *message = json_object_get(body.get(), "message");
        FUZZ_CHECK(json_is_string(error) &&
                       std::string_view(json_string_value(error)) == mtt::error_code(r.status),
                   "error body without the right \"error\": " + what);
        // (allowed "error-message": the message is missing, as when mtt::error
        // is handed text that is not UTF-8 and jansson refuses it)
        if (!(message == nullptr && fuzz::allowed("error-message")))
            FUZZ_CHECK(json_is_string(message) && json_string_length(message) > 0,
                       "error body without a \"message\": " + what);
        FUZZ_CHECK(json_object_size(body.get()) == (message ? 2u : 1u),
                   "error body with extra members: " + what);
    } else if (r.status == 204) {
        FUZZ_CHECK(r.content_type.empty() && r.body.empty(), "204 with a body: " + what);
    } else if (r.content_type == mtt::json_type) {
        FUZZ_CHECK(parse_json(r.body) != nullptr, "success body is not JSON: " + what);
    } else {
        FUZZ_CHECK(!r.content_type.empty(), "success without a content type: " + what);
    }
    return r;
}

// ---------------------------------------------------------------- the store

inline constexpr const char *base_url = "http://localhost/api/";
inline constexpr int64_t now = 1795600800; // 2026-11-25T10:00:00Z

// Two known users, alice (with synchronization 1 of type o365 and its event
// e0) and bob, restored before every input.
inline std::string raw_id(unsigned char last) {
    std::string id("\x00\x11\x22\x33\x44\x55\x46\x77\x88\x99\xaa\xbb\xcc\xdd\xee", 15);
    id.push_back(static_cast<char>(last));
    return id;
}
inline const std::string alice_id = raw_id(0x01), bob_id = raw_id(0x02);

class Store {
  public:
    Store() {
        if (sodium_init() < 0)
            std::abort();
        const char *base = std::getenv("MTT_FUZZ_TMPDIR");
        if (!base)
            base = std::getenv("TMPDIR");
        dir_ = std::string(base && *base ? base : "/tmp") + "/mtt-fuzz-XXXXXX";
        if (!mkdtemp(dir_.data())) {
            std::perror(dir_.c_str());
            std::abort();
        }
        env_ = std::make_unique<mtt::Env>(mtt::EnvOptions{dir_, size_t(64) << 20, true});
        // the module's defaults (no mytimetable_sync_type directives)
        settings_.sync_types = {{"o365", true}, {"ews", true}, {"googlecalendar", false}};
        settings_.instance_id = "default";
    }
    ~Store() {
        env_.reset();
        unlink((dir_ + "/data.mdb").c_str());
        unlink((dir_ + "/lock.mdb").c_str());
        rmdir(dir_.c_str());
    }
    Store(const Store &) = delete;
    Store &operator=(const Store &) = delete;

    mtt::Env &env() { return *env_; }
    const mtt::Settings &settings() const { return settings_; }

    // Empties every table (the sync id counter too); with `seed`, writes
    // alice and bob back.
    void reset(bool seed);

  private:
    std::string dir_;
    std::unique_ptr<mtt::Env> env_;
    mtt::Settings settings_;
};

inline void Store::reset(bool seed) {
    mtt::Txn txn(*env_, mtt::Txn::Write);
    const mtt::Tables &t = txn.tables();
    for (MDB_dbi dbi :
         {t.users, t.users_by_name, t.syncs, t.syncs_by_user, t.events, t.events_by_user})
        mtt::check(mdb_drop(txn.get(), dbi, 0), "mdb_drop");
    txn.del(t.meta, "next_sync_id");
    if (seed) {
        mtt::User alice;
        alice.id = alice_id;
        alice.username = "alice";
        alice.email = "alice@example.org";
        alice.first_name = "Alice";
        alice.last_name = "Liddell";
        alice.last_login = 1767225600;
        mtt::put_user(txn, alice, nullptr);
        mtt::User bob;
        bob.id = bob_id;
        bob.username = "bob";
        bob.email = "bob@example.com";
        bob.enabled = false;
        mtt::put_user(txn, bob, nullptr);
        uint64_t sync = mtt::put_sync(txn, alice.id, "o365", std::string("alice@example.org"));
        mtt::Event e;
        e.sync_id = sync;
        e.event_id = "e0";
        e.user_id = alice.id;
        e.instance = settings_.instance_id;
        e.start = now + 3600;
        e.end = now + 7200;
        e.summary = "Lecture";
        e.location = "Room 1";
        mtt::put_event(txn, e);
    }
    txn.commit();
}

inline Store &store() {
    static Store s;
    return s;
}

} // namespace fuzz
