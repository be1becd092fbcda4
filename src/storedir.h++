// Checks of the store directory that the master makes before the workers
// open it: plain POSIX, no nginx.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace mtt {

// True when a process of user `uid` in groups `gids` may create files in a
// directory of owner `owner`, group `group` and permission bits `mode` (write
// and search permission, by the owner, group or other class that applies,
// as the kernel decides it; root may always).
bool dir_writable_by(uid_t owner, gid_t group, mode_t mode, uid_t uid,
                     const std::vector<gid_t> &gids);

// The user's primary and supplementary groups (getgrouplist), as the workers
// have them after nginx's initgroups().
std::vector<gid_t> groups_of(const std::string &user, gid_t primary);

} // namespace mtt
