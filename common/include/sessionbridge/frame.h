/* SPDX-License-Identifier: MIT */
/* Frame codec: u32 little-endian length, then that many payload bytes.
 *
 * The parser is incremental: bytes may arrive one at a time or several
 * frames per read. The declared length is checked against [min_len,
 * max_len] as soon as the 4-byte header is complete and before anything is
 * allocated, so a hostile length can never make us allocate. */
#ifndef SESSIONBRIDGE_FRAME_H
#define SESSIONBRIDGE_FRAME_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SB_FRAME_HEADER_SIZE 4u
/* Largest frame payload accepted anywhere (1 MiB). */
#define SB_FRAME_MAX (1024u * 1024u)
/* Buffers up to this size are kept between frames; larger ones are freed
 * so an idle connection holds little memory. */
#define SB_FRAME_KEEP 16384u

typedef struct {
  size_t min_len;
  size_t max_len;
  uint8_t hdr[SB_FRAME_HEADER_SIZE];
  size_t hdr_have;
  uint32_t len; /* declared length once hdr_have == 4 */
  uint8_t *buf;
  size_t cap;
  size_t have;
  int complete; /* a frame is ready in buf[0..len) */
} sb_frame_parser_t;

/* min_len/max_len bound the payload length; max_len <= SB_FRAME_MAX. */
int sb_frame_parser_init(sb_frame_parser_t *p, size_t min_len, size_t max_len);
/* Change the bounds between frames (e.g. after the handshake). */
int sb_frame_parser_set_limits(sb_frame_parser_t *p, size_t min_len,
                               size_t max_len);
/* Consume bytes from data. Stops as soon as one frame is complete.
 * *consumed tells how many bytes were used; the rest belongs to the next
 * frame. Returns 1 when a frame is ready (see sb_frame_parser_frame), 0 when
 * more bytes are needed, or SB_ESHORT / SB_ETOOBIG for a bad length (the
 * parser is then unusable). */
int sb_frame_parser_feed(sb_frame_parser_t *p, const uint8_t *data,
                         size_t len, size_t *consumed);
/* The ready frame; valid until the next feed or reset. */
const uint8_t *sb_frame_parser_frame(const sb_frame_parser_t *p, size_t *len);
/* True when part of a frame has been received (a stall is then a
 * per-frame deadline, not an idle connection). */
int sb_frame_parser_in_progress(const sb_frame_parser_t *p);
void sb_frame_parser_free(sb_frame_parser_t *p);

/* Write the 4-byte header for a payload of len bytes. */
void sb_frame_write_header(uint8_t out[SB_FRAME_HEADER_SIZE], uint32_t len);

#ifdef __cplusplus
}
#endif
#endif
