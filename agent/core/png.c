#include "sb_png.h"

#include <stdint.h>
#include <string.h>
#include <zlib.h>

#include "sessionbridge.h"

/* PNG's CRC is zlib's crc32 (table-driven, where a bitwise loop cost 8
 * steps a byte over every IDAT); fed in pieces since its length is a
 * uInt. */
uint32_t sb_png_crc(const uint8_t *p, size_t n, uint32_t crc) {
  uLong c = crc;
  while (n > 0) {
    uInt k = n > 0x40000000u ? 0x40000000u : (uInt)n;
    c = crc32(c, p, k);
    p += k;
    n -= k;
  }
  return (uint32_t)c;
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
  be32(o + 8 + len, sb_png_crc(o + 4, len + 4, 0));
  return o + 12 + len;
}

/* zlib's allocations go through sb_malloc like everything else. */
void *sb_png_zalloc(void *opaque, unsigned items, unsigned size) {
  (void)opaque;
  if (size && items > SIZE_MAX / size)
    return Z_NULL;
  return sb_malloc((size_t)items * size);
}

void sb_png_zfree(void *opaque, void *p) {
  (void)opaque;
  sb_free(p);
}

/* One scanline with PNG filter 1 (Sub: each byte minus the same channel
 * of the pixel to its left), which turns flat and gradient areas, most of
 * a desktop, into runs of zeros for deflate. */
static void filter_row(uint8_t *out, const uint8_t *bgra, uint32_t w) {
  out[0] = 1;
  out[1] = bgra[2]; /* BGRA -> RGB; the first pixel has nothing left */
  out[2] = bgra[1];
  out[3] = bgra[0];
  for (uint32_t x = 1; x < w; x++) {
    const uint8_t *p = bgra + (size_t)x * 4;
    uint8_t *o = out + 1 + (size_t)x * 3;
    o[0] = (uint8_t)(p[2] - p[-2]);
    o[1] = (uint8_t)(p[1] - p[-3]);
    o[2] = (uint8_t)(p[0] - p[-4]);
  }
}

int sb_png_encode_bgra(const uint8_t *px, uint32_t w, uint32_t h, size_t stride,
                       uint8_t **out, size_t *out_len) {
  enum { HEAD = 8 + 25 + 8, TAIL = 4 + 12 }; /* sig, IHDR, IDAT len+type */
  uint8_t ihdr[13];
  uint64_t raw, bound;
  uint8_t *buf = NULL, *row = NULL, *o;
  z_stream zs;
  int err = 0, zr = Z_OK;
  if (!px || !out || !out_len || w == 0 || h == 0 || stride < (size_t)w * 4)
    return SB_EINVAL;
  *out = NULL;
  *out_len = 0;
  /* Sizes in 64 bits and capped before anything is allocated. */
  raw = ((uint64_t)w * 3 + 1) * h;
  if (raw > SB_SCREENSHOT_MAX)
    return SB_ETOOBIG;
  memset(&zs, 0, sizeof zs);
  zs.zalloc = sb_png_zalloc;
  zs.zfree = sb_png_zfree;
  if (deflateInit(&zs, Z_DEFAULT_COMPRESSION) != Z_OK)
    return SB_ENOMEM;
  /* Room for the worst case (incompressible noise), given back below. */
  bound = deflateBound(&zs, (uLong)raw);
  /* raw is capped, so bound is too (raw plus a few bytes per 16 KiB). */
  if (!(buf = sb_malloc((size_t)(HEAD + bound + TAIL))) ||
      !(row = sb_malloc((size_t)w * 3 + 1))) {
    err = SB_ENOMEM;
    goto done;
  }
  zs.next_out = buf + HEAD;
  zs.avail_out = (uInt)bound;
  for (uint32_t y = 0; y < h && zr == Z_OK; y++) {
    filter_row(row, px + (size_t)y * stride, w);
    zs.next_in = row;
    zs.avail_in = (uInt)(w * 3 + 1);
    zr = deflate(&zs, y + 1 == h ? Z_FINISH : Z_NO_FLUSH);
  }
  if (zr != Z_STREAM_END || HEAD + zs.total_out + TAIL > SB_SCREENSHOT_MAX) {
    /* The bound makes a short buffer impossible; say so if it happens. */
    err = zr == Z_STREAM_END ? SB_ETOOBIG : SB_EIO;
    goto done;
  }

  o = buf;
  memcpy(o, "\x89PNG\r\n\x1a\n", 8);
  o += 8;
  be32(ihdr, w);
  be32(ihdr + 4, h);
  ihdr[8] = 8;  /* bit depth */
  ihdr[9] = 2;  /* colour type: RGB */
  ihdr[10] = 0; /* deflate */
  ihdr[11] = 0; /* adaptive filtering (every row: Sub) */
  ihdr[12] = 0; /* no interlace */
  o = chunk(o, "IHDR", ihdr, sizeof ihdr);
  /* IDAT's data is already in place after its length and type. */
  be32(o, (uint32_t)zs.total_out);
  memcpy(o + 4, "IDAT", 4);
  be32(o + 8 + zs.total_out, sb_png_crc(o + 4, zs.total_out + 4, 0));
  o += 12 + zs.total_out;
  o = chunk(o, "IEND", NULL, 0);
  *out_len = (size_t)(o - buf);
  /* Give back what the worst-case bound reserved. */
  *out = sb_realloc(buf, *out_len);
  if (!*out)
    *out = buf;
  buf = NULL;

done:
  deflateEnd(&zs);
  sb_free(row);
  sb_free(buf);
  return err;
}
