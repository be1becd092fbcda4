#include "storedir.h++"

#include <grp.h>
#include <sys/stat.h>

#include <algorithm>

namespace mtt {

bool dir_writable_by(uid_t owner, gid_t group, mode_t mode, uid_t uid,
                     const std::vector<gid_t> &gids) {
    if (uid == 0)
        return true;
    // the kernel uses the first class that applies, not the most generous one
    if (uid == owner)
        return (mode & (S_IWUSR | S_IXUSR)) == (S_IWUSR | S_IXUSR);
    if (std::find(gids.begin(), gids.end(), group) != gids.end())
        return (mode & (S_IWGRP | S_IXGRP)) == (S_IWGRP | S_IXGRP);
    return (mode & (S_IWOTH | S_IXOTH)) == (S_IWOTH | S_IXOTH);
}

std::vector<gid_t> groups_of(const std::string &user, gid_t primary) {
    std::vector<gid_t> gids(32);
    int n = static_cast<int>(gids.size());
    if (getgrouplist(user.c_str(), primary, gids.data(), &n) == -1) {
        gids.resize(static_cast<size_t>(n));
        if (getgrouplist(user.c_str(), primary, gids.data(), &n) == -1)
            return {primary};
    }
    gids.resize(static_cast<size_t>(n));
    return gids;
}

} // namespace mtt
