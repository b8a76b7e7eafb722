/* SPDX-License-Identifier: MIT */
/* The command line as UTF-8. main()'s argv is in the ANSI code page on
 * Windows, which cannot hold "Grüße ✓"; take the wide command line
 * instead, so clipboard text and titles arrive intact. */
#include <windows.h>

#include <fcntl.h>
#include <io.h>
#include <shellapi.h>
#include <stdio.h>
#include <stdlib.h>

#include "sbctl.h"

char **sbctl_utf8_argv(int *argc, char **argv) {
  int n = 0;
  LPWSTR *w = CommandLineToArgvW(GetCommandLineW(), &n);
  if (!w)
    return argv;
  char **out = calloc((size_t)n + 1, sizeof *out);
  if (!out) {
    LocalFree(w);
    return argv;
  }
  for (int i = 0; i < n; i++) {
    int len = WideCharToMultiByte(CP_UTF8, 0, w[i], -1, NULL, 0, NULL, NULL);
    out[i] = malloc((size_t)(len > 0 ? len : 1));
    if (!out[i] ||
        !WideCharToMultiByte(CP_UTF8, 0, w[i], -1, out[i], len, NULL, NULL)) {
      LocalFree(w);
      return argv;
    }
  }
  LocalFree(w);
  *argc = n;
  /* Lives as long as the process: main's argv does too. */
  return out;
}

void sbctl_stdio_binary(void) {
  /* Clipboard text and PNGs pass through stdin/stdout unchanged. */
  _setmode(_fileno(stdout), _O_BINARY);
  _setmode(_fileno(stdin), _O_BINARY);
  SetConsoleOutputCP(CP_UTF8);
}
