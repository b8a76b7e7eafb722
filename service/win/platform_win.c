/* SPDX-License-Identifier: MIT */
/* The service's OS seam on Windows: sessions (WTS), launching the agent
 * into a session (CreateProcessAsUserW), and the identity checks on
 * accepted pipe clients. */
#include "platform_win.h"
#include "svc_event.h"

#include <sddl.h>
#include <stdio.h>

#include "sessionbridge.h"
#include "service.h"

struct sb_agent_proc {
  HANDLE process;
  HANDLE job; /* this agent's own job: kill-on-close, only handle ours */
  DWORD pid;
};

/* A job per launch: a job belongs to the session of its first process
 * and all its processes must run in that one session, so one job for all
 * agents held only the first session's agent (the others failed to be
 * assigned and ran outside any job). Kill-on-close: the agent ends when
 * the service closes the handle, or dies. A process that cannot be put
 * in its job is ended while still suspended, before it ran an
 * instruction, and the reason is logged. */
int sb_win_launch_in_job(sb_win_platform_t *p, HANDLE process, DWORD pid,
                         HANDLE *job_out) {
  JOBOBJECT_EXTENDED_LIMIT_INFORMATION lim;
  HANDLE job = CreateJobObjectW(NULL, NULL);
  DWORD e = 0;
  const char *step = NULL;
  *job_out = NULL;
  memset(&lim, 0, sizeof lim);
  lim.BasicLimitInformation.LimitFlags = JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE;
  if (!job)
    step = "CreateJobObjectW";
  else if (!SetInformationJobObject(job, JobObjectExtendedLimitInformation,
                                    &lim, sizeof lim))
    step = "SetInformationJobObject";
  else if (!p->assign_job(job, process))
    step = "AssignProcessToJobObject";
  if (!step) {
    *job_out = job;
    return 0;
  }
  e = GetLastError();
  sb_log(SB_LOG_ERROR,
         "agent pid %lu could not be put in its job (%s failed: error %lu); "
         "ending it before it runs",
         (unsigned long)pid, step, (unsigned long)e);
  TerminateProcess(process, SB_WIN_EXIT_NO_JOB);
  WaitForSingleObject(process, 5000);
  if (job)
    CloseHandle(job);
  return SB_EOS;
}

static void wide_to_utf8(const WCHAR *w, char *out, size_t cap) {
  if (!WideCharToMultiByte(CP_UTF8, 0, w, -1, out, (int)cap, NULL, NULL))
    out[0] = 0;
}

static int utf8_to_wide(const char *s, WCHAR *out, int cap) {
  return MultiByteToWideChar(CP_UTF8, 0, s, -1, out, cap) ? 0 : SB_EINVAL;
}

static void query_string(sb_win_platform_t *p, DWORD session,
                         WTS_INFO_CLASS cls, char *out, size_t cap) {
  WCHAR *buf = NULL;
  DWORD bytes = 0;
  out[0] = 0;
  if (p->wts.query(WTS_CURRENT_SERVER_HANDLE, session, cls, &buf, &bytes) &&
      buf) {
    wide_to_utf8(buf, out, cap);
    p->wts.free_mem(buf);
  }
}

/* ---- "no token" is logged once per session ---- */

static int token_logged(sb_win_platform_t *p, DWORD session) {
  for (size_t i = 0; i < p->ntoken_logged; i++)
    if (p->token_logged[i] == session)
      return 1;
  return 0;
}

static void token_log_once(sb_win_platform_t *p, DWORD session, DWORD e) {
  if (token_logged(p, session) || p->ntoken_logged >= SB_WIN_MAX_SEEN)
    return;
  p->token_logged[p->ntoken_logged++] = session;
  /* At the logon screen, or before a logon has finished, there is no
   * token yet: normal, asked again at every enumeration, said once. */
  sb_log(e == ERROR_NO_TOKEN ? SB_LOG_INFO : SB_LOG_WARN,
         "session %lu: no user token (WTSQueryUserToken error %lu); no "
         "agent until there is one",
         (unsigned long)session, (unsigned long)e);
}

static void token_log_clear(sb_win_platform_t *p, DWORD session) {
  for (size_t i = 0; i < p->ntoken_logged; i++)
    if (p->token_logged[i] == session) {
      p->token_logged[i] = p->token_logged[--p->ntoken_logged];
      return;
    }
}

/* The session user's primary token. *os_err gets the Windows error on
 * failure (ERROR_NO_TOKEN: not logged on, or not yet). */
static int user_token(sb_win_platform_t *p, DWORD session, HANDLE *out,
                      DWORD *os_err) {
  HANDLE tok = NULL;
  *os_err = 0;
  if (!p->wts.user_token(session, &tok)) {
    DWORD e = GetLastError();
    /* run --console as an administrator lacks SeTcbPrivilege: use our
     * own token for our own session (a debugging mode, not the service). */
    DWORD mine = 0;
    if (!(p->console &&
          (e == ERROR_PRIVILEGE_NOT_HELD || e == ERROR_ACCESS_DENIED) &&
          ProcessIdToSessionId(GetCurrentProcessId(), &mine) &&
          mine == session &&
          OpenProcessToken(GetCurrentProcess(),
                           TOKEN_DUPLICATE | TOKEN_QUERY |
                               TOKEN_ASSIGN_PRIMARY,
                           &tok))) {
      *os_err = e;
      return e == ERROR_NO_TOKEN ? SB_ENOTOKEN : SB_EOS;
    }
  }
  HANDLE prim = NULL;
  BOOL ok = DuplicateTokenEx(tok, MAXIMUM_ALLOWED, NULL,
                             SecurityIdentification, TokenPrimary, &prim);
  *os_err = ok ? 0 : GetLastError();
  CloseHandle(tok);
  if (!ok)
    return SB_EOS;
  *out = prim;
  return 0;
}

/* The logon LUID: unique per logon since boot, unlike a session id
 * (reused) or a logon time (a clock reading). */
static int token_luid(HANDLE tok, uint64_t *luid) {
  TOKEN_STATISTICS st;
  DWORD n = 0;
  if (!GetTokenInformation(tok, TokenStatistics, &st, sizeof st, &n))
    return SB_EOS;
  *luid = ((uint64_t)(uint32_t)st.AuthenticationId.HighPart << 32) |
          st.AuthenticationId.LowPart;
  return 0;
}

static int token_sid(HANDLE tok, char *out, size_t cap) {
  BYTE buf[256];
  DWORD n = 0;
  LPSTR str = NULL;
  if (!GetTokenInformation(tok, TokenUser, buf, sizeof buf, &n) ||
      !ConvertSidToStringSidA(((TOKEN_USER *)buf)->User.Sid, &str))
    return SB_EOS;
  int fits = (size_t)snprintf(out, cap, "%s", str) < cap;
  LocalFree(str);
  return fits ? 0 : SB_ETOOBIG;
}

/* "DOMAIN\user" of the token's user: for a session WTS names no user for
 * (Wine's console), the name comes from the token, never made up. */
static int token_user_name(HANDLE tok, char *out, size_t cap) {
  BYTE buf[256];
  WCHAR name[128], dom[128];
  DWORD n = 0, nn = 128, nd = 128;
  SID_NAME_USE use;
  char n8[128], d8[128];
  if (!GetTokenInformation(tok, TokenUser, buf, sizeof buf, &n) ||
      !LookupAccountSidW(NULL, ((TOKEN_USER *)buf)->User.Sid, name, &nn, dom,
                         &nd, &use))
    return SB_EOS;
  wide_to_utf8(name, n8, sizeof n8);
  wide_to_utf8(dom, d8, sizeof d8);
  if (!n8[0])
    return SB_EOS;
  snprintf(out, cap, "%s%s%s", d8, d8[0] ? "\\" : "", n8);
  return 0;
}

/* A session with a user whose token can be had, or *ok = 0. WTS's user
 * name is the one shown; without one (Wine's console) the token's. */
static void fill_session(sb_win_platform_t *p, DWORD id, int need_wts_user,
                         sb_os_session_t *s, int *ok) {
  char domain[64];
  char user[64];
  HANDLE tok = NULL;
  DWORD e = 0;
  *ok = 0;
  memset(s, 0, sizeof *s);
  s->session_id = id;
  query_string(p, id, WTSUserName, user, sizeof user);
  query_string(p, id, WTSDomainName, domain, sizeof domain);
  if (!user[0] && need_wts_user)
    return; /* no one is logged on: nothing to ask a token for */
  if (user_token(p, id, &tok, &e) != 0) {
    token_log_once(p, id, e);
    return;
  }
  token_log_clear(p, id);
  if (token_luid(tok, &s->logon_id) == 0 &&
      (user[0] ? snprintf(s->user, sizeof s->user, "%s%s%s", domain,
                          domain[0] ? "\\" : "", user) >= 0
               : token_user_name(tok, s->user, sizeof s->user) == 0)) {
    s->has_user = 1;
    *ok = 1;
  }
  CloseHandle(tok);
  s->is_console = id == p->wts.console_session();
  /* WTS reports the lock state only through WTSSessionInfoEx, whose flag
   * is inverted on Windows 7 and which Wine lacks: leave it to the
   * SESSIONCHANGE lock/unlock events rather than guess. */
  s->locked = -1;
  /* The connect state is the enumeration's (the caller fills it in). */
  s->state[0] = 0;
}

/* WTS's connect state as the session manager's words; "" when it says
 * nothing about a client being attached (the core then keeps what the
 * SESSIONCHANGE events said). */
static const char *connect_state_name(WTS_CONNECTSTATE_CLASS st) {
  switch (st) {
  case WTSActive:
    return "active";
  case WTSConnected:
  case WTSConnectQuery:
  case WTSShadow:
    return "connected";
  case WTSDisconnected:
    return "disconnected";
  default:
    return "";
  }
}

static int enum_sessions(void *ctx, sb_os_session_t *out, size_t cap,
                         size_t *count) {
  sb_win_platform_t *p = ctx;
  WTS_SESSION_INFOW *list = NULL;
  DWORD n = 0;
  size_t k = 0;
  int ok;
  /* A failed enumeration is an error, never "no sessions" or "only the
   * console": the caller keeps what it knew (ending every other
   * session's agent on a transient failure would be worse). */
  if (!p->wts.enumerate(WTS_CURRENT_SERVER_HANDLE, 0, 1, &list, &n)) {
    sb_log(SB_LOG_WARN, "WTSEnumerateSessionsW failed: error %lu",
           (unsigned long)GetLastError());
    return SB_EOS;
  }
  for (DWORD i = 0; i < n && k < cap; i++) {
    /* Session 0 is ours; listeners and idle sessions have no user. */
    if (list[i].SessionId == 0 || list[i].State == WTSListen ||
        list[i].State == WTSIdle || list[i].State == WTSDown ||
        list[i].State == WTSInit)
      continue;
    fill_session(p, list[i].SessionId, 1, &out[k], &ok);
    if (ok)
      snprintf(out[k].state, sizeof out[k].state, "%s",
               connect_state_name(list[i].State));
    k += ok;
  }
  /* Wine lists no sessions at all, though its console session runs the
   * user's programs: only there, and only with a token for it. */
  if (n == 0 && p->wine_fallback && cap > 0) {
    DWORD console = p->wts.console_session();
    if (console != 0xFFFFFFFF && console != 0) {
      fill_session(p, console, 0, &out[0], &ok);
      k = ok ? 1 : 0;
    }
  }
  /* Remember what was reported; forget "no token" notes for sessions no
   * longer listed, so a later logon there is reported again. */
  p->nseen = 0;
  for (size_t i = 0; i < k && p->nseen < SB_WIN_MAX_SEEN; i++) {
    p->seen[p->nseen].session = out[i].session_id;
    p->seen[p->nseen++].luid = out[i].logon_id;
  }
  for (size_t i = 0; i < p->ntoken_logged;) {
    int listed = 0;
    for (DWORD j = 0; j < n && !listed; j++)
      listed = list && list[j].SessionId == p->token_logged[i];
    if (!listed && !(n == 0 && p->wine_fallback))
      p->token_logged[i] = p->token_logged[--p->ntoken_logged];
    else
      i++;
  }
  if (list)
    p->wts.free_mem(list);
  *count = k;
  return 0;
}

/* ---- launches: one token per launch ---- */

static void launch_clear(sb_win_launch_t *l) {
  if (l->token)
    CloseHandle(l->token);
  memset(l, 0, sizeof *l);
}

/* The not-yet-launched entry of a session (at most one: launches are
 * carried out one at a time by the manager thread). */
static sb_win_launch_t *launch_pending(sb_win_platform_t *p, DWORD session) {
  for (int i = 0; i < SB_WIN_MAX_SEEN; i++)
    if (p->launches[i].used && !p->launches[i].pid &&
        p->launches[i].session == session)
      return &p->launches[i];
  return NULL;
}

/* Fetch the session's token for one launch, read its SID and LUID, and
 * refuse it if the logon is not the one the last enumeration reported
 * (the user changed in between: the next enumeration ends the old
 * logon and starts the new one). Caller holds p->lock. */
static int launch_prepare(sb_win_platform_t *p, DWORD session,
                          sb_win_launch_t **out) {
  sb_win_launch_t *l = launch_pending(p, session);
  DWORD e = 0;
  int err;
  if (l)
    launch_clear(l); /* a previous attempt that never launched */
  for (int i = 0; i < SB_WIN_MAX_SEEN && !l; i++)
    if (!p->launches[i].used)
      l = &p->launches[i];
  if (!l)
    return SB_ELIMIT;
  if ((err = user_token(p, session, &l->token, &e)) != 0) {
    l->token = NULL;
    if (err != SB_ENOTOKEN)
      sb_log(SB_LOG_ERROR, "WTSQueryUserToken(%lu) failed: error %lu",
             (unsigned long)session, (unsigned long)e);
    return err;
  }
  l->used = 1;
  l->session = session;
  if ((err = token_luid(l->token, &l->luid)) != 0 ||
      (err = token_sid(l->token, l->sid, sizeof l->sid)) != 0) {
    launch_clear(l);
    return err;
  }
  for (size_t i = 0; i < p->nseen; i++)
    if (p->seen[i].session == session && p->seen[i].luid != l->luid) {
      sb_log(SB_LOG_INFO, "session %lu: the token is of another logon than "
                          "enumerated; waiting for the next enumeration",
             (unsigned long)session);
      launch_clear(l);
      return SB_ENOTOKEN;
    }
  *out = l;
  return 0;
}

static int agent_sddl(void *ctx, uint32_t session, char *buf, size_t cap) {
  sb_win_platform_t *p = ctx;
  sb_win_launch_t *l = NULL;
  EnterCriticalSection(&p->lock);
  int err = launch_prepare(p, session, &l);
  if (!err)
    err = sb_svc_agent_sddl(l->sid, buf, cap);
  LeaveCriticalSection(&p->lock);
  return err;
}

static int launch_agent(void *ctx, uint32_t session,
                        const sb_bootstrap_t *boot, sb_agent_proc_t **out,
                        uint32_t *pid) {
  sb_win_platform_t *p = ctx;
  sb_win_launch_t *l = NULL;
  HANDLE tok = NULL;
  void *env = NULL;
  sb_handle_t child = SB_INVALID_HANDLE, parent = SB_INVALID_HANDLE;
  LPPROC_THREAD_ATTRIBUTE_LIST attrs = NULL;
  SIZE_T attr_size = 0;
  STARTUPINFOEXW si;
  PROCESS_INFORMATION pi;
  WCHAR cmd[MAX_PATH + 64];
  HANDLE inherit[1];
  sb_agent_proc_t *proc = NULL;
  int err = 0;

  memset(&pi, 0, sizeof pi);
  /* The token agent_sddl fetched for this launch: the pipe's DACL names
   * the same user the process runs as. */
  EnterCriticalSection(&p->lock);
  l = launch_pending(p, session);
  if (!l)
    err = launch_prepare(p, session, &l);
  if (!err) {
    tok = l->token;
    l->token = NULL;
  }
  LeaveCriticalSection(&p->lock);
  if (err)
    return err;
  /* The agent exe could have been swapped since start: the same check as
   * at start, right before SYSTEM hands it a user's token. */
  char why[600];
  if ((err = sb_win_path_judge(p->agent_path, 1, why, sizeof why)) != 0) {
    sb_svc_log_kind(SB_EV_AGENT_REFUSED, SB_LOG_ERROR,
                    "refusing to launch the agent: %s", why);
    goto out;
  }
  if (!p->wts.create_env(&env, tok, FALSE)) {
    err = SB_EOS;
    goto out;
  }
  if ((err = sb__bootstrap_pipe(&child, &parent)) != 0)
    goto out;
  /* The bootstrap pipe is the only handle the agent inherits. */
  InitializeProcThreadAttributeList(NULL, 1, 0, &attr_size);
  attrs = sb_malloc(attr_size);
  inherit[0] = (HANDLE)child;
  if (!attrs || !InitializeProcThreadAttributeList(attrs, 1, 0, &attr_size) ||
      !UpdateProcThreadAttribute(attrs, 0, PROC_THREAD_ATTRIBUTE_HANDLE_LIST,
                                 inherit, sizeof inherit, NULL, NULL)) {
    err = SB_EOS;
    goto out;
  }
  memset(&si, 0, sizeof si);
  si.StartupInfo.cb = sizeof si;
  si.StartupInfo.lpDesktop = L"winsta0\\default";
  /* No "app starting" cursor for the user at each logon and relaunch:
   * the agent shows no window of its own. */
  si.StartupInfo.dwFlags = STARTF_FORCEOFFFEEDBACK;
  si.lpAttributeList = attrs;
  /* Quoted path and an explicit application name: no search path, no
   * "C:\Program.exe" ambiguity. The command line carries only the handle
   * number, never the key. */
  _snwprintf(cmd, sizeof cmd / sizeof cmd[0], L"\"%ls\" --bootstrap %llu",
             p->agent_path, (unsigned long long)child);
  cmd[sizeof cmd / sizeof cmd[0] - 1] = 0;
  if (!CreateProcessAsUserW(tok, p->agent_path, cmd, NULL, NULL, TRUE,
                            CREATE_UNICODE_ENVIRONMENT |
                                EXTENDED_STARTUPINFO_PRESENT |
                                CREATE_SUSPENDED,
                            env, NULL, &si.StartupInfo, &pi)) {
    sb_svc_log_kind(SB_EV_AGENT_LAUNCH_FAILED, SB_LOG_ERROR,
                    "CreateProcessAsUserW failed: error %lu",
                    (unsigned long)GetLastError());
    err = SB_EOS;
    goto out;
  }
  /* In its own job before it runs a single instruction: it cannot
   * outlive the service or escape the job. */
  HANDLE job = NULL;
  if ((err = sb_win_launch_in_job(p, pi.hProcess, pi.dwProcessId, &job)) !=
      0) {
    CloseHandle(pi.hThread);
    CloseHandle(pi.hProcess);
    goto out;
  }
  ResumeThread(pi.hThread);
  CloseHandle(pi.hThread);
  sb__handle_close(child);
  child = SB_INVALID_HANDLE;
  err = sb__bootstrap_send(parent, boot);
  parent = SB_INVALID_HANDLE;
  if (err) {
    TerminateProcess(pi.hProcess, 1);
    CloseHandle(pi.hProcess);
    CloseHandle(job);
    goto out;
  }
  proc = sb_calloc(1, sizeof *proc);
  if (!proc) {
    TerminateProcess(pi.hProcess, 1);
    CloseHandle(pi.hProcess);
    CloseHandle(job);
    err = SB_ENOMEM;
    goto out;
  }
  proc->job = job;
  proc->process = pi.hProcess;
  proc->pid = pi.dwProcessId;
  EnterCriticalSection(&p->lock);
  l->pid = pi.dwProcessId; /* kept with its SID for the peer check */
  LeaveCriticalSection(&p->lock);
  *out = proc;
  *pid = (uint32_t)pi.dwProcessId;
out:
  if (err) {
    EnterCriticalSection(&p->lock);
    launch_clear(l);
    LeaveCriticalSection(&p->lock);
  }
  if (attrs) {
    DeleteProcThreadAttributeList(attrs);
    sb_free(attrs);
  }
  sb__handle_close(child);
  sb__handle_close(parent);
  if (env)
    p->wts.destroy_env(env);
  if (tok)
    CloseHandle(tok);
  return err;
}

static int agent_exited(void *ctx, sb_agent_proc_t *p, uint32_t *code) {
  DWORD c = 0;
  (void)ctx;
  if (WaitForSingleObject(p->process, 0) != WAIT_OBJECT_0)
    return 0;
  GetExitCodeProcess(p->process, &c);
  *code = c;
  return 1;
}

static void agent_kill(void *ctx, sb_agent_proc_t *p) {
  (void)ctx;
  TerminateProcess(p->process, 1);
}

static void agent_free(void *ctx, sb_agent_proc_t *p) {
  sb_win_platform_t *plat = ctx;
  if (!p)
    return;
  EnterCriticalSection(&plat->lock);
  for (int i = 0; i < SB_WIN_MAX_SEEN; i++)
    if (plat->launches[i].used && plat->launches[i].pid == p->pid)
      launch_clear(&plat->launches[i]);
  LeaveCriticalSection(&plat->lock);
  if (WaitForSingleObject(p->process, 0) != WAIT_OBJECT_0) {
    TerminateProcess(p->process, 1);
    WaitForSingleObject(p->process, 2000);
  }
  CloseHandle(p->process);
  if (p->job)
    CloseHandle(p->job);
  sb_free(p);
}

/* Who is on the other end of an agent pipe: the pid we launched (we hold
 * its handle, so the pid cannot have been reused), in the session we
 * launched it into, running as that session's user. */
static int check_agent_peer(void *ctx, sb_stream_t *s, uint32_t pid,
                            uint32_t session) {
  sb_win_platform_t *p = ctx;
  sb_peer_t peer;
  char want[128];
  int found = 0;
  int err = sb_stream_peer(s, &peer);
  if (err)
    return err;
  if (peer.pid != pid) {
    sb_log(SB_LOG_WARN, "agent pipe: client pid %u, expected %u", peer.pid,
           pid);
    return SB_EPEER;
  }
  if (peer.session_id != session) {
    sb_log(SB_LOG_WARN, "agent pipe: client session %u, expected %u",
           peer.session_id, session);
    return SB_EPEER;
  }
  /* The user the agent was launched as, read from its launch token:
   * not the session's token of now, which may be another logon's. */
  EnterCriticalSection(&p->lock);
  for (int i = 0; i < SB_WIN_MAX_SEEN && !found; i++)
    if (p->launches[i].used && p->launches[i].pid == pid &&
        p->launches[i].session == session) {
      snprintf(want, sizeof want, "%s", p->launches[i].sid);
      found = 1;
    }
  LeaveCriticalSection(&p->lock);
  if (!found) {
    sb_log(SB_LOG_WARN, "agent pipe: no launch of pid %u in session %u", pid,
           session);
    return SB_EPEER;
  }
  if (strcmp(peer.sid, want) != 0) {
    sb_log(SB_LOG_WARN, "agent pipe: client user %s is not the session "
                        "user %s",
           peer.sid[0] ? peer.sid : "(unknown)", want);
    return SB_EPEER;
  }
  return 0;
}

static int check_control_peer(void *ctx, sb_stream_t *s) {
  int admin = 0;
  int err = sb_stream_peer_is_admin(s, &admin);
  (void)ctx;
  if (err)
    return err;
  return admin ? 0 : SB_EACCES;
}

static int session_message(void *ctx, uint32_t session, const char *title,
                           const char *text, int buttons, int icon,
                           uint32_t timeout_ms, int *pressed,
                           int *timed_out) {
  sb_win_platform_t *p = ctx;
  static const DWORD styles[] = {MB_OK, MB_OK, MB_OKCANCEL, MB_YESNO,
                                 MB_YESNOCANCEL, MB_RETRYCANCEL};
  static const DWORD icons[] = {0, MB_ICONINFORMATION, MB_ICONWARNING,
                                MB_ICONERROR, MB_ICONQUESTION};
  WCHAR wt[1100], wx[4096];
  DWORD resp = 0;
  if (utf8_to_wide(title, wt, 1100) || utf8_to_wide(text, wx, 4096))
    return SB_EINVAL;
  DWORD style = styles[buttons >= 0 && buttons <= 5 ? buttons : 0] |
                icons[icon >= 0 && icon <= 4 ? icon : 0];
  /* The classic answer for a session without an agent. Wine's is a stub
   * that returns FALSE at once. */
  if (!p->wts.send_message(WTS_CURRENT_SERVER_HANDLE, session, wt,
                       (DWORD)(lstrlenW(wt) * sizeof(WCHAR)), wx,
                       (DWORD)(lstrlenW(wx) * sizeof(WCHAR)), style,
                       (timeout_ms + 999) / 1000, &resp, TRUE)) {
    sb_log(SB_LOG_WARN, "WTSSendMessageW(session %u) failed: error %lu",
           session, (unsigned long)GetLastError());
    return SB_EOS;
  }
  *timed_out = resp == IDTIMEOUT;
  switch (resp) {
  case IDOK:
    *pressed = 1;
    break;
  case IDCANCEL:
    *pressed = 2;
    break;
  case IDYES:
    *pressed = 3;
    break;
  case IDNO:
    *pressed = 4;
    break;
  case IDRETRY:
    *pressed = 5;
    break;
  default:
    *pressed = 0;
  }
  return 0;
}

int sb_win_platform_init(sb_win_platform_t *p, const WCHAR *agent_path,
                         int console, sb_svc_platform_t *out) {
  memset(p, 0, sizeof *p);
  int err = sb_win_wts_load(&p->wts);
  if (err)
    return err;
  lstrcpynW(p->agent_path, agent_path, MAX_PATH);
  p->console = console;
  /* Explicit, and decided once: Windows always lists its sessions. */
  p->wine_fallback =
      GetProcAddress(GetModuleHandleW(L"ntdll.dll"), "wine_get_version") !=
      NULL;
  InitializeCriticalSection(&p->lock);
  /* Agents end when the service ends, even if it crashes: each in its
   * own kill-on-close job (sb_win_launch_in_job). */
  p->assign_job = AssignProcessToJobObject;
  memset(out, 0, sizeof *out);
  out->ctx = p;
  out->enum_sessions = enum_sessions;
  out->launch_agent = launch_agent;
  out->agent_exited = agent_exited;
  out->agent_kill = agent_kill;
  out->agent_free = agent_free;
  out->check_agent_peer = check_agent_peer;
  out->check_control_peer = check_control_peer;
  out->agent_sddl = agent_sddl;
  out->session_message = session_message;
  return 0;
}

void sb_win_platform_free(sb_win_platform_t *p) {
  for (int i = 0; i < SB_WIN_MAX_SEEN; i++)
    launch_clear(&p->launches[i]);
  if (p->wts.enumerate)
    DeleteCriticalSection(&p->lock);
  memset(&p->wts, 0, sizeof p->wts);
}
