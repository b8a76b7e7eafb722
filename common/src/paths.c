/* SPDX-License-Identifier: MIT */
/* Portable parts of paths.h; the data dir comes from the platform. */
#include "paths.h"

#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "channel.h"
#include "error.h"
#include "internal_paths.h"
#include "transport.h"

int sb_path_control_key(char *buf, size_t cap) {
  char dir[512];
  int err = sb_path_data_dir(dir, sizeof dir);
  if (err)
    return err;
  if ((size_t)snprintf(buf, cap, "%s%c%s", dir, sb__path_sep(),
                       SB_CONTROL_KEY_FILE) >= cap)
    return SB_ETOOBIG;
  return 0;
}

int sb_key_file_read(const char *path, unsigned char key[32]) {
  enum { ASK = 33 }; /* 33 bytes asked: a longer file is not a key */
  unsigned char *buf;
  size_t n = 0;
  int err;
  if (!path || !key)
    return SB_EINVAL;
  /* Read through guarded memory, not a stack buffer, so the key is never
   * left where a later stack frame (or a core dump) can find it. */
  if ((err = sb_init()) != 0) /* sodium_malloc needs it; idempotent */
    return err;
  if (!(buf = sb_secret_alloc(ASK)))
    return SB_ENOMEM;
  err = sb__read_small_file(path, buf, ASK, &n);
  if (!err && n != 32)
    err = SB_EPROTO;
  if (!err)
    memcpy(key, buf, 32);
  sb_secret_free(buf, ASK); /* wipes */
  return err;
}
