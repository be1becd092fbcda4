// A compacted copy of the store into an unlinked file (see snapshot.h++).

#include "snapshot.h++"

#include "calendar.h++"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace mtt {

std::string snapshot_name(std::time_t t) {
    return "mytimetable-" + iso_datetime(t, IsoFormat::Basic) + ".mdb";
}

namespace {

// A file of `dir` without a name; -1 and errno set on failure.
int unnamed_file(const std::string &dir) {
#ifdef O_TMPFILE
    int fd = open(dir.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    if (fd != -1 || (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL))
        return fd;
#endif
    // no O_TMPFILE on this file system: a name that exists only for a moment
    std::string path = dir + "/.backup-XXXXXX";
    int tmp = mkostemp(path.data(), O_CLOEXEC);
    if (tmp != -1 && unlink(path.c_str()) == -1) {
        int err = errno;
        close(tmp);
        errno = err;
        return -1;
    }
    return tmp;
}

} // namespace

Snapshot snapshot(MDB_env *env, const std::string &dir) {
    Snapshot s;
    int fd = unnamed_file(dir);
    if (fd == -1) {
        s.error = "cannot create a temporary file in \"" + dir + "\": " + std::strerror(errno);
        return s;
    }
    int rc = mdb_env_copyfd2(env, fd, MDB_CP_COMPACT);
    if (rc != MDB_SUCCESS) {
        close(fd);
        s.error = std::string("mdb_env_copyfd2: ") + mdb_strerror(rc);
        return s;
    }
    s.fd = fd;
    return s;
}

} // namespace mtt
