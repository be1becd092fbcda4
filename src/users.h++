// The user table: one record per user, shared by the v0 provisioning API, the
// user directory resource and SCIM, with a unique index username -> id, and
// the roles as groups (SCIM Groups: a role has a stable id and a record of its
// own, so that a group with no members still exists).
#pragma once

#include "store.h++"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mtt {

struct Attribute {
    std::string name;
    std::vector<std::string> values;
};

struct User {
    std::string id; // 16 raw bytes, a random GUID v4
    std::string username;
    std::optional<std::string> email, first_name, last_name, phone;
    std::optional<int64_t> last_login; // seconds since the epoch
    bool enabled = true;
    bool external = false;
    std::string password_hash; // crypto_pwhash string; empty when none was set
    // profile of the later v0 versions
    std::optional<std::string> display_name, locale;
    std::optional<std::vector<Attribute>> attributes;
    std::vector<std::string> roles;
    // record version 2 (layout 4)
    std::optional<std::string> external_id; // SCIM externalId
    // meta.created and meta.lastModified (seconds since the epoch), set by
    // put_user; none for a user last written before layout 4
    std::optional<int64_t> created, last_modified;
    uint64_t version = 0; // bumped by every put_user: the SCIM ETag W/"<version>"
};

// The directory fields of a stored record, as views of it (valid while the
// record is: in LMDB, while its transaction is open). For scans that test a
// filter on every user without building a User.
struct UserView {
    std::string_view id, username;
    std::optional<std::string_view> email, first_name, last_name, phone;
    std::optional<int64_t> last_login;
    bool enabled = true, external = false;
};
// False when the record is malformed or of an unknown version (the fields
// after these are not checked: decode_user does that).
bool view_user(std::string_view record, UserView &v);

std::string encode_user(const User &u);
// False when the record is malformed or of an unknown version.
bool decode_user(std::string_view record, User &u);

// A fresh random GUID v4 as 16 raw bytes.
std::string new_user_id();
// 16 raw bytes -> "3464e9da-f1b7-49aa-87db-7e1eebfd17a5".
std::string format_guid(std::string_view raw);
// The canonical text form (either case) -> 16 raw bytes.
std::optional<std::string> parse_guid(std::string_view text);

// Why a decoded username is refused, or nothing when it is acceptable:
// 1 to 256 bytes of UTF-8, no control characters, no '/'.
std::optional<std::string> username_problem(std::string_view name);
constexpr size_t max_username_bytes = 256;

std::optional<User> find_user(const Txn &txn, std::string_view id);
std::optional<User> find_user_by_name(const Txn &txn, std::string_view username);
// Writes `u`, keeping every index in step. `previous` is the stored record
// being replaced (nullptr for a new user); the caller has checked that a new
// username is free. Stamps `u` as it stores it: created (a new user),
// last_modified (the user clock) and version (previous's + 1). A role that
// no group record names yet gets one (new_group).
void put_user(Txn &txn, User &u, const User *previous);
// Removes the user, its index entries, its synchronizations and its events.
void delete_user(Txn &txn, const User &u);

// The clock put_user and the groups stamp records with (seconds since the
// epoch); nullptr: the system clock. Tests fix it.
using UserClock = int64_t (*)();
void set_user_clock(UserClock clock);
int64_t user_clock_now();

// ---------------------------------------------------------------- case folding

// The key part of users_by_name_fold: the username with every code point
// case-folded (Unicode full case folding, as the SCIM
// filter compares userName: case_fold in text.h++), cut at max_fold_bytes on a code
// point boundary. Two usernames that differ only by case have the same fold.
// The index key is fold + NUL + username: the v0 API and the directory keep
// usernames unique as bytes (two names that differ only by case may both
// exist, as they could before layout 4), SCIM refuses a userName whose fold
// another user holds (409 uniqueness).
std::string fold_username(std::string_view username);
constexpr size_t max_fold_bytes = 254;
// The users whose username folds as `username` does (by case-insensitive
// equality: the caller compares more strictly if it needs to), in username
// byte order.
std::vector<User> find_users_by_fold(const Txn &txn, std::string_view username);
// The users whose externalId is `external_id` (case-exact), in id order.
std::vector<User> find_users_by_external_id(const Txn &txn, std::string_view external_id);
// externalId is at most this long (the index key holds it whole).
constexpr size_t max_external_id_bytes = 256;

// ---------------------------------------------------------------- groups

// A role as a SCIM Group: its members are the users whose roles hold `name`
// (the users_by_role index).
struct Group {
    std::string id; // 16 raw bytes, a random GUID v4 given when the role is first seen
    std::string name;
    std::optional<std::string> external_id;
    std::optional<int64_t> created, last_modified;
    uint64_t version = 0;
};
std::string encode_group(const Group &g);
bool decode_group(std::string_view record, Group &g);

std::optional<Group> find_group(const Txn &txn, std::string_view id);
std::optional<Group> find_group_by_name(const Txn &txn, std::string_view name);
// Writes `g` (stamped as put_user stamps users), keeping groups_by_name in
// step; `previous` is the stored record (nullptr: a new group). A rename
// does not touch the members: the caller renames their roles.
void put_group(Txn &txn, Group &g, const Group *previous);
// The group record of a role that has none yet: a new id, stamped now.
Group new_group(Txn &txn, std::string_view name);
// Removes the group record only (the caller takes the role from its members).
void delete_group_record(Txn &txn, const Group &g);
// The ids of the users holding `role`, in id order.
std::vector<std::string> role_members(const Txn &txn, std::string_view role);
// Creates a user with only a username when none exists; true when created.
bool ensure_user(Txn &txn, std::string_view username);

} // namespace mtt
