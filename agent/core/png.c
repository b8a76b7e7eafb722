/* SPDX-License-Identifier: MIT */
#include "sb_png.h"

#include <libdeflate.h>
#include <stdint.h>
#include <string.h>

#include "sessionbridge.h"

/* PNG's CRC-32 is the same polynomial as gzip's; libdeflate's is the
 * folded (PCLMUL) one where the CPU has it. */
static uint32_t png_crc(const uint8_t *p, size_t n, uint32_t crc) {
  return libdeflate_crc32(crc, p, n);
}

static void be32(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)(v >> 24);
  p[1] = (uint8_t)(v >> 16);
  p[2] = (uint8_t)(v >> 8);
  p[3] = (uint8_t)v;
}

/* Append a chunk: length, type, data, CRC over type and data. */
static uint8_t *chunk(uint8_t *o, const char *type, const uint8_t *data,
                      size_t len) {
  be32(o, (uint32_t)len);
  memcpy(o + 4, type, 4);
  if (len)
    memcpy(o + 8, data, len);
  be32(o + 8 + len, png_crc(o + 4, len + 4, 0));
  return o + 12 + len;
}

struct sb_png_enc {
  uint32_t w, h, y;  /* size, rows taken so far */
  int level;         /* SB_PNG_FAST or SB_PNG_SMALL */
  size_t rowlen;     /* 1 + 3w: filter byte and RGB */
  uint8_t *filtered; /* h rows of rowlen: what deflate compresses */
  uint8_t *cur, *prev; /* this and the last row as RGB (prev zero at y 0) */
  uint8_t *cand;     /* SB_PNG_SMALL: the candidate filtered rows */
  uint8_t *last;     /* fast: the last row taken, as BGRA (w * 4) */
  int filter;        /* fast: the filter of the current group of rows */
  uint64_t runs;     /* filtered bytes in runs of zeros (fast only) */
};

/* fast: the filter is chosen once for each group of this many rows, from
 * the group's first row; a group is short enough to follow the content
 * down the screen (a window below a photo) and long enough that trying
 * five filters on one row of it costs a sixth of a filter pass. */
#define GROUP_ROWS 32u

/* Paeth's predictor, branch-free so the compiler can vectorise the row:
 * of a (left), b (up), c (up-left), whichever is nearest a + b - c, ties
 * in that order (PNG spec 9.4). */
static inline uint8_t paeth(int a, int b, int c) {
  int pa = b - c, pb = a - c, pc;
  pc = pa + pb;
  pa = pa < 0 ? -pa : pa;
  pb = pb < 0 ? -pb : pb;
  pc = pc < 0 ? -pc : pc;
  int bc = pb <= pc ? b : c;
  return (uint8_t)(pa <= pb && pa <= pc ? a : bc);
}

/* Filter one RGB row of n bytes with type t into out (t, then n bytes). */
static void filter_row(uint8_t *out, const uint8_t *cur, const uint8_t *prev,
                       size_t n, int t) {
  out[0] = (uint8_t)t;
  out++;
  switch (t) {
  case 0:
    memcpy(out, cur, n);
    break;
  case 1:
    memcpy(out, cur, 3);
    for (size_t i = 3; i < n; i++)
      out[i] = (uint8_t)(cur[i] - cur[i - 3]);
    break;
  case 2:
    for (size_t i = 0; i < n; i++)
      out[i] = (uint8_t)(cur[i] - prev[i]);
    break;
  case 3:
    for (size_t i = 0; i < 3; i++)
      out[i] = (uint8_t)(cur[i] - (prev[i] >> 1));
    for (size_t i = 3; i < n; i++)
      out[i] = (uint8_t)(cur[i] - ((cur[i - 3] + prev[i]) >> 1));
    break;
  default:
    for (size_t i = 0; i < 3; i++) /* no left neighbour: Paeth is Up */
      out[i] = (uint8_t)(cur[i] - prev[i]);
    for (size_t i = 3; i < n; i++)
      out[i] = (uint8_t)(cur[i] - paeth(cur[i - 3], prev[i], prev[i - 3]));
    break;
  }
}

/* The usual heuristic (libpng's, zlib's advice): the filtered bytes as
 * signed values, the smallest sum of magnitudes wins. */
static uint64_t row_cost(const uint8_t *f, size_t n) {
  uint64_t s = 0;
  for (size_t i = 1; i <= n; i++) {
    int v = (int8_t)f[i];
    s += (uint64_t)(v < 0 ? -v : v);
  }
  return s;
}

/* ---- fast: filtering straight from BGRA ----
 * One pass from the captured pixels to the filtered row (no RGB copy in
 * between), so a pixel is read once. cur and prev are BGRA rows (prev
 * NULL for the first row of the image: all zeros, as PNG defines it);
 * the output is the filter byte and R, G, B residuals. */

/* The predictor of filter t for one channel: a left, b up, c up-left. */
static inline int predict(int t, int a, int b, int c) {
  switch (t) {
  case 1:
    return a;
  case 2:
    return b;
  case 3:
    return (a + b) >> 1;
  case 4:
    return paeth(a, b, c);
  default:
    return 0;
  }
}

/* The residuals of one BGRA row under filter t, into out (RGB order), or
 * only their cost (sum of magnitudes as signed bytes) when out is NULL.
 * Written as one loop per filter so that each is a simple, vectorisable
 * loop. */
static uint64_t filter_bgra(uint8_t *out, const uint8_t *cur,
                            const uint8_t *prev, uint32_t w, int t) {
  static const uint8_t zero[4];
  uint64_t cost = 0;
  for (uint32_t x = 0; x < w; x++) {
    const uint8_t *p = cur + (size_t)x * 4;
    const uint8_t *l = x ? p - 4 : zero;
    const uint8_t *u = prev ? prev + (size_t)x * 4 : zero;
    const uint8_t *ul = prev && x ? u - 4 : zero;
    for (int k = 0; k < 3; k++) { /* R, G, B are bytes 2, 1, 0 */
      int i = 2 - k;
      uint8_t v = (uint8_t)(p[i] - predict(t, l[i], u[i], ul[i]));
      if (out)
        out[(size_t)x * 3 + (size_t)k] = v;
      else
        cost += (uint64_t)((int8_t)v < 0 ? -(int8_t)v : (int8_t)v);
    }
  }
  return cost;
}

/* The same as filter_bgra(out, ..., t) for each t, specialised so the
 * compiler sees a loop without a switch inside. */
static void filter_bgra_sub(uint8_t *o, const uint8_t *c, uint32_t w) {
  o[0] = c[2], o[1] = c[1], o[2] = c[0];
  for (size_t x = 1; x < w; x++) {
    const uint8_t *p = c + x * 4;
    o[x * 3] = (uint8_t)(p[2] - p[-2]);
    o[x * 3 + 1] = (uint8_t)(p[1] - p[-3]);
    o[x * 3 + 2] = (uint8_t)(p[0] - p[-4]);
  }
}

static void filter_bgra_up(uint8_t *o, const uint8_t *c, const uint8_t *u,
                           uint32_t w) {
  for (size_t x = 0; x < w; x++) {
    o[x * 3] = (uint8_t)(c[x * 4 + 2] - u[x * 4 + 2]);
    o[x * 3 + 1] = (uint8_t)(c[x * 4 + 1] - u[x * 4 + 1]);
    o[x * 3 + 2] = (uint8_t)(c[x * 4] - u[x * 4]);
  }
}

static void filter_bgra_avg(uint8_t *o, const uint8_t *c, const uint8_t *u,
                            uint32_t w) {
  o[0] = (uint8_t)(c[2] - (u[2] >> 1));
  o[1] = (uint8_t)(c[1] - (u[1] >> 1));
  o[2] = (uint8_t)(c[0] - (u[0] >> 1));
  for (size_t x = 1; x < w; x++) {
    const uint8_t *p = c + x * 4, *q = u + x * 4;
    o[x * 3] = (uint8_t)(p[2] - ((p[-2] + q[2]) >> 1));
    o[x * 3 + 1] = (uint8_t)(p[1] - ((p[-3] + q[1]) >> 1));
    o[x * 3 + 2] = (uint8_t)(p[0] - ((p[-4] + q[0]) >> 1));
  }
}

static void filter_bgra_paeth(uint8_t *o, const uint8_t *c, const uint8_t *u,
                              uint32_t w) {
  o[0] = (uint8_t)(c[2] - u[2]); /* no left neighbour: Paeth is Up */
  o[1] = (uint8_t)(c[1] - u[1]);
  o[2] = (uint8_t)(c[0] - u[0]);
  for (size_t x = 1; x < w; x++) {
    const uint8_t *p = c + x * 4, *q = u + x * 4;
    o[x * 3] = (uint8_t)(p[2] - paeth(p[-2], q[2], q[-2]));
    o[x * 3 + 1] = (uint8_t)(p[1] - paeth(p[-3], q[1], q[-3]));
    o[x * 3 + 2] = (uint8_t)(p[0] - paeth(p[-4], q[0], q[-4]));
  }
}

static void filter_bgra_row(uint8_t *o, const uint8_t *c, const uint8_t *u,
                            uint32_t w, int t) {
  o[0] = (uint8_t)t;
  o++;
  if (t == 1)
    filter_bgra_sub(o, c, w);
  else if (t == 2 && u)
    filter_bgra_up(o, c, u, w);
  else if (t == 3 && u)
    filter_bgra_avg(o, c, u, w);
  else if (t == 4 && u)
    filter_bgra_paeth(o, c, u, w);
  else
    filter_bgra(o, c, u, w, t);
}

int sb_png_enc_new(uint32_t w, uint32_t h, int level, sb_png_enc_t **out) {
  sb_png_enc_t *e;
  uint64_t raw;
  if (!out)
    return SB_EINVAL;
  *out = NULL;
  if (w == 0 || h == 0 || (level != SB_PNG_FAST && level != SB_PNG_SMALL))
    return SB_EINVAL;
  /* Sizes in 64 bits and capped before anything is allocated. */
  if ((uint64_t)w * h > SB_PNG_PIXELS_MAX)
    return SB_ETOOBIG;
  raw = ((uint64_t)w * 3 + 1) * h;
  if (!(e = sb_calloc(1, sizeof *e)))
    return SB_ENOMEM;
  e->w = w;
  e->h = h;
  e->level = level;
  e->rowlen = (size_t)w * 3 + 1;
  e->filtered = sb_malloc((size_t)raw);
  e->cur = sb_malloc(e->rowlen);
  e->prev = sb_calloc(1, e->rowlen);
  if (level == SB_PNG_SMALL)
    e->cand = sb_malloc(e->rowlen * 5);
  else
    e->last = sb_malloc((size_t)w * 4);
  if (!e->filtered || !e->cur || !e->prev ||
      (level == SB_PNG_SMALL ? !e->cand : !e->last)) {
    sb_png_enc_free(e);
    return SB_ENOMEM;
  }
  *out = e;
  return 0;
}

void sb_png_enc_free(sb_png_enc_t *e) {
  if (!e)
    return;
  sb_free(e->filtered);
  sb_free(e->cur);
  sb_free(e->prev);
  sb_free(e->cand);
  sb_free(e->last);
  sb_free(e);
}

int sb_png_enc_rows(sb_png_enc_t *e, const uint8_t *bgra, size_t stride,
                    uint32_t rows) {
  size_t n;
  if (!e || !bgra || stride < (size_t)e->w * 4 || rows > e->h - e->y)
    return SB_EINVAL;
  n = (size_t)e->w * 3;
  if (e->level == SB_PNG_FAST) {
    for (uint32_t r = 0; r < rows; r++, e->y++) {
      const uint8_t *p = bgra + (size_t)r * stride;
      const uint8_t *up = e->y == 0 ? NULL : r ? p - stride : e->last;
      uint8_t *o = e->filtered + (size_t)e->y * e->rowlen;
      if (e->y % GROUP_ROWS == 0) {
        /* The filter for this group: of None, Sub, Up and Avg, the one
         * whose residuals on this row have the least sum of magnitudes
         * (the usual heuristic). Paeth is left out on purpose: on the
         * blurred photo it has the least sum and the most zeros, yet
         * libdeflate's level 1 makes 6.58 MB of it against 6.18 MB of
         * Avg, and it costs twice Avg's time (docs/performance.md). On
         * windows and text, Up or Sub win. */
        uint64_t best = UINT64_MAX;
        for (int f = 0; f < 4; f++) {
          uint64_t c = filter_bgra(NULL, p, up, e->w, f);
          if (c < best) {
            best = c;
            e->filter = f;
          }
        }
      }
      filter_bgra_row(o, p, up, e->w, e->filter);
      /* Bytes in runs: 8-byte words of zeros. A smooth photo has many
       * zero bytes after filtering too, but scattered among small
       * values, where matching costs time and finds little. */
      uint64_t z = 0;
      for (size_t i = 1; i + 8 <= n + 1; i += 8) {
        uint64_t v;
        memcpy(&v, o + i, 8);
        z += v == 0;
      }
      e->runs += z * 8;
    }
    /* The next call's first row looks up at this call's last. */
    if (rows)
      memcpy(e->last, bgra + (size_t)(rows - 1) * stride, (size_t)e->w * 4);
    return 0;
  }
  for (uint32_t r = 0; r < rows; r++, e->y++) {
    const uint8_t *p = bgra + (size_t)r * stride;
    uint8_t *o = e->filtered + (size_t)e->y * e->rowlen, *t;
    for (uint32_t x = 0; x < e->w; x++) { /* BGRA -> RGB, alpha dropped */
      e->cur[x * 3] = p[x * 4 + 2];
      e->cur[x * 3 + 1] = p[x * 4 + 1];
      e->cur[x * 3 + 2] = p[x * 4];
    }
    uint64_t best = UINT64_MAX;
    int bi = 0;
    for (int f = 0; f < 5; f++) {
      filter_row(e->cand + (size_t)f * e->rowlen, e->cur, e->prev, n, f);
      uint64_t c = row_cost(e->cand + (size_t)f * e->rowlen, n);
      if (c < best) {
        best = c;
        bi = f;
      }
    }
    memcpy(o, e->cand + (size_t)bi * e->rowlen, e->rowlen);
    t = e->prev; /* this row is the next one's "up" */
    e->prev = e->cur;
    e->cur = t;
  }
  return 0;
}

int sb_png_enc_finish(sb_png_enc_t *e, uint8_t **out, size_t *out_len) {
  enum { HEAD = 8 + 25 + 8, TAIL = 4 + 12 }; /* sig, IHDR, IDAT len+type */
  struct libdeflate_compressor *c = NULL;
  uint8_t ihdr[13], *buf = NULL, *o;
  size_t raw, bound, z;
  int err = 0;
  if (!e || !out || !out_len || e->y != e->h)
    return SB_EINVAL;
  *out = NULL;
  *out_len = 0;
  raw = e->rowlen * e->h;
  /* The level follows the content. libdeflate's level 1 (greedy, short
   * hash chains) is the fast one on photo-like pixels, where matches are
   * few; on a flat desktop (windows, text: runs of zeros after Paeth) it
   * leaves a PNG three times zlib's, while level 6 (lazy matching) is no
   * slower there, long runs being cheap to match; level 3 sits between
   * for a mix. small is level 6 always (docs/performance.md). */
  int lv = 6;
  if (e->level == SB_PNG_FAST)
    lv = e->runs * 4 >= (uint64_t)raw * 3 ? 6 : e->runs * 4 >= raw ? 3 : 1;
  if (!(c = libdeflate_alloc_compressor(lv)))
    return SB_ENOMEM;
  bound = libdeflate_zlib_compress_bound(c, raw);
  if (bound > SIZE_MAX - HEAD - TAIL) {
    err = SB_ETOOBIG;
    goto done;
  }
  if (!(buf = sb_malloc(HEAD + bound + TAIL))) {
    err = SB_ENOMEM;
    goto done;
  }
  z = libdeflate_zlib_compress(c, e->filtered, raw, buf + HEAD, bound);
  if (z == 0) { /* cannot happen with the bound; say so if it does */
    err = SB_EIO;
    goto done;
  }
  if (HEAD + z + TAIL > SB_SCREENSHOT_MAX) {
    err = SB_ETOOBIG; /* the PNG is more than one transfer may carry */
    goto done;
  }
  o = buf;
  memcpy(o, "\x89PNG\r\n\x1a\n", 8);
  o += 8;
  be32(ihdr, e->w);
  be32(ihdr + 4, e->h);
  ihdr[8] = 8;  /* bit depth */
  ihdr[9] = 2;  /* colour type: RGB */
  ihdr[10] = 0; /* deflate */
  ihdr[11] = 0; /* adaptive filtering (a filter type per row) */
  ihdr[12] = 0; /* no interlace */
  o = chunk(o, "IHDR", ihdr, sizeof ihdr);
  /* IDAT's data is already in place after its length and type. */
  be32(o, (uint32_t)z);
  memcpy(o + 4, "IDAT", 4);
  be32(o + 8 + z, png_crc(o + 4, z + 4, 0));
  o += 12 + z;
  o = chunk(o, "IEND", NULL, 0);
  *out_len = (size_t)(o - buf);
  /* Give back what the worst-case bound reserved. */
  *out = sb_realloc(buf, *out_len);
  if (!*out)
    *out = buf;
  buf = NULL;

done:
  libdeflate_free_compressor(c);
  sb_free(buf);
  return err;
}

int sb_png_encode_bgra_level(const uint8_t *px, uint32_t w, uint32_t h,
                             size_t stride, int level, uint8_t **out,
                             size_t *out_len) {
  sb_png_enc_t *e = NULL;
  int err;
  if (!px || !out || !out_len || stride < (size_t)w * 4)
    return SB_EINVAL;
  if ((err = sb_png_enc_new(w, h, level, &e)) == 0 &&
      (err = sb_png_enc_rows(e, px, stride, h)) == 0)
    err = sb_png_enc_finish(e, out, out_len);
  sb_png_enc_free(e);
  return err;
}

int sb_png_encode_bgra(const uint8_t *px, uint32_t w, uint32_t h, size_t stride,
                       uint8_t **out, size_t *out_len) {
  return sb_png_encode_bgra_level(px, w, h, stride, SB_PNG_FAST, out, out_len);
}
