/* SPDX-License-Identifier: MIT */
/* The byte-stream interface the channel runs over. A named pipe, a Unix
 * socket, or (in tests) an in-memory pipe or a recording provides it. */
#ifndef SESSIONBRIDGE_IO_H
#define SESSIONBRIDGE_IO_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
  void *ctx;
  /* Read up to len bytes; *nread > 0 on success. Returns SB_EOF at end of
   * stream, SB_ETIMEDOUT when nothing arrived within timeout_ms (-1: no
   * limit), or another SB_E* code. */
  int (*read)(void *ctx, void *buf, size_t len, size_t *nread,
              int timeout_ms);
  /* Write all len bytes within timeout_ms, or fail. */
  int (*write)(void *ctx, const void *buf, size_t len, int timeout_ms);
} sb_io_t;

#ifdef __cplusplus
}
#endif
#endif
