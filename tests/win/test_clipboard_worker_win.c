/* SPDX-License-Identifier: MIT */
/* The clipboard worker's abandonment, in one process: a thread of the
 * test owns the clipboard with a delay-rendered CF_UNICODETEXT and never
 * pumps messages, so a read of the text waits on it. The task must come
 * back at its deadline (SB_ETIMEDOUT) or soon after a cancel
 * (SB_ECANCELED), and the clipboard must be free again while the owner
 * still lives. The cross-process version, through the service, is
 * e2e_task_clipboard_hang_wine. */
#include <windows.h>

#include <process.h>

#include "clip_owner.h"
#include "sbtest.h"
#include "sessionbridge.h"
#include "tasks.h"

typedef struct {
  sb_task_ctl_t *ctl;
  DWORD after_ms;
} canceller_t;

static unsigned __stdcall cancel_main(void *arg) {
  canceller_t *c = arg;
  Sleep(c->after_ms);
  c->ctl->cancel = 1;
  return 0;
}

static void with_owner(int cancel) {
  sbt_clip_owner_t o;
  sb_task_ctl_t ctl;
  canceller_t c;
  HANDLE canceller = NULL;
  uint8_t *data = NULL;
  size_t len = 0;
  int empty = 0;
  sbt_clip_owner_start(&o);
  memset(&ctl, 0, sizeof ctl);
  if (cancel) {
    ctl.deadline_ms = 30000;
    c.ctl = &ctl;
    c.after_ms = 300;
    canceller = (HANDLE)_beginthreadex(NULL, 0, cancel_main, &c, 0, NULL);
    CHECK(canceller != NULL);
  } else {
    ctl.deadline_ms = 1000;
  }
  uint64_t t0 = sb_now_ms();
  CHECK_ERR(sb_task_clipboard_get_text(&data, &len, &empty, &ctl),
            cancel ? SB_ECANCELED : SB_ETIMEDOUT);
  uint64_t ms = sb_now_ms() - t0;
  CHECK(data == NULL);
  /* Deadline 1000 ms: given up at 900 ms (its tenth kept for the
   * answer). Cancel after 300 ms: given up at the next poll. */
  if (cancel)
    CHECK(ms >= 300 && ms < 2000);
  else
    CHECK(ms >= 900 && ms < 2000);
  /* The owner still has not answered, yet the clipboard is free. */
  sbt_clip_owner_expect_free(&o);
  sbt_clip_owner_stop(&o);
  if (canceller) {
    WaitForSingleObject(canceller, INFINITE);
    CloseHandle(canceller);
  }
  /* The owner is gone: a set goes through again. */
  CHECK_OK(sb_task_clipboard_set_text((const uint8_t *)"after", 5, 0, NULL));
}

SB_TEST(task_clipboard_unrendered_deadline) { with_owner(0); }

SB_TEST(task_clipboard_unrendered_cancel) { with_owner(1); }

SB_TEST(task_clipboard_unrendered_no_second_call) {
  /* A read abandoned on an owner that never renders is still waiting on
   * it: a second read, or a set, on the same owner answers BUSY at once
   * instead of starting a call behind it (under Wine such a second call
   * could not be closed and kept the clipboard held), and the clipboard
   * stays free. Once the owner is gone, calls run again. */
  sbt_clip_owner_t o;
  sb_task_ctl_t ctl;
  uint8_t *data = NULL;
  size_t len = 0;
  int empty = 0;
  sbt_clip_owner_start(&o);
  memset(&ctl, 0, sizeof ctl);
  ctl.deadline_ms = 1000;
  CHECK_ERR(sb_task_clipboard_get_text(&data, &len, &empty, &ctl),
            SB_ETIMEDOUT);
  ctl.deadline_ms = 5000;
  uint64_t t0 = sb_now_ms();
  CHECK_ERR(sb_task_clipboard_get_text(&data, &len, &empty, &ctl), SB_EBUSY);
  CHECK_ERR(sb_task_clipboard_set_text((const uint8_t *)"x", 1, 0, &ctl),
            SB_EBUSY);
  uint64_t ms = sb_now_ms() - t0;
  fprintf(stderr, "a second read and a set on the same owner: BUSY, both in "
          "%llu ms\n", (unsigned long long)ms);
  CHECK(ms < 1000);
  sbt_clip_owner_expect_free(&o);
  sbt_clip_owner_stop(&o);
  /* The abandoned read returns once its owner's window is gone. */
  int err = SB_EBUSY;
  for (int i = 0; i < 100 && err == SB_EBUSY; i++) {
    err = sb_task_clipboard_set_text((const uint8_t *)"after", 5, 0, NULL);
    if (err == SB_EBUSY)
      Sleep(50);
  }
  CHECK_OK(err);
}
