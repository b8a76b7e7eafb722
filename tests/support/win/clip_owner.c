/* SPDX-License-Identifier: MIT */
#include "clip_owner.h"

#include <process.h>

#include "sbtest.h"

static unsigned __stdcall owner_main(void *arg) {
  sbt_clip_owner_t *o = arg;
  HWND w = CreateWindowExW(0, L"STATIC", L"sbtest unrendering owner", 0, 0,
                           0, 0, 0, HWND_MESSAGE, NULL,
                           GetModuleHandleW(NULL), NULL);
  for (int i = 0; w && i < 200 && !OpenClipboard(w); i++)
    Sleep(10);
  EmptyClipboard();
  SetClipboardData(CF_UNICODETEXT, NULL); /* rendered on demand: never */
  CloseClipboard();
  SetEvent(o->owned);
  /* No message loop: WM_RENDERFORMAT is never answered. */
  WaitForSingleObject(o->quit, INFINITE);
  if (w)
    DestroyWindow(w);
  return 0;
}

/* Wine's X11 bridge reads a new clipboard at once and holds it open
 * while it waits on this owner (5 s, measured): wait until another
 * opener gets in, so the test's own read is the one left waiting. */
static void wait_clipboard_free(void) {
  for (int i = 0; i < 1000; i++) {
    if (OpenClipboard(NULL)) {
      CloseClipboard();
      return;
    }
    Sleep(10);
  }
  sbtest_fail(__FILE__, __LINE__, "the clipboard stayed held", "");
}

void sbt_clip_owner_start(sbt_clip_owner_t *o) {
  o->owned = CreateEventW(NULL, TRUE, FALSE, NULL);
  o->quit = CreateEventW(NULL, TRUE, FALSE, NULL);
  CHECK(o->owned != NULL && o->quit != NULL);
  o->thread = (HANDLE)_beginthreadex(NULL, 0, owner_main, o, 0, NULL);
  CHECK(o->thread != NULL);
  CHECK(WaitForSingleObject(o->owned, 10000) == WAIT_OBJECT_0);
  wait_clipboard_free();
}

void sbt_clip_owner_expect_free(sbt_clip_owner_t *o) {
  CHECK(WaitForSingleObject(o->thread, 0) == WAIT_TIMEOUT);
  CHECK(OpenClipboard(NULL));
  CloseClipboard();
}

void sbt_clip_owner_stop(sbt_clip_owner_t *o) {
  SetEvent(o->quit);
  CHECK(WaitForSingleObject(o->thread, 10000) == WAIT_OBJECT_0);
  CloseHandle(o->thread);
  CloseHandle(o->owned);
  CloseHandle(o->quit);
}
