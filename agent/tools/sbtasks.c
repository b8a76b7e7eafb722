/* SPDX-License-Identifier: MIT */
/* sbtasks: run one agent task from the command line, without the service
 * or a channel. A developer tool, and the program the oracle scripts in
 * tests/oracle run under Wine to compare a task with xclip, xdotool or
 * ImageMagick.
 *
 *   sbtasks session-info
 *   sbtasks clipboard-get            (the text on stdout, nothing added)
 *   sbtasks clipboard-set TEXT|-     (- reads stdin)
 *   sbtasks clipboard-hold MS
 *   sbtasks keep-desktop MS
 *   sbtasks screenshot FILE [--monitor K | --region X,Y,W,H]
 *   sbtasks msgbox TITLE TEXT [--buttons N] [--icon N] [--timeout-ms MS]
 *   sbtasks notify TITLE TEXT [--icon N]
 *
 * Exit codes: 0 done, 1 usage, 2 the task failed (its SB_E* name on
 * stderr), 3 a message box timed out. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sbtasks_platform.h"
#include "sessionbridge.h"
#include "tasks.h"

static int failed(const char *what, int err) {
  fprintf(stderr, "sbtasks: %s: %s (%s)\n", what, sb_err_name(err),
          sb_strerror(err));
  return 2;
}

static int usage(void) {
  fprintf(stderr, "usage: sbtasks session-info | clipboard-get | "
                  "clipboard-set TEXT|- | clipboard-hold MS |\n"
                  "       keep-desktop MS |\n"
                  "       screenshot FILE [--monitor K | --region X,Y,W,H] |\n"
                  "       msgbox TITLE TEXT [--buttons N] [--icon N] "
                  "[--timeout-ms MS] |\n"
                  "       notify TITLE TEXT [--icon N]\n");
  return 1;
}

static void to_stderr(void *arg, sb_log_level_t level, const char *msg) {
  (void)arg;
  fprintf(stderr, "sbtasks %s: %s\n", sb_log_level_name(level), msg);
}

/* Value of "--name V" among argv[from..], or NULL. */
static const char *opt(int argc, char **argv, int from, const char *name) {
  for (int i = from; i + 1 < argc; i++)
    if (strcmp(argv[i], name) == 0)
      return argv[i + 1];
  return NULL;
}

static int read_stdin(uint8_t **out, size_t *len) {
  size_t cap = 65536, n = 0;
  uint8_t *buf = sb_malloc(cap);
  if (!buf)
    return SB_ENOMEM;
  for (;;) {
    if (n == cap) {
      /* One byte over the limit is enough for the task to refuse it. */
      if (cap > SB_CLIPBOARD_MAX)
        break;
      uint8_t *bigger = sb_realloc(buf, cap * 2);
      if (!bigger) {
        sb_free(buf);
        return SB_ENOMEM;
      }
      buf = bigger;
      cap *= 2;
    }
    size_t got = fread(buf + n, 1, cap - n, stdin);
    if (got == 0)
      break;
    n += got;
  }
  *out = buf;
  *len = n;
  return 0;
}

static int cmd_session_info(void) {
  sb_task_session_info_t info;
  int err = sb_task_session_info(&info);
  if (err)
    return failed("session-info", err);
  printf("session_id=%u\nuser=%s\ndomain=%s\nlocked=%d\nidle_ms=%llu\n"
         "is_console=%d\nstate=%s\n",
         info.session_id, info.user, info.domain, info.locked,
         (unsigned long long)info.idle_ms, info.is_console, info.state);
  return 0;
}

static int cmd_clipboard_get(void) {
  uint8_t *data = NULL;
  size_t len = 0;
  int empty = 0, err = sb_task_clipboard_get_text(&data, &len, &empty, NULL);
  if (err)
    return failed("clipboard-get", err);
  if (empty)
    fprintf(stderr, "sbtasks: the clipboard has no text\n");
  else
    fwrite(data, 1, len, stdout);
  sb_free(data);
  return 0;
}

static int cmd_clipboard_set(const char *arg) {
  uint8_t *buf = NULL;
  size_t len;
  int err = 0;
  if (strcmp(arg, "-") == 0)
    err = read_stdin(&buf, &len);
  if (err)
    return failed("clipboard-set", err);
  if (buf)
    err = sb_task_clipboard_set_text(buf, len, 0, NULL);
  else
    err = sb_task_clipboard_set_text((const uint8_t *)arg, strlen(arg), 0,
                                     NULL);
  sb_free(buf);
  return err ? failed("clipboard-set", err) : 0;
}

static int cmd_screenshot(int argc, char **argv) {
  sb_task_shot_t req;
  const char *mon = opt(argc, argv, 3, "--monitor");
  const char *reg = opt(argc, argv, 3, "--region");
  uint8_t *png = NULL;
  size_t len = 0;
  uint32_t w = 0, h = 0;
  FILE *f;
  int err;
  memset(&req, 0, sizeof req);
  if (mon) {
    req.target = 1;
    req.monitor = (uint32_t)strtoul(mon, NULL, 10);
  } else if (reg) {
    long x, y;
    unsigned long rw, rh;
    if (sscanf(reg, "%ld,%ld,%lu,%lu", &x, &y, &rw, &rh) != 4)
      return usage();
    req.target = 2;
    req.x = (int32_t)x;
    req.y = (int32_t)y;
    req.width = (uint32_t)rw;
    req.height = (uint32_t)rh;
  }
  err = sb_task_screenshot(&req, &png, &len, &w, &h);
  if (err)
    return failed("screenshot", err);
  f = fopen(argv[2], "wb");
  if (!f || fwrite(png, 1, len, f) != len) {
    if (f)
      fclose(f);
    sb_free(png);
    fprintf(stderr, "sbtasks: cannot write %s\n", argv[2]);
    return 2;
  }
  fclose(f);
  sb_free(png);
  printf("%ux%u %zu\n", w, h, len);
  return 0;
}

static int cmd_msgbox(int argc, char **argv) {
  static const char *names[] = {"none", "ok", "cancel", "yes", "no", "retry"};
  const char *b = opt(argc, argv, 4, "--buttons");
  const char *i = opt(argc, argv, 4, "--icon");
  const char *t = opt(argc, argv, 4, "--timeout-ms");
  int pressed = 0, timed_out = 0;
  int err = sb_task_message_box(
      argv[2], argv[3], b ? atoi(b) : 1, i ? atoi(i) : 0,
      t ? (uint32_t)strtoul(t, NULL, 10) : 0, NULL, &pressed, &timed_out);
  if (err)
    return failed("msgbox", err);
  if (timed_out) {
    printf("timeout\n");
    return 3;
  }
  printf("%s\n", pressed >= 0 && pressed <= 5 ? names[pressed] : "?");
  return 0;
}

int main(int argc, char **argv) {
  int err;
  if ((err = sbtasks_init(&argc, &argv)) != 0)
    return failed("arguments", err);
  sb_log_set_sink(to_stderr, NULL, SB_LOG_INFO);
  if (argc < 2)
    return usage();
  const char *cmd = argv[1];
  if (strcmp(cmd, "session-info") == 0)
    return cmd_session_info();
  if (strcmp(cmd, "clipboard-get") == 0)
    return cmd_clipboard_get();
  if (strcmp(cmd, "clipboard-set") == 0 && argc == 3)
    return cmd_clipboard_set(argv[2]);
  if (strcmp(cmd, "clipboard-hold") == 0 && argc == 3) {
    err = sbtasks_clipboard_hold((unsigned)strtoul(argv[2], NULL, 10));
    return err ? failed("clipboard-hold", err) : 0;
  }
  if (strcmp(cmd, "keep-desktop") == 0 && argc == 3)
    return sbtasks_keep_desktop((unsigned)strtoul(argv[2], NULL, 10));
  if (strcmp(cmd, "screenshot") == 0 && argc >= 3)
    return cmd_screenshot(argc, argv);
  if (strcmp(cmd, "msgbox") == 0 && argc >= 4)
    return cmd_msgbox(argc, argv);
  if (strcmp(cmd, "notify") == 0 && argc >= 4) {
    const char *i = opt(argc, argv, 4, "--icon");
    int outcome = 0, shown = 0;
    err = sb_task_notify(argv[2], argv[3], i ? atoi(i) : 1, 5000, NULL,
                         &outcome, &shown);
    sb_task_notify_shutdown();
    if (err)
      return failed("notify", err);
    printf("outcome %d, %s\n", outcome, shown ? "shown" : "not known shown");
    return 0;
  }
  return usage();
}
