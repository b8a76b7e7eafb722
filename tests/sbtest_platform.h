/* SPDX-License-Identifier: MIT */
/* Per-platform pieces of the test harness (tests/posix, tests/win). */
#ifndef SBTEST_PLATFORM_H
#define SBTEST_PLATFORM_H

#include <stddef.h>
#include <stdint.h>

void sbtest__make_tmpdir(char *buf, size_t cap);
void sbtest__cleanup_tmpdir(const char *dir);
void sbtest__endpoint(const char *tag, char *buf, size_t cap);

/* 1 on Windows (Wine), 0 on POSIX: lets a portable test state the
 * platform's expected value without #ifdef. */
int sbtest_is_windows(void);

/* Make `link_path` a second hard link to `existing`: 0, or -1. */
int sbtest_hardlink(const char *existing, const char *link_path);

/* Whether `name` names the account this process runs as: 1 yes, 0 no,
 * -1 when the platform gives nothing independent to compare with
 * (Windows: USERNAME unset; POSIX: USER unset or naming no account). */
int sbtest_user_is_me(const char *name);

/* Start `sbtest --helper NAME args...` (args NULL-terminated); returns an
 * opaque process handle or 0. */
typedef intptr_t sbtest_proc_t;
sbtest_proc_t sbtest_spawn_helper(const char *name, const char *const *args);
/* The same, inheriting exactly one handle (Windows: listed alone in
 * PROC_THREAD_ATTRIBUTE_HANDLE_LIST; POSIX: the fd stays open). */
sbtest_proc_t sbtest_spawn_helper_inherit(const char *name, intptr_t handle,
                                          const char *const *args);
/* Wait up to timeout_ms; returns the exit code, or -1 on timeout (the
 * process is then killed). */
int sbtest_wait(sbtest_proc_t p, int timeout_ms);
void sbtest_kill(sbtest_proc_t p);

/* End the test process with `code` once its result is printed. POSIX: a
 * normal exit (the sanitizers' and valgrind's leak checks run there).
 * Windows: TerminateProcess, see tests/win/sbtest_platform.c. */
int sbtest__end(int code);

#endif
