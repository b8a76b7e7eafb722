/* A small PNG encoder: 8-bit RGB, zlib "stored" (uncompressed) deflate
 * blocks. Screenshots compress well, but a correct encoder of forty lines
 * beats a dependency here: WIC is not dependable under Wine and zlib is
 * not in our Windows build. The cost is size (width*height*3 bytes),
 * well within the 64 MiB screenshot transfer. */
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
