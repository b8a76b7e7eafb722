/* SPDX-License-Identifier: MIT */
/* Message boxes, called directly in the test process: the agent's own
 * timeout, the request's deadline, cancel, two at once. Nobody answers
 * them here; pressing a button is tests/oracle/msgbox_*.sh (xdotool). */
#include "sbtest.h"
#include "sbtest_platform.h"
#include "sessionbridge.h"
#include "tasks.h"

/* Skips (exit 77, with the reason) where there is no dialog backend. */
static int posix_refuses(void) {
  if (!sbtest_is_windows())
    sbtest_skip("the POSIX agent has no desktop backend for message boxes (agent/posix/tasks_posix.c answers SB_EUNSUPPORTED; task_posix_unsupported checks that)");
  return 0;
}

SB_TEST(task_msgbox_timeout) {
  int pressed = 9, timed_out = 0;
  uint64_t t0, ms;
  if (posix_refuses())
    return;
  t0 = sb_now_ms();
  CHECK_OK(sb_task_message_box("sb-test-timeout", "nobody answers", 1, 1, 500,
                               NULL, &pressed, &timed_out));
  ms = sb_now_ms() - t0;
  CHECK_EQ(timed_out, 1);
  CHECK_EQ(pressed, 0);
  fprintf(stderr, "timed out after %llu ms\n", (unsigned long long)ms);
  CHECK(ms >= 500);
  CHECK(ms < (uint64_t)sbtest_ms(3000));
}

SB_TEST(task_msgbox_deadline_first) {
  /* The request's deadline (300 ms) comes before the box's own timeout
   * (10 s): the deadline closes it. */
  sb_task_ctl_t ctl = {0, 300};
  int pressed = 9, timed_out = 0;
  uint64_t t0 = sb_now_ms(), ms;
  if (posix_refuses())
    return;
  CHECK_OK(sb_task_message_box("sb-test-deadline", "x", 4, 4, 10000, &ctl,
                               &pressed, &timed_out));
  ms = sb_now_ms() - t0;
  CHECK_EQ(timed_out, 1);
  CHECK(ms >= 300);
  CHECK(ms < (uint64_t)sbtest_ms(3000));
}

typedef struct {
  sb_task_ctl_t *ctl;
  unsigned after_ms;
} canceller_t;

static void cancel_later(void *arg) {
  canceller_t *c = arg;
  sb_sleep_ms(c->after_ms);
  c->ctl->cancel = 1;
}

SB_TEST(task_msgbox_cancel) {
  sb_task_ctl_t ctl = {0, 0};
  canceller_t c = {&ctl, 400};
  sb_thread_t *t;
  int pressed = 9, timed_out = 9;
  uint64_t t0, ms;
  if (posix_refuses())
    return;
  CHECK_OK(sb_thread_create(&t, cancel_later, &c, 0));
  t0 = sb_now_ms();
  /* No timeout of its own: only the cancel can end it. */
  CHECK_ERR(sb_task_message_box("sb-test-cancel", "x", 2, 0, 0, &ctl, &pressed,
                                &timed_out),
            SB_ECANCELED);
  ms = sb_now_ms() - t0;
  CHECK_OK(sb_thread_join(t));
  CHECK_EQ(timed_out, 0);
  CHECK(ms >= 400);
  CHECK(ms < (uint64_t)sbtest_ms(3000));
}

typedef struct {
  const char *title;
  uint32_t timeout;
  int err, pressed, timed_out;
} box_job_t;

static void run_box(void *arg) {
  box_job_t *j = arg;
  j->err = sb_task_message_box(j->title, "one of two", 3, 2, j->timeout, NULL,
                               &j->pressed, &j->timed_out);
}

SB_TEST(task_msgbox_two_at_once) {
  /* Each box has its own thread and is found and closed by its own
   * dialog thread, so two open at once do not close each other: the
   * shorter one ends first, the longer one at its own time. */
  box_job_t a = {"sb-test-two-a", 400, 9, 9, 0};
  box_job_t b = {"sb-test-two-b", 1200, 9, 9, 0};
  sb_thread_t *ta, *tb;
  uint64_t t0 = sb_now_ms(), ta_ms, tb_ms;
  if (posix_refuses())
    return;
  CHECK_OK(sb_thread_create(&ta, run_box, &a, 0));
  CHECK_OK(sb_thread_create(&tb, run_box, &b, 0));
  CHECK_OK(sb_thread_join(ta));
  ta_ms = sb_now_ms() - t0;
  CHECK_OK(sb_thread_join(tb));
  tb_ms = sb_now_ms() - t0;
  CHECK_OK(a.err);
  CHECK_OK(b.err);
  CHECK_EQ(a.timed_out, 1);
  CHECK_EQ(b.timed_out, 1);
  fprintf(stderr, "a after %llu ms, b after %llu ms\n",
          (unsigned long long)ta_ms, (unsigned long long)tb_ms);
  /* Neither box closed early. Wine sometimes finishes both teardowns in
   * the same millisecond (a's window destruction waits on b's thread), so
   * "a strictly before b" is not asserted; a not outliving b is. */
  CHECK(ta_ms >= 400);
  CHECK(ta_ms <= tb_ms);
  CHECK(tb_ms >= 1200);
  CHECK(tb_ms < (uint64_t)sbtest_ms(5000));
}

SB_TEST(task_msgbox_invalid_utf8) {
  int pressed = 9, timed_out = 9;
  uint64_t t0 = sb_now_ms();
  if (posix_refuses())
    return;
  /* Refused before a box is shown: returns at once, not after 5 s. */
  CHECK_ERR(sb_task_message_box("bad \xc3(", "x", 1, 0, 5000, NULL, &pressed,
                                &timed_out),
            SB_EUTF8);
  CHECK_ERR(
      sb_task_message_box("t", "\xff", 1, 0, 5000, NULL, &pressed, &timed_out),
      SB_EUTF8);
  CHECK(sb_now_ms() - t0 < 1000);
  CHECK_ERR(sb_task_message_box("t", "x", 1, 0, 5000, NULL, NULL, NULL),
            SB_EINVAL);
}
