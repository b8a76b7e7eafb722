/* SPDX-License-Identifier: MIT */
/* sbctl's numeric options: a value outside its range, or not a whole
 * number, is a usage error (exit 1) before anything is sent; a value in
 * range gets past the parser to the connection, which here finds nobody
 * listening (exit 2). */
#include <stdio.h>

#include "sbtest.h"
#include "sbtest_run.h"

/* Run sbctl on each argument list of `lists` (ended by an empty one),
 * after --pipe and --key naming an endpoint where nobody listens; each
 * must exit `want`. */
static void run_with(const char *const lists[][12], int want) {
  char sbctl[512], ep[256], key[600];
  sbtest_bin_path("sbctl", sbctl, sizeof sbctl);
  sbtest_endpoint("sbctl-nobody", ep, sizeof ep);
  snprintf(key, sizeof key, "%s/none.key", sbtest_tmpdir());
  for (size_t i = 0; lists[i][0]; i++) {
    const char *args[16] = {"--pipe", ep, "--key", key};
    size_t n = 4;
    for (size_t j = 0; lists[i][j]; j++)
      args[n++] = lists[i][j];
    args[n] = NULL;
    int rc = sbtest_run_program(sbctl, args, sbtest_ms(20000));
    if (rc != want)
      fprintf(stderr, "argument list %zu of the %s ones: exit %d\n", i,
              want == 1 ? "refused" : "accepted", rc);
    CHECK_EQ(rc, want);
  }
}

SB_TEST(sbctl_numbers_out_of_range_refused) {
  const char *const bad[][12] = {
      {"--session", "1", "--timeout", "0", "ping", NULL},
      {"--session", "1", "--timeout", "600001", "ping", NULL},
      {"--session", "1", "--timeout", "5x", "ping", NULL},
      {"--session", "-1", "ping", NULL},
      {"--session", "", "ping", NULL},
      {"--session", "1", "message", "--title", "t", "--text", "x",
       "--timeout-ms", "0", NULL},
      {"--session", "1", "notify", "--wait-ms", "-1", NULL},
      {"--session", "1", "screenshot", "-o", "x.png", "--monitor", "65",
       NULL},
      {"events", "--count", "0", NULL},
      {"events", "--for-ms", "1e3", NULL},
      {NULL},
  };
  run_with(bad, 1);
  /* The edges of each range are accepted: the parser lets them through
   * to the connection attempt. */
  const char *const good[][12] = {
      {"--timeout", "1", "--session", "1", "ping", NULL},
      {"--timeout", "600000", "--session", "0", "ping", NULL},
      {"--session", "1", "notify", "--wait-ms", "0", NULL},
      {"--session", "1", "message", "--title", "t", "--text", "x",
       "--timeout-ms", "600000", NULL},
      {NULL},
  };
  run_with(good, 2);
}
