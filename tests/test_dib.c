/* SPDX-License-Identifier: MIT */
/* The check before GDI reads a clipboard bitmap (CF_DIB): each pixel
 * format's layout found where GDI will look for it, and the malformed
 * headers a program of the session could put on the clipboard refused
 * with a reason. The pixels are GDI's to convert: the e2e oracle sets a
 * BMP through X11 (xclip) and compares with ImageMagick, and puts hostile
 * DIBs on the clipboard from a Windows program (e2e_task_clipboard_wine). */
#include <stdlib.h>
#include <string.h>

#include "sb_dib.h"
#include "sbtest.h"
#include "sessionbridge.h"

typedef struct {
  uint8_t b[4096];
  size_t len;
} dib_buf_t;

static void put32(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)v, p[1] = (uint8_t)(v >> 8), p[2] = (uint8_t)(v >> 16),
  p[3] = (uint8_t)(v >> 24);
}

/* A header of hsize bytes; colour masks, table and rows are appended. */
static void header(dib_buf_t *d, uint32_t hsize, int32_t w, int32_t h,
                   uint16_t bpp, uint32_t comp, uint32_t used) {
  memset(d, 0, sizeof *d);
  put32(d->b, hsize);
  put32(d->b + 4, (uint32_t)w);
  put32(d->b + 8, (uint32_t)h);
  d->b[12] = 1; /* planes */
  d->b[14] = (uint8_t)bpp;
  put32(d->b + 16, comp);
  put32(d->b + 32, used);
  d->len = hsize;
}

static void append(dib_buf_t *d, const void *p, size_t n) {
  CHECK(d->len + n <= sizeof d->b);
  memcpy(d->b + d->len, p, n);
  d->len += n;
}

static void append32(dib_buf_t *d, uint32_t v) {
  uint8_t b[4];
  put32(b, v);
  append(d, b, 4);
}

/* Check and expect the layout: size, orientation, where the rows start
 * (what is handed to GDI) and how long they are. */
static void laid_out(const dib_buf_t *d, uint32_t w, uint32_t h, int top_down,
                     size_t bits, size_t bits_len) {
  sb_dib_layout_t lay;
  const char *why = NULL;
  int err = sb_dib_check(d->b, d->len, &lay, &why);
  if (err)
    sbtest_fail(__FILE__, __LINE__, "sb_dib_check", why);
  CHECK_EQ(lay.width, w);
  CHECK_EQ(lay.height, h);
  CHECK_EQ(lay.top_down, top_down);
  CHECK_EQ(lay.bits, bits);
  CHECK_EQ(lay.bits_len, bits_len);
}

SB_TEST(dib_24bit_bottom_up) {
  /* 3 x 2, rows of 9 bytes padded to 12. */
  dib_buf_t d;
  uint8_t rows[24];
  sbtest_fill(rows, sizeof rows, 1);
  header(&d, 40, 3, 2, 24, 0, 0);
  append(&d, rows, sizeof rows);
  laid_out(&d, 3, 2, 0, 40, 24);
  /* A colour table beside 24-bit pixels (a palette hint) comes first. */
  header(&d, 40, 3, 2, 24, 0, 2);
  append32(&d, 0);
  append32(&d, 0);
  append(&d, rows, sizeof rows);
  laid_out(&d, 3, 2, 0, 48, 24);
}

SB_TEST(dib_32bit_top_down) {
  dib_buf_t d;
  header(&d, 40, 2, -2, 32, 0, 0);
  for (int i = 0; i < 4; i++)
    append32(&d, 0x00112233);
  laid_out(&d, 2, 2, 1, 40, 16);
}

SB_TEST(dib_v5_bitfields_masks_in_header) {
  /* The masks are inside a V5 header: the rows follow it at once. */
  dib_buf_t d;
  header(&d, 124, 1, 1, 32, 3, 0);
  put32(d.b + 40, 0x000000ff);
  put32(d.b + 44, 0x0000ff00);
  put32(d.b + 48, 0x00ff0000);
  append32(&d, 0x00332211);
  laid_out(&d, 1, 1, 0, 124, 4);
}

SB_TEST(dib_16bit_565_and_555) {
  /* 565 with the masks after a 40-byte header; 4 pixels = 8 bytes. */
  dib_buf_t d;
  header(&d, 40, 4, 1, 16, 3, 0);
  append32(&d, 0xF800);
  append32(&d, 0x07E0);
  append32(&d, 0x001F);
  static const uint8_t px565[] = {0x00, 0xF8, 0xE0, 0x07, 0x1F, 0x00, 0xff,
                                  0xff};
  append(&d, px565, sizeof px565);
  laid_out(&d, 4, 1, 0, 52, 8);
  /* BI_RGB at 16 bits: no masks; 3 pixels padded to 8 bytes. */
  header(&d, 40, 3, 1, 16, 0, 0);
  append(&d, px565, sizeof px565);
  laid_out(&d, 3, 1, 0, 40, 8);
}

SB_TEST(dib_palette_8_4_1_bit) {
  dib_buf_t d;
  /* 8 bits, a 2-entry table. */
  header(&d, 40, 3, 1, 8, 0, 2);
  append32(&d, 0x00102030);
  append32(&d, 0x00a0b0c0);
  static const uint8_t r8[] = {1, 0, 5, 0};
  append(&d, r8, sizeof r8);
  laid_out(&d, 3, 1, 0, 48, 4);
  /* 4 bits, the full 16-entry table (biClrUsed 0). */
  header(&d, 40, 3, 1, 4, 0, 0);
  for (uint32_t i = 0; i < 16; i++)
    append32(&d, i * 0x00111111u);
  append(&d, r8, sizeof r8);
  laid_out(&d, 3, 1, 0, 104, 4);
  /* 1 bit, 33 pixels: two 32-bit words a row, 3 rows. */
  header(&d, 40, 33, 3, 1, 0, 0);
  append32(&d, 0x00000000);
  append32(&d, 0x00ffffff);
  uint8_t r1[24] = {0};
  append(&d, r1, sizeof r1);
  laid_out(&d, 33, 3, 0, 48, 24);
}

/* Expect err, a reason, and nothing returned; the reason must contain
 * `says` when it is given (a check whose only effect is its message). */
static void refused_saying(const dib_buf_t *d, int want, const char *line,
                           const char *says) {
  sb_dib_layout_t lay;
  const char *why = NULL;
  memset(&lay, 0x55, sizeof lay);
  int err = sb_dib_check(d->b, d->len, &lay, &why);
  if (err != want)
    sbtest_fail(__FILE__, __LINE__, line, sb_err_name(err));
  if (!why)
    sbtest_fail(__FILE__, __LINE__, line, "no reason given");
  if (says && !strstr(why, says))
    sbtest_fail(__FILE__, __LINE__, line, why);
  CHECK(lay.width == 0 && lay.height == 0 && lay.bits == 0 &&
        lay.bits_len == 0);
}

static void refused(const dib_buf_t *d, int want, const char *line) {
  refused_saying(d, want, line, NULL);
}

SB_TEST(dib_hostile_headers) {
  dib_buf_t d;
  header(&d, 40, 1, 1, 24, 0, 0);
  d.len = 39;
  refused(&d, SB_EFIELD, "39 bytes");
  header(&d, 12, 1, 1, 24, 0, 0);
  d.len = 40;
  refused_saying(&d, SB_EFIELD, "BITMAPCOREHEADER", "OS/2");
  header(&d, 64, 1, 1, 24, 0, 0);
  refused(&d, SB_EFIELD, "header size 64");
  header(&d, 124, 1, 1, 24, 0, 0);
  d.len = 100;
  refused(&d, SB_EFIELD, "V5 header past the data");
  header(&d, 40, 1, 1, 24, 0, 0);
  d.b[12] = 2;
  d.len += 4;
  refused(&d, SB_EFIELD, "planes 2");
  static const int32_t bad_w[] = {0, -1, 65536, INT32_MIN};
  for (size_t i = 0; i < sizeof bad_w / sizeof bad_w[0]; i++) {
    header(&d, 40, bad_w[i], 1, 24, 0, 0);
    d.len += 64;
    refused(&d, SB_EFIELD, "width");
  }
  static const int32_t bad_h[] = {0, 65536, -65536, INT32_MIN, INT32_MAX};
  for (size_t i = 0; i < sizeof bad_h / sizeof bad_h[0]; i++) {
    header(&d, 40, 1, bad_h[i], 24, 0, 0);
    d.len += 64;
    refused(&d, SB_EFIELD, "height");
  }
  static const uint16_t bad_bpp[] = {0, 2, 7, 15, 48, 64};
  for (size_t i = 0; i < sizeof bad_bpp / sizeof bad_bpp[0]; i++) {
    header(&d, 40, 1, 1, bad_bpp[i], 0, 0);
    d.len += 64;
    refused(&d, SB_EFIELD, "bit depth");
  }
  static const uint32_t bad_comp[] = {1, 2, 4, 5, 6, 0x80000000u};
  for (size_t i = 0; i < sizeof bad_comp / sizeof bad_comp[0]; i++) {
    header(&d, 40, 1, 1, 8, bad_comp[i], 0);
    d.len += 1100;
    refused(&d, SB_EFIELD, "compression");
  }
  /* Valid masks and rows after each, so only the check under test
   * refuses it. */
  header(&d, 40, 1, 1, 24, 3, 0);
  append32(&d, 0xff0000);
  append32(&d, 0xff00);
  append32(&d, 0xff);
  d.len += 64;
  refused(&d, SB_EFIELD, "bitfields at 24 bits");
  header(&d, 40, 1, 1, 32, 3, 0);
  append32(&d, 0xff0000);
  append32(&d, 0xff00);
  append32(&d, 0xff);
  append32(&d, 0); /* the pixel */
  d.len = 48;      /* two of the three masks */
  refused(&d, SB_EFIELD, "masks past the data");
  header(&d, 40, 1, 1, 32, 3, 0);
  append32(&d, 0xff0000);
  append32(&d, 0);
  append32(&d, 0xff);
  append32(&d, 0);
  refused(&d, SB_EFIELD, "empty mask");
  header(&d, 40, 1, 1, 32, 3, 0);
  append32(&d, 0xf0f0);
  append32(&d, 0xff0000);
  append32(&d, 0xff);
  append32(&d, 0);
  refused(&d, SB_EFIELD, "mask with a gap");
  header(&d, 40, 1, 1, 8, 0, 257);
  d.len += 1100;
  refused(&d, SB_EFIELD, "257 colours at 8 bits");
  header(&d, 40, 1, 1, 32, 0, 257);
  d.len += 1100;
  refused(&d, SB_EFIELD, "257 hint colours at 32 bits");
  header(&d, 40, 1, 1, 32, 0, 0xffffffffu);
  d.len += 64;
  refused(&d, SB_EFIELD, "2^32-1 hint colours");
  header(&d, 40, 1, 1, 8, 0, 0);
  d.len += 4 * 255; /* one table entry short */
  refused(&d, SB_EFIELD, "table past the data");
  /* 65535 x 65535 at 32 bits: 16 GiB of pixels, refused from the header
   * alone (the rows are not there, and are not looked for). */
  header(&d, 40, 65535, 65535, 32, 0, 0);
  d.len += 64;
  refused(&d, SB_ETOOBIG, "16 GiB of pixels");
}

SB_TEST(dib_every_truncation_refused) {
  /* A valid 5 x 3 24-bit bitmap cut at every length: each is refused
   * cleanly (ASan and valgrind watch the reads), the whole one taken. */
  dib_buf_t d;
  header(&d, 40, 5, 3, 24, 0, 0);
  uint8_t rows[16 * 3];
  sbtest_fill(rows, sizeof rows, 3);
  append(&d, rows, sizeof rows);
  size_t full = d.len;
  for (size_t n = 0; n < full; n++) {
    sb_dib_layout_t lay;
    const char *why = NULL;
    uint8_t *cut = malloc(n ? n : 1); /* exactly n bytes, for ASan */
    CHECK(cut != NULL);
    memcpy(cut, d.b, n);
    CHECK_ERR(sb_dib_check(cut, n, &lay, &why), SB_EFIELD);
    CHECK(why != NULL);
    free(cut);
  }
  laid_out(&d, 5, 3, 0, 40, 48);
}
