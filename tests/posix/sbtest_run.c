/* SPDX-License-Identifier: MIT */
/* POSIX: run a sibling program (see sbtest_run.h). */
#include <stdio.h>
#include <unistd.h>

#include "sbtest.h"
#include "sbtest_platform.h"
#include "sbtest_run.h"

int sbtest_run_program(const char *path, const char *const *args,
                       int timeout_ms) {
  const char *argv[64];
  size_t n = 0;
  argv[n++] = path;
  for (; args && *args && n < 63; args++)
    argv[n++] = *args;
  argv[n] = NULL;
  fflush(stdout); /* the child's output must not come before ours */
  pid_t pid = fork();
  if (pid < 0)
    return -1;
  if (pid == 0) {
    execv(path, (char *const *)argv);
    _exit(127);
  }
  return sbtest_wait((sbtest_proc_t)pid, timeout_ms);
}
