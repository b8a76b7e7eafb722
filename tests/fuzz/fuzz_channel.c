/* SPDX-License-Identifier: MIT */
/* libFuzzer: the decrypt + decode path with fixed keys, as Mojo's
 * channel_fuzzer does. Each input is a list of plaintext messages and
 * mutations: a real client channel seals them (so the fuzzer reaches the
 * decoder instead of dying at the MAC), the bytes are optionally corrupted,
 * and a real server channel opens, decodes and validates them. The
 * handshake uses a fixed PSK and a deterministic random stream, so every
 * input replays the same keys. */
#include <sodium.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "detrng.h"
#include "memio.h"
#include "pair.h"
#include "sessionbridge.h"

static const uint8_t rng_key[32] = "sessionbridge fuzz rng key 0001";

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc;
  (void)argv;
  sbt_detrng_install(rng_key);
  if (sb_init() != 0)
    abort();
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  sbt_pair_t p;
  size_t off = 0;
  sbt_detrng_rewind();
  sbt_pair_new(&p, sbt_psk_a, sbt_psk_a, 1000);
  sbt_pair_handshake(&p);
  if (p.client_err || p.server_err)
    abort();
  sbt_end_hold(p.cend, 1);
  /* Input: records of [op u8][len u16le][bytes]. op & 3: 0 send sealed,
   * 1 send sealed then flip a bit, 2 inject raw bytes, 3 send final. */
  while (off + 3 <= size) {
    uint8_t op = data[off];
    size_t n = (size_t)data[off + 1] | (size_t)data[off + 2] << 8;
    off += 3;
    if (n > size - off)
      n = size - off;
    size_t held_len;
    uint8_t *held;
    switch (op & 3) {
    case 0:
    case 1:
      if (sb_channel_send(p.client, data + off, n) != 0)
        goto done;
      held = sbt_end_take(p.cend, &held_len);
      if ((op & 3) == 1 && held_len)
        held[(op >> 2) % held_len] ^= (uint8_t)(1u << (n % 8));
      sbt_end_inject(p.send, held, held_len);
      free(held);
      break;
    case 2:
      sbt_end_inject(p.send, data + off, n);
      break;
    case 3:
      sb_channel_close(p.client);
      held = sbt_end_take(p.cend, &held_len);
      sbt_end_inject(p.send, held, held_len);
      free(held);
      break;
    }
    off += n;
    /* Drain what the server can read now. */
    for (;;) {
      sb_msg_t *m = NULL;
      int r = sb_channel_recv_envelope(p.server, &m, 0, NULL);
      sb_msg_free(m);
      if (r == SB_ETIMEDOUT)
        break;
      if (r != 0 && r != SB_EDECODE && r != SB_EUNKNOWNFIELD &&
          r != SB_EONEOF && r != SB_EENUM && r != SB_EUTF8 &&
          r != SB_EFIELD && r != SB_EBUDGET && r != SB_ETOOBIG)
        goto done; /* channel closed: nothing more to feed */
    }
  }
done:
  sbt_pair_free(&p);
  return 0;
}
