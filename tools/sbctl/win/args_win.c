/* SPDX-License-Identifier: MIT */
/* The command line as UTF-8. main()'s argv is in the ANSI code page on
 * Windows, which cannot hold "Grüße ✓"; take the wide command line
 * instead, so clipboard text and titles arrive intact, and open files
 * by their wide names (the C runtime's fopen reads a name in the ANSI
 * code page). Files are judged by their own handle (sbctl_remove_plain). */
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

/* s (UTF-8) as a wide string to free(), or NULL. */
static wchar_t *wide(const char *s) {
  int n = MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, s, -1, NULL, 0);
  wchar_t *w = n > 0 ? malloc((size_t)n * sizeof *w) : NULL;
  if (w && !MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, s, -1, w, n)) {
    free(w);
    w = NULL;
  }
  return w;
}

FILE *sbctl_fopen(const char *path, const char *mode) {
  wchar_t *wp = wide(path), *wm = wide(mode);
  FILE *f = wp && wm ? _wfopen(wp, wm) : NULL;
  free(wp);
  free(wm);
  return f;
}

int sbctl_remove_plain(const char *path) {
  BY_HANDLE_FILE_INFORMATION info;
  HANDLE h = INVALID_HANDLE_VALUE;
  int plain = 0;
  wchar_t *wp = wide(path);
  /* The name as it is: a reparse point (symbolic link, junction) is
   * opened itself, not followed; a device (NUL, CON, COM1) or a pipe is
   * not a disk file. */
  if (wp)
    h = CreateFileW(wp, FILE_READ_ATTRIBUTES,
                    FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE,
                    NULL, OPEN_EXISTING,
                    FILE_FLAG_OPEN_REPARSE_POINT | FILE_FLAG_BACKUP_SEMANTICS,
                    NULL);
  if (h != INVALID_HANDLE_VALUE) {
    if (GetFileType(h) == FILE_TYPE_DISK &&
        GetFileInformationByHandle(h, &info))
      plain = !(info.dwFileAttributes &
                (FILE_ATTRIBUTE_DIRECTORY | FILE_ATTRIBUTE_REPARSE_POINT |
                 FILE_ATTRIBUTE_DEVICE));
    CloseHandle(h);
  }
  plain = plain && DeleteFileW(wp);
  free(wp);
  return plain;
}
