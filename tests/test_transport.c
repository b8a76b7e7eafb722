/* SPDX-License-Identifier: MIT */
/* The transport on its own: connect/accept/echo, deadlines, interrupts,
 * end of stream, peer identity (named pipes under Wine, Unix sockets
 * natively). */
#include "sbtest.h"
#include "sessionbridge.h"

static sb_listen_opts_t opts = {"D:P(A;;GA;;;SY)(A;;GA;;;BA)(A;;GA;;;WD)",
                                0600, -1, 0};

typedef struct {
  sb_listener_t *l;
  sb_stream_t *s;
  int err;
} acc_t;

static void accept_thread(void *arg) {
  acc_t *a = arg;
  a->err = sb_listener_accept(a->l, &a->s, sbtest_ms(5000));
}

static void pair(const char *tag, sb_listener_t **l, sb_stream_t **c,
                 sb_stream_t **s) {
  char ep[256];
  acc_t a = {0};
  sb_thread_t *t;
  sbtest_endpoint(tag, ep, sizeof ep);
  CHECK_OK(sb_listener_open(l, ep, &opts));
  a.l = *l;
  CHECK_OK(sb_thread_create(&t, accept_thread, &a, 0));
  CHECK_OK(sb_stream_connect(c, ep, sbtest_ms(5000)));
  sb_thread_join(t);
  CHECK_OK(a.err);
  *s = a.s;
}

typedef struct {
  sb_stream_t *s;
  int err;
} w_t;

static void writer(void *arg) {
  w_t *w = arg;
  static uint8_t big[300000];
  sbtest_fill(big, sizeof big, 9);
  w->err = sb_stream_write(w->s, big, sizeof big, 5000);
}

SB_TEST(transport_echo_both_ways) {
  sb_listener_t *l;
  sb_stream_t *c, *s;
  static uint8_t big[300000], got[300000];
  size_t off = 0, n;
  pair("echo", &l, &c, &s);
  sbtest_fill(big, sizeof big, 9);
  CHECK_OK(sb_stream_write(c, "hi", 2, 1000));
  CHECK_OK(sb_stream_read(s, got, sizeof got, &n, 1000));
  CHECK_EQ(n, 2);
  /* More than any pipe or socket buffer, written on a thread while this
   * one drains it. */
  w_t w = {s, 0};
  sb_thread_t *t;
  CHECK_OK(sb_thread_create(&t, writer, &w, 0));
  while (off < sizeof got) {
    CHECK_OK(sb_stream_read(c, got + off, sizeof got - off, &n, 5000));
    off += n;
  }
  sb_thread_join(t);
  CHECK_OK(w.err);
  CHECK_MEM(got, big, sizeof big);
  sb_stream_close(c);
  sb_stream_close(s);
  sb_listener_close(l);
}

SB_TEST(transport_read_timeout) {
  sb_listener_t *l;
  sb_stream_t *c, *s;
  uint8_t b;
  size_t n;
  pair("timeout", &l, &c, &s);
  uint64_t t0 = sb_now_ms();
  CHECK_ERR(sb_stream_read(s, &b, 1, &n, 150), SB_ETIMEDOUT);
  CHECK(sb_now_ms() - t0 >= 120);
  /* The stream still works after a timeout. */
  CHECK_OK(sb_stream_write(c, "z", 1, 1000));
  CHECK_OK(sb_stream_read(s, &b, 1, &n, 1000));
  CHECK_EQ(b, 'z');
  sb_stream_close(c);
  sb_stream_close(s);
  sb_listener_close(l);
}

typedef struct {
  sb_stream_t *s;
  int err;
} rd_t;

static void blocked_read(void *arg) {
  rd_t *r = arg;
  uint8_t b;
  size_t n;
  r->err = sb_stream_read(r->s, &b, 1, &n, -1);
}

SB_TEST(transport_interrupt_wakes_read_and_accept) {
  sb_listener_t *l;
  sb_stream_t *c, *s, *x = NULL;
  sb_thread_t *t;
  rd_t r = {0, 0};
  pair("intr", &l, &c, &s);
  r.s = s;
  CHECK_OK(sb_thread_create(&t, blocked_read, &r, 0));
  sb_sleep_ms(100);
  sb_stream_interrupt(s);
  sb_thread_join(t);
  CHECK_ERR(r.err, SB_ECANCELED);
  sb_listener_interrupt(l);
  CHECK_ERR(sb_listener_accept(l, &x, 5000), SB_ECANCELED);
  sb_stream_close(c);
  sb_stream_close(s);
  sb_listener_close(l);
}

SB_TEST(transport_eof_on_peer_close) {
  sb_listener_t *l;
  sb_stream_t *c, *s;
  uint8_t b;
  size_t n;
  pair("eof", &l, &c, &s);
  sb_stream_close(c);
  CHECK_ERR(sb_stream_read(s, &b, 1, &n, 2000), SB_EOF);
  sb_stream_close(s);
  sb_listener_close(l);
}

SB_TEST(transport_peer_identity) {
  sb_listener_t *l;
  sb_stream_t *c, *s;
  sb_peer_t p;
  uint32_t spid = 0;
  pair("peer", &l, &c, &s);
  CHECK_OK(sb_stream_peer(s, &p));
  CHECK_EQ(p.pid, sb_getpid());
  CHECK_OK(sb_stream_server_pid(c, &spid));
  CHECK_EQ(spid, sb_getpid());
  sb_stream_close(c);
  sb_stream_close(s);
  sb_listener_close(l);
}

SB_TEST(transport_connect_missing_endpoint) {
  char ep[256];
  sb_stream_t *c;
  sbtest_endpoint("nobody", ep, sizeof ep);
  CHECK_ERR(sb_stream_connect(&c, ep, 200), SB_ENOENT);
}
