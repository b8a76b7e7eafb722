/* SPDX-License-Identifier: MIT */
#include "sb_png.h"

#include <libdeflate.h>
#include <stdint.h>
#include <string.h>
#include <zlib.h>

#include "sb_huff.h"
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

/* Bytes of the file before the first IDAT (signature, IHDR), of an
 * IDAT's length and type, and after the last piece of the deflate stream
 * (zlib's Adler-32, the last IDAT's CRC, IEND). */
enum { PROLOGUE = 8 + 25, IDAT_HEAD = 8, TAIL = 4 + 4 + 12 };

struct sb_png_enc {
  uint32_t w, h, y;  /* size, rows taken so far */
  int level;         /* SB_PNG_FAST or SB_PNG_SMALL */
  size_t rowlen;     /* 1 + 3w: filter byte and RGB */
  uint8_t *filtered; /* cap_rows rows of rowlen: pend_rows rows waiting
                        for libdeflate, then the current segment's */
  uint32_t cap_rows; /* rows the buffer holds */
  uint32_t seg_rows; /* rows a segment has */
  uint32_t seg_y;    /* rows in the current segment so far */
  uint32_t pend_rows; /* rows of segments with runs, not yet deflated */
  uint32_t mix_rows; /* with a sink, the most rows of a mix that wait */
  uint64_t pend_runs; /* their bytes in runs of zeros */
  uint8_t *cur, *prev; /* this and the last row as RGB (prev zero at y 0) */
  uint8_t *cand;     /* SB_PNG_SMALL: the candidate filtered rows */
  uint8_t *last;     /* fast: the last row taken, as BGRA (w * 4) */
  int filter;        /* fast: the filter of the current group of rows */
  uint64_t runs;     /* the current segment's bytes in runs of zeros */
  struct libdeflate_compressor *comp[7]; /* by level, made when needed */
  uint8_t *out;      /* the PNG so far (with a sink: what is not yet
                        handed out), the open IDAT last */
  size_t out_len, out_cap;
  size_t idat;       /* where in out the open IDAT's length goes */
  int idat_open;     /* an IDAT's header is in out, its CRC not yet */
  int started;       /* the prologue and the zlib header are written */
  size_t max;        /* most bytes the PNG may have */
  uint64_t sent;     /* bytes handed to the sink so far */
  sb_png_sink_fn sink; /* NULL: the PNG is kept whole for finish */
  void *sink_arg;
  size_t piece_max;  /* the size of every piece but the last */
  int err;           /* once an encode call failed: what every later one
                        returns (the stream is cut where it failed) */
  uint32_t adler;    /* of every filtered byte deflated so far */
  z_stream walk;     /* finds where a segment's last block starts */
  int walk_ready;
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

/* The same as filter_bgra for the rows below the first, two pixels at a
 * time in a 64-bit word (byte k of the pixels' memory in bits 8k to
 * 8k + 7, whatever the CPU's byte order), with byte-wise arithmetic on
 * the whole word ("SWAR"): residuals of R, G and B come out of one
 * subtraction, and the 4-to-3 byte shuffle of BGRA to RGB is a few
 * shifts. A byte loop over BGRA does not vectorise (the compiler does not
 * see through the shuffle), and filtering was a seventh of the encode
 * (docs/performance.md, issue 13, third pass). The alpha byte is
 * computed and dropped. */
#define HI8 0x8080808080808080u
#define LO7 0x7f7f7f7f7f7f7f7fu

static inline uint64_t load_px2(const uint8_t *p) {
  return (uint64_t)p[0] | (uint64_t)p[1] << 8 | (uint64_t)p[2] << 16 |
         (uint64_t)p[3] << 24 | (uint64_t)p[4] << 32 | (uint64_t)p[5] << 40 |
         (uint64_t)p[6] << 48 | (uint64_t)p[7] << 56;
}

static inline uint64_t load_px1(const uint8_t *p) {
  return (uint64_t)p[0] | (uint64_t)p[1] << 8 | (uint64_t)p[2] << 16 |
         (uint64_t)p[3] << 24;
}

/* a - b in each byte, modulo 256, no borrow between bytes. */
static inline uint64_t sub8(uint64_t a, uint64_t b) {
  return ((a | HI8) - (b & LO7)) ^ ((a ^ ~b) & HI8);
}

/* (a + b) >> 1 in each byte, as Avg wants it (rounded down). */
static inline uint64_t avg8(uint64_t a, uint64_t b) {
  return (a & b) + (((a ^ b) >> 1) & LO7);
}

/* The residual word of filter t (None, Sub, Up, Avg) from the pixels,
 * their left and their up neighbours. */
static inline uint64_t resid2(int t, uint64_t c, uint64_t l, uint64_t u) {
  switch (t) {
  case 1:
    return sub8(c, l);
  case 2:
    return sub8(c, u);
  case 3:
    return sub8(c, avg8(l, u));
  default:
    return c;
  }
}

/* Store the R, G, B bytes of the one (n 1) or two (n 2) pixels of r. */
static inline void put_rgb(uint8_t *o, uint64_t r, int n) {
  o[0] = (uint8_t)(r >> 16);
  o[1] = (uint8_t)(r >> 8);
  o[2] = (uint8_t)r;
  if (n == 2) {
    o[3] = (uint8_t)(r >> 48);
    o[4] = (uint8_t)(r >> 40);
    o[5] = (uint8_t)(r >> 32);
  }
}

/* Filter a BGRA row c (up: the row above, not NULL) with t of None, Sub,
 * Up, Avg into o (RGB residuals, no filter byte). Pixel 0 has no left
 * neighbour: PNG takes it as zero, which is the pair shifted up a pixel. */
static void filter_swar(uint8_t *o, const uint8_t *c, const uint8_t *u,
                        uint32_t w, int t) {
  uint32_t x = 0;
  for (; x + 2 <= w; x += 2, o += 6) {
    uint64_t cur = load_px2(c + (size_t)x * 4);
    uint64_t left = x ? load_px2(c + (size_t)x * 4 - 4) : cur << 32;
    put_rgb(o, resid2(t, cur, left, load_px2(u + (size_t)x * 4)), 2);
  }
  if (x < w) { /* an odd width's last pixel */
    uint64_t left = x ? load_px1(c + (size_t)x * 4 - 4) : 0;
    put_rgb(o, resid2(t, load_px1(c + (size_t)x * 4), left,
                      load_px1(u + (size_t)x * 4)), 1);
  }
}

/* |v| of each byte of r taken as signed, R, G and B only (alpha, bytes
 * 3 and 7, cleared); no byte overflows, |-128| being 128. */
static inline uint64_t abs8_rgb(uint64_t r) {
  uint64_t neg = (r & HI8) >> 7;
  return ((r ^ (neg * 0xffu)) + neg) & 0x00ffffff00ffffffu;
}

/* Add the bytes of v into four 16-bit lanes of *acc. */
static inline void sum8(uint64_t *acc, uint64_t v) {
  *acc += (v & 0x00ff00ff00ff00ffu) + ((v >> 8) & 0x00ff00ff00ff00ffu);
}

static uint64_t lanes16(uint64_t a) {
  return (a & 0xffff) + (a >> 16 & 0xffff) + (a >> 32 & 0xffff) + (a >> 48);
}

/* The costs filter_bgra(NULL, c, u, w, t) gives for t = 0 to 3, in one
 * pass over the row (u not NULL). Each lane gains at most 2 * 255 a
 * pair, so the lanes are emptied every 64 pairs, before 65535. */
static void cost4_swar(const uint8_t *c, const uint8_t *u, uint32_t w,
                       uint64_t cost[4]) {
  uint64_t acc[4] = {0}, total[4] = {0};
  uint32_t x = 0, k = 0;
  for (;;) {
    uint64_t cur, left, up;
    int last = 0;
    if (x + 2 <= w) {
      cur = load_px2(c + (size_t)x * 4);
      left = x ? load_px2(c + (size_t)x * 4 - 4) : cur << 32;
      up = load_px2(u + (size_t)x * 4);
    } else if (x < w) {
      cur = load_px1(c + (size_t)x * 4);
      left = x ? load_px1(c + (size_t)x * 4 - 4) : 0;
      up = load_px1(u + (size_t)x * 4);
      last = 1;
    } else {
      break;
    }
    sum8(&acc[0], abs8_rgb(cur));
    sum8(&acc[1], abs8_rgb(sub8(cur, left)));
    sum8(&acc[2], abs8_rgb(sub8(cur, up)));
    sum8(&acc[3], abs8_rgb(sub8(cur, avg8(left, up))));
    x += 2;
    if (++k == 64 || last || x >= w) {
      for (int t = 0; t < 4; t++) {
        total[t] += lanes16(acc[t]);
        acc[t] = 0;
      }
      k = 0;
    }
    if (last)
      break;
  }
  for (int t = 0; t < 4; t++)
    cost[t] = total[t];
}

static void filter_bgra_row(uint8_t *o, const uint8_t *c, const uint8_t *u,
                            uint32_t w, int t) {
  o[0] = (uint8_t)t;
  if (u)
    filter_swar(o + 1, c, u, w, t);
  else /* the image's first row: "up" is zeros */
    filter_bgra(o + 1, c, u, w, t);
}

/* How the rows go to deflate. They are filtered in segments of about
 * SEG_BYTES, and each segment is classed by its runs of zeros (see
 * flush_segment): photo-like segments are Huffman-coded (huff.c) at
 * once, their blocks ours, so they join the stream without a walk and
 * the buffer of filtered rows stays at one segment (a 4K photo touches
 * 1 MiB of it, not 25 MB of fresh pages). Segments with runs (windows,
 * text) wait, up to ONE_CALL_MAX bytes of them, and go to libdeflate
 * in one call, whose matches then reach across them: a whole 4K desktop
 * (24.9 MB) is one call, as before. A bigger run of them is deflated in
 * pieces joined into the one zlib stream PNG needs, as pigz joins its
 * blocks (docs/performance.md has the figures). */
#define ONE_CALL_MAX ((size_t)32 << 20)
#define SEG_BYTES ((size_t)1 << 20)
/* With a sink, fast's rows of a mix (runs under three quarters: what
 * libdeflate gets at level 3) wait for at most this many bytes: the
 * first piece of a desktop of windows over a photo is then ready 2.5 to
 * 3.3 times sooner, at the same size and no slower in all (the walks
 * that join the calls cost about what the fewer fresh pages of rows
 * save). Rows that are mostly runs (a flat desktop) still wait up to
 * ONE_CALL_MAX: they compress a hundredfold, so cutting them would not
 * fill a piece sooner and its walks cost 30 ms at 4K
 * (docs/performance.md, fourth pass). */
#define SINK_ONE_CALL_MAX ((size_t)8 << 20)

int sb__png_enc_new_seg(uint32_t w, uint32_t h, int level, size_t one_call_max,
                        size_t seg_bytes, sb_png_enc_t **out) {
  sb_png_enc_t *e;
  uint64_t r;
  if (!out)
    return SB_EINVAL;
  *out = NULL;
  if (w == 0 || h == 0 || (level != SB_PNG_FAST && level != SB_PNG_SMALL))
    return SB_EINVAL;
  /* Sizes in 64 bits and capped before anything is allocated. */
  if ((uint64_t)w * h > SB_PNG_PIXELS_MAX)
    return SB_ETOOBIG;
  if (!(e = sb_calloc(1, sizeof *e)))
    return SB_ENOMEM;
  e->w = w;
  e->h = h;
  e->level = level;
  e->rowlen = (size_t)w * 3 + 1;
  r = seg_bytes / e->rowlen;
  e->seg_rows = r < 1 ? 1 : r > h ? h : (uint32_t)r;
  /* Room for what may wait and the segment after it. Pages of it never
   * written (a photo's) cost nothing: only what is touched is resident. */
  r = one_call_max / e->rowlen + e->seg_rows;
  e->cap_rows = r > h ? h : (uint32_t)r;
  e->adler = 1;
  e->max = SB_SCREENSHOT_MAX;
  e->filtered = sb_malloc(e->rowlen * e->cap_rows);
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

int sb_png_enc_new(uint32_t w, uint32_t h, int level, sb_png_enc_t **out) {
  return sb__png_enc_new_seg(w, h, level, ONE_CALL_MAX, SEG_BYTES, out);
}

void sb_png_enc_free(sb_png_enc_t *e) {
  if (!e)
    return;
  sb_free(e->filtered);
  sb_free(e->cur);
  sb_free(e->prev);
  sb_free(e->cand);
  sb_free(e->last);
  for (size_t i = 0; i < sizeof e->comp / sizeof e->comp[0]; i++)
    libdeflate_free_compressor(e->comp[i]);
  sb_free(e->out);
  if (e->walk_ready)
    inflateEnd(&e->walk);
  sb_free(e);
}

int sb_png_enc_set_sink(sb_png_enc_t *e, size_t piece_max, sb_png_sink_fn fn,
                        void *arg) {
  if (!e || !fn || piece_max == 0 || e->y || e->started || e->err)
    return SB_EINVAL;
  e->sink = fn;
  e->sink_arg = arg;
  e->piece_max = piece_max;
  uint64_t r = SINK_ONE_CALL_MAX / e->rowlen + e->seg_rows;
  e->mix_rows = r < e->cap_rows ? (uint32_t)r : e->cap_rows;
  return 0;
}

int sb__png_enc_set_max(sb_png_enc_t *e, size_t max) {
  if (!e || e->y || e->started)
    return SB_EINVAL;
  e->max = max;
  return 0;
}

/* Room for n more bytes of output (and the TAIL after them). */
static int out_reserve(sb_png_enc_t *e, size_t n) {
  size_t need, cap;
  if (n > SIZE_MAX - TAIL - e->out_len)
    return SB_ETOOBIG;
  need = e->out_len + n + TAIL;
  if (need <= e->out_cap)
    return 0;
  /* Kept whole, the first time room for a photo's stream (a fifth of its
   * rows, Huffman-coded) at once: growing it by doubling copied it each
   * time. What is reserved and never written costs no memory. With a
   * sink, the buffer only ever holds one call's output and a piece. */
  cap = e->out_cap ? e->out_cap : need;
  if (!e->out_cap && !e->sink && cap < e->rowlen * e->h / 4)
    cap = e->rowlen * e->h / 4;
  while (cap < need)
    cap = cap > SIZE_MAX / 2 || e->sink ? need : cap * 2;
  uint8_t *o = sb_realloc(e->out, cap);
  if (!o)
    return SB_ENOMEM;
  e->out = o;
  e->out_cap = cap;
  return 0;
}

/* In a raw deflate stream of n bytes (one libdeflate call, so it ends
 * with a final block), find the bit where its final block's header starts
 * and the bit just past its end, by inflating it with zlib, which stops
 * at every block boundary when asked (Z_BLOCK) and says there how many
 * bits of the last byte it took are unused. Bits count from the least
 * significant bit of byte 0, as deflate packs them. The inflated bytes
 * are counted against want (the segment's size), so a stream this does
 * not understand is an error, never a wrong join. */
static int last_block(sb_png_enc_t *e, const uint8_t *s, size_t n,
                      size_t want, uint64_t *final_bit, uint64_t *end_bit) {
  uint8_t scratch[16384];
  int zr, found_end = 0;
  if (!e->walk_ready) {
    memset(&e->walk, 0, sizeof e->walk);
    if (inflateInit2(&e->walk, -15) != Z_OK)
      return SB_ENOMEM;
    e->walk_ready = 1;
  } else if (inflateReset(&e->walk) != Z_OK) {
    return SB_EIO;
  }
  z_stream *z = &e->walk;
  z->next_in = (Bytef *)s;
  z->avail_in = (uInt)n;
  *final_bit = *end_bit = 0;
  for (;;) {
    z->next_out = scratch; /* the bytes are not needed, only counted */
    z->avail_out = sizeof scratch;
    zr = inflate(z, Z_BLOCK);
    if (zr == Z_STREAM_END)
      break;
    if (zr != Z_OK)
      return SB_EIO; /* also a stream that ends without a final block */
    /* At a block boundary (bit 128) the unused bits are fewer than 8.
     * Not yet in the final block (64): the next header, perhaps the
     * final one, starts here. Just after the final block: its end (zlib
     * stops there, before it drops the bits left in the byte). */
    if (z->data_type & 128) {
      uint64_t at = (uint64_t)z->total_in * 8 - (unsigned)(z->data_type & 7);
      if (z->data_type & 64) {
        *end_bit = at;
        found_end = 1;
      } else {
        *final_bit = at;
      }
    }
  }
  if (!found_end || z->total_out != want)
    return SB_EIO;
  return 0;
}

/* Compress bytes of filtered rows at p and append them to the stream,
 * with libdeflate at level lv, or with huff.c (lv HUFF). The last piece
 * ends the stream; any other is made to continue it. huff.c does that
 * itself (its blocks end with an empty stored block, on a byte). A
 * libdeflate piece ends with a final block at a bit position libdeflate
 * does not report: last_block finds it, its BFINAL bit is cleared, and
 * an empty stored block follows (three zero header bits, zeros to the
 * byte, LEN 0, NLEN 0xFFFF), which is what zlib's Z_SYNC_FLUSH writes,
 * so the next piece starts on a byte. A piece's matches never reach
 * back into the one before, so each can be compressed alone. */
enum { HUFF = 0 };

/* Before the first bytes of the stream, the PNG's start: signature, IHDR
 * and the zlib header (deflate, 32 KiB window, no dictionary), this in
 * the first IDAT. Then an IDAT is opened whenever none is: its length is
 * written when it closes. out_reserve made room. */
static void open_idat(sb_png_enc_t *e) {
  uint8_t *o = e->out + e->out_len;
  int zhdr = 0;
  if (!e->started) {
    uint8_t ihdr[13];
    memcpy(o, "\x89PNG\r\n\x1a\n", 8);
    be32(ihdr, e->w);
    be32(ihdr + 4, e->h);
    ihdr[8] = 8;  /* bit depth */
    ihdr[9] = 2;  /* colour type: RGB */
    ihdr[10] = 0; /* deflate */
    ihdr[11] = 0; /* adaptive filtering (a filter type per row) */
    ihdr[12] = 0; /* no interlace */
    o = chunk(o + 8, "IHDR", ihdr, sizeof ihdr);
    e->out_len += PROLOGUE;
    e->started = zhdr = 1;
  }
  if (!e->idat_open) {
    e->idat = e->out_len;
    memcpy(o + 4, "IDAT", 4);
    e->out_len += IDAT_HEAD;
    e->idat_open = 1;
  }
  if (zhdr) {
    e->out[e->out_len] = 0x78;
    e->out[e->out_len + 1] = 0x01;
    e->out_len += 2;
  }
}

/* The open IDAT's length, now known, and its CRC over type and data
 * (4 bytes of room kept by out_reserve). */
static void close_idat(sb_png_enc_t *e) {
  uint8_t *c = e->out + e->idat;
  size_t n = e->out_len - e->idat - IDAT_HEAD;
  be32(c, (uint32_t)n);
  be32(c + IDAT_HEAD + n, png_crc(c + 4, n + 4, 0));
  e->out_len += 4;
  e->idat_open = 0;
}

/* Hand the sink every full piece in out, straight from out (no copy),
 * and move what is left, less than a piece, to out's start; last: every
 * byte, the last piece shorter if need be and marked last. */
static int hand_out(sb_png_enc_t *e, int last) {
  size_t at = 0, left = e->out_len;
  int err = 0;
  while (left >= e->piece_max || (last && left)) {
    size_t n = left < e->piece_max ? left : e->piece_max;
    int fin = last && n == left;
    err = e->sink(e->sink_arg, e->out + at, n, fin);
    if (err)
      break;
    at += n;
    left -= n;
  }
  e->sent += at;
  if (at && left)
    memmove(e->out, e->out + at, left);
  e->out_len = left;
  if (err > 0) /* not an SB_E*: say the sink misbehaved */
    err = SB_EINVAL;
  return err;
}

static int deflate_piece(sb_png_enc_t *e, const uint8_t *p, size_t bytes,
                         int lv, int final) {
  size_t bound, z, hbound = 0;
  int err;
  if (lv == HUFF) {
    bound = sb__huff_bound(bytes);
  } else {
    if (!e->comp[lv] && !(e->comp[lv] = libdeflate_alloc_compressor(lv)))
      return SB_ENOMEM;
    bound = libdeflate_deflate_compress_bound(e->comp[lv], bytes);
    /* small tries literals too, after libdeflate's stream, and keeps the
     * smaller: on a photo they are (docs/performance.md). */
    if (e->level == SB_PNG_SMALL)
      hbound = sb__huff_bound(bytes);
  }
  /* Room for the prologue and zlib header, an IDAT header, the piece and
   * the stored block that may follow it, and the IDAT's CRC. */
  if ((err = out_reserve(e, PROLOGUE + 2 + IDAT_HEAD + bound + hbound + 5 +
                                4)) != 0)
    return err;
  open_idat(e);
  uint8_t *o = e->out + e->out_len;
  e->adler = libdeflate_adler32(e->adler, p, bytes);
  if (lv == HUFF) {
    z = sb__huff_deflate(p, bytes, o, final);
  } else {
    z = libdeflate_deflate_compress(e->comp[lv], p, bytes, o, bound);
    if (z == 0) /* cannot happen with the bound; say so if it does */
      return SB_EIO;
    if (hbound) {
      size_t hz = sb__huff_deflate(p, bytes, o + bound, final);
      if (hz < z) { /* already continued (or ended): no walk */
        memmove(o, o + bound, hz);
        e->out_len += hz;
        goto done;
      }
    }
    if (!final) {
      uint64_t fb, eb;
      if ((err = last_block(e, o, z, bytes, &fb, &eb)) != 0)
        return err;
      o[fb / 8] &= (uint8_t)~(1u << (fb % 8)); /* BFINAL off */
      /* The stored block's three zero bits from eb, then zeros to the
       * byte: every bit from eb on is zero. */
      size_t end = (size_t)((eb + 3 + 7) / 8);
      if (eb % 8)
        o[eb / 8] &= (uint8_t)((1u << (eb % 8)) - 1);
      for (size_t i = (size_t)((eb + 7) / 8); i < end; i++)
        o[i] = 0;
      o[end] = 0x00, o[end + 1] = 0x00, o[end + 2] = 0xff, o[end + 3] = 0xff;
      z = end + 4;
    }
  }
  e->out_len += z;
done:
  /* The PNG is more than one transfer may carry: what it has so far and
   * the least that must follow is already over. */
  if (e->sent + e->out_len + TAIL > e->max)
    return SB_ETOOBIG;
  /* With a sink, the piece is final: it ends its own IDAT and what fills
   * pieces goes out. The last piece of the stream waits for the Adler-32
   * in the same IDAT (finish). */
  if (e->sink && !final) {
    close_idat(e);
    return hand_out(e, 0);
  }
  return 0;
}

/* The rows waiting for libdeflate, in one call, at the level their runs
 * call for: level 6 (lazy matching) when runs are most of them, as on a
 * flat desktop, where it is no slower than level 1 (long runs are cheap
 * to match) and a third of its size; level 3 for a mix. small is level
 * 6 always. */
static int flush_pending(sb_png_enc_t *e, int final) {
  size_t bytes = e->rowlen * e->pend_rows;
  int lv = 6, err;
  if (e->level == SB_PNG_FAST && e->pend_runs * 4 < (uint64_t)bytes * 3)
    lv = 3;
  err = deflate_piece(e, e->filtered, bytes, lv, final);
  e->pend_rows = 0;
  e->pend_runs = 0;
  return err;
}

/* The current segment is complete (final: and the picture too). fast
 * classes it by its bytes in runs of zeros. Under a quarter (photo-like
 * pixels, where matches are rare and cost more bits than they save):
 * Huffman-coded literals, the smallest there (0.83x zlib 6 on the 4K
 * photo) and the fastest (a quarter of libdeflate level 1's time), after
 * the rows that wait, if any. Otherwise it joins the rows that wait for
 * libdeflate, and they go once no further segment would fit. */
static int flush_segment(sb_png_enc_t *e, int final) {
  size_t bytes = e->rowlen * e->seg_y;
  int err = 0;
  if (e->level == SB_PNG_FAST && e->runs * 4 < (uint64_t)bytes) {
    const uint8_t *p = e->filtered + e->rowlen * e->pend_rows;
    if (!e->pend_rows || (err = flush_pending(e, 0)) == 0)
      err = deflate_piece(e, p, bytes, HUFF, final);
  } else {
    /* The next segment: seg_rows, or the rows left if fewer. */
    uint32_t next = e->h - e->y < e->seg_rows ? e->h - e->y : e->seg_rows;
    uint32_t most = e->cap_rows;
    e->pend_rows += e->seg_y;
    e->pend_runs += e->runs;
    /* With a sink, a mix waits less (SINK_ONE_CALL_MAX says why). */
    if (e->sink && e->level == SB_PNG_FAST &&
        e->pend_runs * 4 < (uint64_t)e->rowlen * e->pend_rows * 3)
      most = e->mix_rows;
    if (final || e->pend_rows + next > most)
      err = flush_pending(e, final);
  }
  e->seg_y = 0;
  e->runs = 0;
  return err;
}

int sb_png_enc_rows(sb_png_enc_t *e, const uint8_t *bgra, size_t stride,
                    uint32_t rows) {
  size_t n;
  if (!e || !bgra || stride < (size_t)e->w * 4 || rows > e->h - e->y)
    return SB_EINVAL;
  if (e->err)
    return e->err;
  n = (size_t)e->w * 3;
  if (e->level == SB_PNG_FAST) {
    for (uint32_t r = 0; r < rows; r++, e->y++, e->seg_y++) {
      const uint8_t *p = bgra + (size_t)r * stride;
      const uint8_t *up = e->y == 0 ? NULL : r ? p - stride : e->last;
      uint8_t *o;
      int err;
      /* A full buffer with a row still to come: not the last segment. */
      if (e->seg_y == e->seg_rows && (err = flush_segment(e, 0)) != 0)
        return e->err = err;
      o = e->filtered + (size_t)(e->pend_rows + e->seg_y) * e->rowlen;
      if (e->y % GROUP_ROWS == 0) {
        /* The filter for this group: of None, Sub, Up and Avg, the one
         * whose residuals on this row have the least sum of magnitudes
         * (the usual heuristic). Paeth is left out on purpose: on the
         * blurred photo it has the least sum and the most zeros, yet
         * libdeflate's level 1 makes 6.58 MB of it against 6.18 MB of
         * Avg, and it costs twice Avg's time (docs/performance.md). On
         * windows and text, Up or Sub win. */
        uint64_t best = UINT64_MAX, cost[4];
        if (up)
          cost4_swar(p, up, e->w, cost);
        else
          for (int f = 0; f < 4; f++)
            cost[f] = filter_bgra(NULL, p, up, e->w, f);
        for (int f = 0; f < 4; f++)
          if (cost[f] < best) {
            best = cost[f];
            e->filter = f;
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
  for (uint32_t r = 0; r < rows; r++, e->y++, e->seg_y++) {
    const uint8_t *p = bgra + (size_t)r * stride;
    uint8_t *o, *t;
    int err;
    if (e->seg_y == e->seg_rows && (err = flush_segment(e, 0)) != 0)
      return e->err = err;
    o = e->filtered + (size_t)(e->pend_rows + e->seg_y) * e->rowlen;
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

/* Once every row is in: the last segment, the zlib stream's end (the
 * Adler-32 of everything deflated, big-endian), the last IDAT closed and
 * IEND, in the room out_reserve kept (TAIL). */
static int finish(sb_png_enc_t *e) {
  int err;
  if (e->err)
    return e->err;
  if ((err = flush_segment(e, 1)) != 0)
    return e->err = err;
  be32(e->out + e->out_len, e->adler);
  e->out_len += 4;
  close_idat(e);
  chunk(e->out + e->out_len, "IEND", NULL, 0);
  e->out_len += 12;
  return 0;
}

int sb_png_enc_finish(sb_png_enc_t *e, uint8_t **out, size_t *out_len) {
  int err;
  if (!e || !out || !out_len || e->y != e->h || e->sink)
    return SB_EINVAL;
  *out = NULL;
  *out_len = 0;
  if ((err = finish(e)) != 0)
    return err;
  *out_len = e->out_len;
  /* Give back what the worst-case bound reserved. */
  *out = sb_realloc(e->out, e->out_len);
  if (!*out)
    *out = e->out;
  e->out = NULL;
  e->out_cap = e->out_len = 0;
  e->err = SB_EINVAL; /* done: nothing more to take */
  return 0;
}

int sb_png_enc_finish_sink(sb_png_enc_t *e, size_t *total_len) {
  int err;
  if (!e || !total_len || e->y != e->h || !e->sink)
    return SB_EINVAL;
  *total_len = 0;
  if ((err = finish(e)) != 0 || (err = hand_out(e, 1)) != 0)
    return e->err = err;
  *total_len = (size_t)e->sent;
  e->err = SB_EINVAL; /* done: nothing more to take */
  return 0;
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
