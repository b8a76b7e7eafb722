/* SPDX-License-Identifier: MIT */
/* Downloads of unknown size (protocol 3, protocol.md "Transfers"): a
 * Response with size_unknown, then chunks up to the one marked last.
 * The receiver is a real client rpc; the sender is either a real server
 * rpc (sb_rpc_respond_begin with SB_RPC_SIZE_UNKNOWN) or the test itself
 * on the raw server channel, so it can also break every rule. */
#include "pair.h"
#include "rig.h"
#include "sbtest.h"

#define CHUNK SB_MSG_CHUNK_MAX

/* What the server rpc's handler sends for a clipboard_get: pieces of
 * these sizes in order (the last one marked last), declared of unknown
 * size. */
typedef struct {
  size_t pieces[8];
  int n;
} plan_t;

static size_t plan_total(const plan_t *pl) {
  size_t t = 0;
  for (int i = 0; i < pl->n; i++)
    t += pl->pieces[i];
  return t;
}

static void send_plan(void *arg, sb_rpc_t *rpc, sb_rpc_incoming_t *in) {
  const plan_t *pl = arg;
  Sbwire__V1__Response rsp = SBWIRE__V1__RESPONSE__INIT;
  Sbwire__V1__ClipboardGetResponse c = SBWIRE__V1__CLIPBOARD_GET_RESPONSE__INIT;
  size_t total = plan_total(pl), off = 0;
  uint8_t *data = malloc(total ? total : 1);
  if (in->req->body_case == SBWIRE__V1__REQUEST__BODY_PING) {
    sbt_answer_ping(rpc, in);
    free(data);
    return;
  }
  sbtest_fill(data, total, 11);
  rsp.body_case = SBWIRE__V1__RESPONSE__BODY_CLIPBOARD_GET;
  rsp.clipboard_get = &c;
  CHECK_OK(sb_rpc_respond_begin(rpc, in, &rsp, SB_RPC_SIZE_UNKNOWN));
  for (int i = 0; i < pl->n; i++) {
    CHECK_OK(sb_rpc_respond_chunk(rpc, in, off, data + off, pl->pieces[i],
                                  i == pl->n - 1));
    off += pl->pieces[i];
  }
  free(data);
}

typedef struct {
  sbt_pair_t p;
  sb_rpc_t *client, *server;
} urig_t;

/* server_plan NULL: the server side stays a raw channel (p.server) that
 * the test drives. max: the client's max_transfer (0: the default). */
static void urig_open(urig_t *r, plan_t *server_plan, int caller_reads,
                      size_t max) {
  memset(r, 0, sizeof *r);
  sbt_pair_new(&r->p, sbt_psk_a, sbt_psk_a, sbtest_ms(2000));
  sbt_pair_handshake(&r->p);
  CHECK_OK(r->p.client_err);
  if (server_plan) {
    sb_rpc_opts_t so = {send_plan, NULL, server_plan, NULL, 0, 0};
    CHECK_OK(sb_rpc_start(&r->server, r->p.server, &so));
    r->p.server = NULL;
  }
  sb_rpc_opts_t co = {NULL, NULL, NULL, NULL, max, caller_reads};
  CHECK_OK(sb_rpc_start(&r->client, r->p.client, &co));
  r->p.client = NULL;
}

static void urig_close(urig_t *r) {
  sb_rpc_stop(r->client);
  sbt_end_shutdown(r->p.send);
  if (r->server)
    sb_rpc_stop(r->server);
  sbt_pair_free(&r->p);
}

static void clip_get(Sbwire__V1__Request *req,
                     Sbwire__V1__ClipboardGetRequest *g) {
  Sbwire__V1__Request r0 = SBWIRE__V1__REQUEST__INIT;
  Sbwire__V1__ClipboardGetRequest g0 = SBWIRE__V1__CLIPBOARD_GET_REQUEST__INIT;
  *req = r0;
  *g = g0;
  req->body_case = SBWIRE__V1__REQUEST__BODY_CLIPBOARD_GET;
  req->clipboard_get = g;
}

static int ping(sb_rpc_t *rpc) {
  Sbwire__V1__Request req = SBWIRE__V1__REQUEST__INIT;
  Sbwire__V1__PingRequest p = SBWIRE__V1__PING_REQUEST__INIT;
  sb_rpc_result_t res;
  req.body_case = SBWIRE__V1__REQUEST__BODY_PING;
  req.ping = &p;
  int err = sb_rpc_call(rpc, &req, 5000, NULL, 0, &res);
  if (!err)
    err = sb_rpc_result_err(&res, NULL);
  sb_rpc_result_free(&res);
  return err;
}

/* The whole download arrives, byte for byte, whatever the pieces. */
static void assembled(plan_t pl, int caller_reads) {
  urig_t r;
  Sbwire__V1__Request req;
  Sbwire__V1__ClipboardGetRequest g;
  sb_rpc_result_t res;
  size_t total = plan_total(&pl);
  uint8_t *want = malloc(total ? total : 1);
  sbtest_fill(want, total, 11);
  urig_open(&r, &pl, caller_reads, 0);
  for (int i = 0; i < 3; i++) {
    clip_get(&req, &g);
    CHECK_OK(sb_rpc_call(r.client, &req, 5000, NULL, 0, &res));
    CHECK_OK(sb_rpc_result_err(&res, NULL));
    CHECK(res.env->response->size_unknown);
    CHECK_EQ(res.env->response->total_size, 0);
    CHECK_EQ(res.len, total);
    CHECK(total == 0 || memcmp(res.data, want, total) == 0);
    sb_rpc_result_free(&res);
    CHECK_OK(ping(r.client)); /* the connection goes on */
  }
  urig_close(&r);
  free(want);
}

SB_TEST(rpc_unknown_size_download) {
  plan_t pl = {{CHUNK, CHUNK, 100, 0}, 4}; /* ends with an empty chunk */
  assembled(pl, 0);
}

SB_TEST(rpc_unknown_size_download_caller_reads) {
  plan_t pl = {{CHUNK, 7, CHUNK}, 3}; /* the last chunk carries data */
  assembled(pl, 1);
}

SB_TEST(rpc_unknown_size_one_chunk) {
  plan_t one = {{5}, 1};
  plan_t none = {{0}, 1}; /* nothing at all: one empty last chunk */
  assembled(one, 0);
  assembled(none, 0);
}

/* A streamed call (the service's relay) gets the declaration at once and
 * then each chunk with its offset and last flag. */
SB_TEST(rpc_unknown_size_streamed) {
  plan_t pl = {{CHUNK, 300, 0}, 3};
  urig_t r;
  Sbwire__V1__Request req;
  Sbwire__V1__ClipboardGetRequest g;
  sb_rpc_result_t res;
  sb_rpc_ticket_t t;
  int streaming = 0, last = 0;
  uint64_t off = 0;
  urig_open(&r, &pl, 0, 0);
  memset(&t, 0, sizeof t);
  clip_get(&req, &g);
  CHECK_OK(sb_rpc_call_stream(r.client, &req, 5000, NULL, 0, &t, &res,
                              &streaming));
  CHECK_EQ(streaming, 1);
  CHECK(res.env->response->size_unknown);
  for (int n = 0; !last; n++) {
    sb_rpc_chunk_t ch;
    CHECK(n < pl.n);
    CHECK_OK(sb_rpc_stream_next(r.client, &t, sb_now_ms() + 5000, &ch));
    CHECK_EQ(ch.offset, off);
    CHECK_EQ(ch.len, pl.pieces[n]);
    last = ch.last;
    CHECK_EQ(last, n == pl.n - 1);
    off += ch.len;
    sb_rpc_chunk_free(&ch);
  }
  sb_rpc_stream_end(r.client, &t);
  sb_rpc_result_free(&res);
  CHECK_EQ(off, plan_total(&pl));
  CHECK_OK(ping(r.client));
  urig_close(&r);
}

/* ---- the test as the sender, on the raw server channel ---- */

typedef struct {
  sb_rpc_t *rpc;
  int body; /* the request's body case */
  int err;  /* the call's result */
  int done;
  sb_rpc_result_t res;
} caller_t;

static void caller_main(void *arg) {
  caller_t *c = arg;
  Sbwire__V1__Request req;
  Sbwire__V1__ClipboardGetRequest g;
  Sbwire__V1__ScreenshotRequest s;
  if (c->body == SBWIRE__V1__REQUEST__BODY_SCREENSHOT)
    sbt_shot_all(&req, &s);
  else
    clip_get(&req, &g);
  c->err = sb_rpc_call(c->rpc, &req, (uint32_t)sbtest_ms(10000), NULL, 0,
                       &c->res);
  if (!c->err)
    c->err = sb_rpc_result_err(&c->res, NULL);
  __atomic_store_n(&c->done, 1, __ATOMIC_SEQ_CST);
}

/* Start a call on its own thread and read its request on the raw side:
 * returns the request id. */
static uint64_t start_call(urig_t *r, caller_t *c, int body,
                           sb_thread_t **th) {
  sb_msg_t *m;
  uint64_t id;
  memset(c, 0, sizeof *c);
  c->rpc = r->client;
  c->body = body;
  CHECK_OK(sb_thread_create(th, caller_main, c, 0));
  CHECK_OK(sb_channel_recv_envelope(r->p.server, &m, sbtest_ms(2000), NULL));
  CHECK_EQ(sb_msg_envelope(m)->body_case, SBWIRE__V1__ENVELOPE__BODY_REQUEST);
  id = sb_msg_envelope(m)->request_id;
  sb_msg_free(m);
  return id;
}

/* The declaration, as given: transfer tid, total, size_unknown. */
static void declare(urig_t *r, uint64_t id, int body, uint64_t tid,
                    uint64_t total, int unknown) {
  Sbwire__V1__Envelope env = SBWIRE__V1__ENVELOPE__INIT;
  Sbwire__V1__Response rsp = SBWIRE__V1__RESPONSE__INIT;
  Sbwire__V1__ClipboardGetResponse c = SBWIRE__V1__CLIPBOARD_GET_RESPONSE__INIT;
  Sbwire__V1__ScreenshotResponse s = SBWIRE__V1__SCREENSHOT_RESPONSE__INIT;
  if (body == SBWIRE__V1__REQUEST__BODY_SCREENSHOT) {
    rsp.body_case = SBWIRE__V1__RESPONSE__BODY_SCREENSHOT;
    rsp.screenshot = &s;
  } else {
    rsp.body_case = SBWIRE__V1__RESPONSE__BODY_CLIPBOARD_GET;
    rsp.clipboard_get = &c;
  }
  rsp.transfer_id = tid;
  rsp.total_size = total;
  rsp.size_unknown = unknown != 0;
  env.request_id = id;
  env.body_case = SBWIRE__V1__ENVELOPE__BODY_RESPONSE;
  env.response = &rsp;
  CHECK_OK(sb_channel_send_envelope(r->p.server, &env));
}

static void chunk(urig_t *r, uint64_t id, uint64_t off, size_t len, int last) {
  static uint8_t buf[CHUNK];
  Sbwire__V1__Envelope env;
  Sbwire__V1__TransferChunk c;
  sbt_chunk_env(&env, &c, id, off, buf, len, last);
  CHECK_OK(sb_channel_send_envelope(r->p.server, &env));
}

static int call_done(caller_t *c) {
  return __atomic_load_n(&c->done, __ATOMIC_SEQ_CST);
}

/* One call of the test as the sender: a client rpc (max_transfer max,
 * 0: the default) calling on its own thread, a request of kind body, the
 * raw server side having read it (id). */
typedef struct {
  urig_t r;
  caller_t c;
  sb_thread_t *th;
  uint64_t id;
  int body;
} case_t;

static void case_open(case_t *k, int body, size_t max) {
  urig_open(&k->r, NULL, 0, max);
  k->body = body;
  k->id = start_call(&k->r, &k->c, body, &k->th);
}

/* The declaration for the call: transfer tid, total, size_unknown. */
static void case_declare(case_t *k, uint64_t tid, uint64_t total,
                         int unknown) {
  declare(&k->r, k->id, k->body, tid, total, unknown);
}

static void case_close(case_t *k) {
  sb_rpc_result_free(&k->c.res);
  urig_close(&k->r);
}

/* The client closes the connection on a broken rule, and its call fails
 * without data. */
static void expect_broken(case_t *k) {
  CHECK_OK(sb_thread_join(k->th));
  fprintf(stderr, "the call: %s\n", sb_strerror(k->c.err));
  CHECK(k->c.err != 0 && k->c.err != SB_ETIMEDOUT);
  CHECK(k->c.res.data == NULL);
  CHECK(sb_rpc_closed(k->r.client));
  case_close(k);
}

/* An empty chunk that is not the last would let a sender keep a download
 * open forever without moving it on. */
SB_TEST(rpc_unknown_size_empty_chunk_not_last) {
  case_t k;
  case_open(&k, SBWIRE__V1__REQUEST__BODY_CLIPBOARD_GET, 0);
  case_declare(&k, k.id, 0, 1);
  chunk(&k.r, k.id, 0, 10, 0);
  chunk(&k.r, k.id, 10, 0, 0);
  expect_broken(&k);
}

/* Over the receiver's cap (here its max_transfer, 3 chunks' worth): the
 * chunk that would pass it closes the connection. */
SB_TEST(rpc_unknown_size_over_cap) {
  case_t k;
  case_open(&k, SBWIRE__V1__REQUEST__BODY_SCREENSHOT, 3 * CHUNK);
  case_declare(&k, k.id, 0, 1);
  for (int i = 0; i < 3; i++)
    chunk(&k.r, k.id, (uint64_t)i * CHUNK, CHUNK, 0);
  CHECK(!sb_rpc_closed(k.r.client)); /* exactly at the cap is allowed */
  chunk(&k.r, k.id, 3 * CHUNK, 1, 1);
  expect_broken(&k);
}

/* A clipboard_get download of unknown size is held to the clipboard's
 * 16 MiB however much the connection takes. */
SB_TEST(rpc_unknown_size_clipboard_cap) {
  case_t k;
  size_t n = SB_CLIPBOARD_MAX / CHUNK;
  case_open(&k, SBWIRE__V1__REQUEST__BODY_CLIPBOARD_GET, 0);
  case_declare(&k, k.id, 0, 1);
  for (size_t i = 0; i < n; i++)
    chunk(&k.r, k.id, (uint64_t)i * CHUNK, CHUNK, 0);
  CHECK(!sb_rpc_closed(k.r.client));
  chunk(&k.r, k.id, (uint64_t)n * CHUNK, 1, 1);
  expect_broken(&k);
}

/* A chunk at the wrong offset breaks the rule as for a declared size. */
SB_TEST(rpc_unknown_size_wrong_offset) {
  case_t k;
  case_open(&k, SBWIRE__V1__REQUEST__BODY_CLIPBOARD_GET, 0);
  case_declare(&k, k.id, 0, 1);
  chunk(&k.r, k.id, 0, 10, 0);
  chunk(&k.r, k.id, 11, 10, 1);
  expect_broken(&k);
}

/* size_unknown with a size, or without a transfer, says two things at
 * once: it fails validation and closes the connection. */
SB_TEST(rpc_unknown_size_declaration_invalid) {
  for (int n = 0; n < 2; n++) {
    case_t k;
    case_open(&k, SBWIRE__V1__REQUEST__BODY_CLIPBOARD_GET, 0);
    if (n == 0)
      case_declare(&k, k.id, 5, 1);
    else
      case_declare(&k, 0, 0, 1);
    expect_broken(&k);
  }
}

/* The sender ends it early with an Error after some chunks: the caller
 * gets the status and none of the data. */
SB_TEST(rpc_unknown_size_ended_early) {
  case_t k;
  Sbwire__V1__Envelope env = SBWIRE__V1__ENVELOPE__INIT;
  Sbwire__V1__Error e = SBWIRE__V1__ERROR__INIT;
  case_open(&k, SBWIRE__V1__REQUEST__BODY_SCREENSHOT, 0);
  case_declare(&k, k.id, 0, 1);
  chunk(&k.r, k.id, 0, CHUNK, 0);
  e.status = SBWIRE__V1__STATUS__STATUS_TOO_LARGE;
  e.detail = "the PNG grew over 64 MiB";
  env.request_id = k.id;
  env.body_case = SBWIRE__V1__ENVELOPE__BODY_ERROR;
  env.error = &e;
  CHECK_OK(sb_channel_send_envelope(k.r.p.server, &env));
  CHECK_OK(sb_thread_join(k.th));
  CHECK_ERR(k.c.err, SB_ETOOBIG);
  CHECK(k.c.res.data == NULL);
  CHECK(!sb_rpc_closed(k.r.client));
  case_close(&k);
}

/* Every download ends at its chunk marked last, one of total_size 0 too:
 * the call is not over at the declaration, and ends with the empty
 * chunk. */
SB_TEST(rpc_zero_size_ends_at_last_chunk) {
  case_t k;
  case_open(&k, SBWIRE__V1__REQUEST__BODY_CLIPBOARD_GET, 0);
  case_declare(&k, k.id, 0, 0);
  sb_sleep_ms(200);
  CHECK(!call_done(&k.c));
  chunk(&k.r, k.id, 0, 0, 1);
  CHECK_OK(sb_thread_join(k.th));
  CHECK_OK(k.c.err);
  CHECK_EQ(k.c.res.len, 0);
  CHECK(!sb_rpc_closed(k.r.client));
  case_close(&k);
}

/* What sb_rpc_respond_begin(SB_RPC_SIZE_UNKNOWN) puts on the wire. */
SB_TEST(rpc_unknown_size_on_the_wire) {
  plan_t pl = {{CHUNK, 0}, 2};
  sbt_pair_t p;
  sb_rpc_t *server;
  sb_msg_t *m;
  Sbwire__V1__Envelope env = SBWIRE__V1__ENVELOPE__INIT;
  Sbwire__V1__Request req;
  Sbwire__V1__ClipboardGetRequest g;
  sbt_pair_new(&p, sbt_psk_a, sbt_psk_a, sbtest_ms(2000));
  sbt_pair_handshake(&p);
  CHECK_OK(p.client_err);
  sb_rpc_opts_t so = {send_plan, NULL, &pl, NULL, 0, 0};
  CHECK_OK(sb_rpc_start(&server, p.server, &so));
  p.server = NULL;
  clip_get(&req, &g);
  req.deadline_ms = 5000;
  env.request_id = 1;
  env.body_case = SBWIRE__V1__ENVELOPE__BODY_REQUEST;
  env.request = &req;
  CHECK_OK(sb_channel_send_envelope(p.client, &env));
  CHECK_OK(sb_channel_recv_envelope(p.client, &m, sbtest_ms(2000), NULL));
  const sb_envelope_t *e = sb_msg_envelope(m);
  CHECK_EQ(e->body_case, SBWIRE__V1__ENVELOPE__BODY_RESPONSE);
  CHECK_EQ(e->response->transfer_id, 1);
  CHECK_EQ(e->response->total_size, 0);
  CHECK(e->response->size_unknown);
  sb_msg_free(m);
  for (int i = 0; i < 2; i++) {
    CHECK_OK(sb_channel_recv_envelope(p.client, &m, sbtest_ms(2000), NULL));
    e = sb_msg_envelope(m);
    CHECK_EQ(e->body_case, SBWIRE__V1__ENVELOPE__BODY_CHUNK);
    CHECK_EQ(e->chunk->offset, i == 0 ? 0 : CHUNK);
    CHECK_EQ(e->chunk->data.len, pl.pieces[i]);
    CHECK_EQ(e->chunk->last, i == 1);
    sb_msg_free(m);
  }
  sbt_end_shutdown(p.cend);
  sb_rpc_stop(server);
  sbt_pair_free(&p);
}
