/* SPDX-License-Identifier: MIT */
/* PNG reader for clipboard image set: the PNG comes from the service's
 * caller and becomes a bitmap on the user's clipboard. The parsing is
 * libspng's (maintained, fuzzed by OSS-Fuzz, every chunk CRC and the
 * zlib stream's Adler-32 checked); this file sets its limits, keeps to
 * the kinds of PNG the clipboard path documents, and turns the pixels
 * into BGRA. */
#include <spng.h>
#include <string.h>

#include "sb_dib.h"
#include "sb_png.h"
#include "sessionbridge.h"

static int fail(const char **why, const char *what) {
  *why = what;
  return SB_EFIELD;
}

/* libspng's allocations go through sb_malloc like everything else. */
static void *spng_malloc(size_t n) { return sb_malloc(n); }
static void *spng_realloc(void *p, size_t n) { return sb_realloc(p, n); }
static void *spng_calloc(size_t n, size_t m) { return sb_calloc(n, m); }
static void spng_free_(void *p) { sb_free(p); }

/* The kinds read (as before libspng, so callers see the same contract):
 * not interlaced; grey and palette at 1, 2, 4, 8 bits; RGB, grey+alpha
 * and RGBA at 8. */
static int check_ihdr(const struct spng_ihdr *h, const char **why) {
  unsigned d = h->bit_depth;
  if (h->interlace_method != 0)
    return fail(why, "interlaced PNGs are not read");
  switch (h->color_type) {
  case 0:
    if (d != 1 && d != 2 && d != 4 && d != 8)
      return fail(why, "greyscale PNGs are read at 1, 2, 4 or 8 bits");
    break;
  case 3:
    if (d != 1 && d != 2 && d != 4 && d != 8)
      return fail(why, "palette PNGs are read at 1, 2, 4 or 8 bits");
    break;
  case 2:
  case 4:
  case 6:
    if (d != 8)
      return fail(why, "RGB and alpha PNGs are read at 8 bits per channel");
    break;
  default:
    return fail(why, "the PNG's colour type is unknown");
  }
  return 0;
}

int sb_png_decode_bgra(const uint8_t *png, size_t len, uint8_t **out,
                       uint32_t *width, uint32_t *height, const char **why) {
  struct spng_alloc alloc = {spng_malloc, spng_realloc, spng_calloc,
                             spng_free_};
  struct spng_ihdr ih;
  spng_ctx *ctx = NULL;
  uint8_t *px = NULL;
  const char *ignored;
  size_t n;
  int err = 0, r;
  if (!why)
    why = &ignored;
  *why = NULL;
  if (!png || !out || !width || !height)
    return SB_EINVAL;
  *out = NULL;
  *width = 0;
  *height = 0;
  if (!(ctx = spng_ctx_new2(&alloc, 0)))
    return SB_ENOMEM;
  /* Bounded before libspng reads a byte: sides as for every bitmap here,
   * any one chunk no larger than the PNG itself can hold, and at most
   * 1 MiB of ancillary chunks kept (text and the like, never used). */
  spng_set_image_limits(ctx, SB_DIB_DIM_MAX, SB_DIB_DIM_MAX);
  spng_set_chunk_limits(ctx, len, 1u << 20);
#ifdef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
  /* So mutations get past the checksums to the code behind them. */
  spng_set_crc_action(ctx, SPNG_CRC_USE, SPNG_CRC_USE);
#endif
  if ((r = spng_set_png_buffer(ctx, png, len)) != 0 ||
      (r = spng_get_ihdr(ctx, &ih)) != 0) {
    err = fail(why, spng_strerror(r));
    goto done;
  }
  if ((err = check_ihdr(&ih, why)) != 0)
    goto done;
  if ((uint64_t)ih.width * ih.height * 4 > SB_SCREENSHOT_MAX) {
    *why = "the PNG is larger than 64 MiB of pixels";
    err = SB_ETOOBIG;
    goto done;
  }
  if ((r = spng_decoded_image_size(ctx, SPNG_FMT_RGBA8, &n)) != 0) {
    err = fail(why, spng_strerror(r));
    goto done;
  }
  if (!(px = sb_malloc(n))) {
    err = SB_ENOMEM;
    goto done;
  }
  /* Alpha is not applied (a clipboard bitmap has none); the PNG's own
   * alpha channel is dropped below like tRNS. */
  /* Then the chunks after the image, through IEND: a PNG that is cut
   * short or damaged there is refused as a whole. */
  if ((r = spng_decode_image(ctx, px, n, SPNG_FMT_RGBA8, 0)) != 0 ||
      (r = spng_decode_chunks(ctx)) != 0) {
    err = fail(why, spng_strerror(r));
    goto done;
  }
  for (size_t i = 0; i < n; i += 4) { /* RGBA -> BGRA, opaque */
    uint8_t t = px[i];
    px[i] = px[i + 2];
    px[i + 2] = t;
    px[i + 3] = 255;
  }
  /* libspng stops at IEND's type without reading its CRC; the only
   * valid IEND is these 12 bytes, and nothing may follow it. */
  if (len < 12 || memcmp(png + len - 12, "\0\0\0\0IEND\xae\x42\x60\x82", 12)) {
    err = fail(why, "the PNG does not end with its IEND chunk");
    goto done;
  }
  *out = px;
  px = NULL;
  *width = ih.width;
  *height = ih.height;

done:
  sb_free(px);
  spng_ctx_free(ctx);
  return err;
}
