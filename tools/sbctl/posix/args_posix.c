/* SPDX-License-Identifier: MIT */
/* POSIX argv is already UTF-8 (or whatever the locale passes through);
 * files are judged by lstat. */
#include <sys/stat.h>
#include <unistd.h>

#include "sbctl.h"

char **sbctl_utf8_argv(int *argc, char **argv) {
  (void)argc;
  return argv;
}

void sbctl_stdio_binary(void) {}

FILE *sbctl_fopen(const char *path, const char *mode) {
  return fopen(path, mode);
}

int sbctl_remove_plain(const char *path) {
  struct stat st;
  /* lstat: a symbolic link is judged as itself, never by its target. */
  return lstat(path, &st) == 0 && S_ISREG(st.st_mode) && unlink(path) == 0;
}
