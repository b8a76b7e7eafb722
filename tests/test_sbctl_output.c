/* SPDX-License-Identifier: MIT */
/* sbctl's -o file when a download ends early (protocol.md, Transfers, "A
 * download that ends early"): after the declaration and a first piece
 * the agent sends an Error in place of the rest. sbctl must report that
 * Error (its detail, exit 3) and hand out none of the data: no file where
 * there was none, and an older file of that name left as it was (a
 * script must not take an old or a partial picture for this one). The
 * same rig with the download arriving whole writes the file, so a file
 * that is not there was not written, not unreachable. Each download is
 * declared of its size, then of unknown size (protocol 3, as the agent
 * sends a screenshot it still encodes). What sbctl does when
 * the write itself fails half way (a full disk, a device, a pipe) is in
 * tests/posix/test_sbctl_output_posix.c. */
#include <stdio.h>
#include <string.h>

#include "ctl_rig.h"
#include "sbtest.h"

/* One command writing its -o file: cmd before "-o", the file after. */
static void ends_early(const char *tag, const char *const cmd[3]) {
  sbt_ctl_rig_t t;
  char out[4096], fresh[600], old[600];
  const char *args[8];
  size_t n = 0;
  snprintf(fresh, sizeof fresh, "%s/%s-fresh.png", sbtest_tmpdir(), tag);
  snprintf(old, sizeof old, "%s/%s-old.png", sbtest_tmpdir(), tag);
  for (; n < 3 && cmd[n]; n++)
    args[n] = cmd[n];
  args[n] = "-o";
  args[n + 2] = NULL;
  sbt_ctl_start(&t, tag, SBT_CTL_ENDS_EARLY);
  /* Declared of its size, then (protocol 3) of unknown size, as the
   * agent sends a screenshot it still encodes. */
  for (int unknown = 0; unknown < 2; unknown++) {
    sbt_ctl_size_unknown(unknown);
    sbt_ctl_mode(SBT_CTL_ENDS_EARLY);
    sbt_ctl_write(old, "an older picture");
    (void)remove(fresh);
    fprintf(stderr, "-- a download declared %s\n",
            unknown ? "of unknown size" : "of its size");
    /* No file of that name before: none after. */
    args[n + 1] = fresh;
    CHECK_EQ(sbt_ctl_run(&t, args, out, sizeof out), 3);
    CHECK(strstr(out, "INTERNAL") != NULL);
    CHECK(strstr(out, SBT_CTL_DETAIL) != NULL);
    FILE *f = fopen(fresh, "rb");
    if (f)
      fclose(f);
    CHECK(f == NULL);

    /* An older file: left as it was. */
    args[n + 1] = old;
    CHECK_EQ(sbt_ctl_run(&t, args, out, sizeof out), 3);
    CHECK(strstr(out, SBT_CTL_DETAIL) != NULL);
    CHECK(sbt_ctl_file_is(old, "an older picture"));

    /* The whole download is written, over the older file too. */
    sbt_ctl_mode(SBT_CTL_WHOLE);
    args[n + 1] = fresh;
    CHECK_EQ(sbt_ctl_run(&t, args, out, sizeof out), 0);
    CHECK(sbt_ctl_file_whole(fresh));
    args[n + 1] = old;
    CHECK_EQ(sbt_ctl_run(&t, args, out, sizeof out), 0);
    CHECK(sbt_ctl_file_whole(old));
  }
  sbt_ctl_stop(&t);
}

SB_TEST(sbctl_output_screenshot_ends_early) {
  const char *const cmd[3] = {"screenshot", NULL, NULL};
  ends_early("shotend", cmd);
}

SB_TEST(sbctl_output_clipboard_ends_early) {
  const char *const cmd[3] = {"clipboard", "get", "--image"};
  ends_early("clipend", cmd);
}
