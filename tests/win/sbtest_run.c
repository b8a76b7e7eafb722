/* SPDX-License-Identifier: MIT */
/* Windows: run a sibling program (see sbtest_run.h). */
#include <stdio.h>
#include <string.h>
#include <windows.h>

#include "sbtest.h"
#include "sbtest_platform.h"
#include "sbtest_run.h"

int sbtest_run_program(const char *path, const char *const *args,
                       int timeout_ms) {
  char cmd[8192];
  STARTUPINFOA si;
  PROCESS_INFORMATION pi;
  /* Every argument quoted; none of ours holds a quote. */
  size_t off = (size_t)snprintf(cmd, sizeof cmd, "\"%s\"", path);
  for (; args && *args && off < sizeof cmd; args++)
    off += (size_t)snprintf(cmd + off, sizeof cmd - off, " \"%s\"", *args);
  if (off >= sizeof cmd)
    return -1;
  memset(&si, 0, sizeof si);
  si.cb = sizeof si;
  fflush(stdout);
  if (!CreateProcessA(NULL, cmd, NULL, NULL, FALSE, 0, NULL, NULL, &si, &pi))
    return -1;
  CloseHandle(pi.hThread);
  return sbtest_wait((sbtest_proc_t)pi.hProcess, timeout_ms);
}
