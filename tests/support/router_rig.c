/* SPDX-License-Identifier: MIT */
#include "router_rig.h"

#include <stdio.h>

#include "rig.h"
#include "sbtest.h"

/* The router's hooks: one session, id 1, always there. */
static int one_session(void *arg, sb_router_session_t *out, size_t cap,
                       size_t *count) {
  (void)arg;
  memset(out, 0, sizeof *out);
  out->session_id = 1;
  *count = cap > 0;
  return 0;
}

static int exists(void *arg, uint32_t id) {
  (void)arg;
  return id == 1;
}

static void on_agent(void *arg, sb_stream_t *s) {
  sbt_router_rig_t *r = arg;
  sb_router_serve_agent(r->router, 1, 4242, s, r->agent_key);
}

static void on_control(void *arg, sb_stream_t *s) {
  sbt_router_rig_t *r = arg;
  sb_router_serve_control(r->router, s, r->control_key);
}

void sbt_router_rig_start(sbt_router_rig_t *r, const char *tag, int max,
                          const uint8_t *agent_key, const uint8_t *control_key,
                          sb_rpc_request_fn agent_fn) {
  char t[64];
  sb_router_hooks_t h;
  memset(r, 0, sizeof *r);
  r->agent_key = agent_key;
  r->control_key = control_key;
  memset(&h, 0, sizeof h);
  h.list_sessions = one_session;
  h.session_exists = exists;
  CHECK_OK(sb_router_new(&r->router, &h));
  snprintf(t, sizeof t, "%s-agent", tag);
  r->asrv = sbt_serve_arg(t, r->agent_ep, sizeof r->agent_ep, max, on_agent, r);
  snprintf(t, sizeof t, "%s-control", tag);
  r->csrv =
      sbt_serve_arg(t, r->control_ep, sizeof r->control_ep, max, on_control, r);
  r->agent = sbt_connect_rpc(r->agent_ep, agent_key, agent_fn, &r->as);
  for (int i = 0; i < 300 && sb_router_agents(r->router) < 1; i++)
    sb_sleep_ms(10);
  CHECK_EQ(sb_router_agents(r->router), 1);
}

void sbt_router_rig_stop(sbt_router_rig_t *r) {
  sb_router_shutdown(r->router);
  if (r->agent)
    sb_rpc_stop(r->agent);
  sb_stream_close(r->as);
  sb_server_stop(r->csrv);
  sb_server_stop(r->asrv);
  sb_router_free(r->router);
}

void sbt_router_send(sb_channel_t *ch, uint64_t id, Sbwire__V1__Request *req) {
  Sbwire__V1__Envelope env = SBWIRE__V1__ENVELOPE__INIT;
  req->session_id = 1;
  if (!req->deadline_ms)
    req->deadline_ms = (uint32_t)sbtest_ms(10000);
  env.request_id = id;
  env.body_case = SBWIRE__V1__ENVELOPE__BODY_REQUEST;
  env.request = req;
  CHECK_OK(sb_channel_send_envelope(ch, &env));
}

void sbt_router_send_ping(sb_channel_t *ch, uint64_t id) {
  Sbwire__V1__Request req = SBWIRE__V1__REQUEST__INIT;
  Sbwire__V1__PingRequest p = SBWIRE__V1__PING_REQUEST__INIT;
  req.body_case = SBWIRE__V1__REQUEST__BODY_PING;
  req.ping = &p;
  sbt_router_send(ch, id, &req);
}

void sbt_router_send_cancel(sb_channel_t *ch, uint64_t id, uint64_t target) {
  Sbwire__V1__Request req = SBWIRE__V1__REQUEST__INIT;
  Sbwire__V1__CancelRequest c = SBWIRE__V1__CANCEL_REQUEST__INIT;
  c.target_request_id = target;
  req.body_case = SBWIRE__V1__REQUEST__BODY_CANCEL;
  req.cancel = &c;
  sbt_router_send(ch, id, &req);
}
