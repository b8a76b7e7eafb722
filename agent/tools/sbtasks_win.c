#include <windows.h>

#include <fcntl.h>
#include <io.h>
#include <shellapi.h>
#include <stdio.h>

#include "sbtasks_platform.h"
#include "sessionbridge.h"

int sbtasks_init(int *argc, char ***argv) {
  int n = 0;
  WCHAR **wargv = CommandLineToArgvW(GetCommandLineW(), &n);
  char **out;
  if (!wargv)
    return SB_EOS;
  /* Lives as long as the process: the arguments do. */
  out = sb_calloc((size_t)n + 1, sizeof *out);
  if (!out) {
    LocalFree(wargv);
    return SB_ENOMEM;
  }
  for (int i = 0; i < n; i++) {
    int len =
        WideCharToMultiByte(CP_UTF8, 0, wargv[i], -1, NULL, 0, NULL, NULL);
    out[i] = len > 0 ? sb_malloc((size_t)len) : NULL;
    if (!out[i]) {
      LocalFree(wargv);
      return SB_ENOMEM;
    }
    WideCharToMultiByte(CP_UTF8, 0, wargv[i], -1, out[i], len, NULL, NULL);
  }
  LocalFree(wargv);
  *argc = n;
  *argv = out;
  _setmode(_fileno(stdout), _O_BINARY);
  _setmode(_fileno(stdin), _O_BINARY);
  return 0;
}

int sbtasks_clipboard_hold(unsigned ms) {
  GetDesktopWindow();
  if (!OpenClipboard(NULL))
    return SB_EBUSY;
  printf("held\n");
  fflush(stdout);
  Sleep(ms);
  CloseClipboard();
  return 0;
}

int sbtasks_keep_desktop(unsigned ms) {
  GetDesktopWindow();
  Sleep(ms);
  return 0;
}
