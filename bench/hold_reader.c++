// bench/hold_reader: holds one read transaction on a store for a while, for
// the experiment of bench/profile.md ("what bounds the durable PUT"). While a
// read transaction is open, LMDB cannot reuse the pages freed after it began,
// so the writers meanwhile take new pages at the end of data.mdb, one run of
// adjacent pages per commit, instead of freed pages scattered over the file.
// The store grows by every page written meanwhile: an experiment, not a mode.
#include <lmdb.h>

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace {

const char usage[] = "usage: hold_reader STORE SECONDS\n"
                     "\n"
                     "Opens the LMDB store in the directory STORE read-only, begins one read\n"
                     "transaction, keeps it for SECONDS (1 to 3600) and ends it.\n";

int fail(const char *what, int rc) {
    std::fprintf(stderr, "hold_reader: %s: %s\n", what, mdb_strerror(rc));
    return 2;
}

} // namespace

int main(int argc, char **argv) {
    long seconds = argc == 3 ? std::strtol(argv[2], nullptr, 10) : 0;
    if (argc != 3 || seconds < 1 || seconds > 3600) {
        std::fputs(usage, stderr);
        return 2;
    }
    MDB_env *env = nullptr;
    int rc = mdb_env_create(&env);
    if (rc != MDB_SUCCESS)
        return fail("mdb_env_create", rc);
    mdb_env_set_maxdbs(env, 24);
    // the module's defaults (src/store.h++): the same map and reader table
    mdb_env_set_mapsize(env, size_t(1) << 30);
    mdb_env_set_maxreaders(env, 1022);
    rc = mdb_env_open(env, argv[1], MDB_RDONLY | MDB_NOTLS, 0600);
    if (rc != MDB_SUCCESS)
        return fail(argv[1], rc);
    MDB_txn *txn = nullptr;
    rc = mdb_txn_begin(env, nullptr, MDB_RDONLY, &txn);
    if (rc != MDB_SUCCESS)
        return fail("mdb_txn_begin", rc);
    sleep(static_cast<unsigned>(seconds));
    mdb_txn_abort(txn);
    mdb_env_close(env);
    return 0;
}
