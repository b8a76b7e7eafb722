/* What the transport asks the OS for, read back from the OS: on Windows
 * the DACL every pipe instance carries and the CreateNamedPipeW flags
 * (Wine enforces neither, wine.md), on POSIX the socket file's mode and
 * owner. Portable: the platform only decides which value is expected. */
#include "sbtest.h"
#include "sbtest_platform.h"
#include "sessionbridge.h"

/* Deny NETWORK first, SYSTEM full access, interactive users read/write
 * without FILE_CREATE_PIPE_INSTANCE (OpenSSH's 0x12019b). Specific rights
 * (FA), not generic ones (GA): Windows maps generic rights to specific
 * ones when it creates the pipe, so only these read back unchanged on
 * both Windows and Wine. */
#define SDDL "D:P(D;;FA;;;NU)(A;;FA;;;SY)(A;;0x12019b;;;IU)"

/* winbase.h values, spelled out so this file stays portable. */
#define PIPE_ACCESS_DUPLEX_ 0x00000003u
#define FILE_FLAG_OVERLAPPED_ 0x40000000u
#define FILE_FLAG_FIRST_PIPE_INSTANCE_ 0x00080000u
#define PIPE_TYPE_MESSAGE_ 0x00000004u
#define PIPE_NOWAIT_ 0x00000001u
#define PIPE_REJECT_REMOTE_CLIENTS_ 0x00000008u

static sb_listen_opts_t opts = {SDDL, 0640, -1, 0};

static void expect_described(sb_listener_t *l) {
  char got[512];
  CHECK_OK(sb_listener_describe(l, got, sizeof got));
  if (sbtest_is_windows()) {
    if (strcmp(got, SDDL) != 0)
      sbtest_fail(__FILE__, __LINE__, "DACL read back == " SDDL, got);
  } else {
    /* The mode asked for, exactly, on a socket we own. */
    CHECK(strncmp(got, "mode=0640 uid=", 14) == 0);
  }
}

SB_TEST(sddl_listener_dacl_readback) {
  char ep[256];
  sb_listener_t *l;
  sbtest_endpoint("sddl", ep, sizeof ep);
  CHECK_OK(sb_listener_open(&l, ep, &opts));
  expect_described(l);
  sb_listener_close(l);
}

typedef struct {
  sb_listener_t *l;
  sb_stream_t *s;
  int err;
} acc_t;

static void accept_one(void *arg) {
  acc_t *a = arg;
  a->err = sb_listener_accept(a->l, &a->s, sbtest_ms(5000));
}

SB_TEST(sddl_every_instance_keeps_dacl) {
  /* After clients have taken instances, the one now listening was made
   * by accept, not by open: it must carry the same DACL. */
  char ep[256];
  sb_listener_t *l;
  sb_stream_t *c[2];
  sb_thread_t *t;
  acc_t a[2];
  sbtest_endpoint("sddl2", ep, sizeof ep);
  CHECK_OK(sb_listener_open(&l, ep, &opts));
  for (int i = 0; i < 2; i++) {
    memset(&a[i], 0, sizeof a[i]);
    a[i].l = l;
    CHECK_OK(sb_thread_create(&t, accept_one, &a[i], 0));
    CHECK_OK(sb_stream_connect(&c[i], ep, sbtest_ms(5000)));
    sb_thread_join(t);
    CHECK_OK(a[i].err);
    expect_described(l);
  }
  for (int i = 0; i < 2; i++) {
    sb_stream_close(c[i]);
    sb_stream_close(a[i].s);
  }
  sb_listener_close(l);
}

SB_TEST(sddl_listener_flags) {
  char ep[256];
  sb_listener_t *l;
  uint32_t open_mode = 0xdead, pipe_mode = 0xbeef;
  sbtest_endpoint("flags", ep, sizeof ep);
  CHECK_OK(sb_listener_open(&l, ep, &opts));
  CHECK_OK(sb_listener_flags(l, &open_mode, &pipe_mode));
  if (sbtest_is_windows()) {
    /* Exactly these: a squatter check on the first instance, overlapped
     * I/O for deadlines, byte mode, blocking, remote clients refused. */
    CHECK_EQ(open_mode, PIPE_ACCESS_DUPLEX_ | FILE_FLAG_OVERLAPPED_ |
                            FILE_FLAG_FIRST_PIPE_INSTANCE_);
    CHECK(pipe_mode & PIPE_REJECT_REMOTE_CLIENTS_);
    CHECK((pipe_mode & (PIPE_TYPE_MESSAGE_ | PIPE_NOWAIT_)) == 0);
  } else {
    /* Named-pipe flags do not exist for Unix sockets. */
    CHECK_EQ(open_mode, 0);
    CHECK_EQ(pipe_mode, 0);
  }
  sb_listener_close(l);
}

SB_TEST(sddl_bad_descriptor_refused) {
  char ep[256];
  sb_listener_t *l = NULL;
  sb_listen_opts_t bad = {"D:P(A;;GA;;;SY", 0600, -1, 0};
  sb_listen_opts_t none = {NULL, 0600, -1, 0};
  sbtest_endpoint("sddlbad", ep, sizeof ep);
  if (!sbtest_is_windows())
    sbtest_skip("POSIX sockets take a file mode; the SDDL is ignored there");
  /* A malformed SDDL, or none at all, never falls back to default
   * security (which lets Everyone read the pipe). */
  CHECK_ERR(sb_listener_open(&l, ep, &bad), SB_EINVAL);
  CHECK_ERR(sb_listener_open(&l, ep, &none), SB_EINVAL);
  CHECK(l == NULL);
}
