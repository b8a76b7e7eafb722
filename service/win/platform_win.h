/* SPDX-License-Identifier: MIT */
#ifndef SB_PLATFORM_WIN_H
#define SB_PLATFORM_WIN_H

#include <windows.h>

#include <wtsapi32.h>

#include "platform.h"

/* Data directory: owner Administrators (an owner may always rewrite the
 * DACL, so a folder a user made stays theirs until the owner changes),
 * SYSTEM and Administrators only, protected from inheritance, inherited
 * by its files (the logs). */
#define SB_DATA_DIR_SDDL L"O:BAD:PAI(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)"
/* The control key file itself. */
#define SB_KEY_FILE_SDDL L"O:BAD:P(A;;FA;;;SY)(A;;FA;;;BA)"

/* datadir_win.c: the descriptor the data folder (folder != 0) or the key
 * is given, built from the SDDL above (LocalFree it). */
int sb_win_data_sd(int folder, PSECURITY_DESCRIPTOR *out);
/* 1 when the path (or, if h is a handle opened with
 * FILE_FLAG_OPEN_REPARSE_POINT, the object itself) is a reparse point:
 * a junction, symbolic link or mount point. */
int sb_win_path_is_reparse(const WCHAR *path, HANDLE h);

/* The session functions of wtsapi32.dll and userenv.dll. Neither is a
 * KnownDLL, so importing them would let the loader take a copy from the
 * program's folder before main() runs; they are resolved from System32
 * at run time instead (sb_win_wts_load). A table also lets tests put
 * fakes under the platform (failures and sessions Wine cannot show). */
typedef struct {
  BOOL(WINAPI *enumerate)(HANDLE, DWORD, DWORD, WTS_SESSION_INFOW **,
                          DWORD *);
  BOOL(WINAPI *query)(HANDLE, DWORD, WTS_INFO_CLASS, LPWSTR *, DWORD *);
  void(WINAPI *free_mem)(PVOID);
  BOOL(WINAPI *user_token)(ULONG, PHANDLE);
  BOOL(WINAPI *send_message)(HANDLE, DWORD, LPWSTR, DWORD, LPWSTR, DWORD,
                             DWORD, DWORD, DWORD *, BOOL);
  DWORD(WINAPI *console_session)(void);
  BOOL(WINAPI *create_env)(LPVOID *, HANDLE, BOOL);
  BOOL(WINAPI *destroy_env)(LPVOID);
} sb_win_wts_t;

/* Fill t from System32's wtsapi32.dll and userenv.dll (kept loaded). */
int sb_win_wts_load(sb_win_wts_t *t);

/* acl_win.c: the ACL judge. 0 when no one but SYSTEM, Administrators,
 * TrustedInstaller or the account we run as (self_sid, may be NULL) may
 * write, append, delete, re-permission or take ownership (owner included);
 * else SB_EINSECURE and *why names the owner or the ACE. */
int sb_win_sd_judge(PSECURITY_DESCRIPTOR sd, const char *self_sid,
                    char *why, size_t cap);
/* The same for a file or folder on disk, and with parents != 0 for every
 * folder above it up to the volume root. *why starts with the path. */
int sb_win_path_judge(const WCHAR *path, int parents, char *why, size_t cap);
/* The string SID of the account this process runs as. */
int sb_win_self_sid(char *out, size_t cap);

#define SB_WIN_MAX_SEEN 64

/* One agent launch in progress or running: the token it was given, and
 * the user SID + logon LUID read from that token once, for the pipe's
 * DACL, the launch and the later peer check alike. */
typedef struct {
  int used;
  DWORD session;
  DWORD pid;          /* 0 until launched */
  uint64_t luid;      /* TokenStatistics.AuthenticationId */
  char sid[128];
  HANDLE token;       /* primary; closed once the process is created */
} sb_win_launch_t;

/* The Windows OS seam of the service (platform_win.c). */
typedef struct {
  WCHAR agent_path[MAX_PATH];
  /* AssignProcessToJobObject; a test may put a failing one in. */
  BOOL(WINAPI *assign_job)(HANDLE job, HANDLE process);
  int console; /* run --console: not LocalSystem, may need a fallback */
  /* Wine lists no sessions; only there is the console session taken on
   * its own (set by init from ntdll's wine_get_version, never on
   * Windows). */
  int wine_fallback;
  sb_win_wts_t wts;
  CRITICAL_SECTION lock; /* launches[]: manager and connection threads */
  sb_win_launch_t launches[SB_WIN_MAX_SEEN];
  /* The logons the last enumeration reported, so a launch whose token
   * belongs to another logon is refused (the user changed in between). */
  struct {
    DWORD session;
    uint64_t luid;
  } seen[SB_WIN_MAX_SEEN];
  size_t nseen;
  /* Sessions whose "no token" was logged already (once per session). */
  DWORD token_logged[SB_WIN_MAX_SEEN];
  size_t ntoken_logged;
} sb_win_platform_t;

int sb_win_platform_init(sb_win_platform_t *p, const WCHAR *agent_path,
                         int console, sb_svc_platform_t *out);
void sb_win_platform_free(sb_win_platform_t *p);

/* The exit code of an agent ended because it could not be put in its
 * job (ERROR_ACCESS_DENIED's value: it was not allowed to run). */
#define SB_WIN_EXIT_NO_JOB 5u
/* Put a just-created, still suspended agent in a job of its own
 * (kill-on-close), *job_out the only handle to it; on failure the
 * process is terminated, the reason logged, SB_EOS returned. */
int sb_win_launch_in_job(sb_win_platform_t *p, HANDLE process, DWORD pid,
                         HANDLE *job_out);

#endif
