/* Notifications, called directly in the test process. Under Wine the
 * icon lands in the "Wine System Tray" window and no balloon is drawn, so
 * "shown" means the shell accepted NIM_ADD and NIM_MODIFY(NIF_INFO). */
#include "sbtest.h"
#include "sbtest_platform.h"
#include "sessionbridge.h"
#include "tasks.h"

static void need_backend(void) {
  if (!sbtest_is_windows())
    sbtest_skip("the POSIX agent has no desktop backend for notifications (agent/posix/tasks_posix.c answers SB_EUNSUPPORTED; task_posix_unsupported checks that)");
}

SB_TEST(task_notify_shown) {
  need_backend();
  CHECK_OK(sb_task_notify("Backup", "finished \xe2\x9c\x93", 1));
}

SB_TEST(task_notify_long_title_and_text) {
  /* Longer than the shell's fields (63 and 255 characters) but within the
   * protocol's 4 KiB: cut to fit and shown, not refused or blanked. */
  char title[200], text[4096 + 1];
  memset(title, 'T', sizeof title - 1);
  title[sizeof title - 1] = 0;
  memset(text, 'x', sizeof text - 1);
  text[sizeof text - 1] = 0;
  need_backend();
  CHECK_OK(sb_task_notify(title, text, 2));
}

SB_TEST(task_notify_validation) {
  /* Checked on every platform before anything is shown. */
  char text[4096 + 2];
  CHECK_ERR(sb_task_notify("", "", 1), SB_EFIELD);
  CHECK_ERR(sb_task_notify(NULL, NULL, 1), SB_EFIELD);
  memset(text, 'x', sizeof text - 1);
  text[sizeof text - 1] = 0; /* 4097 bytes */
  CHECK_ERR(sb_task_notify("t", text, 1), SB_ETOOBIG);
  if (sbtest_is_windows())
    CHECK_ERR(sb_task_notify("t", "bad \xc3(", 1), SB_EUTF8);
}
