/* SPDX-License-Identifier: MIT */
/* POSIX argv is already UTF-8 (or whatever the locale passes through). */
#include "sbctl.h"

char **sbctl_utf8_argv(int *argc, char **argv) {
  (void)argc;
  return argv;
}

void sbctl_stdio_binary(void) {}
