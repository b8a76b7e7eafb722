/* SPDX-License-Identifier: MIT */
/* sbctl: ask the sessionbridge service to act in a user's session. */
#include <stdlib.h>
#include <string.h>

#include "sbctl.h"

int sbctl_number(const char *cmd, const char *opt, const char *v, long lo,
                 long hi, long *out) {
  char *end;
  long n = strtol(v, &end, 10);
  if (!*v || *end || n < lo || n > hi) {
    fprintf(stderr, "sbctl%s%s: %s must be a whole number from %ld to %ld, "
                    "not \"%s\"\n",
            *cmd ? " " : "", cmd, opt, lo, hi, v);
    return EXIT_USAGE;
  }
  *out = n;
  return EXIT_OK;
}

static void usage(FILE *f) {
  fprintf(f,
          "usage: sbctl [--pipe ENDPOINT] [--key FILE] [--json] "
          "[--timeout MS] COMMAND ...\n"
          "commands:\n"
          "  sessions                      list sessions and their agents\n"
          "  ping --session N              round trip to the session's agent\n"
          "  info --session N              user, lock state, idle time\n"
          "  message --session N --title T --text X [--buttons "
          "ok|okcancel|yesno|yesnocancel|retrycancel]\n"
          "          [--icon info|warning|error|question] [--timeout-ms MS]\n"
          "          [--wait-connect]  (a disconnected session: wait for a "
          "reconnect)\n"
          "  notify --session N --title T --text X [--icon ...] [--wait-ms MS]\n"
          "  clipboard get --session N [--image -o FILE.png]\n"
          "  clipboard set --session N [--sensitive] TEXT|- | --image FILE.png\n"
          "  monitors --session N          the session's monitors: index, "
          "rect, primary, DPI\n"
          "  screenshot --session N -o FILE.png [--monitor K | --region "
          "x,y,w,h]\n"
          "             [--compression fast|small]\n"
          "  events [--count N] [--for-ms MS]  print session changes (logon,\n"
          "                                logoff, lock, unlock, agent-up/down)\n"
          "  raw SCENARIO|-                developer harness (see "
          "tools/sbctl/cmd_raw.c, tests/scenarios)\n");
}

static const struct {
  const char *name;
  int (*fn)(sbctl_t *, int, char **);
} commands[] = {
    {"sessions", sbctl_cmd_sessions},     {"ping", sbctl_cmd_ping},
    {"info", sbctl_cmd_info},             {"message", sbctl_cmd_message},
    {"notify", sbctl_cmd_notify},         {"clipboard", sbctl_cmd_clipboard},
    {"screenshot", sbctl_cmd_screenshot}, {"raw", sbctl_cmd_raw},
    {"monitors", sbctl_cmd_monitors},
    {"events", sbctl_cmd_events},
};

/* Pull the global options and --session out of argv (anywhere), leaving
 * the command and its own options in order. */
static int parse_globals(sbctl_t *c, int *argc, char **argv) {
  int out = 1;
  for (int i = 1; i < *argc; i++) {
    const char *a = argv[i];
    int has_val = i + 1 < *argc;
    if (strcmp(a, "--json") == 0) {
      c->json = 1;
    } else if ((strcmp(a, "--pipe") == 0 || strcmp(a, "--key") == 0 ||
                strcmp(a, "--timeout") == 0 || strcmp(a, "--session") == 0)) {
      if (!has_val) {
        fprintf(stderr, "sbctl: %s needs a value\n", a);
        return EXIT_USAGE;
      }
      const char *v = argv[++i];
      if (strcmp(a, "--pipe") == 0) {
        c->endpoint = v;
      } else if (strcmp(a, "--key") == 0) {
        c->key_path = v;
      } else {
        /* --timeout in ms, at least 1; --session from 0. */
        int timeout = strcmp(a, "--timeout") == 0;
        long n;
        int rc = sbctl_number("", a, v, timeout ? 1 : 0, 600000, &n);
        if (rc)
          return rc;
        if (timeout)
          c->timeout_ms = (uint32_t)n;
        else
          c->session = n;
      }
    } else {
      argv[out++] = argv[i];
    }
  }
  *argc = out;
  return EXIT_OK;
}

int main(int argc, char **argv) {
  sbctl_t c;
  int rc;
  memset(&c, 0, sizeof c);
  c.timeout_ms = 30000;
  c.session = -1;
  argv = sbctl_utf8_argv(&argc, argv);
  if (argc == 2 && strcmp(argv[1], "--version") == 0) {
    printf("sbctl %s\n", SB_VERSION);
    return EXIT_OK;
  }
  sbctl_stdio_binary();
  rc = parse_globals(&c, &argc, argv);
  if (rc)
    return rc;
  if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
    usage(argc < 2 ? stderr : stdout);
    return argc < 2 ? EXIT_USAGE : EXIT_OK;
  }
  for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
    if (strcmp(argv[1], commands[i].name) == 0) {
      /* Each command checks its arguments, then connects. */
      rc = commands[i].fn(&c, argc - 2, argv + 2);
      sbctl_disconnect(&c);
      return rc;
    }
  }
  fprintf(stderr, "sbctl: unknown command '%s'\n", argv[1]);
  usage(stderr);
  return EXIT_USAGE;
}
