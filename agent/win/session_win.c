/* SPDX-License-Identifier: MIT */
/* Session info in the agent: which session, who, locked or not, idle.
 *
 * The agent also watches its own session: a hidden window on a thread of
 * its own, registered with WTSRegisterSessionNotification, hears
 * WM_WTSSESSION_CHANGE for lock/unlock and console/remote connect and
 * disconnect. Windows has no "is this session locked" call for a
 * session's own processes; the lock event is the documented signal, and
 * the input-desktop heuristic below only covers what it cannot (an agent
 * started while the session was already locked, a UAC secure desktop).
 * Wine never sends these events (it has no lock and one console session
 * that never disconnects): tests send the window synthetic ones. */
#include <windows.h>

#include <stdio.h>
#include <string.h>
#include <wtsapi32.h>

#include "desktop_win.h"
#include "msgwin_win.h"
#include "sessionbridge.h"
#include "tasks.h"

/* What the session's own events said; -1: nothing yet. */
static struct {
  volatile LONG locked;       /* 1 after WTS_SESSION_LOCK, 0 after UNLOCK */
  volatile LONG disconnected; /* 1 after a *_DISCONNECT, 0 after *_CONNECT */
  volatile LONG remote;       /* the last connect/disconnect was RDP's */
  volatile LONG events;       /* how many of ours arrived */
  sb_msgwin_t win; /* the watch window and its thread */
  HMODULE wtsapi;
  int registered;
} W = {-1, -1, 0, 0, {NULL, NULL, NULL, NULL, NULL}, NULL, 0};

static void wide_to_utf8(const WCHAR *w, char *out, size_t cap) {
  if (!WideCharToMultiByte(CP_UTF8, 0, w, -1, out, (int)cap, NULL, NULL))
    out[0] = 0;
}

/* One WTS fact of the session, handed to use(). wtsapi32.dll is not a
 * KnownDLL: an import would let the loader take it from the agent's folder
 * before main(), so it is loaded from System32 only, when first needed.
 * 0 when WTS answered. */
static int wts_query(DWORD session, WTS_INFO_CLASS cls,
                     void (*use)(const void *buf, DWORD bytes, void *arg),
                     void *arg) {
  typedef BOOL(WINAPI * query_fn)(HANDLE, DWORD, WTS_INFO_CLASS, LPWSTR *,
                                  DWORD *);
  typedef void(WINAPI * free_fn)(PVOID);
  HMODULE m = LoadLibraryExW(L"wtsapi32.dll", NULL,
                             LOAD_LIBRARY_SEARCH_SYSTEM32);
  FARPROC q = m ? GetProcAddress(m, "WTSQuerySessionInformationW") : NULL;
  FARPROC f = m ? GetProcAddress(m, "WTSFreeMemory") : NULL;
  query_fn query;
  free_fn free_mem;
  WCHAR *buf = NULL;
  DWORD bytes = 0;
  int err = SB_EOS;
  if (q && f) {
    memcpy(&query, &q, sizeof q);
    memcpy(&free_mem, &f, sizeof f);
    if (query(WTS_CURRENT_SERVER_HANDLE, session, cls, &buf, &bytes) &&
        buf) {
      use(buf, bytes, arg);
      free_mem(buf);
      err = 0;
    }
  }
  if (m)
    FreeLibrary(m);
  return err;
}

typedef struct {
  char *out;
  size_t cap;
} str_out_t;

static void use_string(const void *buf, DWORD bytes, void *arg) {
  str_out_t *o = arg;
  (void)bytes;
  wide_to_utf8(buf, o->out, o->cap);
}

static void wts_string(DWORD session, WTS_INFO_CLASS cls, char *out,
                       size_t cap) {
  str_out_t o = {out, cap};
  out[0] = 0;
  wts_query(session, cls, use_string, &o);
}

static void use_int(const void *buf, DWORD bytes, void *arg) {
  if (bytes >= sizeof(INT))
    memcpy(arg, buf, sizeof(INT));
}

/* WTSConnectState of our session (a WTS_CONNECTSTATE_CLASS), or -1 when
 * WTS cannot say. The input desktop cannot tell: in a disconnected
 * session OpenInputDesktop returns the desktop that will be active on
 * reconnect, "Default". */
static int connect_state(void) {
  DWORD session = 0;
  INT state = -1;
  if (!ProcessIdToSessionId(GetCurrentProcessId(), &session) ||
      wts_query(session, WTSConnectState, use_int, &state) != 0)
    return -1;
  return state;
}

int sb_task_session_disconnected(void) {
  int state = connect_state();
  /* WTS cannot say (no Terminal Services): the last event, if any. */
  if (state < 0)
    return InterlockedCompareExchange(&W.disconnected, 0, 0) == 1;
  return state == WTSDisconnected;
}

/* Locked, by a heuristic, because Windows has no "is locked" call for the
 * session's own processes: while the lock screen (or UAC's secure desktop)
 * has the input, the input desktop is Winlogon's, and a normal process
 * gets ERROR_ACCESS_DENIED from OpenInputDesktop; a process that may open
 * it (elevated, as under Wine) sees a name other than "Default". Any other
 * failure says nothing about the lock, and calling it locked would make
 * every desktop task refuse, so it counts as unlocked and is logged. */
static int input_desktop_locked(void);

int sb_task_session_locked(void) {
  /* The lock event is the truth; the heuristic catches what came before
   * the watch started, and secure desktops. */
  if (InterlockedCompareExchange(&W.locked, 0, 0) == 1)
    return 1;
  return input_desktop_locked();
}

static int input_desktop_locked(void) {
  HDESK d = OpenInputDesktop(0, FALSE, DESKTOP_READOBJECTS);
  WCHAR name[64];
  DWORD n = 0;
  int locked = 0;
  if (!d) {
    DWORD e = GetLastError();
    if (e == ERROR_ACCESS_DENIED)
      return 1;
    sb_log(SB_LOG_DEBUG, "session: OpenInputDesktop failed: error %lu",
           (unsigned long)e);
    return 0;
  }
  if (GetUserObjectInformationW(d, UOI_NAME, name, sizeof name, &n))
    locked = lstrcmpiW(name, L"Default") != 0;
  CloseDesktop(d);
  return locked;
}

int sb_task_session_info(sb_task_session_info_t *out) {
  DWORD session = 0;
  LASTINPUTINFO lii;
  if (!out)
    return SB_EINVAL;
  memset(out, 0, sizeof *out);
  if (!ProcessIdToSessionId(GetCurrentProcessId(), &session))
    return SB_EOS;
  out->session_id = session;
  wts_string(session, WTSUserName, out->user, sizeof out->user);
  wts_string(session, WTSDomainName, out->domain, sizeof out->domain);
  if (!out->user[0]) {
    /* No WTS answer (no Terminal Services): our own token's name. */
    WCHAR name[128];
    DWORD n = 128;
    if (GetUserNameW(name, &n))
      wide_to_utf8(name, out->user, sizeof out->user);
  }
  if (!out->domain[0]) {
    /* A local account's domain is the computer's name. */
    WCHAR name[MAX_COMPUTERNAME_LENGTH + 1];
    DWORD n = MAX_COMPUTERNAME_LENGTH + 1;
    if (GetComputerNameW(name, &n))
      wide_to_utf8(name, out->domain, sizeof out->domain);
  }
  out->locked = sb_task_session_locked();
  /* Idle time: now minus the last input event. Wine keeps dwTime at 0
   * until real input arrives, so a fresh Xvfb shows the uptime. */
  lii.cbSize = sizeof lii;
  if (GetLastInputInfo(&lii))
    out->idle_ms = (uint64_t)(GetTickCount() - lii.dwTime);
  out->is_console = session == WTSGetActiveConsoleSessionId();
  /* The connect state first: a disconnected session may also be locked
   * (Windows locks an RDP session whose client went away), and what the
   * caller needs to hear is that nobody is there. */
  int cs = connect_state();
  /* WTS cannot say: the session's own last event, if any. */
  if (cs < 0 && InterlockedCompareExchange(&W.disconnected, 0, 0) == 1)
    cs = WTSDisconnected;
  switch (cs) {
  case WTSDisconnected:
    snprintf(out->state, sizeof out->state, "disconnected");
    break;
  case WTSConnected:
  case WTSConnectQuery:
    snprintf(out->state, sizeof out->state, "connected");
    break;
  default: /* WTSActive, or WTS cannot say (then the desktop is ours) */
    snprintf(out->state, sizeof out->state, "%s",
             out->locked ? "locked" : "active");
    break;
  }
  return 0;
}

/* ---- the session's own events ---- */

static LRESULT CALLBACK watch_proc(HWND hwnd, UINT msg, WPARAM wp, LPARAM lp) {
  if (msg == WM_WTSSESSION_CHANGE) {
    DWORD mine = 0;
    ProcessIdToSessionId(GetCurrentProcessId(), &mine);
    /* lParam is the session the event is about: only ours counts. */
    if ((DWORD)lp != mine)
      return 0;
    switch (wp) {
    case WTS_SESSION_LOCK:
      InterlockedExchange(&W.locked, 1);
      break;
    case WTS_SESSION_UNLOCK:
      InterlockedExchange(&W.locked, 0);
      break;
    case WTS_CONSOLE_CONNECT:
    case WTS_REMOTE_CONNECT:
      InterlockedExchange(&W.disconnected, 0);
      InterlockedExchange(&W.remote, wp == WTS_REMOTE_CONNECT);
      break;
    case WTS_CONSOLE_DISCONNECT:
    case WTS_REMOTE_DISCONNECT:
      InterlockedExchange(&W.disconnected, 1);
      InterlockedExchange(&W.remote, wp == WTS_REMOTE_DISCONNECT);
      break;
    default:
      return 0;
    }
    InterlockedIncrement(&W.events);
    sb_log(SB_LOG_INFO, "session: event %lu for session %lu",
           (unsigned long)wp, (unsigned long)mine);
    return 0;
  }
  if (msg == WM_CLOSE) {
    DestroyWindow(hwnd);
    return 0;
  }
  if (msg == WM_DESTROY) {
    PostQuitMessage(0);
    return 0;
  }
  return DefWindowProcW(hwnd, msg, wp, lp);
}

/* WTSRegisterSessionNotification from System32's wtsapi32.dll, loaded at
 * run time like the queries above (it is not a KnownDLL). The module stays
 * loaded while registered. */
static void watch_register(HWND hwnd) {
  typedef BOOL(WINAPI * reg_fn)(HWND, DWORD);
  FARPROC p;
  reg_fn reg;
  W.wtsapi = LoadLibraryExW(L"wtsapi32.dll", NULL,
                            LOAD_LIBRARY_SEARCH_SYSTEM32);
  p = W.wtsapi ? GetProcAddress(W.wtsapi, "WTSRegisterSessionNotification")
               : NULL;
  if (!p) {
    sb_log(SB_LOG_WARN, "session: no WTSRegisterSessionNotification in "
                        "System32's wtsapi32.dll: lock events not heard");
    return;
  }
  memcpy(&reg, &p, sizeof p);
  W.registered = reg(hwnd, NOTIFY_FOR_THIS_SESSION) != 0;
  if (!W.registered)
    sb_log(SB_LOG_WARN, "session: WTSRegisterSessionNotification failed: "
                        "error %lu",
           (unsigned long)GetLastError());
}

static void watch_unregister(HWND hwnd) {
  typedef BOOL(WINAPI * unreg_fn)(HWND);
  FARPROC p = W.wtsapi ? GetProcAddress(W.wtsapi,
                                        "WTSUnRegisterSessionNotification")
                       : NULL;
  unreg_fn unreg;
  if (W.registered && p) {
    memcpy(&unreg, &p, sizeof p);
    unreg(hwnd);
  }
  W.registered = 0;
  if (W.wtsapi)
    FreeLibrary(W.wtsapi);
  W.wtsapi = NULL;
}

/* On the watch window's thread (msgwin_win.c). */
static HWND watch_create(void) {
  WNDCLASSW wc;
  HWND hwnd;
  memset(&wc, 0, sizeof wc);
  wc.lpfnWndProc = watch_proc;
  wc.hInstance = GetModuleHandleW(NULL);
  wc.lpszClassName = L"sessionbridge session watch";
  RegisterClassW(&wc);
  /* A hidden top-level window: the session notifications go to the
   * window registered, and a message-only window is not documented to
   * get them. */
  hwnd = CreateWindowExW(0, wc.lpszClassName, L"sessionbridge session", 0, 0,
                         0, 0, 0, NULL, NULL, wc.hInstance, NULL);
  if (hwnd)
    watch_register(hwnd);
  else
    sb_log(SB_LOG_WARN, "session: cannot create the watch window: error %lu",
           (unsigned long)GetLastError());
  return hwnd;
}

int sb_task_session_watch_start(void) {
  int err;
  if (W.win.thread)
    return 0;
  W.win.create = watch_create;
  W.win.done = watch_unregister;
  err = sb__msgwin_start(&W.win);
  if (!W.win.thread)
    return err;
  sb_log(SB_LOG_INFO, "session: watching the session's own events (%s)",
         W.registered ? "registered" : "not registered");
  return err;
}

void sb_task_session_watch_stop(void) {
  sb__msgwin_stop(&W.win, "session: watch");
}

/* For tests: the watch window (to send it events), whether the
 * registration succeeded, and how many of the session's events came. */
HWND sb__session_window(void);
HWND sb__session_window(void) { return W.win.hwnd; }
int sb__session_registered(void);
int sb__session_registered(void) { return W.registered; }
long sb__session_events(void);
long sb__session_events(void) {
  return InterlockedCompareExchange(&W.events, 0, 0);
}
