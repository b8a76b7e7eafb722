/* SPDX-License-Identifier: MIT */
/* The connection server: the cap refuses past it and recovers, and stop
 * interrupts live connections. */
#include "rig.h"
#include "sbtest.h"
#include "sessionbridge.h"

static sb_server_t *start(const char *tag, char *ep, size_t cap, int max) {
  return sbt_serve(tag, ep, cap, max, sbt_hold);
}

static int wait_active(sb_server_t *srv, int n) {
  return sbt_wait_server(srv, n, 0, 3000);
}

SB_TEST(server_cap_refuses_and_recovers) {
  char ep[256];
  sb_stream_t *c[6];
  uint8_t b;
  size_t n;
  sb_server_t *srv = start("cap", ep, sizeof ep, 4);
  for (int i = 0; i < 4; i++)
    CHECK_OK(sb_stream_connect(&c[i], ep, sbtest_ms(5000)));
  CHECK(wait_active(srv, 4));
  /* The fifth is accepted and closed at once. */
  CHECK_OK(sb_stream_connect(&c[4], ep, sbtest_ms(5000)));
  CHECK_ERR(sb_stream_read(c[4], &b, 1, &n, sbtest_ms(3000)), SB_EOF);
  CHECK(sb_server_refused(srv) >= 1);
  /* One leaves; a new client fits again. */
  sb_stream_close(c[0]);
  CHECK(wait_active(srv, 3));
  CHECK_OK(sb_stream_connect(&c[5], ep, sbtest_ms(5000)));
  CHECK(wait_active(srv, 4));
  sb_server_stop(srv);
  for (int i = 1; i < 6; i++)
    sb_stream_close(c[i]);
}

SB_TEST(server_stop_interrupts_connections) {
  char ep[256];
  sb_stream_t *c[3];
  sb_server_t *srv = start("stop", ep, sizeof ep, 0);
  for (int i = 0; i < 3; i++)
    CHECK_OK(sb_stream_connect(&c[i], ep, sbtest_ms(5000)));
  CHECK(wait_active(srv, 3));
  uint64_t t0 = sb_now_ms();
  sb_server_stop(srv); /* would hang if the held reads were not woken */
  CHECK(sb_now_ms() - t0 < (uint64_t)sbtest_ms(3000));
  for (int i = 0; i < 3; i++)
    sb_stream_close(c[i]);
}

SB_TEST(server_500_connections_capped) {
  /* threats.md §3.34: 500 connections from one client are refused past
   * the cap, and a new client still gets in once they go. */
  char ep[256];
  enum { N = 500, CAP = 64 };
  static sb_stream_t *c[N];
  int ok = 0;
  sb_server_t *srv = start("many", ep, sizeof ep, CAP);
  for (int i = 0; i < N; i++)
    if (sb_stream_connect(&c[i], ep, sbtest_ms(2000)) == 0)
      ok++;
  /* Every connect got through (the server drains its backlog), and each
   * one past the cap is accepted and refused, not left queued. */
  CHECK_EQ(ok, N);
  CHECK(wait_active(srv, CAP));
  CHECK(sbt_wait_server(srv, -1, N - CAP, 5000));
  CHECK_EQ(sb_server_active(srv), CAP);
  for (int i = 0; i < N; i++)
    if (c[i])
      sb_stream_close(c[i]);
  CHECK(wait_active(srv, 0));
  sb_stream_t *late;
  CHECK_OK(sb_stream_connect(&late, ep, sbtest_ms(5000)));
  CHECK(wait_active(srv, 1));
  sb_stream_close(late);
  sb_server_stop(srv);
}
