/* SPDX-License-Identifier: MIT */
/* A session's own state as the service tracks it (active, locked,
 * disconnected; RDP or console), from SESSIONCHANGE events and the OS's
 * enumeration, driven here by synthetic events through a fake OS seam,
 * because Wine has one console session that is never disconnected nor
 * locked. What the tracking decides: the listing, and message boxes and
 * screenshots answered DISCONNECTED at once (or a box that waits for the
 * reconnect, within its deadline). */
#include <stdio.h>
#include <string.h>

#include "fake_os.h"
#include "rig.h"
#include "sbtest.h"
#include "service.h"
#include "sessionbridge.h"

typedef struct {
  sbt_fakeos_t os;
  sb_rpc_t *rpc;
  sb_stream_t *s;
} rig_t;

static void start(rig_t *g) {
  const sb_os_session_t session = {.session_id = 5,
                                   .logon_id = 0x3e70002,
                                   .has_user = 1,
                                   .locked = -1,
                                   .user = "DOM\\bob",
                                   .state = "active"};
  sbt_fakeos_start(&g->os, "state", &session);
  g->rpc = sbt_connect_rpc(g->os.ep, g->os.psk, NULL, &g->s);
}

static void stop(rig_t *g) {
  sb_rpc_stop(g->rpc);
  sb_stream_close(g->s);
  sbt_fakeos_stop(&g->os);
}

static sb_smgr_info_t snap(rig_t *g) {
  sb_smgr_info_t info[2];
  memset(info, 0, sizeof info);
  CHECK_EQ(sb_service_snapshot(g->os.svc, info, 2), 1);
  return info[0];
}

/* The session's state in a session_list answer. */
static void listed(rig_t *g, char *state, size_t cap, int *remote,
                   int *locked) {
  Sbwire__V1__Request req = SBWIRE__V1__REQUEST__INIT;
  Sbwire__V1__SessionListRequest l = SBWIRE__V1__SESSION_LIST_REQUEST__INIT;
  sb_rpc_result_t res;
  req.deadline_ms = (uint32_t)sbtest_ms(5000);
  req.body_case = SBWIRE__V1__REQUEST__BODY_SESSION_LIST;
  req.session_list = &l;
  CHECK_OK(sb_rpc_call(g->rpc, &req, (uint32_t)sbtest_ms(5000), NULL, 0, &res));
  CHECK_OK(sb_rpc_result_err(&res, NULL));
  const Sbwire__V1__SessionListResponse *r = res.env->response->session_list;
  CHECK_EQ(r->n_sessions, 1);
  snprintf(state, cap, "%s", r->sessions[0]->session_state);
  *remote = r->sessions[0]->remote;
  *locked = r->sessions[0]->locked;
  sb_rpc_result_free(&res);
}

static int call(rig_t *g, Sbwire__V1__Request *req, const char **detail,
                sb_rpc_result_t *res) {
  req->session_id = 5;
  /* sb_rpc_call writes its deadline into the request. */
  CHECK_OK(sb_rpc_call(g->rpc, req, req->deadline_ms, NULL, 0, res));
  return sb_rpc_result_err(res, detail);
}

static int ask_box(rig_t *g, int wait, uint32_t deadline, uint64_t *ms) {
  Sbwire__V1__Request req = SBWIRE__V1__REQUEST__INIT;
  Sbwire__V1__MessageBoxRequest mb = SBWIRE__V1__MESSAGE_BOX_REQUEST__INIT;
  sb_rpc_result_t res;
  const char *detail = NULL;
  mb.title = "Backup";
  mb.text = "Restart now?";
  mb.wait_for_connect = wait;
  req.deadline_ms = deadline;
  req.body_case = SBWIRE__V1__REQUEST__BODY_MESSAGE_BOX;
  req.message_box = &mb;
  uint64_t t0 = sb_now_ms();
  int err = call(g, &req, &detail, &res);
  *ms = sb_now_ms() - t0;
  if (err == SB_EDISCONNECTED)
    CHECK(detail && strstr(detail, "disconnected"));
  sb_rpc_result_free(&res);
  return err;
}

SB_TEST(session_state_events_and_listing) {
  rig_t g;
  char st[32];
  int remote, locked;
  start(&g);
  listed(&g, st, sizeof st, &remote, &locked);
  CHECK(strcmp(st, "active") == 0);
  CHECK_EQ(remote, 0);
  /* The RDP client goes away: disconnected, remote. Each event comes with
   * the state Windows then lists, as on a real machine: an enumeration
   * (every 20 ms here) corrects the state to what the OS lists, so an
   * event the fake does not list too is undone before the next look. */
  sbt_fakeos_set_state("disconnected");
  sb_service_session_event(g.os.svc, SB_SVC_EVENT_REMOTE_DISCONNECT, 5);
  CHECK_EQ(snap(&g).disconnected, 1);
  listed(&g, st, sizeof st, &remote, &locked);
  CHECK(strcmp(st, "disconnected") == 0);
  CHECK_EQ(remote, 1);
  /* Windows locks a session when its RDP client disconnects; it stays
   * "disconnected" until a client is back, then shows "locked". */
  sb_service_session_event(g.os.svc, SB_SVC_EVENT_LOCK, 5);
  listed(&g, st, sizeof st, &remote, &locked);
  CHECK(strcmp(st, "disconnected") == 0);
  CHECK_EQ(locked, 1);
  sbt_fakeos_set_state("active");
  sb_service_session_event(g.os.svc, SB_SVC_EVENT_REMOTE_CONNECT, 5);
  listed(&g, st, sizeof st, &remote, &locked);
  CHECK(strcmp(st, "locked") == 0);
  sb_service_session_event(g.os.svc, SB_SVC_EVENT_UNLOCK, 5);
  listed(&g, st, sizeof st, &remote, &locked);
  CHECK(strcmp(st, "active") == 0);
  CHECK_EQ(locked, 0);
  /* A console disconnect (fast user switch) is not a remote one. */
  sbt_fakeos_set_state("disconnected");
  sb_service_session_event(g.os.svc, SB_SVC_EVENT_DISCONNECT, 5);
  listed(&g, st, sizeof st, &remote, &locked);
  CHECK(strcmp(st, "disconnected") == 0);
  CHECK_EQ(remote, 0);
  stop(&g);
}

SB_TEST(session_state_enumeration_corrects) {
  rig_t g;
  start(&g);
  CHECK_EQ(snap(&g).disconnected, 0);
  /* A missed SESSIONCHANGE: the OS lists the session disconnected. */
  sbt_fakeos_set_state("disconnected");
  for (int i = 0; i < sbtest_ms(3000) / 10 && !snap(&g).disconnected; i++)
    sb_sleep_ms(10);
  CHECK_EQ(snap(&g).disconnected, 1);
  sbt_fakeos_set_state("active");
  for (int i = 0; i < sbtest_ms(3000) / 10 && snap(&g).disconnected; i++)
    sb_sleep_ms(10);
  CHECK_EQ(snap(&g).disconnected, 0);
  stop(&g);
}

SB_TEST(session_state_disconnected_answers_at_once) {
  rig_t g;
  uint64_t ms;
  start(&g);
  sbt_fakeos_set_state("disconnected");
  sb_service_session_event(g.os.svc, SB_SVC_EVENT_REMOTE_DISCONNECT, 5);
  /* A box with a 30 s deadline is answered at once, not at its deadline. */
  CHECK_ERR(ask_box(&g, 0, 30000, &ms), SB_EDISCONNECTED);
  CHECK(ms < (uint64_t)sbtest_ms(2000));
  /* A screenshot too. */
  Sbwire__V1__Request req = SBWIRE__V1__REQUEST__INIT;
  Sbwire__V1__ScreenshotRequest sr = SBWIRE__V1__SCREENSHOT_REQUEST__INIT;
  sb_rpc_result_t res;
  sr.target_case = SBWIRE__V1__SCREENSHOT_REQUEST__TARGET_VIRTUAL_SCREEN;
  sr.virtual_screen = 1;
  req.deadline_ms = 30000;
  req.body_case = SBWIRE__V1__REQUEST__BODY_SCREENSHOT;
  req.screenshot = &sr;
  CHECK_ERR(call(&g, &req, NULL, &res), SB_EDISCONNECTED);
  sb_rpc_result_free(&res);
  /* Other tasks are not about the screen: a ping goes on (to no agent
   * here: the fake launches none that connects). */
  Sbwire__V1__Request ping = SBWIRE__V1__REQUEST__INIT;
  Sbwire__V1__PingRequest p = SBWIRE__V1__PING_REQUEST__INIT;
  ping.deadline_ms = (uint32_t)sbtest_ms(5000);
  ping.body_case = SBWIRE__V1__REQUEST__BODY_PING;
  ping.ping = &p;
  CHECK_ERR(call(&g, &ping, NULL, &res), SB_ENOAGENT);
  sb_rpc_result_free(&res);
  /* Connected again: the box goes on to the agent (none: NO_AGENT). */
  sbt_fakeos_set_state("active");
  sb_service_session_event(g.os.svc, SB_SVC_EVENT_REMOTE_CONNECT, 5);
  CHECK_ERR(ask_box(&g, 0, (uint32_t)sbtest_ms(3000), &ms), SB_ENOAGENT);
  stop(&g);
}

typedef struct {
  rig_t *g;
  uint32_t after_ms;
} reconnect_t;

static void reconnect_main(void *arg) {
  reconnect_t *r = arg;
  sb_sleep_ms(r->after_ms);
  sbt_fakeos_set_state("active");
  sb_service_session_event(r->g->os.svc, SB_SVC_EVENT_REMOTE_CONNECT, 5);
}

SB_TEST(session_state_box_waits_for_reconnect) {
  rig_t g;
  uint64_t ms;
  sb_thread_t *t;
  reconnect_t rc;
  start(&g);
  sbt_fakeos_set_state("disconnected");
  sb_service_session_event(g.os.svc, SB_SVC_EVENT_REMOTE_DISCONNECT, 5);
  /* Nobody reconnects: the box waits its whole deadline, then TIMEOUT.
   * 3 s, so the service's answer (deadline less its margin) beats the
   * caller's own deadline under valgrind on a loaded host too. */
  CHECK_ERR(ask_box(&g, 1, 3000, &ms), SB_ETIMEDOUT);
  CHECK(ms >= 2000);
  /* A reconnect 400 ms in: the box goes on then (to no agent here). */
  rc.g = &g;
  rc.after_ms = 400;
  CHECK_OK(sb_thread_create(&t, reconnect_main, &rc, 0));
  CHECK_ERR(ask_box(&g, 1, (uint32_t)sbtest_ms(10000), &ms), SB_ENOAGENT);
  sb_thread_join(t);
  CHECK(ms >= 350 && ms < (uint64_t)sbtest_ms(5000));
  stop(&g);
}
