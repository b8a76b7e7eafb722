/* SPDX-License-Identifier: MIT */
/* Running a program built next to sbtest (sbctl, say) from a test, per
 * platform (tests/posix/sbtest_run.c, tests/win/sbtest_run.c), so test
 * files need no #ifdef. */
#ifndef SBTEST_RUN_H
#define SBTEST_RUN_H

#include <stddef.h>

/* The directory of sbtest itself, name and the platform's executable
 * suffix (runner.c). */
void sbtest_bin_path(const char *name, char *buf, size_t cap);
/* Run path with args (NULL-terminated, argv[0] not included), its output
 * going to ours; wait up to timeout_ms. Returns the exit code, or -1 when
 * it could not start or ran past the timeout (it is then killed). */
int sbtest_run_program(const char *path, const char *const *args,
                       int timeout_ms);
/* The same with the program's environment ours less `name`, plus
 * name=value when value is not NULL (name NULL: ours as it is), and its
 * stdout and stderr both written to out_path, created or truncated
 * (NULL: ours). */
int sbtest_run_program_env(const char *path, const char *const *args,
                           const char *name, const char *value,
                           const char *out_path, int timeout_ms);

#endif
