/* SPDX-License-Identifier: MIT */
/* Decoding the agent's PNGs in tests (pngdec.c). */
#ifndef SBT_PNGDEC_H
#define SBT_PNGDEC_H

#include <stddef.h>
#include <stdint.h>

/* Check png is a w x h 8-bit RGB PNG as sb_png writes them (failing the
 * test otherwise) and decode it with libpng into rgb (w * h * 3 bytes);
 * returns the size of its IDAT data. */
size_t sbt_png_decode(const uint8_t *png, size_t len, uint32_t w, uint32_t h,
                      uint8_t *rgb);

#endif
