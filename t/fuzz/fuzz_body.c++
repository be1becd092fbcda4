// Request bodies through the real request handling (mtt::handle) on a
// scratch LMDB store that holds two users, alice and bob, and alice's
// synchronization 1 with its event e0 (restored before every input). The
// input is sent, in this order, as the body of
//   POST users                              application/json
//   PUT  user/{alice's Id}                  application/json
//   POST v0/users                           application/x-www-form-urlencoded
//   PUT  v0/users/bob                       application/x-www-form-urlencoded
//   PUT  v0/synchronizations                application/x-www-form-urlencoded
//   PUT  v0/synchronizations/1/events/e1    application/x-www-form-urlencoded
// Every answer must be one of the statuses the README gives that route, an
// error must have a JSON body {"error", "message"}, no exception may escape,
// and what a write answered must read back the same (GET of the user, the
// profile, the event list).
//
// Inputs whose length is 3 modulo 4 run each write as the module does under
// group commit: parsed (mtt::parse), then its command applied through
// mtt::run_batch (directly in a batch transaction).
//
// Passwords: a "Password" that passes validation costs one Argon2id hash
// (about 25 ms and 19 MiB), which would slow this target a hundredfold. This
// binary defines its own crypto_pwhash_str, a cheap stand-in that the static
// link prefers to libsodium's, so the Password paths stay covered at full
// speed; only libsodium's hashing itself is left out.
#include "fuzz_common.h++"

#include "text.h++"

#include <sodium.h>

#include <cstring>
#include <string>
#include <string_view>

extern "C" int crypto_pwhash_str(char out[crypto_pwhash_STRBYTES], const char *const passwd,
                                 unsigned long long passwdlen, unsigned long long opslimit,
                                 size_t memlimit) {
    // the shape of a real hash string, with a digest of the password in it
    unsigned char digest[16];
    crypto_generichash(digest, sizeof digest, reinterpret_cast<const unsigned char *>(passwd),
                       passwdlen, nullptr, 0);
    std::string s = "$argon2id$v=19$m=" + std::to_string(memlimit / 1024) +
                    ",t=" + std::to_string(opslimit) + ",p=1$ZnV6eg$";
    static const char hex[] = "0123456789abcdef";
    for (unsigned char c : digest) {
        s += hex[c >> 4];
        s += hex[c & 15];
    }
    std::memset(out, 0, crypto_pwhash_STRBYTES);
    std::memcpy(out, s.data(), std::min<size_t>(s.size(), crypto_pwhash_STRBYTES - 1));
    return 0;
}

// A smaller ASan quarantine (the default is 256 MiB): this target allocates a
// lot per input, and cycling through fresh pages doubled its time. Freed
// memory is still held back for many inputs. ASAN_OPTIONS overrides this.
extern "C" const char *__asan_default_options() {
    return "quarantine_size_mb=16";
}

namespace {

constexpr const char *json = "application/json";
constexpr const char *form = "application/x-www-form-urlencoded";

mtt::Request request(const char *method, std::string_view path, std::string_view type,
                     std::string_view body) {
    mtt::Request req;
    req.method = method;
    req.path = path;
    req.content_type = type;
    req.body = body;
    req.has_body = !body.empty();
    req.base_url = fuzz::base_url;
    req.now = fuzz::now;
    return req;
}

struct Client {
    mtt::Context ctx;
    bool batched;

    // One request; a write in batch mode runs as the module runs it under
    // group commit: parsed, then its command applied in a batch of its own
    // (mtt::run_batch).
    mtt::Response run(const mtt::Request &req, std::string_view statuses) {
        if (!batched || !mtt::writes(req.method))
            return fuzz::call(ctx, req, statuses);
        mtt::Parsed parsed = mtt::parse(req, ctx.settings);
        if (!parsed.command)
            return fuzz::checked(req, std::move(parsed.answer), "", statuses);
        std::vector<mtt::Answer> answers;
        int rc = mtt::run_batch(ctx.env, ctx.settings,
                                {{parsed.command.get(), req.base_url, req.now}}, answers);
        FUZZ_CHECK(rc == MDB_SUCCESS, std::string("batch commit: ") + mdb_strerror(rc));
        mtt::Answer &a = answers.at(0);
        return fuzz::checked(req, std::move(a.response), a.log, statuses);
    }

    // GET `path` must answer 200 with the same JSON as `written`.
    void reads_back(std::string_view path, json_t *written, const std::string &what) {
        mtt::Response r = run(request("GET", path, "", ""), "200 404");
        FUZZ_CHECK(r.status == 200, "GET " + fuzz::show(path) + " after " + what + " answered " +
                                        std::to_string(r.status));
        fuzz::JsonPtr read = fuzz::parse_json(r.body);
        FUZZ_CHECK(json_equal(read.get(), written),
                   "GET " + fuzz::show(path) + " reads " + fuzz::show(r.body) + " after " + what);
    }
};

// A user object as the directory writes it.
void check_user(json_t *u, const std::string &what) {
    FUZZ_CHECK(json_is_object(u), "not a user object: " + what);
    for (const char *key : {"Id", "UserName", "Email", "FirstName", "LastName", "Phone",
                            "LastLogIn", "Enabled", "IsExternal", "Self", "Links"})
        FUZZ_CHECK(json_object_get(u, key), std::string("user without ") + key + ": " + what);
    json_t *id = json_object_get(u, "Id");
    FUZZ_CHECK(json_is_string(id) && mtt::parse_guid(json_string_value(id)),
               "user Id is not a GUID: " + what);
    FUZZ_CHECK(json_is_string(json_object_get(u, "UserName")), "UserName not a string: " + what);
}

// The path below base_url of a Location header.
std::string location(const mtt::Response &r, const std::string &what) {
    const std::string base = fuzz::base_url;
    for (const auto &h : r.headers)
        if (h.name == "Location") {
            FUZZ_CHECK(h.value.rfind(base, 0) == 0, "Location outside the API: " + what);
            return h.value.substr(base.size());
        }
    fuzz::fail(__FILE__, __LINE__, "no Location header", what);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    std::string_view body(reinterpret_cast<const char *>(data), size);
    fuzz::Store &store = fuzz::store();
    store.reset(true);
    Client client{{store.env(), store.settings(), {}}, size % 4 == 3};
    const std::string alice = "user/" + mtt::format_guid(fuzz::alice_id);
    bool wrote = false; // some request changed the store

    // POST users
    {
        mtt::Request req = request("POST", "users", json, body);
        mtt::Response r = client.run(req, "201 400 409");
        if (r.status == 201) {
            wrote = true;
            std::string what = fuzz::describe(req, r);
            fuzz::JsonPtr list = fuzz::parse_json(r.body);
            FUZZ_CHECK(json_is_array(list.get()) && json_array_size(list.get()) == 1,
                       "201 without a one-user list: " + what);
            json_t *u = json_array_get(list.get(), 0);
            check_user(u, what);
            std::string self = "user/" + std::string(json_string_value(json_object_get(u, "Id")));
            FUZZ_CHECK(location(r, what) == self, "Location is not the user: " + what);
            client.reads_back(self, u, what);
        }
    }

    // PUT user/{id}
    {
        mtt::Request req = request("PUT", alice, json, body);
        mtt::Response r = client.run(req, "200 400 409");
        if (r.status == 200) {
            wrote = true;
            std::string what = fuzz::describe(req, r);
            fuzz::JsonPtr u = fuzz::parse_json(r.body);
            check_user(u.get(), what);
            client.reads_back(alice, u.get(), what);
        }
    }

    // POST v0/users, PUT v0/users/bob: a profile form
    {
        mtt::Request req = request("POST", "v0/users", form, body);
        mtt::Response r = client.run(req, "201 400 409");
        if (r.status == 201) {
            wrote = true;
            std::string what = fuzz::describe(req, r);
            fuzz::JsonPtr profile = fuzz::parse_json(r.body);
            FUZZ_CHECK(json_is_object(profile.get()), "201 without a profile: " + what);
            client.reads_back(location(r, what), profile.get(), what);
        }
        req = request("PUT", "v0/users/bob", form, body);
        r = client.run(req, "200 201 204 400");
        if (r.status == 200 || r.status == 201) {
            wrote = true;
            std::string what = fuzz::describe(req, r);
            fuzz::JsonPtr profile = fuzz::parse_json(r.body);
            FUZZ_CHECK(json_is_object(profile.get()), "no profile: " + what);
            client.reads_back("v0/users/bob", profile.get(), what);
        }
    }

    // PUT v0/synchronizations
    wrote |=
        client.run(request("PUT", "v0/synchronizations", form, body), "204 400 422").status == 204;

    // PUT v0/synchronizations/1/events/e1
    {
        mtt::Request req = request("PUT", "v0/synchronizations/1/events/e1", form, body);
        mtt::Response r = client.run(req, "204 400 422");
        if (r.status == 204) {
            wrote = true;
            mtt::Response events =
                client.run(request("GET", "v0/synchronizations/1/events", "", ""), "200");
            FUZZ_CHECK(events.body.find("\"id\":\"e1\"") != std::string::npos,
                       "event e1 not listed after " + fuzz::describe(req, r) + ": " +
                           fuzz::show(events.body));
        }
    }

    // after a write, the store still lists
    if (!wrote)
        return 0;
    client.run(request("GET", "users", "", ""), "200");
    client.run(request("GET", "v0/users", "", ""), "200");
    client.run(request("GET", "v0/synchronizations", "", ""), "200");
    client.run(request("GET", "v0/users/alice/events", "", ""), "200 404");
    client.run(request("GET", "v0/users/alice/calendar.ics", "", ""), "200 404");
    return 0;
}
