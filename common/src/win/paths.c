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
