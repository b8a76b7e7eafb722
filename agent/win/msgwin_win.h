/* SPDX-License-Identifier: MIT */
/* A hidden top-level window on a thread of its own, pumping its messages
 * for the agent's life: the session watch (session_win.c) and the
 * notification icon (task_notify.c) each keep one. */
#ifndef SB_AGENT_MSGWIN_WIN_H
#define SB_AGENT_MSGWIN_WIN_H

#include <windows.h>

typedef struct {
  HANDLE thread; /* NULL: not started, or stopped */
  HWND hwnd;     /* NULL: not (or no longer) there */
  /* Run on the window's thread, attached to the session's desktop:
   * create registers the class and creates the window (NULL: it could
   * not, and the thread ends); done (optional) runs once the message
   * loop has ended, before the thread does. */
  HWND (*create)(void);
  void (*done)(HWND hwnd);
  HANDLE ready; /* the thread sets it once hwnd is known */
} sb_msgwin_t;

/* Start w's thread (w->create and w->done set) and wait, at most 10 s, for
 * its window. 0 when the window exists, else SB_EOS; w->thread is set
 * whenever the thread was started, even if its window was not created. */
int sb__msgwin_start(sb_msgwin_t *w);
/* Close the window (WM_CLOSE: the window procedure destroys it and posts
 * the quit), wait at most 2 s for the thread, forget both. `who` names
 * the thread in the warning logged when it does not end. */
void sb__msgwin_stop(sb_msgwin_t *w, const char *who);

#endif
