#include "storedir.h++"
#include "unit.h++"

#include <sys/stat.h>
#include <unistd.h>

using namespace mtt;

START_TEST(owner_group_and_other_classes) {
    // owner 1000, group 100
    ck_assert(dir_writable_by(1000, 100, 0700, 1000, {1000}));
    ck_assert(!dir_writable_by(1000, 100, 0500, 1000, {1000}));
    ck_assert(!dir_writable_by(1000, 100, 0600, 1000, {1000}));
    // the owner class applies to the owner even when group or other would allow
    ck_assert(!dir_writable_by(1000, 100, 0577, 1000, {100}));
    ck_assert(dir_writable_by(1000, 100, 0070, 2000, {2000, 100}));
    ck_assert(!dir_writable_by(1000, 100, 0707, 2000, {100}));
    ck_assert(dir_writable_by(1000, 100, 0007, 2000, {2000}));
    ck_assert(!dir_writable_by(1000, 100, 0755, 2000, {2000}));
    ck_assert(!dir_writable_by(0, 0, 0755, 65534, {65534}));
    ck_assert(dir_writable_by(0, 0, 0700, 0, {0}));
}
END_TEST

START_TEST(groups_of_a_user) {
    auto gids = groups_of("root", 0);
    ck_assert(!gids.empty());
    ck_assert_uint_eq(gids[0], 0);
    auto none = groups_of("no-such-user-mtt", 4242);
    ck_assert_uint_eq(none.size(), 1);
    ck_assert_uint_eq(none[0], 4242);
}
END_TEST

int main() {
    Suite *s = suite_create("storedir");
    TCase *tc = tcase_create("storedir");
    tcase_add_test(tc, owner_group_and_other_classes);
    tcase_add_test(tc, groups_of_a_user);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
