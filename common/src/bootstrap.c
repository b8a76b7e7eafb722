/* SPDX-License-Identifier: MIT */
/* The agent bootstrap record (portable encoding; the pipe handling lives
 * in the platform files). */
#include "bootstrap.h"

#include <string.h>

#include "alloc.h"
#include "error.h"

static const uint8_t magic[4] = {'S', 'B', 'B', '1'};

static void put32(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)v;
  p[1] = (uint8_t)(v >> 8);
  p[2] = (uint8_t)(v >> 16);
  p[3] = (uint8_t)(v >> 24);
}

static uint32_t get32(const uint8_t *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
         (uint32_t)p[3] << 24;
}

int sb__bootstrap_encode(const sb_bootstrap_t *b,
                        uint8_t out[SB_BOOTSTRAP_SIZE]) {
  size_t n;
  if (!b || !out)
    return SB_EINVAL;
  n = strnlen(b->endpoint, sizeof b->endpoint);
  if (n == 0 || n > SB_BOOTSTRAP_ENDPOINT_MAX)
    return SB_EINVAL;
  memset(out, 0, SB_BOOTSTRAP_SIZE);
  memcpy(out, magic, 4);
  put32(out + 4, b->version);
  memcpy(out + 8, b->psk, 32);
  put32(out + 40, b->session_id);
  put32(out + 44, b->service_pid);
  out[48] = (uint8_t)n;
  out[49] = (uint8_t)(n >> 8);
  memcpy(out + 50, b->endpoint, n);
  return 0;
}

int sb__bootstrap_decode(const uint8_t in[SB_BOOTSTRAP_SIZE],
                        sb_bootstrap_t *b) {
  size_t n;
  if (!in || !b)
    return SB_EINVAL;
  memset(b, 0, sizeof *b);
  if (memcmp(in, magic, 4) != 0)
    return SB_EPROTO;
  b->version = get32(in + 4);
  if (b->version != SB_BOOTSTRAP_VERSION)
    return SB_EVERSION;
  n = (size_t)in[48] | (size_t)in[49] << 8;
  if (n == 0 || n > SB_BOOTSTRAP_ENDPOINT_MAX || memchr(in + 50, 0, n))
    return SB_EPROTO;
  memcpy(b->psk, in + 8, 32);
  b->session_id = get32(in + 40);
  b->service_pid = get32(in + 44);
  memcpy(b->endpoint, in + 50, n);
  b->endpoint[n] = 0;
  return 0;
}

void sb__bootstrap_wipe(sb_bootstrap_t *b) {
  if (b)
    sb_memzero(b->psk, sizeof b->psk);
}
