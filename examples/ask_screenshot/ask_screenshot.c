/* SPDX-License-Identifier: MIT */
/* A service-side program that uses only sessionbridge/client.h: it asks
 * the user of a session whether to take a screenshot and, when the answer
 * is yes, writes one to a PNG file.
 *
 *   ask_screenshot [--pipe ENDPOINT] [--key FILE] [--session N]
 *                  [--wait-ms MS] OUT.png
 *
 * Exit codes: 0 screenshot written, 4 the user said no (or did not
 * answer in time), 3 the service or agent answered an error, 2 the
 * service could not be reached, 1 usage, 5 the file could not be written.
 * Build it against the installed package (CMakeLists.txt next to this
 * file uses find_package, Makefile uses pkg-config). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sessionbridge/client.h>

static int report(const char *what, int err) {
  /* The status is empty when the failure was local (no connection). */
  const char *status = sb_client_error_status();
  fprintf(stderr, "ask_screenshot: %s failed: %s%s%s (%s)\n", what, status,
          *status ? ": " : "", sb_client_error_detail(), sb_err_name(err));
  return *status ? 3 : 2;
}

int main(int argc, char **argv) {
  const char *pipe = NULL, *key = NULL, *out = NULL;
  long session = -1, wait_ms = 60000;
  sb_client_t *c = NULL;
  sb_session_t *list = NULL;
  size_t n = 0;
  sb_answer_t answer;
  uint8_t *png = NULL;
  size_t len = 0;
  uint32_t w = 0, h = 0, rtt = 0;
  int err, rc = 0;

  for (int i = 1; i < argc; i++) {
    if (i + 1 < argc && strcmp(argv[i], "--pipe") == 0)
      pipe = argv[++i];
    else if (i + 1 < argc && strcmp(argv[i], "--key") == 0)
      key = argv[++i];
    else if (i + 1 < argc && strcmp(argv[i], "--session") == 0)
      session = strtol(argv[++i], NULL, 10);
    else if (i + 1 < argc && strcmp(argv[i], "--wait-ms") == 0)
      wait_ms = strtol(argv[++i], NULL, 10);
    else if (argv[i][0] != '-' && !out)
      out = argv[i];
    else {
      out = NULL; /* an unknown option or a second file: usage */
      break;
    }
  }
  if (!out || wait_ms < 1 || wait_ms > 590000) {
    fprintf(stderr, "usage: ask_screenshot [--pipe ENDPOINT] [--key FILE] "
                    "[--session N] [--wait-ms MS] OUT.png\n");
    return 1;
  }
  /* A program built against one version may run with another DLL. */
  printf("libsessionbridge %s (built with %s)\n", sb_version_string(),
         SB_VERSION_STRING);

  if ((err = sb_client_open(&c, pipe, key, 5000)) != 0)
    return report("connecting to the service", err);

  if ((err = sb_client_sessions(c, 5000, &list, &n)) != 0) {
    rc = report("listing sessions", err);
    goto out;
  }
  for (size_t i = 0; i < n; i++) {
    printf("session %u: user '%s', agent %s\n", list[i].session_id,
           list[i].user, list[i].agent_connected ? "connected" : "absent");
    if (session < 0 && list[i].agent_connected)
      session = list[i].session_id;
  }
  sb_free(list);
  if (session < 0) {
    fprintf(stderr, "ask_screenshot: no session has an agent\n");
    rc = 3;
    goto out;
  }
  if ((err = sb_client_ping(c, (uint32_t)session, 5000, &rtt)) != 0) {
    rc = report("ping", err);
    goto out;
  }
  printf("session %ld answers in %u ms\n", session, rtt);

  /* The box closes by itself after wait_ms; the call's deadline leaves
   * the service time to say so. */
  err = sb_client_message_box(c, (uint32_t)session, "Backup service",
                              "May the backup service take a screenshot "
                              "of your screen?",
                              SB_BUTTONS_YES_NO, SB_ICON_QUESTION,
                              (uint32_t)wait_ms, 0, (uint32_t)wait_ms + 5000,
                              &answer, NULL);
  if (err) {
    rc = report("asking the user", err);
    goto out;
  }
  if (answer != SB_ANSWER_YES) {
    printf("answer: %s, no screenshot\n",
           answer == SB_ANSWER_TIMEOUT ? "none in time" : "no");
    rc = 4;
    goto out;
  }
  err = sb_client_screenshot(c, (uint32_t)session, SB_SCREEN_ALL, NULL, 0,
                             30000, &png, &len, &w, &h, NULL, NULL);
  if (err) {
    rc = report("screenshot", err);
    goto out;
  }
  FILE *f = fopen(out, "wb");
  if (!f || fwrite(png, 1, len, f) != len || fclose(f) != 0) {
    fprintf(stderr, "ask_screenshot: cannot write %s\n", out);
    rc = 5;
  } else {
    printf("answer: yes, wrote %s (%ux%u, %zu bytes)\n", out, w, h, len);
  }
  sb_free(png);
out:
  sb_client_close(c);
  return rc;
}
