/* A strict decoder for the agent's own PNGs (8-bit RGB, filters None and
 * Sub), for tests: every chunk CRC checked, zlib inflating. */
#include <zlib.h>

#include "pngdec.h"
#include "sb_png.h"
#include "sbtest.h"

static uint32_t rd32(const uint8_t *p) {
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 |
         p[3];
}

size_t sbt_png_decode(const uint8_t *png, size_t len, uint32_t w, uint32_t h,
                     uint8_t *rgb) {
  size_t off = 8, idat_len = 0;
  size_t rowlen = (size_t)w * 3 + 1, raw_len = rowlen * h;
  uint8_t *idat = malloc(len), *raw = malloc(raw_len);
  int saw_ihdr = 0, saw_end = 0;
  CHECK(idat && raw);
  CHECK(len > 8);
  CHECK_MEM(png, "\x89PNG\r\n\x1a\n", 8);
  while (off + 12 <= len) {
    uint32_t n = rd32(png + off);
    const uint8_t *type = png + off + 4, *data = png + off + 8;
    CHECK(off + 12 + n <= len);
    CHECK_EQ(rd32(data + n), sb_png_crc(type, n + 4, 0));
    if (!memcmp(type, "IHDR", 4)) {
      CHECK_EQ(n, 13);
      CHECK_EQ(rd32(data), w);
      CHECK_EQ(rd32(data + 4), h);
      CHECK_EQ(data[8], 8);
      CHECK_EQ(data[9], 2);
      saw_ihdr = 1;
    } else if (!memcmp(type, "IDAT", 4)) {
      CHECK(saw_ihdr);
      memcpy(idat + idat_len, data, n);
      idat_len += n;
    } else if (!memcmp(type, "IEND", 4)) {
      saw_end = 1;
    }
    off += 12 + n;
  }
  CHECK(saw_ihdr && saw_end);
  CHECK_EQ(off, len);
  uLongf got = (uLongf)raw_len;
  CHECK_EQ(uncompress(raw, &got, idat, (uLong)idat_len), Z_OK);
  CHECK_EQ(got, raw_len);
  /* Undo each row's filter (this encoder writes None or Sub). */
  for (uint32_t y = 0; y < h; y++) {
    const uint8_t *r = raw + y * rowlen;
    uint8_t *o = rgb + (size_t)y * w * 3;
    CHECK(r[0] == 0 || r[0] == 1);
    for (size_t i = 0; i < (size_t)w * 3; i++)
      o[i] = (uint8_t)(r[1 + i] + (r[0] == 1 && i >= 3 ? o[i - 3] : 0));
  }
  free(idat);
  free(raw);
  return idat_len;
}

