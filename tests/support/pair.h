/* SPDX-License-Identifier: MIT */
/* A client and a server channel over an in-memory duplex, with the
 * handshake run on two threads. */
#ifndef SBT_PAIR_H
#define SBT_PAIR_H

#include "memio.h"

typedef struct {
  sbt_end_t *cend, *send;
  sb_channel_t *client, *server;
  int client_err, server_err;
} sbt_pair_t;

/* Create both channels (client first, so random draws happen in a fixed
 * order) with their own PSKs and timeouts (0: defaults). */
void sbt_pair_new(sbt_pair_t *p, const uint8_t *client_psk,
                  const uint8_t *server_psk, int timeout_ms);
/* The same with the handshake's deadline (one for the whole handshake)
 * and the frame deadline apart: a test of a short frame deadline must
 * not squeeze the handshake into it too (0: defaults). */
void sbt_pair_new_timeouts(sbt_pair_t *p, const uint8_t *client_psk,
                           const uint8_t *server_psk, int handshake_ms,
                           int frame_ms);
/* Handshake both sides concurrently; results in client_err/server_err. */
void sbt_pair_handshake(sbt_pair_t *p);
void sbt_pair_free(sbt_pair_t *p);
/* Start either side's handshake on its own thread (NULL: don't). A side
 * that fails hangs up its end. */
void sbt_pair_start(sbt_pair_t *p, sb_thread_t **client, sb_thread_t **server);
/* Complete frames in buf. */
size_t sbt_count_frames(const uint8_t *buf, size_t len);
/* Collect what a held end writes until it holds `frames` whole frames (or
 * 5 s pass); caller frees. */
uint8_t *sbt_wait_held(sbt_end_t *e, size_t frames, size_t *len);

extern const uint8_t sbt_psk_a[32];
extern const uint8_t sbt_psk_b[32];

#endif
