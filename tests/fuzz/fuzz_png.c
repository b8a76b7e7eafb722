/* SPDX-License-Identifier: MIT */
/* libFuzzer: the PNG reader behind clipboard image set, and the bitmap it
 * becomes. Every input gives pixels of the size the header claims (turned
 * into a DIB, which must read back as the same size) or a refusal with a
 * reason, and never a read outside the input. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sb_dib.h"
#include "sb_png.h"
#include "sessionbridge.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  uint8_t *bgra = NULL, *dib = NULL, *png = NULL;
  uint32_t w = 0, h = 0, w2 = 0, h2 = 0;
  size_t dlen = 0, plen = 0;
  const char *why = NULL;
  uint8_t *copy = malloc(size ? size : 1);
  if (!copy)
    return 0;
  memcpy(copy, data, size);
  int err = sb_png_decode_bgra(copy, size, &bgra, &w, &h, &why);
  if (err == 0) {
    if (!bgra || !w || !h || w > SB_DIB_DIM_MAX || h > SB_DIB_DIM_MAX)
      abort();
    /* Small images only: the round trip re-encodes every pixel. */
    if ((uint64_t)w * h <= 65536) {
      dlen = sb_dib_size(w, h);
      if (!dlen || !(dib = sb_malloc(dlen)))
        abort();
      sb_dib_write(bgra, w, h, dib);
      if (sb_dib_to_png(dib, dlen, &png, &plen, &w2, &h2, NULL) != 0 ||
          w2 != w || h2 != h)
        abort();
    }
  } else if (bgra || w || h || ((err == SB_EFIELD || err == SB_ETOOBIG) && !why)) {
    abort();
  }
  sb_free(png);
  sb_free(dib);
  sb_free(bgra);
  free(copy);
  return 0;
}
