/* SPDX-License-Identifier: MIT */
/* Literals-only deflate (sb_huff.h says why). Each block of BLOCK bytes
 * gets its own code, built from the block's byte counts, so the code
 * follows the picture down the screen. */
#include "sb_huff.h"

#include <string.h>

/* Bytes a block covers: its header (about 150 bytes: 259 code lengths
 * and the code-length code) is then a thousandth of it, and the code
 * still changes often enough to follow the content (sizes measured in
 * docs/performance.md). */
#define BLOCK ((size_t)128 << 10)

enum { NLIT = 257, NDIST = 2, NCL = 19, STORED_MAX = 65535 };

/* The order RFC 1951 (3.2.7) sends the code-length code's lengths in. */
static const uint8_t cl_order[NCL] = {16, 17, 18, 0, 8,  7, 9,  6, 10, 5,
                                      11, 4,  12, 3, 13, 2, 14, 1, 15};

size_t sb__huff_bound(size_t n) {
  /* A block is written coded only when that is no bigger than stored,
   * which costs 5 bytes a 64 KiB piece and up to a byte of padding:
   * under 20 bytes a block over its own size. Then the closing empty
   * stored block and the writer's 8 bytes ahead. */
  return n + n / 1024 + 64;
}

void sb__huff_lengths(const uint32_t *freq, int n, int maxlen, uint8_t *len) {
  uint32_t w[2 * 288], f[288];
  uint16_t sym[288], parent[2 * 288];
  uint16_t depth[2 * 288]; /* up to m - 1 before the limit is applied */
  int m = 0;
  memset(len, 0, (size_t)n);
  for (int i = 0; i < n; i++)
    if (freq[i]) {
      sym[m] = (uint16_t)i;
      f[m++] = freq[i];
    }
  if (m == 0)
    return;
  if (m == 1) { /* a code of one symbol is incomplete: pair it */
    len[sym[0]] = 1;
    len[sym[0] == 0 ? 1 : 0] = 1;
    return;
  }
  for (;;) {
    /* Leaves by weight (insertion sort: m <= 288, once a block). */
    for (int i = 1; i < m; i++)
      for (int j = i; j > 0 && f[j] < f[j - 1]; j--) {
        uint32_t t = f[j];
        uint16_t s = sym[j];
        f[j] = f[j - 1], sym[j] = sym[j - 1];
        f[j - 1] = t, sym[j - 1] = s;
      }
    /* Huffman's merge with two queues: the leaves in order, and the
     * internal nodes, made in order of weight (nodes m to 2m - 2). */
    int li = 0, ni = m, next = m;
    for (int i = 0; i < m; i++)
      w[i] = f[i];
    while (next < 2 * m - 1) {
      int pick[2];
      for (int k = 0; k < 2; k++)
        pick[k] = li < m && (ni >= next || w[li] <= w[ni]) ? li++ : ni++;
      w[next] = w[pick[0]] + w[pick[1]];
      parent[pick[0]] = parent[pick[1]] = (uint16_t)next;
      next++;
    }
    /* A parent is made after its children: depths from the root down. */
    int deepest = 0;
    depth[2 * m - 2] = 0;
    for (int i = 2 * m - 3; i >= 0; i--) {
      depth[i] = (uint16_t)(depth[parent[i]] + 1);
      if (i < m && depth[i] > deepest)
        deepest = depth[i];
    }
    if (deepest <= maxlen) {
      for (int i = 0; i < m; i++)
        len[sym[i]] = (uint8_t)depth[i];
      return;
    }
    /* Too deep: flatten the weights and build again. Halving (and
     * keeping every weight at least 1) ends at equal weights, a balanced
     * tree of depth ceil(log2 m) <= maxlen. */
    for (int i = 0; i < m; i++)
      f[i] = (f[i] + 1) >> 1;
  }
}

/* Canonical codes from lengths (RFC 1951 3.2.2), bit-reversed, since
 * deflate sends a code's first bit first into the LSB-first stream. */
static void codes(const uint8_t *len, int n, uint16_t *code) {
  uint16_t count[16] = {0}, next[16];
  uint32_t c = 0;
  for (int i = 0; i < n; i++)
    count[len[i]]++;
  count[0] = 0;
  for (int b = 1; b < 16; b++) {
    c = (c + count[b - 1]) << 1;
    next[b] = (uint16_t)c;
  }
  for (int i = 0; i < n; i++) {
    uint32_t v = 0, x = len[i] ? next[len[i]]++ : 0;
    for (int b = 0; b < len[i]; b++)
      v |= ((x >> b) & 1u) << (len[i] - 1 - b);
    code[i] = (uint16_t)v;
  }
}

/* The bit writer: bits go in at bit bn of bb; flush stores all eight
 * bytes of bb (the caller's buffer has the room ahead) and moves on by
 * the whole bytes in it, so at most 7 bits stay. Between flushes at most
 * 56 bits may be put. */
typedef struct {
  uint8_t *o;
  uint64_t bb;
  unsigned bn;
} bits_t;

static inline void put(bits_t *w, uint64_t v, unsigned n) {
  w->bb |= v << w->bn;
  w->bn += n;
}

/* Eight bytes little-endian, whatever the CPU's order: written out so
 * the compiler makes it one store on a little-endian CPU. */
static inline void store64(uint8_t *o, uint64_t b) {
  o[0] = (uint8_t)b, o[1] = (uint8_t)(b >> 8), o[2] = (uint8_t)(b >> 16);
  o[3] = (uint8_t)(b >> 24), o[4] = (uint8_t)(b >> 32);
  o[5] = (uint8_t)(b >> 40), o[6] = (uint8_t)(b >> 48);
  o[7] = (uint8_t)(b >> 56);
}

static inline void flush(bits_t *w) {
  unsigned k = w->bn & ~7u;
  store64(w->o, w->bb);
  w->o += k >> 3;
  w->bb >>= k; /* k <= 56: at most 63 bits were in */
  w->bn -= k;
}

/* Stored blocks of n bytes (n may be 0: the empty block that ends a
 * non-final call on a byte boundary), the last of them final if final. */
static void put_stored(bits_t *w, const uint8_t *p, size_t n, int final) {
  do {
    size_t k = n < STORED_MAX ? n : STORED_MAX;
    int last = k == n;
    put(w, last && final ? 1 : 0, 3); /* BFINAL, BTYPE 00 */
    put(w, 0, (8 - w->bn % 8) % 8);   /* to the byte */
    flush(w);
    w->o[0] = (uint8_t)k, w->o[1] = (uint8_t)(k >> 8);
    w->o[2] = (uint8_t)~k, w->o[3] = (uint8_t)(~k >> 8);
    if (k)
      memcpy(w->o + 4, p, k);
    w->o += 4 + k;
    p += k;
    n -= k;
  } while (n);
}

/* One block: counted, coded, and written coded or stored, whichever is
 * smaller. */
static void put_block(bits_t *w, const uint8_t *p, size_t n, int final) {
  uint32_t fr[4][256] = {{0}}, lit[NLIT + NDIST], clf[NCL] = {0};
  uint8_t ll[NLIT + NDIST], cl[NCL];
  uint16_t lc[NLIT], cc[NCL];
  uint32_t tab[256];
  size_t i;
  /* Four tables so consecutive equal bytes do not wait on each other. */
  for (i = 0; i + 4 <= n; i += 4) {
    fr[0][p[i]]++;
    fr[1][p[i + 1]]++;
    fr[2][p[i + 2]]++;
    fr[3][p[i + 3]]++;
  }
  for (; i < n; i++)
    fr[0][p[i]]++;
  for (int s = 0; s < 256; s++)
    lit[s] = fr[0][s] + fr[1][s] + fr[2][s] + fr[3][s];
  lit[256] = 1; /* end of block */
  sb__huff_lengths(lit, NLIT, 15, ll);
  /* Two distance codes of one bit, never used: a complete code, as zlib
   * writes for a block without matches (some decoders refuse none). */
  ll[NLIT] = ll[NLIT + 1] = 1;
  for (int s = 0; s < NLIT + NDIST; s++)
    clf[ll[s]]++;
  sb__huff_lengths(clf, NCL, 7, cl);
  int hclen = NCL;
  while (hclen > 4 && cl[cl_order[hclen - 1]] == 0)
    hclen--;
  uint64_t cost = 3 + 5 + 5 + 4 + 3 * (uint64_t)hclen;
  for (int s = 0; s < NLIT + NDIST; s++)
    cost += cl[ll[s]];
  for (int s = 0; s < NLIT; s++)
    cost += (uint64_t)lit[s] * ll[s];
  /* Stored: 3 bits, up to 7 to the byte, LEN and NLEN a 64 KiB piece. */
  if (cost >= 8 * (uint64_t)n + 42 * (n / STORED_MAX + 1)) {
    put_stored(w, p, n, final);
    return;
  }
  codes(ll, NLIT, lc);
  codes(cl, NCL, cc);
  put(w, final ? 1 : 0, 1);
  put(w, 2, 2); /* dynamic Huffman */
  put(w, NLIT - 257, 5);
  put(w, NDIST - 1, 5);
  put(w, (uint64_t)hclen - 4, 4);
  flush(w);
  for (int k = 0; k < hclen; k++) {
    put(w, cl[cl_order[k]], 3);
    flush(w);
  }
  for (int s = 0; s < NLIT + NDIST; s++) {
    put(w, cc[ll[s]], cl[ll[s]]);
    flush(w);
  }
  for (int s = 0; s < 256; s++)
    tab[s] = (uint32_t)lc[s] | (uint32_t)ll[s] << 16;
  /* Three literals of at most 15 bits between flushes (45 + 7 <= 56),
   * the writer's state in locals: stores through o could otherwise alias
   * it, and the compiler would reload it after each. */
  uint8_t *o = w->o;
  uint64_t bb = w->bb;
  unsigned bn = w->bn;
  for (i = 0; i + 3 <= n; i += 3) {
    uint32_t a = tab[p[i]], b = tab[p[i + 1]], c = tab[p[i + 2]];
    bb |= (uint64_t)(a & 0xffff) << bn;
    bn += a >> 16;
    bb |= (uint64_t)(b & 0xffff) << bn;
    bn += b >> 16;
    bb |= (uint64_t)(c & 0xffff) << bn;
    bn += c >> 16;
    store64(o, bb);
    o += bn >> 3;
    bb >>= bn & ~7u;
    bn &= 7;
  }
  w->o = o, w->bb = bb, w->bn = bn;
  for (; i < n; i++) {
    put(w, tab[p[i]] & 0xffff, tab[p[i]] >> 16);
    flush(w);
  }
  put(w, lc[256], ll[256]);
  flush(w);
}

size_t sb__huff_deflate(const uint8_t *in, size_t n, uint8_t *out, int final) {
  bits_t w = {out, 0, 0};
  size_t at = 0;
  while (n - at > BLOCK) {
    put_block(&w, in + at, BLOCK, 0);
    at += BLOCK;
  }
  if (final && n)
    put_block(&w, in + at, n - at, 1);
  else {
    if (n)
      put_block(&w, in + at, n - at, 0);
    put_stored(&w, NULL, 0, final); /* on a byte; final only if n is 0 */
  }
  /* The last partial byte (zeros past the end, as deflate pads). */
  if (w.bn) {
    flush(&w);
    w.o += 1;
  }
  return (size_t)(w.o - out);
}
