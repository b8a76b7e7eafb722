/* SPDX-License-Identifier: MIT */
/* message, notify: the dialog-style tasks. */
#include <stdlib.h>
#include <string.h>

#include "sbctl.h"

static int lookup(const char *what, const char *v, const char *const *names,
                  const int *values, size_t n, int *out) {
  for (size_t i = 0; i < n; i++)
    if (strcmp(v, names[i]) == 0) {
      *out = values[i];
      return EXIT_OK;
    }
  fprintf(stderr, "sbctl: unknown %s '%s'\n", what, v);
  return EXIT_USAGE;
}

static int parse_icon(const char *v, int *out) {
  static const char *const names[] = {"none", "info", "warning", "error",
                                      "question"};
  static const int values[] = {SB_ICON_NONE, SB_ICON_INFO, SB_ICON_WARNING,
                               SB_ICON_ERROR, SB_ICON_QUESTION};
  return lookup("icon", v, names, values, 5, out);
}

static const char *answer_name(sb_answer_t a) {
  switch (a) {
  case SB_ANSWER_TIMEOUT:
    return "timeout";
  case SB_ANSWER_OK:
    return "ok";
  case SB_ANSWER_CANCEL:
    return "cancel";
  case SB_ANSWER_YES:
    return "yes";
  case SB_ANSWER_NO:
    return "no";
  case SB_ANSWER_RETRY:
    return "retry";
  }
  return "none";
}

int sbctl_cmd_message(sbctl_t *c, int argc, char **argv) {
  static const char *const bnames[] = {"ok", "okcancel", "yesno",
                                       "yesnocancel", "retrycancel"};
  static const int bvalues[] = {SB_BUTTONS_OK, SB_BUTTONS_OK_CANCEL,
                                SB_BUTTONS_YES_NO, SB_BUTTONS_YES_NO_CANCEL,
                                SB_BUTTONS_RETRY_CANCEL};
  sb_answer_t answer;
  int buttons = SB_BUTTONS_OK, icon = 0, fallback = 0, rc;
  const char *title = NULL, *text = NULL;
  long timeout = 0;
  int wait_connect = 0;

  for (int i = 0; i < argc; i++) {
    if (strcmp(argv[i], "--wait-connect") == 0) {
      wait_connect = 1;
      continue;
    }
    if (i + 1 >= argc) {
      fprintf(stderr, "sbctl message: %s needs a value\n", argv[i]);
      return EXIT_USAGE;
    }
    const char *v = argv[++i];
    if (strcmp(argv[i - 1], "--title") == 0)
      title = v;
    else if (strcmp(argv[i - 1], "--text") == 0)
      text = v;
    else if (strcmp(argv[i - 1], "--buttons") == 0) {
      if ((rc = lookup("buttons", v, bnames, bvalues, 5, &buttons)))
        return rc;
    } else if (strcmp(argv[i - 1], "--icon") == 0) {
      if ((rc = parse_icon(v, &icon)))
        return rc;
    } else if (strcmp(argv[i - 1], "--timeout-ms") == 0) {
      if ((rc = sbctl_number("message", "--timeout-ms", v, 1, 600000,
                             &timeout)))
        return rc;
    } else {
      fprintf(stderr, "sbctl message: unknown option %s\n", argv[i - 1]);
      return EXIT_USAGE;
    }
  }
  if (!title || !text) {
    fprintf(stderr, "sbctl message: --title and --text are required\n");
    return EXIT_USAGE;
  }
  if ((rc = sbctl_need_session(c, "message")))
    return rc;
  /* The box may legitimately wait for the user for a long time: the
   * request deadline covers the box's own timeout plus slack. */
  if (timeout && c->timeout_ms < (uint32_t)timeout + 5000)
    c->timeout_ms = (uint32_t)timeout + 5000;
  if (!timeout && c->timeout_ms == 30000)
    c->timeout_ms = 300000;
  if ((rc = sbctl_connect(c)))
    return rc;
  rc = sbctl_result(c, sb_client_message_box(
                           c->client, sbctl_session(c), title, text,
                           (sb_buttons_t)buttons, (sb_icon_t)icon,
                           (uint32_t)timeout,
                           wait_connect ? SB_MSGBOX_WAIT_FOR_CONNECT : 0,
                           c->timeout_ms, &answer,
                           &fallback));
  if (rc)
    return rc;
  if (c->json) {
    printf("{\"pressed\":\"%s\",\"timed_out\":%s,\"via_fallback\":%s}\n",
           answer_name(answer), answer == SB_ANSWER_TIMEOUT ? "true" : "false",
           fallback ? "true" : "false");
  } else {
    printf("%s\n", answer_name(answer));
    if (fallback)
      fprintf(stderr, "sbctl: shown by the service with WTSSendMessage (the "
                      "session has no agent)\n");
  }
  return EXIT_OK;
}

int sbctl_cmd_notify(sbctl_t *c, int argc, char **argv) {
  const char *title = "", *text = "";
  int icon = 0, shown = 0, rc;
  long wait = 0;
  sb_notify_outcome_t outcome = SB_NOTIFY_ACCEPTED;
  for (int i = 0; i < argc; i++) {
    if (i + 1 >= argc) {
      fprintf(stderr, "sbctl notify: %s needs a value\n", argv[i]);
      return EXIT_USAGE;
    }
    const char *v = argv[++i];
    if (strcmp(argv[i - 1], "--title") == 0)
      title = v;
    else if (strcmp(argv[i - 1], "--text") == 0)
      text = v;
    else if (strcmp(argv[i - 1], "--icon") == 0) {
      if ((rc = parse_icon(v, &icon)))
        return rc;
    } else if (strcmp(argv[i - 1], "--wait-ms") == 0) {
      if ((rc = sbctl_number("notify", "--wait-ms", v, 0, 600000, &wait)))
        return rc;
    } else {
      fprintf(stderr, "sbctl notify: unknown option %s\n", argv[i - 1]);
      return EXIT_USAGE;
    }
  }
  /* Empty or oversized notifications are sent as asked: the agent's
   * validation is what answers them, and the tests rely on that. */
  if ((rc = sbctl_need_session(c, "notify")) || (rc = sbctl_connect(c)))
    return rc;
  /* The request's deadline covers the wait plus slack. */
  if (wait && c->timeout_ms < (uint32_t)wait + 5000)
    c->timeout_ms = (uint32_t)wait + 5000;
  rc = sbctl_result(c, sb_client_notify(c->client, sbctl_session(c), title,
                                        text, (sb_icon_t)icon, (uint32_t)wait,
                                        c->timeout_ms, &outcome, &shown));
  if (rc)
    return rc;
  /* Indexed by sb_notify_outcome_t, which the library keeps in 1..5. */
  static const char *const names[] = {"accepted", "accepted", "shown",
                                      "clicked", "dismissed", "timed out"};
  const char *what =
      names[outcome >= SB_NOTIFY_ACCEPTED && outcome <= SB_NOTIFY_TIMED_OUT
                ? outcome
                : SB_NOTIFY_ACCEPTED];
  if (c->json)
    printf("{\"shown\":%s,\"outcome\":\"%s\"}\n", shown ? "true" : "false",
           what);
  else
    printf("%s\n", what);
  /* The shell took it: success, whatever became of it after. */
  return EXIT_OK;
}
