/* SPDX-License-Identifier: MIT */
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

/* Held as programs hold it, with a window: Wine lets a second opener with
 * no window in while the first also has none. */
int sbtasks_clipboard_hold(unsigned ms) {
  HWND w = CreateWindowExW(0, L"STATIC", L"sbtasks clipboard holder", 0, 0,
                           0, 0, 0, HWND_MESSAGE, NULL,
                           GetModuleHandleW(NULL), NULL);
  int err = 0;
  if (!w)
    return SB_EOS;
  if (!OpenClipboard(w)) {
    err = SB_EBUSY;
    goto out;
  }
  printf("held\n");
  fflush(stdout);
  Sleep(ms);
  CloseClipboard();
out:
  DestroyWindow(w);
  return err;
}

int sbtasks_keep_desktop(unsigned ms) {
  GetDesktopWindow();
  Sleep(ms);
  return 0;
}
