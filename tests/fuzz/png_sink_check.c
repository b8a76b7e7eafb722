/* SPDX-License-Identifier: MIT */
#include "png_sink_check.h"

#include <stdlib.h>
#include <string.h>

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

/* The IDATs' data joined (the zlib stream) into z; the chunks must be
 * signature, IHDR, IDATs, IEND. */
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

/* The PNG must decode to px (alpha read back as 255). */
static void check_decodes(const uint8_t *png, size_t len, const uint8_t *px,
                          uint32_t w, uint32_t h) {
  uint8_t *back = NULL;
  uint32_t w2 = 0, h2 = 0;
  if (sb_png_decode_bgra(png, len, &back, &w2, &h2, NULL) != 0 || w2 != w ||
      h2 != h)
    abort();
  for (size_t i = 0; i < (size_t)w * h * 4; i++)
    if (back[i] != (i % 4 == 3 ? 255 : px[i]))
      abort();
  sb_free(back);
}

void sbf_png_sink_check(const uint8_t *px, uint32_t w, uint32_t h, int level,
                        const sbf_sink_plan_t *plan) {
  size_t pm = plan->piece_max, wlen = 0, total = 0;
  sb_png_enc_t *e = NULL;
  uint8_t *whole = NULL;
  sink_t s;
  if (sb__png_enc_new_seg(w, h, level, plan->wait, plan->seg, &e) ||
      sb_png_enc_rows(e, px, (size_t)w * 4, h) ||
      sb_png_enc_finish(e, &whole, &wlen))
    abort();
  sb_png_enc_free(e);
  check_decodes(whole, wlen, px, w, h);

  memset(&s, 0, sizeof s);
  s.piece_max = pm;
  if (plan->refuse)
    s.fail_at = 1 + plan->refuse_pick % (wlen / pm + 2);
  int err = sb__png_enc_new_seg(w, h, level, plan->wait, plan->seg, &e);
  if (!err)
    err = sb_png_enc_set_sink(e, pm, sink_cb, &s);
  for (uint32_t y = 0; !err && y < h; y += plan->band)
    err = sb_png_enc_rows(e, px + (size_t)y * w * 4, (size_t)w * 4,
                          h - y < plan->band ? h - y : plan->band);
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
    check_decodes(s.buf, s.len, px, w, h);
    uint8_t *z1 = malloc(s.len), *z2 = malloc(wlen);
    if (!z1 || !z2)
      abort();
    size_t l1 = zstream(s.buf, s.len, z1), l2 = zstream(whole, wlen, z2);
    if (l1 != l2 || memcmp(z1, z2, l1) != 0)
      abort();
    free(z1);
    free(z2);
  }
  free(s.buf);
  sb_free(whole);
}
