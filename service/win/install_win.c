/* SPDX-License-Identifier: MIT */
/* install | uninstall | start | stop | status. Every setting Windows (or
 * Wine) refuses is reported with its error number, never hidden. */
#include "svcwin.h"

#include <aclapi.h>
#include <sddl.h>
#include <stdio.h>
#include <string.h>
#include <wchar.h>

#include "datafile.h"

static void warn_setting(const char *what, DWORD e) {
  printf("warning: could not set %s: error %lu%s\n", what, (unsigned long)e,
         e == ERROR_INVALID_LEVEL || e == ERROR_INVALID_PARAMETER
             ? " (this Windows or Wine does not support the setting)"
             : "");
}

static SC_HANDLE open_scm(void) {
  SC_HANDLE scm = OpenSCManagerW(NULL, NULL, SC_MANAGER_ALL_ACCESS);
  if (!scm)
    printf("error: cannot open the service control manager: error %lu (are "
           "you an administrator?)\n",
           (unsigned long)GetLastError());
  return scm;
}

static int register_event_source(const WCHAR *exe) {
  HKEY k;
  DWORD types = EVENTLOG_ERROR_TYPE | EVENTLOG_WARNING_TYPE |
                EVENTLOG_INFORMATION_TYPE;
  LONG r = RegCreateKeyExW(HKEY_LOCAL_MACHINE, SB_EVENTLOG_KEY_W, 0, NULL, 0,
                           KEY_SET_VALUE, NULL, &k, NULL);
  if (r != ERROR_SUCCESS) {
    warn_setting("the Event Log source", (DWORD)r);
    return 1;
  }
  RegSetValueExW(k, L"EventMessageFile", 0, REG_EXPAND_SZ, (const BYTE *)exe,
                 (DWORD)((lstrlenW(exe) + 1) * sizeof(WCHAR)));
  RegSetValueExW(k, L"TypesSupported", 0, REG_DWORD, (const BYTE *)&types,
                 sizeof types);
  RegCloseKey(k);
  printf("registered Event Log source sessionbridge\n");
  return 0;
}

/* Length of a double-NUL-terminated list in WCHARs, the final NUL
 * included. */
static size_t msz_len(const WCHAR *m) {
  size_t n = 0;
  while (m[n])
    n += wcslen(m + n) + 1;
  return n + 1;
}

DWORD sb_win_set_required_privileges(SC_HANDLE svc) {
  SERVICE_REQUIRED_PRIVILEGES_INFOW info = {(LPWSTR)SB_SVC_PRIVILEGES_W};
  return ChangeServiceConfig2W(svc, SERVICE_CONFIG_REQUIRED_PRIVILEGES_INFO,
                               &info)
             ? 0
             : GetLastError();
}

int sb_win_required_privileges_match(SC_HANDLE svc, DWORD *e) {
  BYTE buf[2048];
  DWORD n = 0;
  SERVICE_REQUIRED_PRIVILEGES_INFOW *info =
      (SERVICE_REQUIRED_PRIVILEGES_INFOW *)buf;
  *e = 0;
  if (!QueryServiceConfig2W(svc, SERVICE_CONFIG_REQUIRED_PRIVILEGES_INFO, buf,
                            sizeof buf, &n)) {
    *e = GetLastError();
    return -1;
  }
  if (!info->pmszRequiredPrivileges)
    return 0;
  size_t want = msz_len(SB_SVC_PRIVILEGES_W);
  return msz_len(info->pmszRequiredPrivileges) == want &&
         memcmp(info->pmszRequiredPrivileges, SB_SVC_PRIVILEGES_W,
                want * sizeof(WCHAR)) == 0;
}

static void configure(SC_HANDLE svc) {
  SERVICE_DESCRIPTIONW desc = {(LPWSTR)SB_SVC_DESC_W};
  SC_ACTION actions[3] = {{SC_ACTION_RESTART, 1000},
                          {SC_ACTION_RESTART, 5000},
                          {SC_ACTION_RESTART, 30000}};
  SERVICE_FAILURE_ACTIONSW fa = {86400, NULL, NULL, 3, actions};
  SERVICE_FAILURE_ACTIONS_FLAG flag = {TRUE};
  SERVICE_SID_INFO sid = {SERVICE_SID_TYPE_UNRESTRICTED};
  SERVICE_PRESHUTDOWN_INFO pre = {10000};
  if (!ChangeServiceConfig2W(svc, SERVICE_CONFIG_DESCRIPTION, &desc))
    warn_setting("the description", GetLastError());
  if (!ChangeServiceConfig2W(svc, SERVICE_CONFIG_FAILURE_ACTIONS, &fa))
    warn_setting("the recovery actions (restart after 1 s, 5 s, 30 s)",
                 GetLastError());
  else
    printf("recovery: restart after 1 s, 5 s, 30 s\n");
  if (!ChangeServiceConfig2W(svc, SERVICE_CONFIG_FAILURE_ACTIONS_FLAG, &flag))
    warn_setting("SERVICE_CONFIG_FAILURE_ACTIONS_FLAG", GetLastError());
  if (!ChangeServiceConfig2W(svc, SERVICE_CONFIG_SERVICE_SID_INFO, &sid))
    warn_setting("the service SID type (unrestricted)", GetLastError());
  if (!ChangeServiceConfig2W(svc, SERVICE_CONFIG_PRESHUTDOWN_INFO, &pre))
    warn_setting("the preshutdown timeout", GetLastError());
  DWORD e = sb_win_set_required_privileges(svc);
  if (e)
    warn_setting("the required privileges", e);
  else
    printf("required privileges: SeTcbPrivilege, "
           "SeAssignPrimaryTokenPrivilege, SeIncreaseQuotaPrivilege, "
           "SeChangeNotifyPrivilege (every other one is removed)\n");
}

int sb_cmd_install(void) {
  WCHAR exe[MAX_PATH], quoted[MAX_PATH + 2];
  DWORD n = GetModuleFileNameW(NULL, exe, MAX_PATH);
  SC_HANDLE scm, svc;
  if (n == 0 || n >= MAX_PATH)
    return 1;
  /* Quoted: an unquoted path with spaces lets C:\Program.exe run as
   * SYSTEM. */
  _snwprintf(quoted, MAX_PATH + 2, L"\"%ls\"", exe);
  quoted[MAX_PATH + 1] = 0;
  if (!(scm = open_scm()))
    return 1;
  svc = CreateServiceW(scm, SB_SVC_NAME_W, SB_SVC_DISPLAY_W, SERVICE_ALL_ACCESS,
                       SERVICE_WIN32_OWN_PROCESS, SERVICE_AUTO_START,
                       SERVICE_ERROR_NORMAL, quoted, NULL, NULL, NULL,
                       NULL /* LocalSystem */, NULL);
  if (!svc && GetLastError() == ERROR_SERVICE_EXISTS) {
    printf("service sessionbridge already installed; updating its "
           "configuration\n");
    svc = OpenServiceW(scm, SB_SVC_NAME_W, SERVICE_ALL_ACCESS);
    if (svc &&
        !ChangeServiceConfigW(svc, SERVICE_NO_CHANGE, SERVICE_AUTO_START,
                              SERVICE_NO_CHANGE, quoted, NULL, NULL, NULL,
                              NULL, NULL, SB_SVC_DISPLAY_W))
      warn_setting("the image path", GetLastError());
  } else if (svc) {
    printf("installed service sessionbridge (LocalSystem, auto start)\n");
  }
  if (svc)
    printf("registered from %ls (the service refuses to start if anyone but "
           "SYSTEM and Administrators may write there; the MSI installs into "
           "Program Files)\n",
           quoted);
  if (!svc) {
    printf("error: cannot create the service: error %lu\n",
           (unsigned long)GetLastError());
    CloseServiceHandle(scm);
    return 1;
  }
  configure(svc);
  CloseServiceHandle(svc);
  CloseServiceHandle(scm);
  int rc = sb_win_prepare_data(1) != 0;
  register_event_source(exe);
  return rc;
}

static int wait_state(SC_HANDLE svc, DWORD want, DWORD ms) {
  SERVICE_STATUS_PROCESS st;
  DWORD n;
  for (DWORD waited = 0;; waited += 100) {
    if (!QueryServiceStatusEx(svc, SC_STATUS_PROCESS_INFO, (LPBYTE)&st,
                              sizeof st, &n))
      return 0;
    if (st.dwCurrentState == want)
      return 1;
    if (waited >= ms)
      return 0;
    Sleep(100);
  }
}

/* The name itself (a link is removed, never its target). */
static void delete_file8(const char *path8, const char *what) {
  if (sb_datafile_remove(path8) == 0)
    printf("removed %s %s\n", what, path8);
}

int sb_cmd_uninstall(void) {
  SC_HANDLE scm, svc;
  SERVICE_STATUS st;
  char dir8[512], path[600];
  int rc = 0;
  if (!(scm = open_scm()))
    return 1;
  svc = OpenServiceW(scm, SB_SVC_NAME_W, SERVICE_ALL_ACCESS);
  if (svc) {
    if (ControlService(svc, SERVICE_CONTROL_STOP, &st) &&
        !wait_state(svc, SERVICE_STOPPED, 20000))
      printf("warning: the service did not stop within 20 s\n");
    if (DeleteService(svc))
      printf("removed service sessionbridge\n");
    else {
      printf("error: cannot delete the service: error %lu\n",
             (unsigned long)GetLastError());
      rc = 1;
    }
    CloseServiceHandle(svc);
  } else {
    printf("service sessionbridge is not installed\n");
  }
  CloseServiceHandle(scm);
  LONG r = RegDeleteKeyW(HKEY_LOCAL_MACHINE, SB_EVENTLOG_KEY_W);
  if (r == ERROR_SUCCESS)
    printf("removed Event Log source sessionbridge\n");
  WCHAR dir[MAX_PATH];
  if (sb_path_data_dir(dir8, sizeof dir8) == 0 &&
      MultiByteToWideChar(CP_UTF8, 0, dir8, -1, dir, MAX_PATH) &&
      sb_win_path_is_reparse(dir, NULL)) {
    /* Deleting "control.key" inside a junction would delete it wherever
     * the junction points. */
    printf("error: the data folder %s is a junction or symbolic link: not "
           "touched; an administrator must look at it\n",
           dir8);
    rc = 1;
  } else if (sb_path_data_dir(dir8, sizeof dir8) == 0) {
    snprintf(path, sizeof path, "%s\\control.key", dir8);
    delete_file8(path, "control key");
    snprintf(path, sizeof path, "%s\\sessionbridge.log", dir8);
    delete_file8(path, "log");
    snprintf(path, sizeof path, "%s\\sessionbridge.log.1", dir8);
    delete_file8(path, "log");
    if (RemoveDirectoryW(dir))
      printf("removed data directory %s\n", dir8);
    else if (GetLastError() != ERROR_FILE_NOT_FOUND &&
             GetLastError() != ERROR_PATH_NOT_FOUND) {
      printf("error: cannot remove %s: error %lu\n", dir8,
             (unsigned long)GetLastError());
      rc = 1;
    }
  }
  return rc;
}

int sb_cmd_start(void) {
  SC_HANDLE scm, svc;
  int rc = 1;
  if (!(scm = open_scm()))
    return 1;
  svc = OpenServiceW(scm, SB_SVC_NAME_W, SERVICE_START | SERVICE_QUERY_STATUS);
  if (!svc)
    printf("error: service sessionbridge is not installed\n");
  else if (!StartServiceW(svc, 0, NULL) &&
           GetLastError() != ERROR_SERVICE_ALREADY_RUNNING)
    printf("error: cannot start the service: error %lu\n",
           (unsigned long)GetLastError());
  else if (!wait_state(svc, SERVICE_RUNNING, 15000))
    printf("error: the service did not reach RUNNING within 15 s (see the "
           "log in the data directory)\n");
  else {
    printf("service sessionbridge is RUNNING\n");
    rc = 0;
  }
  if (svc)
    CloseServiceHandle(svc);
  CloseServiceHandle(scm);
  return rc;
}

int sb_cmd_stop(void) {
  SC_HANDLE scm, svc;
  SERVICE_STATUS st;
  int rc = 1;
  if (!(scm = open_scm()))
    return 1;
  svc = OpenServiceW(scm, SB_SVC_NAME_W, SERVICE_STOP | SERVICE_QUERY_STATUS);
  if (!svc)
    printf("error: service sessionbridge is not installed\n");
  else if (!ControlService(svc, SERVICE_CONTROL_STOP, &st) &&
           GetLastError() != ERROR_SERVICE_NOT_ACTIVE)
    printf("error: cannot stop the service: error %lu\n",
           (unsigned long)GetLastError());
  else if (!wait_state(svc, SERVICE_STOPPED, 20000))
    printf("error: the service did not stop within 20 s\n");
  else {
    printf("service sessionbridge is STOPPED\n");
    rc = 0;
  }
  if (svc)
    CloseServiceHandle(svc);
  CloseServiceHandle(scm);
  return rc;
}

int sb_cmd_status(void) {
  static const char *names[] = {"?", "STOPPED", "START_PENDING",
                                "STOP_PENDING", "RUNNING", "CONTINUE_PENDING",
                                "PAUSE_PENDING", "PAUSED"};
  SC_HANDLE scm, svc;
  SERVICE_STATUS_PROCESS st;
  DWORD n;
  int rc = 3;
  if (!(scm = open_scm()))
    return 1;
  svc = OpenServiceW(scm, SB_SVC_NAME_W, SERVICE_QUERY_STATUS);
  if (!svc) {
    printf("sessionbridge: not installed\n");
    rc = 4;
  } else if (QueryServiceStatusEx(svc, SC_STATUS_PROCESS_INFO, (LPBYTE)&st,
                                  sizeof st, &n)) {
    DWORD s = st.dwCurrentState <= 7 ? st.dwCurrentState : 0;
    printf("sessionbridge: %s", names[s]);
    if (st.dwProcessId)
      printf(" (pid %lu)", (unsigned long)st.dwProcessId);
    printf("\n");
    rc = s == SERVICE_RUNNING ? 0 : 3;
  }
  if (svc)
    CloseServiceHandle(svc);
  CloseServiceHandle(scm);
  return rc;
}
