/* SPDX-License-Identifier: MIT */
/* sessions, ping, info. */
#include <string.h>

#include "sbctl.h"

static int no_args(const char *cmd, int argc, char **argv) {
  if (argc > 0) {
    fprintf(stderr, "sbctl %s: unexpected argument '%s'\n", cmd, argv[0]);
    return EXIT_USAGE;
  }
  return EXIT_OK;
}

int sbctl_cmd_sessions(sbctl_t *c, int argc, char **argv) {
  sb_session_t *list = NULL;
  size_t n = 0;
  int rc = no_args("sessions", argc, argv);
  if (rc || (rc = sbctl_connect(c)))
    return rc;
  rc = sbctl_result(c, sb_client_sessions(c->client, c->timeout_ms, &list, &n));
  if (rc)
    return rc;
  if (c->json) {
    printf("{\"sessions\":[");
    for (size_t i = 0; i < n; i++) {
      const sb_session_t *e = &list[i];
      printf("%s{\"session\":%u,\"state\":", i ? "," : "", e->session_id);
      sbctl_json_str(stdout, e->state);
      printf(",\"user\":");
      sbctl_json_str(stdout, e->user);
      printf(",\"agent_connected\":%s,\"agent_pid\":%u,\"launches\":%u,"
             "\"locked\":%s,\"session_state\":",
             e->agent_connected ? "true" : "false", e->agent_pid, e->launches,
             e->locked ? "true" : "false");
      sbctl_json_str(stdout, e->session_state);
      printf(",\"remote\":%s}", e->remote ? "true" : "false");
    }
    printf("]}\n");
  } else {
    /* STATE is the agent's (session manager); SESSION-STATE the
     * session's own: active, locked or disconnected. New columns go last:
     * scripts read the first ones by position. */
    printf("%-8s %-11s %-24s %-6s %-8s %-8s %-6s %s\n", "SESSION", "STATE",
           "USER", "AGENT", "PID", "LAUNCHES", "LOCKED", "SESSION-STATE");
    for (size_t i = 0; i < n; i++) {
      const sb_session_t *e = &list[i];
      printf("%-8u %-11s %-24s %-6s %-8u %-8u %-6s %s%s\n", e->session_id,
             e->state, e->user[0] ? e->user : "-",
             e->agent_connected ? "yes" : "no", e->agent_pid, e->launches,
             e->locked ? "yes" : "no",
             e->session_state[0] ? e->session_state : "-",
             e->remote ? " (rdp)" : "");
    }
  }
  sb_free(list);
  return EXIT_OK;
}

int sbctl_cmd_ping(sbctl_t *c, int argc, char **argv) {
  uint32_t rtt = 0;
  int rc = no_args("ping", argc, argv);
  if (rc || (rc = sbctl_need_session(c, "ping")) || (rc = sbctl_connect(c)))
    return rc;
  rc = sbctl_result(
      c, sb_client_ping(c->client, sbctl_session(c), c->timeout_ms, &rtt));
  if (rc)
    return rc;
  if (c->json)
    printf("{\"session\":%ld,\"pong\":true,\"rtt_ms\":%u}\n", c->session, rtt);
  else
    printf("pong from session %ld in %u ms\n", c->session, rtt);
  return EXIT_OK;
}

int sbctl_cmd_info(sbctl_t *c, int argc, char **argv) {
  sb_session_info_t *r = NULL;
  int rc = no_args("info", argc, argv);
  if (rc || (rc = sbctl_need_session(c, "info")) || (rc = sbctl_connect(c)))
    return rc;
  rc = sbctl_result(c, sb_client_session_info(c->client, sbctl_session(c),
                                              c->timeout_ms, &r));
  if (rc)
    return rc;
  if (c->json) {
    printf("{\"session\":%u,\"user\":", r->session_id);
    sbctl_json_str(stdout, r->user);
    printf(",\"domain\":");
    sbctl_json_str(stdout, r->domain);
    printf(",\"locked\":%s,\"idle_ms\":%llu,\"console\":%s,\"state\":",
           r->locked ? "true" : "false", (unsigned long long)r->idle_ms,
           r->is_console ? "true" : "false");
    sbctl_json_str(stdout, r->state);
    printf("}\n");
  } else {
    printf("session:  %u\nuser:     %s\\%s\nlocked:   %s\nidle:     %llu ms\n"
           "console:  %s\nstate:    %s\n",
           r->session_id, r->domain, r->user, r->locked ? "yes" : "no",
           (unsigned long long)r->idle_ms, r->is_console ? "yes" : "no",
           r->state);
  }
  sb_free(r);
  return EXIT_OK;
}
