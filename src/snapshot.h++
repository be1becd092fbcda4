// A consistent, compacted copy of a live store into an unlinked file: what a
// backup sends. Plain C++ over LMDB, no nginx; src/ngx/backup runs it in a
// thread of nginx's pool and sends the file.
#pragma once

#include <lmdb.h>

#include <ctime>
#include <string>

namespace mtt {

// The file name a backup taken at `t` is offered under:
// mytimetable-YYYYMMDDTHHMMSSZ.mdb (UTC).
std::string snapshot_name(std::time_t t);

// The outcome of snapshot(): fd is an open, unlinked file (read from 0) that
// holds the copy, or -1 with `error` saying which step failed and why.
struct Snapshot {
    int fd = -1;
    std::string error;
};

// Copies the store into a file of `dir` that has no name (O_TMPFILE; where
// the file system has none, a name removed at once), with
// mdb_env_copyfd2(MDB_CP_COMPACT): one read transaction, so the copy is of
// one commit, with free pages left out. Writers go on meanwhile; LMDB's copy
// goes through two 1 MiB buffers, whatever the store's size. The file lives
// as long as its descriptor: closing it (or the process dying) frees it.
// Blocks for as long as the copy takes: call it off the event loop.
Snapshot snapshot(MDB_env *env, const std::string &dir);

} // namespace mtt
