/* SPDX-License-Identifier: MIT */
/* A clipboard owner that never renders: a thread of the test owns the
 * clipboard with a delay-rendered CF_UNICODETEXT and never pumps
 * messages, so whoever reads the text waits on it (WM_RENDERFORMAT is
 * never answered). For the tests of the clipboard worker's abandonment. */
#ifndef SBT_CLIP_OWNER_H
#define SBT_CLIP_OWNER_H

#include <windows.h>

typedef struct {
  HANDLE thread;
  HANDLE owned; /* set once the clipboard is ours */
  HANDLE quit;  /* set by the test: let go */
} sbt_clip_owner_t;

/* Start the owner; return once it owns the clipboard and the clipboard
 * is free to open again (fails the test otherwise). */
void sbt_clip_owner_start(sbt_clip_owner_t *o);
/* After a read on it gave up: the owner still lives (it never answered),
 * yet the clipboard opens. */
void sbt_clip_owner_expect_free(sbt_clip_owner_t *o);
/* Let go, join the owner and close its handles. */
void sbt_clip_owner_stop(sbt_clip_owner_t *o);

#endif
