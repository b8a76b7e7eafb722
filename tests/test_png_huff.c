/* SPDX-License-Identifier: MIT */
/* The PNG encoder's literals-only deflate (agent/core/huff.c): its
 * Huffman codes, its streams as zlib inflates them (alone and in pieces
 * continued by later calls), and the encoder's choice of it for
 * photo-like segments, joined with libdeflate's pieces for the rest. */
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "pngdec.h"
#include "sb_huff.h"
#include "sb_png.h"
#include "sbtest.h"
#include "sessionbridge.h"

/* Lengths of a code: none over maxlen, symbols that occur coded and the
 * others not, and the code complete (Kraft sum exactly 1). */
static void check_code(const uint32_t *freq, const uint8_t *len, int n,
                       int maxlen) {
  uint64_t kraft = 0;
  for (int i = 0; i < n; i++) {
    CHECK(len[i] <= maxlen);
    CHECK((freq[i] != 0) == (len[i] != 0));
    if (len[i])
      kraft += (uint64_t)1 << (maxlen - len[i]);
  }
  CHECK_EQ(kraft, (uint64_t)1 << maxlen);
}

SB_TEST(png_huff_lengths_limited_complete) {
  uint32_t freq[257];
  uint8_t len[257];
  /* Fibonacci weights make the deepest Huffman tree: unlimited, 40 of
   * them would reach depth 39. */
  memset(freq, 0, sizeof freq);
  for (int i = 0; i < 40; i++)
    freq[i * 3] = i < 2 ? 1 : freq[(i - 1) * 3] + freq[(i - 2) * 3];
  sb__huff_lengths(freq, 257, 15, len);
  check_code(freq, len, 257, 15);
  int deepest = 0;
  for (int i = 0; i < 257; i++)
    deepest = len[i] > deepest ? len[i] : deepest;
  CHECK_EQ(deepest, 15); /* limited, not flattened more than needed */
  /* The code-length code's limit, 7, on 19 symbols. */
  for (int i = 0; i < 19; i++)
    freq[i] = i < 2 ? 1 : freq[i - 1] + freq[i - 2];
  sb__huff_lengths(freq, 19, 7, len);
  check_code(freq, len, 19, 7);
  /* All 257 alike: eight bits each but one pair of nine. */
  for (int i = 0; i < 257; i++)
    freq[i] = 1000;
  sb__huff_lengths(freq, 257, 15, len);
  check_code(freq, len, 257, 15);
  /* A more frequent symbol never gets a longer code. */
  for (int i = 0; i < 257; i++)
    freq[i] = (uint32_t)(i * i + 1);
  sb__huff_lengths(freq, 257, 15, len);
  check_code(freq, len, 257, 15);
  for (int i = 1; i < 257; i++)
    CHECK(len[i] <= len[i - 1]);
  /* One symbol alone is paired, so the code is complete. */
  memset(freq, 0, sizeof freq);
  freq[7] = 5;
  sb__huff_lengths(freq, 257, 15, len);
  CHECK_EQ(len[7], 1);
  CHECK_EQ(len[0], 1);
  memset(freq, 0, sizeof freq);
  freq[0] = 5;
  sb__huff_lengths(freq, 257, 15, len);
  CHECK(len[0] == 1 && len[1] == 1);
}

/* Inflate a raw deflate stream with zlib: it must end (a final block)
 * exactly at its last byte and give want bytes equal to expect. */
static void check_inflates(const uint8_t *z, size_t zlen, const uint8_t *expect,
                           size_t want) {
  z_stream s;
  uint8_t *out = malloc(want + 1);
  CHECK(out != NULL);
  memset(&s, 0, sizeof s);
  CHECK_EQ(inflateInit2(&s, -15), Z_OK);
  s.next_in = (Bytef *)z;
  s.avail_in = (uInt)zlen;
  s.next_out = out;
  s.avail_out = (uInt)want + 1;
  CHECK_EQ(inflate(&s, Z_FINISH), Z_STREAM_END);
  CHECK_EQ(s.avail_in, 0u);
  CHECK_EQ(s.total_out, want);
  CHECK_MEM(out, expect, want);
  inflateEnd(&s);
  free(out);
}

SB_TEST(png_huff_streams_inflate) {
  /* Blocks of 128 KiB: 300 000 bytes are three blocks. Skewed bytes (a
   * photo's residuals: most near zero) are coded; uniform noise is
   * stored (a code would be bigger); one byte value alone is the
   * smallest code (two symbols). Each alone, then all in pieces of
   * several calls, non-final ones continued by the next. */
  enum { N = 300000 };
  static uint8_t in[3][N], all[3 * N];
  static uint8_t z[3 * N + 3 * N / 1024 + 4 * 64];
  sbtest_fill(in[1], N, 9);
  for (size_t i = 0; i < N; i++) {
    int v = (in[1][i] % 7) - 3 + (in[1][(i * 7) % N] % 3) - 1;
    in[0][i] = (uint8_t)v; /* -4..4: skewed */
    in[2][i] = 0x05;
  }
  for (int k = 0; k < 3; k++) {
    size_t zl = sb__huff_deflate(in[k], N, z, 1);
    CHECK(zl <= sb__huff_bound(N));
    check_inflates(z, zl, in[k], N);
    if (k == 0)
      CHECK(zl < N / 2); /* coded: about 3 bits a byte */
    if (k == 1)
      CHECK(zl >= N && zl < N + 64); /* stored */
    if (k == 2)
      CHECK(zl < N / 7); /* one bit a byte */
    memcpy(all + (size_t)k * N, in[k], N);
  }
  /* Pieces ending anywhere, empty ones among them, a final empty one. */
  static const size_t cut[] = {0, 1, 2, 3, 131072, 131075, 0, 262144, 7};
  size_t at = 0, zl = 0;
  for (size_t k = 0; k < sizeof cut / sizeof cut[0]; k++) {
    zl += sb__huff_deflate(all + at, cut[k], z + zl, 0);
    at += cut[k];
  }
  zl += sb__huff_deflate(all + at, 3 * N - at, z + zl, 1);
  check_inflates(z, zl, all, 3 * N);
  zl = sb__huff_deflate(all, 0, z, 1); /* nothing at all, final */
  check_inflates(z, zl, all, 0);
}

/* The first deflate block of a PNG sb_png wrote: a dynamic block from
 * huff.c has exactly 257 literal/length codes and 2 distance codes
 * (HLIT 0, HDIST 1); libdeflate's blocks have length codes. */
static int first_block_is_huff(const uint8_t *png) {
  const uint8_t *d = png + 8 + 25 + 8 + 2; /* past the zlib header */
  uint32_t b = (uint32_t)d[0] | (uint32_t)d[1] << 8 | (uint32_t)d[2] << 16;
  int btype = (b >> 1) & 3, hlit = (b >> 3) & 31, hdist = (b >> 8) & 31;
  return btype == 2 && hlit == 0 && hdist == 1;
}

SB_TEST(png_huff_photo_and_flat_joined) {
  /* A smooth gradient with small noise (photo-like: residuals near zero
   * but few runs of zeros) and a flat field with boxes (runs), stacked
   * as bands of rows: photo/flat/photo/flat. With segments of 5 rows and
   * up to 12 rows' worth waiting for libdeflate, every order of the two
   * coders meets: huff after libdeflate pieces (which are then walked
   * and made non-final), libdeflate after huff, and runs of flat
   * segments deflated together. libpng must read back the pixels, and
   * the photo-like picture alone must be Huffman-coded, the flat one
   * not, by fast and by small. */
  enum { W = 160, H = 80 };
  static uint8_t px[W * H * 4], noise[W * H], rgb[W * H * 3];
  sbtest_fill(noise, sizeof noise, 33);
  for (int kind = 0; kind < 3; kind++) {
    for (int y = 0; y < H; y++)
      for (int x = 0; x < W; x++) {
        uint8_t *p = px + ((size_t)y * W + x) * 4;
        int photo = kind == 0 || (kind == 2 && (y / 17) % 2 == 0);
        if (photo) { /* noise of its own in each channel */
          int i = y * W + x;
          p[0] = (uint8_t)(x + y + noise[i] % 5);
          p[1] = (uint8_t)(2 * x - y + noise[(i * 7 + 1) % (W * H)] % 5);
          p[2] = (uint8_t)(x * y / 64 + noise[(i * 13 + 5) % (W * H)] % 5);
        } else {
          int box = x > 20 && x < 90 && y % 17 > 3;
          p[0] = p[1] = p[2] = box ? 0xf0 : 0x30;
        }
        p[3] = 0xff;
      }
    for (size_t wait = 0; wait <= 12; wait += 12) {
      sb_png_enc_t *e;
      uint8_t *png;
      size_t len;
      CHECK_OK(sb__png_enc_new_seg(W, H, SB_PNG_FAST, wait * (W * 3 + 1),
                                   5 * (W * 3 + 1), &e));
      for (uint32_t y = 0; y < H; y += 9)
        CHECK_OK(sb_png_enc_rows(e, px + (size_t)y * W * 4, W * 4,
                                 H - y < 9 ? H - y : 9));
      CHECK_OK(sb_png_enc_finish(e, &png, &len));
      sb_png_enc_free(e);
      sbt_png_decode(png, len, W, H, rgb);
      for (int i = 0; i < W * H; i++)
        if (rgb[i * 3] != px[i * 4 + 2] || rgb[i * 3 + 1] != px[i * 4 + 1] ||
            rgb[i * 3 + 2] != px[i * 4])
          CHECK(!"pixel mismatch");
      if (kind == 0)
        CHECK(first_block_is_huff(png));
      if (kind == 1)
        CHECK(!first_block_is_huff(png));
      if (kind == 2) /* the first band is photo-like */
        CHECK(first_block_is_huff(png));
      sb_free(png);
    }
    /* small deflates the whole picture with libdeflate level 6 and with
     * literals alone, and keeps the smaller: literals on the photo-like
     * picture, libdeflate on the flat one. */
    uint8_t *png;
    size_t len;
    CHECK_OK(
        sb_png_encode_bgra_level(px, W, H, W * 4, SB_PNG_SMALL, &png, &len));
    sbt_png_decode(png, len, W, H, rgb);
    for (int i = 0; i < W * H; i++)
      if (rgb[i * 3] != px[i * 4 + 2] || rgb[i * 3 + 1] != px[i * 4 + 1] ||
          rgb[i * 3 + 2] != px[i * 4])
        CHECK(!"pixel mismatch");
    if (kind < 2)
      CHECK_EQ(first_block_is_huff(png), kind == 0);
    sb_free(png);
  }
}
