/* SPDX-License-Identifier: MIT */
/* The sbtest runner: `sbtest NAME` runs one test, `sbtest --list` lists
 * them, `sbtest --helper NAME args` runs a helper process. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sbtest.h"
#include "sessionbridge.h"
#include "sbtest_platform.h"
#include "sbtest_run.h"
#include "test-list.h"

static const char *self_path;
static char tmpdir[512];

void sbtest_fail(const char *file, int line, const char *expr,
                 const char *detail) {
  fprintf(stderr, "FAIL %s:%d: %s%s%s\n", file, line, expr,
          detail ? " -- " : "", detail ? detail : "");
  fflush(stderr);
  exit(sbtest__end(1));
}

void sbtest_skip(const char *why) {
  printf("SKIP: %s\n", why);
  fflush(stdout);
  exit(sbtest__end(77));
}

int sbtest_ms(int ms) {
  const char *m = getenv("SB_TEST_TIMEOUT_MULT");
  int mult = m ? atoi(m) : 1;
  if (mult < 1)
    mult = 1;
  return ms * mult;
}

const char *sbtest_self(void) { return self_path; }

/* sbtest lives in the same directory as the programs it runs. */
void sbtest_bin_path(const char *name, char *buf, size_t cap) {
  const char *sep = strrchr(self_path, '/');
  const char *bs = strrchr(self_path, '\\');
  if (!sep || (bs && bs > sep))
    sep = bs;
  int dir = sep ? (int)(sep - self_path) : 1;
  snprintf(buf, cap, "%.*s/%s%s", dir, sep ? self_path : ".", name,
           SB_EXE_SUFFIX);
}

/* The platform's part is sbtest_run_program_env (tests/posix, tests/win). */
int sbtest_run_program(const char *path, const char *const *args,
                       int timeout_ms) {
  return sbtest_run_program_env(path, args, NULL, NULL, NULL, timeout_ms);
}

const char *sbtest_tmpdir(void) {
  if (!tmpdir[0])
    sbtest__make_tmpdir(tmpdir, sizeof tmpdir);
  return tmpdir;
}

void sbtest_endpoint(const char *tag, char *buf, size_t cap) {
  sbtest__endpoint(tag, buf, cap);
}

void sbtest_fill(uint8_t *buf, size_t len, uint32_t seed) {
  uint32_t x = seed * 2654435761u + 1u;
  for (size_t i = 0; i < len; i++) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    buf[i] = (uint8_t)x;
  }
}

static void log_to_stderr(void *arg, sb_log_level_t level, const char *msg) {
  (void)arg;
  fprintf(stderr, "[%s] %s\n", sb_log_level_name(level), msg);
}

int main(int argc, char **argv) {
  self_path = argv[0];
  setvbuf(stdout, NULL, _IONBF, 0);
  if (getenv("SB_TEST_LOG"))
    sb_log_set_sink(log_to_stderr, NULL, SB_LOG_DEBUG);
  if (sb_init() != 0) {
    fprintf(stderr, "sb_init failed\n");
    return 2;
  }
  if (argc >= 2 && strcmp(argv[1], "--list") == 0) {
    for (size_t i = 0; i < sizeof sbtest_list / sizeof sbtest_list[0]; i++)
      printf("%s\n", sbtest_list[i].name);
    return 0;
  }
  if (argc >= 3 && strcmp(argv[1], "--helper") == 0) {
    for (size_t i = 0; i < sizeof sbhelper_list / sizeof sbhelper_list[0]; i++)
      if (sbhelper_list[i].fn && strcmp(sbhelper_list[i].name, argv[2]) == 0)
        return sbhelper_list[i].fn(argc - 3, argv + 3);
    fprintf(stderr, "no helper %s\n", argv[2]);
    return 2;
  }
  if (argc != 2) {
    fprintf(stderr, "usage: %s NAME | --list | --helper NAME ...\n", argv[0]);
    return 2;
  }
  for (size_t i = 0; i < sizeof sbtest_list / sizeof sbtest_list[0]; i++) {
    if (strcmp(sbtest_list[i].name, argv[1]) == 0) {
      /* A failure with no START line is a program that never reached
       * main (under Wine: the loader), not a test that failed. */
      printf("START %s\n", argv[1]);
      sbtest_list[i].fn();
      sbtest__cleanup_tmpdir(tmpdir);
      printf("PASS %s\n", argv[1]);
      return sbtest__end(0);
    }
  }
  fprintf(stderr, "no test %s\n", argv[1]);
  return 2;
}
