/* SPDX-License-Identifier: MIT */
/* The sb_io_t view of a stream, the same on every platform. */
#include "transport.h"

static int io_read(void *ctx, void *buf, size_t len, size_t *nread,
                   int timeout_ms) {
  return sb_stream_read(ctx, buf, len, nread, timeout_ms);
}

static int io_write(void *ctx, const void *buf, size_t len, int timeout_ms) {
  return sb_stream_write(ctx, buf, len, timeout_ms);
}

sb_io_t sb_stream_io(sb_stream_t *s) {
  sb_io_t io = {s, io_read, io_write};
  return io;
}
