/* SPDX-License-Identifier: MIT */
/* The secure channel over the real transport (named pipe under Wine, Unix
 * socket natively): many concurrent clients each doing a handshake and a
 * stream of pings through sb_server, while silent clients sit idle. */
#include "pair.h"
#include "rig.h"
#include "sbtest.h"

static const uint8_t *psk = sbt_psk_a;

typedef struct {
  sb_mutex_t *lock;
  sb_cond_t *cond;
  int closed;
} conn_wait_t;

static void conn_closed(void *arg, sb_rpc_t *rpc, int err) {
  conn_wait_t *w = arg;
  (void)rpc;
  (void)err;
  sb_mutex_lock(w->lock);
  w->closed = 1;
  sb_cond_broadcast(w->cond);
  sb_mutex_unlock(w->lock);
}

/* Server side of one connection: handshake, serve pings until the client
 * closes. */
static void on_conn(void *arg, sb_stream_t *s) {
  sb_io_t io = sb_stream_io(s);
  sb_channel_opts_t opts = {SB_ROLE_SERVER, psk, sbtest_ms(3000),
                            sbtest_ms(3000)};
  sb_channel_t *ch;
  sb_rpc_t *rpc;
  conn_wait_t w = {0};
  (void)arg;
  if (sb_channel_new(&ch, &io, &opts))
    return;
  if (sb_channel_handshake(ch)) {
    sb_channel_free(ch);
    return;
  }
  sb_mutex_new(&w.lock);
  sb_cond_new(&w.cond);
  sb_rpc_opts_t ro = {sbt_pong, conn_closed, &w, s, 0, 0};
  if (sb_rpc_start(&rpc, ch, &ro) == 0) {
    sb_mutex_lock(w.lock);
    while (!w.closed)
      sb_cond_wait(w.cond, w.lock, -1);
    sb_mutex_unlock(w.lock);
    sb_rpc_stop(rpc);
  } else {
    sb_channel_free(ch);
  }
  sb_cond_free(w.cond);
  sb_mutex_free(w.lock);
}

typedef struct {
  const char *endpoint;
  int pings;
  int ok;
  int err;
} client_t;

static void client_main(void *arg) {
  client_t *c = arg;
  sb_stream_t *s = NULL;
  sb_channel_t *ch = NULL;
  sb_rpc_t *rpc = NULL;
  sb_channel_opts_t opts = {SB_ROLE_CLIENT, psk, sbtest_ms(10000),
                            sbtest_ms(5000)};
  sb_io_t io;
  c->err = sb_stream_connect(&s, c->endpoint, sbtest_ms(20000));
  if (c->err)
    return;
  io = sb_stream_io(s);
  c->err = sb_channel_new(&ch, &io, &opts);
  if (!c->err)
    c->err = sb_channel_handshake(ch);
  if (c->err) {
    sb_channel_free(ch);
    sb_stream_close(s);
    return;
  }
  sb_rpc_opts_t ro = {NULL, NULL, NULL, s, 0, 0};
  c->err = sb_rpc_start(&rpc, ch, &ro);
  for (int i = 0; !c->err && i < c->pings; i++) {
    Sbwire__V1__Request req = SBWIRE__V1__REQUEST__INIT;
    Sbwire__V1__PingRequest p = SBWIRE__V1__PING_REQUEST__INIT;
    uint8_t payload[64];
    sb_rpc_result_t res;
    sbtest_fill(payload, sizeof payload, (uint32_t)i);
    p.payload.data = payload;
    p.payload.len = sizeof payload;
    req.body_case = SBWIRE__V1__REQUEST__BODY_PING;
    req.ping = &p;
    c->err = sb_rpc_call(rpc, &req, (uint32_t)sbtest_ms(10000), NULL, 0, &res);
    if (c->err)
      break;
    c->err = sb_rpc_result_err(&res, NULL);
    if (!c->err && (res.env->response->ping->payload.len != sizeof payload ||
                    memcmp(res.env->response->ping->payload.data, payload,
                           sizeof payload)))
      c->err = SB_EPROTO;
    sb_rpc_result_free(&res);
    if (!c->err)
      c->ok++;
  }
  if (rpc)
    sb_rpc_stop(rpc);
  sb_stream_close(s);
}

static void run_clients(int n_clients, int pings, int n_silent) {
  char endpoint[256];
  sb_server_t *srv;
  sb_stream_t **silent = calloc((size_t)n_silent + 1, sizeof *silent);
  client_t *cl = calloc((size_t)n_clients, sizeof *cl);
  sb_thread_t **th = calloc((size_t)n_clients, sizeof *th);

  srv = sbt_serve("chanpipe", endpoint, sizeof endpoint,
                  n_clients + n_silent + 8, on_conn);
  /* Silent peers connect and never speak: they must not hold up anyone
   * else (each server connection has its own thread and deadline). */
  for (int i = 0; i < n_silent; i++)
    CHECK_OK(sb_stream_connect(&silent[i], endpoint, sbtest_ms(5000)));
  for (int i = 0; i < n_clients; i++) {
    cl[i].endpoint = endpoint;
    cl[i].pings = pings;
    CHECK_OK(sb_thread_create(&th[i], client_main, &cl[i], 0));
  }
  int total = 0;
  for (int i = 0; i < n_clients; i++) {
    sb_thread_join(th[i]);
    if (cl[i].err)
      fprintf(stderr, "client %d: %s after %d pings\n", i,
              sb_err_name(cl[i].err), cl[i].ok);
    CHECK_OK(cl[i].err);
    total += cl[i].ok;
  }
  CHECK_EQ(total, n_clients * pings);
  for (int i = 0; i < n_silent; i++)
    sb_stream_close(silent[i]);
  sb_server_stop(srv);
  free(silent);
  free(cl);
  free(th);
}

SB_TEST(channel_pipe_one_client) { run_clients(1, 100, 0); }

SB_TEST(channel_pipe_64_clients) { run_clients(64, 20, 8); }

SB_TEST(channel_pipe_256_clients) { run_clients(256, 3, 4); }

SB_TEST(channel_pipe_wrong_psk_refused) {
  /* A client with the wrong key fails; the server goes on serving. */
  char endpoint[256];
  sb_server_t *srv =
      sbt_serve("chanpsk", endpoint, sizeof endpoint, 0, on_conn);
  sb_stream_t *s;
  CHECK_OK(sb_stream_connect(&s, endpoint, sbtest_ms(5000)));
  sb_io_t io = sb_stream_io(s);
  sb_channel_opts_t opts = {SB_ROLE_CLIENT, sbt_psk_b, sbtest_ms(5000), 0};
  sb_channel_t *ch;
  CHECK_OK(sb_channel_new(&ch, &io, &opts));
  CHECK_ERR(sb_channel_handshake(ch), SB_EAUTH);
  sb_channel_free(ch);
  sb_stream_close(s);
  client_t good = {endpoint, 5, 0, 0};
  client_main(&good);
  CHECK_OK(good.err);
  CHECK_EQ(good.ok, 5);
  sb_server_stop(srv);
}
