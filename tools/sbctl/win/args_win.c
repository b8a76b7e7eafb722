/* SPDX-License-Identifier: MIT */
/* The command line as UTF-8. main()'s argv is in the ANSI code page on
 * Windows, which cannot hold "Grüße ✓"; take the wide command line
 * instead, so clipboard text and titles arrive intact. Files are judged
 * by their own handle (sbctl_remove_plain). */
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

int sbctl_remove_plain(const char *path) {
  BY_HANDLE_FILE_INFORMATION info;
  int plain = 0;
  /* The name as it is: a reparse point (symbolic link, junction) is
   * opened itself, not followed; a device (NUL, CON, COM1) or a pipe is
   * not a disk file. The same ANSI name fopen opened. */
  HANDLE h = CreateFileA(path, FILE_READ_ATTRIBUTES,
                         FILE_SHARE_READ | FILE_SHARE_WRITE |
                             FILE_SHARE_DELETE,
                         NULL, OPEN_EXISTING,
                         FILE_FLAG_OPEN_REPARSE_POINT |
                             FILE_FLAG_BACKUP_SEMANTICS,
                         NULL);
  if (h == INVALID_HANDLE_VALUE)
    return 0;
  if (GetFileType(h) == FILE_TYPE_DISK &&
      GetFileInformationByHandle(h, &info))
    plain = !(info.dwFileAttributes &
              (FILE_ATTRIBUTE_DIRECTORY | FILE_ATTRIBUTE_REPARSE_POINT |
               FILE_ATTRIBUTE_DEVICE));
  CloseHandle(h);
  return plain && DeleteFileA(path);
}
