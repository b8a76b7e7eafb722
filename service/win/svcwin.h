/* SPDX-License-Identifier: MIT */
/* Pieces of sbservice.exe shared between its files. */
#ifndef SB_SVCWIN_H
#define SB_SVCWIN_H

#include <windows.h>

#include "platform_win.h"
#include "service.h"
#include "svc_event.h"

#define SB_SVC_NAME_W L"sessionbridge"
#define SB_SVC_DISPLAY_W L"sessionbridge (Session 0 to user session bridge)"
#define SB_SVC_DESC_W                                                          \
  L"Lets services act in interactive user sessions through an "               \
  L"authenticated agent: message boxes, notifications, clipboard, "            \
  L"screenshots."
#define SB_EVENTLOG_KEY_W                                                      \
  L"SYSTEM\\CurrentControlSet\\Services\\EventLog\\Application\\sessionbridge"

/* log_win.c: Event Log + log file sink. */
void sb_winlog_open(int console);
void sb_winlog_open_file(void);
void sb_winlog_close(void);
/* The Event ID (messages.mc) a line of this kind and level is reported
 * under. */
DWORD sb_winlog_event_id(sb_svc_event_kind_t kind, sb_log_level_t level);

/* The only privileges the service keeps (SERVICE_CONFIG_REQUIRED_PRIVILEGES_INFO,
 * a double-NUL-terminated list): the SCM removes every other privilege of
 * LocalSystem from the service's token when it starts. WTSQueryUserToken
 * needs SeTcbPrivilege; CreateProcessAsUserW with that primary token
 * needs SeAssignPrimaryTokenPrivilege and SeIncreaseQuotaPrivilege;
 * SeChangeNotifyPrivilege (traverse checking) the SCM keeps in any case.
 * Not needed, so dropped: SeImpersonatePrivilege (a pipe client's token
 * is read at Identification level, which ImpersonateNamedPipeClient gives
 * without it), SeTakeOwnership/SeRestore/SeBackup (a data folder we
 * cannot open for WRITE_OWNER is refused, not forced), SeDebug and the
 * rest. */
#define SB_SVC_PRIVILEGES_W                                                    \
  L"SeTcbPrivilege\0SeAssignPrimaryTokenPrivilege\0"                           \
  L"SeIncreaseQuotaPrivilege\0SeChangeNotifyPrivilege\0"

/* install_win.c */
/* Set SB_SVC_PRIVILEGES_W as the service's required privileges: 0 or the
 * Win32 error. */
DWORD sb_win_set_required_privileges(SC_HANDLE svc);
/* Whether the service's required privileges are exactly ours: 1 yes, 0
 * no, -1 when they cannot be read (the error in *e). */
int sb_win_required_privileges_match(SC_HANDLE svc, DWORD *e);
int sb_cmd_install(void);
int sb_cmd_uninstall(void);
int sb_cmd_start(void);
int sb_cmd_stop(void);
int sb_cmd_status(void);
/* datadir_win.c: make or take back the data folder (owner
 * Administrators, protected DACL, no reparse point) and its key. 0 or an
 * SB_E* code (SB_EINSECURE: refused); says why in the log, or on stdout
 * when verbose (sbservice install). */
int sb_win_prepare_data(int verbose);

/* scm_win.c */
int sb_scm_dispatch(void);
int sb_run_console(void);
/* The control handler, callable directly from tests (Wine never delivers
 * SHUTDOWN or SESSIONCHANGE). */
DWORD WINAPI sb_scm_handler(DWORD control, DWORD event, LPVOID data,
                            LPVOID ctx);
/* Start / stop the service core with the Windows platform. */
int sb_host_start(int console);
void sb_host_stop(void (*progress)(void *), void *arg);
sb_service_t *sb_host_service(void);

#endif
