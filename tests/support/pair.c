/* SPDX-License-Identifier: MIT */
#include "pair.h"

#include <stdlib.h>
#include <string.h>

const uint8_t sbt_psk_a[32] = {1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11,
                               12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22,
                               23, 24, 25, 26, 27, 28, 29, 30, 31, 32};
const uint8_t sbt_psk_b[32] = {1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11,
                               12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22,
                               23, 24, 25, 26, 27, 28, 29, 30, 31, 33};

void sbt_pair_new(sbt_pair_t *p, const uint8_t *client_psk,
                  const uint8_t *server_psk, int timeout_ms) {
  sbt_pair_new_timeouts(p, client_psk, server_psk, timeout_ms, timeout_ms);
}

void sbt_pair_new_timeouts(sbt_pair_t *p, const uint8_t *client_psk,
                           const uint8_t *server_psk, int handshake_ms,
                           int frame_ms) {
  sb_channel_opts_t co = {SB_ROLE_CLIENT, client_psk, handshake_ms, frame_ms};
  sb_channel_opts_t so = {SB_ROLE_SERVER, server_psk, handshake_ms, frame_ms};
  memset(p, 0, sizeof *p);
  sbt_duplex_new(&p->cend, &p->send);
  sb_io_t cio = sbt_end_io(p->cend), sio = sbt_end_io(p->send);
  if (sb_channel_new(&p->client, &cio, &co) ||
      sb_channel_new(&p->server, &sio, &so))
    abort();
}

static void server_thread(void *arg) {
  sbt_pair_t *p = arg;
  p->server_err = sb_channel_handshake(p->server);
  /* A failed side hangs up, as a real endpoint closing its pipe would. */
  if (p->server_err)
    sbt_end_shutdown(p->send);
}

void sbt_pair_handshake(sbt_pair_t *p) {
  sb_thread_t *t;
  if (sb_thread_create(&t, server_thread, p, 0))
    abort();
  p->client_err = sb_channel_handshake(p->client);
  if (p->client_err)
    sbt_end_shutdown(p->cend);
  sb_thread_join(t);
}

void sbt_pair_free(sbt_pair_t *p) {
  sb_channel_free(p->client);
  sb_channel_free(p->server);
  sbt_duplex_free(p->cend, p->send);
}

static void client_thread(void *arg) {
  sbt_pair_t *p = arg;
  p->client_err = sb_channel_handshake(p->client);
  if (p->client_err)
    sbt_end_shutdown(p->cend);
}

void sbt_pair_start(sbt_pair_t *p, sb_thread_t **client,
                    sb_thread_t **server) {
  if (server && sb_thread_create(server, server_thread, p, 0))
    abort();
  if (client && sb_thread_create(client, client_thread, p, 0))
    abort();
}

size_t sbt_count_frames(const uint8_t *buf, size_t len) {
  size_t n = 0, off = 0;
  while (len - off >= 4) {
    size_t flen = buf[off] | buf[off + 1] << 8 | (size_t)buf[off + 2] << 16 |
                  (size_t)buf[off + 3] << 24;
    if (len - off - 4 < flen)
      break;
    off += 4 + flen;
    n++;
  }
  return n;
}

uint8_t *sbt_wait_held(sbt_end_t *e, size_t frames, size_t *len) {
  uint8_t *acc = NULL;
  size_t acc_len = 0;
  for (int i = 0; i < 1000; i++) {
    size_t n;
    uint8_t *part = sbt_end_take(e, &n);
    if (n) {
      acc = realloc(acc, acc_len + n);
      if (!acc)
        abort();
      memcpy(acc + acc_len, part, n);
      acc_len += n;
    }
    free(part);
    if (sbt_count_frames(acc, acc_len) >= frames)
      break;
    sb_sleep_ms(5);
  }
  *len = acc_len;
  return acc;
}
