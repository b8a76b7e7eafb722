/* SPDX-License-Identifier: MIT */
/* Request/response over the channel: routing, deadlines, the 16-request
 * cap, chunked transfers and their failure cases (threats.md §3 19, 29,
 * 31, 32). */
#include "pair.h"
#include "rig.h"
#include "sbtest.h"

typedef struct {
  sb_mutex_t *lock;
  int mode; /* 0 answer now, 1 hold */
  int served;
  int cancels;
  sb_rpc_incoming_t *held[32];
  int n_held;
  uint8_t *last_upload;
  size_t last_upload_len;
  size_t download_len;
  int closed;
  int close_err;
} server_state_t;

static void handler(void *arg, sb_rpc_t *rpc, sb_rpc_incoming_t *in) {
  server_state_t *st = arg;
  Sbwire__V1__Response rsp = SBWIRE__V1__RESPONSE__INIT;
  sb_mutex_lock(st->lock);
  st->served++;
  if (in->req->body_case == SBWIRE__V1__REQUEST__BODY_CANCEL) {
    st->cancels++;
    sb_mutex_unlock(st->lock);
    sbt_answer_cancel(rpc, in);
    return;
  }
  if (st->mode == 1) {
    st->held[st->n_held++] = in;
    sb_mutex_unlock(st->lock);
    return;
  }
  sb_mutex_unlock(st->lock);
  switch (in->req->body_case) {
  case SBWIRE__V1__REQUEST__BODY_PING:
    sbt_answer_ping(rpc, in);
    break;
  case SBWIRE__V1__REQUEST__BODY_CLIPBOARD_SET: {
    Sbwire__V1__ClipboardSetResponse c = SBWIRE__V1__CLIPBOARD_SET_RESPONSE__INIT;
    free(st->last_upload);
    st->last_upload = malloc(in->len ? in->len : 1);
    memcpy(st->last_upload, in->data, in->len);
    st->last_upload_len = in->len;
    rsp.body_case = SBWIRE__V1__RESPONSE__BODY_CLIPBOARD_SET;
    rsp.clipboard_set = &c;
    sb_rpc_respond(rpc, in, &rsp, NULL, 0);
    break;
  }
  case SBWIRE__V1__REQUEST__BODY_CLIPBOARD_GET: {
    Sbwire__V1__ClipboardGetResponse c = SBWIRE__V1__CLIPBOARD_GET_RESPONSE__INIT;
    uint8_t *data = malloc(st->download_len ? st->download_len : 1);
    sbtest_fill(data, st->download_len, 7);
    rsp.body_case = SBWIRE__V1__RESPONSE__BODY_CLIPBOARD_GET;
    rsp.clipboard_get = &c;
    sb_rpc_respond(rpc, in, &rsp, data, st->download_len);
    free(data);
    break;
  }
  default:
    sb_rpc_respond_error(rpc, in, SB_EINVAL, "unexpected");
  }
}

static void on_closed(void *arg, sb_rpc_t *rpc, int err) {
  server_state_t *st = arg;
  (void)rpc;
  sb_mutex_lock(st->lock);
  st->closed = 1;
  st->close_err = err;
  sb_mutex_unlock(st->lock);
}

typedef struct {
  sbt_pair_t p;
  server_state_t st;
  sb_rpc_t *client, *server;
} rig_t;

/* client_rpc: 0 no client rpc (raw channel), 1 with a reader thread, 2
 * with caller_reads. */
static void rig_open(rig_t *r, int client_rpc) {
  memset(r, 0, sizeof *r);
  sb_mutex_new(&r->st.lock);
  sbt_pair_new(&r->p, sbt_psk_a, sbt_psk_a, sbtest_ms(2000));
  sbt_pair_handshake(&r->p);
  CHECK_OK(r->p.client_err);
  sb_rpc_opts_t so = {handler, on_closed, &r->st, NULL, 0, 0};
  CHECK_OK(sb_rpc_start(&r->server, r->p.server, &so));
  r->p.server = NULL; /* owned by the rpc now */
  if (client_rpc) {
    sb_rpc_opts_t co = {NULL, NULL, NULL, NULL, 0, client_rpc == 2};
    CHECK_OK(sb_rpc_start(&r->client, r->p.client, &co));
    r->p.client = NULL;
  }
}

/* A client rpc facing a raw server channel that the test reads and answers
 * by hand: a peer that stops reading for a while (a SIGSTOPped agent). */
static void rig_open_raw_server(rig_t *r, int client_rpc) {
  memset(r, 0, sizeof *r);
  sb_mutex_new(&r->st.lock);
  sbt_pair_new(&r->p, sbt_psk_a, sbt_psk_a, sbtest_ms(2000));
  sbt_pair_handshake(&r->p);
  CHECK_OK(r->p.client_err);
  sb_rpc_opts_t co = {NULL, NULL, NULL, NULL, 0, client_rpc == 2};
  CHECK_OK(sb_rpc_start(&r->client, r->p.client, &co));
  r->p.client = NULL;
}

static void rig_close(rig_t *r) {
  for (int i = 0; i < r->st.n_held; i++)
    sb_rpc_incoming_free(r->st.held[i]);
  r->st.n_held = 0;
  if (r->client)
    sb_rpc_stop(r->client);
  else
    sbt_end_shutdown(r->p.cend);
  sbt_end_shutdown(r->p.send);
  if (r->server)
    sb_rpc_stop(r->server);
  free(r->st.last_upload);
  sb_mutex_free(r->st.lock);
  sbt_pair_free(&r->p);
}

static int wait_for(server_state_t *st, int *field, int want) {
  for (int i = 0; i < 400; i++) {
    sb_mutex_lock(st->lock);
    int v = *field;
    sb_mutex_unlock(st->lock);
    if (v >= want)
      return 1;
    sb_sleep_ms(10);
  }
  return 0;
}

static int ping(sb_rpc_t *rpc, uint32_t deadline) {
  Sbwire__V1__Request req = SBWIRE__V1__REQUEST__INIT;
  Sbwire__V1__PingRequest p = SBWIRE__V1__PING_REQUEST__INIT;
  sb_rpc_result_t res;
  p.payload.data = (uint8_t *)"abc";
  p.payload.len = 3;
  req.body_case = SBWIRE__V1__REQUEST__BODY_PING;
  req.ping = &p;
  int err = sb_rpc_call(rpc, &req, deadline, NULL, 0, &res);
  if (err)
    return err;
  err = sb_rpc_result_err(&res, NULL);
  if (!err) {
    CHECK_EQ(res.env->response->body_case, SBWIRE__V1__RESPONSE__BODY_PING);
    CHECK_EQ(res.env->response->ping->payload.len, 3);
  }
  sb_rpc_result_free(&res);
  return err;
}

static void rpc_ping_in(int mode) {
  rig_t r;
  rig_open(&r, mode);
  for (int i = 0; i < 50; i++)
    CHECK_OK(ping(r.client, 2000));
  rig_close(&r);
}

SB_TEST(rpc_ping) { rpc_ping_in(1); }

/* The same with caller_reads: no client reader thread. */
SB_TEST(rpc_ping_caller_reads) { rpc_ping_in(2); }

static void rpc_deadline_and_cancel_in(int mode) {
  rig_t r;
  rig_open(&r, mode);
  r.st.mode = 1;
  uint64_t t0 = sb_now_ms();
  CHECK_ERR(ping(r.client, 100), SB_ETIMEDOUT);
  uint64_t dt = sb_now_ms() - t0;
  CHECK(dt >= 100 && dt < (uint64_t)sbtest_ms(1500));
  /* The peer is told to give up. */
  CHECK(wait_for(&r.st, &r.st.cancels, 1));
  /* A late answer to the abandoned request is ignored, and the
   * connection keeps working. */
  sb_mutex_lock(r.st.lock);
  sb_rpc_incoming_t *late = r.st.held[0];
  r.st.n_held = 0;
  r.st.mode = 0;
  sb_mutex_unlock(r.st.lock);
  sb_rpc_respond_error(r.server, late, SB_ETIMEDOUT, NULL);
  CHECK_OK(ping(r.client, 2000));
  rig_close(&r);
}

/* Answer one request read on the raw server channel: a ping with its
 * payload, a Cancel with an empty CancelResponse. Returns its body case. */
static int raw_answer_next(rig_t *r) {
  sb_msg_t *m;
  Sbwire__V1__Envelope env = SBWIRE__V1__ENVELOPE__INIT;
  Sbwire__V1__Response rsp = SBWIRE__V1__RESPONSE__INIT;
  Sbwire__V1__PingResponse p = SBWIRE__V1__PING_RESPONSE__INIT;
  Sbwire__V1__CancelResponse c = SBWIRE__V1__CANCEL_RESPONSE__INIT;
  CHECK_OK(sb_channel_recv_envelope(r->p.server, &m, sbtest_ms(5000), NULL));
  const sb_envelope_t *in = sb_msg_envelope(m);
  CHECK_EQ(in->body_case, SBWIRE__V1__ENVELOPE__BODY_REQUEST);
  int body = in->request->body_case;
  if (body == SBWIRE__V1__REQUEST__BODY_PING) {
    p.payload = in->request->ping->payload;
    rsp.body_case = SBWIRE__V1__RESPONSE__BODY_PING;
    rsp.ping = &p;
  } else {
    CHECK_EQ(body, SBWIRE__V1__REQUEST__BODY_CANCEL);
    rsp.body_case = SBWIRE__V1__RESPONSE__BODY_CANCEL;
    rsp.cancel = &c;
  }
  env.request_id = in->request_id;
  env.body_case = SBWIRE__V1__ENVELOPE__BODY_RESPONSE;
  env.response = &rsp;
  CHECK_OK(sb_channel_send_envelope(r->p.server, &env));
  sb_msg_free(m);
  return body;
}

typedef struct {
  sb_rpc_t *rpc;
  int res;
} one_ping_t;

static void one_ping(void *arg) {
  one_ping_t *o = arg;
  o->res = ping(o->rpc, (uint32_t)sbtest_ms(5000));
}

/* Issue 10 point 1: n calls time out while the peer is not reading (each
 * also sends its Cancel), then the peer wakes and answers all 2n requests.
 * Every late answer is dropped and counted, and the link stays up however
 * many there were (a 32-entry ring of abandoned ids used to overflow at
 * 17: the 17th late answer closed the connection as a protocol
 * violation). */
static void late_answers_in(int n, int mode) {
  rig_t r;
  one_ping_t last;
  sb_thread_t *t;
  int pings = 0, cancels = 0;
  rig_open_raw_server(&r, mode);
  for (int i = 0; i < n; i++)
    CHECK_ERR(ping(r.client, 1), SB_ETIMEDOUT);
  for (int i = 0; i < 2 * n; i++) {
    if (raw_answer_next(&r) == SBWIRE__V1__REQUEST__BODY_PING)
      pings++;
    else
      cancels++;
  }
  CHECK_EQ(pings, n);
  CHECK_EQ(cancels, n);
  /* One more call gets its own answer: every late one before it was read
   * and dropped, none taken for it or for a violation. */
  last.rpc = r.client;
  last.res = 1;
  CHECK_OK(sb_thread_create(&t, one_ping, &last, 0));
  CHECK_EQ(raw_answer_next(&r), SBWIRE__V1__REQUEST__BODY_PING);
  sb_thread_join(t);
  CHECK_OK(last.res);
  CHECK(!sb_rpc_closed(r.client));
  fprintf(stderr, "%d timed out; late answers dropped: %llu\n", n,
          (unsigned long long)sb_rpc_late_answers(r.client));
  CHECK_EQ(sb_rpc_late_answers(r.client), 2 * n);
  rig_close(&r);
}

SB_TEST(rpc_late_answers_17) { late_answers_in(17, 1); }
SB_TEST(rpc_late_answers_1000) { late_answers_in(1000, 1); }
SB_TEST(rpc_late_answers_1000_caller_reads) { late_answers_in(1000, 2); }

SB_TEST(rpc_deadline_and_cancel) { rpc_deadline_and_cancel_in(1); }

/* The same with caller_reads: no client reader thread. */
SB_TEST(rpc_deadline_and_cancel_caller_reads) { rpc_deadline_and_cancel_in(2); }

typedef struct {
  int res;
  int pad;
  sb_rpc_t *rpc;
} call_slot_t;

static void call_thread(void *arg) {
  call_slot_t *c = arg;
  c->res = ping(c->rpc, 5000);
}

static void rpc_client_cap_busy_in(int mode) {
  /* Our own side refuses a 17th call while 16 are in flight. */
  rig_t r;
  call_slot_t slots[SB_RPC_MAX_OUTSTANDING];
  sb_thread_t *t[SB_RPC_MAX_OUTSTANDING];
  rig_open(&r, mode);
  r.st.mode = 1;
  for (int i = 0; i < SB_RPC_MAX_OUTSTANDING; i++) {
    slots[i].rpc = r.client;
    slots[i].res = 1;
    CHECK_OK(sb_thread_create(&t[i], call_thread, &slots[i], 0));
  }
  CHECK(wait_for(&r.st, &r.st.n_held, SB_RPC_MAX_OUTSTANDING));
  CHECK_ERR(ping(r.client, 1000), SB_EBUSY);
  sb_mutex_lock(r.st.lock);
  int n = r.st.n_held;
  r.st.n_held = 0;
  r.st.mode = 0;
  sb_mutex_unlock(r.st.lock);
  for (int i = 0; i < n; i++)
    CHECK_OK(sbt_answer_ping(r.server, r.st.held[i]));
  for (int i = 0; i < SB_RPC_MAX_OUTSTANDING; i++) {
    sb_thread_join(t[i]);
    CHECK_OK(slots[i].res);
  }
  rig_close(&r);
}

SB_TEST(rpc_client_cap_busy) { rpc_client_cap_busy_in(1); }

/* The same with caller_reads: no client reader thread. */
SB_TEST(rpc_client_cap_busy_caller_reads) { rpc_client_cap_busy_in(2); }

/* Send a raw envelope on the client channel (no rpc on that side). */
static void raw_send(rig_t *r, Sbwire__V1__Envelope *env) {
  CHECK_OK(sb_channel_send_envelope(r->p.client, env));
}

/* Send req as request id (deadline 5 s). */
static void raw_request(rig_t *r, uint64_t id, Sbwire__V1__Request *req) {
  Sbwire__V1__Envelope env = SBWIRE__V1__ENVELOPE__INIT;
  req->deadline_ms = 5000;
  env.request_id = id;
  env.body_case = SBWIRE__V1__ENVELOPE__BODY_REQUEST;
  env.request = req;
  raw_send(r, &env);
}

static void raw_ping(rig_t *r, uint64_t id) {
  Sbwire__V1__Request req = SBWIRE__V1__REQUEST__INIT;
  Sbwire__V1__PingRequest p = SBWIRE__V1__PING_REQUEST__INIT;
  req.body_case = SBWIRE__V1__REQUEST__BODY_PING;
  req.ping = &p;
  raw_request(r, id, &req);
}

/* A clipboard set as request id: an upload declaration (transfer tid of
 * total bytes) and/or inline data, as given. */
static void raw_decl(rig_t *r, uint64_t id, uint64_t tid, uint64_t total,
                     const char *inline_data) {
  Sbwire__V1__Request req;
  Sbwire__V1__ClipboardSetRequest cs;
  sbt_clip_set(&req, &cs, tid, total, inline_data);
  raw_request(r, id, &req);
}

/* Read the next envelope on the raw client channel: it must be an Error
 * for id with status; its detail must contain `detail`. */
static void expect_error(rig_t *r, uint64_t id, int status,
                         const char *detail) {
  sb_msg_t *m;
  CHECK_OK(sb_channel_recv_envelope(r->p.client, &m, sbtest_ms(2000), NULL));
  const sb_envelope_t *env = sb_msg_envelope(m);
  CHECK_EQ(env->request_id, id);
  CHECK_EQ(env->body_case, SBWIRE__V1__ENVELOPE__BODY_ERROR);
  fprintf(stderr, "id %llu: %s (%s)\n", (unsigned long long)id,
          sb_status_name(env->error->status), env->error->detail);
  CHECK_EQ(env->error->status, status);
  CHECK(strstr(env->error->detail, detail) != NULL);
  sb_msg_free(m);
}

SB_TEST(rpc_server_17th_busy) {
  rig_t r;
  rig_open(&r, 0);
  r.st.mode = 1;
  for (uint64_t i = 0; i < SB_RPC_MAX_OUTSTANDING + 1; i++)
    raw_ping(&r, 2 * i + 1);
  expect_error(&r, 2 * SB_RPC_MAX_OUTSTANDING + 1,
               SBWIRE__V1__STATUS__STATUS_BUSY, "");
  CHECK_EQ(r.st.n_held, SB_RPC_MAX_OUTSTANDING);
  rig_close(&r);
}

/* A requester at the cap can still cancel: the Cancel has a slot of its
 * own (it is answered at once), while a 17th ordinary request is BUSY. */
SB_TEST(rpc_cancel_at_the_cap) {
  rig_t r;
  rig_open(&r, 0);
  r.st.mode = 1;
  for (uint64_t i = 0; i < SB_RPC_MAX_OUTSTANDING; i++)
    raw_ping(&r, 2 * i + 1);
  CHECK(wait_for(&r.st, &r.st.n_held, SB_RPC_MAX_OUTSTANDING));
  Sbwire__V1__Request req = SBWIRE__V1__REQUEST__INIT;
  Sbwire__V1__CancelRequest c = SBWIRE__V1__CANCEL_REQUEST__INIT;
  c.target_request_id = 1;
  req.body_case = SBWIRE__V1__REQUEST__BODY_CANCEL;
  req.cancel = &c;
  raw_request(&r, 2 * SB_RPC_MAX_OUTSTANDING + 1, &req);
  sb_msg_t *m;
  CHECK_OK(sb_channel_recv_envelope(r.p.client, &m, sbtest_ms(2000), NULL));
  const sb_envelope_t *env = sb_msg_envelope(m);
  CHECK_EQ(env->request_id, 2 * SB_RPC_MAX_OUTSTANDING + 1);
  CHECK_EQ(env->body_case, SBWIRE__V1__ENVELOPE__BODY_RESPONSE);
  CHECK_EQ(env->response->body_case, SBWIRE__V1__RESPONSE__BODY_CANCEL);
  sb_msg_free(m);
  CHECK_EQ(r.st.cancels, 1);
  /* The spare is only a Cancel's: an ordinary request is still BUSY. */
  raw_ping(&r, 2 * SB_RPC_MAX_OUTSTANDING + 3);
  expect_error(&r, 2 * SB_RPC_MAX_OUTSTANDING + 3,
               SBWIRE__V1__STATUS__STATUS_BUSY, "");
  rig_close(&r);
}

static void rpc_upload_and_download_in(int mode) {
  rig_t r;
  size_t big = 3 * 1024 * 1024 + 17;
  uint8_t *data = malloc(big);
  sbtest_fill(data, big, 3);
  rig_open(&r, mode);
  Sbwire__V1__Request req;
  Sbwire__V1__ClipboardSetRequest cs;
  sbt_clip_set(&req, &cs, 0, 0, NULL); /* the data goes as an upload */
  sb_rpc_result_t res;
  /* The deadline covers sending the 3 MiB too (valgrind is slow). */
  CHECK_OK(sb_rpc_call(r.client, &req, 60000, data, big, &res));
  CHECK_OK(sb_rpc_result_err(&res, NULL));
  sb_rpc_result_free(&res);
  CHECK_EQ(r.st.last_upload_len, big);
  CHECK_MEM(r.st.last_upload, data, big);

  r.st.download_len = big;
  Sbwire__V1__Request g = SBWIRE__V1__REQUEST__INIT;
  Sbwire__V1__ClipboardGetRequest cg = SBWIRE__V1__CLIPBOARD_GET_REQUEST__INIT;
  g.body_case = SBWIRE__V1__REQUEST__BODY_CLIPBOARD_GET;
  g.clipboard_get = &cg;
  CHECK_OK(sb_rpc_call(r.client, &g, 60000, NULL, 0, &res));
  CHECK_OK(sb_rpc_result_err(&res, NULL));
  CHECK_EQ(res.len, big);
  uint8_t *want = malloc(big);
  sbtest_fill(want, big, 7);
  CHECK_MEM(res.data, want, big);
  sb_rpc_result_free(&res);
  free(want);
  free(data);
  rig_close(&r);
}

SB_TEST(rpc_upload_and_download) { rpc_upload_and_download_in(1); }

/* The same with caller_reads: no client reader thread. */
SB_TEST(rpc_upload_and_download_caller_reads) { rpc_upload_and_download_in(2); }

/* protocol.md, Transfers: a download of total_size 0 is followed by one
 * empty chunk with last. The receiver has the answer at the declaration;
 * that chunk, read before or after the caller took the answer, must not
 * end the connection: every call and the pings between them succeed. */
static void rpc_empty_download_in(int mode) {
  rig_t r;
  rig_open(&r, mode);
  r.st.download_len = 0;
  Sbwire__V1__Request g = SBWIRE__V1__REQUEST__INIT;
  Sbwire__V1__ClipboardGetRequest cg = SBWIRE__V1__CLIPBOARD_GET_REQUEST__INIT;
  g.body_case = SBWIRE__V1__REQUEST__BODY_CLIPBOARD_GET;
  g.clipboard_get = &cg;
  for (int i = 0; i < 20; i++) {
    sb_rpc_result_t res;
    CHECK_OK(sb_rpc_call(r.client, &g, 5000, NULL, 0, &res));
    CHECK_OK(sb_rpc_result_err(&res, NULL));
    CHECK_EQ(res.len, 0);
    sb_rpc_result_free(&res);
    CHECK_OK(ping(r.client, 5000));
  }
  CHECK_EQ(r.st.closed, 0);
  rig_close(&r);
}

SB_TEST(rpc_empty_download) { rpc_empty_download_in(1); }

/* The same with caller_reads: no client reader thread. */
SB_TEST(rpc_empty_download_caller_reads) { rpc_empty_download_in(2); }

static void raw_upload_start(rig_t *r, uint64_t id, uint64_t total) {
  raw_decl(r, id, id, total, NULL);
}

static void raw_chunk(rig_t *r, uint64_t id, uint64_t off, size_t len,
                      int last) {
  static uint8_t buf[1000];
  Sbwire__V1__Envelope env;
  Sbwire__V1__TransferChunk c;
  sbt_chunk_env(&env, &c, id, off, buf, len, last);
  raw_send(r, &env);
}

SB_TEST(rpc_upload_cut_off) {
  /* threats.md §3.19: EOF at chunk 3 of 5 leaves the target untouched:
   * the handler never sees a partial upload. */
  rig_t r;
  rig_open(&r, 0);
  raw_upload_start(&r, 1, 5000);
  for (int i = 0; i < 3; i++)
    raw_chunk(&r, 1, (uint64_t)i * 1000, 1000, 0);
  sbt_end_shutdown(r.p.cend);
  CHECK(wait_for(&r.st, &r.st.closed, 1));
  CHECK_EQ(r.st.served, 0);
  CHECK(r.st.last_upload == NULL);
  rig_close(&r);
}

SB_TEST(rpc_chunk_beyond_total) {
  rig_t r;
  rig_open(&r, 0);
  raw_upload_start(&r, 1, 1500);
  raw_chunk(&r, 1, 0, 1000, 0);
  raw_chunk(&r, 1, 1000, 1000, 1); /* 2000 > 1500 declared */
  CHECK(wait_for(&r.st, &r.st.closed, 1));
  CHECK_EQ(r.st.close_err, SB_EPROTO);
  CHECK_EQ(r.st.served, 0);
  rig_close(&r);
}

SB_TEST(rpc_upload_over_cap) {
  rig_t r;
  rig_open(&r, 0);
  raw_upload_start(&r, 1, (uint64_t)SB_CLIPBOARD_MAX + 1);
  sb_msg_t *m;
  int err = sb_channel_recv_envelope(r.p.client, &m, sbtest_ms(2000), NULL);
  /* Either validation refuses the declaration at once (connection
   * dropped) or the rpc answers TOO_LARGE; never accepted. */
  if (err == 0) {
    CHECK_EQ(sb_msg_envelope(m)->body_case, SBWIRE__V1__ENVELOPE__BODY_ERROR);
    CHECK_EQ(sb_msg_envelope(m)->error->status,
             SBWIRE__V1__STATUS__STATUS_TOO_LARGE);
    sb_msg_free(m);
  } else {
    CHECK(wait_for(&r.st, &r.st.closed, 1));
  }
  CHECK_EQ(r.st.served, 0);
  rig_close(&r);
}

SB_TEST(rpc_unknown_response_id) {
  /* threats.md §3.31: an answer to a request never made drops the
   * connection. */
  rig_t r;
  rig_open(&r, 0);
  Sbwire__V1__Envelope env = SBWIRE__V1__ENVELOPE__INIT;
  Sbwire__V1__Response rsp = SBWIRE__V1__RESPONSE__INIT;
  Sbwire__V1__PingResponse p = SBWIRE__V1__PING_RESPONSE__INIT;
  rsp.body_case = SBWIRE__V1__RESPONSE__BODY_PING;
  rsp.ping = &p;
  env.request_id = 42;
  env.body_case = SBWIRE__V1__ENVELOPE__BODY_RESPONSE;
  env.response = &rsp;
  raw_send(&r, &env);
  CHECK(wait_for(&r.st, &r.st.closed, 1));
  CHECK_EQ(r.st.close_err, SB_EPROTO);
  rig_close(&r);
}

SB_TEST(rpc_duplicate_request_id) {
  rig_t r;
  rig_open(&r, 0);
  r.st.mode = 1;
  raw_ping(&r, 5);
  raw_ping(&r, 5);
  CHECK(wait_for(&r.st, &r.st.closed, 1));
  CHECK_EQ(r.st.close_err, SB_EPROTO);
  rig_close(&r);
}

static void rpc_peer_lost_mid_call_in(int mode) {
  rig_t r;
  rig_open(&r, mode);
  r.st.mode = 1;
  call_slot_t slot = {1, 0, r.client};
  sb_thread_t *t;
  CHECK_OK(sb_thread_create(&t, call_thread, &slot, 0));
  CHECK(wait_for(&r.st, &r.st.n_held, 1));
  /* The server side vanishes without a final frame. */
  sbt_end_shutdown(r.p.send);
  sb_thread_join(t);
  CHECK_ERR(slot.res, SB_ETRUNC);
  rig_close(&r);
}

SB_TEST(rpc_peer_lost_mid_call) { rpc_peer_lost_mid_call_in(1); }

/* The same with caller_reads: no client reader thread. */
SB_TEST(rpc_peer_lost_mid_call_caller_reads) { rpc_peer_lost_mid_call_in(2); }

/* caller_reads with several callers at once: whoever reads routes the
 * others' answers and hands over; every call gets its own answer. */
typedef struct {
  sb_rpc_t *rpc;
  int failures;
} pinger_t;

static void pinger(void *arg) {
  pinger_t *pg = arg;
  for (int i = 0; i < 300; i++)
    if (ping(pg->rpc, 5000) != 0)
      pg->failures++;
}

SB_TEST(rpc_caller_reads_concurrent) {
  rig_t r;
  pinger_t pg[4];
  sb_thread_t *t[4];
  rig_open(&r, 2);
  for (int i = 0; i < 4; i++) {
    pg[i].rpc = r.client;
    pg[i].failures = 0;
    CHECK_OK(sb_thread_create(&t[i], pinger, &pg[i], 0));
  }
  for (int i = 0; i < 4; i++) {
    sb_thread_join(t[i]);
    CHECK_EQ(pg[i].failures, 0);
  }
  CHECK_EQ(r.st.served, 4 * 300);
  rig_close(&r);
}

/* The connection still serves the raw client: a ping is answered. */
static void expect_raw_ping(rig_t *r, uint64_t id) {
  sb_msg_t *m;
  raw_ping(r, id);
  CHECK_OK(sb_channel_recv_envelope(r->p.client, &m, sbtest_ms(2000), NULL));
  CHECK_EQ(sb_msg_envelope(m)->request_id, id);
  CHECK_EQ(sb_msg_envelope(m)->body_case, SBWIRE__V1__ENVELOPE__BODY_RESPONSE);
  sb_msg_free(m);
}

/* Inconsistent transfer declarations are answered INVALID naming the
 * problem, the chunks sent after them are discarded, and the connection
 * goes on (a transfer_id other than the request id used to close it; a
 * declaration with inline data had the data silently dropped). */
SB_TEST(rpc_transfer_declaration_invalid) {
  rig_t r;
  rig_open(&r, 0);
  raw_decl(&r, 1, 3, 1000, NULL);
  raw_chunk(&r, 1, 0, 1000, 1);
  expect_error(&r, 1, SBWIRE__V1__STATUS__STATUS_INVALID,
               "transfer_id must equal the request id");
  raw_decl(&r, 3, 3, 1000, "abc");
  raw_chunk(&r, 3, 0, 1000, 1);
  expect_error(&r, 3, SBWIRE__V1__STATUS__STATUS_INVALID, "inline data");
  /* A size with no transfer declares nothing: refused, not taken as
   * inline (it used to be ignored). */
  raw_decl(&r, 5, 0, 5, "abc");
  expect_error(&r, 5, SBWIRE__V1__STATUS__STATUS_INVALID,
               "total_size is set but transfer_id is 0");
  expect_raw_ping(&r, 7);
  CHECK_EQ(r.st.closed, 0);
  CHECK(r.st.last_upload == NULL); /* neither reached the handler */
  rig_close(&r);
}

/* A third upload while two are being received is BUSY, and the detail
 * says it is the upload cap (it used to say "too many outstanding
 * requests", with 2 requests outstanding). */
SB_TEST(rpc_upload_cap_busy_detail) {
  rig_t r;
  rig_open(&r, 0);
  raw_decl(&r, 1, 1, 2000, NULL);
  raw_decl(&r, 3, 3, 2000, NULL);
  raw_decl(&r, 5, 5, 2000, NULL);
  expect_error(&r, 5, SBWIRE__V1__STATUS__STATUS_BUSY,
               "2 uploads are already being received");
  raw_chunk(&r, 5, 0, 1000, 0); /* its chunks are discarded */
  raw_chunk(&r, 1, 0, 1000, 0);
  raw_chunk(&r, 1, 1000, 1000, 1);
  sb_msg_t *m;
  CHECK_OK(sb_channel_recv_envelope(r.p.client, &m, sbtest_ms(2000), NULL));
  CHECK_EQ(sb_msg_envelope(m)->request_id, 1);
  CHECK_EQ(sb_msg_envelope(m)->body_case, SBWIRE__V1__ENVELOPE__BODY_RESPONSE);
  sb_msg_free(m);
  CHECK_EQ(r.st.last_upload_len, 2000);
  expect_raw_ping(&r, 7);
  rig_close(&r);
}
