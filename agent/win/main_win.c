/* SPDX-License-Identifier: MIT */
/* sbagent on Windows: a GUI-subsystem program (no console window in the
 * user's session) launched by the service with CreateProcessAsUserW. Its
 * log goes to %TEMP%\sbagent-<session>.log of the user, flushed per line,
 * because there is no console to write to. */
#include <windows.h>

#include <stdio.h>
#include <stdlib.h>

#include "agent.h"
#include "desktop_win.h"
#include "tasks.h"

static FILE *logf;

static void to_file(void *arg, sb_log_level_t level, const char *msg) {
  char ts[32];
  (void)arg;
  if (!logf)
    return;
  sb_wall_time(ts, sizeof ts);
  fprintf(logf, "%s %s [%u] %s\n", ts, sb_log_level_name(level), sb_getpid(),
          msg);
  fflush(logf);
}

int main(int argc, char **argv) {
  WCHAR tmp[MAX_PATH + 1], path[MAX_PATH + 40];
  DWORD session = 0, n;
  /* No DLL search through the current directory (DLL planting). */
  SetDllDirectoryW(L"");
  ProcessIdToSessionId(GetCurrentProcessId(), &session);
  /* Wide: the ANSI call fails for a profile path outside the system's
   * code page (a user name in another script), and the agent then had
   * no log at all. */
  n = GetTempPathW(MAX_PATH + 1, tmp);
  if (n > 0 && n <= MAX_PATH) {
    _snwprintf(path, sizeof path / sizeof path[0], L"%lssbagent-%lu.log", tmp,
               (unsigned long)session);
    path[sizeof path / sizeof path[0] - 1] = 0;
    logf = _wfopen(path, L"a");
  }
  sb_log_set_sink(to_file, NULL, SB_LOG_INFO);
  if (!logf)
    OutputDebugStringW(L"sbagent: no log file in the user's temp folder\n");
  /* Before any window exists: screenshots, regions and the monitor list
   * in physical pixels on every monitor. The manifest asks for the same;
   * this covers a copy of the exe that lost it. */
  sb_log(SB_LOG_INFO, "agent: DPI awareness %s", sb_task_dpi_aware());
  sb_agent_attach_desktop();
  /* Touch the desktop before any task runs: on Windows a no-op, under
   * Wine it starts the desktop process whose clipboard manager bridges
   * the Windows clipboard to X11 selections. */
  GetDesktopWindow();
  /* The session's lock and connect events, for the agent's whole life. */
  sb_task_session_watch_start();
  int rc = sb_agent_main(argc, argv);
  sb_task_session_watch_stop();
  /* The notification icon goes with the agent (the shell would keep it
   * until the mouse passes over it). */
  sb_task_notify_shutdown();
  if (logf)
    fclose(logf);
  return rc;
}
