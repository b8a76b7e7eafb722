/* SPDX-License-Identifier: MIT */
/* libFuzzer: the agent's PNG encoder on pixels and sizes the fuzzer
 * chooses (fuzz_png only reaches it through pictures that decode). The
 * first 8 bytes choose the width, the compression, the rows a segment
 * has and how many may wait for libdeflate, the band of rows each call
 * takes, the piece size and a piece the sink refuses; the rest are the
 * BGRA pixels (as many rows as they fill, at most 65536 pixels). The
 * picture is encoded whole and through a sink at the same sizes: both
 * must read back (libspng, our decoder) as the pixels, the sink's pieces
 * must be exactly the size asked for but the last, marked last, with the
 * same zlib stream as the whole encode, and a refused piece must stop
 * the encode with the sink's error and nothing after it. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "png_sink_check.h"
#include "sb_png.h"
#include "sessionbridge.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 8 + 4)
    return 0;
  uint32_t w = 1 + (((uint32_t)data[0] << 8 | data[1]) % 300);
  int level = data[2] & 1 ? SB_PNG_SMALL : SB_PNG_FAST;
  size_t rowlen = (size_t)w * 3 + 1;
  size_t seg = rowlen * (1 + (data[2] >> 1) % 16);
  size_t wait = rowlen * (data[3] % 24);
  uint32_t band = 1 + data[4] % 16;
  size_t pm = 1 + (((size_t)data[5] << 8 | data[6]) % 8192);
  const uint8_t *pix = data + 8;
  size_t n = size - 8;
  uint32_t h = (uint32_t)(n / ((size_t)w * 4));
  if (h == 0) { /* fewer bytes than a row: one row, the bytes repeated */
    h = 1;
  }
  if ((uint64_t)w * h > 65536)
    h = 65536 / w;
  size_t px_len = (size_t)w * h * 4;
  uint8_t *px = malloc(px_len);
  if (!px)
    return 0;
  for (size_t i = 0; i < px_len; i++)
    px[i] = pix[i % n];

  sbf_sink_plan_t plan = {seg, wait, pm, band, data[7] & 1, data[7] >> 1u};
  sbf_png_sink_check(px, w, h, level, &plan);
  free(px);
  return 0;
}
