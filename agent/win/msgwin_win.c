/* SPDX-License-Identifier: MIT */
/* The thread of a hidden window (msgwin_win.h). Window messages go to the
 * thread that created the window, so the window gets a thread whose only
 * work is its message loop; a task thread talks to it by SendMessage. */
#include "msgwin_win.h"

#include <process.h>

#include "desktop_win.h"
#include "sessionbridge.h"

static unsigned __stdcall msgwin_main(void *arg) {
  sb_msgwin_t *w = arg;
  HWND hwnd;
  MSG m;
  sb_agent_attach_desktop();
  hwnd = w->create();
  InterlockedExchangePointer((PVOID *)&w->hwnd, hwnd);
  SetEvent(w->ready);
  if (!hwnd)
    return 0;
  while (GetMessageW(&m, NULL, 0, 0) > 0) {
    TranslateMessage(&m);
    DispatchMessageW(&m);
  }
  if (w->done)
    w->done(hwnd);
  return 0;
}

/* The event goes once the thread can no longer set it: at once when it
 * did in time, else when the thread has ended (sb__msgwin_stop), so it is
 * never closed under the thread. */
static void drop_ready(sb_msgwin_t *w) {
  if (w->ready)
    CloseHandle(w->ready);
  w->ready = NULL;
}

int sb__msgwin_start(sb_msgwin_t *w) {
  if (!w || !w->create || w->thread)
    return SB_EINVAL;
  w->ready = CreateEventW(NULL, TRUE, FALSE, NULL);
  if (!w->ready)
    return SB_EOS;
  w->thread = (HANDLE)_beginthreadex(NULL, 0, msgwin_main, w, 0, NULL);
  if (!w->thread) {
    drop_ready(w);
    return SB_EOS;
  }
  if (WaitForSingleObject(w->ready, 10000) == WAIT_OBJECT_0)
    drop_ready(w);
  return w->hwnd ? 0 : SB_EOS;
}

void sb__msgwin_stop(sb_msgwin_t *w, const char *who) {
  if (!w || !w->thread)
    return;
  if (w->hwnd)
    PostMessageW(w->hwnd, WM_CLOSE, 0, 0);
  if (WaitForSingleObject(w->thread, 2000) != WAIT_OBJECT_0)
    sb_log(SB_LOG_WARN, "%s: the window thread did not end", who);
  else
    drop_ready(w);
  CloseHandle(w->thread);
  w->thread = NULL;
  w->hwnd = NULL;
}
