/* SPDX-License-Identifier: MIT */
/* Packed DIBs, the bitmap format of the Windows clipboard (CF_DIB): the
 * bounds check before GDI converts one, and the writer. Portable, so the
 * check on what other programs put on the clipboard runs natively under
 * ASan, valgrind and the fuzzer. */
#ifndef SB_AGENT_DIB_H
#define SB_AGENT_DIB_H

#include <stddef.h>
#include <stdint.h>

/* Widest and tallest bitmap accepted, as for screenshots' regions. */
#define SB_DIB_DIM_MAX 65535u

/* Where a packed DIB's pieces are, once sb_dib_check found them inside
 * the data: the rows start at bits and are bits_len bytes (every row
 * padded to 4 bytes), the header (with its masks and colour table) is at
 * the start, as BITMAPINFO is laid out. */
typedef struct {
  uint32_t width, height; /* pixels, both 1..SB_DIB_DIM_MAX */
  int top_down;           /* negative biHeight */
  size_t bits, bits_len;
} sb_dib_layout_t;

/* Check a packed DIB before GDI reads it: a BITMAPINFOHEADER (or its
 * V2..V5 extensions), the colour masks and table when present, the rows,
 * all inside len bytes. Taken: 1, 4 and 8 bits per pixel with a colour
 * table; 16 and 32 bits as BI_RGB or BI_BITFIELDS (masks without gaps);
 * 24 bits. SB_EFIELD with *why for a bitmap that is malformed or of a
 * kind not read (RLE, JPEG, PNG, OS/2 headers), SB_ETOOBIG (with *why)
 * over SB_SCREENSHOT_MAX bytes of 32-bit pixels. The pixels are not
 * looked at: converting them is GDI's job. */
int sb_dib_check(const uint8_t *dib, size_t len, sb_dib_layout_t *out,
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
