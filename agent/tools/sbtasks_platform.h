/* SPDX-License-Identifier: MIT */
/* The few things sbtasks needs from the platform (sbtasks_win.c,
 * sbtasks_posix.c). */
#ifndef SB_SBTASKS_PLATFORM_H
#define SB_SBTASKS_PLATFORM_H

/* Arguments as UTF-8 (Windows hands main() the ANSI code page), and
 * stdin/stdout in binary mode so text passes unchanged. */
int sbtasks_init(int *argc, char ***argv);
/* Open the clipboard and keep it open for ms milliseconds, as a program
 * that holds it would; prints "held" once it is open. */
int sbtasks_clipboard_hold(unsigned ms);

/* Stay attached to the desktop for ms milliseconds. Under Wine the desktop
 * process, which owns the X11 side of the clipboard, ends with the last
 * Windows program, taking the text with it (as an X11 selection goes with
 * its owner): the oracle scripts keep one alive while they compare. */
int sbtasks_keep_desktop(unsigned ms);

#endif
