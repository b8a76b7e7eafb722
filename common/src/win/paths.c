/* SPDX-License-Identifier: MIT */
#include <windows.h>

#include <shlobj.h>
#include <stdio.h>
#include <stdlib.h>

#include "error.h"
#include "internal_paths.h"
#include "paths.h"

char sb__path_sep(void) { return '\\'; }

/* SB_DATA_DIR moves the data folder only in a test build (SB_TEST_HOOKS,
 * a CMake option that is off in the release and MSI builds): otherwise
 * whoever sets an administrator's environment could point an elevated
 * `sbservice install`/`uninstall` at a folder of their choosing. The
 * release build does not even hold the variable's name. */
static const char *test_data_dir(void) {
#if defined(SB_TEST_HOOKS)
  return getenv("SB_DATA_DIR");
#else
  return NULL;
#endif
}

int sb_path_data_dir(char *buf, size_t cap) {
  const char *over = test_data_dir();
  char base[MAX_PATH];
  int n;
  if (over && *over) {
    n = snprintf(buf, cap, "%s", over);
  } else {
    /* CSIDL_COMMON_APPDATA is %ProgramData%; it does not depend on the
     * calling user, so the service (SYSTEM) and an admin's sbctl agree. */
    if (SHGetFolderPathA(NULL, CSIDL_COMMON_APPDATA, NULL, 0, base) != S_OK)
      return SB_EOS;
    n = snprintf(buf, cap, "%s\\%s", base, SB_SERVICE_NAME);
  }
  return n < 0 || (size_t)n >= cap ? SB_ETOOBIG : 0;
}

/* In the protected pipe namespace: only processes running as SYSTEM or as
 * an elevated administrator may create a pipe under
 * ProtectedPrefix\Administrators, so no user can squat the name while
 * the service is stopped, updating or restarting. */
int sb_path_control_endpoint(char *buf, size_t cap) {
  if (!buf)
    return SB_EINVAL;
  if ((size_t)snprintf(buf, cap, "%s", SB_CONTROL_ENDPOINT_WIN) >= cap)
    return SB_ETOOBIG;
  return 0;
}

int sb__read_small_file(const char *path, unsigned char *buf, size_t cap,
                        size_t *n) {
  WCHAR w[MAX_PATH];
  DWORD got = 0;
  *n = 0;
  if (!MultiByteToWideChar(CP_UTF8, 0, path, -1, w, MAX_PATH))
    return SB_EINVAL;
  /* FILE_FLAG_OPEN_REPARSE_POINT: a symlink or junction planted as the
   * key file is opened itself (and then is not 32 bytes), never followed. */
  HANDLE h = CreateFileW(w, GENERIC_READ, FILE_SHARE_READ, NULL,
                         OPEN_EXISTING,
                         FILE_ATTRIBUTE_NORMAL | FILE_FLAG_OPEN_REPARSE_POINT,
                         NULL);
  if (h == INVALID_HANDLE_VALUE) {
    DWORD e = GetLastError();
    return e == ERROR_FILE_NOT_FOUND || e == ERROR_PATH_NOT_FOUND ? SB_ENOENT
                                                                  : SB_EACCES;
  }
  BOOL ok = ReadFile(h, buf, (DWORD)cap, &got, NULL);
  CloseHandle(h);
  if (!ok)
    return SB_EIO;
  *n = got;
  return 0;
}
