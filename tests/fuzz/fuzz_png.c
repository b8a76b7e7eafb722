/* SPDX-License-Identifier: MIT */
/* libFuzzer: the PNG reader behind clipboard image set, the bitmap it
 * becomes, and the encoder. Every input gives pixels of the size the
 * header claims or a refusal with a reason, and never a read outside the
 * input; pixels it gives become a DIB that sb_dib_check lays out as
 * written, and a PNG from the agent's encoder (fast and small) that reads
 * back as the same pixels: kept whole, and handed out through a sink in
 * pieces (sizes and segments drawn from the input), where every piece but
 * the last must be exactly the size asked for, the pieces must make the
 * same zlib stream as the whole encode at the same sizes, and a sink that
 * refuses a piece must stop the encode with its error. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "png_sink_check.h"
#include "sb_dib.h"
#include "sb_png.h"
#include "sessionbridge.h"

/* Encode bgra with a sink, at sizes drawn from the input's bytes (rows a
 * segment, rows that may wait for libdeflate, piece size, a piece the
 * sink refuses), and check it against the whole encode at those sizes. */
static void sink_round_trip(const uint8_t *bgra, uint32_t w, uint32_t h,
                            int level, const uint8_t *data, size_t size) {
  uint32_t k = 0;
  size_t rowlen = (size_t)w * 3 + 1;
  sbf_sink_plan_t plan;
  for (size_t i = 0; i < size; i++)
    k = k * 31 + data[i];
  plan.seg = rowlen * (1 + k % 7);
  plan.wait = rowlen * ((k >> 3) % 11);
  plan.piece_max = 1 + (k >> 7) % 3000;
  plan.band = 1 + (k >> 19) % 9;
  plan.refuse = (k >> 23) & 1; /* once in two, the sink refuses a piece */
  plan.refuse_pick = k >> 24;
  sbf_png_sink_check(bgra, w, h, level, &plan);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  uint8_t *bgra = NULL, *dib = NULL;
  uint32_t w = 0, h = 0;
  size_t dlen = 0;
  const char *why = NULL;
  uint8_t *copy = malloc(size ? size : 1);
  if (!copy)
    return 0;
  memcpy(copy, data, size);
  int err = sb_png_decode_bgra(copy, size, &bgra, &w, &h, &why);
  if (err == 0) {
    if (!bgra || !w || !h || w > SB_DIB_DIM_MAX || h > SB_DIB_DIM_MAX)
      abort();
    /* Small images only: the round trips touch every pixel. */
    if ((uint64_t)w * h <= 65536) {
      sb_dib_layout_t lay;
      dlen = sb_dib_size(w, h);
      if (!dlen || !(dib = sb_malloc(dlen)))
        abort();
      sb_dib_write(bgra, w, h, dib);
      if (sb_dib_check(dib, dlen, &lay, NULL) != 0 || lay.width != w ||
          lay.height != h || lay.top_down || lay.bits != 40 ||
          lay.bits + lay.bits_len != dlen)
        abort();
      for (int level = SB_PNG_FAST; level <= SB_PNG_SMALL; level++) {
        uint8_t *png = NULL, *back = NULL;
        size_t plen = 0;
        uint32_t w2 = 0, h2 = 0;
        if (sb_png_encode_bgra_level(bgra, w, h, (size_t)w * 4, level, &png,
                                     &plen) != 0 ||
            sb_png_decode_bgra(png, plen, &back, &w2, &h2, NULL) != 0 ||
            w2 != w || h2 != h)
          abort();
        /* The decoder sets alpha to 255, as it did for bgra. */
        if (memcmp(back, bgra, (size_t)w * h * 4) != 0)
          abort();
        sb_free(png);
        sb_free(back);
        sink_round_trip(bgra, w, h, level, data, size);
      }
    }
  } else if (bgra || w || h ||
             ((err == SB_EFIELD || err == SB_ETOOBIG) && !why)) {
    abort();
  }
  sb_free(dib);
  sb_free(bgra);
  free(copy);
  return 0;
}
