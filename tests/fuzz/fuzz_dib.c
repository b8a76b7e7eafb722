/* SPDX-License-Identifier: MIT */
/* libFuzzer: the check that comes before GDI converts a clipboard bitmap
 * (CF_DIB). Any program of the user's session can put any bytes on the
 * clipboard and GDI trusts a DIB's header, so every input must be refused
 * with a reason or laid out wholly inside the input: every byte of the
 * header, table and rows the layout names is read here, where ASan sees
 * a read past the end. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sb_dib.h"
#include "sessionbridge.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  sb_dib_layout_t lay;
  const char *why = NULL;
  /* A copy of exactly size bytes, so ASan sees a read past the end. */
  uint8_t *copy = malloc(size ? size : 1);
  if (!copy)
    return 0;
  memcpy(copy, data, size);
  int err = sb_dib_check(copy, size, &lay, &why);
  if (err == 0) {
    volatile uint8_t sum = 0;
    if (lay.width == 0 || lay.height == 0 || lay.width > SB_DIB_DIM_MAX ||
        lay.height > SB_DIB_DIM_MAX || lay.bits < 40 || lay.bits > size ||
        lay.bits_len > size - lay.bits ||
        lay.bits_len < (size_t)lay.height * ((lay.width + 31) / 32 * 4) ||
        (uint64_t)lay.width * lay.height * 4 > SB_SCREENSHOT_MAX)
      abort();
    for (size_t i = 0; i < lay.bits + lay.bits_len; i++)
      sum = (uint8_t)(sum + copy[i]);
    (void)sum;
  } else if ((err != SB_EFIELD && err != SB_ETOOBIG) || !why || lay.width ||
             lay.height || lay.bits || lay.bits_len) {
    abort();
  }
  free(copy);
  return 0;
}
