/* SPDX-License-Identifier: MIT */
/* Minimal test harness. One runner binary (sbtest) holds every test; each
 * test is its own CTest case (`sbtest NAME`), so `ctest -R frame` works.
 * A test fails by exiting non-zero from a CHECK; helper processes (the peer
 * of a pipe test, say) are `sbtest --helper NAME args...`.
 *
 * Tests are found by CMake scanning tests/test_*.c for SB_TEST(name) and
 * SB_HELPER(name), so adding a test is adding a function. */
#ifndef SBTEST_H
#define SBTEST_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SB_TEST(name) void sbtest_##name(void)
#define SB_HELPER(name) int sbhelper_##name(int argc, char **argv)

void sbtest_fail(const char *file, int line, const char *expr,
                 const char *detail);
/* Timeout scaled by SB_TEST_TIMEOUT_MULT (set for Wine). */
int sbtest_ms(int ms);
/* Path of the running test binary (for spawning helpers). */
const char *sbtest_self(void);
/* A scratch directory unique to this test process. */
const char *sbtest_tmpdir(void);
/* A unique endpoint name for this test process (pipe or socket path). */
void sbtest_endpoint(const char *tag, char *buf, size_t cap);
/* Fill buf with len bytes from a fixed deterministic sequence. */
void sbtest_fill(uint8_t *buf, size_t len, uint32_t seed);
/* Skip this test with a reason (exit code 77, which CTest reports as
 * skipped). */
void sbtest_skip(const char *why);

#define CHECK(cond)                                                           \
  do {                                                                        \
    if (!(cond))                                                              \
      sbtest_fail(__FILE__, __LINE__, #cond, NULL);                           \
  } while (0)

#define CHECK_EQ(a, b)                                                        \
  do {                                                                        \
    long long a_ = (long long)(a), b_ = (long long)(b);                       \
    if (a_ != b_) {                                                           \
      char d_[96];                                                            \
      snprintf(d_, sizeof d_, "%lld != %lld", a_, b_);                        \
      sbtest_fail(__FILE__, __LINE__, #a " == " #b, d_);                      \
    }                                                                         \
  } while (0)

/* expr must return 0; on failure prints the SB_E* name. */
#define CHECK_OK(expr)                                                        \
  do {                                                                        \
    int r_ = (expr);                                                          \
    if (r_ != 0)                                                              \
      sbtest_fail(__FILE__, __LINE__, #expr, sb_err_name(r_));                \
  } while (0)

/* expr must return exactly the error err. */
#define CHECK_ERR(expr, err)                                                  \
  do {                                                                        \
    int r_ = (expr);                                                          \
    if (r_ != (err)) {                                                        \
      char d_[128];                                                           \
      snprintf(d_, sizeof d_, "got %s, want %s", sb_err_name(r_),            \
               sb_err_name(err));                                             \
      sbtest_fail(__FILE__, __LINE__, #expr, d_);                             \
    }                                                                         \
  } while (0)

#define CHECK_MEM(a, b, n) CHECK(memcmp((a), (b), (n)) == 0)

#endif
