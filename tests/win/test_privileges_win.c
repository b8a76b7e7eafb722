/* SPDX-License-Identifier: MIT */
/* The service's required privileges (SERVICE_CONFIG_REQUIRED_PRIVILEGES_INFO):
 * the list the code builds holds exactly what WTSQueryUserToken and
 * CreateProcessAsUserW need (and the traverse right the SCM keeps anyway),
 * each a real privilege name; and set on a service, it reads back from the
 * SCM with QueryServiceConfig2W. */
#include "svcwin.h" /* windows.h first */

#include "sbtest.h"

SB_TEST(service_privileges_list_built) {
  static const WCHAR *const want[] = {
      L"SeTcbPrivilege", L"SeAssignPrimaryTokenPrivilege",
      L"SeIncreaseQuotaPrivilege", L"SeChangeNotifyPrivilege"};
  const WCHAR *p = SB_SVC_PRIVILEGES_W;
  size_t n = 0;
  int seen[4] = {0};
  for (; *p; p += wcslen(p) + 1, n++) {
    LUID luid;
    int known = 0;
    CHECK(LookupPrivilegeValueW(NULL, p, &luid));
    for (size_t i = 0; i < 4; i++)
      if (wcscmp(p, want[i]) == 0) {
        CHECK(!seen[i]);
        seen[i] = known = 1;
      }
    if (!known)
      fprintf(stderr, "unexpected privilege %ls\n", p);
    CHECK(known);
  }
  CHECK_EQ(n, 4);
}

SB_TEST(service_privileges_set_and_read_back) {
  WCHAR name[64], path[MAX_PATH];
  DWORD e = 0;
  _snwprintf(name, 64, L"sbtest-priv-%lu", GetCurrentProcessId());
  MultiByteToWideChar(CP_UTF8, 0, SB_TEST_BIN_DIR "\\sbservice.exe", -1,
                      path, MAX_PATH);
  SC_HANDLE scm = OpenSCManagerW(NULL, NULL, SC_MANAGER_ALL_ACCESS);
  CHECK(scm != NULL);
  SC_HANDLE svc = CreateServiceW(scm, name, name, SERVICE_ALL_ACCESS,
                                 SERVICE_WIN32_OWN_PROCESS,
                                 SERVICE_DEMAND_START, SERVICE_ERROR_NORMAL,
                                 path, NULL, NULL, NULL, NULL, NULL);
  CHECK(svc != NULL);
  int before = sb_win_required_privileges_match(svc, &e);
  DWORD set = sb_win_set_required_privileges(svc);
  int after = sb_win_required_privileges_match(svc, &e);
  /* Read back by hand as well, not only through our own comparison. */
  BYTE buf[2048];
  DWORD n = 0;
  BOOL q = QueryServiceConfig2W(svc, SERVICE_CONFIG_REQUIRED_PRIVILEGES_INFO,
                                buf, sizeof buf, &n);
  DWORD qe = GetLastError();
  DeleteService(svc);
  CloseServiceHandle(svc);
  CloseServiceHandle(scm);
  if (set == ERROR_INVALID_LEVEL || set == ERROR_INVALID_PARAMETER ||
      before < 0) {
    char why[160];
    snprintf(why, sizeof why,
             "this SCM does not keep required privileges (set: error %lu, "
             "read: error %lu)",
             (unsigned long)set, (unsigned long)e);
    sbtest_skip(why);
  }
  CHECK_EQ(set, 0);
  CHECK_EQ(before, 0); /* a new service has none of its own */
  CHECK_EQ(after, 1);
  if (!q)
    fprintf(stderr, "QueryServiceConfig2W: %lu\n", (unsigned long)qe);
  CHECK(q);
  const WCHAR *p =
      ((SERVICE_REQUIRED_PRIVILEGES_INFOW *)buf)->pmszRequiredPrivileges;
  CHECK(p && wcscmp(p, L"SeTcbPrivilege") == 0);
  size_t count = 0;
  for (; *p; p += wcslen(p) + 1)
    count++;
  CHECK_EQ(count, 4);
}
