/* SPDX-License-Identifier: MIT */
/* Packed DIB (CF_DIB) to PNG. What is on the clipboard was put there by
 * any program of the session, so every size is checked against the data
 * before it is used, in 64 bits, and before anything is allocated. */
#include "sb_dib.h"

#include <string.h>

#include "sb_png.h"
#include "sessionbridge.h"

#define DIB_RGB 0u
#define DIB_BITFIELDS 3u
/* A colour table beside 16..32-bit pixels is only a hint for palette
 * devices; more entries than an 8-bit table has is not a real bitmap. */
#define DIB_HINT_TABLE_MAX 256u

static uint32_t le32(const uint8_t *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
         (uint32_t)p[3] << 24;
}

static void put_le32(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)v, p[1] = (uint8_t)(v >> 8), p[2] = (uint8_t)(v >> 16),
  p[3] = (uint8_t)(v >> 24);
}

static uint16_t le16(const uint8_t *p) {
  return (uint16_t)(p[0] | p[1] << 8);
}

/* One colour channel of a 16- or 32-bit pixel: where its bits are. */
typedef struct {
  uint32_t mask;
  unsigned shift, bits;
} chan_t;

static int chan_init(chan_t *c, uint32_t mask) {
  c->mask = mask;
  c->shift = c->bits = 0;
  if (!mask)
    return -1;
  while (!(mask & 1u)) {
    mask >>= 1;
    c->shift++;
  }
  while (mask & 1u) {
    mask >>= 1;
    c->bits++;
  }
  return mask ? -1 : 0; /* bits left over: the mask has a gap */
}

/* The channel scaled to 8 bits, so that all ones is 255 at any width. */
static uint8_t chan_get(const chan_t *c, uint32_t px) {
  uint32_t v = (px & c->mask) >> c->shift;
  if (c->bits >= 8)
    return (uint8_t)(v >> (c->bits - 8));
  uint32_t top = (1u << c->bits) - 1;
  return (uint8_t)((v * 255u + top / 2) / top);
}

typedef struct {
  const uint8_t *rows, *table;
  uint64_t stride;
  uint32_t width, height, colors;
  unsigned bpp;
  int top_down;
  chan_t r, g, b;
} dib_t;

static int fail(const char **why, const char *what) {
  *why = what;
  return SB_EFIELD;
}

/* Header, masks, colour table and row bounds, all against len. */
static int parse(dib_t *d, const uint8_t *dib, size_t len, const char **why) {
  uint32_t masks[3] = {0, 0, 0};
  uint64_t off;
  if (len < 40)
    return fail(why, "shorter than a BITMAPINFOHEADER (40 bytes)");
  uint32_t hsize = le32(dib);
  if (hsize == 12)
    return fail(why, "an OS/2 BITMAPCOREHEADER bitmap is not read");
  if (hsize != 40 && hsize != 52 && hsize != 56 && hsize != 108 &&
      hsize != 124)
    return fail(why, "unknown bitmap header size");
  if (hsize > len)
    return fail(why, "the bitmap header runs past the data");
  int32_t w = (int32_t)le32(dib + 4), h = (int32_t)le32(dib + 8);
  uint32_t comp = le32(dib + 16), used = le32(dib + 32);
  d->bpp = le16(dib + 14);
  if (le16(dib + 12) != 1)
    return fail(why, "the bitmap's plane count is not 1");
  if (w <= 0 || (uint32_t)w > SB_DIB_DIM_MAX)
    return fail(why, "the bitmap's width is 0, negative or over 65535");
  /* -INT32_MIN does not exist; it is out of range anyway. */
  if (h == 0 || h < -(int32_t)SB_DIB_DIM_MAX || h > (int32_t)SB_DIB_DIM_MAX)
    return fail(why, "the bitmap's height is 0 or over 65535");
  d->width = (uint32_t)w;
  d->top_down = h < 0;
  d->height = h < 0 ? (uint32_t)-h : (uint32_t)h;
  off = hsize;
  d->colors = 0;

  if (comp == DIB_RGB) {
    switch (d->bpp) {
    case 1:
    case 4:
    case 8:
      d->colors = used ? used : 1u << d->bpp;
      if (d->colors > 1u << d->bpp)
        return fail(why, "the colour table is larger than the bit depth "
                         "can index");
      break;
    case 16:
      masks[0] = 0x7C00, masks[1] = 0x03E0, masks[2] = 0x001F;
      break;
    case 24:
    case 32:
      masks[0] = 0xFF0000, masks[1] = 0xFF00, masks[2] = 0xFF;
      break;
    default:
      return fail(why, "the bitmap's bit depth is not 1, 4, 8, 16, 24 or 32");
    }
  } else if (comp == DIB_BITFIELDS) {
    if (d->bpp != 16 && d->bpp != 32)
      return fail(why, "colour masks need 16 or 32 bits per pixel");
    /* A plain BITMAPINFOHEADER is followed by the three masks; the later
     * headers hold them at the same offset, inside the header. */
    if (hsize == 40) {
      if (len - off < 12)
        return fail(why, "the colour masks run past the data");
      off += 12;
    }
    masks[0] = le32(dib + 40), masks[1] = le32(dib + 44),
    masks[2] = le32(dib + 48);
  } else {
    return fail(why, "compressed bitmaps (RLE, JPEG, PNG) are not read");
  }
  if (d->bpp > 8) {
    if (chan_init(&d->r, masks[0]) || chan_init(&d->g, masks[1]) ||
        chan_init(&d->b, masks[2]))
      return fail(why, "a colour mask is empty or has a gap");
    if (used > DIB_HINT_TABLE_MAX)
      return fail(why, "the colour table has more than 256 entries");
    d->colors = used; /* skipped: a hint, not used for these depths */
  }
  if ((uint64_t)d->colors * 4u > len - off)
    return fail(why, "the colour table runs past the data");
  d->table = dib + off;
  off += (uint64_t)d->colors * 4u;
  d->stride = ((uint64_t)d->width * d->bpp + 31u) / 32u * 4u;
  if ((uint64_t)d->width * d->height * 4u > SB_SCREENSHOT_MAX) {
    *why = "the bitmap is larger than 64 MiB of pixels";
    return SB_ETOOBIG;
  }
  if (d->stride * d->height > len - off)
    return fail(why, "the bitmap's rows run past the data");
  d->rows = dib + off;
  return 0;
}

static void convert_row(const dib_t *d, const uint8_t *s, uint8_t *o) {
  for (uint32_t x = 0; x < d->width; x++, o += 4) {
    uint32_t px;
    switch (d->bpp) {
    case 24:
      o[0] = s[3 * (size_t)x], o[1] = s[3 * (size_t)x + 1],
      o[2] = s[3 * (size_t)x + 2];
      continue;
    case 16:
      px = le16(s + 2 * (size_t)x);
      break;
    case 32:
      px = le32(s + 4 * (size_t)x);
      break;
    default: { /* 1, 4, 8: an index, most significant bits first */
      size_t bit = (size_t)x * d->bpp;
      unsigned shift = 8u - d->bpp - (unsigned)(bit % 8u);
      uint32_t i = (uint32_t)(s[bit / 8u] >> shift) & ((1u << d->bpp) - 1u);
      /* An index past a short table is black, as GDI draws it. */
      const uint8_t *q = i < d->colors ? d->table + 4 * (size_t)i : NULL;
      o[0] = q ? q[0] : 0, o[1] = q ? q[1] : 0, o[2] = q ? q[2] : 0;
      continue;
    }
    }
    o[0] = chan_get(&d->b, px), o[1] = chan_get(&d->g, px),
    o[2] = chan_get(&d->r, px);
  }
}

int sb_dib_to_png(const uint8_t *dib, size_t len, uint8_t **png,
                  size_t *png_len, uint32_t *width, uint32_t *height,
                  const char **why) {
  const char *ignored;
  dib_t d;
  uint8_t *bgra;
  int err;
  if (!why)
    why = &ignored;
  *why = NULL;
  if (!dib || !png || !png_len || !width || !height)
    return SB_EINVAL;
  *png = NULL;
  *png_len = 0;
  *width = *height = 0;
  memset(&d, 0, sizeof d);
  if ((err = parse(&d, dib, len, why)) != 0)
    return err;
  size_t out_stride = (size_t)d.width * 4u;
  bgra = sb_malloc(out_stride * d.height);
  if (!bgra)
    return SB_ENOMEM;
  for (uint32_t y = 0; y < d.height; y++) {
    uint32_t src = d.top_down ? y : d.height - 1 - y;
    convert_row(&d, d.rows + d.stride * src, bgra + out_stride * y);
  }
  err = sb_png_encode_bgra(bgra, d.width, d.height, out_stride, png, png_len);
  sb_free(bgra);
  if (!err && *png_len > SB_CLIPBOARD_MAX) {
    sb_free(*png);
    *png = NULL;
    *png_len = 0;
    *why = "the image is over 16 MiB as PNG";
    return SB_ETOOBIG;
  }
  if (!err) {
    *width = d.width;
    *height = d.height;
  }
  return err;
}

static size_t dib_stride(uint32_t width) {
  return ((size_t)width * 3u + 3u) & ~(size_t)3u;
}

size_t sb_dib_size(uint32_t width, uint32_t height) {
  if (!width || !height || width > SB_DIB_DIM_MAX || height > SB_DIB_DIM_MAX)
    return 0;
  uint64_t rows = (uint64_t)dib_stride(width) * height;
  return rows > SB_SCREENSHOT_MAX ? 0 : 40u + (size_t)rows;
}

void sb_dib_write(const uint8_t *bgra, uint32_t width, uint32_t height,
                  uint8_t *out) {
  size_t stride = dib_stride(width);
  memset(out, 0, 40u + stride * height); /* header fields and row padding */
  put_le32(out, 40);
  put_le32(out + 4, width);
  put_le32(out + 8, height); /* positive: bottom-up */
  out[12] = 1;               /* planes */
  out[14] = 24;              /* bits per pixel; BI_RGB is 0 */
  put_le32(out + 20, (uint32_t)(stride * height));
  for (uint32_t y = 0; y < height; y++) {
    const uint8_t *s = bgra + (size_t)(height - 1 - y) * width * 4u;
    uint8_t *o = out + 40 + stride * y;
    for (uint32_t x = 0; x < width; x++, s += 4, o += 3)
      o[0] = s[0], o[1] = s[1], o[2] = s[2];
  }
}
