/* SPDX-License-Identifier: MIT */
/* Downloads relayed by the router as they arrive (issue 13): the service
 * sends the caller the agent's declaration at once and each chunk as it
 * is read, so the caller has the first chunk while the agent still holds
 * the rest; a download that fails after its declaration reached the
 * caller (the agent dies, the deadline passes, the caller cancels, the
 * caller does not read) is ended with an Error on the request's id after
 * the chunks already sent (protocol.md, "Transfers"), and the service
 * goes on serving.
 *
 * The agent is a fake that holds each screenshot request and lets the
 * test send its answer by hand, piece by piece: a declaration, chunks,
 * an Error, or nothing more (its connection ends). The caller is a raw
 * control channel (to see each envelope the service sends) or the
 * library's rpc (to see what a client of it reports). */
#include "rig.h"
#include "router_rig.h"
#include "sbtest.h"
#include "sbtest_platform.h"
#include "sessionbridge.h"

static const uint8_t agent_key[SB_PSK_SIZE] = {0xa6, 13};
static const uint8_t control_key[SB_PSK_SIZE] = {0xc0, 13};

/* ---- the fake agent ---- */

static struct {
  sb_mutex_t *lock;
  sb_rpc_incoming_t *held; /* the screenshot being "taken" */
  int shots;               /* screenshot requests received */
  int cancels;             /* Cancels that named the held request */
} ag;

static void agent_request(void *arg, sb_rpc_t *rpc, sb_rpc_incoming_t *in) {
  (void)arg;
  switch (in->req->body_case) {
  case SBWIRE__V1__REQUEST__BODY_CANCEL:
    sb_mutex_lock(ag.lock);
    ag.cancels += ag.held && ag.held->id == in->req->cancel->target_request_id;
    sb_mutex_unlock(ag.lock);
    sbt_answer_cancel(rpc, in);
    return;
  case SBWIRE__V1__REQUEST__BODY_SCREENSHOT:
    sb_mutex_lock(ag.lock);
    if (ag.held)
      sb_rpc_incoming_free(ag.held);
    ag.held = in;
    ag.shots++;
    sb_mutex_unlock(ag.lock);
    return;
  default:
    sbt_answer_ping(rpc, in);
    return;
  }
}

static int agent_count(int *field, int want, int ms) {
  for (int i = 0; i < ms / 10; i++) {
    sb_mutex_lock(ag.lock);
    int v = *field;
    sb_mutex_unlock(ag.lock);
    if (v >= want)
      return 1;
    sb_sleep_ms(10);
  }
  return 0;
}

static uint64_t held_id(void) {
  sb_mutex_lock(ag.lock);
  uint64_t id = ag.held ? ag.held->id : 0;
  sb_mutex_unlock(ag.lock);
  return id;
}

static uint8_t pattern(uint64_t at) { return (uint8_t)(at * 7 + (at >> 9)); }

/* The agent's Response declaring a download of total bytes. */
static int agent_declare(sb_rpc_t *agent, uint64_t total) {
  Sbwire__V1__Envelope env = SBWIRE__V1__ENVELOPE__INIT;
  Sbwire__V1__Response rsp = SBWIRE__V1__RESPONSE__INIT;
  Sbwire__V1__ScreenshotResponse s = SBWIRE__V1__SCREENSHOT_RESPONSE__INIT;
  uint64_t id = held_id();
  s.width = 3;
  s.height = 2;
  rsp.transfer_id = id;
  rsp.size_unknown = total == SB_RPC_SIZE_UNKNOWN;
  rsp.total_size = rsp.size_unknown ? 0 : total;
  rsp.body_case = SBWIRE__V1__RESPONSE__BODY_SCREENSHOT;
  rsp.screenshot = &s;
  env.request_id = id;
  env.body_case = SBWIRE__V1__ENVELOPE__BODY_RESPONSE;
  env.response = &rsp;
  return sb_rpc_send_raw(agent, &env);
}

/* One chunk of it: len bytes at off, in the pattern the caller checks. */
static int agent_chunk(sb_rpc_t *agent, uint64_t off, size_t len, int last) {
  static uint8_t buf[SB_MSG_CHUNK_MAX];
  Sbwire__V1__Envelope env;
  Sbwire__V1__TransferChunk c;
  for (size_t i = 0; i < len; i++)
    buf[i] = pattern(off + i);
  sbt_chunk_env(&env, &c, held_id(), off, buf, len, last);
  return sb_rpc_send_raw(agent, &env);
}

/* ---- the router and a raw control channel ---- */

typedef struct {
  sbt_router_rig_t r;
  sb_stream_t *cs;
  sb_channel_t *ch;
} rig_t;

static sb_channel_t *raw_control(rig_t *g, sb_stream_t **s) {
  sb_channel_opts_t o;
  sb_channel_t *ch;
  memset(&o, 0, sizeof o);
  o.role = SB_ROLE_CLIENT;
  o.psk = control_key;
  CHECK_OK(sb_stream_connect(s, g->r.control_ep, sbtest_ms(5000)));
  sb_io_t io = sb_stream_io(*s);
  CHECK_OK(sb_channel_new(&ch, &io, &o));
  CHECK_OK(sb_channel_handshake(ch));
  return ch;
}

static void rig_start(rig_t *g) {
  memset(g, 0, sizeof *g);
  memset(&ag, 0, sizeof ag);
  CHECK_OK(sb_mutex_new(&ag.lock));
  sbt_router_rig_start(&g->r, "rl", 8, agent_key, control_key, agent_request);
  g->ch = raw_control(g, &g->cs);
}

static void close_raw(sb_channel_t **ch, sb_stream_t *s) {
  if (*ch) {
    (void)sb_channel_close(*ch);
    sb_channel_free(*ch);
    sb_stream_close(s);
    *ch = NULL;
  }
}

static void rig_stop(rig_t *g) {
  close_raw(&g->ch, g->cs);
  sbt_router_rig_stop(&g->r);
  sb_rpc_incoming_free(ag.held);
  sb_mutex_free(ag.lock);
}

static void send_shot(sb_channel_t *ch, uint64_t id, uint32_t deadline) {
  Sbwire__V1__Request req;
  Sbwire__V1__ScreenshotRequest s;
  sbt_shot_all(&req, &s);
  req.deadline_ms = deadline;
  sbt_router_send(ch, id, &req);
}

static const sb_envelope_t *recv_env(sb_channel_t *ch, sb_msg_t **m, int ms) {
  CHECK_OK(sb_channel_recv_envelope(ch, m, sbtest_ms(ms), NULL));
  return sb_msg_envelope(*m);
}

/* The service's declaration for request id: a screenshot response with
 * transfer_id = id and total_size = total (SB_RPC_SIZE_UNKNOWN:
 * size_unknown and total_size 0). */
static void expect_declaration(sb_channel_t *ch, uint64_t id, uint64_t total) {
  sb_msg_t *m;
  const sb_envelope_t *env = recv_env(ch, &m, 5000);
  CHECK_EQ(env->request_id, id);
  CHECK_EQ(env->body_case, SBWIRE__V1__ENVELOPE__BODY_RESPONSE);
  CHECK_EQ(env->response->body_case, SBWIRE__V1__RESPONSE__BODY_SCREENSHOT);
  CHECK_EQ(env->response->transfer_id, id);
  CHECK_EQ(env->response->size_unknown, total == SB_RPC_SIZE_UNKNOWN);
  CHECK_EQ(env->response->total_size, total == SB_RPC_SIZE_UNKNOWN ? 0 : total);
  CHECK_EQ(env->response->screenshot->width, 3);
  sb_msg_free(m);
}

/* The next chunk of request id's download: at off, len bytes of the
 * agent's pattern, last as given. */
static void expect_chunk(sb_channel_t *ch, uint64_t id, uint64_t off,
                         size_t len, int last) {
  sb_msg_t *m;
  const sb_envelope_t *env = recv_env(ch, &m, 5000);
  CHECK_EQ(env->request_id, id);
  CHECK_EQ(env->body_case, SBWIRE__V1__ENVELOPE__BODY_CHUNK);
  CHECK_EQ(env->chunk->transfer_id, id);
  CHECK_EQ(env->chunk->offset, off);
  CHECK_EQ(env->chunk->data.len, len);
  CHECK_EQ(env->chunk->last, last);
  for (size_t i = 0; i < len; i++)
    if (env->chunk->data.data[i] != pattern(off + i))
      CHECK(!"relayed data differs from what the agent sent");
  sb_msg_free(m);
}

/* The Error that ends request id (its status returned). */
static int expect_error(sb_channel_t *ch, uint64_t id, int ms) {
  sb_msg_t *m;
  const sb_envelope_t *env = recv_env(ch, &m, ms);
  CHECK_EQ(env->request_id, id);
  CHECK_EQ(env->body_case, SBWIRE__V1__ENVELOPE__BODY_ERROR);
  int st = env->error->status;
  fprintf(stderr, "id %llu ended: %s (%s)\n", (unsigned long long)id,
          sb_status_name(st), env->error->detail);
  sb_msg_free(m);
  return st;
}

static void expect_ping(sb_channel_t *ch, uint64_t id) {
  sb_msg_t *m;
  sbt_router_send_ping(ch, id);
  const sb_envelope_t *env = recv_env(ch, &m, 5000);
  CHECK_EQ(env->request_id, id);
  CHECK_EQ(env->body_case, SBWIRE__V1__ENVELOPE__BODY_RESPONSE);
  CHECK_EQ(env->response->body_case, SBWIRE__V1__RESPONSE__BODY_PING);
  sb_msg_free(m);
}

/* Nothing arrives on ch for ms. */
static void expect_quiet(sb_channel_t *ch, int ms) {
  sb_msg_t *m = NULL;
  CHECK_ERR(sb_channel_recv_envelope(ch, &m, ms, NULL), SB_ETIMEDOUT);
}

enum { PIECE = 100 * 1024 };

/* The request (1) is sent, the agent declares 3 pieces and sends the
 * first, and the caller has the declaration and that piece. */
static void start_download(rig_t *g, uint32_t deadline) {
  send_shot(g->ch, 1, deadline);
  CHECK(agent_count(&ag.shots, 1, 5000));
  CHECK_OK(agent_declare(g->r.agent, 3 * PIECE));
  CHECK_OK(agent_chunk(g->r.agent, 0, PIECE, 0));
  expect_declaration(g->ch, 1, 3 * PIECE);
  expect_chunk(g->ch, 1, 0, PIECE, 0);
}

/* The caller has the declaration and the first chunk while the agent
 * still holds the rest (a service that forwards only a complete download
 * sends nothing yet), then each further chunk as the agent sends it. */
SB_TEST(router_relay_before_complete) {
  rig_t g;
  rig_start(&g);
  start_download(&g, 0);
  expect_quiet(g.ch, 200); /* nothing the agent did not send */
  CHECK_OK(agent_chunk(g.r.agent, PIECE, PIECE, 0));
  expect_chunk(g.ch, 1, PIECE, PIECE, 0);
  CHECK_OK(agent_chunk(g.r.agent, 2 * PIECE, PIECE, 1));
  expect_chunk(g.ch, 1, 2 * PIECE, PIECE, 1);
  expect_ping(g.ch, 3); /* the connection goes on */
  /* A download that has come whole before the service's worker took it
   * up (its chunks wait in the queue) is relayed whole too. */
  send_shot(g.ch, 5, 0);
  CHECK(agent_count(&ag.shots, 2, 5000));
  CHECK_OK(agent_declare(g.r.agent, 2 * PIECE));
  CHECK_OK(agent_chunk(g.r.agent, 0, PIECE, 0));
  CHECK_OK(agent_chunk(g.r.agent, PIECE, PIECE, 1));
  expect_declaration(g.ch, 5, 2 * PIECE);
  expect_chunk(g.ch, 5, 0, PIECE, 0);
  expect_chunk(g.ch, 5, PIECE, PIECE, 1);
  CHECK_EQ(ag.cancels, 0);
  rig_stop(&g);
}

/* A download of unknown size (protocol 3: the agent sends a screenshot as
 * it encodes it) reaches the caller as one of unknown size, chunk by
 * chunk as the agent sends them, up to its empty last chunk; one of
 * total_size 0 as a transfer too, with its one empty chunk. */
SB_TEST(router_relay_unknown_size) {
  rig_t g;
  rig_start(&g);
  send_shot(g.ch, 1, 0);
  CHECK(agent_count(&ag.shots, 1, 5000));
  CHECK_OK(agent_declare(g.r.agent, SB_RPC_SIZE_UNKNOWN));
  CHECK_OK(agent_chunk(g.r.agent, 0, PIECE, 0));
  expect_declaration(g.ch, 1, SB_RPC_SIZE_UNKNOWN);
  expect_chunk(g.ch, 1, 0, PIECE, 0);
  expect_quiet(g.ch, 200);
  CHECK_OK(agent_chunk(g.r.agent, PIECE, 10, 0));
  expect_chunk(g.ch, 1, PIECE, 10, 0);
  CHECK_OK(agent_chunk(g.r.agent, PIECE + 10, 0, 1));
  expect_chunk(g.ch, 1, PIECE + 10, 0, 1);
  expect_ping(g.ch, 3);
  send_shot(g.ch, 5, 0);
  CHECK(agent_count(&ag.shots, 2, 5000));
  CHECK_OK(agent_declare(g.r.agent, 0));
  CHECK_OK(agent_chunk(g.r.agent, 0, 0, 1));
  expect_declaration(g.ch, 5, 0);
  expect_chunk(g.ch, 5, 0, 0, 1);
  expect_ping(g.ch, 7);
  CHECK_EQ(ag.cancels, 0);
  rig_stop(&g);
}

/* The agent dies mid-download: the caller, which has the declaration
 * and a chunk, gets STATUS_AGENT_LOST for the request, and the service
 * serves on: another connection's session list, and the same
 * connection's ping once a new agent is there. */
SB_TEST(router_relay_agent_dies) {
  rig_t g;
  sb_stream_t *os, *as2;
  sb_channel_t *other;
  sb_msg_t *m;
  rig_start(&g);
  start_download(&g, 0);
  sb_rpc_stop(g.r.agent);
  g.r.agent = NULL;
  CHECK_EQ(expect_error(g.ch, 1, 5000), SBWIRE__V1__STATUS__STATUS_AGENT_LOST);
  other = raw_control(&g, &os);
  Sbwire__V1__Request req = SBWIRE__V1__REQUEST__INIT;
  Sbwire__V1__SessionListRequest sl = SBWIRE__V1__SESSION_LIST_REQUEST__INIT;
  req.body_case = SBWIRE__V1__REQUEST__BODY_SESSION_LIST;
  req.session_list = &sl;
  sbt_router_send(other, 1, &req);
  const sb_envelope_t *env = recv_env(other, &m, 5000);
  CHECK_EQ(env->body_case, SBWIRE__V1__ENVELOPE__BODY_RESPONSE);
  sb_msg_free(m);
  close_raw(&other, os);
  /* A new agent for the session serves the same caller. */
  for (int i = 0; i < 300 && sb_router_agents(g.r.router) > 0; i++)
    sb_sleep_ms(10);
  sb_stream_close(g.r.as);
  g.r.agent = sbt_connect_rpc(g.r.agent_ep, agent_key, agent_request, &as2);
  g.r.as = as2;
  for (int i = 0; i < 300 && sb_router_agents(g.r.router) < 1; i++)
    sb_sleep_ms(10);
  expect_ping(g.ch, 3);
  rig_stop(&g);
}

/* The agent goes away while the service is stuck writing its download
 * to a caller that reads nothing (not during a stop: the manager, which
 * waits for the agent's end, must not wait for that write's 5 s frame
 * deadline). After the router's 1 s grace that caller is disconnected
 * and the agent's end completes: its link leaves the router well before
 * the write's deadline. The caller then reads what was on its way, never
 * the last chunk, and the end of its connection. */
SB_TEST(router_relay_agent_gone_caller_not_reading) {
  rig_t g;
  sb_msg_t *m;
  int err, chunks = 0;
  rig_start(&g);
  send_shot(g.ch, 1, 0);
  CHECK(agent_count(&ag.shots, 1, 5000));
  CHECK_OK(agent_declare(g.r.agent, SB_RPC_SIZE_UNKNOWN));
  /* 8 MiB: more than the service queues (4 chunks) and than the
   * connection to the caller buffers, so the service's write blocks. */
  for (int i = 0; i < 16; i++)
    CHECK_OK(agent_chunk(g.r.agent, (uint64_t)i * SB_MSG_CHUNK_MAX,
                         SB_MSG_CHUNK_MAX, 0));
  sb_sleep_ms(100);
  uint64_t t0 = sb_now_ms();
  sb_rpc_stop(g.r.agent);
  g.r.agent = NULL;
  /* The agent's connection is over once sb_router_serve_agent returns,
   * which waits for every worker using the agent. */
  CHECK(sbt_wait_server(g.r.asrv, 0, 0, 10000));
  uint64_t took = sb_now_ms() - t0;
  fprintf(stderr, "the agent's end took %llu ms\n", (unsigned long long)took);
  /* The grace is 1 s; the write would have held it for up to 5 s. */
  CHECK(took < 2500);
  do {
    err = sb_channel_recv_envelope(g.ch, &m, sbtest_ms(5000), NULL);
    if (!err) {
      const sb_envelope_t *env = sb_msg_envelope(m);
      CHECK(env->body_case == SBWIRE__V1__ENVELOPE__BODY_RESPONSE ||
            (env->body_case == SBWIRE__V1__ENVELOPE__BODY_CHUNK &&
             !env->chunk->last));
      chunks += env->body_case == SBWIRE__V1__ENVELOPE__BODY_CHUNK;
      sb_msg_free(m);
    }
  } while (!err);
  fprintf(stderr, "the caller read %d chunks, then %s\n", chunks,
          sb_err_name(err));
  CHECK(chunks < 16);
  rig_stop(&g);
}

/* The agent sends a chunk at the wrong offset after the caller had the
 * declaration and a chunk: the service drops the agent's connection (a
 * transfer rule broken), ends the caller's download with
 * STATUS_AGENT_LOST, and serves the caller on. */
SB_TEST(router_relay_bad_chunk) {
  rig_t g;
  sb_msg_t *m;
  rig_start(&g);
  start_download(&g, 0);
  CHECK_OK(agent_chunk(g.r.agent, 2 * PIECE, PIECE, 1)); /* skips one */
  CHECK_EQ(expect_error(g.ch, 1, 5000), SBWIRE__V1__STATUS__STATUS_AGENT_LOST);
  for (int i = 0; i < 500 && !sb_rpc_closed(g.r.agent); i++)
    sb_sleep_ms(10);
  CHECK(sb_rpc_closed(g.r.agent));
  Sbwire__V1__Request req = SBWIRE__V1__REQUEST__INIT;
  Sbwire__V1__SessionListRequest sl = SBWIRE__V1__SESSION_LIST_REQUEST__INIT;
  req.body_case = SBWIRE__V1__REQUEST__BODY_SESSION_LIST;
  req.session_list = &sl;
  sbt_router_send(g.ch, 3, &req);
  const sb_envelope_t *env = recv_env(g.ch, &m, 5000);
  CHECK_EQ(env->request_id, 3);
  CHECK_EQ(env->body_case, SBWIRE__V1__ENVELOPE__BODY_RESPONSE);
  sb_msg_free(m);
  rig_stop(&g);
}

/* The request's deadline passes mid-download: the caller gets the
 * service's STATUS_TIMEOUT before its own deadline, and the agent is told
 * to stop. */
SB_TEST(router_relay_deadline) {
  rig_t g;
  uint32_t deadline = (uint32_t)sbtest_ms(2000);
  rig_start(&g);
  uint64_t t0 = sb_now_ms();
  start_download(&g, deadline);
  CHECK_EQ(expect_error(g.ch, 1, 5000), SBWIRE__V1__STATUS__STATUS_TIMEOUT);
  uint64_t took = sb_now_ms() - t0;
  fprintf(stderr, "TIMEOUT after %llu ms of a %u ms deadline\n",
          (unsigned long long)took, deadline);
  CHECK(took < deadline);
  CHECK(agent_count(&ag.cancels, 1, 5000));
  /* What the agent still sends for it is dropped by the service. */
  CHECK_OK(agent_chunk(g.r.agent, PIECE, PIECE, 0));
  expect_ping(g.ch, 3);
  rig_stop(&g);
}

/* The caller cancels mid-download: the request is ended with
 * STATUS_CANCELLED, the Cancel answered, the agent told to stop; the
 * rest the agent sends is dropped, and the connection goes on. */
SB_TEST(router_relay_cancel) {
  rig_t g;
  int got_target = 0, got_cancel = 0;
  rig_start(&g);
  start_download(&g, 0);
  sbt_router_send_cancel(g.ch, 3, 1);
  for (int i = 0; i < 2; i++) {
    sb_msg_t *m;
    const sb_envelope_t *env = recv_env(g.ch, &m, 5000);
    if (env->request_id == 1) {
      CHECK_EQ(env->body_case, SBWIRE__V1__ENVELOPE__BODY_ERROR);
      CHECK_EQ(env->error->status, SBWIRE__V1__STATUS__STATUS_CANCELLED);
      got_target++;
    } else {
      CHECK_EQ(env->request_id, 3);
      CHECK_EQ(env->body_case, SBWIRE__V1__ENVELOPE__BODY_RESPONSE);
      CHECK_EQ(env->response->body_case, SBWIRE__V1__RESPONSE__BODY_CANCEL);
      got_cancel++;
    }
    sb_msg_free(m);
  }
  CHECK_EQ(got_target, 1);
  CHECK_EQ(got_cancel, 1);
  CHECK(agent_count(&ag.cancels, 1, 5000));
  CHECK_OK(agent_chunk(g.r.agent, PIECE, PIECE, 0));
  CHECK_OK(agent_chunk(g.r.agent, 2 * PIECE, PIECE, 1));
  expect_ping(g.ch, 5);
  rig_stop(&g);
}

/* ---- a caller that does not read ---- */

/* 6 MiB: more than the service may hold and forward before it gives up
 * (SB_RPC_STREAM_CHUNKS + 4 chunks, checked below). The caller reads
 * nothing until the agent has sent all of it, and the service drops a
 * caller that leaves a frame it is writing half-read for 5 s (the frame
 * deadline, not scaled for slow runs): at 24 MiB a valgrind run took
 * longer than that and the caller was disconnected (SB_ETRUNC). */
enum { BIG_CHUNKS = 12 };

typedef struct {
  sb_rpc_t *agent;
  int err;
  int sent;
} sender_t;

static void send_all(void *arg) {
  sender_t *s = arg;
  s->err = agent_declare(s->agent, (uint64_t)BIG_CHUNKS * SB_MSG_CHUNK_MAX);
  for (int i = 0; i < BIG_CHUNKS && !s->err; i++) {
    s->err = agent_chunk(s->agent, (uint64_t)i * SB_MSG_CHUNK_MAX,
                         SB_MSG_CHUNK_MAX, i == BIG_CHUNKS - 1);
    s->sent += !s->err;
  }
}

/* The caller asks for 6 MiB and reads nothing while the agent sends it
 * all: the service holds a few chunks, not the download (the agent gets
 * through all of it, the caller later finds the download ended with
 * STATUS_BUSY after a few chunks, not the 12), and meanwhile another
 * connection is served, by the agent too. */
SB_TEST(router_relay_slow_reader) {
  rig_t g;
  sender_t s = {0, 0, 0};
  sb_thread_t *t;
  sb_stream_t *os;
  sb_channel_t *other;
  int chunks = 0, status = 0;
  rig_start(&g);
  send_shot(g.ch, 1, (uint32_t)sbtest_ms(60000));
  CHECK(agent_count(&ag.shots, 1, 5000));
  s.agent = g.r.agent;
  CHECK_OK(sb_thread_create(&t, send_all, &s, 0));
  other = raw_control(&g, &os);
  expect_ping(other, 1);
  sb_thread_join(t);
  CHECK_OK(s.err);
  CHECK_EQ(s.sent, BIG_CHUNKS);
  expect_ping(other, 3);
  close_raw(&other, os);
  /* Now the caller reads what it was sent. */
  expect_declaration(g.ch, 1, (uint64_t)BIG_CHUNKS * SB_MSG_CHUNK_MAX);
  for (;;) {
    sb_msg_t *m;
    const sb_envelope_t *env = recv_env(g.ch, &m, 5000);
    CHECK_EQ(env->request_id, 1);
    if (env->body_case == SBWIRE__V1__ENVELOPE__BODY_ERROR) {
      status = env->error->status;
      fprintf(stderr, "after %d chunks: %s (%s)\n", chunks,
              sb_status_name(status), env->error->detail);
      sb_msg_free(m);
      break;
    }
    CHECK_EQ(env->body_case, SBWIRE__V1__ENVELOPE__BODY_CHUNK);
    CHECK_EQ(env->chunk->offset, (uint64_t)chunks * SB_MSG_CHUNK_MAX);
    CHECK(!env->chunk->last);
    chunks++;
    sb_msg_free(m);
  }
  CHECK_EQ(status, SBWIRE__V1__STATUS__STATUS_BUSY);
  CHECK(chunks <= SB_RPC_STREAM_CHUNKS + 4);
  CHECK(agent_count(&ag.cancels, 1, 5000));
  expect_ping(g.ch, 3);
  rig_stop(&g);
}

/* ---- what the library's caller reports ---- */

typedef struct {
  sb_rpc_t *rpc;
  uint32_t deadline;
  int err;    /* sb_rpc_call's */
  int status; /* sb_rpc_result_err's */
  int had_data;
} call_t;

static void do_call(void *arg) {
  call_t *c = arg;
  Sbwire__V1__Request req;
  Sbwire__V1__ScreenshotRequest s;
  sb_rpc_result_t res;
  sbt_shot_all(&req, &s);
  req.session_id = 1;
  c->err = sb_rpc_call(c->rpc, &req, c->deadline, NULL, 0, &res);
  if (!c->err) {
    c->status = sb_rpc_result_err(&res, NULL);
    c->had_data = res.data != NULL;
    sb_rpc_result_free(&res);
  }
}

/* A library caller (sb_client_* call through sb_rpc_call) whose download
 * ends early gets the status, and none of the data: the agent dies, or
 * its own Error ends what it declared. A complete one gets all of it. */
SB_TEST(router_relay_library_status) {
  rig_t g;
  sb_stream_t *cs;
  sb_thread_t *t;
  call_t c;
  rig_start(&g);
  memset(&c, 0, sizeof c);
  c.rpc = sbt_connect_rpc(g.r.control_ep, control_key, NULL, &cs);
  c.deadline = (uint32_t)sbtest_ms(10000);

  /* The agent ends the download it declared with an Error of its own. */
  CHECK_OK(sb_thread_create(&t, do_call, &c, 0));
  CHECK(agent_count(&ag.shots, 1, 5000));
  CHECK_OK(agent_declare(g.r.agent, 3 * PIECE));
  CHECK_OK(agent_chunk(g.r.agent, 0, PIECE, 0));
  {
    Sbwire__V1__Envelope env = SBWIRE__V1__ENVELOPE__INIT;
    Sbwire__V1__Error e = SBWIRE__V1__ERROR__INIT;
    e.status = SBWIRE__V1__STATUS__STATUS_INTERNAL;
    e.detail = "the capture failed half way";
    env.request_id = held_id();
    env.body_case = SBWIRE__V1__ENVELOPE__BODY_ERROR;
    env.error = &e;
    CHECK_OK(sb_rpc_send_raw(g.r.agent, &env));
  }
  sb_thread_join(t);
  CHECK_OK(c.err);
  CHECK_EQ(c.status, SB_EOS);
  CHECK_EQ(c.had_data, 0);

  /* A complete download arrives whole. */
  CHECK_OK(sb_thread_create(&t, do_call, &c, 0));
  CHECK(agent_count(&ag.shots, 2, 5000));
  CHECK_OK(agent_declare(g.r.agent, 2 * PIECE));
  CHECK_OK(agent_chunk(g.r.agent, 0, PIECE, 0));
  CHECK_OK(agent_chunk(g.r.agent, PIECE, PIECE, 1));
  sb_thread_join(t);
  CHECK_OK(c.err);
  CHECK_OK(c.status);
  CHECK_EQ(c.had_data, 1);

  /* The agent dies mid-download. */
  CHECK_OK(sb_thread_create(&t, do_call, &c, 0));
  CHECK(agent_count(&ag.shots, 3, 5000));
  CHECK_OK(agent_declare(g.r.agent, 3 * PIECE));
  CHECK_OK(agent_chunk(g.r.agent, 0, PIECE, 0));
  sb_sleep_ms(100);
  sb_rpc_stop(g.r.agent);
  g.r.agent = NULL;
  sb_thread_join(t);
  CHECK_OK(c.err);
  CHECK_EQ(c.status, SB_EPIPE); /* STATUS_AGENT_LOST */
  CHECK_EQ(c.had_data, 0);
  CHECK(!sb_rpc_closed(c.rpc)); /* the caller's connection goes on */
  sb_rpc_stop(c.rpc);
  sb_stream_close(cs);
  rig_stop(&g);
}
