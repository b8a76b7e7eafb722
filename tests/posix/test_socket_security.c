/* SPDX-License-Identifier: MIT */
/* POSIX endpoint safety (threats.md §3.40-41): socket mode read back,
 * pre-placed files and symlinks refused, unsafe directories refused, stale
 * sockets cleaned, and the agent peer check refusing a wrong pid. */
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "platform_posix.h"
#include "sbtest.h"
#include "sessionbridge.h"
#include "internal.h" /* sb__listener_describe, sb__listener_flags */

static sb_listen_opts_t opts = {NULL, 0600, -1, 0};

SB_TEST(socket_mode_readback) {
  char ep[256], got[128];
  sb_listener_t *l;
  sbtest_endpoint("mode", ep, sizeof ep);
  CHECK_OK(sb_listener_open(&l, ep, &opts));
  CHECK_OK(sb__listener_describe(l, got, sizeof got));
  CHECK(strncmp(got, "mode=0600 ", 10) == 0);
  sb_listener_close(l);
}

SB_TEST(socket_preplaced_file_refused) {
  char ep[256];
  sb_listener_t *l;
  sbtest_endpoint("file", ep, sizeof ep);
  int fd = open(ep, O_CREAT | O_WRONLY, 0600);
  CHECK(fd >= 0);
  close(fd);
  CHECK_ERR(sb_listener_open(&l, ep, &opts), SB_EEXIST);
  unlink(ep);
  /* A symlink pointing anywhere is refused too, never followed. */
  CHECK(symlink("/etc/passwd", ep) == 0);
  CHECK_ERR(sb_listener_open(&l, ep, &opts), SB_EEXIST);
  unlink(ep);
}

SB_TEST(socket_unsafe_directory_refused) {
  char dir[300], ep[320];
  sb_listener_t *l;
  snprintf(dir, sizeof dir, "%s/open", sbtest_tmpdir());
  CHECK(mkdir(dir, 0777) == 0);
  CHECK(chmod(dir, 0777) == 0);
  snprintf(ep, sizeof ep, "%s/x.sock", dir);
  CHECK_ERR(sb_listener_open(&l, ep, &opts), SB_EACCES);
  CHECK(chmod(dir, 0755) == 0);
  CHECK_OK(sb_listener_open(&l, ep, &opts));
  sb_listener_close(l);
}

SB_TEST(socket_stale_socket_replaced_live_refused) {
  char ep[256];
  sb_listener_t *l, *l2;
  struct sockaddr_un a;
  sbtest_endpoint("stale", ep, sizeof ep);
  /* A dead server's socket file: bound, never listening, closed. */
  int fd = socket(AF_UNIX, SOCK_STREAM, 0);
  memset(&a, 0, sizeof a);
  a.sun_family = AF_UNIX;
  CHECK(strlen(ep) < sizeof a.sun_path);
  memcpy(a.sun_path, ep, strlen(ep) + 1);
  CHECK(bind(fd, (struct sockaddr *)&a, sizeof a) == 0);
  close(fd);
  CHECK_OK(sb_listener_open(&l, ep, &opts));
  /* A live one is not taken over. */
  CHECK_ERR(sb_listener_open(&l2, ep, &opts), SB_EEXIST);
  sb_listener_close(l);
}

SB_TEST(socket_agent_peer_check_refuses_wrong_pid) {
  char ep[256];
  sb_listener_t *l;
  sb_stream_t *c, *s;
  sb_posix_platform_t pp;
  sb_svc_platform_t plat;
  int admin = -1;
  sbtest_endpoint("peer", ep, sizeof ep);
  CHECK_OK(sb_listener_open(&l, ep, &opts));
  CHECK_OK(sb_stream_connect(&c, ep, 1000));
  CHECK_OK(sb_listener_accept(l, &s, 1000));
  sb_posix_platform_init(&pp, "/nonexistent/sbagent", &plat);
  CHECK_OK(plat.check_agent_peer(plat.ctx, s, sb_getpid(), 1));
  CHECK_ERR(plat.check_agent_peer(plat.ctx, s, sb_getpid() + 1, 1), SB_EPEER);
  CHECK_OK(sb_stream_peer_is_admin(s, &admin));
  CHECK_EQ(admin, geteuid() == 0);
  sb_stream_close(c);
  sb_stream_close(s);
  sb_listener_close(l);
}
