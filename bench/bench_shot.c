/* SPDX-License-Identifier: MIT */
/* The screenshot encode group of scripts/bench.sh: the agent's PNG
 * encoder (agent/core/png.c: huff.c's literals or libdeflate by content)
 * against the encoder it replaced
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
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
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
  double first_ms; /* sink: CPU time to the first piece handed out */
} fig_t;

/* The sink of kind 5: takes pieces as the agent would send them, notes
 * when the first came, and keeps nothing (the encoder is measured, not
 * the sending). */
typedef struct {
  double t0, first;
  size_t len, pieces;
} sink_rec_t;

static int bench_sink(void *arg, const uint8_t *data, size_t len, int last) {
  sink_rec_t *r = arg;
  (void)data;
  (void)last;
  if (!r->pieces++)
    r->first = now_ms() - r->t0;
  r->len += len;
  return 0;
}

/* The agent's piece size (SB_MSG_CHUNK_MAX): one transfer chunk each. */
#define PIECE ((size_t)SB_MSG_CHUNK_MAX)

static double median(double *v, int n) {
  for (int i = 1; i < n; i++)
    for (int j = i; j > 0 && v[j] < v[j - 1]; j--) {
      double t = v[j];
      v[j] = v[j - 1];
      v[j - 1] = t;
    }
  return v[n / 2];
}

/* kinds: 0 ours fast, 1 ours small, 2 zlib 6, 3 zlib 1, 4 ours fast with
 * every 1 MiB segment compressed alone (no rows with runs wait for one
 * libdeflate call; photo-like segments are alone anyway), 5 ours fast
 * with a sink of 512 KiB pieces, the rows in 4 MiB bands as a capture
 * gives them; reps interleaved so a change of load on the shared machine
 * hits all of them alike. */
static void measure(const uint8_t *px, int reps, int nkinds, fig_t *f,
                    uint8_t *row, uint8_t *zbuf, size_t zcap) {
  double t[6][16], first[16];
  for (int r = 0; r < reps; r++)
    for (int k = 0; k < nkinds; k++) {
      double t0 = now_ms();
      if (k == 5) {
        sb_png_enc_t *e = NULL;
        sink_rec_t rec = {t0, 0, 0, 0};
        size_t total = 0;
        uint32_t band = (4u << 20) / (W * 4);
        int err = sb_png_enc_new(W, H, SB_PNG_FAST, &e);
        if (!err)
          err = sb_png_enc_set_sink(e, PIECE, bench_sink, &rec);
        for (uint32_t y = 0; !err && y < H; y += band)
          err = sb_png_enc_rows(e, px + (size_t)y * W * 4, W * 4,
                                H - y < band ? H - y : band);
        if (!err)
          err = sb_png_enc_finish_sink(e, &total);
        sb_png_enc_free(e);
        if (err || total != rec.len) {
          fprintf(stderr, "sbbench-shot: sink encode failed\n");
          exit(1);
        }
        f[k].size = total;
        first[r] = rec.first;
      } else if (k < 2 || k == 4) {
        uint8_t *png = NULL;
        size_t len = 0;
        sb_png_enc_t *e = NULL;
        int err = k == 4 ? sb__png_enc_new_seg(W, H, SB_PNG_FAST, 0,
                                               (size_t)1 << 20, &e)
                         : 0;
        if (k == 4 && !err && !(err = sb_png_enc_rows(e, px, W * 4, H)))
          err = sb_png_enc_finish(e, &png, &len);
        sb_png_enc_free(e);
        if (k < 2)
          err = sb_png_encode_bgra_level(px, W, H, W * 4,
                                         k ? SB_PNG_SMALL : SB_PNG_FAST, &png,
                                         &len);
        if (err) {
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
  if (nkinds > 5)
    f[5].first_ms = median(first, reps);
}

/* Peak resident memory of one encode, as a capture feeds it: bands of
 * about 4 MiB of BGRA (agent/win/task_screenshot.c), built here from the
 * 4K photo tiled to w x h, so the whole picture is never in memory. The
 * kernel's high-water mark (VmHWM) is reset before (clear_refs 5) and
 * read after; what was resident before (the photo) is subtracted. */
static long status_kb(const char *field) {
  char line[256];
  long v = -1;
  FILE *f = fopen("/proc/self/status", "r");
  if (!f)
    return -1;
  while (fgets(line, sizeof line, f))
    if (!strncmp(line, field, strlen(field)))
      v = strtol(line + strlen(field), NULL, 10);
  fclose(f);
  return v;
}

typedef struct {
  double ms, peak_mb;
  size_t size;
} peak_t;

static int discard(void *arg, const uint8_t *data, size_t len, int last) {
  (void)data;
  (void)last;
  *(size_t *)arg += len;
  return 0;
}

static int peak_encode(const uint8_t *photo, uint32_t w, uint32_t h,
                       size_t one_call_max, int sink, peak_t *out) {
  uint32_t band = (4u << 20) / (w * 4);
  uint8_t *buf = malloc((size_t)w * 4 * band), *png = NULL;
  sb_png_enc_t *e = NULL;
  size_t len = 0;
  FILE *cr = fopen("/proc/self/clear_refs", "w");
  if (!buf)
    return -1;
  memset(buf, 0, (size_t)w * 4 * band);
  if (cr) {
    fputs("5", cr);
    fclose(cr);
  }
  long base = status_kb("VmRSS:");
  double t0 = now_ms();
  int err = sb__png_enc_new_seg(w, h, SB_PNG_FAST, one_call_max,
                                (size_t)1 << 20, &e);
  if (!err && sink)
    err = sb_png_enc_set_sink(e, PIECE, discard, &len);
  for (uint32_t y = 0; !err && y < h; y += band) {
    uint32_t rows = h - y < band ? h - y : band;
    for (uint32_t r = 0; r < rows; r++)
      for (uint32_t x = 0; x < w; x += W) {
        uint32_t n = w - x < W ? w - x : W;
        memcpy(buf + ((size_t)r * w + x) * 4,
               photo + ((size_t)((y + r) % H) * W) * 4, (size_t)n * 4);
      }
    err = sb_png_enc_rows(e, buf, (size_t)w * 4, rows);
  }
  if (!err)
    err = sink ? sb_png_enc_finish_sink(e, &len)
               : sb_png_enc_finish(e, &png, &len);
  sb_png_enc_free(e);
  out->ms = now_ms() - t0;
  out->peak_mb = (status_kb("VmHWM:") - base) / 1024.0;
  out->size = len;
  sb_free(png);
  free(buf);
  return err;
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
  /* Peak memory first, each in a child of its own, before this process
   * has freed big blocks a later encode could reuse unseen: 4K and 8K
   * with the encoder's sizes, 4K with every segment alone, and 8K with
   * no cap on the rows that wait for one libdeflate call (as the encoder
   * was before segments: a photo's rows no longer wait, so that is now
   * the same as the default). */
  enum { NPEAK = 6 };
  peak_t pk[NPEAK];
  static const struct {
    uint32_t mul;
    size_t one_call_max;
    int sink;
    const char *name;
  } pcase[NPEAK] = {{1, (size_t)32 << 20, 0, "3840x2160 photo"},
                    {1, 0, 0, "3840x2160 photo, segments alone"},
                    {2, (size_t)32 << 20, 0, "7680x4320 photo"},
                    {2, SIZE_MAX, 0, "7680x4320 photo, no cap on waiting"},
                    {1, (size_t)32 << 20, 1, "3840x2160 photo, sink"},
                    {2, (size_t)32 << 20, 1, "7680x4320 photo, sink"}};
  for (int k = 0; k < NPEAK; k++) {
    int fd[2];
    pid_t pid;
    if (pipe(fd) || (pid = fork()) < 0)
      return 1;
    if (pid == 0) {
      close(fd[0]);
      peak_t r;
      int err = peak_encode(photo, pcase[k].mul * W, pcase[k].mul * H,
                            pcase[k].one_call_max, pcase[k].sink, &r);
      if (err || write(fd[1], &r, sizeof r) != (ssize_t)sizeof r)
        _exit(1);
      _exit(0);
    }
    close(fd[1]);
    int st = 0;
    ssize_t got = read(fd[0], &pk[k], sizeof pk[k]);
    close(fd[0]);
    waitpid(pid, &st, 0);
    if (got != (ssize_t)sizeof pk[k] || !WIFEXITED(st) || WEXITSTATUS(st)) {
      fprintf(stderr, "sbbench-shot: peak encode %d failed\n", k);
      return 1;
    }
  }
  int reps = quick ? 1 : 3;
  fig_t ph[6], fl[6];
  measure(photo, reps, 6, ph, row, zbuf, zcap);
  measure(flat, reps, 6, fl, row, zbuf, zcap);

  printf("\n6. screenshot encode, 3840x2160, CPU time, median of %d "
         "interleaved runs\n", reps);
  printf("   %-34s %10s %12s %10s %10s\n", "", "CPU ms", "bytes", "ms zlib6/",
         "bytes/");
  printf("   %-34s %10s %12s %10s %10s\n", "", "", "", "this", "zlib6");
  const char *names[6] = {"ours --compression fast", "ours --compression small",
                          "before: Sub + zlib 6", "Sub + zlib 1",
                          "ours fast, segments alone", "ours fast, sink 512 KiB"};
  for (int s = 0; s < 2; s++) {
    fig_t *f = s ? fl : ph;
    for (int k = 0; k < 6; k++) {
      char label[64];
      snprintf(label, sizeof label, "%s %s", s ? "flat " : "photo", names[k]);
      printf("   %-34s %10.1f %12zu %10.2f %10.3f\n", label, f[k].ms,
             f[k].size, f[2].ms / f[k].ms, (double)f[k].size / f[2].size);
    }
  }

  printf("\n   peak memory of one fast encode fed in 4 MiB bands, each in a "
         "fresh process (VmHWM over VmRSS before)\n");
  printf("   %-34s %10s %12s %10s\n", "", "CPU ms", "bytes", "peak MB");
  for (int k = 0; k < NPEAK; k++)
    printf("   %-34s %10.1f %12zu %10.1f\n", pcase[k].name, pk[k].ms,
           pk[k].size, pk[k].peak_mb);

  printf("\n   with a sink (512 KiB pieces, rows in 4 MiB bands): CPU time "
         "to the first piece, median\n");
  printf("   %-34s %10.1f of %.1f ms\n", "photo first piece", ph[5].first_ms,
         ph[5].ms);
  printf("   %-34s %10.1f of %.1f ms\n", "flat first piece", fl[5].first_ms,
         fl[5].ms);

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
           "\"shot_zlib6_bytes_4k_photo\": %zu, \"shot_peak_mb_4k\": %.1f, "
           "\"shot_peak_mb_8k\": %.1f, \"shot_peak_mb_8k_one_call\": %.1f, "
           "\"shot_encode_ms_8k_photo\": %.1f, "
           "\"shot_encode_ms_4k_photo_segments\": %.1f, "
           "\"shot_encode_ms_4k_photo_sink\": %.1f, "
           "\"shot_encode_ms_4k_flat_sink\": %.1f, "
           "\"shot_first_piece_ms_4k_photo\": %.1f, "
           "\"shot_first_piece_ms_4k_flat\": %.1f, "
           "\"shot_peak_mb_4k_sink\": %.1f, \"shot_peak_mb_8k_sink\": %.1f}\n",
           ph[0].ms, fl[0].ms, ph[0].ms / ph[2].ms,
           (double)ph[0].size / ph[2].size, ph[0].size, fl[0].size, ph[1].ms,
           ph[1].size, ph[2].ms, ph[2].size, pk[0].peak_mb, pk[2].peak_mb,
           pk[3].peak_mb, pk[2].ms, pk[1].ms, ph[5].ms, fl[5].ms,
           ph[5].first_ms, fl[5].first_ms, pk[4].peak_mb, pk[5].peak_mb);
  free(photo);
  free(flat);
  free(mix);
  free(row);
  free(zbuf);
  return 0;
}
