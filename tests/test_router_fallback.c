/* SPDX-License-Identifier: MIT */
/* The message-box fallback (issue 4): a session with no agent gets its box
 * from the service (WTSSendMessage on Windows) and the answer says so; a
 * failing fallback is a clear NO_AGENT; other tasks never fall back. Wine's
 * WTSSendMessageW is a stub that fails at once, so the router is driven
 * here with a fake hook: what it is asked and what it answers are the
 * seam. */
#include "rig.h"
#include "router.h"
#include "sbtest.h"
#include "sessionbridge.h"

static const uint8_t control_key[SB_PSK_SIZE] = {0xc0, 7};
static sb_router_t *router;

/* What the fake WTSSendMessage saw, and what it answers. */
static struct {
  int calls;
  uint32_t session;
  char title[64];
  uint32_t deadline_ms;
  int fail; /* answer this error instead of a button */
} fb;

static int two_sessions(void *arg, sb_router_session_t *out, size_t cap,
                        size_t *count) {
  (void)arg;
  *count = 0;
  for (uint32_t id = 1; id <= 2 && *count < cap; id++) {
    memset(&out[*count], 0, sizeof out[*count]);
    out[(*count)++].session_id = id;
  }
  return 0;
}

static int exists(void *arg, uint32_t id) {
  (void)arg;
  return id == 1 || id == 2;
}

static int fake_fallback(void *arg, uint32_t session,
                         const Sbwire__V1__MessageBoxRequest *req,
                         uint32_t deadline_ms, int *pressed, int *timed_out) {
  (void)arg;
  fb.calls++;
  fb.session = session;
  snprintf(fb.title, sizeof fb.title, "%s", req->title);
  fb.deadline_ms = deadline_ms;
  if (fb.fail)
    return fb.fail;
  *pressed = SBWIRE__V1__BUTTON__BUTTON_YES;
  *timed_out = 0;
  return 0;
}

static void on_control(void *arg, sb_stream_t *s) {
  (void)arg;
  sb_router_serve_control(router, s, control_key);
}

typedef struct {
  sb_server_t *srv;
  sb_stream_t *s;
  sb_rpc_t *rpc;
} rig_t;

static void rig_start(rig_t *g) {
  char ep[256];
  sb_router_hooks_t h;
  memset(&fb, 0, sizeof fb);
  memset(&h, 0, sizeof h);
  h.list_sessions = two_sessions;
  h.session_exists = exists;
  h.fallback_message = fake_fallback;
  CHECK_OK(sb_router_new(&router, &h));
  g->srv = sbt_serve("fallback", ep, sizeof ep, 0, on_control);
  g->rpc = sbt_connect_rpc(ep, control_key, NULL, &g->s);
}

static void rig_stop(rig_t *g) {
  sb_router_shutdown(router);
  sb_rpc_stop(g->rpc);
  sb_stream_close(g->s);
  sb_server_stop(g->srv);
  sb_router_free(router);
}

static int ask_box(rig_t *g, uint32_t session, sb_rpc_result_t *res) {
  Sbwire__V1__Request req = SBWIRE__V1__REQUEST__INIT;
  Sbwire__V1__MessageBoxRequest mb = SBWIRE__V1__MESSAGE_BOX_REQUEST__INIT;
  mb.title = "Backup";
  mb.text = "Restart now?";
  mb.buttons = SBWIRE__V1__BUTTONS__BUTTONS_YES_NO;
  req.session_id = session;
  req.deadline_ms = 30000;
  req.body_case = SBWIRE__V1__REQUEST__BODY_MESSAGE_BOX;
  req.message_box = &mb;
  return sb_rpc_call(g->rpc, &req, (uint32_t)sbtest_ms(5000), NULL, 0, res);
}

SB_TEST(router_fallback_box_without_agent) {
  rig_t g;
  sb_rpc_result_t res;
  rig_start(&g);
  CHECK_OK(ask_box(&g, 2, &res));
  CHECK_OK(sb_rpc_result_err(&res, NULL));
  const Sbwire__V1__Response *rsp = res.env->response;
  CHECK_EQ(rsp->body_case, SBWIRE__V1__RESPONSE__BODY_MESSAGE_BOX);
  CHECK_EQ(rsp->message_box->pressed, SBWIRE__V1__BUTTON__BUTTON_YES);
  CHECK_EQ(rsp->message_box->via_fallback, 1);
  CHECK_EQ(rsp->message_box->timed_out, 0);
  sb_rpc_result_free(&res);
  /* The hook got that session, the box itself, and at most the request's
   * deadline (what is left of it). */
  CHECK_EQ(fb.calls, 1);
  CHECK_EQ(fb.session, 2);
  CHECK(strcmp(fb.title, "Backup") == 0);
  CHECK(fb.deadline_ms > 0 && fb.deadline_ms <= 30000);
  rig_stop(&g);
}

SB_TEST(router_fallback_failure_is_no_agent) {
  rig_t g;
  sb_rpc_result_t res;
  const char *detail = NULL;
  rig_start(&g);
  fb.fail = SB_EOS; /* as WTSSendMessageW under Wine */
  CHECK_OK(ask_box(&g, 1, &res));
  CHECK_ERR(sb_rpc_result_err(&res, &detail), SB_ENOAGENT);
  CHECK(detail && strstr(detail, "fallback failed"));
  sb_rpc_result_free(&res);
  CHECK_EQ(fb.calls, 1);
  rig_stop(&g);
}

SB_TEST(router_no_fallback_but_for_boxes) {
  rig_t g;
  sb_rpc_result_t res;
  Sbwire__V1__Request req = SBWIRE__V1__REQUEST__INIT;
  Sbwire__V1__PingRequest p = SBWIRE__V1__PING_REQUEST__INIT;
  rig_start(&g);
  req.session_id = 1;
  req.deadline_ms = 5000;
  req.body_case = SBWIRE__V1__REQUEST__BODY_PING;
  req.ping = &p;
  CHECK_OK(sb_rpc_call(g.rpc, &req, (uint32_t)sbtest_ms(5000), NULL, 0, &res));
  CHECK_ERR(sb_rpc_result_err(&res, NULL), SB_ENOAGENT);
  sb_rpc_result_free(&res);
  /* A box for a session that does not exist is NO_SESSION, not a box
   * shown somewhere. */
  CHECK_OK(ask_box(&g, 9, &res));
  CHECK_ERR(sb_rpc_result_err(&res, NULL), SB_ENOSESSION);
  sb_rpc_result_free(&res);
  CHECK_EQ(fb.calls, 0);
  rig_stop(&g);
}
