/* SPDX-License-Identifier: MIT */
/* The key file is read as itself: a symlink planted in its place is not
 * followed (O_NOFOLLOW), and only a file of exactly 32 bytes is a key. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "sbtest.h"
#include "sessionbridge.h"

SB_TEST(keyfile_read_refuses_symlink_and_sizes) {
  char real[600], link_path[600];
  unsigned char key[32], want[32];
  FILE *f;
  snprintf(real, sizeof real, "%s/real.key", sbtest_tmpdir());
  snprintf(link_path, sizeof link_path, "%s/link.key", sbtest_tmpdir());
  sbtest_fill(want, sizeof want, 7);
  f = fopen(real, "wb");
  CHECK(f != NULL);
  CHECK_EQ(fwrite(want, 1, 32, f), 32);
  fclose(f);
  CHECK_OK(sb_key_file_read(real, key));
  CHECK_MEM(key, want, 32);
  unlink(link_path);
  CHECK_EQ(symlink(real, link_path), 0);
  CHECK_ERR(sb_key_file_read(link_path, key), SB_EACCES);
  /* 33 bytes: not a key. */
  f = fopen(real, "ab");
  CHECK(f != NULL);
  fputc(0, f);
  fclose(f);
  CHECK_ERR(sb_key_file_read(real, key), SB_EPROTO);
}
