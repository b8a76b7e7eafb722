/* SPDX-License-Identifier: MIT */
/* The agent's chunk sender (agent/core/chunk_sender.c): a download of
 * unknown size sent from a thread of its own while the producer goes
 * on. The receiver is a real client rpc over an in-memory pair. */
#include "chunk_sender.h"
#include "pair.h"
#include "rig.h"
#include "sbtest.h"

#define CHUNK SB_MSG_CHUNK_MAX

/* How the server's handler produces its download. */
typedef struct {
  int pieces;      /* full pieces, then one short last piece */
  int end_early;   /* no last piece: finish, then an Error */
  int push_after;  /* push once more after last: must be refused */
  int pushes_ok;   /* pushes that returned 0 */
  int after_err;   /* what the push after last returned */
  int finish_err;
  sb_mutex_t *lock;
  int handled;
} prod_t;

static void produce(void *arg, sb_rpc_t *rpc, sb_rpc_incoming_t *in) {
  prod_t *pr = arg;
  Sbwire__V1__Response rsp = SBWIRE__V1__RESPONSE__INIT;
  Sbwire__V1__ScreenshotResponse s = SBWIRE__V1__SCREENSHOT_RESPONSE__INIT;
  sb_chunk_sender_t *snd = NULL;
  uint8_t *piece = malloc(CHUNK);
  int ok = 0;
  rsp.body_case = SBWIRE__V1__RESPONSE__BODY_SCREENSHOT;
  rsp.screenshot = &s;
  CHECK_OK(sb_rpc_respond_begin(rpc, in, &rsp, SB_RPC_SIZE_UNKNOWN));
  CHECK_OK(sb_chunk_sender_start(&snd, rpc, in));
  for (int i = 0; i <= pr->pieces; i++) {
    int last = i == pr->pieces;
    if (last && pr->end_early)
      break;
    /* The buffer is reused at once: the sender must have copied it. */
    sbtest_fill(piece, CHUNK, (uint32_t)i);
    ok += sb_chunk_sender_push(snd, piece, last ? 100 : CHUNK, last) == 0;
    memset(piece, 0xee, CHUNK);
  }
  if (pr->push_after)
    pr->after_err = sb_chunk_sender_push(snd, piece, 1, 0);
  pr->finish_err = sb_chunk_sender_finish(snd);
  if (pr->end_early)
    sb_rpc_respond_error(rpc, in, SB_ETOOBIG, "over the cap");
  free(piece);
  sb_mutex_lock(pr->lock);
  pr->pushes_ok = ok;
  pr->handled = 1;
  sb_mutex_unlock(pr->lock);
}

typedef struct {
  sbt_pair_t p;
  sb_rpc_t *client, *server;
  prod_t pr;
} srig_t;

static void srig_open(srig_t *r) {
  sbt_pair_new(&r->p, sbt_psk_a, sbt_psk_a, sbtest_ms(2000));
  sbt_pair_handshake(&r->p);
  CHECK_OK(r->p.client_err);
  CHECK_OK(sb_mutex_new(&r->pr.lock));
  sb_rpc_opts_t so = {produce, NULL, &r->pr, NULL, 0, 0};
  CHECK_OK(sb_rpc_start(&r->server, r->p.server, &so));
  r->p.server = NULL;
  sb_rpc_opts_t co = {NULL, NULL, NULL, NULL, 0, 0};
  CHECK_OK(sb_rpc_start(&r->client, r->p.client, &co));
  r->p.client = NULL;
}

static void srig_close(srig_t *r) {
  sb_rpc_stop(r->client);
  sbt_end_shutdown(r->p.send);
  sb_rpc_stop(r->server);
  sb_mutex_free(r->pr.lock);
  sbt_pair_free(&r->p);
}

static int shot(srig_t *r, sb_rpc_result_t *res) {
  Sbwire__V1__Request req;
  Sbwire__V1__ScreenshotRequest s;
  sbt_shot_all(&req, &s);
  int err = sb_rpc_call(r->client, &req, (uint32_t)sbtest_ms(10000), NULL, 0,
                        res);
  return err ? err : sb_rpc_result_err(res, NULL);
}

static void wait_handled(srig_t *r) {
  for (int i = 0; i < 500 && !sb_mutex_read_int(r->pr.lock, &r->pr.handled);
       i++)
    sb_sleep_ms(10);
  CHECK(sb_mutex_read_int(r->pr.lock, &r->pr.handled));
}

/* More pieces than the queue holds arrive whole and in order, though the
 * producer reuses its buffer; a push after the last is refused. */
SB_TEST(chunk_sender_download) {
  srig_t r;
  sb_rpc_result_t res;
  memset(&r, 0, sizeof r);
  r.pr.pieces = 3 * SB_CHUNK_SENDER_DEPTH;
  r.pr.push_after = 1;
  srig_open(&r);
  CHECK_OK(shot(&r, &res));
  CHECK(res.env->response->size_unknown);
  CHECK_EQ(res.len, (size_t)r.pr.pieces * CHUNK + 100);
  uint8_t *want = malloc(CHUNK);
  for (int i = 0; i <= r.pr.pieces; i++) {
    size_t n = i == r.pr.pieces ? 100 : CHUNK;
    sbtest_fill(want, CHUNK, (uint32_t)i);
    CHECK_MEM(res.data + (size_t)i * CHUNK, want, n);
  }
  free(want);
  sb_rpc_result_free(&res);
  wait_handled(&r);
  CHECK_EQ(r.pr.pushes_ok, r.pr.pieces + 1);
  CHECK_ERR(r.pr.after_err, SB_EINVAL);
  CHECK_OK(r.pr.finish_err);
  srig_close(&r);
}

/* finish without a last piece leaves the answer to the caller: its Error
 * ends the download after the chunks already queued, and the client gets
 * that status and no data. */
SB_TEST(chunk_sender_ended_early) {
  srig_t r;
  sb_rpc_result_t res;
  memset(&r, 0, sizeof r);
  r.pr.pieces = 2 * SB_CHUNK_SENDER_DEPTH;
  r.pr.end_early = 1;
  srig_open(&r);
  CHECK_ERR(shot(&r, &res), SB_ETOOBIG);
  CHECK(res.data == NULL);
  sb_rpc_result_free(&res);
  wait_handled(&r);
  CHECK_EQ(r.pr.pushes_ok, r.pr.pieces);
  CHECK_OK(r.pr.finish_err);
  /* No chunk came after the Error (it would be late, or close). */
  sb_sleep_ms(100);
  CHECK_EQ(sb_rpc_late_answers(r.client), 0);
  CHECK(!sb_rpc_closed(r.client));
  srig_close(&r);
}

SB_TEST(chunk_sender_bad_args) {
  sb_chunk_sender_t *s = (sb_chunk_sender_t *)1;
  uint8_t b[1] = {0};
  CHECK_ERR(sb_chunk_sender_start(&s, NULL, NULL), SB_EINVAL);
  CHECK_ERR(sb_chunk_sender_push(NULL, b, 1, 0), SB_EINVAL);
  CHECK_ERR(sb_chunk_sender_finish(NULL), SB_EINVAL);
}
