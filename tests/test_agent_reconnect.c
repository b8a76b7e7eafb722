/* SPDX-License-Identifier: MIT */
/* The agent's own view of its session, for message boxes (issue 14): when
 * the agent sees the session disconnected before the service does, a box
 * that asked to wait for a reconnect (wait_for_connect) waits, within its
 * deadline, instead of being answered DISCONNECTED; one that did not ask
 * is answered DISCONNECTED at once. The session's state comes from a
 * synthetic probe (sb_dispatch_set_probe), because Wine has one console
 * session that is never disconnected; the service's own tracking says
 * "connected" throughout (no session_connected hook), as it does before
 * it has heard of the disconnect. The real dispatcher answers through a
 * real router; after the reconnect the box itself is the platform's: the
 * POSIX agent answers UNSUPPORTED, the Windows one shows it until its
 * 300 ms timeout. Either way the answer is not DISCONNECTED and comes
 * after the reconnect. */
#include <stdio.h>
#include <string.h>

#include "dispatch.h"
#include "rig.h"
#include "router_rig.h"
#include "sbtest.h"
#include "sbtest_platform.h"
#include "sessionbridge.h"

static const uint8_t agent_key[SB_PSK_SIZE] = {0xa6, 14};
static const uint8_t control_key[SB_PSK_SIZE] = {0xc0, 14};
static sb_dispatch_t *dispatch;

static struct {
  sb_mutex_t *lock;
  int disconnected;
  int locked;
  int asked; /* how often the dispatcher asked */
} S;

static int probe_disconnected(void *arg) {
  (void)arg;
  sb_mutex_lock(S.lock);
  int v = S.disconnected;
  S.asked++;
  sb_mutex_unlock(S.lock);
  return v;
}

static int probe_locked(void *arg) {
  (void)arg;
  sb_mutex_lock(S.lock);
  int v = S.locked;
  sb_mutex_unlock(S.lock);
  return v;
}

static void set_state(int disconnected, int locked) {
  sb_mutex_lock(S.lock);
  S.disconnected = disconnected;
  S.locked = locked;
  sb_mutex_unlock(S.lock);
}

static void real_agent(void *arg, sb_rpc_t *rpc, sb_rpc_incoming_t *in) {
  (void)arg;
  sb_dispatch_request(dispatch, rpc, in);
}

typedef struct {
  sbt_router_rig_t r;
  sb_rpc_t *control;
  sb_stream_t *cs;
} rig_t;

static void rig_start(rig_t *g) {
  sb_dispatch_probe_t p = {probe_disconnected, probe_locked, NULL};
  memset(g, 0, sizeof *g);
  memset(&S, 0, sizeof S);
  CHECK_OK(sb_mutex_new(&S.lock));
  CHECK_OK(sb_dispatch_new(&dispatch, 1));
  sb_dispatch_set_probe(dispatch, &p);
  sbt_router_rig_start(&g->r, "ar", 8, agent_key, control_key, real_agent);
  g->control = sbt_connect_rpc(g->r.control_ep, control_key, NULL, &g->cs);
}

static void rig_stop(rig_t *g) {
  sb_rpc_stop(g->control);
  sb_stream_close(g->cs);
  sb_dispatch_shutdown(dispatch);
  sbt_router_rig_stop(&g->r);
  sb_dispatch_free(dispatch);
  sb_mutex_free(S.lock);
}

typedef struct {
  rig_t *g;
  int wait;
  uint32_t deadline;
  int err;
  char detail[256];
  uint64_t ms;
  uint64_t end; /* sb_now_ms() when the answer came */
  sb_thread_t *t;
} box_t;

static void box_main(void *arg) {
  box_t *b = arg;
  Sbwire__V1__Request req = SBWIRE__V1__REQUEST__INIT;
  Sbwire__V1__MessageBoxRequest mb = SBWIRE__V1__MESSAGE_BOX_REQUEST__INIT;
  sb_rpc_result_t res;
  const char *detail = NULL;
  mb.title = "sb-test-agent-reconnect";
  mb.text = "Restart now?";
  mb.wait_for_connect = b->wait;
  /* On Windows the box is really shown once the session is back: it
   * closes itself. */
  mb.timeout_ms = 300;
  req.session_id = 1;
  req.deadline_ms = b->deadline;
  req.body_case = SBWIRE__V1__REQUEST__BODY_MESSAGE_BOX;
  req.message_box = &mb;
  uint64_t t0 = sb_now_ms();
  b->err = sb_rpc_call(b->g->control, &req, b->deadline, NULL, 0, &res);
  if (!b->err) {
    b->err = sb_rpc_result_err(&res, &detail);
    snprintf(b->detail, sizeof b->detail, "%s", detail ? detail : "");
    sb_rpc_result_free(&res);
  }
  b->end = sb_now_ms();
  b->ms = b->end - t0;
  fprintf(stderr, "box (wait_for_connect=%d, deadline %u ms): %s after %llu "
          "ms: %s\n", b->wait, b->deadline, sb_err_name(b->err),
          (unsigned long long)b->ms, b->detail);
}

static void box_start(box_t *b, rig_t *g, int wait, uint32_t deadline) {
  memset(b, 0, sizeof *b);
  b->g = g;
  b->wait = wait;
  b->deadline = deadline;
  CHECK_OK(sb_thread_create(&b->t, box_main, b, 0));
}

static void box_join(box_t *b) { sb_thread_join(b->t); }

SB_TEST(agent_disconnected_box_answered_at_once) {
  /* No wait asked: DISCONNECTED at once, never the deadline. */
  rig_t g;
  box_t b;
  rig_start(&g);
  set_state(1, 0);
  box_start(&b, &g, 0, (uint32_t)sbtest_ms(5000));
  box_join(&b);
  CHECK_ERR(b.err, SB_EDISCONNECTED);
  CHECK(b.ms < (uint64_t)sbtest_ms(2000));
  rig_stop(&g);
}

SB_TEST(agent_disconnected_box_waits_for_reconnect) {
  /* The session comes back after 800 ms: the box that asked to wait is
   * shown then (not answered DISCONNECTED), its answer after the
   * reconnect. */
  rig_t g;
  box_t b;
  rig_start(&g);
  set_state(1, 0);
  box_start(&b, &g, 1, (uint32_t)sbtest_ms(8000));
  sb_sleep_ms(800);
  /* It is waiting, not answered. */
  sb_mutex_lock(S.lock);
  int asked = S.asked;
  sb_mutex_unlock(S.lock);
  CHECK(asked >= 2); /* the dispatcher, then the task polling */
  uint64_t back = sb_now_ms();
  set_state(0, 0);
  box_join(&b);
  CHECK(b.err != SB_EDISCONNECTED);
  CHECK(b.err != SB_ETIMEDOUT);
  CHECK(b.end >= back); /* answered after the reconnect, not before */
  CHECK(b.ms < (uint64_t)sbtest_ms(8000));
  if (sbtest_is_windows())
    CHECK_OK(b.err); /* shown, closed by its 300 ms timeout */
  else
    CHECK_ERR(b.err, SB_EUNSUPPORTED); /* no desktop backend */
  rig_stop(&g);
}

SB_TEST(agent_disconnected_box_wait_bounded) {
  /* Nobody comes back: the box is answered TIMEOUT before the caller's
   * deadline, having waited most of it. */
  rig_t g;
  box_t b;
  uint32_t deadline = (uint32_t)sbtest_ms(3000);
  rig_start(&g);
  set_state(1, 0);
  box_start(&b, &g, 1, deadline);
  box_join(&b);
  CHECK_ERR(b.err, SB_ETIMEDOUT);
  CHECK(strstr(b.detail, "stayed disconnected") != NULL);
  CHECK(b.ms >= deadline / 2);
  CHECK(b.ms < deadline);
  rig_stop(&g);
}

SB_TEST(agent_disconnected_box_reconnects_locked) {
  /* An RDP client usually comes back to the lock screen: LOCKED then. */
  rig_t g;
  box_t b;
  rig_start(&g);
  set_state(1, 0);
  box_start(&b, &g, 1, (uint32_t)sbtest_ms(8000));
  sb_sleep_ms(500);
  uint64_t back = sb_now_ms();
  set_state(0, 1);
  box_join(&b);
  CHECK_ERR(b.err, SB_ELOCKED);
  CHECK(b.end >= back);
  rig_stop(&g);
}

SB_TEST(agent_disconnected_box_wait_cancelled) {
  /* The caller cancels while the box waits for the reconnect: the Cancel
   * reaches the waiting task, which stops waiting (its polls stop). */
  rig_t g;
  box_t b;
  rig_start(&g);
  set_state(1, 0);
  box_start(&b, &g, 1, (uint32_t)sbtest_ms(8000));
  sb_sleep_ms(500);
  CHECK_EQ(sb_rpc_cancel_calls(g.control), 1);
  box_join(&b);
  CHECK_ERR(b.err, SB_ECANCELED);
  for (int i = 0; i < 300 && sb_dispatch_cancels(dispatch) < 1; i++)
    sb_sleep_ms(10);
  CHECK_EQ(sb_dispatch_cancels(dispatch), 1);
  sb_sleep_ms(200);
  sb_mutex_lock(S.lock);
  int asked = S.asked;
  sb_mutex_unlock(S.lock);
  sb_sleep_ms(500);
  sb_mutex_lock(S.lock);
  CHECK_EQ(S.asked, asked);
  sb_mutex_unlock(S.lock);
  rig_stop(&g);
}
