/* SPDX-License-Identifier: MIT */
#include <windows.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sbtest.h"
#include "sbtest_platform.h"

void sbtest__make_tmpdir(char *buf, size_t cap) {
  char base[MAX_PATH];
  DWORD n = GetTempPathA(sizeof base, base);
  if (n == 0 || n >= sizeof base) {
    fprintf(stderr, "GetTempPath failed\n");
    exit(2);
  }
  snprintf(buf, cap, "%ssbtest-%lu-%lu", base, GetCurrentProcessId(),
           GetTickCount());
  if (!CreateDirectoryA(buf, NULL)) {
    fprintf(stderr, "CreateDirectory %s failed: %lu\n", buf, GetLastError());
    exit(2);
  }
}

void sbtest__cleanup_tmpdir(const char *dir) {
  char pattern[MAX_PATH + 8], path[2 * MAX_PATH];
  WIN32_FIND_DATAA fd;
  if (!dir || !dir[0])
    return;
  snprintf(pattern, sizeof pattern, "%s\\*", dir);
  HANDLE h = FindFirstFileA(pattern, &fd);
  if (h != INVALID_HANDLE_VALUE) {
    do {
      if (strcmp(fd.cFileName, ".") && strcmp(fd.cFileName, "..")) {
        snprintf(path, sizeof path, "%s\\%s", dir, fd.cFileName);
        DeleteFileA(path);
      }
    } while (FindNextFileA(h, &fd));
    FindClose(h);
  }
  RemoveDirectoryA(dir);
}

void sbtest__endpoint(const char *tag, char *buf, size_t cap) {
  snprintf(buf, cap, "\\\\.\\pipe\\sbtest-%lu-%s", GetCurrentProcessId(), tag);
}

sbtest_proc_t sbtest_spawn_helper(const char *name, const char *const *args) {
  char cmd[4096];
  size_t off = (size_t)snprintf(cmd, sizeof cmd, "\"%s\" --helper %s",
                                sbtest_self(), name);
  while (args && *args && off < sizeof cmd) {
    off += (size_t)snprintf(cmd + off, sizeof cmd - off, " \"%s\"", *args);
    args++;
  }
  STARTUPINFOA si;
  PROCESS_INFORMATION pi;
  memset(&si, 0, sizeof si);
  si.cb = sizeof si;
  if (!CreateProcessA(NULL, cmd, NULL, NULL, FALSE, 0, NULL, NULL, &si, &pi))
    return 0;
  CloseHandle(pi.hThread);
  return (sbtest_proc_t)pi.hProcess;
}

sbtest_proc_t sbtest_spawn_helper_inherit(const char *name, intptr_t handle,
                                          const char *const *args) {
  char cmd[4096];
  size_t off = (size_t)snprintf(cmd, sizeof cmd, "\"%s\" --helper %s",
                                sbtest_self(), name);
  while (args && *args && off < sizeof cmd) {
    off += (size_t)snprintf(cmd + off, sizeof cmd - off, " \"%s\"", *args);
    args++;
  }
  SIZE_T size = 0;
  InitializeProcThreadAttributeList(NULL, 1, 0, &size);
  LPPROC_THREAD_ATTRIBUTE_LIST attrs = malloc(size);
  HANDLE h = (HANDLE)handle;
  STARTUPINFOEXA si;
  PROCESS_INFORMATION pi;
  memset(&si, 0, sizeof si);
  si.StartupInfo.cb = sizeof si;
  if (!attrs || !InitializeProcThreadAttributeList(attrs, 1, 0, &size) ||
      !UpdateProcThreadAttribute(attrs, 0, PROC_THREAD_ATTRIBUTE_HANDLE_LIST,
                                 &h, sizeof h, NULL, NULL)) {
    free(attrs);
    return 0;
  }
  si.lpAttributeList = attrs;
  BOOL ok = CreateProcessA(NULL, cmd, NULL, NULL, TRUE,
                           EXTENDED_STARTUPINFO_PRESENT, NULL, NULL,
                           &si.StartupInfo, &pi);
  DeleteProcThreadAttributeList(attrs);
  free(attrs);
  if (!ok)
    return 0;
  CloseHandle(pi.hThread);
  return (sbtest_proc_t)pi.hProcess;
}

int sbtest_wait(sbtest_proc_t p, int timeout_ms) {
  HANDLE h = (HANDLE)p;
  DWORD code = 0;
  if (WaitForSingleObject(h, (DWORD)timeout_ms) != WAIT_OBJECT_0) {
    TerminateProcess(h, 137);
    WaitForSingleObject(h, 5000);
    CloseHandle(h);
    return -1;
  }
  GetExitCodeProcess(h, &code);
  CloseHandle(h);
  return (int)code;
}

void sbtest_kill(sbtest_proc_t p) {
  HANDLE h = (HANDLE)p;
  TerminateProcess(h, 137);
  WaitForSingleObject(h, 5000);
  CloseHandle(h);
}

int sbtest_is_windows(void) { return 1; }

int sbtest_user_is_me(const char *name) {
  /* Wine sets USERNAME from the Unix user; account names compare without
   * case on Windows. */
  const char *env = getenv("USERNAME");
  if (!env || !env[0])
    return -1;
  return _stricmp(name, env) == 0;
}

int sbtest_hardlink(const char *existing, const char *link_path) {
  return CreateHardLinkA(link_path, existing, NULL) ? 0 : -1;
}

/* Under Wine, two fresh-clone runs saw a test print PASS and then never
 * exit (task_clipboard_unrendered_deadline, task_notify_shown: 120 s
 * timeouts, neither reproduced alone in 6 and 3 reruns). Both leave
 * threads behind that own windows (an abandoned clipboard call, the
 * notification icon's thread), and the hang is in the process's own
 * teardown, after the test's result. So the result stands, and the
 * process ends without running DLL detach: the product's own exits are
 * tested by the e2e cases (agent exit with a stuck clipboard call,
 * service stop), not here. */
int sbtest__end(int code) {
  fflush(NULL);
  TerminateProcess(GetCurrentProcess(), (UINT)code);
  return code;
}
