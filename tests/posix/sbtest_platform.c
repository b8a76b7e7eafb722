/* SPDX-License-Identifier: MIT */
#include "sbtest_platform.h"

#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sbtest.h"

void sbtest__make_tmpdir(char *buf, size_t cap) {
  const char *base = getenv("TMPDIR");
  snprintf(buf, cap, "%s/sbtest-XXXXXX", base ? base : "/tmp");
  if (!mkdtemp(buf)) {
    perror("mkdtemp");
    exit(2);
  }
}

void sbtest__cleanup_tmpdir(const char *dir) {
  char cmd[600];
  if (!dir || !dir[0])
    return;
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  if (system(cmd) != 0)
    fprintf(stderr, "warning: could not remove %s\n", dir);
}

void sbtest__endpoint(const char *tag, char *buf, size_t cap) {
  snprintf(buf, cap, "%s/%s.sock", sbtest_tmpdir(), tag);
}

sbtest_proc_t sbtest_spawn_helper(const char *name, const char *const *args) {
  const char *argv[32];
  size_t n = 0;
  argv[n++] = sbtest_self();
  argv[n++] = "--helper";
  argv[n++] = name;
  while (args && *args && n < 31)
    argv[n++] = *args++;
  argv[n] = NULL;
  pid_t pid = fork();
  if (pid < 0)
    return 0;
  if (pid == 0) {
    execv(argv[0], (char *const *)argv);
    _exit(127);
  }
  return (sbtest_proc_t)pid;
}

sbtest_proc_t sbtest_spawn_helper_inherit(const char *name, intptr_t handle,
                                          const char *const *args) {
  /* fds without close-on-exec survive exec; the bootstrap pipe's child
   * end is made that way by sb__bootstrap_pipe. */
  (void)handle;
  return sbtest_spawn_helper(name, args);
}

int sbtest_wait(sbtest_proc_t p, int timeout_ms) {
  int status;
  for (int waited = 0;; waited += 10) {
    pid_t r = waitpid((pid_t)p, &status, WNOHANG);
    if (r == (pid_t)p)
      return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    if (waited >= timeout_ms) {
      sbtest_kill(p);
      return -1;
    }
    struct timespec ts = {0, 10 * 1000000L};
    nanosleep(&ts, NULL);
  }
}

void sbtest_kill(sbtest_proc_t p) {
  int status;
  kill((pid_t)p, SIGKILL);
  waitpid((pid_t)p, &status, 0);
}

int sbtest_is_windows(void) { return 0; }

int sbtest_user_is_me(const char *name) {
  /* USER may be stale (su without -l) or absent (CI containers, cron), so
   * it counts only when it names an account with our uid; an account-less
   * uid is reported by number. */
  const char *env = getenv("USER");
  struct passwd *pw = env && env[0] ? getpwnam(env) : NULL;
  char num[32];
  if (pw && pw->pw_uid == geteuid())
    return strcmp(name, env) == 0 || strcmp(name, pw->pw_name) == 0;
  if (!getpwuid(geteuid())) {
    snprintf(num, sizeof num, "%lu", (unsigned long)geteuid());
    return strcmp(name, num) == 0;
  }
  return -1;
}

int sbtest_hardlink(const char *existing, const char *link_path) {
  return link(existing, link_path) == 0 ? 0 : -1;
}

int sbtest__end(int code) { return code; }
