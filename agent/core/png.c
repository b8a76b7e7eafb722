#include "sb_png.h"

#include <string.h>

#include "sessionbridge.h"

uint32_t sb_png_crc(const uint8_t *p, size_t n, uint32_t crc) {
  crc = ~crc;
  for (size_t i = 0; i < n; i++) {
    crc ^= p[i];
    for (int k = 0; k < 8; k++)
      crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
  }
  return ~crc;
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

int sb_png_encode_bgra(const uint8_t *px, uint32_t w, uint32_t h, size_t stride,
                       uint8_t **out, size_t *out_len) {
  uint8_t ihdr[13];
  uint64_t raw, blocks, idat, total;
  uint8_t *buf = NULL, *z = NULL, *o;
  if (!px || !out || !out_len || w == 0 || h == 0 || stride < (size_t)w * 4)
    return SB_EINVAL;
  *out = NULL;
  /* Sizes in 64 bits and capped before anything is allocated. */
  raw = ((uint64_t)w * 3 + 1) * h;
  blocks = (raw + 65534) / 65535;
  idat = 2 + raw + blocks * 5 + 4;
  total = 8 + 25 + 12 + idat + 12;
  if (raw > SB_SCREENSHOT_MAX || total > SB_SCREENSHOT_MAX)
    return SB_ETOOBIG;
  z = sb_malloc((size_t)idat);
  buf = sb_malloc((size_t)total);
  if (!z || !buf) {
    sb_free(z);
    sb_free(buf);
    return SB_ENOMEM;
  }
  /* zlib stream: header, stored blocks of at most 65535 bytes, Adler-32
   * of the raw data. The raw data is each row's filter byte (0, none)
   * and its RGB pixels. */
  uint8_t *zp = z;
  *zp++ = 0x78;
  *zp++ = 0x01;
  uint32_t a = 1, b = 0;
  uint64_t left_in_block = 0, done = 0;
  uint8_t *len_at = NULL;
  for (uint32_t y = 0; y < h; y++) {
    const uint8_t *row = px + (size_t)y * stride;
    for (uint32_t x = 0; x <= w * 3; x++) {
      uint8_t byte;
      if (x == 0)
        byte = 0;
      else {
        uint32_t i = x - 1, p = i / 3, c = i % 3;
        byte = row[p * 4 + (2 - c)]; /* BGRA -> RGB */
      }
      if (left_in_block == 0) {
        uint64_t n = raw - done < 65535 ? raw - done : 65535;
        len_at = zp;
        *zp++ = done + n == raw ? 1 : 0; /* BFINAL, BTYPE=00 */
        *zp++ = (uint8_t)n;
        *zp++ = (uint8_t)(n >> 8);
        *zp++ = (uint8_t)~n;
        *zp++ = (uint8_t)(~n >> 8);
        left_in_block = n;
      }
      *zp++ = byte;
      left_in_block--;
      done++;
      a = (a + byte) % 65521u;
      b = (b + a) % 65521u;
    }
  }
  (void)len_at;
  be32(zp, (b << 16) | a);
  zp += 4;

  o = buf;
  memcpy(o, "\x89PNG\r\n\x1a\n", 8);
  o += 8;
  be32(ihdr, w);
  be32(ihdr + 4, h);
  ihdr[8] = 8;  /* bit depth */
  ihdr[9] = 2;  /* colour type: RGB */
  ihdr[10] = 0; /* deflate */
  ihdr[11] = 0; /* adaptive filtering */
  ihdr[12] = 0; /* no interlace */
  o = chunk(o, "IHDR", ihdr, sizeof ihdr);
  o = chunk(o, "IDAT", z, (size_t)(zp - z));
  o = chunk(o, "IEND", NULL, 0);
  sb_free(z);
  *out = buf;
  *out_len = (size_t)(o - buf);
  return 0;
}
