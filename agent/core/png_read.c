/* PNG reader for clipboard image set: the PNG comes from the service's
 * caller and becomes a bitmap on the user's clipboard. Every length is
 * checked before it is used, the image's size is bounded before anything
 * is allocated for it, and the zlib stream must inflate to exactly the
 * size the header implies. */
#include <string.h>
#include <zlib.h>

#include "sb_dib.h"
#include "sb_png.h"
#include "sessionbridge.h"

static uint32_t rd32(const uint8_t *p) {
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 |
         p[3];
}

static int fail(const char **why, const char *what) {
  *why = what;
  return SB_EFIELD;
}

typedef struct {
  uint32_t w, h;
  unsigned depth, type, channels, bits; /* bits per pixel */
  size_t rowbytes;
  uint8_t plte[256 * 3];
  unsigned n_plte;
} ihdr_t;

static int read_ihdr(ihdr_t *im, const uint8_t *d, uint32_t n,
                     const char **why) {
  if (n != 13)
    return fail(why, "the PNG's IHDR is not 13 bytes");
  im->w = rd32(d);
  im->h = rd32(d + 4);
  im->depth = d[8];
  im->type = d[9];
  if (im->w == 0 || im->h == 0 || im->w > SB_DIB_DIM_MAX ||
      im->h > SB_DIB_DIM_MAX)
    return fail(why, "the PNG's width or height is 0 or over 65535");
  if (d[10] != 0 || d[11] != 0)
    return fail(why, "the PNG's compression or filter method is unknown");
  if (d[12] != 0)
    return fail(why, "interlaced PNGs are not read");
  switch (im->type) {
  case 0: /* greyscale */
    im->channels = 1;
    if (im->depth != 1 && im->depth != 2 && im->depth != 4 && im->depth != 8)
      return fail(why, "greyscale PNGs are read at 1, 2, 4 or 8 bits");
    break;
  case 3: /* palette */
    im->channels = 1;
    if (im->depth != 1 && im->depth != 2 && im->depth != 4 && im->depth != 8)
      return fail(why, "palette PNGs are read at 1, 2, 4 or 8 bits");
    break;
  case 2: /* RGB */
  case 4: /* grey + alpha */
  case 6: /* RGBA */
    im->channels = im->type == 2 ? 3 : im->type == 4 ? 2 : 4;
    if (im->depth != 8)
      return fail(why, "RGB and alpha PNGs are read at 8 bits per channel");
    break;
  default:
    return fail(why, "the PNG's colour type is unknown");
  }
  im->bits = im->depth * im->channels;
  im->rowbytes = ((size_t)im->w * im->bits + 7) / 8;
  if ((uint64_t)im->w * im->h * 4u > SB_SCREENSHOT_MAX) {
    *why = "the PNG is larger than 64 MiB of pixels";
    return SB_ETOOBIG;
  }
  return 0;
}

static uint8_t paeth(uint8_t a, uint8_t b, uint8_t c) {
  int p = a + b - c, pa = p > a ? p - a : a - p, pb = p > b ? p - b : b - p,
      pc = p > c ? p - c : c - p;
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/* Undo the row filters in place; raw rows are 1 + rowbytes long. */
static int unfilter(const ihdr_t *im, uint8_t *raw, const char **why) {
  size_t bpp = im->bits >= 8 ? im->bits / 8 : 1, n = im->rowbytes;
  const uint8_t *prev = NULL;
  for (uint32_t y = 0; y < im->h; y++) {
    uint8_t *r = raw + (size_t)y * (n + 1), f = r[0], *p = r + 1;
    const uint8_t *up = prev ? prev + 1 : NULL;
    for (size_t i = 0; i < n; i++) {
      uint8_t a = i >= bpp ? p[i - bpp] : 0, b = up ? up[i] : 0,
              c = up && i >= bpp ? up[i - bpp] : 0;
      switch (f) {
      case 0:
        break;
      case 1:
        p[i] = (uint8_t)(p[i] + a);
        break;
      case 2:
        p[i] = (uint8_t)(p[i] + b);
        break;
      case 3:
        p[i] = (uint8_t)(p[i] + ((a + b) >> 1));
        break;
      case 4:
        p[i] = (uint8_t)(p[i] + paeth(a, b, c));
        break;
      default:
        return fail(why, "a PNG row has an unknown filter");
      }
    }
    prev = r;
  }
  return 0;
}

/* One sample of a row at 1..8 bits, most significant bits first. */
static unsigned sample(const uint8_t *row, uint32_t x, unsigned depth) {
  if (depth == 8)
    return row[x];
  size_t bit = (size_t)x * depth;
  unsigned shift = 8u - depth - (unsigned)(bit % 8u);
  return (row[bit / 8u] >> shift) & ((1u << depth) - 1u);
}

static int to_bgra(const ihdr_t *im, const uint8_t *raw, uint8_t *o,
                   const char **why) {
  for (uint32_t y = 0; y < im->h; y++) {
    const uint8_t *r = raw + (size_t)y * (im->rowbytes + 1) + 1;
    for (uint32_t x = 0; x < im->w; x++, o += 4) {
      unsigned v;
      switch (im->type) {
      case 0:
        /* Scale 1..8-bit grey so that all ones is 255. */
        v = sample(r, x, im->depth) * 255u / ((1u << im->depth) - 1u);
        o[0] = o[1] = o[2] = (uint8_t)v;
        break;
      case 3:
        v = sample(r, x, im->depth);
        if (v >= im->n_plte)
          return fail(why, "a PNG pixel indexes past its palette");
        o[0] = im->plte[3 * v + 2], o[1] = im->plte[3 * v + 1],
        o[2] = im->plte[3 * v];
        break;
      case 4:
        o[0] = o[1] = o[2] = r[2 * (size_t)x];
        break;
      default: /* 2 and 6: R, G, B (, A) */
        o[0] = r[(size_t)x * im->channels + 2];
        o[1] = r[(size_t)x * im->channels + 1];
        o[2] = r[(size_t)x * im->channels];
      }
      o[3] = 0xff; /* alpha is dropped, as CF_DIB has none */
    }
  }
  return 0;
}

int sb_png_decode_bgra(const uint8_t *png, size_t len, uint8_t **bgra,
                       uint32_t *width, uint32_t *height, const char **why) {
  const char *ignored;
  ihdr_t im;
  z_stream z;
  uint8_t *raw = NULL, *out = NULL;
  size_t off = 8, raw_len = 0;
  int err = 0, have_ihdr = 0, zinit = 0, zend = 0, seen_end = 0;
  if (!why)
    why = &ignored;
  *why = NULL;
  if (!png || !bgra || !width || !height)
    return SB_EINVAL;
  *bgra = NULL;
  *width = *height = 0;
  memset(&im, 0, sizeof im);
  memset(&z, 0, sizeof z);
  if (len < 8 || memcmp(png, "\x89PNG\r\n\x1a\n", 8) != 0)
    return fail(why, "not a PNG (bad signature)");
  while (!seen_end) {
    if (len - off < 12) {
      err = fail(why, "the PNG ends before its IEND chunk");
      goto out;
    }
    uint32_t n = rd32(png + off);
    const uint8_t *type = png + off + 4, *data = png + off + 8;
    if (n > len - off - 12) {
      err = fail(why, "a PNG chunk runs past the data");
      goto out;
    }
#ifndef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
    /* A fuzzer's mutations would almost never keep the CRC right, and it
     * would never get past this line; test_png_read checks it. */
    if (rd32(data + n) != sb_png_crc(type, (size_t)n + 4, 0)) {
      err = fail(why, "a PNG chunk's CRC is wrong");
      goto out;
    }
#endif
    off += 12 + (size_t)n;
    if (!have_ihdr) {
      if (memcmp(type, "IHDR", 4) != 0) {
        err = fail(why, "the PNG does not start with IHDR");
        goto out;
      }
      if ((err = read_ihdr(&im, data, n, why)) != 0)
        goto out;
      have_ihdr = 1;
      raw_len = (im.rowbytes + 1) * im.h;
      raw = sb_malloc(raw_len);
      z.zalloc = sb_png_zalloc;
      z.zfree = sb_png_zfree;
      if (!raw || inflateInit(&z) != Z_OK) {
        err = SB_ENOMEM;
        goto out;
      }
      zinit = 1;
      z.next_out = raw;
      z.avail_out = (uInt)raw_len; /* <= 64 MiB + rows: fits */
    } else if (!memcmp(type, "PLTE", 4)) {
      if (n % 3 || n == 0 || n > sizeof im.plte || im.n_plte) {
        err = fail(why, "the PNG's palette is malformed");
        goto out;
      }
      memcpy(im.plte, data, n);
      im.n_plte = n / 3;
    } else if (!memcmp(type, "IDAT", 4)) {
      if (!n)
        continue; /* empty IDATs are allowed */
      if (zend) {
        err = fail(why, "the PNG has data after its image ended");
        goto out;
      }
      z.next_in = (Bytef *)data;
      z.avail_in = n;
      int zr = inflate(&z, Z_NO_FLUSH);
      if (zr == Z_STREAM_END) {
        zend = 1;
        if (z.avail_in) {
          err = fail(why, "the PNG has data after its image ended");
          goto out;
        }
      } else if (zr != Z_OK && !(zr == Z_BUF_ERROR && z.avail_out == 0)) {
        err = fail(why, "the PNG's image data is corrupt");
        goto out;
      } else if (z.avail_out == 0 && z.avail_in) {
        err = fail(why, "the PNG's image data is longer than its size");
        goto out;
      }
    } else if (!memcmp(type, "IEND", 4)) {
      seen_end = 1;
    } else if (!(type[0] & 0x20)) {
      /* Bit 5 of the first letter clear: a critical chunk we do not know,
       * which the standard says must not be skipped. */
      err = fail(why, "the PNG has a critical chunk this reader does not know");
      goto out;
    }
  }
  if (!zend || z.total_out != raw_len) {
    err = fail(why, "the PNG's image data is shorter than its size");
    goto out;
  }
  if (im.type == 3 && !im.n_plte) {
    err = fail(why, "the palette PNG has no palette");
    goto out;
  }
  if ((err = unfilter(&im, raw, why)) != 0)
    goto out;
  out = sb_malloc((size_t)im.w * im.h * 4u);
  if (!out) {
    err = SB_ENOMEM;
    goto out;
  }
  if ((err = to_bgra(&im, raw, out, why)) != 0)
    goto out;
  *bgra = out;
  out = NULL;
  *width = im.w;
  *height = im.h;
out:
  if (zinit)
    inflateEnd(&z);
  sb_free(raw);
  sb_free(out);
  return err;
}
