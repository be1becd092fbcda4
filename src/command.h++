// One shape for every route: parse the request into a command, then apply
// the command in a transaction that the router owns.
//
// How a route is written (see v0.c++ and directory.c++ for all of them):
//
//     // GET v0/users/{username}
//     Parsed v0_get_user(const Request &req, const Params &p, const Settings &settings) {
//         std::string name;
//         Response bad;
//         if (!username_param(p[0], name, bad))
//             return bad;                                // refused: answered as it is
//         return then([name](Txn &txn, const Scope &) {  // the command
//             auto u = find_user_by_name(txn, name);
//             return u ? profile_response(200, *u) : no_user(name);
//         });
//     }
//
// and one line in the routing table (api.c++): {"GET", "v0/users/{username}", v0_get_user}.
//
// parse (the function above) runs on the event loop before any transaction
// is open: it decodes the path parameters, the query and the body, validates
// them, and returns either the refusal (a Response, usually a 4xx) or the
// command, which owns every value it needs (copy out of the request: its
// views do not outlive parse). It never touches the store.
//
// apply (the lambda) runs in the transaction the router hands it: for a GET
// (and HEAD) the read transaction whose snapshot the answer cache is keyed
// on; for a write the batch's write transaction (group commit). It never
// opens, commits or aborts a transaction: the router commits when apply
// answers a success (status below 400) and undoes what it changed otherwise.
// A batch that one failed write spoiled runs again, its writes nested, with
// the same commands: apply may run twice and must not consume what it
// captured (it is const). Exceptions: a StoreError becomes the answer of
// store_failure(), anything else a JSON 500; both are logged by the caller.
//
// Slow preparation is a property of the command, not a second routing: a
// command that stores a password carries it in `password` (use then(f, pw));
// the nginx side hashes it in its thread pool before the write is queued,
// and apply takes pw->hash(), which makes the hash itself when nobody did. A
// read that may be long (a directory query over many users) carries it in
// `ahead` (then(f, ahead)): the nginx side may run it in its thread pool, in
// a read transaction of its own, before apply answers from what it found.
#pragma once

#include "http.h++"
#include "router.h++"
#include "store.h++"

#include <exception>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

namespace mtt {

struct Settings;

// What apply may use besides its transaction.
struct Scope {
    const Env &env; // for answers streamed in read transactions of their own
    const Settings &settings;
    std::string_view base_url; // the request's: absolute, ending in '/'
    int64_t now = 0;           // the request's time, seconds since the epoch
};

// A password a command stores, valid (parse checked it). Its Argon2id hash
// is slow to make (about 25 ms and 19 MiB): hash_now() may run in any thread,
// before apply; the text is wiped when the command is destroyed.
class PasswordToHash {
  public:
    explicit PasswordToHash(std::string text) : text_(std::move(text)) {}
    ~PasswordToHash();
    PasswordToHash(const PasswordToHash &) = delete;
    PasswordToHash &operator=(const PasswordToHash &) = delete;

    const std::string &text() const { return text_; }
    // Makes the hash; throws std::bad_alloc when libsodium has no memory.
    void hash_now();
    bool hashed() const { return !hash_.empty(); }
    // The hash, made now if nobody made it yet.
    const std::string &hash();

  private:
    std::string text_, hash_;
};

// A long read of a command, which may run ahead of apply, off the event loop.
class ReadAhead {
  public:
    virtual ~ReadAhead() = default;
    // On the event loop, in the router's read transaction: true when the read
    // may take more than `rows` users and index entries, worth a thread.
    virtual bool long_read(const Txn &txn, uint64_t rows) const = 0;
    // In any thread, in a read transaction of its own; no exception leaves it.
    virtual void run(const Env &env) noexcept = 0;
    // Whether run() ran (else apply reads in its own transaction), and the
    // snapshot it read.
    virtual bool ran() const = 0;
    virtual uint64_t snapshot() const = 0;
};

class Command {
  public:
    virtual ~Command() = default;
    virtual Response apply(Txn &txn, const Scope &at) const = 0;

    // Slow preparation before apply: a password to hash; null when none.
    std::shared_ptr<PasswordToHash> password;
    // A read that may run ahead of apply; null when none.
    std::shared_ptr<ReadAhead> ahead;
};

// What parse returns: the command, or the answer that refuses the request.
struct Parsed {
    Parsed(Response refusal) : answer(std::move(refusal)) {}
    Parsed(std::unique_ptr<Command> c) : command(std::move(c)) {}

    std::unique_ptr<Command> command; // null: `answer` is the whole answer
    Response answer;
};

// A route's parse: the signature of every entry of the routing table.
using Parse = Parsed (*)(const Request &req, const Params &params, const Settings &settings);

template <class Apply> class CommandOf : public Command {
  public:
    explicit CommandOf(Apply f) : f_(std::move(f)) {}
    Response apply(Txn &txn, const Scope &at) const override { return f_(txn, at); }

  private:
    Apply f_;
};

// The command that calls `f(Txn &, const Scope &) -> Response`, with the
// password it stores (which `f` captured too), if any.
template <class Apply> Parsed then(Apply f, std::shared_ptr<PasswordToHash> password = nullptr) {
    auto c = std::make_unique<CommandOf<Apply>>(std::move(f));
    c->password = std::move(password);
    return Parsed(std::unique_ptr<Command>(std::move(c)));
}

// A read whose whole answer may be made ahead, off the event loop: `make`
// runs either in run() (any thread, a read transaction of its own, the
// request's base URL and time as parse saw them) or, when nobody ran it
// ahead, in answer() (the router's transaction). `is_long` is long_read.
// An exception of an ahead run is thrown again by answer(), on the event
// loop, where the router turns it into an error answer.
class AnswerAhead : public ReadAhead {
  public:
    using Make = std::function<Response(Txn &, const Scope &)>;
    using IsLong = std::function<bool(const Txn &, uint64_t rows)>;
    AnswerAhead(Make make, IsLong is_long, const Settings &settings, const Request &req)
        : make_(std::move(make)), is_long_(std::move(is_long)), settings_(settings),
          base_url_(req.base_url), now_(req.now) {}

    bool long_read(const Txn &txn, uint64_t rows) const override { return is_long_(txn, rows); }
    void run(const Env &env) noexcept override {
        try {
            Txn txn(env, Txn::ReadAnyThread);
            snapshot_ = txn.snapshot();
            answer_ = make_(txn, Scope{env, settings_, base_url_, now_});
        } catch (...) {
            failure_ = std::current_exception();
        }
        ran_ = true;
    }
    bool ran() const override { return ran_; }
    uint64_t snapshot() const override { return snapshot_; }

    // The answer: the one made ahead (once), or made now in `txn`.
    Response answer(Txn &txn, const Scope &at) const {
        if (!ran_)
            return make_(txn, at);
        if (failure_)
            std::rethrow_exception(failure_);
        return std::move(answer_);
    }

  private:
    Make make_;
    IsLong is_long_;
    const Settings &settings_; // the worker's, which outlives its requests
    std::string base_url_;
    int64_t now_;
    bool ran_ = false;
    uint64_t snapshot_ = 0;
    mutable Response answer_;
    std::exception_ptr failure_;
};

// The command that calls `f`, with the long read (which `f` captured too)
// that may run ahead of it.
template <class Apply> Parsed then(Apply f, std::shared_ptr<ReadAhead> ahead) {
    auto c = std::make_unique<CommandOf<Apply>>(std::move(f));
    c->ahead = std::move(ahead);
    return Parsed(std::unique_ptr<Command>(std::move(c)));
}

} // namespace mtt
