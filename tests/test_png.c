/* The agent's PNG encoder, checked by decoding what it wrote: signature,
 * IHDR, every chunk CRC, the zlib stream (inflated by zlib, its Adler-32
 * checked there), the row filters undone and the pixels compared. The
 * e2e screenshot oracle decodes the same PNGs with ImageMagick. */
#include "pngdec.h"
#include "sb_png.h"
#include "sbtest.h"
#include "sessionbridge.h"

static void check_pixels(const uint8_t *rgb, const uint8_t *px, int w,
                         int h) {
  for (int i = 0; i < w * h; i++)
    if (rgb[i * 3] != px[i * 4 + 2] || rgb[i * 3 + 1] != px[i * 4 + 1] ||
        rgb[i * 3 + 2] != px[i * 4])
      sbtest_fail(__FILE__, __LINE__, "pixel", "mismatch");
}

SB_TEST(png_round_trip) {
  enum { W = 300, H = 250 };
  static uint8_t px[W * H * 4], rgb[W * H * 3];
  uint8_t *png;
  size_t len;
  sbtest_fill(px, sizeof px, 5); /* noise: the incompressible worst case */
  CHECK_OK(sb_png_encode_bgra(px, W, H, W * 4, &png, &len));
  sbt_png_decode(png, len, W, H, rgb);
  check_pixels(rgb, px, W, H);
  sb_free(png);
}

SB_TEST(png_desktop_compresses) {
  /* A flat background, a gradient bar and a box with text-like noise:
   * the shape of a desktop. Stored it would be (W*3+1)*H bytes. */
  enum { W = 640, H = 400 };
  static uint8_t px[W * H * 4], rgb[W * H * 3];
  uint8_t *png;
  size_t len;
  for (int y = 0; y < H; y++)
    for (int x = 0; x < W; x++) {
      uint8_t *p = px + (y * W + x) * 4;
      p[0] = 0xcc, p[1] = 0x66, p[2] = 0x33, p[3] = 0xff;
      if (y < 24)
        p[0] = p[1] = p[2] = (uint8_t)(x * 255 / W);
      if (y >= 150 && y < 250 && x >= 200 && x < 440)
        p[0] = p[1] = p[2] = ((x * 7 + y * 13) % 11) < 3 ? 0 : 0xf0;
    }
  CHECK_OK(sb_png_encode_bgra(px, W, H, W * 4, &png, &len));
  size_t idat = sbt_png_decode(png, len, W, H, rgb);
  check_pixels(rgb, px, W, H);
  fprintf(stderr, "%dx%d desktop-like image: %zu bytes of PNG, %zu stored\n",
          W, H, len, (size_t)(W * 3 + 1) * H);
  CHECK(idat * 20 < (size_t)(W * 3 + 1) * H);
  sb_free(png);
}

SB_TEST(png_stride_and_one_pixel) {
  /* Rows padded past the pixels (a stride) and the smallest image. */
  uint8_t px[2 * 8] = {1, 2, 3, 0, 9, 9, 9, 9, 4, 5, 6, 0, 9, 9, 9, 9};
  uint8_t rgb[6];
  uint8_t *png;
  size_t len;
  CHECK_OK(sb_png_encode_bgra(px, 1, 2, 8, &png, &len));
  sbt_png_decode(png, len, 1, 2, rgb);
  CHECK(rgb[0] == 3 && rgb[1] == 2 && rgb[2] == 1);
  CHECK(rgb[3] == 6 && rgb[4] == 5 && rgb[5] == 4);
  sb_free(png);
}

SB_TEST(png_refuses_oversize) {
  uint8_t px[4] = {0};
  uint8_t *png;
  size_t len;
  /* 8192 x 8192 x 3 > 64 MiB: refused before allocating. */
  CHECK_ERR(sb_png_encode_bgra(px, 8192, 8192, 8192 * 4, &png, &len),
            SB_ETOOBIG);
  CHECK_ERR(sb_png_encode_bgra(px, 0, 1, 4, &png, &len), SB_EINVAL);
}
