// Shared helpers for the Check unit tests: each t/unit/test_*.c++ builds its
// own Suite and calls run_suite() from main().
#pragma once

#include <check.h>
#include <cstdlib>

inline int run_suite(Suite *s) {
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

#include <string>

// ck_assert_str_eq on std::string values: the temporaries must outlive the
// macro's own copies of the pointers.
#define ck_assert_string_eq(X, Y)                                                                  \
    do {                                                                                           \
        const std::string ck_x_ = (X);                                                             \
        const std::string ck_y_ = (Y);                                                             \
        ck_assert_str_eq(ck_x_.c_str(), ck_y_.c_str());                                            \
    } while (0)

#include <cstdio>
#include <cstdlib>
#include <string>

// A fresh empty directory for one test's LMDB environment, removed with it.
class TempDir {
  public:
    TempDir() {
        const char *base = std::getenv("CK_TMPDIR");
        path_ = std::string(base ? base : "/tmp") + "/mtt-unit-XXXXXX";
        if (!mkdtemp(path_.data()))
            std::abort();
    }
    ~TempDir() { std::system(("rm -rf '" + path_ + "'").c_str()); }
    const std::string &path() const { return path_; }

  private:
    std::string path_;
};

#include "store.h++"

// The options of a small store (1 MiB map) in `dir`.
inline mtt::EnvOptions store_options(const TempDir &dir) {
    mtt::EnvOptions o;
    o.path = dir.path();
    o.map_size = 1 << 20;
    return o;
}
