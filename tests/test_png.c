/* SPDX-License-Identifier: MIT */
/* The agent's PNG encoder, checked by decoding what it wrote with libpng
 * (tests/support/pngdec.c): signature, IHDR, every chunk CRC, the zlib
 * stream and its Adler-32, the row filters undone and the pixels
 * compared. The
 * e2e screenshot oracle decodes the same PNGs with ImageMagick. */
#include <zlib.h>

#include "pngdec.h"
#include "sb_png.h"
#include "sbtest.h"
#include "sessionbridge.h"

static void check_pixels(const uint8_t *rgb, const uint8_t *px, int w,
                         int h) {
  for (int i = 0; i < w * h; i++)
    if (rgb[i * 3] != px[i * 4 + 2] || rgb[i * 3 + 1] != px[i * 4 + 1] ||
        rgb[i * 3 + 2] != px[i * 4])
      sbtest_fail(__FILE__, __LINE__, "pixel", "mismatch");
}

SB_TEST(png_round_trip) {
  enum { W = 300, H = 250 };
  static uint8_t px[W * H * 4], rgb[W * H * 3];
  uint8_t *png;
  size_t len;
  sbtest_fill(px, sizeof px, 5); /* noise: the incompressible worst case */
  CHECK_OK(sb_png_encode_bgra(px, W, H, W * 4, &png, &len));
  sbt_png_decode(png, len, W, H, rgb);
  check_pixels(rgb, px, W, H);
  sb_free(png);
}

SB_TEST(png_desktop_compresses) {
  /* A flat background, a gradient bar and a box with text-like noise:
   * the shape of a desktop. Stored it would be (W*3+1)*H bytes. */
  enum { W = 640, H = 400 };
  static uint8_t px[W * H * 4], rgb[W * H * 3];
  uint8_t *png;
  size_t len;
  for (int y = 0; y < H; y++)
    for (int x = 0; x < W; x++) {
      uint8_t *p = px + (y * W + x) * 4;
      p[0] = 0xcc, p[1] = 0x66, p[2] = 0x33, p[3] = 0xff;
      if (y < 24)
        p[0] = p[1] = p[2] = (uint8_t)(x * 255 / W);
      if (y >= 150 && y < 250 && x >= 200 && x < 440)
        p[0] = p[1] = p[2] = ((x * 7 + y * 13) % 11) < 3 ? 0 : 0xf0;
    }
  CHECK_OK(sb_png_encode_bgra(px, W, H, W * 4, &png, &len));
  size_t idat = sbt_png_decode(png, len, W, H, rgb);
  check_pixels(rgb, px, W, H);
  fprintf(stderr, "%dx%d desktop-like image: %zu bytes of PNG, %zu stored\n",
          W, H, len, (size_t)(W * 3 + 1) * H);
  CHECK(idat * 20 < (size_t)(W * 3 + 1) * H);
  sb_free(png);
}

SB_TEST(png_stride_and_one_pixel) {
  /* Rows padded past the pixels (a stride) and the smallest image. */
  uint8_t px[2 * 8] = {1, 2, 3, 0, 9, 9, 9, 9, 4, 5, 6, 0, 9, 9, 9, 9};
  uint8_t rgb[6];
  uint8_t *png;
  size_t len;
  CHECK_OK(sb_png_encode_bgra(px, 1, 2, 8, &png, &len));
  sbt_png_decode(png, len, 1, 2, rgb);
  CHECK(rgb[0] == 3 && rgb[1] == 2 && rgb[2] == 1);
  CHECK(rgb[3] == 6 && rgb[4] == 5 && rgb[5] == 4);
  sb_free(png);
}

SB_TEST(png_refuses_oversize) {
  uint8_t px[4] = {0};
  uint8_t *png;
  size_t len;
  /* One pixel over SB_PNG_PIXELS_MAX: refused before allocating or
   * reading a row (px is four bytes). */
  CHECK_ERR(sb_png_encode_bgra(px, SB_PNG_PIXELS_MAX / 1024 + 1, 1024,
                               (SB_PNG_PIXELS_MAX / 1024 + 1) * 4, &png, &len),
            SB_ETOOBIG);
  CHECK_ERR(sb_png_encode_bgra(px, 0, 1, 4, &png, &len), SB_EINVAL);
}

SB_TEST(png_small_every_filter) {
  /* --compression small picks a filter per row: rows that favour None
   * (noise), Sub (horizontal ramps), Up (vertical stripes) and Paeth
   * (diagonal ramps), all decoded back exactly by libpng. */
  enum { W = 96, H = 64 };
  static uint8_t px[W * H * 4], rgb[W * H * 3];
  uint8_t *png;
  size_t len;
  sbtest_fill(px, sizeof px, 11);
  for (int y = 0; y < H; y++)
    for (int x = 0; x < W; x++) {
      uint8_t *p = px + (y * W + x) * 4;
      switch (y / 16) {
      case 0: /* noise as filled */
        break;
      case 1:
        p[0] = p[1] = p[2] = (uint8_t)(x * 3);
        break;
      case 2:
        p[0] = p[1] = p[2] = (uint8_t)((x % 7) * 30);
        break;
      default:
        p[0] = (uint8_t)(x + y * 2), p[1] = (uint8_t)(x * 2 + y),
        p[2] = (uint8_t)(x + y);
      }
    }
  CHECK_OK(sb_png_encode_bgra_level(px, W, H, W * 4, SB_PNG_SMALL, &png,
                                    &len));
  sbt_png_decode(png, len, W, H, rgb);
  check_pixels(rgb, px, W, H);
  /* And choosing per row pays: no larger than fast (a filter per group
   * of 32 rows) on this picture. */
  uint8_t *fast;
  size_t flen;
  CHECK_OK(sb_png_encode_bgra(px, W, H, W * 4, &fast, &flen));
  CHECK(len <= flen);
  sb_free(fast);
  sb_free(png);
}

/* The filter byte of each row of a PNG sb_png wrote (one IDAT), found by
 * inflating its stream with zlib: the encoder's choices, seen from
 * outside. */
static void row_filters(const uint8_t *png, size_t len, uint32_t w,
                        uint32_t h, uint8_t *filters) {
  size_t rowlen = (size_t)w * 3 + 1, raw_len = rowlen * h;
  uint8_t *raw = malloc(raw_len);
  CHECK(raw != NULL);
  CHECK(len > 8 + 25 + 8);
  const uint8_t *idat = png + 8 + 25; /* after the signature and IHDR */
  CHECK(memcmp(idat + 4, "IDAT", 4) == 0);
  uLong n = (uLong)idat[0] << 24 | idat[1] << 16 | idat[2] << 8 | idat[3];
  uLongf out = (uLongf)raw_len;
  CHECK_EQ(uncompress(raw, &out, idat + 8, n), Z_OK);
  CHECK_EQ(out, raw_len);
  for (uint32_t y = 0; y < h; y++)
    filters[y] = raw[y * rowlen];
  free(raw);
}

SB_TEST(png_fast_filter_per_group) {
  /* --compression fast chooses None, Sub, Up or Avg for each group of 32
   * rows from its first row: noise, a horizontal ramp, vertical stripes
   * and a smooth two-way gradient, 32 rows each, get three or more
   * different filters, one per group, and libpng decodes them all back
   * exactly. */
  enum { W = 200, H = 128 };
  static uint8_t px[W * H * 4], rgb[W * H * 3];
  uint8_t filters[H], *png;
  size_t len;
  sbtest_fill(px, sizeof px, 17);
  /* Each kind starts a row before its group, so the group's first row
   * (where the choice is made) sees the same kind above it. */
  for (int y = 32; y < H; y++)
    for (int x = 0; x < W; x++) {
      uint8_t *p = px + (y * W + x) * 4;
      switch ((y + 1) / 32) {
      case 1: /* a horizontal ramp, different on every row: Sub */
        p[0] = p[1] = p[2] = (uint8_t)(x * 5 + y * 77);
        break;
      case 2: /* stripes down the picture, each row the one above: Up */
        p[0] = (uint8_t)((x % 13) * 19), p[1] = (uint8_t)((x % 7) * 37),
        p[2] = (uint8_t)((x % 5) * 51);
        break;
      default: /* 4(x - y): left is 4 less, up 4 more, their mean: Avg */
        p[0] = p[1] = p[2] = (uint8_t)(100 + (x - y) % 32 * 4);
      }
    }
  CHECK_OK(sb_png_encode_bgra(px, W, H, W * 4, &png, &len));
  sbt_png_decode(png, len, W, H, rgb);
  check_pixels(rgb, px, W, H);
  row_filters(png, len, W, H, filters);
  int seen[5] = {0}, kinds = 0;
  for (int y = 0; y < H; y++) {
    CHECK(filters[y] <= 3); /* Paeth is not one fast chooses */
    CHECK_EQ(filters[y], filters[y / 32 * 32]);
    if (!seen[filters[y]]++)
      kinds++;
  }
  fprintf(stderr, "filters of the four groups: %d %d %d %d\n", filters[0],
          filters[32], filters[64], filters[96]);
  CHECK(kinds >= 3);
  CHECK_EQ(filters[32], 1); /* ramp: Sub */
  CHECK_EQ(filters[64], 2); /* stripes: Up */
  CHECK_EQ(filters[96], 3); /* the diagonal: Avg */
  sb_free(png);
}

SB_TEST(png_rows_in_pieces_same_bytes) {
  /* A capture hands the encoder bands of rows; the PNG must be the same
   * as from one call, whatever the band sizes. */
  enum { W = 123, H = 77 };
  static uint8_t px[W * H * 4];
  uint8_t *one, *inc;
  size_t one_len, inc_len;
  sb_png_enc_t *e;
  sbtest_fill(px, sizeof px, 3);
  for (int i = 0; i < W * 20 * 4; i++) /* a flat band too */
    px[i] = 0x40;
  for (int level = SB_PNG_FAST; level <= SB_PNG_SMALL; level++) {
    CHECK_OK(sb_png_encode_bgra_level(px, W, H, W * 4, level, &one, &one_len));
    CHECK_OK(sb_png_enc_new(W, H, level, &e));
    uint32_t y = 0, band[] = {1, 7, 32, 30, 7};
    for (size_t k = 0; k < sizeof band / sizeof band[0]; k++) {
      CHECK_OK(sb_png_enc_rows(e, px + (size_t)y * W * 4, W * 4, band[k]));
      y += band[k];
    }
    CHECK_EQ(y, H);
    CHECK_OK(sb_png_enc_finish(e, &inc, &inc_len));
    sb_png_enc_free(e);
    CHECK_EQ(inc_len, one_len);
    CHECK_MEM(inc, one, one_len);
    sb_free(one);
    sb_free(inc);
  }
}

SB_TEST(png_segments_joined) {
  /* Big pictures are deflated in segments joined into one zlib stream
   * (each segment's final block made non-final, an empty stored block
   * after it). Forced here onto small pictures, with segments of 1, 2, 3
   * and 13 rows, so the joins fall at every bit position and on every
   * coder (noise: huff.c's literals, stored; half flat: libdeflate level
   * 3; flat: 6), both compressions:
   * libpng must decode each to the same pixels, and the stream must hold
   * exactly one final block (libpng checks the Adler-32 and that the
   * stream ends where the IDAT does). */
  enum { W = 61, H = 40 };
  static uint8_t px[W * H * 4], rgb[W * H * 3];
  static const uint32_t seg_rows[] = {1, 2, 3, 13};
  int joined = 0;
  for (int kind = 0; kind < 3; kind++) {
    sbtest_fill(px, sizeof px, 21 + kind);
    for (int i = 0; i < W * H; i++)
      if (kind == 2 || (kind == 1 && i % W < W / 2))
        px[4 * i] = px[4 * i + 1] = px[4 * i + 2] = 0x40;
    for (int level = SB_PNG_FAST; level <= SB_PNG_SMALL; level++)
      for (size_t k = 0; k < sizeof seg_rows / sizeof seg_rows[0]; k++) {
        sb_png_enc_t *e;
        uint8_t *png, *one;
        size_t len, one_len;
        CHECK_OK(sb__png_enc_new_seg(W, H, level, 0,
                                     seg_rows[k] * (W * 3 + 1), &e));
        /* In bands that do not line up with the segments. */
        for (uint32_t y = 0; y < H; y += 7)
          CHECK_OK(sb_png_enc_rows(e, px + (size_t)y * W * 4, W * 4,
                                   H - y < 7 ? H - y : 7));
        CHECK_OK(sb_png_enc_finish(e, &png, &len));
        sb_png_enc_free(e);
        sbt_png_decode(png, len, W, H, rgb);
        check_pixels(rgb, px, W, H);
        /* zlib agrees: one stream, nothing after it. */
        uint8_t filters[H];
        row_filters(png, len, W, H, filters);
        /* Joined or not, the same rows: the one-call PNG differs only in
         * how the stream is cut, and decodes to the same pixels. */
        CHECK_OK(sb_png_encode_bgra_level(px, W, H, W * 4, level, &one,
                                          &one_len));
        CHECK(len > one_len); /* the joins cost a few bytes each */
        sb_free(one);
        sb_free(png);
        joined++;
      }
  }
  CHECK_EQ(joined, 24);
}

SB_TEST(png_enc_misuse_refused) {
  uint8_t px[4 * 4] = {0}, *png = NULL;
  size_t len = 0;
  sb_png_enc_t *e = NULL;
  CHECK_ERR(sb_png_enc_new(2, 2, 2, &e), SB_EINVAL); /* no such level */
  CHECK(e == NULL);
  CHECK_OK(sb_png_enc_new(2, 2, SB_PNG_FAST, &e));
  CHECK_ERR(sb_png_enc_rows(e, px, 4, 1), SB_EINVAL); /* stride < 2 px */
  CHECK_OK(sb_png_enc_rows(e, px, 8, 1));
  CHECK_ERR(sb_png_enc_finish(e, &png, &len), SB_EINVAL); /* a row short */
  CHECK_ERR(sb_png_enc_rows(e, px, 8, 2), SB_EINVAL);     /* a row over */
  CHECK_OK(sb_png_enc_rows(e, px, 8, 1));
  CHECK_OK(sb_png_enc_finish(e, &png, &len));
  CHECK(png != NULL && len > 0);
  sb_png_enc_free(e);
  sb_free(png);
}
