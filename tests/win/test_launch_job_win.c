/* SPDX-License-Identifier: MIT */
/* Each launched agent in a kill-on-close job of its own, and a process
 * that cannot be put in its job ended while still suspended. Wine has one
 * session, so the failure a second session's agent met with one shared
 * job (AssignProcessToJobObject refused across sessions) is put in
 * through the platform's assign_job seam; the jobs themselves are real.
 * The suspended processes are copies of this test program that never
 * run an instruction. */
#include <windows.h>

#include <stdio.h>
#include <string.h>

#include "platform_win.h"
#include "sbtest.h"
#include "sessionbridge.h"

static PROCESS_INFORMATION suspended(void) {
  PROCESS_INFORMATION pi;
  STARTUPINFOW si;
  WCHAR self[MAX_PATH], cmd[MAX_PATH + 32];
  memset(&pi, 0, sizeof pi);
  memset(&si, 0, sizeof si);
  si.cb = sizeof si;
  CHECK(GetModuleFileNameW(NULL, self, MAX_PATH) > 0);
  _snwprintf(cmd, MAX_PATH + 32, L"\"%ls\" --list", self);
  cmd[MAX_PATH + 31] = 0;
  CHECK(CreateProcessW(self, cmd, NULL, NULL, FALSE, CREATE_SUSPENDED, NULL,
                       NULL, &si, &pi));
  return pi;
}

static char logged[512];

static void capture(void *arg, sb_log_level_t level, const char *msg) {
  (void)arg;
  if (level == SB_LOG_ERROR)
    snprintf(logged, sizeof logged, "%s", msg);
}

SB_TEST(platform_launch_job_per_launch) {
  sb_win_platform_t p;
  HANDLE j1 = NULL, j2 = NULL;
  BOOL in = FALSE;
  memset(&p, 0, sizeof p);
  p.assign_job = AssignProcessToJobObject;
  PROCESS_INFORMATION a = suspended(), b = suspended();
  CHECK_OK(sb_win_launch_in_job(&p, a.hProcess, a.dwProcessId, &j1));
  CHECK_OK(sb_win_launch_in_job(&p, b.hProcess, b.dwProcessId, &j2));
  CHECK(j1 && j2 && j1 != j2);
  CHECK(IsProcessInJob(a.hProcess, j1, &in) && in);
  CHECK(IsProcessInJob(a.hProcess, j2, &in) && !in);
  CHECK(IsProcessInJob(b.hProcess, j2, &in) && in);
  /* Closing an agent's job (the service's only handle) ends that agent
   * and no other. */
  CloseHandle(j1);
  CHECK(WaitForSingleObject(a.hProcess, 10000) == WAIT_OBJECT_0);
  CHECK(WaitForSingleObject(b.hProcess, 200) == WAIT_TIMEOUT);
  CloseHandle(j2);
  CHECK(WaitForSingleObject(b.hProcess, 10000) == WAIT_OBJECT_0);
  CloseHandle(a.hThread);
  CloseHandle(a.hProcess);
  CloseHandle(b.hThread);
  CloseHandle(b.hProcess);
}

static BOOL WINAPI refuse_assign(HANDLE job, HANDLE process) {
  (void)job, (void)process;
  SetLastError(ERROR_ACCESS_DENIED); /* as across sessions */
  return FALSE;
}

SB_TEST(platform_launch_job_refused_is_ended) {
  sb_win_platform_t p;
  HANDLE job = (HANDLE)1;
  DWORD code = 0;
  memset(&p, 0, sizeof p);
  p.assign_job = refuse_assign;
  PROCESS_INFORMATION a = suspended();
  logged[0] = 0;
  sb_log_set_sink(capture, NULL, SB_LOG_INFO);
  CHECK_ERR(sb_win_launch_in_job(&p, a.hProcess, a.dwProcessId, &job),
            SB_EOS);
  sb_log_set_sink(NULL, NULL, SB_LOG_INFO);
  CHECK(job == NULL);
  /* Ended, never resumed, with the documented code, and the reason said. */
  CHECK(WaitForSingleObject(a.hProcess, 10000) == WAIT_OBJECT_0);
  CHECK(GetExitCodeProcess(a.hProcess, &code));
  CHECK_EQ(code, SB_WIN_EXIT_NO_JOB);
  fprintf(stderr, "logged: %s\n", logged);
  CHECK(strstr(logged, "AssignProcessToJobObject failed: error 5") != NULL);
  CloseHandle(a.hThread);
  CloseHandle(a.hProcess);
}
