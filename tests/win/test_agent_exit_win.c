/* SPDX-License-Identifier: MIT */
/* The agent's own exit while a clipboard call is stuck (issue 14): when
 * its channel ends, the agent cancels its tasks and joins their threads
 * (sb_dispatch_shutdown, what sb_agent_serve does) before the rpc stops
 * and main returns. A read waiting on an owner that never renders must
 * not hold that up: its task abandons the worker and ends. Here the real
 * dispatcher serves a real router; a thread of the test owns the
 * clipboard with a delay-rendered CF_UNICODETEXT and never pumps
 * messages. The time the shutdown took is printed; the bound (5 s, the
 * read's deadline being 60 s) only says it did not wait on the call. The
 * same through the SCM is e2e_task_clipboard_stop_wine. */
#include <windows.h>

#include <stdio.h>
#include <string.h>

#include "clip_owner.h"
#include "dispatch.h"
#include "rig.h"
#include "router_rig.h"
#include "sbtest.h"
#include "sessionbridge.h"

static const uint8_t agent_key[SB_PSK_SIZE] = {0xa6, 0xe1};
static const uint8_t control_key[SB_PSK_SIZE] = {0xc0, 0xe1};
static sb_dispatch_t *dispatch;

static void real_agent(void *arg, sb_rpc_t *rpc, sb_rpc_incoming_t *in) {
  (void)arg;
  sb_dispatch_request(dispatch, rpc, in);
}

typedef struct {
  sb_rpc_t *rpc;
  int err;
  uint64_t ms;
} get_t;

static void get_main(void *arg) {
  get_t *g = arg;
  Sbwire__V1__Request req = SBWIRE__V1__REQUEST__INIT;
  Sbwire__V1__ClipboardGetRequest cg = SBWIRE__V1__CLIPBOARD_GET_REQUEST__INIT;
  sb_rpc_result_t res;
  const char *detail = NULL;
  req.session_id = 1;
  req.deadline_ms = 60000;
  req.body_case = SBWIRE__V1__REQUEST__BODY_CLIPBOARD_GET;
  req.clipboard_get = &cg;
  uint64_t t0 = sb_now_ms();
  g->err = sb_rpc_call(g->rpc, &req, 60000, NULL, 0, &res);
  if (!g->err) {
    g->err = sb_rpc_result_err(&res, &detail);
    fprintf(stderr, "the stuck get was answered %s: %s\n",
            sb_err_name(g->err), detail ? detail : "");
    sb_rpc_result_free(&res);
  }
  g->ms = sb_now_ms() - t0;
}

SB_TEST(agent_exit_with_stuck_clipboard_read) {
  sbt_router_rig_t r;
  sb_stream_t *cs;
  sbt_clip_owner_t o;
  get_t g;
  sb_thread_t *t;
  sbt_clip_owner_start(&o);
  CHECK_OK(sb_dispatch_new(&dispatch, 1));
  sbt_router_rig_start(&r, "ax", 8, agent_key, control_key, real_agent);
  memset(&g, 0, sizeof g);
  g.rpc = sbt_connect_rpc(r.control_ep, control_key, NULL, &cs);
  CHECK_OK(sb_thread_create(&t, get_main, &g, 0));
  /* The read is stuck on the owner by now: the clipboard is held. */
  sb_sleep_ms(1500);
  int held = !OpenClipboard(NULL);
  if (!held)
    CloseClipboard();
  fprintf(stderr, "after 1.5 s the clipboard is %s\n",
          held ? "held by the stuck read" : "free (the read is not stuck?)");
  CHECK(held);
  /* The agent's exit: its channel ended. */
  uint64_t t0 = sb_now_ms();
  sb_dispatch_shutdown(dispatch);
  uint64_t tasks_ms = sb_now_ms() - t0;
  sb_rpc_stop(r.agent);
  r.agent = NULL; /* stopped: what this test times */
  uint64_t all_ms = sb_now_ms() - t0;
  fprintf(stderr, "the agent's shutdown with a stuck clipboard read: tasks "
          "ended in %llu ms, its rpc stopped %llu ms after the start\n",
          (unsigned long long)tasks_ms, (unsigned long long)all_ms);
  CHECK(all_ms < 5000);
  sb_thread_join(t);
  CHECK_ERR(g.err, SB_ECANCELED);
  /* The clipboard is free while the owner still lives. */
  sbt_clip_owner_expect_free(&o);
  sbt_clip_owner_stop(&o);
  sb_rpc_stop(g.rpc);
  sb_stream_close(cs);
  sbt_router_rig_stop(&r);
  sb_dispatch_free(dispatch);
}
