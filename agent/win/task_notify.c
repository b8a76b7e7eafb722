/* SPDX-License-Identifier: MIT */
/* Notifications: one notification-area icon per agent, owned by a thread
 * of its own with a message loop, for the agent's whole life. Each
 * notification is a balloon on that icon (Shell_NotifyIconW NIF_INFO;
 * Windows 10/11 show it as a toast). The icon has a callback message
 * (NIF_MESSAGE, NOTIFYICON_VERSION_4), so the shell tells us what became
 * of a balloon: NIN_BALLOONSHOW (shown), NIN_BALLOONUSERCLICK (clicked),
 * NIN_BALLOONTIMEOUT (timed out or closed by the user), NIN_BALLOONHIDE
 * (taken away, e.g. replaced). Acceptance by the shell is reported as
 * accepted, never as shown: Focus Assist / Do Not Disturb, full-screen
 * rules, policy or the user's setting for the app can suppress it.
 *
 * The icon is re-added when Explorer restarts (the "TaskbarCreated"
 * message) and removed when the agent exits (sb_task_notify_shutdown). An
 * agent killed outright leaves its icon until the mouse passes over it
 * (the shell's own clean-up): nothing in the process can run then.
 *
 * Real WinRT toasts (ToastNotificationManager) are not used: they need an
 * AppUserModelID registered through a Start-menu shortcut or a packaged
 * identity, WinRT activation in a process a service started, and they are
 * not in Wine or Server Core; the balloon becomes a toast on Windows 10/11
 * anyway, labelled with the program's FileDescription (the VERSIONINFO
 * resource). docs/protocol.md, "Notifications", says the same. */
#include <windows.h>

#include <shellapi.h>

#include "desktop_win.h"
#include "msgwin_win.h"
#include "sessionbridge.h"
#include "tasks.h"

#define WM_SB_ICON (WM_APP + 0x20) /* the icon's callback message */
#define WM_SB_SHOW (WM_APP + 0x21) /* lParam: note_t *, from a task */
#define ICON_ID 1
/* How long a task waits for the icon thread to take a notification. */
#define SHOW_SEND_MS 5000

typedef struct note {
  WCHAR title[64];
  WCHAR text[256];
  DWORD info_flags;
  volatile LONG outcome; /* SB_NOTE_* */
  int shown;             /* NIN_BALLOONSHOW came (or a click/timeout) */
  int err;
  HANDLE done; /* set at a final outcome (clicked, dismissed, timed out) */
  volatile LONG refs;
} note_t;

static struct {
  INIT_ONCE once;
  sb_msgwin_t win; /* the icon's window and its thread */
  UINT taskbar_created;
  int icon_added;
  note_t *cur; /* the balloon up now; icon thread only */
  CRITICAL_SECTION lock; /* outcome updates vs. readers */
} N = {INIT_ONCE_STATIC_INIT, {NULL, NULL, NULL, NULL, NULL}, 0, 0, NULL, {0}};

static void note_release(note_t *n) {
  if (n && InterlockedDecrement(&n->refs) == 0) {
    if (n->done)
      CloseHandle(n->done);
    sb_free(n);
  }
}

static int is_final(LONG o) {
  return o == SB_NOTE_CLICKED || o == SB_NOTE_DISMISSED ||
         o == SB_NOTE_TIMED_OUT;
}

static void set_outcome(note_t *n, LONG o) {
  EnterCriticalSection(&N.lock);
  /* Only forward: accepted -> shown -> a final outcome, which stays. */
  if (!is_final(n->outcome) && o > n->outcome)
    n->outcome = o;
  if (o == SB_NOTE_SHOWN || o == SB_NOTE_CLICKED || o == SB_NOTE_TIMED_OUT)
    n->shown = 1;
  LeaveCriticalSection(&N.lock);
  if (is_final(o))
    SetEvent(n->done);
}

static void fill_icon(NOTIFYICONDATAW *nid, HWND hwnd) {
  memset(nid, 0, sizeof *nid);
  nid->cbSize = sizeof *nid;
  nid->hWnd = hwnd;
  nid->uID = ICON_ID;
}

static int add_icon(HWND hwnd) {
  NOTIFYICONDATAW nid;
  fill_icon(&nid, hwnd);
  nid.uFlags = NIF_ICON | NIF_TIP | NIF_MESSAGE;
  nid.uCallbackMessage = WM_SB_ICON;
  nid.hIcon = LoadIconW(NULL, (LPCWSTR)IDI_INFORMATION);
  sb_agent_wcopy(nid.szTip, sizeof nid.szTip / sizeof nid.szTip[0],
                 L"sessionbridge");
  if (!Shell_NotifyIconW(NIM_ADD, &nid)) {
    sb_log(SB_LOG_WARN,
           "notify: Shell_NotifyIconW(NIM_ADD) failed: error 0x%lx (tray "
           "window %s)",
           (unsigned long)GetLastError(),
           FindWindowW(L"Shell_TrayWnd", NULL) ? "present" : "absent");
    return SB_EOS;
  }
  /* Version 4: the event is LOWORD(lParam) and balloons get
   * NIN_BALLOONSHOW/USERCLICK/TIMEOUT/HIDE. */
  nid.uVersion = NOTIFYICON_VERSION_4;
  Shell_NotifyIconW(NIM_SETVERSION, &nid);
  return 0;
}

static int show(HWND hwnd, note_t *n) {
  NOTIFYICONDATAW nid;
  if (!N.icon_added) {
    if (add_icon(hwnd) != 0)
      return SB_EOS;
    N.icon_added = 1;
  }
  fill_icon(&nid, hwnd);
  nid.uFlags = NIF_INFO;
  sb_agent_wcopy(nid.szInfoTitle,
                 sizeof nid.szInfoTitle / sizeof nid.szInfoTitle[0],
                 n->title);
  sb_agent_wcopy(nid.szInfo, sizeof nid.szInfo / sizeof nid.szInfo[0],
                 n->text);
  nid.dwInfoFlags = n->info_flags;
  if (!Shell_NotifyIconW(NIM_MODIFY, &nid)) {
    sb_log(SB_LOG_WARN, "notify: Shell_NotifyIconW(NIM_MODIFY) failed: "
                        "error 0x%lx",
           (unsigned long)GetLastError());
    return SB_EOS;
  }
  return 0;
}

static LRESULT CALLBACK icon_proc(HWND hwnd, UINT msg, WPARAM wp, LPARAM lp) {
  if (msg == WM_SB_SHOW) {
    /* The task gave us a reference: kept while the balloon is up. */
    note_t *n = (note_t *)lp;
    n->err = show(hwnd, n);
    if (n->err) {
      note_release(n);
      return 0;
    }
    /* One balloon per icon: a new one takes the old one's place. */
    if (N.cur) {
      set_outcome(N.cur, SB_NOTE_DISMISSED);
      note_release(N.cur);
    }
    N.cur = n;
    set_outcome(n, SB_NOTE_ACCEPTED);
    return 0;
  }
  if (msg == WM_SB_ICON) {
    /* Version 4: LOWORD(lParam) is the event, HIWORD the icon id. */
    if (N.cur && HIWORD(lp) == ICON_ID) {
      switch (LOWORD(lp)) {
      case NIN_BALLOONSHOW:
        set_outcome(N.cur, SB_NOTE_SHOWN);
        break;
      case NIN_BALLOONUSERCLICK:
        set_outcome(N.cur, SB_NOTE_CLICKED);
        break;
      case NIN_BALLOONTIMEOUT:
        set_outcome(N.cur, SB_NOTE_TIMED_OUT);
        break;
      case NIN_BALLOONHIDE:
        set_outcome(N.cur, SB_NOTE_DISMISSED);
        break;
      default:
        break;
      }
    }
    return 0;
  }
  if (msg == N.taskbar_created && N.taskbar_created) {
    /* Explorer restarted: its notification area forgot our icon. */
    if (N.icon_added && add_icon(hwnd) != 0)
      N.icon_added = 0;
    return 0;
  }
  if (msg == WM_CLOSE) {
    NOTIFYICONDATAW nid;
    if (N.icon_added) {
      fill_icon(&nid, hwnd);
      Shell_NotifyIconW(NIM_DELETE, &nid);
      N.icon_added = 0;
    }
    if (N.cur) {
      set_outcome(N.cur, SB_NOTE_DISMISSED);
      note_release(N.cur);
      N.cur = NULL;
    }
    DestroyWindow(hwnd);
    return 0;
  }
  if (msg == WM_DESTROY) {
    PostQuitMessage(0);
    return 0;
  }
  return DefWindowProcW(hwnd, msg, wp, lp);
}

/* On the icon's window thread (msgwin_win.c). */
static HWND icon_create(void) {
  WNDCLASSW wc;
  HWND hwnd;
  memset(&wc, 0, sizeof wc);
  wc.lpfnWndProc = icon_proc;
  wc.hInstance = GetModuleHandleW(NULL);
  wc.lpszClassName = L"sessionbridge notification";
  RegisterClassW(&wc);
  N.taskbar_created = RegisterWindowMessageW(L"TaskbarCreated");
  /* A top-level (hidden) window, not a message-only one: those get no
   * broadcasts, and TaskbarCreated is broadcast. */
  hwnd = CreateWindowExW(0, wc.lpszClassName, L"sessionbridge notification",
                         0, 0, 0, 0, 0, NULL, NULL, wc.hInstance, NULL);
  if (!hwnd)
    sb_log(SB_LOG_WARN, "notify: cannot create the icon's window: error %lu",
           (unsigned long)GetLastError());
  return hwnd;
}

static BOOL CALLBACK start_once(PINIT_ONCE once, PVOID param, PVOID *ctx) {
  (void)once, (void)param, (void)ctx;
  InitializeCriticalSection(&N.lock);
  N.win.create = icon_create;
  (void)sb__msgwin_start(&N.win); /* a task finds N.win.hwnd NULL */
  return TRUE;
}

/* UTF-8 into a fixed WCHAR field, cut to fit (never inside a surrogate
 * pair): the shell shows at most 63 title and 255 text characters, and a
 * longer one is shortened, not dropped. */
static int copy_w(WCHAR *dst, size_t cap, const char *src) {
  int n;
  WCHAR *w;
  dst[0] = 0;
  if (!src || !src[0])
    return 0;
  n = MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, src, -1, NULL, 0);
  if (n <= 0)
    return SB_EUTF8;
  w = sb_malloc((size_t)n * sizeof(WCHAR));
  if (!w)
    return SB_ENOMEM;
  MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, src, -1, w, n);
  sb_agent_wcopy(dst, cap, w);
  sb_free(w);
  return 0;
}

int sb_task_notify(const char *title, const char *text, int icon,
                   uint32_t wait_ms, sb_task_ctl_t *ctl, int *outcome,
                   int *shown) {
  static const DWORD flags[] = {NIIF_NONE, NIIF_INFO, NIIF_WARNING, NIIF_ERROR,
                                NIIF_INFO};
  note_t *n;
  DWORD_PTR r;
  int err;
  uint64_t start = sb_now_ms();
  if (!outcome)
    return SB_EINVAL;
  *outcome = 0;
  if (shown)
    *shown = 0;
  if ((err = sb_task_notify_check(title, text)) != 0)
    return err;
  n = sb_calloc(1, sizeof *n);
  if (!n)
    return SB_ENOMEM;
  n->refs = 1;
  if ((err = copy_w(n->title, sizeof n->title / sizeof n->title[0], title)) ||
      (err = copy_w(n->text, sizeof n->text / sizeof n->text[0], text))) {
    note_release(n);
    return err;
  }
  n->info_flags = flags[icon >= 0 && icon <= 4 ? icon : 0];
  n->done = CreateEventW(NULL, TRUE, FALSE, NULL);
  n->err = SB_EOS;
  InitOnceExecuteOnce(&N.once, start_once, NULL, NULL);
  if (!n->done || !N.win.hwnd) {
    note_release(n);
    return SB_EOS;
  }
  InterlockedIncrement(&n->refs); /* the icon thread's */
  if (!SendMessageTimeoutW(N.win.hwnd, WM_SB_SHOW, 0, (LPARAM)n, SMTO_NORMAL,
                           SHOW_SEND_MS, &r)) {
    /* The icon thread did not take it in time: it may later, with the
     * reference it was given. */
    note_release(n);
    return SB_ETIMEDOUT;
  }
  if (n->err) {
    err = n->err;
    note_release(n);
    return err;
  }
  /* Wait for what became of it, if asked, within the deadline (less a
   * tenth for the answer, at most 250 ms). */
  uint64_t limit = wait_ms;
  if (limit && ctl && ctl->deadline_ms) {
    uint32_t d = ctl->deadline_ms;
    uint32_t budget = d - (d / 10 < 250 ? d / 10 : 250);
    if (limit > budget)
      limit = budget;
  }
  while (limit) {
    uint64_t spent = sb_now_ms() - start;
    if (spent >= limit || (ctl && ctl->cancel))
      break;
    uint64_t left = limit - spent;
    if (WaitForSingleObject(n->done, left < 50 ? (DWORD)left : 50) ==
        WAIT_OBJECT_0)
      break;
  }
  EnterCriticalSection(&N.lock);
  *outcome = (int)n->outcome;
  if (shown)
    *shown = n->shown;
  LeaveCriticalSection(&N.lock);
  note_release(n);
  return 0;
}

void sb_task_notify_shutdown(void) {
  /* Nothing to do unless the icon thread was ever started. */
  sb__msgwin_stop(&N.win, "notify: icon");
}

/* For tests: the icon's window, to send it the shell's callbacks. */
HWND sb__notify_window(void);
HWND sb__notify_window(void) { return N.win.hwnd; }
