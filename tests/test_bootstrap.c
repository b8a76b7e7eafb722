/* SPDX-License-Identifier: MIT */
/* The agent bootstrap record and its hand-off through an inherited pipe
 * to a child process (threats.md §2, key delivery). */
#include "sbtest.h"
#include "sbtest_platform.h"
#include "sessionbridge.h"
#include "sessionbridge/bootstrap.h"

static void sample(sb_bootstrap_t *b) {
  memset(b, 0, sizeof *b);
  b->version = SB_BOOTSTRAP_VERSION;
  for (int i = 0; i < 32; i++)
    b->psk[i] = (uint8_t)(0x40 + i);
  b->session_id = 3;
  b->service_pid = 4242;
  snprintf(b->endpoint, sizeof b->endpoint, "%s",
           "\\\\.\\pipe\\sessionbridge-agent-3-00112233");
}

SB_TEST(bootstrap_round_trip) {
  sb_bootstrap_t a, b;
  uint8_t rec[SB_BOOTSTRAP_SIZE];
  sample(&a);
  CHECK_OK(sb__bootstrap_encode(&a, rec));
  CHECK_OK(sb__bootstrap_decode(rec, &b));
  CHECK_MEM(&a, &b, sizeof a);
  CHECK_EQ(SB_BOOTSTRAP_SIZE, 305);
  sb__bootstrap_wipe(&b);
  for (int i = 0; i < 32; i++)
    CHECK_EQ(b.psk[i], 0);
}

SB_TEST(bootstrap_rejects_bad_records) {
  sb_bootstrap_t a, b;
  uint8_t rec[SB_BOOTSTRAP_SIZE];
  sample(&a);
  CHECK_OK(sb__bootstrap_encode(&a, rec));
  rec[0] = 'X';
  CHECK_ERR(sb__bootstrap_decode(rec, &b), SB_EPROTO);
  CHECK_OK(sb__bootstrap_encode(&a, rec));
  rec[4] = 2; /* version */
  CHECK_ERR(sb__bootstrap_decode(rec, &b), SB_EVERSION);
  CHECK_OK(sb__bootstrap_encode(&a, rec));
  rec[48] = 0xFF; /* endpoint length 255+ */
  rec[49] = 0x01;
  CHECK_ERR(sb__bootstrap_decode(rec, &b), SB_EPROTO);
  CHECK_OK(sb__bootstrap_encode(&a, rec));
  rec[52] = 0; /* NUL inside the endpoint */
  CHECK_ERR(sb__bootstrap_decode(rec, &b), SB_EPROTO);
  a.endpoint[0] = 0;
  CHECK_ERR(sb__bootstrap_encode(&a, rec), SB_EINVAL);
}

/* Child side: read the record from the inherited handle and print it. */
SB_HELPER(bootstrap_child) {
  sb_bootstrap_t b;
  if (argc < 1)
    return 2;
  int err = sb__bootstrap_receive(argv[0], &b);
  if (err) {
    printf("receive failed: %s\n", sb_err_name(err));
    return 3;
  }
  sb_bootstrap_t want;
  sample(&want);
  int same = memcmp(&b, &want, sizeof b) == 0;
  sb__bootstrap_wipe(&b);
  return same ? 0 : 4;
}

SB_TEST(bootstrap_handoff_to_child) {
  sb_bootstrap_t b;
  sb_handle_t child_end, parent_end;
  char text[32];
  sample(&b);
  CHECK_OK(sb__bootstrap_pipe(&child_end, &parent_end));
  snprintf(text, sizeof text, "%llu", (unsigned long long)child_end);
  const char *args[] = {text, NULL};
  sbtest_proc_t p =
      sbtest_spawn_helper_inherit("bootstrap_child", child_end, args);
  CHECK(p != 0);
  sb__handle_close(child_end);
  CHECK_OK(sb__bootstrap_send(parent_end, &b));
  CHECK_EQ(sbtest_wait(p, sbtest_ms(10000)), 0);
}
