/* SPDX-License-Identifier: MIT */
/* The notification's outcome as the shell reports it through the icon's
 * callback message. Wine's notification area sends no balloon callbacks
 * (task_notify_accepted_not_shown measures it), so the shell's messages
 * are sent to the icon's window here: the seam is the callback message
 * itself, with the documented NOTIFYICON_VERSION_4 layout (event in
 * LOWORD(lParam), icon id in HIWORD). */
#include <windows.h>

#include <process.h>
#include <shellapi.h>

#include "sbtest.h"
#include "sessionbridge.h"
#include "tasks.h"

HWND sb__notify_window(void);

#define WM_SB_ICON (WM_APP + 0x20)

typedef struct {
  uint32_t wait_ms;
  int err, outcome, shown;
} run_t;

static unsigned __stdcall notify_thread(void *arg) {
  run_t *r = arg;
  r->err = sb_task_notify("sb-outcome", "x", 1, r->wait_ms, NULL, &r->outcome,
                          &r->shown);
  return 0;
}

/* Start a notification that waits, send the icon window the events,
 * return what the task answered. */
/* The icon itself first (Wine's first NIM_ADD takes seconds), so the
 * balloon of the test is up soon after its task starts. */
static void warm_up(void) {
  run_t r = {0, 0, 0, 0};
  notify_thread(&r);
  CHECK_OK(r.err);
}

static run_t with_events(const WORD *events, int n) {
  run_t r = {10000, 0, 0, 0};
  warm_up();
  HANDLE th = (HANDLE)_beginthreadex(NULL, 0, notify_thread, &r, 0, NULL);
  CHECK(th != NULL);
  /* Give the icon thread the balloon first. */
  Sleep(500);
  HWND w = sb__notify_window();
  CHECK(w != NULL);
  for (int i = 0; i < n; i++)
    SendMessageW(w, WM_SB_ICON, 0, MAKELPARAM(events[i], 1));
  CHECK(WaitForSingleObject(th, 15000) == WAIT_OBJECT_0);
  CloseHandle(th);
  CHECK_OK(r.err);
  return r;
}

SB_TEST(notify_outcome_clicked) {
  static const WORD ev[] = {NIN_BALLOONSHOW, NIN_BALLOONUSERCLICK};
  run_t r = with_events(ev, 2);
  CHECK_EQ(r.outcome, SB_NOTE_CLICKED);
  CHECK_EQ(r.shown, 1);
}

SB_TEST(notify_outcome_timed_out) {
  static const WORD ev[] = {NIN_BALLOONSHOW, NIN_BALLOONTIMEOUT};
  run_t r = with_events(ev, 2);
  CHECK_EQ(r.outcome, SB_NOTE_TIMED_OUT);
  CHECK_EQ(r.shown, 1);
}

SB_TEST(notify_outcome_hidden_unseen) {
  /* Taken away before it was ever shown (suppressed, replaced). */
  static const WORD ev[] = {NIN_BALLOONHIDE};
  run_t r = with_events(ev, 1);
  CHECK_EQ(r.outcome, SB_NOTE_DISMISSED);
  CHECK_EQ(r.shown, 0);
}

SB_TEST(notify_outcome_shown_then_wait_ends) {
  /* Shown, and nothing more within a short wait: "shown". */
  run_t r = {1500, 0, 0, 0};
  warm_up();
  HANDLE th = (HANDLE)_beginthreadex(NULL, 0, notify_thread, &r, 0, NULL);
  Sleep(500);
  SendMessageW(sb__notify_window(), WM_SB_ICON, 0,
               MAKELPARAM(NIN_BALLOONSHOW, 1));
  CHECK(WaitForSingleObject(th, 15000) == WAIT_OBJECT_0);
  CloseHandle(th);
  CHECK_OK(r.err);
  CHECK_EQ(r.outcome, SB_NOTE_SHOWN);
  CHECK_EQ(r.shown, 1);
}

SB_TEST(notify_icon_removed_at_shutdown) {
  run_t r = {0, 0, 0, 0};
  notify_thread(&r);
  CHECK_OK(r.err);
  CHECK(sb__notify_window() != NULL);
  sb_task_notify_shutdown();
  CHECK(sb__notify_window() == NULL);
}

/* Whether the shell knows the agent's icon: NIM_MODIFY of an icon the
 * notification area does not have fails. */
static int icon_known(HWND w) {
  NOTIFYICONDATAW nid;
  memset(&nid, 0, sizeof nid);
  nid.cbSize = sizeof nid;
  nid.hWnd = w;
  nid.uID = 1;
  nid.uFlags = NIF_TIP;
  lstrcpyW(nid.szTip, L"sessionbridge");
  return Shell_NotifyIconW(NIM_MODIFY, &nid) != 0;
}

SB_TEST(notify_icon_readded_on_taskbar_created) {
  /* Explorer restarting forgets every icon and broadcasts TaskbarCreated;
   * the agent's icon must come back. The forgetting is done here with
   * NIM_DELETE, the broadcast sent as Explorer sends it (to every
   * top-level window), and the shell is asked whether it knows the icon
   * again. */
  run_t r = {0, 0, 0, 0};
  notify_thread(&r);
  CHECK_OK(r.err);
  HWND w = sb__notify_window();
  CHECK(w != NULL);
  CHECK(icon_known(w));
  NOTIFYICONDATAW nid;
  memset(&nid, 0, sizeof nid);
  nid.cbSize = sizeof nid;
  nid.hWnd = w;
  nid.uID = 1;
  CHECK(Shell_NotifyIconW(NIM_DELETE, &nid));
  if (icon_known(w))
    sbtest_skip("the notification area still reports an icon it deleted: "
                "nothing to observe here");
  DWORD_PTR res;
  SendMessageTimeoutW(HWND_BROADCAST, RegisterWindowMessageW(L"TaskbarCreated"),
                      0, 0, SMTO_ABORTIFHUNG, 5000, &res);
  int back = 0;
  for (int i = 0; i < 200 && !(back = icon_known(w)); i++)
    Sleep(10);
  CHECK(back);
  /* And a notification goes on it as before. */
  notify_thread(&r);
  CHECK_OK(r.err);
  sb_task_notify_shutdown();
}
