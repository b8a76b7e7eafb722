/* SPDX-License-Identifier: MIT */
/* In-memory duplex byte pipe for channel tests: two ends, each an sb_io_t.
 * An end can be put on hold so what it writes is kept for the test to
 * inspect, modify, drop, replay or reflect before injecting it into the
 * other end. Every end also records all it wrote (for session replays and
 * the test vectors). */
#ifndef SBT_MEMIO_H
#define SBT_MEMIO_H

#include <stddef.h>
#include <stdint.h>

#include "sessionbridge.h"

typedef struct sbt_end sbt_end_t;

void sbt_duplex_new(sbt_end_t **a, sbt_end_t **b);
void sbt_duplex_free(sbt_end_t *a, sbt_end_t *b);
sb_io_t sbt_end_io(sbt_end_t *e);
/* Close this end's write side: the peer reads SB_EOF once drained. */
void sbt_end_shutdown(sbt_end_t *e);
/* Hold: writes are kept instead of delivered. */
void sbt_end_hold(sbt_end_t *e, int hold);
/* Take (and clear) the held bytes; caller frees with free(). */
uint8_t *sbt_end_take(sbt_end_t *e, size_t *len);
/* Deliver bytes to e's reader, as if its peer had written them. */
void sbt_end_inject(sbt_end_t *e, const void *buf, size_t len);
/* Everything this end ever wrote (held or not). */
const uint8_t *sbt_end_record(sbt_end_t *e, size_t *len);

/* An io that reads from a fixed buffer (then EOF) and discards writes. */
typedef struct {
  const uint8_t *data;
  size_t len;
  size_t off;
} sbt_script_t;
sb_io_t sbt_script_io(sbt_script_t *s);

#endif
