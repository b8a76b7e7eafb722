/* SPDX-License-Identifier: MIT */
/* Packed DIBs, the bitmap format of the Windows clipboard (CF_DIB), read
 * into PNG. Portable, so the parser of what other programs put on the
 * clipboard runs natively under ASan, valgrind and the fuzzer. */
#ifndef SB_AGENT_DIB_H
#define SB_AGENT_DIB_H

#include <stddef.h>
#include <stdint.h>

/* Widest and tallest bitmap accepted, as for screenshots' regions. */
#define SB_DIB_DIM_MAX 65535u

/* Decode a packed DIB: a BITMAPINFOHEADER (or its V2..V5 extensions),
 * the colour masks and colour table when present, then the rows. Read:
 * 1, 4 and 8 bits per pixel with a colour table; 16 and 32 bits as BI_RGB
 * or BI_BITFIELDS; 24 bits. Rows bottom-up or top-down. Alpha is dropped.
 * Returns the PNG (sb_malloc'd) and its size in pixels; SB_EFIELD with
 * *why set for a bitmap that is malformed or of a kind not read (RLE,
 * JPEG, OS/2 headers), SB_ETOOBIG for more than SB_SCREENSHOT_MAX bytes
 * of pixels or a PNG over SB_CLIPBOARD_MAX. Nothing is allocated before
 * the header, the sizes and the data length have been checked. */
int sb_dib_to_png(const uint8_t *dib, size_t len, uint8_t **png,
                  size_t *png_len, uint32_t *width, uint32_t *height,
                  const char **why);

/* The other way, for clipboard image set: top-down BGRA pixels (stride
 * width * 4) as a packed 24-bit bottom-up DIB, the form every reader of
 * CF_DIB takes. sb_dib_size gives its size (0 for a size out of range or
 * over SB_SCREENSHOT_MAX of rows); sb_dib_write fills exactly that many
 * bytes of out, so the caller can write it straight into the memory it
 * hands the clipboard. */
size_t sb_dib_size(uint32_t width, uint32_t height);
void sb_dib_write(const uint8_t *bgra, uint32_t width, uint32_t height,
                  uint8_t *out);

#endif
