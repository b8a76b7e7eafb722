/* A small PNG encoder: 8-bit RGB, every row filtered with Sub, deflated
 * with zlib. WIC is not dependable under Wine, and a desktop compresses
 * well (a 1280x800 screen with a dialog: 3.07 MB stored, a few KB
 * deflated), so zlib is worth its place among the dependencies. */
#ifndef SB_AGENT_PNG_H
#define SB_AGENT_PNG_H

#include <stddef.h>
#include <stdint.h>

/* Encode top-down BGRA pixels (GDI's order; alpha ignored) as PNG into an
 * sb_malloc'd buffer. stride is bytes per source row. */
int sb_png_encode_bgra(const uint8_t *pixels, uint32_t width, uint32_t height,
                       size_t stride, uint8_t **out, size_t *out_len);
/* Decode a PNG (as clipboard image set receives it) into top-down BGRA
 * pixels, sb_malloc'd, width * 4 bytes a row, alpha set to 255. Reads
 * colour types grey (1/2/4/8 bits), palette (1/2/4/8), RGB, grey+alpha
 * and RGBA (8 bits), not interlaced; every chunk CRC is checked and the
 * image data must inflate to exactly its size. SB_EFIELD with *why for
 * anything else or anything malformed, SB_ETOOBIG over 64 MiB of pixels
 * (png_read.c). */
int sb_png_decode_bgra(const uint8_t *png, size_t len, uint8_t **bgra,
                       uint32_t *width, uint32_t *height, const char **why);
/* zlib allocator hooks onto sb_malloc/sb_free (for z_stream). */
void *sb_png_zalloc(void *opaque, unsigned items, unsigned size);
void sb_png_zfree(void *opaque, void *p);
/* CRC-32 as PNG uses it, over type and data (the encoder, the reader
 * and the tests). */
uint32_t sb_png_crc(const uint8_t *p, size_t n, uint32_t crc);

#endif
