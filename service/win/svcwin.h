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

/* install_win.c */
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
