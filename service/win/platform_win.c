/* The service's OS seam on Windows: sessions (WTS), launching the agent
 * into a session (CreateProcessAsUserW), and the identity checks on
 * accepted pipe clients. */
#include "platform_win.h"

#include <sddl.h>
#include <stdio.h>
#include <userenv.h>
#include <wtsapi32.h>

#include "sessionbridge.h"
#include "service.h"

struct sb_agent_proc {
  HANDLE process;
  DWORD pid;
};

static void wide_to_utf8(const WCHAR *w, char *out, size_t cap) {
  if (!WideCharToMultiByte(CP_UTF8, 0, w, -1, out, (int)cap, NULL, NULL))
    out[0] = 0;
}

static int utf8_to_wide(const char *s, WCHAR *out, int cap) {
  return MultiByteToWideChar(CP_UTF8, 0, s, -1, out, cap) ? 0 : SB_EINVAL;
}

static void query_string(DWORD session, WTS_INFO_CLASS cls, char *out,
                         size_t cap) {
  WCHAR *buf = NULL;
  DWORD bytes = 0;
  out[0] = 0;
  if (WTSQuerySessionInformationW(WTS_CURRENT_SERVER_HANDLE, session, cls,
                                  &buf, &bytes)) {
    wide_to_utf8(buf, out, cap);
    WTSFreeMemory(buf);
  }
}

/* The logon time identifies one logon of a session: a reused session id
 * after logoff/logon has a new one. */
static uint64_t logon_id_of(DWORD session) {
  WTSINFOW *info = NULL;
  DWORD bytes = 0;
  uint64_t id = 0;
  if (WTSQuerySessionInformationW(WTS_CURRENT_SERVER_HANDLE, session,
                                  WTSSessionInfo, (LPWSTR *)&info, &bytes) &&
      info) {
    id = (uint64_t)info->LogonTime.QuadPart;
    WTSFreeMemory(info);
  }
  return id ? id : 1;
}

static void fill_session(DWORD id, sb_os_session_t *s) {
  char domain[64];
  char user[64];
  memset(s, 0, sizeof *s);
  s->session_id = id;
  s->logon_id = logon_id_of(id);
  query_string(id, WTSUserName, user, sizeof user);
  query_string(id, WTSDomainName, domain, sizeof domain);
  if (user[0])
    snprintf(s->user, sizeof s->user, "%s%s%s", domain, domain[0] ? "\\" : "",
             user);
  s->has_user = user[0] != 0;
  s->is_console = id == WTSGetActiveConsoleSessionId();
  /* WTS reports the lock state only through WTSSessionInfoEx, whose flag
   * is inverted on Windows 7 and which Wine lacks: leave it to the
   * SESSIONCHANGE lock/unlock events rather than guess. */
  s->locked = -1;
  snprintf(s->state, sizeof s->state, "active");
}

static int enum_sessions(void *ctx, sb_os_session_t *out, size_t cap,
                         size_t *count) {
  WTS_SESSION_INFOW *list = NULL;
  DWORD n = 0;
  size_t k = 0;
  (void)ctx;
  if (WTSEnumerateSessionsW(WTS_CURRENT_SERVER_HANDLE, 0, 1, &list, &n)) {
    for (DWORD i = 0; i < n && k < cap; i++) {
      /* Session 0 is ours; listeners and idle sessions have no user. */
      if (list[i].SessionId == 0 || list[i].State == WTSListen ||
          list[i].State == WTSIdle || list[i].State == WTSDown ||
          list[i].State == WTSInit)
        continue;
      fill_session(list[i].SessionId, &out[k]);
      if (out[k].has_user)
        k++;
    }
    WTSFreeMemory(list);
  }
  /* Wine lists no sessions at all; the console session is still there. */
  if (k == 0 && cap > 0) {
    DWORD console = WTSGetActiveConsoleSessionId();
    if (console != 0xFFFFFFFF) {
      fill_session(console, &out[0]);
      if (!out[0].user[0]) {
        /* No WTS user name: the session still has a user if a token can
         * be had; let the launch decide (it reports ERROR_NO_TOKEN). */
        snprintf(out[0].user, sizeof out[0].user, "console");
      }
      out[0].has_user = 1;
      k = 1;
    }
  }
  *count = k;
  return 0;
}

/* The session user's token (primary), for launching and for the SID. */
static int user_token(sb_win_platform_t *p, DWORD session, HANDLE *out) {
  HANDLE tok = NULL;
  if (!WTSQueryUserToken(session, &tok)) {
    DWORD e = GetLastError();
    if (e == ERROR_NO_TOKEN)
      return SB_ENOTOKEN;
    /* run --console as an administrator lacks SeTcbPrivilege: use our
     * own token for our own session (a debugging mode, not the service). */
    if (p->console && (e == ERROR_PRIVILEGE_NOT_HELD ||
                       e == ERROR_ACCESS_DENIED)) {
      DWORD mine = 0;
      ProcessIdToSessionId(GetCurrentProcessId(), &mine);
      if (mine == session &&
          OpenProcessToken(GetCurrentProcess(),
                           TOKEN_DUPLICATE | TOKEN_QUERY |
                               TOKEN_ASSIGN_PRIMARY,
                           &tok))
        goto dup;
    }
    sb_log(SB_LOG_ERROR, "WTSQueryUserToken(%lu) failed: error %lu",
           (unsigned long)session, (unsigned long)e);
    return SB_EOS;
  }
dup:;
  HANDLE prim = NULL;
  BOOL ok = DuplicateTokenEx(tok, MAXIMUM_ALLOWED, NULL,
                             SecurityIdentification, TokenPrimary, &prim);
  CloseHandle(tok);
  if (!ok)
    return SB_EOS;
  *out = prim;
  return 0;
}

static int token_sid(HANDLE tok, char *out, size_t cap) {
  BYTE buf[256];
  DWORD n = 0;
  LPSTR str = NULL;
  if (!GetTokenInformation(tok, TokenUser, buf, sizeof buf, &n) ||
      !ConvertSidToStringSidA(((TOKEN_USER *)buf)->User.Sid, &str))
    return SB_EOS;
  snprintf(out, cap, "%s", str);
  LocalFree(str);
  return 0;
}

static int session_sid(sb_win_platform_t *p, DWORD session, char *out,
                       size_t cap) {
  HANDLE tok;
  int err = user_token(p, session, &tok);
  if (err)
    return err;
  err = token_sid(tok, out, cap);
  CloseHandle(tok);
  return err;
}

static int agent_sddl(void *ctx, uint32_t session, char *buf, size_t cap) {
  char sid[128];
  int err = session_sid(ctx, session, sid, sizeof sid);
  if (err)
    return err;
  return sb_svc_agent_sddl(sid, buf, cap);
}

static int launch_agent(void *ctx, uint32_t session,
                        const sb_bootstrap_t *boot, sb_agent_proc_t **out,
                        uint32_t *pid) {
  sb_win_platform_t *p = ctx;
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
  int err;

  memset(&pi, 0, sizeof pi);
  if ((err = user_token(p, session, &tok)) != 0)
    return err;
  if (!CreateEnvironmentBlock(&env, tok, FALSE)) {
    err = SB_EOS;
    goto out;
  }
  if ((err = sb_bootstrap_pipe(&child, &parent)) != 0)
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
    sb_log(SB_LOG_ERROR, "CreateProcessAsUserW failed: error %lu",
           (unsigned long)GetLastError());
    err = SB_EOS;
    goto out;
  }
  /* In the job before it runs a single instruction: it cannot outlive the
   * service or escape the job. */
  if (p->job && !AssignProcessToJobObject(p->job, pi.hProcess))
    sb_log(SB_LOG_WARN, "AssignProcessToJobObject failed: error %lu",
           (unsigned long)GetLastError());
  ResumeThread(pi.hThread);
  CloseHandle(pi.hThread);
  sb_handle_close(child);
  child = SB_INVALID_HANDLE;
  err = sb_bootstrap_send(parent, boot);
  parent = SB_INVALID_HANDLE;
  if (err) {
    TerminateProcess(pi.hProcess, 1);
    CloseHandle(pi.hProcess);
    goto out;
  }
  proc = sb_calloc(1, sizeof *proc);
  if (!proc) {
    TerminateProcess(pi.hProcess, 1);
    CloseHandle(pi.hProcess);
    err = SB_ENOMEM;
    goto out;
  }
  proc->process = pi.hProcess;
  proc->pid = pi.dwProcessId;
  *out = proc;
  *pid = (uint32_t)pi.dwProcessId;
out:
  if (attrs) {
    DeleteProcThreadAttributeList(attrs);
    sb_free(attrs);
  }
  sb_handle_close(child);
  sb_handle_close(parent);
  if (env)
    DestroyEnvironmentBlock(env);
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
  (void)ctx;
  if (!p)
    return;
  if (WaitForSingleObject(p->process, 0) != WAIT_OBJECT_0) {
    TerminateProcess(p->process, 1);
    WaitForSingleObject(p->process, 2000);
  }
  CloseHandle(p->process);
  sb_free(p);
}

/* Who is on the other end of an agent pipe: the pid we launched (we hold
 * its handle, so the pid cannot have been reused), in the session we
 * launched it into, running as that session's user. */
static int check_agent_peer(void *ctx, sb_stream_t *s, uint32_t pid,
                            uint32_t session) {
  sb_peer_t peer;
  char want[128];
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
  if ((err = session_sid(ctx, session, want, sizeof want)) != 0)
    return err;
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
  static const DWORD styles[] = {MB_OK, MB_OK, MB_OKCANCEL, MB_YESNO,
                                 MB_YESNOCANCEL, MB_RETRYCANCEL};
  static const DWORD icons[] = {0, MB_ICONINFORMATION, MB_ICONWARNING,
                                MB_ICONERROR, MB_ICONQUESTION};
  WCHAR wt[1100], wx[4096];
  DWORD resp = 0;
  (void)ctx;
  if (utf8_to_wide(title, wt, 1100) || utf8_to_wide(text, wx, 4096))
    return SB_EINVAL;
  DWORD style = styles[buttons >= 0 && buttons <= 5 ? buttons : 0] |
                icons[icon >= 0 && icon <= 4 ? icon : 0];
  /* The classic answer for a session without an agent. Wine's is a stub
   * that returns FALSE at once. */
  if (!WTSSendMessageW(WTS_CURRENT_SERVER_HANDLE, session, wt,
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
  JOBOBJECT_EXTENDED_LIMIT_INFORMATION lim;
  memset(p, 0, sizeof *p);
  lstrcpynW(p->agent_path, agent_path, MAX_PATH);
  p->console = console;
  /* Agents end when the service ends, even if it crashes. */
  p->job = CreateJobObjectW(NULL, NULL);
  if (p->job) {
    memset(&lim, 0, sizeof lim);
    lim.BasicLimitInformation.LimitFlags = JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE;
    SetInformationJobObject(p->job, JobObjectExtendedLimitInformation, &lim,
                            sizeof lim);
  }
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
  if (p->job)
    CloseHandle(p->job);
  p->job = NULL;
}
