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
  Sbwire__V1__Request req = SBWIRE__V1__REQUEST__INIT;
  Sbwire__V1__SessionListRequest sl = SBWIRE__V1__SESSION_LIST_REQUEST__INIT;
  sb_rpc_result_t res;
  int rc = no_args("sessions", argc, argv);
  if (rc || (rc = sbctl_connect(c)))
    return rc;
  req.body_case = SBWIRE__V1__REQUEST__BODY_SESSION_LIST;
  req.session_list = &sl;
  rc = sbctl_call(c, &req, NULL, 0, &res);
  if (rc)
    return rc;
  const Sbwire__V1__SessionListResponse *r = res.env->response->session_list;
  if (res.env->response->body_case != SBWIRE__V1__RESPONSE__BODY_SESSION_LIST) {
    fprintf(stderr, "sbctl: unexpected response\n");
    sb_rpc_result_free(&res);
    return EXIT_REMOTE;
  }
  if (c->json) {
    printf("{\"sessions\":[");
    for (size_t i = 0; i < r->n_sessions; i++) {
      const Sbwire__V1__SessionEntry *e = r->sessions[i];
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
    for (size_t i = 0; i < r->n_sessions; i++) {
      const Sbwire__V1__SessionEntry *e = r->sessions[i];
      printf("%-8u %-11s %-24s %-6s %-8u %-8u %-6s %s%s\n", e->session_id,
             e->state, e->user[0] ? e->user : "-",
             e->agent_connected ? "yes" : "no", e->agent_pid, e->launches,
             e->locked ? "yes" : "no",
             e->session_state[0] ? e->session_state : "-",
             e->remote ? " (rdp)" : "");
    }
  }
  sb_rpc_result_free(&res);
  return EXIT_OK;
}

int sbctl_cmd_ping(sbctl_t *c, int argc, char **argv) {
  Sbwire__V1__Request req = SBWIRE__V1__REQUEST__INIT;
  Sbwire__V1__PingRequest p = SBWIRE__V1__PING_REQUEST__INIT;
  sb_rpc_result_t res;
  uint8_t payload[16];
  int rc = no_args("ping", argc, argv);
  if (rc || (rc = sbctl_need_session(c, "ping")) || (rc = sbctl_connect(c)))
    return rc;
  for (size_t i = 0; i < sizeof payload; i++)
    payload[i] = (uint8_t)(i * 37 + 11);
  p.payload.data = payload;
  p.payload.len = sizeof payload;
  req.body_case = SBWIRE__V1__REQUEST__BODY_PING;
  req.ping = &p;
  uint64_t t0 = sb_now_ms();
  rc = sbctl_call(c, &req, NULL, 0, &res);
  if (rc)
    return rc;
  uint64_t dt = sb_now_ms() - t0;
  const Sbwire__V1__PingResponse *r = res.env->response->ping;
  if (res.env->response->body_case != SBWIRE__V1__RESPONSE__BODY_PING ||
      r->payload.len != sizeof payload ||
      memcmp(r->payload.data, payload, sizeof payload) != 0) {
    fprintf(stderr, "sbctl: ping answer does not echo the payload\n");
    sb_rpc_result_free(&res);
    return EXIT_REMOTE;
  }
  if (c->json)
    printf("{\"session\":%ld,\"pong\":true,\"rtt_ms\":%llu}\n", c->session,
           (unsigned long long)dt);
  else
    printf("pong from session %ld in %llu ms\n", c->session,
           (unsigned long long)dt);
  sb_rpc_result_free(&res);
  return EXIT_OK;
}

int sbctl_cmd_info(sbctl_t *c, int argc, char **argv) {
  Sbwire__V1__Request req = SBWIRE__V1__REQUEST__INIT;
  Sbwire__V1__SessionInfoRequest si = SBWIRE__V1__SESSION_INFO_REQUEST__INIT;
  sb_rpc_result_t res;
  int rc = no_args("info", argc, argv);
  if (rc || (rc = sbctl_need_session(c, "info")) || (rc = sbctl_connect(c)))
    return rc;
  req.body_case = SBWIRE__V1__REQUEST__BODY_SESSION_INFO;
  req.session_info = &si;
  rc = sbctl_call(c, &req, NULL, 0, &res);
  if (rc)
    return rc;
  if (res.env->response->body_case != SBWIRE__V1__RESPONSE__BODY_SESSION_INFO) {
    fprintf(stderr, "sbctl: unexpected response\n");
    sb_rpc_result_free(&res);
    return EXIT_REMOTE;
  }
  const Sbwire__V1__SessionInfoResponse *r = res.env->response->session_info;
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
  sb_rpc_result_free(&res);
  return EXIT_OK;
}
