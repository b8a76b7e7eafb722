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
  static const int values[] = {
      SBWIRE__V1__ICON__ICON_NONE, SBWIRE__V1__ICON__ICON_INFO,
      SBWIRE__V1__ICON__ICON_WARNING, SBWIRE__V1__ICON__ICON_ERROR,
      SBWIRE__V1__ICON__ICON_QUESTION};
  return lookup("icon", v, names, values, 5, out);
}

static const char *button_name(int b) {
  switch (b) {
  case SBWIRE__V1__BUTTON__BUTTON_OK:
    return "ok";
  case SBWIRE__V1__BUTTON__BUTTON_CANCEL:
    return "cancel";
  case SBWIRE__V1__BUTTON__BUTTON_YES:
    return "yes";
  case SBWIRE__V1__BUTTON__BUTTON_NO:
    return "no";
  case SBWIRE__V1__BUTTON__BUTTON_RETRY:
    return "retry";
  default:
    return "none";
  }
}

int sbctl_cmd_message(sbctl_t *c, int argc, char **argv) {
  static const char *const bnames[] = {"ok", "okcancel", "yesno",
                                       "yesnocancel", "retrycancel"};
  static const int bvalues[] = {
      SBWIRE__V1__BUTTONS__BUTTONS_OK, SBWIRE__V1__BUTTONS__BUTTONS_OK_CANCEL,
      SBWIRE__V1__BUTTONS__BUTTONS_YES_NO,
      SBWIRE__V1__BUTTONS__BUTTONS_YES_NO_CANCEL,
      SBWIRE__V1__BUTTONS__BUTTONS_RETRY_CANCEL};
  Sbwire__V1__Request req = SBWIRE__V1__REQUEST__INIT;
  Sbwire__V1__MessageBoxRequest mb = SBWIRE__V1__MESSAGE_BOX_REQUEST__INIT;
  sb_rpc_result_t res;
  int buttons = SBWIRE__V1__BUTTONS__BUTTONS_OK, icon = 0, rc;
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
      char *end;
      timeout = strtol(v, &end, 10);
      if (*end || timeout < 1 || timeout > 600000) {
        fprintf(stderr, "sbctl message: --timeout-ms must be 1..600000\n");
        return EXIT_USAGE;
      }
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
  mb.title = (char *)title;
  mb.text = (char *)text;
  mb.buttons = (Sbwire__V1__Buttons)buttons;
  mb.icon = (Sbwire__V1__Icon)icon;
  mb.timeout_ms = (uint32_t)timeout;
  mb.wait_for_connect = wait_connect;
  req.body_case = SBWIRE__V1__REQUEST__BODY_MESSAGE_BOX;
  req.message_box = &mb;
  rc = sbctl_call(c, &req, NULL, 0, &res);
  if (rc)
    return rc;
  const Sbwire__V1__MessageBoxResponse *r = res.env->response->message_box;
  if (c->json) {
    printf("{\"pressed\":\"%s\",\"timed_out\":%s,\"via_fallback\":%s}\n",
           r->timed_out ? "timeout" : button_name(r->pressed),
           r->timed_out ? "true" : "false",
           r->via_fallback ? "true" : "false");
  } else {
    printf("%s\n", r->timed_out ? "timeout" : button_name(r->pressed));
    if (r->via_fallback)
      fprintf(stderr, "sbctl: shown by the service with WTSSendMessage (the "
                      "session has no agent)\n");
  }
  sb_rpc_result_free(&res);
  return EXIT_OK;
}

int sbctl_cmd_notify(sbctl_t *c, int argc, char **argv) {
  Sbwire__V1__Request req = SBWIRE__V1__REQUEST__INIT;
  Sbwire__V1__NotifyRequest n = SBWIRE__V1__NOTIFY_REQUEST__INIT;
  sb_rpc_result_t res;
  const char *title = "", *text = "";
  int icon = 0, rc;
  long wait = 0;
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
      char *end;
      wait = strtol(v, &end, 10);
      if (*end || wait < 0 || wait > 600000) {
        fprintf(stderr, "sbctl notify: --wait-ms must be 0..600000\n");
        return EXIT_USAGE;
      }
    } else {
      fprintf(stderr, "sbctl notify: unknown option %s\n", argv[i - 1]);
      return EXIT_USAGE;
    }
  }
  /* Empty or oversized notifications are sent as asked: the agent's
   * validation is what answers them, and the tests rely on that. */
  if ((rc = sbctl_need_session(c, "notify")) || (rc = sbctl_connect(c)))
    return rc;
  n.title = (char *)title;
  n.text = (char *)text;
  n.icon = (Sbwire__V1__Icon)icon;
  n.wait_ms = (uint32_t)wait;
  /* The request's deadline covers the wait plus slack. */
  if (wait && c->timeout_ms < (uint32_t)wait + 5000)
    c->timeout_ms = (uint32_t)wait + 5000;
  req.body_case = SBWIRE__V1__REQUEST__BODY_NOTIFY;
  req.notify = &n;
  rc = sbctl_call(c, &req, NULL, 0, &res);
  if (rc)
    return rc;
  static const char *const names[] = {"accepted", "accepted", "shown",
                                      "clicked", "dismissed", "timed out"};
  const Sbwire__V1__NotifyResponse *nr = res.env->response->notify;
  const char *what = names[nr->outcome <= 5 ? nr->outcome : 0];
  if (c->json)
    printf("{\"shown\":%s,\"outcome\":\"%s\"}\n",
           nr->shown ? "true" : "false", what);
  else
    printf("%s\n", what);
  sb_rpc_result_free(&res);
  /* The shell took it: success, whatever became of it after. */
  return EXIT_OK;
}
