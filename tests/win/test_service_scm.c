/* SPDX-License-Identifier: MIT */
/* The SCM control handler driven directly. Wine never delivers
 * SERVICE_CONTROL_SHUTDOWN or SESSIONCHANGE, so the only way to see the
 * Windows host react to them is to call the handler as the SCM would,
 * with the real core, platform and agent running underneath. */
#include "svcwin.h" /* windows.h first */

#include "sbtest.h"

#include <wtsapi32.h>

#include "sessionbridge.h"

static DWORD session_change(DWORD ev, DWORD id) {
  WTSSESSION_NOTIFICATION n = {sizeof n, id};
  return sb_scm_handler(SERVICE_CONTROL_SESSIONCHANGE, ev, &n, NULL);
}

/* The one listed session, or fail. */
static sb_smgr_info_t session_one(void) {
  sb_smgr_info_t info[4];
  size_t n = sb_service_snapshot(sb_host_service(), info, 4);
  CHECK_EQ(n, 1);
  return info[0];
}

static int wait_connected(int ms) {
  for (int waited = 0; waited < ms; waited += 50) {
    sb_smgr_info_t info[4];
    size_t n = sb_service_snapshot(sb_host_service(), info, 4);
    if (n == 1 && strcmp(info[0].state, "connected") == 0)
      return 1;
    sb_sleep_ms(50);
  }
  return 0;
}

SB_TEST(service_scm_handler_codes) {
  /* No core running: every control is answered, nothing is touched. */
  CHECK(sb_host_service() == NULL);
  CHECK_EQ(sb_scm_handler(SERVICE_CONTROL_INTERROGATE, 0, NULL, NULL),
           NO_ERROR);
  CHECK_EQ(sb_scm_handler(SERVICE_CONTROL_PAUSE, 0, NULL, NULL),
           ERROR_CALL_NOT_IMPLEMENTED);
  CHECK_EQ(sb_scm_handler(SERVICE_CONTROL_SESSIONCHANGE, WTS_SESSION_LOGON,
                          NULL, NULL),
           NO_ERROR);
  CHECK_EQ(session_change(WTS_SESSION_LOCK, 1), NO_ERROR);
  CHECK_EQ(session_change(0x7777, 1), NO_ERROR); /* unknown event */
  CHECK_EQ(sb_scm_handler(SERVICE_CONTROL_SHUTDOWN, 0, NULL, NULL), NO_ERROR);
  CHECK_EQ(sb_scm_handler(SERVICE_CONTROL_PRESHUTDOWN, 0, NULL, NULL),
           NO_ERROR);
  CHECK_EQ(sb_scm_handler(SERVICE_CONTROL_STOP, 0, NULL, NULL), NO_ERROR);
}

SB_TEST(service_scm_session_events) {
  char dir[600];
  snprintf(dir, sizeof dir, "%s\\data", sbtest_tmpdir());
  _putenv_s("SB_DATA_DIR", dir);
  CHECK_EQ(sb_win_prepare_data(0), 0);
  int err = sb_host_start(1);
  if (err == SB_EEXIST)
    sbtest_skip("the control pipe is held by a running sessionbridge "
                "service in this Wine prefix");
  CHECK_OK(err);
  /* The real agent (sbagent.exe next to sbtest.exe) comes up in the
   * console session: Wine's only one. */
  CHECK(wait_connected(sbtest_ms(10000)));
  uint32_t pid = session_one().pid;
  CHECK(pid != 0);

  CHECK_EQ(session_change(WTS_SESSION_LOCK, 1), NO_ERROR);
  CHECK_EQ(session_one().locked, 1);
  /* Enumeration runs every 2 s and cannot see the lock: it must not
   * undo what the event said. */
  sb_sleep_ms(2600);
  CHECK_EQ(session_one().locked, 1);

  /* An RDP disconnect keeps the session and its agent. */
  CHECK_EQ(session_change(WTS_REMOTE_DISCONNECT, 1), NO_ERROR);
  sb_smgr_info_t s = session_one();
  CHECK_EQ(s.disconnected, 1);
  CHECK_EQ(s.remote, 1);
  CHECK_EQ(s.pid, pid);
  CHECK(strcmp(s.state, "connected") == 0);
  CHECK_EQ(session_change(WTS_SESSION_UNLOCK, 1), NO_ERROR);
  CHECK_EQ(session_one().locked, 0);

  /* Logoff: the agent is ended and, although Wine goes on listing the
   * session, not relaunched into the logged-off logon. */
  CHECK_EQ(session_change(WTS_SESSION_LOGOFF, 1), NO_ERROR);
  sb_smgr_info_t info[4];
  CHECK_EQ(sb_service_snapshot(sb_host_service(), info, 4), 0);
  sb_sleep_ms(2600);
  CHECK_EQ(sb_service_snapshot(sb_host_service(), info, 4), 0);
  HANDLE h = OpenProcess(SYNCHRONIZE, FALSE, pid);
  if (h) {
    CHECK_EQ(WaitForSingleObject(h, (DWORD)sbtest_ms(5000)), WAIT_OBJECT_0);
    CloseHandle(h);
  }

  /* A session event while the core is being stopped is dropped. */
  sb_host_stop(NULL, NULL);
  CHECK(sb_host_service() == NULL);
  CHECK_EQ(session_change(WTS_SESSION_LOCK, 1), NO_ERROR);
}
