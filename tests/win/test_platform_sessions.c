/* SPDX-License-Identifier: MIT */
/* Session discovery of the Windows platform, with wtsapi32 replaced by
 * fakes under it: Wine has one session and never fails an enumeration,
 * so failures, users without tokens, several sessions and a user change
 * between enumeration and launch are only reachable this way. Tokens are
 * real (this process's), so LUIDs and SIDs are read the real way. */
#include <windows.h>

#include <sddl.h>
#include <stdio.h>
#include <string.h>

#include "platform_win.h"
#include "sbtest.h"
#include "service.h"
#include "sessionbridge.h"

#define NFAKE 4
#define CHECK_STR(a, b) CHECK(strcmp((a), (b)) == 0)

static struct {
  int enum_fail;
  DWORD n;
  DWORD ids[NFAKE];
  const WCHAR *users[NFAKE]; /* "" no one logged on */
  int no_token[NFAKE];
  int disconnected[NFAKE]; /* listed WTSDisconnected, else WTSActive */
  DWORD console;
  int console_no_token;
  int token_calls;
  int log_no_token; /* lines "no user token" seen by the sink */
} F;

static int slot(DWORD id) {
  for (DWORD i = 0; i < F.n; i++)
    if (F.ids[i] == id)
      return (int)i;
  return -1;
}

static BOOL WINAPI fake_enumerate(HANDLE srv, DWORD r, DWORD v,
                                  WTS_SESSION_INFOW **out, DWORD *n) {
  (void)srv, (void)r, (void)v;
  if (F.enum_fail) {
    SetLastError(ERROR_ACCESS_DENIED);
    return FALSE;
  }
  WTS_SESSION_INFOW *l = LocalAlloc(LPTR, sizeof *l * (F.n + 1));
  for (DWORD i = 0; i < F.n; i++) {
    l[i].SessionId = F.ids[i];
    l[i].State = F.disconnected[i] ? WTSDisconnected : WTSActive;
    l[i].pWinStationName = L"Console";
  }
  *out = l;
  *n = F.n;
  return TRUE;
}

static BOOL WINAPI fake_query(HANDLE srv, DWORD id, WTS_INFO_CLASS cls,
                              LPWSTR *out, DWORD *bytes) {
  const WCHAR *v = L"";
  int i = slot(id);
  (void)srv;
  if (cls == WTSUserName)
    v = i >= 0 ? F.users[i] : (id == F.console ? L"" : NULL);
  else if (cls == WTSDomainName)
    v = L"DOM";
  if (!v) {
    SetLastError(ERROR_FILE_NOT_FOUND);
    return FALSE;
  }
  size_t len = (wcslen(v) + 1) * sizeof(WCHAR);
  *out = LocalAlloc(LPTR, len);
  memcpy(*out, v, len);
  *bytes = (DWORD)len;
  return TRUE;
}

static void WINAPI fake_free(PVOID p) { LocalFree(p); }

static BOOL WINAPI fake_token(ULONG id, PHANDLE out) {
  int i = slot(id);
  F.token_calls++;
  if ((i >= 0 && F.no_token[i]) ||
      (i < 0 && (id != F.console || F.console_no_token))) {
    SetLastError(ERROR_NO_TOKEN);
    return FALSE;
  }
  return OpenProcessToken(GetCurrentProcess(),
                          TOKEN_DUPLICATE | TOKEN_QUERY |
                              TOKEN_ASSIGN_PRIMARY,
                          out);
}

static DWORD WINAPI fake_console(void) { return F.console; }

static void sink(void *arg, sb_log_level_t level, const char *msg) {
  (void)arg, (void)level;
  if (strstr(msg, "no user token"))
    F.log_no_token++;
}

static void setup(sb_win_platform_t *wp, sb_svc_platform_t *plat) {
  memset(&F, 0, sizeof F);
  F.console = 1;
  CHECK_OK(sb_win_platform_init(wp, L"C:\\x\\sbagent.exe", 0, plat));
  wp->wts.enumerate = fake_enumerate;
  wp->wts.query = fake_query;
  wp->wts.free_mem = fake_free;
  wp->wts.user_token = fake_token;
  wp->wts.console_session = fake_console;
  wp->wine_fallback = 0;
  sb_log_set_sink(sink, NULL, SB_LOG_DEBUG);
}

static uint64_t my_luid(void) {
  HANDLE t;
  TOKEN_STATISTICS st;
  DWORD n;
  CHECK(OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &t));
  CHECK(GetTokenInformation(t, TokenStatistics, &st, sizeof st, &n));
  CloseHandle(t);
  return ((uint64_t)(uint32_t)st.AuthenticationId.HighPart << 32) |
         st.AuthenticationId.LowPart;
}

static void my_sid(char *out, size_t cap) {
  HANDLE t;
  BYTE buf[256];
  DWORD n;
  LPSTR s;
  CHECK(OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &t));
  CHECK(GetTokenInformation(t, TokenUser, buf, sizeof buf, &n));
  CHECK(ConvertSidToStringSidA(((TOKEN_USER *)buf)->User.Sid, &s));
  snprintf(out, cap, "%s", s);
  LocalFree(s);
  CloseHandle(t);
}

SB_TEST(platform_sessions_enum_failure_is_error) {
  sb_win_platform_t wp;
  sb_svc_platform_t plat;
  sb_os_session_t out[8];
  size_t n = 99;
  setup(&wp, &plat);
  F.n = 1;
  F.ids[0] = 1;
  F.users[0] = L"alice";
  F.enum_fail = 1;
  /* Not "only the console", not an empty success: an error, so the core
   * keeps the sessions it knew. Even with Wine's fallback on. */
  CHECK_ERR(plat.enum_sessions(plat.ctx, out, 8, &n), SB_EOS);
  wp.wine_fallback = 1;
  CHECK_ERR(plat.enum_sessions(plat.ctx, out, 8, &n), SB_EOS);
  CHECK_EQ(n, 99);
  F.enum_fail = 0;
  CHECK_OK(plat.enum_sessions(plat.ctx, out, 8, &n));
  CHECK_EQ(n, 1);
  sb_win_platform_free(&wp);
}

SB_TEST(platform_sessions_keyed_by_luid) {
  sb_win_platform_t wp;
  sb_svc_platform_t plat;
  sb_os_session_t out[8];
  size_t n = 0;
  setup(&wp, &plat);
  F.n = 3;
  F.ids[0] = 1, F.users[0] = L"alice";
  F.ids[1] = 2, F.users[1] = L""; /* logon screen */
  F.ids[2] = 3, F.users[2] = L"bob", F.no_token[2] = 1;
  CHECK_OK(plat.enum_sessions(plat.ctx, out, 8, &n));
  CHECK_EQ(n, 1);
  CHECK_EQ(out[0].session_id, 1);
  CHECK(out[0].has_user);
  CHECK_STR(out[0].user, "DOM\\alice");
  /* The logon LUID of the session's token, not a time or a constant. */
  CHECK(out[0].logon_id == my_luid());
  /* Session 2 names no user: no token was asked for it. */
  CHECK_EQ(F.token_calls, 2);
  sb_win_platform_free(&wp);
}

SB_TEST(platform_sessions_no_token_logged_once) {
  sb_win_platform_t wp;
  sb_svc_platform_t plat;
  sb_os_session_t out[8];
  size_t n = 0;
  setup(&wp, &plat);
  F.n = 1;
  F.ids[0] = 3, F.users[0] = L"bob", F.no_token[0] = 1;
  for (int i = 0; i < 5; i++) {
    CHECK_OK(plat.enum_sessions(plat.ctx, out, 8, &n));
    CHECK_EQ(n, 0);
  }
  CHECK_EQ(F.log_no_token, 1);
  /* The token comes: listed, and a later loss is news again. */
  F.no_token[0] = 0;
  CHECK_OK(plat.enum_sessions(plat.ctx, out, 8, &n));
  CHECK_EQ(n, 1);
  F.no_token[0] = 1;
  CHECK_OK(plat.enum_sessions(plat.ctx, out, 8, &n));
  CHECK_OK(plat.enum_sessions(plat.ctx, out, 8, &n));
  CHECK_EQ(F.log_no_token, 2);
  sb_win_platform_free(&wp);
}

SB_TEST(platform_sessions_no_invented_user) {
  sb_win_platform_t wp;
  sb_svc_platform_t plat;
  sb_os_session_t out[8];
  size_t n = 9;
  char want[160];
  WCHAR name[128], dom[128];
  DWORD nn = 128, nd = 128;
  setup(&wp, &plat);
  /* Windows listing nothing: nothing, the console is not made up. */
  F.n = 0;
  F.console = 1;
  CHECK_OK(plat.enum_sessions(plat.ctx, out, 8, &n));
  CHECK_EQ(n, 0);
  /* Wine (fallback on): the console session, named after its token's
   * user since WTS gives no name, never "console". */
  wp.wine_fallback = 1;
  CHECK_OK(plat.enum_sessions(plat.ctx, out, 8, &n));
  CHECK_EQ(n, 1);
  CHECK_EQ(out[0].session_id, 1);
  CHECK(strcmp(out[0].user, "console") != 0);
  {
    HANDLE t;
    BYTE buf[256];
    DWORD k;
    SID_NAME_USE use;
    CHECK(OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &t));
    CHECK(GetTokenInformation(t, TokenUser, buf, sizeof buf, &k));
    nn = 128;
    CHECK(LookupAccountSidW(NULL, ((TOKEN_USER *)buf)->User.Sid, name, &nn,
                            dom, &nd, &use));
    CloseHandle(t);
  }
  snprintf(want, sizeof want, "%ls%s%ls", dom, dom[0] ? "\\" : "", name);
  CHECK_STR(out[0].user, want);
  /* No token for the console (the logon screen): no session at all. */
  F.console_no_token = 1;
  CHECK_OK(plat.enum_sessions(plat.ctx, out, 8, &n));
  CHECK_EQ(n, 0);
  sb_win_platform_free(&wp);
}

SB_TEST(platform_sessions_token_once_per_launch) {
  sb_win_platform_t wp;
  sb_svc_platform_t plat;
  sb_os_session_t out[8];
  size_t n = 0;
  char sddl[512], sid[128];
  setup(&wp, &plat);
  F.n = 1;
  F.ids[0] = 1, F.users[0] = L"alice";
  CHECK_OK(plat.enum_sessions(plat.ctx, out, 8, &n));
  CHECK_EQ(n, 1);
  F.token_calls = 0;
  /* The pipe's DACL names the SID read from the launch's one token, and
   * that token, SID and LUID are kept for the launch and the peer check. */
  CHECK_OK(plat.agent_sddl(plat.ctx, 1, sddl, sizeof sddl));
  CHECK_EQ(F.token_calls, 1);
  my_sid(sid, sizeof sid);
  CHECK(strstr(sddl, sid) != NULL);
  int found = 0;
  for (int i = 0; i < SB_WIN_MAX_SEEN; i++)
    if (wp.launches[i].used && wp.launches[i].session == 1) {
      found++;
      CHECK(wp.launches[i].token != NULL);
      CHECK(wp.launches[i].luid == my_luid());
      CHECK_STR(wp.launches[i].sid, sid);
    }
  CHECK_EQ(found, 1);
  /* A second prepare replaces the first: still one entry per session. */
  CHECK_OK(plat.agent_sddl(plat.ctx, 1, sddl, sizeof sddl));
  found = 0;
  for (int i = 0; i < SB_WIN_MAX_SEEN; i++)
    found += wp.launches[i].used;
  CHECK_EQ(found, 1);
  /* The session's token belongs to another logon than the enumeration
   * reported (the user changed in between): no launch with it. */
  wp.seen[0].luid ^= 0x5a5a;
  CHECK_ERR(plat.agent_sddl(plat.ctx, 1, sddl, sizeof sddl), SB_ENOTOKEN);
  found = 0;
  for (int i = 0; i < SB_WIN_MAX_SEEN; i++)
    found += wp.launches[i].used;
  CHECK_EQ(found, 0);
  sb_win_platform_free(&wp);
}

/* The connect state comes from the enumeration (an RDP session whose
 * client went away is WTSDisconnected), so the service's tracking can
 * correct a missed SESSIONCHANGE. */
SB_TEST(platform_sessions_connect_state) {
  sb_win_platform_t wp;
  sb_svc_platform_t plat;
  sb_os_session_t out[8];
  size_t n = 0;
  setup(&wp, &plat);
  F.n = 2;
  F.ids[0] = 1, F.users[0] = L"alice";
  F.ids[1] = 2, F.users[1] = L"bob", F.disconnected[1] = 1;
  CHECK_OK(plat.enum_sessions(plat.ctx, out, 8, &n));
  CHECK_EQ(n, 2);
  CHECK_STR(out[0].state, "active");
  CHECK_STR(out[1].state, "disconnected");
  sb_win_platform_free(&wp);
}
