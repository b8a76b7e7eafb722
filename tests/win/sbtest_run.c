/* SPDX-License-Identifier: MIT */
/* Windows: run a sibling program (see sbtest_run.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <windows.h>

#include "sbtest.h"
#include "sbtest_platform.h"
#include "sbtest_run.h"

int sbtest_run_program_env(const char *path, const char *const *args,
                           const char *name, const char *value,
                           const char *out_path, int timeout_ms) {
  char cmd[8192], old[1024];
  STARTUPINFOEXA si;
  PROCESS_INFORMATION pi;
  LPPROC_THREAD_ATTRIBUTE_LIST attrs = NULL;
  HANDLE out = INVALID_HANDLE_VALUE;
  SIZE_T size = 0;
  DWORD had = 0, flags = 0;
  BOOL ok = FALSE, existed = FALSE;
  /* Every argument quoted; none of ours holds a quote. */
  size_t off = (size_t)snprintf(cmd, sizeof cmd, "\"%s\"", path);
  for (; args && *args && off < sizeof cmd; args++)
    off += (size_t)snprintf(cmd + off, sizeof cmd - off, " \"%s\"", *args);
  if (off >= sizeof cmd)
    return -1;
  memset(&si, 0, sizeof si);
  si.StartupInfo.cb = sizeof si.StartupInfo;
  if (out_path) {
    /* The output file is the one handle the program inherits (listed
     * alone in PROC_THREAD_ATTRIBUTE_HANDLE_LIST), as its stdout and
     * stderr; it gets no stdin. */
    SECURITY_ATTRIBUTES sa = {sizeof sa, NULL, TRUE};
    out = CreateFileA(out_path, GENERIC_WRITE, FILE_SHARE_READ, &sa,
                      CREATE_ALWAYS, FILE_ATTRIBUTE_NORMAL, NULL);
    if (out == INVALID_HANDLE_VALUE)
      return -1;
    InitializeProcThreadAttributeList(NULL, 1, 0, &size);
    attrs = malloc(size);
    if (!attrs || !InitializeProcThreadAttributeList(attrs, 1, 0, &size)) {
      free(attrs);
      CloseHandle(out);
      return -1;
    }
    if (!UpdateProcThreadAttribute(attrs, 0, PROC_THREAD_ATTRIBUTE_HANDLE_LIST,
                                   &out, sizeof out, NULL, NULL))
      goto done;
    si.lpAttributeList = attrs;
    si.StartupInfo.cb = sizeof si;
    si.StartupInfo.dwFlags = STARTF_USESTDHANDLES;
    si.StartupInfo.hStdOutput = out;
    si.StartupInfo.hStdError = out;
    flags = EXTENDED_STARTUPINFO_PRESENT;
  }
  /* The program inherits this process's environment block: name is set
   * (or removed) in it for the start and put back right after. */
  if (name) {
    SetLastError(0);
    had = GetEnvironmentVariableA(name, old, sizeof old);
    existed = had > 0 || GetLastError() != ERROR_ENVVAR_NOT_FOUND;
    if (had >= sizeof old || !SetEnvironmentVariableA(name, value))
      goto done;
  }
  fflush(stdout);
  ok = CreateProcessA(NULL, cmd, NULL, NULL, out_path != NULL, flags, NULL,
                      NULL, &si.StartupInfo, &pi);
  if (name)
    SetEnvironmentVariableA(name, existed ? old : NULL);
done:
  if (attrs) {
    DeleteProcThreadAttributeList(attrs);
    free(attrs);
  }
  if (out != INVALID_HANDLE_VALUE)
    CloseHandle(out);
  if (!ok)
    return -1;
  CloseHandle(pi.hThread);
  return sbtest_wait((sbtest_proc_t)pi.hProcess, timeout_ms);
}
