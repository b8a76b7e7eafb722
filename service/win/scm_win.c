/* SPDX-License-Identifier: MIT */
/* The SCM side: ServiceMain, the control handler, and the host that
 * starts the portable core with the Windows platform (shared with
 * `sbservice run --console`). */
#include "platform_win.h"
#include "svcwin.h"

#include <stdio.h>
#include <wtsapi32.h>

static SERVICE_STATUS_HANDLE status_handle;
static SERVICE_STATUS status;
static HANDLE stop_event;
static sb_service_t *service;
/* The SCM calls the handler on the dispatcher thread while ServiceMain
 * may be stopping the core on its own: this lock keeps a session event
 * from reaching a core that is being freed. */
static SRWLOCK service_lock = SRWLOCK_INIT;
static sb_win_platform_t winplat;
static sb_svc_platform_t plat;

static void report(DWORD state, DWORD exit_code, DWORD wait_hint) {
  status.dwServiceType = SERVICE_WIN32_OWN_PROCESS;
  status.dwCurrentState = state;
  status.dwWin32ExitCode = exit_code;
  status.dwWaitHint = wait_hint;
  status.dwControlsAccepted =
      state == SERVICE_RUNNING
          ? SERVICE_ACCEPT_STOP | SERVICE_ACCEPT_SHUTDOWN |
                SERVICE_ACCEPT_PRESHUTDOWN | SERVICE_ACCEPT_SESSIONCHANGE
          : 0;
  if (state == SERVICE_RUNNING || state == SERVICE_STOPPED)
    status.dwCheckPoint = 0;
  else
    status.dwCheckPoint++;
  if (status_handle)
    SetServiceStatus(status_handle, &status);
}

static void stop_progress(void *arg) {
  (void)arg;
  report(SERVICE_STOP_PENDING, NO_ERROR, 15000);
}

sb_service_t *sb_host_service(void) {
  AcquireSRWLockShared(&service_lock);
  sb_service_t *svc = service;
  ReleaseSRWLockShared(&service_lock);
  return svc;
}

/* Refuse to run from ground a non-administrator can change: our own exe,
 * the agent exe and every folder above them, the data folder and the
 * control key (see acl_win.c). Said in the log and the Event Log. */
static int check_ground(const WCHAR *self, const WCHAR *agent) {
  char why[700], dir8[512], key8[600];
  WCHAR w[MAX_PATH];
  int err = sb_win_path_judge(self, 1, why, sizeof why);
  if (!err)
    err = sb_win_path_judge(agent, 1, why, sizeof why);
  if (!err && sb_path_data_dir(dir8, sizeof dir8) == 0 &&
      MultiByteToWideChar(CP_UTF8, 0, dir8, -1, w, MAX_PATH) &&
      GetFileAttributesW(w) != INVALID_FILE_ATTRIBUTES)
    err = sb_win_path_judge(w, 0, why, sizeof why);
  if (!err && sb_path_control_key(key8, sizeof key8) == 0 &&
      MultiByteToWideChar(CP_UTF8, 0, key8, -1, w, MAX_PATH) &&
      GetFileAttributesW(w) != INVALID_FILE_ATTRIBUTES)
    err = sb_win_path_judge(w, 0, why, sizeof why);
  if (err)
    sb_svc_log_kind(SB_EV_GROUND_REFUSED, SB_LOG_ERROR,
                    "sessionbridge refuses to run: a non-administrator could "
                    "change what it runs or reads. %s",
                    why);
  return err;
}

int sb_host_start(int console) {
  WCHAR self[MAX_PATH], agent[MAX_PATH];
  char agent8[MAX_PATH * 3];
  sb_service_config_t cfg;
  DWORD n = GetModuleFileNameW(NULL, self, MAX_PATH);
  if (n == 0 || n >= MAX_PATH)
    return SB_EOS;
  /* sbagent.exe lives next to sbservice.exe; launched by full path. */
  WCHAR *slash = wcsrchr(self, L'\\');
  if (!slash)
    return SB_EOS;
  *slash = 0;
  _snwprintf(agent, MAX_PATH, L"%ls\\sbagent.exe", self);
  agent[MAX_PATH - 1] = 0;
  *slash = L'\\';
  int err = check_ground(self, agent);
  if (err)
    return err;
  WideCharToMultiByte(CP_UTF8, 0, agent, -1, agent8, sizeof agent8, NULL,
                      NULL);
  err = sb_win_platform_init(&winplat, agent, console, &plat);
  if (err)
    return err;
  memset(&cfg, 0, sizeof cfg);
  cfg.agent_path = agent8;
  cfg.agent_prefix = "\\\\.\\pipe\\sessionbridge-agent";
  sb_service_t *svc = NULL;
  err = sb_service_start(&svc, &cfg, &plat);
  if (err) {
    sb_win_platform_free(&winplat);
    return err;
  }
  AcquireSRWLockExclusive(&service_lock);
  service = svc;
  ReleaseSRWLockExclusive(&service_lock);
  sb_svc_log_kind(SB_EV_STARTED, SB_LOG_INFO,
                  "sessionbridge %s service started (pid %lu)", SB_VERSION,
                  (unsigned long)GetCurrentProcessId());
  return 0;
}

void sb_host_stop(void (*progress)(void *), void *arg) {
  /* Unpublish first: a session event that arrives from now on is
   * dropped instead of using the core while it is freed. */
  AcquireSRWLockExclusive(&service_lock);
  sb_service_t *svc = service;
  service = NULL;
  ReleaseSRWLockExclusive(&service_lock);
  sb_service_stop(svc, progress, arg);
  sb_win_platform_free(&winplat);
  sb_svc_log_kind(SB_EV_STOPPED, SB_LOG_INFO,
                  "sessionbridge service stopped");
}

static sb_svc_event_t map_session_event(DWORD ev, int *ok) {
  *ok = 1;
  switch (ev) {
  case WTS_SESSION_LOGON:
    return SB_SVC_EVENT_LOGON;
  case WTS_SESSION_LOGOFF:
    return SB_SVC_EVENT_LOGOFF;
  case WTS_SESSION_LOCK:
    return SB_SVC_EVENT_LOCK;
  case WTS_SESSION_UNLOCK:
    return SB_SVC_EVENT_UNLOCK;
  case WTS_CONSOLE_CONNECT:
    return SB_SVC_EVENT_CONNECT;
  case WTS_REMOTE_CONNECT:
    return SB_SVC_EVENT_REMOTE_CONNECT;
  case WTS_CONSOLE_DISCONNECT:
    return SB_SVC_EVENT_DISCONNECT;
  case WTS_REMOTE_DISCONNECT:
    return SB_SVC_EVENT_REMOTE_DISCONNECT;
  default:
    *ok = 0;
    return SB_SVC_EVENT_CONNECT;
  }
}

DWORD WINAPI sb_scm_handler(DWORD control, DWORD event, LPVOID data,
                            LPVOID ctx) {
  (void)ctx;
  switch (control) {
  case SERVICE_CONTROL_STOP:
  case SERVICE_CONTROL_SHUTDOWN:
  case SERVICE_CONTROL_PRESHUTDOWN:
    report(SERVICE_STOP_PENDING, NO_ERROR, 15000);
    if (stop_event)
      SetEvent(stop_event);
    return NO_ERROR;
  case SERVICE_CONTROL_INTERROGATE:
    return NO_ERROR;
  case SERVICE_CONTROL_SESSIONCHANGE: {
    int ok;
    sb_svc_event_t ev = map_session_event(event, &ok);
    if (!ok || !data)
      return NO_ERROR;
    AcquireSRWLockShared(&service_lock);
    if (service)
      sb_service_session_event(service, ev,
                               ((WTSSESSION_NOTIFICATION *)data)->dwSessionId);
    ReleaseSRWLockShared(&service_lock);
    return NO_ERROR;
  }
  default:
    return ERROR_CALL_NOT_IMPLEMENTED;
  }
}

/* Settings an installer may not have made, fixed by the service on its
 * own configuration at start (no custom action in the MSI):
 *  - An ImagePath with a space and no quotes lets the SCM try
 *    "C:\Program.exe" first, a file any user who can write C:\ could
 *    plant. sbservice install quotes it; Wine's msiexec does not.
 *  - The required privileges (SB_SVC_PRIVILEGES_W): wixl has no
 *    ServiceConfig element, so the MSI cannot set them; they take effect
 *    from the next start (the SCM builds the token before we run). */
static void fix_own_config(void) {
  SC_HANDLE scm = OpenSCManagerW(NULL, NULL, SC_MANAGER_CONNECT);
  SC_HANDLE svc = scm ? OpenServiceW(scm, SB_SVC_NAME_W,
                                     SERVICE_QUERY_CONFIG |
                                         SERVICE_CHANGE_CONFIG)
                      : NULL;
  BYTE buf[8192];
  DWORD n = 0, e = 0;
  QUERY_SERVICE_CONFIGW *c = (QUERY_SERVICE_CONFIGW *)buf;
  if (svc && QueryServiceConfigW(svc, c, sizeof buf, &n) &&
      c->lpBinaryPathName && c->lpBinaryPathName[0] != L'"' &&
      wcschr(c->lpBinaryPathName, L' ')) {
    WCHAR q[MAX_PATH + 3];
    _snwprintf(q, MAX_PATH + 3, L"\"%ls\"", c->lpBinaryPathName);
    q[MAX_PATH + 2] = 0;
    if (ChangeServiceConfigW(svc, SERVICE_NO_CHANGE, SERVICE_NO_CHANGE,
                             SERVICE_NO_CHANGE, q, NULL, NULL, NULL, NULL,
                             NULL, NULL))
      sb_log(SB_LOG_WARN, "the service's ImagePath was not quoted; now %ls",
             q);
    else
      sb_log(SB_LOG_ERROR, "the service's ImagePath is not quoted and "
                           "could not be fixed: error %lu",
             (unsigned long)GetLastError());
  }
  if (svc && sb_win_required_privileges_match(svc, &e) == 0) {
    if ((e = sb_win_set_required_privileges(svc)) == 0)
      sb_log(SB_LOG_INFO, "required privileges set to SeTcbPrivilege, "
                          "SeAssignPrimaryTokenPrivilege, "
                          "SeIncreaseQuotaPrivilege, SeChangeNotifyPrivilege "
                          "(from the next start)");
  }
  if (e)
    sb_log(SB_LOG_WARN, "cannot read or set the service's required "
                        "privileges: error %lu",
           (unsigned long)e);
  if (svc)
    CloseServiceHandle(svc);
  if (scm)
    CloseServiceHandle(scm);
}

static void WINAPI service_main(DWORD argc, LPWSTR *argv) {
  (void)argc;
  (void)argv;
  status_handle = RegisterServiceCtrlHandlerExW(SB_SVC_NAME_W, sb_scm_handler,
                                                NULL);
  if (!status_handle)
    return;
  stop_event = CreateEventW(NULL, TRUE, FALSE, NULL);
  report(SERVICE_START_PENDING, NO_ERROR, 10000);
  sb_winlog_open(0);
  fix_own_config();
  /* The data folder and key are made (or repaired) here, on every start,
   * so an MSI needs no custom action and a folder someone else made or
   * loosened is taken back before it is used. */
  int err = sb_win_prepare_data(0);
  if (!err) {
    sb_winlog_open_file();
    err = sb_host_start(0);
  }
  if (err) {
    sb_svc_log_kind(SB_EV_START_FAILED, SB_LOG_ERROR,
                    "service failed to start: %s", sb_strerror(err));
    sb_winlog_close();
    /* The SB_E* code, positive, as the service-specific exit code: "sc
     * query" shows 40 for SB_EINSECURE. */
    status.dwServiceSpecificExitCode = (DWORD)-err;
    report(SERVICE_STOPPED, ERROR_SERVICE_SPECIFIC_ERROR, 0);
    return;
  }
  report(SERVICE_RUNNING, NO_ERROR, 0);
  WaitForSingleObject(stop_event, INFINITE);
  report(SERVICE_STOP_PENDING, NO_ERROR, 15000);
  sb_host_stop(stop_progress, NULL);
  sb_winlog_close();
  CloseHandle(stop_event);
  stop_event = NULL;
  report(SERVICE_STOPPED, NO_ERROR, 0);
}

int sb_scm_dispatch(void) {
  SERVICE_TABLE_ENTRYW table[] = {{(LPWSTR)SB_SVC_NAME_W, service_main},
                                  {NULL, NULL}};
  if (!StartServiceCtrlDispatcherW(table)) {
    DWORD e = GetLastError();
    if (e == ERROR_FAILED_SERVICE_CONTROLLER_CONNECT)
      fprintf(stderr, "sbservice: not started by the service control manager."
                      " Use: sbservice install|uninstall|start|stop|status, "
                      "or sbservice run --console\n");
    else
      fprintf(stderr, "sbservice: StartServiceCtrlDispatcher failed: %lu\n",
              (unsigned long)e);
    return 1;
  }
  return 0;
}

static BOOL WINAPI console_ctrl(DWORD type) {
  (void)type;
  if (stop_event)
    SetEvent(stop_event);
  return TRUE;
}

int sb_run_console(void) {
  int err;
  stop_event = CreateEventW(NULL, TRUE, FALSE, NULL);
  sb_winlog_open(1);
  if ((err = sb_win_prepare_data(0)) != 0) {
    fprintf(stderr, "sbservice: cannot start: %s\n", sb_strerror(err));
    sb_winlog_close();
    return 1;
  }
  sb_winlog_open_file();
  err = sb_host_start(1);
  if (err) {
    fprintf(stderr, "sbservice: cannot start: %s\n", sb_strerror(err));
    sb_winlog_close();
    return 1;
  }
  SetConsoleCtrlHandler(console_ctrl, TRUE);
  fprintf(stderr, "sbservice: running in the console; Ctrl+C stops\n");
  WaitForSingleObject(stop_event, INFINITE);
  sb_host_stop(NULL, NULL);
  sb_winlog_close();
  return 0;
}
