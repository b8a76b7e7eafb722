/* SPDX-License-Identifier: MIT */
/* Packed DIBs (CF_DIB): the layout check that comes before GDI reads one,
 * and the writer for clipboard image set. What is on the clipboard was put
 * there by any program of the session, and GDI trusts a DIB's header (it
 * has no length to check against: Wine's own clipboard code says so), so
 * every size is checked here against the data, in 64 bits, before
 * anything is allocated or handed to GDI. The pixels themselves are
 * converted by GDI (agent/win/task_clipboard.c), not here. */
#include "sb_dib.h"

#include <string.h>

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

/* A colour mask must be one run of ones: GDI takes any mask, but none
 * with a gap or no bits is a real bitmap, so it is refused here. */
static int mask_ok(uint32_t mask) {
  if (!mask)
    return 0;
  while (!(mask & 1u))
    mask >>= 1;
  while (mask & 1u)
    mask >>= 1;
  return mask == 0;
}

static int fail(const char **why, const char *what) {
  *why = what;
  return SB_EFIELD;
}

int sb_dib_check(const uint8_t *dib, size_t len, sb_dib_layout_t *out,
                 const char **why) {
  const char *ignored;
  uint64_t off, stride;
  uint32_t colors = 0, width, height;
  unsigned bpp;
  if (!why)
    why = &ignored;
  *why = NULL;
  if (!dib || !out)
    return SB_EINVAL;
  memset(out, 0, sizeof *out);
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
  bpp = le16(dib + 14);
  if (le16(dib + 12) != 1)
    return fail(why, "the bitmap's plane count is not 1");
  if (w <= 0 || (uint32_t)w > SB_DIB_DIM_MAX)
    return fail(why, "the bitmap's width is 0, negative or over 65535");
  /* -INT32_MIN does not exist; it is out of range anyway. */
  if (h == 0 || h < -(int32_t)SB_DIB_DIM_MAX || h > (int32_t)SB_DIB_DIM_MAX)
    return fail(why, "the bitmap's height is 0 or over 65535");
  width = (uint32_t)w;
  height = h < 0 ? (uint32_t)-h : (uint32_t)h;
  off = hsize;

  if (comp == DIB_RGB) {
    switch (bpp) {
    case 1:
    case 4:
    case 8:
      colors = used ? used : 1u << bpp;
      if (colors > 1u << bpp)
        return fail(why, "the colour table is larger than the bit depth "
                         "can index");
      break;
    case 16:
    case 24:
    case 32:
      break;
    default:
      return fail(why, "the bitmap's bit depth is not 1, 4, 8, 16, 24 or 32");
    }
  } else if (comp == DIB_BITFIELDS) {
    if (bpp != 16 && bpp != 32)
      return fail(why, "colour masks need 16 or 32 bits per pixel");
    /* A plain BITMAPINFOHEADER is followed by the three masks; the later
     * headers hold them at the same offset, inside the header. GDI reads
     * them from there either way. */
    if (hsize == 40) {
      if (len - off < 12)
        return fail(why, "the colour masks run past the data");
      off += 12;
    }
    if (!mask_ok(le32(dib + 40)) || !mask_ok(le32(dib + 44)) ||
        !mask_ok(le32(dib + 48)))
      return fail(why, "a colour mask is empty or has a gap");
  } else {
    /* GDI could draw RLE, but nothing puts RLE on a clipboard today, and
     * a decoder not reached is one less to trust; JPEG and PNG in a DIB
     * are for printers only. */
    return fail(why, "compressed bitmaps (RLE, JPEG, PNG) are not read");
  }
  if (bpp > 8) {
    /* A table beside 16..32-bit pixels is only a hint for palette
     * devices: skipped, but it must be there, and GDI reads at most 256
     * entries of one. */
    if (used > DIB_HINT_TABLE_MAX)
      return fail(why, "the colour table has more than 256 entries");
    colors = used;
  }
  if ((uint64_t)colors * 4u > len - off)
    return fail(why, "the colour table runs past the data");
  off += (uint64_t)colors * 4u;
  stride = ((uint64_t)width * bpp + 31u) / 32u * 4u;
  if ((uint64_t)width * height * 4u > SB_SCREENSHOT_MAX) {
    *why = "the bitmap is larger than 64 MiB of pixels";
    return SB_ETOOBIG;
  }
  /* What GDI will read of the rows: every row, padded to 4 bytes,
   * whatever biSizeImage says. */
  if (stride * height > len - off)
    return fail(why, "the bitmap's rows run past the data");
  out->width = width;
  out->height = height;
  out->top_down = h < 0;
  out->bits = (size_t)off;
  out->bits_len = (size_t)(stride * height);
  return 0;
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
