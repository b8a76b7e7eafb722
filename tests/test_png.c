/* The agent's PNG encoder, checked by decoding what it wrote: signature,
 * IHDR, every chunk CRC, the stored deflate blocks and Adler-32, and the
 * pixels back. */
#include "sb_png.h"
#include "sbtest.h"
#include "sessionbridge.h"

static uint32_t rd32(const uint8_t *p) {
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 |
         p[3];
}

SB_TEST(png_round_trip) {
  enum { W = 300, H = 250 };
  static uint8_t px[W * H * 4];
  uint8_t *png;
  size_t len;
  sbtest_fill(px, sizeof px, 5);
  CHECK_OK(sb_png_encode_bgra(px, W, H, W * 4, &png, &len));
  CHECK_MEM(png, "\x89PNG\r\n\x1a\n", 8);
  size_t off = 8;
  uint8_t *raw = malloc((W * 3 + 1) * H + 65535);
  size_t raw_len = 0;
  int saw_end = 0;
  while (off + 12 <= len) {
    uint32_t n = rd32(png + off);
    const uint8_t *type = png + off + 4, *data = png + off + 8;
    CHECK(off + 12 + n <= len);
    CHECK_EQ(rd32(data + n), sb_png_crc(type, n + 4, 0));
    if (!memcmp(type, "IHDR", 4)) {
      CHECK_EQ(rd32(data), W);
      CHECK_EQ(rd32(data + 4), H);
      CHECK_EQ(data[8], 8);
      CHECK_EQ(data[9], 2);
    } else if (!memcmp(type, "IDAT", 4)) {
      CHECK(data[0] == 0x78 && (data[0] * 256 + data[1]) % 31 == 0);
      size_t p = 2;
      for (;;) {
        int final = data[p] & 1;
        CHECK_EQ(data[p] >> 1, 0); /* stored */
        uint32_t bl = data[p + 1] | data[p + 2] << 8;
        uint32_t nl = data[p + 3] | data[p + 4] << 8;
        CHECK_EQ(bl ^ 0xFFFF, nl);
        memcpy(raw + raw_len, data + p + 5, bl);
        raw_len += bl;
        p += 5 + bl;
        if (final)
          break;
      }
      uint32_t a = 1, b = 0;
      for (size_t i = 0; i < raw_len; i++) {
        a = (a + raw[i]) % 65521;
        b = (b + a) % 65521;
      }
      CHECK_EQ(rd32(data + p), (b << 16) | a);
    } else if (!memcmp(type, "IEND", 4)) {
      saw_end = 1;
    }
    off += 12 + n;
  }
  CHECK(saw_end);
  CHECK_EQ(raw_len, (size_t)(W * 3 + 1) * H);
  for (int y = 0; y < H; y++) {
    CHECK_EQ(raw[y * (W * 3 + 1)], 0);
    for (int x = 0; x < W; x++) {
      const uint8_t *rgb = raw + y * (W * 3 + 1) + 1 + x * 3;
      const uint8_t *bgra = px + (y * W + x) * 4;
      if (rgb[0] != bgra[2] || rgb[1] != bgra[1] || rgb[2] != bgra[0])
        sbtest_fail(__FILE__, __LINE__, "pixel", "mismatch");
    }
  }
  free(raw);
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
