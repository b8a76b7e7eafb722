/* SPDX-License-Identifier: MIT */
/* Decoding the agent's PNGs in tests with libpng: an oracle that shares no
 * code with the agent's encoder (libdeflate) or its reader (libspng).
 * libpng checks the signature, every chunk CRC and the zlib stream. */
#include <png.h>
#include <stdlib.h>
#include <string.h>

#include "pngdec.h"
#include "sbtest.h"

static uint32_t rd32(const uint8_t *p) {
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 |
         p[3];
}

size_t sbt_png_decode(const uint8_t *png, size_t len, uint32_t w, uint32_t h,
                      uint8_t *rgb) {
  png_image im;
  size_t off = 8, idat_len = 0;
  memset(&im, 0, sizeof im);
  im.version = PNG_IMAGE_VERSION;
  CHECK(len > 8);
  if (!png_image_begin_read_from_memory(&im, png, len))
    sbtest_fail(__FILE__, __LINE__, "libpng", im.message);
  CHECK_EQ(im.width, w);
  CHECK_EQ(im.height, h);
  /* 8-bit RGB, no alpha, no palette: what the encoder writes. */
  CHECK_EQ(im.format, PNG_FORMAT_RGB);
  CHECK_EQ(png[8 + 8 + 8], 8);  /* IHDR bit depth */
  CHECK_EQ(png[8 + 8 + 9], 2);  /* IHDR colour type */
  if (!png_image_finish_read(&im, NULL, rgb, (png_int_32)(w * 3), NULL))
    sbtest_fail(__FILE__, __LINE__, "libpng", im.message);
  /* The size of the image data, for the tests that weigh compression;
   * the chunks' framing is already checked by libpng above. */
  while (off + 12 <= len) {
    uint32_t n = rd32(png + off);
    CHECK(n <= len - off - 12);
    if (!memcmp(png + off + 4, "IDAT", 4))
      idat_len += n;
    off += 12 + n;
  }
  CHECK_EQ(off, len);
  return idat_len;
}
