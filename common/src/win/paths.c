#include <windows.h>

#include <shlobj.h>
#include <stdio.h>
#include <stdlib.h>

#include "error.h"
#include "internal_paths.h"
#include "paths.h"

char sb__path_sep(void) { return '\\'; }

int sb_path_data_dir(char *buf, size_t cap) {
  const char *over = getenv("SB_DATA_DIR");
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
