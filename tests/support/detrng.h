/* SPDX-License-Identifier: MIT */
/* A deterministic randombytes implementation for tests and fuzzers: a
 * ChaCha20 keystream under a fixed key, read in order, so every random
 * draw of a run (ephemeral keys, nonces, stream headers) repeats exactly.
 * Never for anything but tests. */
#ifndef SBT_DETRNG_H
#define SBT_DETRNG_H

#include <stddef.h>
#include <stdint.h>

/* Install it with this 32-byte key and rewind to the start. */
void sbt_detrng_install(const uint8_t key[32]);
/* Rewind to the start of the stream. */
void sbt_detrng_rewind(void);
/* Draw from it directly (to re-derive what the code drew). */
void sbt_detrng_buf(void *buf, size_t size);
/* Back to libsodium's own generator. */
void sbt_detrng_remove(void);

#endif
