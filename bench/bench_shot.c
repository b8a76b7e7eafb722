/* SPDX-License-Identifier: MIT */
/* The screenshot encode group of scripts/bench.sh: the agent's PNG
 * encoder (agent/core/png.c, libdeflate) against the encoder it replaced
 * (Sub filter on every row, zlib at its default level 6) on the same
 * 3840x2160 pixels, interleaved in one run, medians. Figures, never
 * pass/fail.
 *   sbbench-shot PHOTO.bgra [--quick] [--json] [--plot FILE]
 * PHOTO.bgra: 3840x2160 raw BGRA (scripts/bench.sh makes it with
 * ImageMagick: plasma:fractal, blurred). The flat desktop is drawn here.
 * --plot writes "photo_fraction fast_ms small_ms zlib6_ms zlib1_ms" rows
 * for pictures that are photo on the left and flat on the right. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zlib.h>

#include "sb_png.h"
#include "sessionbridge.h"

enum { W = 3840, H = 2160 };

/* CPU time of this (single-threaded) process: the machine is shared, and
 * wall time there measures the other users' load as much as ours. */
static double now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

/* A desktop without a photo: a flat background, a taskbar, windows with
 * title-bar gradients, and text-like runs in them. */
static void draw_flat(uint8_t *px) {
  for (int y = 0; y < H; y++)
    for (int x = 0; x < W; x++) {
      uint8_t *p = px + ((size_t)y * W + x) * 4;
      p[0] = 0x80, p[1] = 0x50, p[2] = 0x10, p[3] = 0xff;
      if (y >= H - 48)
        p[0] = p[1] = p[2] = 0x20;
      for (int k = 0; k < 4; k++) {
        int wx = 200 + k * 800, wy = 150 + k * 300, ww = 1400, wh = 900;
        if (x >= wx && x < wx + ww && y >= wy && y < wy + wh) {
          if (y < wy + 32) {
            p[0] = (uint8_t)(0xa0 + (x - wx) * 0x50 / ww);
            p[1] = (uint8_t)(0x60 + (x - wx) * 0x40 / ww);
            p[2] = 0x20;
          } else {
            int tx = x - wx - 20, ty = (y - wy - 40) % 22;
            int glyph = ((tx / 9) * 2654435761u + (y - wy) / 22) % 7;
            int ink = tx >= 0 && tx < ww - 200 && ty < 14 && glyph > 1 &&
                      ((tx % 9) * 3 + ty * 5 + glyph) % 4 == 0;
            p[0] = p[1] = p[2] = ink ? 0x10 : 0xfa;
          }
        }
      }
    }
}

/* The encoder this one replaced, kept here as the reference: every row
 * Sub-filtered, zlib at level lv into one buffer. */
static size_t zlib_encode(const uint8_t *px, int lv, uint8_t *row,
                          uint8_t *out, size_t cap) {
  z_stream zs;
  int zr = Z_OK;
  memset(&zs, 0, sizeof zs);
  if (deflateInit(&zs, lv) != Z_OK)
    return 0;
  zs.next_out = out;
  zs.avail_out = (uInt)cap;
  for (int y = 0; y < H && zr == Z_OK; y++) {
    const uint8_t *b = px + (size_t)y * W * 4;
    row[0] = 1;
    row[1] = b[2], row[2] = b[1], row[3] = b[0];
    for (int x = 1; x < W; x++) {
      const uint8_t *p = b + x * 4;
      uint8_t *o = row + 1 + x * 3;
      o[0] = (uint8_t)(p[2] - p[-2]);
      o[1] = (uint8_t)(p[1] - p[-3]);
      o[2] = (uint8_t)(p[0] - p[-4]);
    }
    zs.next_in = row;
    zs.avail_in = W * 3 + 1;
    zr = deflate(&zs, y + 1 == H ? Z_FINISH : Z_NO_FLUSH);
  }
  size_t n = zr == Z_STREAM_END ? zs.total_out : 0;
  deflateEnd(&zs);
  return n;
}

typedef struct {
  double ms;
  size_t size;
} fig_t;

static double median(double *v, int n) {
  for (int i = 1; i < n; i++)
    for (int j = i; j > 0 && v[j] < v[j - 1]; j--) {
      double t = v[j];
      v[j] = v[j - 1];
      v[j - 1] = t;
    }
  return v[n / 2];
}

/* kinds: 0 ours fast, 1 ours small, 2 zlib 6, 3 zlib 1; reps interleaved
 * so a change of load on the shared machine hits all of them alike. */
static void measure(const uint8_t *px, int reps, int nkinds, fig_t *f,
                    uint8_t *row, uint8_t *zbuf, size_t zcap) {
  double t[4][16];
  for (int r = 0; r < reps; r++)
    for (int k = 0; k < nkinds; k++) {
      double t0 = now_ms();
      if (k < 2) {
        uint8_t *png = NULL;
        size_t len = 0;
        if (sb_png_encode_bgra_level(px, W, H, W * 4,
                                     k ? SB_PNG_SMALL : SB_PNG_FAST, &png,
                                     &len) != 0) {
          fprintf(stderr, "sbbench-shot: encode failed\n");
          exit(1);
        }
        f[k].size = len;
        sb_free(png);
      } else {
        f[k].size = zlib_encode(px, k == 2 ? 6 : 1, row, zbuf, zcap);
      }
      t[k][r] = now_ms() - t0;
    }
  for (int k = 0; k < nkinds; k++)
    f[k].ms = median(t[k], reps);
}

int main(int argc, char **argv) {
  const char *photo_file = NULL, *plot = NULL;
  int quick = 0, json = 0;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--quick"))
      quick = 1;
    else if (!strcmp(argv[i], "--json"))
      json = 1;
    else if (!strcmp(argv[i], "--plot") && i + 1 < argc)
      plot = argv[++i];
    else if (argv[i][0] != '-' && !photo_file)
      photo_file = argv[i];
    else {
      fprintf(stderr, "usage: sbbench-shot PHOTO.bgra [--quick] [--json] "
                      "[--plot FILE]\n");
      return 2;
    }
  }
  if (!photo_file || sb_init())
    return 2;
  size_t n = (size_t)W * H * 4, zcap = n + n / 100 + 1024;
  uint8_t *photo = malloc(n), *flat = malloc(n), *mix = malloc(n),
          *row = malloc(W * 3 + 1), *zbuf = malloc(zcap);
  FILE *fp = fopen(photo_file, "rb");
  if (!photo || !flat || !mix || !row || !zbuf || !fp ||
      fread(photo, 1, n, fp) != n) {
    fprintf(stderr, "sbbench-shot: cannot read %u x %u BGRA from %s\n", W, H,
            photo_file);
    return 1;
  }
  fclose(fp);
  draw_flat(flat);
  int reps = quick ? 1 : 3;
  fig_t ph[4], fl[4];
  measure(photo, reps, 4, ph, row, zbuf, zcap);
  measure(flat, reps, 4, fl, row, zbuf, zcap);

  printf("\n6. screenshot encode, 3840x2160, CPU time, median of %d "
         "interleaved runs\n", reps);
  printf("   %-34s %10s %12s %10s %10s\n", "", "CPU ms", "bytes", "ms zlib6/",
         "bytes/");
  printf("   %-34s %10s %12s %10s %10s\n", "", "", "", "this", "zlib6");
  const char *names[4] = {"ours --compression fast", "ours --compression small",
                          "before: Sub + zlib 6", "Sub + zlib 1"};
  for (int s = 0; s < 2; s++) {
    fig_t *f = s ? fl : ph;
    for (int k = 0; k < 4; k++) {
      char label[64];
      snprintf(label, sizeof label, "%s %s", s ? "flat " : "photo", names[k]);
      printf("   %-34s %10.1f %12zu %10.2f %10.3f\n", label, f[k].ms,
             f[k].size, f[2].ms / f[k].ms, (double)f[k].size / f[2].size);
    }
  }

  if (plot) {
    FILE *pf = fopen(plot, "w");
    if (!pf)
      return 1;
    fprintf(pf, "# photo_fraction fast_ms small_ms zlib6_ms zlib1_ms "
                "fast_bytes small_bytes zlib6_bytes zlib1_bytes\n");
    for (int step = 0; step <= 10; step += quick ? 5 : 1) {
      int cut = W * step / 10;
      for (int y = 0; y < H; y++) {
        size_t o = (size_t)y * W * 4;
        memcpy(mix + o, photo + o, (size_t)cut * 4);
        memcpy(mix + o + (size_t)cut * 4, flat + o + (size_t)cut * 4,
               (size_t)(W - cut) * 4);
      }
      fig_t m[4];
      measure(mix, quick ? 1 : 3, 4, m, row, zbuf, zcap);
      fprintf(pf, "%.1f %.1f %.1f %.1f %.1f %zu %zu %zu %zu\n", step / 10.0,
              m[0].ms, m[1].ms, m[2].ms, m[3].ms, m[0].size, m[1].size,
              m[2].size, m[3].size);
    }
    fclose(pf);
  }
  if (json)
    printf("{\"shot_encode_ms_4k_photo\": %.1f, \"shot_encode_ms_4k_flat\": "
           "%.1f, \"shot_encode_ratio_zlib6\": %.4f, "
           "\"shot_encode_size_ratio_zlib6\": %.4f, "
           "\"shot_bytes_4k_photo\": %zu, \"shot_bytes_4k_flat\": %zu, "
           "\"shot_small_ms_4k_photo\": %.1f, \"shot_small_bytes_4k_photo\": "
           "%zu, \"shot_zlib6_ms_4k_photo\": %.1f, "
           "\"shot_zlib6_bytes_4k_photo\": %zu}\n",
           ph[0].ms, fl[0].ms, ph[0].ms / ph[2].ms,
           (double)ph[0].size / ph[2].size, ph[0].size, fl[0].size, ph[1].ms,
           ph[1].size, ph[2].ms, ph[2].size);
  free(photo);
  free(flat);
  free(mix);
  free(row);
  free(zbuf);
  return 0;
}
