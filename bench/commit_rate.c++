// bench/commit_rate: the raw rate of one-write-per-synced-LMDB-commit on a
// filesystem. It creates a fresh LMDB environment in a temporary directory
// under --dir, with LMDB's default durability (every commit synced), does up to
// --count write transactions of one small put each, stops early after
// --seconds, removes the directory and prints the commits per second.
#include <lmdb.h>

#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

namespace {

const char usage[] =
    "usage: commit_rate [--dir DIR] [--count N] [--seconds S]\n"
    "\n"
    "Measures one-write-per-synced-LMDB-commit: in a fresh LMDB environment in a\n"
    "temporary directory under DIR (default: the current directory; use the\n"
    "filesystem of the store you compare with), N write transactions (default 2000),\n"
    "each one mdb_put of a 16-byte key and a 100-byte value then mdb_txn_commit,\n"
    "with LMDB's default sync on commit. Stops after S seconds (default 5) if N is\n"
    "not reached. Prints \"commits N seconds T rate R\" (R in commits/s).\n";

[[noreturn]] void fail(const std::string &why) {
    std::fprintf(stderr, "commit_rate: %s\n", why.c_str());
    std::exit(2);
}

void check(int rc, const char *what) {
    if (rc != MDB_SUCCESS)
        fail(std::string(what) + ": " + mdb_strerror(rc));
}

} // namespace

int main(int argc, char **argv) {
    std::string dir = ".";
    unsigned long count = 2000;
    double seconds = 5;
    for (int a = 1; a < argc; ++a) {
        std::string opt = argv[a];
        if (opt == "--help" || opt == "-h") {
            std::fputs(usage, stdout);
            return 0;
        }
        if (a + 1 >= argc)
            fail(opt + " needs a value (--help for the options)");
        const char *v = argv[++a];
        if (opt == "--dir")
            dir = v;
        else if (opt == "--count")
            count = std::strtoul(v, nullptr, 10);
        else if (opt == "--seconds")
            seconds = std::strtod(v, nullptr);
        else
            fail("unknown option " + opt + " (--help for the options)");
    }
    if (count == 0 || !(seconds > 0))
        fail("--count and --seconds must be positive");

    std::string tmpl = dir + "/commit-rate-XXXXXX";
    if (!mkdtemp(tmpl.data()))
        fail("mkdtemp(" + tmpl + "): " + std::strerror(errno));
    std::string env_dir = tmpl;

    MDB_env *env;
    check(mdb_env_create(&env), "mdb_env_create");
    check(mdb_env_set_mapsize(env, size_t(64) << 20), "mdb_env_set_mapsize");
    check(mdb_env_open(env, env_dir.c_str(), 0, 0600), "mdb_env_open");
    MDB_dbi dbi;
    {
        MDB_txn *txn;
        check(mdb_txn_begin(env, nullptr, 0, &txn), "mdb_txn_begin");
        check(mdb_dbi_open(txn, nullptr, 0, &dbi), "mdb_dbi_open");
        check(mdb_txn_commit(txn), "mdb_txn_commit");
    }

    char value[100];
    std::memset(value, 'v', sizeof value);
    auto t0 = std::chrono::steady_clock::now();
    double elapsed = 0;
    unsigned long done = 0;
    while (done < count) {
        char key[24];
        std::snprintf(key, sizeof key, "%016lu", done);
        MDB_val k{16, key}, v{sizeof value, value};
        MDB_txn *txn;
        check(mdb_txn_begin(env, nullptr, 0, &txn), "mdb_txn_begin");
        check(mdb_put(txn, dbi, &k, &v, 0), "mdb_put");
        check(mdb_txn_commit(txn), "mdb_txn_commit");
        ++done;
        elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        if (elapsed >= seconds)
            break;
    }
    mdb_env_close(env);
    for (const char *f : {"/data.mdb", "/lock.mdb"})
        unlink((env_dir + f).c_str());
    rmdir(env_dir.c_str());

    std::printf("commits %lu seconds %.3f rate %.1f\n", done, elapsed, done / elapsed);
    return 0;
}
