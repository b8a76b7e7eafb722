/* SPDX-License-Identifier: MIT */
/* wtsapi32.dll and userenv.dll resolved from System32 at run time. They
 * are not KnownDLLs: had sbservice.exe imported them, the loader would
 * search the program's own folder for them first, before main() runs
 * (so before SetDefaultDllDirectories could matter). LoadLibraryExW with
 * LOAD_LIBRARY_SEARCH_SYSTEM32 looks in System32 only. */
#include "platform_win.h"

#include <string.h>

#include "sessionbridge.h"

static FARPROC sym(HMODULE m, const char *name, int *missing) {
  FARPROC f = m ? GetProcAddress(m, name) : NULL;
  if (!f) {
    sb_log(SB_LOG_ERROR, "cannot resolve %s from System32", name);
    *missing = 1;
  }
  return f;
}

int sb_win_wts_load(sb_win_wts_t *t) {
  int missing = 0;
  /* Loaded once and kept for the life of the process (never freed: the
   * pointers below stay valid). */
  HMODULE wts = LoadLibraryExW(L"wtsapi32.dll", NULL,
                               LOAD_LIBRARY_SEARCH_SYSTEM32);
  HMODULE env = LoadLibraryExW(L"userenv.dll", NULL,
                               LOAD_LIBRARY_SEARCH_SYSTEM32);
  memset(t, 0, sizeof *t);
  /* Copied, not cast: a FARPROC becomes the documented prototype of
   * each function (both are plain code pointers of one size). */
#define SYM(field, mod, name)                                                  \
  do {                                                                         \
    FARPROC f_ = sym(mod, name, &missing);                                     \
    memcpy(&t->field, &f_, sizeof f_);                                         \
  } while (0)
  SYM(enumerate, wts, "WTSEnumerateSessionsW");
  SYM(query, wts, "WTSQuerySessionInformationW");
  SYM(free_mem, wts, "WTSFreeMemory");
  SYM(user_token, wts, "WTSQueryUserToken");
  SYM(send_message, wts, "WTSSendMessageW");
  SYM(create_env, env, "CreateEnvironmentBlock");
  SYM(destroy_env, env, "DestroyEnvironmentBlock");
#undef SYM
  t->console_session = WTSGetActiveConsoleSessionId;
  if (missing) {
    memset(t, 0, sizeof *t);
    return SB_EOS;
  }
  return 0;
}
