/* SPDX-License-Identifier: MIT */
/* libFuzzer: the PNG reader behind clipboard image set, the bitmap it
 * becomes, and the encoder. Every input gives pixels of the size the
 * header claims or a refusal with a reason, and never a read outside the
 * input; pixels it gives become a DIB that sb_dib_check lays out as
 * written, and a PNG from the agent's encoder (fast and small) that reads
 * back as the same pixels: kept whole, and handed out through a sink in
 * pieces (sizes and segments drawn from the input), where every piece but
 * the last must be exactly the size asked for, the pieces must make the
 * same zlib stream as the whole encode at the same sizes, and a sink that
 * refuses a piece must stop the encode with its error. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sb_dib.h"
#include "sb_png.h"
#include "sessionbridge.h"

typedef struct {
  uint8_t *buf;
  size_t len, cap, piece_max, pieces, fail_at;
  int last_seen;
} sink_t;

static int sink_cb(void *arg, const uint8_t *data, size_t len, int last) {
  sink_t *s = arg;
  if (s->last_seen || len == 0 || len > s->piece_max ||
      (!last && len != s->piece_max))
    abort();
  if (++s->pieces == s->fail_at)
    return SB_ECANCELED;
  if (s->len + len > s->cap) {
    size_t cap = s->cap ? s->cap * 2 : 4096;
    while (cap < s->len + len)
      cap *= 2;
    if (!(s->buf = realloc(s->buf, cap)))
      abort();
    s->cap = cap;
  }
  memcpy(s->buf + s->len, data, len);
  s->len += len;
  s->last_seen = last;
  return 0;
}

static uint32_t rd32(const uint8_t *p) {
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 |
         p[3];
}

/* The IDATs' data joined (the zlib stream) of a PNG sb_png wrote. */
static size_t zstream(const uint8_t *png, size_t len, uint8_t *z) {
  size_t off = 8 + 25, n = 0;
  while (off + 12 <= len && !memcmp(png + off + 4, "IDAT", 4)) {
    uint32_t c = rd32(png + off);
    if (c > len - off - 12)
      abort();
    memcpy(z + n, png + off + 8, c);
    n += c;
    off += 12 + c;
  }
  if (off + 12 != len || memcmp(png + off + 4, "IEND", 4))
    abort();
  return n;
}

/* Encode bgra with a sink, at sizes drawn from the input's bytes (rows a
 * segment, rows that may wait for libdeflate, piece size, a piece the
 * sink refuses), and check it against the whole encode at those sizes. */
static void sink_round_trip(const uint8_t *bgra, uint32_t w, uint32_t h,
                            int level, const uint8_t *data, size_t size) {
  uint32_t k = 0;
  for (size_t i = 0; i < size; i++)
    k = k * 31 + data[i];
  size_t rowlen = (size_t)w * 3 + 1, seg = rowlen * (1 + k % 7),
         wait = rowlen * ((k >> 3) % 11), pm = 1 + (k >> 7) % 3000;
  sb_png_enc_t *e = NULL;
  sink_t s;
  uint8_t *whole = NULL, *back = NULL, *z1, *z2;
  size_t wlen = 0, total = 0;
  uint32_t w2 = 0, h2 = 0, band = 1 + (k >> 19) % 9;
  memset(&s, 0, sizeof s);
  s.piece_max = pm;
  if (sb__png_enc_new_seg(w, h, level, wait, seg, &e) ||
      sb_png_enc_rows(e, bgra, (size_t)w * 4, h) ||
      sb_png_enc_finish(e, &whole, &wlen))
    abort();
  sb_png_enc_free(e);
  /* Once in two, the sink refuses a piece. */
  if ((k >> 23) & 1)
    s.fail_at = 1 + (k >> 24) % (wlen / pm + 2);
  int err = sb__png_enc_new_seg(w, h, level, wait, seg, &e);
  if (!err)
    err = sb_png_enc_set_sink(e, pm, sink_cb, &s);
  for (uint32_t y = 0; !err && y < h; y += band)
    err = sb_png_enc_rows(e, bgra + (size_t)y * w * 4, (size_t)w * 4,
                          h - y < band ? h - y : band);
  if (!err)
    err = sb_png_enc_finish_sink(e, &total);
  sb_png_enc_free(e);
  if (s.fail_at && s.fail_at <= s.pieces) {
    if (err != SB_ECANCELED || s.pieces != s.fail_at || s.last_seen)
      abort();
  } else {
    if (err || !s.last_seen || total != s.len ||
        s.pieces != (s.len + pm - 1) / pm)
      abort();
    if (sb_png_decode_bgra(s.buf, s.len, &back, &w2, &h2, NULL) != 0 ||
        w2 != w || h2 != h || memcmp(back, bgra, (size_t)w * h * 4) != 0)
      abort();
    z1 = malloc(s.len), z2 = malloc(wlen);
    if (!z1 || !z2 || zstream(s.buf, s.len, z1) != zstream(whole, wlen, z2) ||
        memcmp(z1, z2, zstream(whole, wlen, z2)) != 0)
      abort();
    free(z1);
    free(z2);
  }
  sb_free(back);
  sb_free(whole);
  free(s.buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  uint8_t *bgra = NULL, *dib = NULL;
  uint32_t w = 0, h = 0;
  size_t dlen = 0;
  const char *why = NULL;
  uint8_t *copy = malloc(size ? size : 1);
  if (!copy)
    return 0;
  memcpy(copy, data, size);
  int err = sb_png_decode_bgra(copy, size, &bgra, &w, &h, &why);
  if (err == 0) {
    if (!bgra || !w || !h || w > SB_DIB_DIM_MAX || h > SB_DIB_DIM_MAX)
      abort();
    /* Small images only: the round trips touch every pixel. */
    if ((uint64_t)w * h <= 65536) {
      sb_dib_layout_t lay;
      dlen = sb_dib_size(w, h);
      if (!dlen || !(dib = sb_malloc(dlen)))
        abort();
      sb_dib_write(bgra, w, h, dib);
      if (sb_dib_check(dib, dlen, &lay, NULL) != 0 || lay.width != w ||
          lay.height != h || lay.top_down || lay.bits != 40 ||
          lay.bits + lay.bits_len != dlen)
        abort();
      for (int level = SB_PNG_FAST; level <= SB_PNG_SMALL; level++) {
        uint8_t *png = NULL, *back = NULL;
        size_t plen = 0;
        uint32_t w2 = 0, h2 = 0;
        if (sb_png_encode_bgra_level(bgra, w, h, (size_t)w * 4, level, &png,
                                     &plen) != 0 ||
            sb_png_decode_bgra(png, plen, &back, &w2, &h2, NULL) != 0 ||
            w2 != w || h2 != h)
          abort();
        /* The decoder sets alpha to 255, as it did for bgra. */
        if (memcmp(back, bgra, (size_t)w * h * 4) != 0)
          abort();
        sb_free(png);
        sb_free(back);
        sink_round_trip(bgra, w, h, level, data, size);
      }
    }
  } else if (bgra || w || h ||
             ((err == SB_EFIELD || err == SB_ETOOBIG) && !why)) {
    abort();
  }
  sb_free(dib);
  sb_free(bgra);
  free(copy);
  return 0;
}
