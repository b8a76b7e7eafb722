/* SPDX-License-Identifier: MIT */
#include "sbtasks_platform.h"
#include "sessionbridge.h"

int sbtasks_init(int *argc, char ***argv) {
  (void)argc, (void)argv;
  return 0;
}

/* There is no clipboard in the POSIX build yet (see tasks_posix.c). */
int sbtasks_clipboard_hold(unsigned ms) {
  (void)ms;
  return SB_EOS;
}

int sbtasks_keep_desktop(unsigned ms) {
  sb_sleep_ms(ms);
  return 0;
}
