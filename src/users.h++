// The user table: one record per user, shared by the v0 provisioning API and
// the user directory resource, with a unique index username -> id.
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
// Writes `u`, keeping the username index in step. `previous` is the stored
// record being replaced (nullptr for a new user); the caller has checked that
// a new username is free.
void put_user(Txn &txn, const User &u, const User *previous);
// Removes the user, its index entry, its synchronizations and its events.
void delete_user(Txn &txn, const User &u);
// Creates a user with only a username when none exists; true when created.
bool ensure_user(Txn &txn, std::string_view username);

} // namespace mtt
