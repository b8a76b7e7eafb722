/* SPDX-License-Identifier: MIT */
/* Screenshots, called directly in the test process: the PNG is decoded
 * here (chunks, CRCs, the zlib stream inflated, every row's filter valid)
 * and its size checked against the request. Pixels against ImageMagick's
 * own capture: e2e_task_screenshot_wine. */
#include "pngdec.h"
#include "sb_png.h"
#include "sbtest.h"
#include "sbtest_platform.h"
#include "sessionbridge.h"
#include "tasks.h"

/* The agent's PNG, decoded (tests/support/pngdec.c: chunks and CRCs,
 * IHDR w x h RGB8, data inflating to exactly its size, row filters). */
static void check_png(const uint8_t *png, size_t len, uint32_t w, uint32_t h) {
  uint8_t *rgb = malloc((size_t)w * h * 3);
  CHECK(rgb != NULL);
  sbt_png_decode(png, len, w, h, rgb);
  free(rgb);
}

/* Skips (exit 77, with the reason) where there is no screen backend. */
static int posix_refuses(const sb_task_shot_t *req) {
  (void)req;
  if (!sbtest_is_windows())
    sbtest_skip("the POSIX agent has no desktop backend for screenshots (agent/posix/tasks_posix.c answers SB_EUNSUPPORTED; task_posix_unsupported checks that)");
  return 0;
}

static void shot(const sb_task_shot_t *req, uint32_t *w, uint32_t *h) {
  uint8_t *png = NULL;
  size_t len = 0;
  CHECK_OK(sb_task_screenshot(req, &png, &len, w, h));
  CHECK(png != NULL);
  check_png(png, len, *w, *h);
  sb_free(png);
}

SB_TEST(task_screenshot_virtual_screen) {
  sb_task_shot_t req = {0, 0, 0, 0, 0, 0, 0, NULL, NULL};
  uint32_t w, h;
  if (posix_refuses(&req))
    return;
  shot(&req, &w, &h);
  /* Xvfb in the test set-up is 1280x800; any real screen is at least
   * 640x480. The exact size against xdpyinfo: e2e_task_screenshot_wine */
  CHECK(w >= 640 && h >= 480);
  fprintf(stderr, "virtual screen %ux%u\n", w, h);
}

SB_TEST(task_screenshot_monitor) {
  sb_task_shot_t all = {0, 0, 0, 0, 0, 0, 0, NULL, NULL}, mon = {1, 0, 0, 0, 0, 0, 0, NULL, NULL};
  uint32_t w, h, mw, mh;
  uint8_t *png = NULL;
  size_t len = 0;
  if (posix_refuses(&mon))
    return;
  shot(&all, &w, &h);
  shot(&mon, &mw, &mh);
  /* One monitor here: monitor 0 is the whole virtual screen. */
  CHECK(mw <= w && mh <= h && mw > 0 && mh > 0);
  mon.monitor = 99;
  CHECK_ERR(sb_task_screenshot(&mon, &png, &len, &mw, &mh), SB_EFIELD);
  CHECK(png == NULL);
}

SB_TEST(task_screenshot_region) {
  sb_task_shot_t req = {2, 0, 10, 20, 30, 40, 0, NULL, NULL};
  uint32_t w, h, sw, sh;
  sb_task_shot_t all = {0, 0, 0, 0, 0, 0, 0, NULL, NULL};
  if (posix_refuses(&req))
    return;
  shot(&req, &w, &h);
  CHECK_EQ(w, 30);
  CHECK_EQ(h, 40);
  /* Partly off screen: clipped to what is on it. */
  shot(&all, &sw, &sh);
  req.x = (int32_t)sw - 10;
  req.y = -5;
  req.width = 100;
  req.height = 20;
  shot(&req, &w, &h);
  CHECK_EQ(w, 10);
  CHECK_EQ(h, 15);
  req.x = -100000;
  req.y = -100000;
  req.width = 65535;
  req.height = 65535;
  uint8_t *png = NULL;
  size_t len = 0;
  /* 65535 from -100000 ends before 0: off screen. */
  CHECK_ERR(sb_task_screenshot(&req, &png, &len, &w, &h), SB_EFIELD);
  /* Larger than the screen in both directions: the whole screen. */
  req.x = -1000;
  req.y = -1000;
  shot(&req, &w, &h);
  CHECK_EQ(w, sw);
  CHECK_EQ(h, sh);
}

SB_TEST(task_screenshot_bad_region) {
  sb_task_shot_t req = {2, 0, 0, 0, 0, 10, 0, NULL, NULL};
  uint8_t *png = NULL;
  size_t len = 0;
  uint32_t w = 7, h = 7;
  if (posix_refuses(&req))
    return;
  CHECK_ERR(sb_task_screenshot(&req, &png, &len, &w, &h), SB_EFIELD);
  req.width = 10;
  req.height = 0;
  CHECK_ERR(sb_task_screenshot(&req, &png, &len, &w, &h), SB_EFIELD);
  /* Sizes whose byte count overflows 32 bits are refused, not wrapped. */
  req.width = 0xFFFFFFFFu;
  req.height = 0xFFFFFFFFu;
  CHECK_ERR(sb_task_screenshot(&req, &png, &len, &w, &h), SB_EFIELD);
  /* Entirely off screen. */
  req.x = -50;
  req.y = -50;
  req.width = 10;
  req.height = 10;
  CHECK_ERR(sb_task_screenshot(&req, &png, &len, &w, &h), SB_EFIELD);
  /* x + width past INT32_MAX must not wrap round onto the screen. */
  req.x = 0x7FFFFF00;
  req.y = 0;
  req.width = 60000;
  CHECK_ERR(sb_task_screenshot(&req, &png, &len, &w, &h), SB_EFIELD);
  CHECK(png == NULL);
  CHECK_EQ(len, 0);
  CHECK_ERR(sb_task_screenshot(NULL, &png, &len, &w, &h), SB_EINVAL);
}

SB_TEST(task_png_refuses_oversize) {
  /* 65535 x 65535 is 12 GiB of RGB: refused before the pixels are read or
   * anything is allocated (the pointer is never dereferenced). */
  static const uint8_t one[4];
  uint8_t *png = NULL;
  size_t len = 0;
  CHECK_ERR(sb_png_encode_bgra(one, 65535, 65535, 65535u * 4, &png, &len),
            SB_ETOOBIG);
  CHECK(png == NULL);
}

SB_TEST(task_screenshot_compression_and_origin) {
  /* small and fast are two encodings of the same pixels; the origin is
   * where the region starts on the virtual screen. */
  sb_task_shot_t req = {2, 0, 5, 7, 200, 120, SB_PNG_FAST, NULL, NULL};
  uint8_t *fast = NULL, *small = NULL;
  size_t flen = 0, slen = 0;
  uint32_t w, h;
  int32_t x = -1, y = -1;
  if (posix_refuses(&req))
    return;
  CHECK_OK(sb_task_screenshot_at(&req, &fast, &flen, &w, &h, &x, &y));
  CHECK(w == 200 && h == 120 && x == 5 && y == 7);
  req.compression = SB_PNG_SMALL;
  CHECK_OK(sb_task_screenshot_at(&req, &small, &slen, &w, &h, NULL, NULL));
  uint8_t *a = malloc(200 * 120 * 3), *b = malloc(200 * 120 * 3);
  CHECK(a && b);
  sbt_png_decode(fast, flen, 200, 120, a);
  sbt_png_decode(small, slen, 200, 120, b);
  CHECK_MEM(a, b, 200 * 120 * 3);
  free(a);
  free(b);
  sb_free(fast);
  sb_free(small);
  req.compression = 2; /* no such setting */
  CHECK_ERR(sb_task_screenshot(&req, &fast, &flen, &w, &h), SB_EINVAL);
}

SB_TEST(task_monitors_list) {
  sb_task_monitor_t m[SB_MSG_MONITORS_MAX];
  size_t n = 0;
  int32_t vs[4];
  const char *aw = NULL;
  if (!sbtest_is_windows())
    sbtest_skip("the POSIX agent has no desktop backend for the monitor "
                "list (agent/posix/tasks_posix.c answers SB_EUNSUPPORTED)");
  /* As the agent does first thing (its manifest says the same). */
  const char *set = sb_task_dpi_aware();
  fprintf(stderr, "DPI awareness: %s\n", set);
  CHECK_OK(sb_task_monitors(m, SB_MSG_MONITORS_MAX, &n, vs, &aw));
  CHECK(n >= 1);
  CHECK(strcmp(aw, set) == 0);
  CHECK(strcmp(aw, "unaware") != 0);
  /* One primary, at the origin; every monitor inside the virtual screen,
   * and together they reach its four edges. */
  int primaries = 0;
  int64_t l = INT32_MAX, t = INT32_MAX, r = INT32_MIN, b = INT32_MIN;
  for (size_t i = 0; i < n; i++) {
    fprintf(stderr, "monitor %zu: %d,%d %ux%u primary %d dpi %u %s\n", i,
            (int)m[i].x, (int)m[i].y, m[i].width, m[i].height, m[i].primary,
            m[i].dpi, m[i].device);
    CHECK(m[i].width > 0 && m[i].height > 0 && m[i].dpi >= 48);
    if (m[i].primary) {
      primaries++;
      CHECK(m[i].x == 0 && m[i].y == 0);
    }
    l = m[i].x < l ? m[i].x : l;
    t = m[i].y < t ? m[i].y : t;
    r = m[i].x + (int64_t)m[i].width > r ? m[i].x + (int64_t)m[i].width : r;
    b = m[i].y + (int64_t)m[i].height > b ? m[i].y + (int64_t)m[i].height : b;
  }
  CHECK_EQ(primaries, 1);
  CHECK(l == vs[0] && t == vs[1] && r - l == vs[2] && b - t == vs[3]);
  /* A list with room for none: no error, nothing written past it. */
  CHECK_OK(sb_task_monitors(m, 0, &n, vs, &aw));
  CHECK_EQ(n, 0);
}

/* The times the agent logs per screenshot (and scripts/bench.sh prints):
 * written when asked for, each part of a real capture above zero and
 * below a minute, and a picture identical to one taken without them. */
SB_TEST(task_screenshot_times) {
  sb_task_shot_times_t t = {UINT64_MAX, UINT64_MAX, UINT64_MAX};
  sb_task_shot_t req = {0, 0, 0, 0, 0, 0, SB_PNG_FAST, &t, NULL};
  uint8_t *png = NULL;
  size_t len = 0;
  uint32_t w, h;
  if (posix_refuses(&req))
    return;
  CHECK_OK(sb_task_screenshot(&req, &png, &len, &w, &h));
  check_png(png, len, w, h);
  sb_free(png);
  CHECK(t.capture_us > 0 && t.capture_us < 60000000u);
  CHECK(t.rows_us > 0 && t.rows_us < 60000000u);
  CHECK(t.finish_us > 0 && t.finish_us < 60000000u);
}

/* With a sink (what the agent sends while it encodes): begin first, with
 * the picture's size and origin, then the PNG in pieces of piece_max, the
 * last one marked (16 bytes: even a flat region is several); joined, they are the same picture as the screenshot
 * into one buffer. A sink's error stops the screenshot and is returned. */
typedef struct {
  int begun, pieces, lasts, fail_at;
  uint32_t w, h;
  int32_t x, y;
  uint8_t *buf;
  size_t len;
} collect_t;

static int col_begin(void *arg, uint32_t w, uint32_t h, int32_t x,
                     int32_t y) {
  collect_t *c = arg;
  CHECK_EQ(c->pieces, 0);
  c->begun++;
  c->w = w, c->h = h, c->x = x, c->y = y;
  return 0;
}

static int col_bytes(void *arg, const uint8_t *data, size_t len, int last) {
  collect_t *c = arg;
  CHECK_EQ(c->begun, 1);
  CHECK_EQ(c->lasts, 0);
  if (++c->pieces == c->fail_at)
    return SB_EPIPE;
  c->buf = realloc(c->buf, c->len + len);
  CHECK(c->buf != NULL);
  memcpy(c->buf + c->len, data, len);
  c->len += len;
  c->lasts += last != 0;
  if (!last)
    CHECK_EQ(len, 16);
  return 0;
}

SB_TEST(task_screenshot_sink) {
  sb_task_shot_t req = {2, 0, 3, 4, 300, 200, SB_PNG_FAST, NULL, NULL};
  sb_task_shot_sink_t sink = {col_begin, col_bytes, 16, NULL};
  collect_t c;
  uint8_t *whole = NULL, *png = (uint8_t *)"x";
  size_t wlen = 0, len = 1;
  uint32_t w, h;
  if (posix_refuses(&req))
    return;
  CHECK_OK(sb_task_screenshot(&req, &whole, &wlen, &w, &h));
  memset(&c, 0, sizeof c);
  sink.arg = &c;
  req.sink = &sink;
  CHECK_OK(sb_task_screenshot(&req, &png, &len, &w, &h));
  CHECK(png == NULL);
  CHECK_EQ(len, c.len);
  CHECK(c.pieces > 1 && c.lasts == 1);
  CHECK(c.w == 300 && c.h == 200 && c.x == 3 && c.y == 4);
  uint8_t *a = malloc(300 * 200 * 3), *b = malloc(300 * 200 * 3);
  CHECK(a && b);
  sbt_png_decode(whole, wlen, 300, 200, a);
  sbt_png_decode(c.buf, c.len, 300, 200, b);
  CHECK_MEM(a, b, 300 * 200 * 3);
  free(a);
  free(b);
  free(c.buf);
  sb_free(whole);
  /* The sink says stop at its second piece. */
  memset(&c, 0, sizeof c);
  c.fail_at = 2;
  CHECK_ERR(sb_task_screenshot(&req, &png, &len, &w, &h), SB_EPIPE);
  CHECK_EQ(c.pieces, 2);
  free(c.buf);
}
