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
/* CRC-32 as PNG uses it (exposed for tests). */
uint32_t sb_png_crc(const uint8_t *p, size_t n, uint32_t crc);

#endif
