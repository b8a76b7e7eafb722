/* SPDX-License-Identifier: MIT */
/* POSIX: run a sibling program (see sbtest_run.h). */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sbtest.h"
#include "sbtest_platform.h"
#include "sbtest_run.h"

int sbtest_run_program_env(const char *path, const char *const *args,
                           const char *name, const char *value,
                           const char *out_path, int timeout_ms) {
  const char *argv[64];
  size_t n = 0, ne = 0, k = 0, nl = name ? strlen(name) : 0;
  char **envp, *assign = NULL;
  int fd = -1;
  argv[n++] = path;
  for (; args && *args && n < 63; args++)
    argv[n++] = *args;
  argv[n] = NULL;
  /* The child's environment is made here, before the fork: the child of
   * a process with threads (a test's servers) may make only
   * async-signal-safe calls, and setenv is not one. */
  for (char **e = environ; *e; e++)
    ne++;
  envp = calloc(ne + 2, sizeof *envp);
  if (!envp)
    return -1;
  for (char **e = environ; *e; e++)
    if (!name || strncmp(*e, name, nl) != 0 || (*e)[nl] != '=')
      envp[k++] = *e;
  if (name && value) {
    size_t len = nl + strlen(value) + 2;
    if (!(assign = malloc(len))) {
      free(envp);
      return -1;
    }
    snprintf(assign, len, "%s=%s", name, value);
    envp[k++] = assign;
  }
  envp[k] = NULL;
  if (out_path &&
      (fd = open(out_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)) <
          0) {
    free(assign);
    free(envp);
    return -1;
  }
  fflush(stdout); /* the child's output must not come before ours */
  pid_t pid = fork();
  if (pid == 0) {
    /* dup2 leaves the copies open across exec (no FD_CLOEXEC). */
    if (fd >= 0 && (dup2(fd, 1) < 0 || dup2(fd, 2) < 0))
      _exit(127);
    execve(path, (char *const *)argv, envp);
    _exit(127);
  }
  if (fd >= 0)
    close(fd);
  free(assign);
  free(envp);
  if (pid < 0)
    return -1;
  return sbtest_wait((sbtest_proc_t)pid, timeout_ms);
}
