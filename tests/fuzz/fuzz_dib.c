/* SPDX-License-Identifier: MIT */
/* libFuzzer: the clipboard bitmap reader (CF_DIB to PNG). Any program of
 * the user's session can put any bytes on the clipboard, so every input
 * must give a PNG of the size the header claims or a refusal with a
 * reason, and never read outside the input. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sb_dib.h"
#include "sessionbridge.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  uint8_t *png = NULL;
  size_t len = 0;
  uint32_t w = 0, h = 0;
  const char *why = NULL;
  /* A copy of exactly size bytes, so ASan sees a read past the end. */
  uint8_t *copy = malloc(size ? size : 1);
  if (!copy)
    return 0;
  memcpy(copy, data, size);
  int err = sb_dib_to_png(copy, size, &png, &len, &w, &h, &why);
  if (err == 0) {
    if (!png || len < 8 || memcmp(png, "\x89PNG\r\n\x1a\n", 8) != 0 ||
        w == 0 || h == 0 || w > SB_DIB_DIM_MAX || h > SB_DIB_DIM_MAX)
      abort();
  } else if (png || len || w || h ||
             ((err == SB_EFIELD || err == SB_ETOOBIG) && !why)) {
    abort();
  }
  sb_free(png);
  free(copy);
  return 0;
}
