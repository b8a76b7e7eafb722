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

#include <process.h>
#include <stdio.h>
#include <string.h>

#include "dispatch.h"
#include "rig.h"
#include "router.h"
#include "sbtest.h"
#include "sessionbridge.h"

static const uint8_t agent_key[SB_PSK_SIZE] = {0xa6, 0xe1};
static const uint8_t control_key[SB_PSK_SIZE] = {0xc0, 0xe1};
static sb_router_t *router;
static sb_dispatch_t *dispatch;

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
  (void)arg;
  sb_router_serve_agent(router, 1, 4242, s, agent_key);
}

static void on_control(void *arg, sb_stream_t *s) {
  (void)arg;
  sb_router_serve_control(router, s, control_key);
}

static void real_agent(void *arg, sb_rpc_t *rpc, sb_rpc_incoming_t *in) {
  (void)arg;
  sb_dispatch_request(dispatch, rpc, in);
}

typedef struct {
  HANDLE owned, quit;
} owner_t;

static unsigned __stdcall owner_main(void *arg) {
  owner_t *o = arg;
  HWND w = CreateWindowExW(0, L"STATIC", L"sbtest unrendering owner", 0, 0,
                           0, 0, 0, HWND_MESSAGE, NULL,
                           GetModuleHandleW(NULL), NULL);
  for (int i = 0; w && i < 200 && !OpenClipboard(w); i++)
    Sleep(10);
  EmptyClipboard();
  SetClipboardData(CF_UNICODETEXT, NULL); /* rendered on demand: never */
  CloseClipboard();
  SetEvent(o->owned);
  WaitForSingleObject(o->quit, INFINITE); /* and no message loop */
  if (w)
    DestroyWindow(w);
  return 0;
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
  char agent_ep[256], control_ep[256];
  sb_router_hooks_t h;
  sb_stream_t *as, *cs;
  owner_t o;
  get_t g;
  sb_thread_t *t;
  o.owned = CreateEventW(NULL, TRUE, FALSE, NULL);
  o.quit = CreateEventW(NULL, TRUE, FALSE, NULL);
  HANDLE owner = (HANDLE)_beginthreadex(NULL, 0, owner_main, &o, 0, NULL);
  CHECK(owner != NULL);
  CHECK(WaitForSingleObject(o.owned, 10000) == WAIT_OBJECT_0);
  /* Wine's X11 bridge reads the new clipboard and waits on the owner
   * first (5 s): until another opener gets in. */
  int free_ = 0;
  for (int i = 0; i < 1000 && !free_; i++) {
    if ((free_ = OpenClipboard(NULL)) != 0)
      CloseClipboard();
    else
      Sleep(10);
  }
  CHECK(free_);
  CHECK_OK(sb_dispatch_new(&dispatch, 1));
  memset(&h, 0, sizeof h);
  h.list_sessions = one_session;
  h.session_exists = exists;
  CHECK_OK(sb_router_new(&router, &h));
  sb_server_t *asrv =
      sbt_serve("ax-agent", agent_ep, sizeof agent_ep, 8, on_agent);
  sb_server_t *csrv =
      sbt_serve("ax-control", control_ep, sizeof control_ep, 8, on_control);
  sb_rpc_t *agent = sbt_connect_rpc(agent_ep, agent_key, real_agent, &as);
  for (int i = 0; i < 300 && sb_router_agents(router) < 1; i++)
    sb_sleep_ms(10);
  CHECK_EQ(sb_router_agents(router), 1);
  memset(&g, 0, sizeof g);
  g.rpc = sbt_connect_rpc(control_ep, control_key, NULL, &cs);
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
  sb_rpc_stop(agent);
  uint64_t all_ms = sb_now_ms() - t0;
  fprintf(stderr, "the agent's shutdown with a stuck clipboard read: tasks "
          "ended in %llu ms, its rpc stopped %llu ms after the start\n",
          (unsigned long long)tasks_ms, (unsigned long long)all_ms);
  CHECK(all_ms < 5000);
  sb_thread_join(t);
  CHECK_ERR(g.err, SB_ECANCELED);
  /* The clipboard is free while the owner still lives. */
  CHECK(WaitForSingleObject(owner, 0) == WAIT_TIMEOUT);
  CHECK(OpenClipboard(NULL));
  CloseClipboard();
  SetEvent(o.quit);
  CHECK(WaitForSingleObject(owner, 10000) == WAIT_OBJECT_0);
  CloseHandle(owner);
  CloseHandle(o.owned);
  CloseHandle(o.quit);
  sb_rpc_stop(g.rpc);
  sb_stream_close(cs);
  sb_stream_close(as);
  sb_router_shutdown(router);
  sb_server_stop(csrv);
  sb_server_stop(asrv);
  sb_router_free(router);
  sb_dispatch_free(dispatch);
}
