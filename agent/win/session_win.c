/* SPDX-License-Identifier: MIT */
/* Session info in the agent: which session, who, locked or not, idle. */
#include <windows.h>

#include <stdio.h>
#include <string.h>
#include <wtsapi32.h>

#include "sessionbridge.h"
#include "tasks.h"

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
  return connect_state() == WTSDisconnected;
}

/* Locked, by a heuristic, because Windows has no "is locked" call for the
 * session's own processes: while the lock screen (or UAC's secure desktop)
 * has the input, the input desktop is Winlogon's, and a normal process
 * gets ERROR_ACCESS_DENIED from OpenInputDesktop; a process that may open
 * it (elevated, as under Wine) sees a name other than "Default". Any other
 * failure says nothing about the lock, and calling it locked would make
 * every desktop task refuse, so it counts as unlocked and is logged. */
int sb_task_session_locked(void) {
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
  switch (connect_state()) {
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
