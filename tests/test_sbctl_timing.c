/* SPDX-License-Identifier: MIT */
/* sbctl screenshot with SBCTL_TIMING set prints one line to stderr,
 * "sbctl timing: connect N ms, screenshot answered N ms, file written N
 * ms", which scripts/bench.sh parses for its screenshot breakdown; without
 * the variable there is no such line and the output is what it always
 * was. sbctl runs as its own process against a router whose agent is a
 * fake that answers a screenshot HOLD_MS late, so the line's "answered"
 * figure can be told apart from the others. */
#include <stdio.h>
#include <string.h>

#include "router_rig.h"
#include "sbtest.h"
#include "sbtest_run.h"
#include "sessionbridge.h"

#define HOLD_MS 300

static const uint8_t agent_key[SB_PSK_SIZE] = {0xa6, 7};
static const uint8_t control_key[SB_PSK_SIZE] = {0xc0, 7};
/* What the fake agent "captures": the PNG signature and a little more
 * (sbctl writes the bytes as they come, it does not decode them). */
static const uint8_t shot[] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n',
                               't',  'i', 'd', 'y'};

static void agent_fn(void *arg, sb_rpc_t *rpc, sb_rpc_incoming_t *in) {
  (void)arg;
  if (in->req->body_case != SBWIRE__V1__REQUEST__BODY_SCREENSHOT) {
    sb_rpc_respond_error(rpc, in, SB_EINVAL, "only screenshots here");
    return;
  }
  Sbwire__V1__Response rsp = SBWIRE__V1__RESPONSE__INIT;
  Sbwire__V1__ScreenshotResponse s = SBWIRE__V1__SCREENSHOT_RESPONSE__INIT;
  s.width = 4;
  s.height = 3;
  s.x = -4;
  s.png.data = (uint8_t *)shot;
  s.png.len = sizeof shot;
  rsp.body_case = SBWIRE__V1__RESPONSE__BODY_SCREENSHOT;
  rsp.screenshot = &s;
  sb_sleep_ms(HOLD_MS);
  CHECK_OK(sb_rpc_respond(rpc, in, &rsp, NULL, 0));
}

/* Run `sbctl screenshot` through a router rig with SBCTL_TIMING set to
 * `timing` (NULL: unset, whatever the suite's environment has); check
 * that it succeeded (exit 0, the file and the summary line written) and
 * return its stdout and stderr in out, and its run time in *ms. */
static void run_screenshot(const char *timing, char *out, size_t cap,
                           uint64_t *ms) {
  sbt_router_rig_t r;
  char sbctl[512], key[600], png[600], log[600];
  uint8_t got[64];
  size_t n;
  FILE *f;
  sbt_router_rig_start(&r, "timing", 8, agent_key, control_key, agent_fn);
  snprintf(key, sizeof key, "%s/control.key", sbtest_tmpdir());
  snprintf(png, sizeof png, "%s/shot.png", sbtest_tmpdir());
  snprintf(log, sizeof log, "%s/sbctl.out", sbtest_tmpdir());
  CHECK((f = fopen(key, "wb")) != NULL);
  CHECK_EQ(fwrite(control_key, 1, sizeof control_key, f), sizeof control_key);
  fclose(f);
  sbtest_bin_path("sbctl", sbctl, sizeof sbctl);
  const char *const args[] = {"--pipe",     r.control_ep, "--key", key,
                              "--session",  "1",          "screenshot",
                              "-o",         png,          NULL};
  uint64_t t0 = sb_now_ms();
  int rc = sbtest_run_program_env(sbctl, args, "SBCTL_TIMING", timing, log,
                                  sbtest_ms(20000));
  *ms = sb_now_ms() - t0;
  sbt_router_rig_stop(&r);

  CHECK((f = fopen(log, "rb")) != NULL);
  n = fread(out, 1, cap - 1, f);
  fclose(f);
  out[n] = '\0';
  fprintf(stderr, "sbctl (SBCTL_TIMING %s%s%s) exit %d after %llu ms:\n%s",
          timing ? "\"" : "unset", timing ? timing : "", timing ? "\"" : "",
          rc, (unsigned long long)*ms, out);
  CHECK_EQ(rc, 0);
  /* The screenshot went through: without that, a missing timing line
   * would say nothing. */
  CHECK(strstr(out, ": 4x3 PNG at -4,0, 12 bytes") != NULL);
  CHECK((f = fopen(png, "rb")) != NULL);
  n = fread(got, 1, sizeof got, f);
  fclose(f);
  CHECK_EQ(n, sizeof shot);
  CHECK_MEM(got, shot, sizeof shot);
}

/* p past the literal s, or NULL. */
static const char *lit(const char *p, const char *s) {
  size_t n = strlen(s);
  return p && strncmp(p, s, n) == 0 ? p + n : NULL;
}

/* p past one or more digits (their value in *v), or NULL. */
static const char *num(const char *p, unsigned long long *v) {
  if (!p || *p < '0' || *p > '9')
    return NULL;
  for (*v = 0; *p >= '0' && *p <= '9'; p++)
    *v = *v * 10 + (unsigned long long)(*p - '0');
  return p;
}

SB_TEST(sbctl_timing_line_when_set) {
  char out[4096];
  uint64_t ms;
  unsigned long long connect, answered, written;
  run_screenshot("1", out, sizeof out, &ms);
  const char *line = strstr(out, "sbctl timing:");
  CHECK(line != NULL);
  CHECK(line == out || line[-1] == '\n'); /* at the start of a line */
  CHECK(strstr(line + 1, "sbctl timing:") == NULL); /* and only one */
  const char *p = lit(line, "sbctl timing: connect ");
  p = num(p, &connect);
  p = lit(p, " ms, screenshot answered ");
  p = num(p, &answered);
  p = lit(p, " ms, file written ");
  p = num(p, &written);
  p = lit(p, " ms");
  CHECK(p != NULL);
  /* The line ends there (CRLF from a Windows console program). */
  CHECK(*p == '\n' || (p[0] == '\r' && p[1] == '\n'));
  /* The figures are of this run: the agent's hold is inside "answered"
   * (less a tick of a coarse Windows clock), and the three parts fit in
   * the time sbctl ran. */
  CHECK(answered >= HOLD_MS - 20);
  CHECK(connect + answered + written <= ms);
}

SB_TEST(sbctl_timing_absent_when_unset) {
  char out[4096];
  uint64_t ms;
  run_screenshot(NULL, out, sizeof out, &ms);
  CHECK(strstr(out, "timing") == NULL);
}
