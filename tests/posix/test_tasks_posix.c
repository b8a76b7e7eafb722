/* SPDX-License-Identifier: MIT */
/* The POSIX agent has no desktop backend: every desktop task answers
 * SB_EUNSUPPORTED (STATUS_UNSUPPORTED on the wire), never a generic OS
 * failure, and only after the same input checks Windows makes. The task
 * tests that need a backend skip on POSIX; this is what they skip to. */
#include "sbtest.h"
#include "sessionbridge.h"
#include "tasks.h"

SB_TEST(task_posix_unsupported) {
  int o = 0;
  uint8_t *d = NULL;
  size_t n = 0;
  uint32_t w = 0, h = 0;
  int empty = 0, pressed = 0, timed_out = 0;
  const char *why = NULL;
  sb_task_shot_t shot;
  static const uint8_t png1x1[] = {
      0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13, 'I', 'H',
      'D', 'R', 0, 0, 0, 1, 0, 0, 0, 1, 8, 2, 0, 0, 0, 0x90, 0x77, 0x53, 0xde};
  memset(&shot, 0, sizeof shot);
  CHECK_ERR(sb_task_clipboard_set_text((const uint8_t *)"x", 1, 0, NULL),
            SB_EUNSUPPORTED);
  CHECK_ERR(sb_task_clipboard_get_text(&d, &n, &empty, NULL), SB_EUNSUPPORTED);
  CHECK(d == NULL);
  CHECK_ERR(sb_task_clipboard_set_image(png1x1, sizeof png1x1, 0, &why, NULL),
            SB_EUNSUPPORTED);
  CHECK_ERR(sb_task_clipboard_get_image(&d, &n, &w, &h, &empty, &why, NULL),
            SB_EUNSUPPORTED);
  CHECK_ERR(sb_task_message_box("t", "x", 1, 0, 100, NULL, &pressed,
                                &timed_out),
            SB_EUNSUPPORTED);
  CHECK_ERR(sb_task_notify("t", "x", 1, 0, NULL, &o, NULL), SB_EUNSUPPORTED);
  CHECK_ERR(sb_task_screenshot(&shot, &d, &n, &w, &h), SB_EUNSUPPORTED);
  /* Input that every platform refuses is refused first. */
  CHECK_ERR(sb_task_clipboard_set_text((const uint8_t *)"\xff", 1, 0, NULL), SB_EUTF8);
  CHECK_ERR(sb_task_clipboard_set_image((const uint8_t *)"GIF89a", 6, 0, &why, NULL),
            SB_EFIELD);
  CHECK_ERR(sb_task_notify("", "", 1, 0, NULL, &o, NULL), SB_EFIELD);
  /* And on the wire it is its own status. */
  CHECK_EQ(sb_err_to_status(SB_EUNSUPPORTED),
           SBWIRE__V1__STATUS__STATUS_UNSUPPORTED);
  CHECK_EQ(sb_status_to_err(SBWIRE__V1__STATUS__STATUS_UNSUPPORTED),
           SB_EUNSUPPORTED);
}
