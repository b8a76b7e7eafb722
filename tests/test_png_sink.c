/* SPDX-License-Identifier: MIT */
/* The PNG encoder's sink mode (agent/core/png.c, sb_png_enc_set_sink):
 * the file handed out in pieces while it is encoded. What the pieces
 * make is decoded by libpng (tests/support/pngdec.c) and compared with
 * the pixels; its zlib stream, cut over several IDATs, must be the very
 * stream the whole-buffer encoder puts in its one IDAT; every piece but
 * the last has exactly the size asked for; pieces go out as soon as the
 * bytes in them are final; a sink's error and the size cap stop the
 * encode; and the encoder never holds the whole file. */
#include <stdlib.h>
#include <string.h>

#include "pngdec.h"
#include "sb_png.h"
#include "sbtest.h"
#include "sessionbridge.h"

/* What a sink saw. Faults are counted, not CHECKed, inside the callback:
 * the test looks at them once the encoder call has returned. */
typedef struct {
  uint8_t *buf;
  size_t len, cap;
  size_t piece_max;
  size_t pieces;
  int last_seen;   /* a piece marked last came */
  int bad_size;    /* a piece not piece_max bytes and not the last, or
                      the last longer than piece_max or empty */
  int after_last;  /* a piece after the one marked last */
  size_t fail_at;  /* return fail_err for this piece (counted from 1) */
  int fail_err;
} sink_t;

static int sink_cb(void *arg, const uint8_t *data, size_t len, int last) {
  sink_t *s = arg;
  if (s->last_seen)
    s->after_last++;
  if (last ? len == 0 || len > s->piece_max : len != s->piece_max)
    s->bad_size++;
  s->pieces++;
  if (s->fail_at && s->pieces == s->fail_at)
    return s->fail_err;
  if (s->len + len > s->cap) {
    size_t cap = s->cap ? s->cap : 4096;
    while (cap < s->len + len)
      cap *= 2;
    uint8_t *b = realloc(s->buf, cap);
    if (!b)
      abort();
    s->buf = b;
    s->cap = cap;
  }
  memcpy(s->buf + s->len, data, len);
  s->len += len;
  s->last_seen |= last;
  return 0;
}

static uint32_t rd32(const uint8_t *p) {
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 |
         p[3];
}

/* The chunks of a PNG: signature, IHDR, one or more IDATs one after the
 * other, IEND last. Returns the zlib stream (the IDATs' data joined,
 * malloc'd) in *z, and the number of IDATs; ends[i] (if not NULL, room
 * for max_ends) is the offset just past IDAT i's CRC. libpng has checked
 * the CRCs (sbt_png_decode). */
static size_t idats(const uint8_t *png, size_t len, uint8_t **z, size_t *zlen,
                    size_t *ends, size_t max_ends) {
  size_t off = 8 + 25, n = 0;
  CHECK(len >= 8 + 25 + 12 + 12);
  CHECK_MEM(png, "\x89PNG\r\n\x1a\n", 8);
  CHECK_MEM(png + 12, "IHDR", 4);
  *z = malloc(len);
  *zlen = 0;
  CHECK(*z != NULL);
  while (off + 12 <= len && !memcmp(png + off + 4, "IDAT", 4)) {
    uint32_t c = rd32(png + off);
    CHECK(c <= len - off - 12);
    memcpy(*z + *zlen, png + off + 8, c);
    *zlen += c;
    off += 12 + c;
    if (ends && n < max_ends)
      ends[n] = off;
    n++;
  }
  CHECK(n >= 1);
  CHECK_EQ(off + 12, len); /* IEND, and nothing after it */
  CHECK_MEM(png + off, "\0\0\0\0IEND", 8);
  return n;
}

static void check_pixels(const uint8_t *rgb, const uint8_t *px, uint32_t w,
                         uint32_t h, size_t stride) {
  for (uint32_t y = 0; y < h; y++)
    for (uint32_t x = 0; x < w; x++) {
      const uint8_t *p = px + y * stride + (size_t)x * 4;
      const uint8_t *q = rgb + ((size_t)y * w + x) * 3;
      if (q[0] != p[2] || q[1] != p[1] || q[2] != p[0])
        sbtest_fail(__FILE__, __LINE__, "pixel", "mismatch");
    }
}

enum { PHOTO, FLAT, MIXED, NOISE, KINDS };

/* Pictures of each kind the encoder tells apart: photo-like (a smooth
 * gradient with small noise: Huffman-coded literals), flat (a background
 * with boxes: libdeflate), mixed (bands of the two) and noise (stored
 * blocks). Rows stride bytes apart, the padding filled with junk. */
static uint8_t *picture(int kind, uint32_t w, uint32_t h, size_t stride) {
  uint8_t *px = malloc(stride * h), *noise = malloc((size_t)w * h + 1);
  CHECK(px != NULL && noise != NULL);
  sbtest_fill(px, stride * h, 7 + (uint32_t)kind);
  sbtest_fill(noise, (size_t)w * h + 1, 41);
  if (kind != NOISE)
    for (uint32_t y = 0; y < h; y++)
      for (uint32_t x = 0; x < w; x++) {
        uint8_t *p = px + y * stride + (size_t)x * 4;
        size_t i = (size_t)y * w + x;
        int photo = kind == PHOTO || (kind == MIXED && (y / 13) % 2 == 0);
        if (photo) {
          p[0] = (uint8_t)(x + y + noise[i] % 5);
          p[1] = (uint8_t)(2 * x - y + noise[(i * 7 + 1) % (w * h)] % 5);
          p[2] = (uint8_t)(x * y / 64 + noise[(i * 13 + 5) % (w * h)] % 5);
        } else {
          int box = x > w / 5 && x < w / 2 && y % 17 > 3;
          p[0] = p[1] = p[2] = box ? 0xf0 : 0x30;
        }
        p[3] = 0xff;
      }
  free(noise);
  return px;
}

/* One encode with a sink: new (seg_bytes 0: the encoder's own sizes),
 * the rows in bands of band rows, finish. Returns the encoder's result;
 * the sink's record in *s. */
static int sink_encode(const uint8_t *px, uint32_t w, uint32_t h,
                       size_t stride, int level, size_t one_call_max,
                       size_t seg_bytes, size_t piece_max, uint32_t band,
                       sink_t *s, size_t *total) {
  sb_png_enc_t *e = NULL;
  int err;
  s->piece_max = piece_max;
  *total = 0;
  err = seg_bytes ? sb__png_enc_new_seg(w, h, level, one_call_max, seg_bytes,
                                        &e)
                  : sb_png_enc_new(w, h, level, &e);
  if (!err)
    err = sb_png_enc_set_sink(e, piece_max, sink_cb, s);
  for (uint32_t y = 0; !err && y < h; y += band)
    err = sb_png_enc_rows(e, px + (size_t)y * stride, stride,
                          h - y < band ? h - y : band);
  if (!err)
    err = sb_png_enc_finish_sink(e, total);
  sb_png_enc_free(e);
  return err;
}

/* The same encode into one buffer. */
static void whole_encode(const uint8_t *px, uint32_t w, uint32_t h,
                         size_t stride, int level, size_t one_call_max,
                         size_t seg_bytes, uint8_t **png, size_t *len) {
  sb_png_enc_t *e = NULL;
  if (seg_bytes)
    CHECK_OK(sb__png_enc_new_seg(w, h, level, one_call_max, seg_bytes, &e));
  else
    CHECK_OK(sb_png_enc_new(w, h, level, &e));
  CHECK_OK(sb_png_enc_rows(e, px, stride, h));
  CHECK_OK(sb_png_enc_finish(e, png, len));
  sb_png_enc_free(e);
}

/* Encode with a sink and check everything the header promises: the
 * pieces' sizes and order, the whole decoded by libpng to the pixels,
 * the same zlib stream as the whole-buffer encoder's. Returns the number
 * of IDATs. */
static size_t check_sink(const uint8_t *px, uint32_t w, uint32_t h,
                         size_t stride, int level, size_t one_call_max,
                         size_t seg_bytes, size_t piece_max, uint32_t band) {
  sink_t s;
  size_t total, zl, wl, wzl, len;
  uint8_t *rgb = malloc((size_t)w * h * 3), *z, *wz, *whole;
  memset(&s, 0, sizeof s);
  CHECK(rgb != NULL);
  CHECK_OK(sink_encode(px, w, h, stride, level, one_call_max, seg_bytes,
                       piece_max, band, &s, &total));
  CHECK_EQ(s.bad_size, 0);
  CHECK_EQ(s.after_last, 0);
  CHECK_EQ(s.last_seen, 1);
  CHECK_EQ(total, s.len);
  CHECK_EQ(s.pieces, (s.len + piece_max - 1) / piece_max);
  sbt_png_decode(s.buf, s.len, w, h, rgb);
  check_pixels(rgb, px, w, h, stride);
  size_t n = idats(s.buf, s.len, &z, &zl, NULL, 0);
  whole_encode(px, w, h, stride, level, one_call_max, seg_bytes, &whole,
               &wl);
  CHECK_EQ(idats(whole, wl, &wz, &wzl, NULL, 0), 1u);
  CHECK_EQ(zl, wzl);
  CHECK_MEM(z, wz, zl);
  /* The IDATs' framing is all that differs: 12 bytes each. */
  len = wl + (n - 1) * 12;
  CHECK_EQ(s.len, len);
  sb_free(whole);
  free(wz);
  free(z);
  free(s.buf);
  free(rgb);
  return n;
}

SB_TEST(png_sink_round_trip_kinds) {
  /* Each kind of picture, both compressions, at the encoder's own sizes
   * (one segment here: one IDAT) and in small segments (one IDAT for each
   * piece of the stream), with pieces from 7 bytes to more than the file,
   * rows in bands that do not line up with the segments. */
  enum { W = 203, H = 97 };
  static const size_t pieces[] = {7, 64, 1000, 4096, (size_t)1 << 19};
  size_t stride = W * 4 + 12, many = 0;
  for (int kind = 0; kind < KINDS; kind++) {
    uint8_t *px = picture(kind, W, H, stride);
    for (int level = SB_PNG_FAST; level <= SB_PNG_SMALL; level++)
      for (size_t k = 0; k < sizeof pieces / sizeof pieces[0]; k++) {
        CHECK_EQ(check_sink(px, W, H, stride, level, 0, 0, pieces[k], 11),
                 1u);
        size_t n = check_sink(px, W, H, stride, level, 7 * (W * 3 + 1),
                              5 * (W * 3 + 1), pieces[k], 9);
        CHECK(n >= 3); /* cut into several IDATs */
        many += n;
      }
    free(px);
  }
  fprintf(stderr, "IDATs in the small-segment encodes: %zu\n", many);
}

SB_TEST(png_sink_odd_widths) {
  /* Widths that are a multiple of nothing (1 pixel, odd, prime, not a
   * multiple of the SWAR pair or of 8 bytes), segments of 1 and 3 rows,
   * pieces of 1 and 13 bytes. */
  static const uint32_t ws[] = {1, 2, 3, 7, 61, 333};
  for (size_t i = 0; i < sizeof ws / sizeof ws[0]; i++) {
    uint32_t w = ws[i], h = 23;
    uint8_t *px = picture(MIXED, w, h, (size_t)w * 4);
    for (int level = SB_PNG_FAST; level <= SB_PNG_SMALL; level++) {
      check_sink(px, w, h, (size_t)w * 4, level, 0, w * 3 + 1, 1, 1);
      check_sink(px, w, h, (size_t)w * 4, level, 2 * (w * 3 + 1),
                 3 * (w * 3 + 1), 13, 4);
      check_sink(px, w, h, (size_t)w * 4, level, 0, 0, 13, 5);
    }
    free(px);
  }
}

SB_TEST(png_sink_one_pixel) {
  /* The smallest picture: one piece holding the whole PNG, or one byte a
   * piece, and a piece exactly the size of the file. */
  uint8_t px[4] = {10, 20, 30, 0xff};
  size_t total;
  sink_t s;
  for (int level = SB_PNG_FAST; level <= SB_PNG_SMALL; level++) {
    size_t len = 0;
    static const size_t pieces[] = {1, 2, 64, (size_t)1 << 19};
    for (size_t k = 0; k < sizeof pieces / sizeof pieces[0]; k++) {
      check_sink(px, 1, 1, 4, level, 0, 0, pieces[k], 1);
      memset(&s, 0, sizeof s);
      CHECK_OK(sink_encode(px, 1, 1, 4, level, 0, 0, pieces[k], 1, &s,
                           &total));
      len = s.len;
      free(s.buf);
    }
    /* A piece the size of the file: one piece, marked last. */
    memset(&s, 0, sizeof s);
    CHECK_OK(sink_encode(px, 1, 1, 4, level, 0, 0, len, 1, &s, &total));
    CHECK_EQ(s.pieces, 1u);
    CHECK_EQ(total, len);
    free(s.buf);
    /* One byte less: a full piece, then the last byte alone. */
    memset(&s, 0, sizeof s);
    CHECK_OK(sink_encode(px, 1, 1, 4, level, 0, 0, len - 1, 1, &s, &total));
    CHECK_EQ(s.pieces, 2u);
    CHECK_EQ(s.bad_size, 0);
    free(s.buf);
  }
}

/* A sink that also notes how many bytes had gone out when each rows call
 * returned. */
SB_TEST(png_sink_pieces_go_out_when_final) {
  /* Segments of S rows, each deflated alone (one_call_max 0), rows given
   * one at a time: the segment that row r (0-based) completes is
   * compressed when row r + 1 comes (the encoder waits for a row to know
   * the segment is not the last), and its bytes, ending its IDAT, are
   * final then. So once the call with row r returns, the sink must hold
   * every whole piece of the file up to the end of IDAT r / S - 1: no
   * more (nothing not final), no fewer (nothing final kept back). Every
   * kind, as every kind is cut the same way here. */
  enum { W = 97, H = 61, S = 4 };
  static const size_t pieces[] = {1, 50, 333, 4096};
  for (int kind = 0; kind < KINDS; kind++) {
    uint8_t *px = picture(kind, W, H, W * 4);
    for (size_t k = 0; k < sizeof pieces / sizeof pieces[0]; k++) {
      size_t pm = pieces[k], out_after[H], ends[H], total;
      sink_t s;
      sb_png_enc_t *e;
      memset(&s, 0, sizeof s);
      s.piece_max = pm;
      CHECK_OK(sb__png_enc_new_seg(W, H, SB_PNG_FAST, 0, S * (W * 3 + 1), &e));
      CHECK_OK(sb_png_enc_set_sink(e, pm, sink_cb, &s));
      for (uint32_t y = 0; y < H; y++) {
        CHECK_OK(sb_png_enc_rows(e, px + (size_t)y * W * 4, W * 4, 1));
        out_after[y] = s.len;
      }
      CHECK(!s.last_seen);
      CHECK_OK(sb_png_enc_finish_sink(e, &total));
      sb_png_enc_free(e);
      CHECK_EQ(s.bad_size, 0);
      uint8_t *z;
      size_t zl, n = idats(s.buf, s.len, &z, &zl, ends, H);
      free(z);
      CHECK_EQ(n, (H + S - 1) / S); /* an IDAT for each segment */
      for (uint32_t y = 0; y < H; y++) {
        size_t closed = y / S, want = closed ? ends[closed - 1] / pm * pm : 0;
        if (out_after[y] != want)
          fprintf(stderr, "kind %d piece %zu: after row %u %zu bytes out, "
                          "%zu final\n", kind, pm, y, out_after[y], want);
        CHECK_EQ(out_after[y], want);
      }
      free(s.buf);
    }
    free(px);
  }
}

/* Row y of the big pictures below: flat with boxes (mostly runs), or
 * (mix) its left 40 % photo-like, a gradient with noise. */
static void big_row(uint8_t *row, uint32_t w, uint32_t y, int mix) {
  uint32_t r = y * 2654435761u;
  for (uint32_t x = 0; x < w; x++) {
    uint8_t *p = row + (size_t)x * 4;
    if (mix && x < w * 2 / 5) {
      for (int k = 0; k < 3; k++) {
        r = r * 1103515245u + 12345u;
        p[k] = (uint8_t)(x + y * (k + 1) + (r >> 16) % 5);
      }
    } else {
      int box = x > 100 + y % 300 && x < 700 && y % 97 > 10;
      p[0] = p[1] = p[2] = box ? 0xf0 : 0x30;
    }
    p[3] = 0xff;
  }
}

SB_TEST(png_sink_rows_with_runs_go_out_a_call_at_a_time) {
  /* Rows with runs wait for one libdeflate call: up to 32 MiB of them
   * without a sink, so 12.3 MB of them are one call at the end. With a
   * sink a mix (under three quarters runs) waits for at most 8 MiB, so
   * the first call's pieces go out while rows still come; a flat picture
   * (mostly runs, a hundredfold smaller deflated) still waits for one
   * call: the same stream as without a sink. The rows are made one at a
   * time in one row's memory: the picture is never whole here either. */
  enum { W = 1024, H = 4000 };
  static uint8_t row[W * 4];
  size_t rowlen = W * 3 + 1;
  CHECK(rowlen * H > ((size_t)8 << 20) + ((size_t)1 << 20));
  for (int mix = 0; mix < 2; mix++) {
    uint8_t *whole = NULL, *z, *wz;
    size_t wlen = 0, zl, wzl, total, before_finish = 0;
    sink_t s;
    for (int pass = 0; pass < 2; pass++) {
      sb_png_enc_t *e;
      memset(&s, 0, sizeof s);
      s.piece_max = 4096;
      CHECK_OK(sb_png_enc_new(W, H, SB_PNG_FAST, &e));
      if (pass)
        CHECK_OK(sb_png_enc_set_sink(e, s.piece_max, sink_cb, &s));
      for (uint32_t y = 0; y < H; y++) {
        big_row(row, W, y, mix);
        CHECK_OK(sb_png_enc_rows(e, row, W * 4, 1));
      }
      before_finish = s.len;
      if (pass) {
        CHECK_OK(sb_png_enc_finish_sink(e, &total));
        CHECK_EQ(total, s.len);
      } else {
        CHECK_OK(sb_png_enc_finish(e, &whole, &wlen));
      }
      sb_png_enc_free(e);
    }
    fprintf(stderr, "%s: %zu of %zu bytes out before the finish; PNG %zu "
                    "bytes whole\n", mix ? "mix" : "flat", before_finish,
            s.len, wlen);
    CHECK_EQ(s.bad_size, 0);
    size_t n = idats(s.buf, s.len, &z, &zl, NULL, 0);
    CHECK_EQ(idats(whole, wlen, &wz, &wzl, NULL, 0), 1u);
    if (mix) {
      CHECK(n >= 2);
      CHECK(before_finish > 0);
    } else { /* one call, at the end: the very stream of the whole PNG */
      CHECK_EQ(n, 1u);
      CHECK_EQ(zl, wzl);
      CHECK_MEM(z, wz, zl);
    }
    /* Both decode (libpng) to the same pixels, which are the rows. */
    uint8_t *a = malloc((size_t)W * H * 3), *b = malloc((size_t)W * H * 3);
    CHECK(a != NULL && b != NULL);
    sbt_png_decode(s.buf, s.len, W, H, a);
    sbt_png_decode(whole, wlen, W, H, b);
    CHECK_MEM(a, b, (size_t)W * H * 3);
    for (uint32_t y = 0; y < H; y += 333) {
      big_row(row, W, y, mix);
      check_pixels(a + (size_t)y * W * 3, row, W, 1, W * 4);
    }
    free(a);
    free(b);
    free(z);
    free(wz);
    sb_free(whole);
    free(s.buf);
  }
}

SB_TEST(png_sink_error_stops_the_encode) {
  /* The sink refuses piece k: the encoder call that was handing it out
   * returns the sink's error, hands out nothing more, and every later
   * call returns the same error. The last piece (handed out by the
   * finish) too, and a sink that returns a positive number (not an
   * SB_E*) is taken as SB_EINVAL. */
  enum { W = 150, H = 80 };
  uint8_t *px = picture(PHOTO, W, H, W * 4);
  sink_t ref;
  size_t total;
  memset(&ref, 0, sizeof ref);
  CHECK_OK(sink_encode(px, W, H, W * 4, SB_PNG_FAST, 0, 4 * (W * 3 + 1), 256,
                       8, &ref, &total));
  CHECK(ref.pieces > 8);
  free(ref.buf);
  size_t at[] = {1, 2, 5, ref.pieces - 1, ref.pieces};
  for (size_t i = 0; i < sizeof at / sizeof at[0]; i++)
    for (int positive = 0; positive < 2; positive++) {
      sink_t s;
      sb_png_enc_t *e;
      int err = 0, want = positive ? SB_EINVAL : SB_EIO;
      memset(&s, 0, sizeof s);
      s.piece_max = 256;
      s.fail_at = at[i];
      s.fail_err = positive ? 1 : SB_EIO;
      CHECK_OK(sb__png_enc_new_seg(W, H, SB_PNG_FAST, 0, 4 * (W * 3 + 1), &e));
      CHECK_OK(sb_png_enc_set_sink(e, 256, sink_cb, &s));
      uint32_t y = 0;
      for (; y < H && !err; y += 8)
        err = sb_png_enc_rows(e, px + (size_t)y * W * 4, W * 4, 8);
      if (!err) {
        CHECK(at[i] >= ref.pieces - 1); /* only the finish had them */
        err = sb_png_enc_finish_sink(e, &total);
        CHECK_EQ(total, 0u);
      } else {
        CHECK(at[i] < ref.pieces - 1);
        /* Later calls: the same error, nothing handed out. */
        if (y < H)
          CHECK_ERR(sb_png_enc_rows(e, px + (size_t)y * W * 4, W * 4,
                                    H - y),
                    want);
        /* All rows in (the refused band was the last): the error;
         * otherwise the rows are missing. */
        CHECK_ERR(sb_png_enc_finish_sink(e, &total),
                  y < H ? SB_EINVAL : want);
      }
      CHECK_EQ(err, want);
      CHECK_EQ(s.pieces, at[i]); /* none after the refused one */
      CHECK(!s.last_seen);
      sb_png_enc_free(e);
      free(s.buf);
    }
  free(px);
}

SB_TEST(png_sink_too_big) {
  /* The PNG may be at most the cap (SB_SCREENSHOT_MAX, made small here):
   * exactly the cap is fine, a byte less than the file is SB_ETOOBIG,
   * with a sink and without; with a sink once pieces went out when the
   * cap is far below the file, and no piece marked last. */
  enum { W = 120, H = 90 };
  for (int kind = 0; kind < KINDS; kind++) {
    uint8_t *px = picture(kind, W, H, W * 4);
    for (int level = SB_PNG_FAST; level <= SB_PNG_SMALL; level++)
      for (int sink = 0; sink < 2; sink++) {
        /* The size without a cap, then caps at it, a byte under, half. */
        size_t len = 0, caps[3];
        uint8_t *png;
        whole_encode(px, W, H, W * 4, level, 0, 5 * (W * 3 + 1), &png, &len);
        sb_free(png);
        if (sink) {
          sink_t s;
          size_t total;
          memset(&s, 0, sizeof s);
          CHECK_OK(sink_encode(px, W, H, W * 4, level, 0, 5 * (W * 3 + 1),
                               100, 10, &s, &total));
          len = total;
          free(s.buf);
        }
        caps[0] = len, caps[1] = len - 1, caps[2] = len / 2;
        for (int c = 0; c < 3; c++) {
          sb_png_enc_t *e;
          sink_t s;
          size_t total = 0, plen = 0;
          int err = 0;
          memset(&s, 0, sizeof s);
          s.piece_max = 100;
          CHECK_OK(sb__png_enc_new_seg(W, H, level, 0, 5 * (W * 3 + 1), &e));
          CHECK_OK(sb__png_enc_set_max(e, caps[c]));
          if (sink)
            CHECK_OK(sb_png_enc_set_sink(e, 100, sink_cb, &s));
          for (uint32_t y = 0; y < H && !err; y += 10)
            err = sb_png_enc_rows(e, px + (size_t)y * W * 4, W * 4, 10);
          if (!err)
            err = sink ? sb_png_enc_finish_sink(e, &total)
                       : sb_png_enc_finish(e, &png, &plen);
          if (c == 0) {
            CHECK_OK(err);
            CHECK_EQ(sink ? total : plen, len);
            if (!sink)
              sb_free(png);
          } else {
            CHECK_ERR(err, SB_ETOOBIG);
            CHECK(!s.last_seen);
            CHECK(s.len <= caps[c]);
            if (c == 2 && sink && level == SB_PNG_FAST)
              CHECK(s.len > 0); /* refused after pieces went out */
          }
          sb_png_enc_free(e);
          free(s.buf);
        }
      }
    free(px);
  }
}

SB_TEST(png_sink_misuse_refused) {
  uint8_t px[4 * 4] = {0}, *png = NULL;
  size_t len = 0;
  sink_t s;
  sb_png_enc_t *e = NULL;
  memset(&s, 0, sizeof s);
  s.piece_max = 64;
  CHECK_ERR(sb_png_enc_set_sink(NULL, 64, sink_cb, &s), SB_EINVAL);
  CHECK_OK(sb_png_enc_new(2, 2, SB_PNG_FAST, &e));
  CHECK_ERR(sb_png_enc_set_sink(e, 0, sink_cb, &s), SB_EINVAL);
  CHECK_ERR(sb_png_enc_set_sink(e, 64, NULL, &s), SB_EINVAL);
  CHECK_OK(sb_png_enc_rows(e, px, 8, 2));
  /* No sink: finish_sink refused, finish works. */
  CHECK_ERR(sb_png_enc_finish_sink(e, &len), SB_EINVAL);
  CHECK_OK(sb_png_enc_finish(e, &png, &len));
  sb_free(png);
  sb_png_enc_free(e);
  /* A sink after the first rows: refused. */
  CHECK_OK(sb_png_enc_new(2, 2, SB_PNG_FAST, &e));
  CHECK_OK(sb_png_enc_rows(e, px, 8, 1));
  CHECK_ERR(sb_png_enc_set_sink(e, 64, sink_cb, &s), SB_EINVAL);
  sb_png_enc_free(e);
  /* A sink set: finish refused, finish_sink only once all rows are in. */
  CHECK_OK(sb_png_enc_new(2, 2, SB_PNG_FAST, &e));
  CHECK_OK(sb_png_enc_set_sink(e, 64, sink_cb, &s));
  CHECK_OK(sb_png_enc_rows(e, px, 8, 1));
  CHECK_ERR(sb_png_enc_finish_sink(e, &len), SB_EINVAL);
  CHECK_OK(sb_png_enc_rows(e, px, 8, 1));
  png = NULL;
  CHECK_ERR(sb_png_enc_finish(e, &png, &len), SB_EINVAL);
  CHECK(png == NULL);
  CHECK_OK(sb_png_enc_finish_sink(e, &len));
  CHECK_EQ(len, s.len);
  CHECK(s.last_seen);
  /* Done: a second finish hands out nothing. */
  size_t pieces = s.pieces;
  CHECK_ERR(sb_png_enc_finish_sink(e, &len), SB_EINVAL);
  CHECK_EQ(s.pieces, pieces);
  sb_png_enc_free(e);
  free(s.buf);
}

/* The encoder's allocations counted through the library's allocator
 * hooks: a size header on each block, the bytes live and their peak. */
static size_t live, peak;

static void *count_malloc(size_t n) {
  size_t *p = malloc(n + 16);
  if (!p)
    return NULL;
  p[0] = n;
  live += n;
  peak = live > peak ? live : peak;
  return (uint8_t *)p + 16;
}

static void *count_realloc(void *old, size_t n) {
  if (!old)
    return count_malloc(n);
  size_t *p = (size_t *)((uint8_t *)old - 16), was = p[0];
  size_t *q = realloc(p, n + 16);
  if (!q)
    return NULL;
  q[0] = n;
  live = live - was + n;
  peak = live > peak ? live : peak;
  return (uint8_t *)q + 16;
}

static void count_free(void *ptr) {
  if (!ptr)
    return;
  size_t *p = (size_t *)((uint8_t *)ptr - 16);
  live -= p[0];
  free(p);
}

SB_TEST(png_sink_memory_bounded) {
  /* A noise picture (stored blocks: the PNG as big as the pixels' RGB,
   * 1.9 MB) in segments of 64 KiB, each deflated alone, pieces of 16 KiB.
   * Without a sink the encoder's peak is at least the PNG; with one, it
   * stays at its working set (the segment's filtered rows, a few rows)
   * plus one segment's output and a piece, whatever the picture's size.
   * Allocations through the library's hooks (libdeflate's and zlib's
   * own are not seen; this picture uses neither). */
  enum { W = 800, H = 800 };
  size_t seg = (size_t)64 << 10, pm = (size_t)16 << 10, rowlen = W * 3 + 1;
  uint8_t *px = picture(NOISE, W, H, W * 4), *png;
  size_t len, total, whole_peak, sink_peak;
  sink_t s;
  memset(&s, 0, sizeof s);
  CHECK_OK(sb_replace_allocator(count_malloc, count_realloc, count_free));
  live = peak = 0;
  whole_encode(px, W, H, W * 4, SB_PNG_FAST, 0, seg, &png, &len);
  whole_peak = peak;
  sb_free(png);
  CHECK_EQ(live, 0u);
  live = peak = 0;
  int err = sink_encode(px, W, H, W * 4, SB_PNG_FAST, 0, seg, pm, 50, &s,
                        &total);
  sink_peak = peak;
  CHECK_OK(sb_replace_allocator(NULL, NULL, NULL));
  CHECK_OK(err);
  CHECK_EQ(live, 0u);
  CHECK_EQ(total, s.len);
  fprintf(stderr, "peak bytes allocated: %zu whole (PNG %zu), %zu with a "
                  "sink of %zu-byte pieces\n", whole_peak, len, sink_peak, pm);
  CHECK(whole_peak >= len);
  /* The segment's rows (at most seg), the output of one segment
   * (seg + seg / 1024 + headroom), a piece, the rows kept (3 of them). */
  CHECK(sink_peak <= 2 * seg + seg / 1024 + pm + 4 * rowlen + 4096);
  CHECK(sink_peak * 8 < len);
  free(s.buf);
  free(px);
}
