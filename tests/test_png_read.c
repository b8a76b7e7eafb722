/* SPDX-License-Identifier: MIT */
/* The PNG reader behind clipboard image set (libspng, with the limits
 * and checks png_read.c adds): the agent's own encoder's output read
 * back, every colour type and row filter from PNGs built here (zlib
 * compresses, the filters are applied forward in the test), and
 * malformed PNGs refused with a reason. The e2e oracle sets
 * ImageMagick's PNGs and reads the bitmap back through X11:
 * e2e_task_clipboard_wine. */
#include <zlib.h>

#include "sb_dib.h"
#include "sb_png.h"
#include "sbtest.h"
#include "sessionbridge.h"

typedef struct {
  uint8_t *b;
  size_t len, cap;
} buf_t;

static void put(buf_t *o, const void *p, size_t n) {
  if (o->len + n > o->cap) {
    o->cap = (o->len + n) * 2;
    o->b = realloc(o->b, o->cap);
    CHECK(o->b != NULL);
  }
  memcpy(o->b + o->len, p, n);
  o->len += n;
}

static void put_be32(buf_t *o, uint32_t v) {
  uint8_t b[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8),
                  (uint8_t)v};
  put(o, b, 4);
}

static void put_chunk(buf_t *o, const char *type, const uint8_t *d,
                      uint32_t n) {
  put_be32(o, n);
  size_t at = o->len;
  put(o, type, 4);
  if (n)
    put(o, d, n);
  put_be32(o, (uint32_t)crc32(0, o->b + at, n + 4));
}

/* raw: h rows of 1 filter byte + rowbytes, already filtered. */
static buf_t make_png(uint32_t w, uint32_t h, uint8_t depth, uint8_t type,
                      const uint8_t *plte, uint32_t plte_len,
                      const uint8_t *raw, size_t raw_len) {
  buf_t o = {0};
  uint8_t ihdr[13];
  put(&o, "\x89PNG\r\n\x1a\n", 8);
  for (int i = 0; i < 4; i++) {
    ihdr[i] = (uint8_t)(w >> (24 - 8 * i));
    ihdr[4 + i] = (uint8_t)(h >> (24 - 8 * i));
  }
  ihdr[8] = depth, ihdr[9] = type, ihdr[10] = ihdr[11] = ihdr[12] = 0;
  put_chunk(&o, "IHDR", ihdr, 13);
  if (plte)
    put_chunk(&o, "PLTE", plte, plte_len);
  uLongf zlen = compressBound((uLong)raw_len);
  uint8_t *z = malloc(zlen);
  CHECK(z && compress(z, &zlen, raw, (uLong)raw_len) == Z_OK);
  /* Two IDATs and an empty one between, as encoders may write them. */
  put_chunk(&o, "IDAT", z, (uint32_t)(zlen / 2));
  put_chunk(&o, "IDAT", NULL, 0);
  put_chunk(&o, "IDAT", z + zlen / 2, (uint32_t)(zlen - zlen / 2));
  put_chunk(&o, "IEND", NULL, 0);
  free(z);
  return o;
}

/* g[0, from) + one chunk + g[to, end): insert (from == to) or replace. */
static buf_t splice(const buf_t *g, size_t from, size_t to, const char *type,
                    const uint8_t *d, uint32_t n) {
  buf_t o = {0};
  put(&o, g->b, from);
  put_chunk(&o, type, d, n);
  put(&o, g->b + to, g->len - to);
  return o;
}

static uint8_t paeth(int a, int b, int c) {
  int p = a + b - c, pa = abs(p - a), pb = abs(p - b), pc = abs(p - c);
  return (uint8_t)(pa <= pb && pa <= pc ? a : pb <= pc ? b : c);
}

/* Filter unfiltered rows (rowbytes each) with filter f (or, f == 5,
 * each row with filter y % 5) into out (1 + rowbytes per row). */
static void filter_rows(const uint8_t *rows, uint32_t h, size_t rowbytes,
                        size_t bpp, int f, uint8_t *out) {
  for (uint32_t y = 0; y < h; y++) {
    const uint8_t *r = rows + y * rowbytes, *up = y ? r - rowbytes : NULL;
    uint8_t *o = out + y * (rowbytes + 1);
    int ft = f == 5 ? (int)(y % 5) : f;
    o[0] = (uint8_t)ft;
    for (size_t i = 0; i < rowbytes; i++) {
      int a = i >= bpp ? r[i - bpp] : 0, b = up ? up[i] : 0,
          c = up && i >= bpp ? up[i - bpp] : 0;
      int pred = ft == 0   ? 0
                 : ft == 1 ? a
                 : ft == 2 ? b
                 : ft == 3 ? (a + b) / 2
                           : paeth(a, b, c);
      o[1 + i] = (uint8_t)(r[i] - pred);
    }
  }
}

static uint8_t *decode_ok(const buf_t *p, uint32_t w, uint32_t h) {
  uint8_t *bgra = NULL;
  uint32_t gw = 0, gh = 0;
  const char *why = NULL;
  int err = sb_png_decode_bgra(p->b, p->len, &bgra, &gw, &gh, &why);
  if (err)
    sbtest_fail(__FILE__, __LINE__, "sb_png_decode_bgra", why);
  CHECK_EQ(gw, w);
  CHECK_EQ(gh, h);
  return bgra;
}

SB_TEST(png_read_own_encoder_round_trip) {
  enum { W = 37, H = 23 };
  uint8_t px[W * H * 4], *png = NULL;
  size_t len = 0;
  sbtest_fill(px, sizeof px, 9);
  CHECK_OK(sb_png_encode_bgra(px, W, H, W * 4, &png, &len));
  buf_t b = {png, len, len};
  uint8_t *got = decode_ok(&b, W, H);
  for (int i = 0; i < W * H; i++) {
    CHECK_MEM(got + 4 * i, px + 4 * i, 3);
    CHECK_EQ(got[4 * i + 3], 0xff);
  }
  sb_free(got);
  sb_free(png);
}

SB_TEST(png_read_rgb_rgba_every_filter) {
  enum { W = 33, H = 20 };
  static uint8_t rows[W * 4 * H], raw[(W * 4 + 1) * H];
  /* RGB and RGBA, each with noise and with values 0..3 only: the second
   * makes Paeth's ties (pa == pb, pb == pc) common, where its order of
   * preference decides the pixel. */
  for (int run = 0; run < 4; run++) {
    int type = run < 2 ? 2 : 6;
    size_t ch = type == 2 ? 3 : 4, rowbytes = W * ch;
    sbtest_fill(rows, sizeof rows, (uint32_t)run + 1);
    if (run % 2)
      for (size_t i = 0; i < sizeof rows; i++)
        rows[i] &= 3;
    for (int f = 0; f <= 5; f++) {
      filter_rows(rows, H, rowbytes, ch, f, raw);
      buf_t p = make_png(W, H, 8, (uint8_t)type, NULL, 0, raw,
                         (rowbytes + 1) * H);
      uint8_t *got = decode_ok(&p, W, H);
      for (size_t i = 0; i < (size_t)W * H; i++) {
        const uint8_t *s = rows + i * ch, *g = got + i * 4;
        if (g[0] != s[2] || g[1] != s[1] || g[2] != s[0])
          sbtest_fail(__FILE__, __LINE__, "pixel", f == 4 ? "paeth" : "");
      }
      sb_free(got);
      free(p.b);
    }
  }
}

SB_TEST(png_read_grey_palette_low_depths) {
  /* 2-bit grey, 5 px: 0, 1, 2, 3, 0 -> 0, 85, 170, 255, 0. */
  static const uint8_t g2[] = {0, 0x1B, 0x00};
  buf_t p = make_png(5, 1, 2, 0, NULL, 0, g2, sizeof g2);
  uint8_t *got = decode_ok(&p, 5, 1);
  static const uint8_t want[] = {0, 85, 170, 255, 0};
  for (int i = 0; i < 5; i++)
    CHECK(got[4 * i] == want[i] && got[4 * i + 1] == want[i] &&
          got[4 * i + 2] == want[i]);
  sb_free(got);
  free(p.b);
  /* 4-bit palette, 3 px, filter Sub on the packed bytes. */
  static const uint8_t plte[] = {255, 0, 0, 0, 255, 0, 0, 0, 255};
  uint8_t rows[2] = {0x12, 0x00}, raw[3];
  filter_rows(rows, 1, 2, 1, 1, raw);
  p = make_png(3, 1, 4, 3, plte, sizeof plte, raw, sizeof raw);
  got = decode_ok(&p, 3, 1);
  CHECK(got[0] == 0 && got[1] == 255 && got[2] == 0);   /* index 1: green */
  CHECK(got[4] == 255 && got[5] == 0 && got[6] == 0);   /* 2: blue (BGR) */
  CHECK(got[8] == 0 && got[9] == 0 && got[10] == 255);  /* 0: red */
  sb_free(got);
  free(p.b);
  /* 8-bit grey + alpha: alpha is dropped. */
  static const uint8_t ga[] = {0, 200, 7};
  p = make_png(1, 1, 8, 4, NULL, 0, ga, sizeof ga);
  got = decode_ok(&p, 1, 1);
  CHECK(got[0] == 200 && got[1] == 200 && got[2] == 200 && got[3] == 255);
  sb_free(got);
  free(p.b);
}

SB_TEST(png_read_to_dib) {
  /* The bitmap set on the clipboard reads back as the same pixels. */
  enum { W = 5, H = 3 };
  uint8_t px[W * H * 4], *dib = NULL;
  size_t n = 0;
  sbtest_fill(px, sizeof px, 4);
  for (int i = 0; i < W * H; i++)
    px[4 * i + 3] = 0xff;
  n = sb_dib_size(W, H);
  CHECK_EQ(n, 40u + 16u * H); /* 15 bytes a row, padded to 16 */
  dib = sb_malloc(n);
  CHECK(dib != NULL);
  memset(dib, 0xAA, n); /* the writer must set every byte it returns */
  sb_dib_write(px, W, H, dib);
  for (int y = 0; y < H; y++)
    CHECK_EQ(dib[40 + 16 * y + 15], 0); /* row padding */
  /* What GDI will read: the check finds a bottom-up 24-bit bitmap whose
   * rows hold the pixels as B, G, R, the bottom row first. */
  sb_dib_layout_t lay;
  CHECK_OK(sb_dib_check(dib, n, &lay, NULL));
  CHECK(lay.width == W && lay.height == H && !lay.top_down &&
        lay.bits == 40 && lay.bits_len == 16u * H);
  for (int y = 0; y < H; y++)
    for (int x = 0; x < W; x++)
      CHECK_MEM(dib + 40 + 16 * y + 3 * x, px + 4 * ((H - 1 - y) * W + x), 3);
  sb_free(dib);
  /* Sizes out of range have no bitmap. */
  CHECK_EQ(sb_dib_size(0, 1), 0);
  CHECK_EQ(sb_dib_size(65536, 1), 0);
  CHECK_EQ(sb_dib_size(65535, 65535), 0); /* 12 GiB of rows */
}

static void refused(const buf_t *p, int want, const char *what) {
  uint8_t *bgra = (uint8_t *)&bgra;
  uint32_t w = 7, h = 7;
  const char *why = NULL;
  int err = sb_png_decode_bgra(p->b, p->len, &bgra, &w, &h, &why);
  if (err != want)
    sbtest_fail(__FILE__, __LINE__, what, sb_err_name(err));
  if (!why)
    sbtest_fail(__FILE__, __LINE__, what, "no reason given");
  CHECK(bgra == NULL && w == 0 && h == 0);
}

SB_TEST(png_read_hostile) {
  static const uint8_t row[] = {0, 1, 2, 3};
  buf_t good = make_png(1, 1, 8, 2, NULL, 0, row, sizeof row);
  buf_t p = {malloc(good.len + 64), good.len, good.len + 64};
  CHECK(p.b != NULL);
#define RESET() (memcpy(p.b, good.b, good.len), p.len = good.len)
  RESET();
  p.b[1] = 'Q';
  refused(&p, SB_EFIELD, "signature");
  RESET();
  p.b[8 + 8 + 2] ^= 1; /* a width byte: the IHDR CRC no longer matches */
  refused(&p, SB_EFIELD, "CRC");
  /* Only a CRC wrong, the data intact (IEND's CRC, the last byte): the
   * CRC check alone can refuse this one. */
  RESET();
  p.b[p.len - 1] ^= 1;
  refused(&p, SB_EFIELD, "IEND CRC");
  /* Every truncation. */
  for (size_t n = 0; n < good.len; n++) {
    buf_t t = {good.b, n, n};
    refused(&t, SB_EFIELD, "truncated");
  }
  /* Headers, each with a valid CRC. */
  struct {
    uint32_t w, h;
    uint8_t depth, type;
    int err;
    const char *what;
  } bad[] = {
      {0, 1, 8, 2, SB_EFIELD, "width 0"},
      {1, 65536, 8, 2, SB_EFIELD, "height 65536"},
      {1, 1, 16, 2, SB_EFIELD, "16 bits"},
      {1, 1, 8, 5, SB_EFIELD, "colour type 5"},
      {1, 1, 3, 0, SB_EFIELD, "grey at 3 bits"},
      {1, 1, 4, 6, SB_EFIELD, "RGBA at 4 bits"},
      {65535, 65535, 8, 6, SB_ETOOBIG, "16 GiB of pixels"},
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    buf_t q = make_png(bad[i].w, bad[i].h, bad[i].depth, bad[i].type, NULL, 0,
                       row, sizeof row);
    refused(&q, bad[i].err, bad[i].what);
    free(q.b);
  }
  /* Interlaced. */
  buf_t q = make_png(1, 1, 8, 2, NULL, 0, row, sizeof row);
  q.b[8 + 8 + 12] = 1;
  uint32_t crc = (uint32_t)crc32(0, q.b + 12, 17);
  q.b[29] = (uint8_t)(crc >> 24), q.b[30] = (uint8_t)(crc >> 16),
  q.b[31] = (uint8_t)(crc >> 8), q.b[32] = (uint8_t)crc;
  refused(&q, SB_EFIELD, "interlaced");
  free(q.b);
  /* Image data one row short, and one byte long. */
  static const uint8_t two_rows[] = {0, 1, 2, 3, 0, 4, 5, 6};
  q = make_png(1, 3, 8, 2, NULL, 0, two_rows, sizeof two_rows);
  refused(&q, SB_EFIELD, "short data");
  free(q.b);
  /* Image data one byte long: libspng (like libpng) reads the image and
   * leaves the excess unread; the pixel must still be the first row's. */
  static const uint8_t long_row[] = {0, 1, 2, 3, 9};
  q = make_png(1, 1, 8, 2, NULL, 0, long_row, sizeof long_row);
  uint8_t *lp = decode_ok(&q, 1, 1);
  CHECK(lp[0] == 3 && lp[1] == 2 && lp[2] == 1 && lp[3] == 255);
  sb_free(lp);
  free(q.b);
  /* Filter 5 does not exist. */
  static const uint8_t f5[] = {5, 1, 2, 3};
  q = make_png(1, 1, 8, 2, NULL, 0, f5, sizeof f5);
  refused(&q, SB_EFIELD, "filter 5");
  free(q.b);
  /* Palette: missing, and an index past it. */
  static const uint8_t idx[] = {0, 1};
  q = make_png(1, 1, 8, 3, NULL, 0, idx, sizeof idx);
  refused(&q, SB_EFIELD, "no palette");
  free(q.b);
  static const uint8_t one[] = {9, 9, 9};
  /* An index past the palette: libspng reads it as black (its palette
   * table is zeroed past the PNG's entries), never memory beyond. */
  q = make_png(1, 1, 8, 3, one, sizeof one, idx, sizeof idx);
  uint8_t *ip = decode_ok(&q, 1, 1);
  CHECK(ip[0] == 0 && ip[1] == 0 && ip[2] == 0 && ip[3] == 255);
  sb_free(ip);
  free(q.b);
  /* Chunk order and shape: IHDR first, 13 bytes, methods 0; one
   * palette of whole entries. (IHDR is bytes 8..33 of these PNGs.) */
  enum { IHDR_AT = 8, IHDR_END = 8 + 12 + 13 };
  uint8_t ihdr[14];
  memcpy(ihdr, good.b + IHDR_AT + 8, 13);
  /* The header's bytes under another chunk's name. */
  buf_t q2 = splice(&good, IHDR_AT, IHDR_END, "tEXt", ihdr, 13);
  refused(&q2, SB_EFIELD, "IHDR not first");
  free(q2.b);
  ihdr[13] = 0;
  q2 = splice(&good, IHDR_AT, IHDR_END, "IHDR", ihdr, 14);
  refused(&q2, SB_EFIELD, "IHDR of 14 bytes");
  free(q2.b);
  for (int k = 10; k <= 11; k++) { /* compression, filter method */
    memcpy(ihdr, good.b + IHDR_AT + 8, 13);
    ihdr[k] = 1;
    q2 = splice(&good, IHDR_AT, IHDR_END, "IHDR", ihdr, 13);
    refused(&q2, SB_EFIELD, k == 10 ? "compression method 1" : "filter method 1");
    free(q2.b);
  }
  static const uint8_t zero_idx[] = {0, 0}, pal4[] = {1, 2, 3, 4};
  buf_t pal = make_png(1, 1, 8, 3, pal4, 3, zero_idx, sizeof zero_idx);
  sb_free(decode_ok(&pal, 1, 1)); /* valid as made: the faults below are */
  q2 = make_png(1, 1, 8, 3, pal4, 4, zero_idx, sizeof zero_idx);
  refused(&q2, SB_EFIELD, "palette of 4 bytes");
  free(q2.b);
  /* Empty, in an RGB image (where a palette is only a suggestion, so
   * nothing later would refuse it). */
  q2 = splice(&good, IHDR_END, IHDR_END, "PLTE", pal4, 0);
  refused(&q2, SB_EFIELD, "empty palette");
  free(q2.b);
  /* Two palettes: libspng 0.7 keeps the last one read (both are the
   * same here), nothing read past either. */
  q2 = splice(&pal, IHDR_END, IHDR_END, "PLTE", pal4, 3);
  uint8_t *tp = decode_ok(&q2, 1, 1);
  CHECK(tp[0] == 3 && tp[1] == 2 && tp[2] == 1);
  sb_free(tp);
  free(q2.b);
  free(pal.b);
  /* An IDAT with data after the image's zlib stream has ended. */
  RESET();
  p.len -= 12; /* drop IEND */
  {
    buf_t t2 = {p.b, p.len, p.cap};
    put_chunk(&t2, "IDAT", (const uint8_t *)"junk", 4);
    put_chunk(&t2, "IEND", NULL, 0);
    p = t2;
  }
  /* libspng skips IDATs once the image is complete (as libpng does):
   * the image is read, the junk never inflated. */
  {
    uint8_t *jp = decode_ok(&p, 1, 1);
    CHECK(jp[0] == 3 && jp[1] == 2 && jp[2] == 1);
    sb_free(jp);
  }
  /* An unknown critical chunk before IEND. */
  RESET();
  p.len -= 12; /* drop IEND */
  buf_t t = {p.b, p.len, p.cap};
  put_chunk(&t, "ABCD", NULL, 0);
  put_chunk(&t, "IEND", NULL, 0);
  refused(&t, SB_EFIELD, "critical chunk");
  free(t.b == p.b ? p.b : t.b);
  free(good.b);
#undef RESET
}
