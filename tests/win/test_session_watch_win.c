/* SPDX-License-Identifier: MIT */
/* The agent's own session events (issue 14): its watch window, registered
 * with WTSRegisterSessionNotification, turns WM_WTSSESSION_CHANGE lock and
 * unlock for its own session into the lock state that
 * sb_task_session_locked and session info report. Wine has no lock and
 * one console session that never disconnects, so it sends none of these
 * (measured here: how many came, and whether the registration succeeded,
 * are printed); the events are sent to the window by hand, with the
 * documented layout (wParam the event, lParam the session id). */
#include <windows.h>

#include <string.h>
#include <wtsapi32.h>

#include "sbtest.h"
#include "sessionbridge.h"
#include "tasks.h"

HWND sb__session_window(void);
int sb__session_registered(void);
long sb__session_events(void);

static DWORD my_session(void) {
  DWORD s = 0;
  ProcessIdToSessionId(GetCurrentProcessId(), &s);
  return s;
}

static void event(HWND w, WPARAM what, DWORD session) {
  SendMessageW(w, WM_WTSSESSION_CHANGE, what, (LPARAM)session);
}

SB_TEST(session_watch_lock_events) {
  sb_task_session_info_t info;
  CHECK_OK(sb_task_session_watch_start());
  HWND w = sb__session_window();
  CHECK(w != NULL);
  /* What the platform sends by itself in a second: Wine, nothing. */
  Sleep(1000);
  fprintf(stderr, "WTSRegisterSessionNotification: %s; events from the "
          "platform in 1 s: %ld\n",
          sb__session_registered() ? "registered" : "not registered",
          sb__session_events());
  if (sb_task_session_locked())
    sbtest_skip("the input desktop already says locked: the events "
                "cannot be told apart from it here");
  CHECK_OK(sb_task_session_info(&info));
  CHECK_EQ(info.locked, 0);
  long before = sb__session_events();
  /* Another session's lock is not ours. */
  event(w, WTS_SESSION_LOCK, my_session() + 1);
  CHECK_EQ(sb_task_session_locked(), 0);
  CHECK_EQ(sb__session_events(), before);
  /* Ours: locked, in the info and its state too. */
  event(w, WTS_SESSION_LOCK, my_session());
  CHECK_EQ(sb_task_session_locked(), 1);
  CHECK_OK(sb_task_session_info(&info));
  CHECK_EQ(info.locked, 1);
  fprintf(stderr, "after WTS_SESSION_LOCK: state %s\n", info.state);
  if (!sb_task_session_disconnected())
    CHECK(strcmp(info.state, "locked") == 0);
  event(w, WTS_SESSION_UNLOCK, my_session());
  CHECK_EQ(sb_task_session_locked(), 0);
  CHECK_OK(sb_task_session_info(&info));
  CHECK_EQ(info.locked, 0);
  CHECK(strcmp(info.state, "locked") != 0);
  CHECK_EQ(sb__session_events(), before + 2);
  /* Connect/disconnect events are heard too (WTS's own connect state
   * still wins where WTS answers). */
  event(w, WTS_REMOTE_DISCONNECT, my_session());
  event(w, WTS_REMOTE_CONNECT, my_session());
  CHECK_EQ(sb__session_events(), before + 4);
  sb_task_session_watch_stop();
  CHECK(!IsWindow(w));
  CHECK(sb__session_window() == NULL);
}
