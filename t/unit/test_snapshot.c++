// The compacted copy of a store that a backup sends (src/snapshot).
#include "snapshot.h++"
#include "store.h++"
#include "unit.h++"
#include "users.h++"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <vector>

using namespace mtt;

namespace {

std::vector<std::string> entries(const std::string &dir) {
    std::vector<std::string> out;
    DIR *d = opendir(dir.c_str());
    ck_assert_ptr_nonnull(d);
    while (dirent *e = readdir(d))
        if (std::string(e->d_name) != "." && std::string(e->d_name) != "..")
            out.emplace_back(e->d_name);
    closedir(d);
    return out;
}

size_t count_users(const Env &env) {
    Txn txn(env, Txn::Read);
    size_t n = 0;
    Cursor c(txn, txn.tables().users_by_name);
    for (bool ok = c.first(); ok; ok = c.next())
        n++;
    return n;
}

// Writes the descriptor's whole content, from its start, into dir/data.mdb.
void restore(int fd, const std::string &dir) {
    int out = open((dir + "/data.mdb").c_str(), O_WRONLY | O_CREAT | O_EXCL, 0600);
    ck_assert_int_ne(out, -1);
    char buf[65536];
    off_t pos = 0;
    ssize_t n;
    while ((n = pread(fd, buf, sizeof buf, pos)) > 0) {
        ck_assert_int_eq(write(out, buf, n), n);
        pos += n;
    }
    ck_assert_int_eq(n, 0);
    close(out);
}

} // namespace

START_TEST(name_is_the_utc_time) {
    ck_assert_string_eq(snapshot_name(0), "mytimetable-19700101T000000Z.mdb");
    ck_assert_string_eq(snapshot_name(1796294096), "mytimetable-20261203T103456Z.mdb");
}
END_TEST

START_TEST(copy_restores_every_committed_write_and_leaves_no_file) {
    TempDir dir, restored;
    Env env(store_options(dir));
    {
        Txn txn(env, Txn::Write);
        for (int i = 0; i < 500; i++)
            ensure_user(txn, "user" + std::to_string(i));
        txn.commit();
    }
    {
        // removed before the copy: a compacted copy leaves their pages out
        Txn txn(env, Txn::Write);
        for (int i = 0; i < 400; i++) {
            auto u = find_user_by_name(txn, "user" + std::to_string(i));
            ck_assert(u.has_value());
            delete_user(txn, *u);
        }
        txn.commit();
    }
    // a write in progress during the copy is not in it
    Txn pending(env, Txn::Write);
    ensure_user(pending, "uncommitted");
    Snapshot s = snapshot(env.get(), dir.path());
    pending.commit();
    ck_assert_msg(s.fd != -1, "%s", s.error.c_str());
    // the file has no name: the store's directory holds only the store
    auto names = entries(dir.path());
    ck_assert_uint_eq(names.size(), 2);
    struct stat st;
    ck_assert_int_eq(fstat(s.fd, &st), 0);
    ck_assert_uint_eq(st.st_nlink, 0);
    struct stat data;
    ck_assert_int_eq(stat((dir.path() + "/data.mdb").c_str(), &data), 0);
    ck_assert_int_lt(st.st_size, data.st_size);

    restore(s.fd, restored.path());
    close(s.fd);
    Env copy(store_options(restored));
    ck_assert_uint_eq(count_users(copy), 100);
    Txn txn(copy, Txn::Read);
    ck_assert(find_user_by_name(txn, "user499").has_value());
    ck_assert(!find_user_by_name(txn, "user0").has_value());
    ck_assert(!find_user_by_name(txn, "uncommitted").has_value());
}
END_TEST

START_TEST(a_directory_that_is_not_there_is_named) {
    TempDir dir;
    Env env(store_options(dir));
    Snapshot s = snapshot(env.get(), dir.path() + "/missing");
    ck_assert_int_eq(s.fd, -1);
    ck_assert_msg(
        s.error.find("cannot create a temporary file in \"" + dir.path() + "/missing\"") == 0, "%s",
        s.error.c_str());
}
END_TEST

int main() {
    Suite *s = suite_create("snapshot");
    TCase *tc = tcase_create("snapshot");
    tcase_add_test(tc, name_is_the_utc_time);
    tcase_add_test(tc, copy_restores_every_committed_write_and_leaves_no_file);
    tcase_add_test(tc, a_directory_that_is_not_there_is_named);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
