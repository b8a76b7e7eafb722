/* SPDX-License-Identifier: MIT */
/* Out of file descriptors (threats.md §3.34, the POSIX side): a process at
 * its RLIMIT_NOFILE must still take pending connections off the backlog and
 * close them (counted as refused), not leave them queued while poll reports
 * them again and again; and it serves again once descriptors are free. */
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "rig.h"
#include "sbtest.h"
#include "sessionbridge.h"

static sb_listen_opts_t opts = {NULL, 0600, -1, 0};

/* valgrind keeps descriptors of its own and emulates the limit: the test
 * hangs there and would measure valgrind, not us. Called first, before any
 * thread exists, so the skip leaves nothing behind. */
static void skip_under_valgrind(void) {
  const char *pre = getenv("LD_PRELOAD");
  if (pre && strstr(pre, "vgpreload"))
    sbtest_skip("valgrind emulates RLIMIT_NOFILE; covered by the native "
                "and ASan runs");
}

/* Lower the soft limit so that exactly `spare` more descriptors can be
 * opened (the lowest free number decides what open() returns). */
static void limit_to(struct rlimit *saved, int spare) {
  struct rlimit r;
  int fd = dup(0);
  CHECK(fd >= 0);
  close(fd);
  CHECK(getrlimit(RLIMIT_NOFILE, saved) == 0);
  r = *saved;
  r.rlim_cur = (rlim_t)(fd + spare);
  CHECK(setrlimit(RLIMIT_NOFILE, &r) == 0);
}

static void restore(const struct rlimit *saved) {
  CHECK(setrlimit(RLIMIT_NOFILE, saved) == 0);
}

SB_TEST(socket_accept_out_of_fds_drops_pending) {
  char ep[256];
  sb_listener_t *l;
  sb_stream_t *c[3], *s = NULL;
  struct rlimit saved;
  uint8_t b;
  size_t n;
  skip_under_valgrind();
  sbtest_endpoint("nofd", ep, sizeof ep);
  CHECK_OK(sb_listener_open(&l, ep, &opts));
  for (int i = 0; i < 3; i++)
    CHECK_OK(sb_stream_connect(&c[i], ep, 2000));
  limit_to(&saved, 0);
  /* Two pending connections, no descriptor to accept them into: each is
   * taken and closed, one per call, so the caller can count it. */
  CHECK_ERR(sb_listener_accept(l, &s, 1000), SB_ELIMIT);
  CHECK(s == NULL);
  CHECK_ERR(sb_listener_accept(l, &s, 1000), SB_ELIMIT);
  restore(&saved);
  CHECK_ERR(sb_stream_read(c[0], &b, 1, &n, 2000), SB_EOF);
  CHECK_ERR(sb_stream_read(c[1], &b, 1, &n, 2000), SB_EOF);
  /* With descriptors back, the third is accepted normally. */
  CHECK_OK(sb_listener_accept(l, &s, 1000));
  CHECK_OK(sb_stream_write(s, "k", 1, 1000));
  CHECK_OK(sb_stream_read(c[2], &b, 1, &n, 2000));
  CHECK_EQ(b, 'k');
  sb_stream_close(s);
  for (int i = 0; i < 3; i++)
    sb_stream_close(c[i]);
  sb_listener_close(l);
}

SB_TEST(server_out_of_fds_refuses_and_recovers) {
  char ep[256];
  sb_server_t *srv;
  sb_stream_t *c[4];
  struct rlimit saved;
  uint8_t b;
  size_t n;
  skip_under_valgrind();
  srv = sbt_serve("nofdsrv", ep, sizeof ep, 64, sbt_hold);
  for (int i = 0; i < 2; i++)
    CHECK_OK(sb_stream_connect(&c[i], ep, 2000));
  CHECK(sbt_wait_server(srv, 2, 0, 3000));
  /* Room for the client's socket only: the server cannot accept it. */
  limit_to(&saved, 1);
  CHECK_OK(sb_stream_connect(&c[2], ep, 2000));
  CHECK(sbt_wait_server(srv, 2, 1, 3000));
  restore(&saved);
  CHECK_ERR(sb_stream_read(c[2], &b, 1, &n, 2000), SB_EOF);
  /* The two held connections were not disturbed, and a new one fits. */
  CHECK_OK(sb_stream_connect(&c[3], ep, 2000));
  CHECK(sbt_wait_server(srv, 3, 1, 3000));
  CHECK_ERR(sb_stream_read(c[0], &b, 1, &n, 50), SB_ETIMEDOUT);
  sb_server_stop(srv);
  for (int i = 0; i < 4; i++)
    sb_stream_close(c[i]);
}
