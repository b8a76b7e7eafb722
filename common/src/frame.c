/* SPDX-License-Identifier: MIT */
/* Frame codec: u32 little-endian length, then that many payload bytes.
 *
 * The parser never trusts the declared length: it is compared with
 * [min_len, max_len] in 64-bit-safe arithmetic before any buffer is sized
 * from it, so a length of 0xFFFFFFFF or SB_FRAME_MAX + 1 costs nothing. */
#include "frame.h"

#include <string.h>

#include "alloc.h"
#include "error.h"
#include "internal.h"

/* A zero-length frame still needs a valid (non-NULL) pointer to hand out. */
static const uint8_t empty_frame[1];

static int limits_ok(size_t min_len, size_t max_len) {
  return min_len <= max_len && max_len <= SB_FRAME_MAX;
}

/* Forget the frame just delivered. A big buffer is released here rather
 * than kept, so one large frame does not pin a megabyte per idle
 * connection. */
static void next_frame(sb_frame_parser_t *p) {
  if (p->cap > SB_FRAME_KEEP) {
    sb_free(p->buf);
    p->buf = NULL;
    p->cap = 0;
  }
  p->hdr_have = 0;
  p->len = 0;
  p->have = 0;
  p->complete = 0;
}

int sb_frame_parser_init(sb_frame_parser_t *p, size_t min_len,
                         size_t max_len) {
  if (!p)
    return SB_EINVAL;
  memset(p, 0, sizeof *p);
  if (!limits_ok(min_len, max_len))
    return SB_EINVAL;
  p->min_len = min_len;
  p->max_len = max_len;
  return 0;
}

int sb_frame_parser_set_limits(sb_frame_parser_t *p, size_t min_len,
                               size_t max_len) {
  if (!p || !limits_ok(min_len, max_len))
    return SB_EINVAL;
  /* A header already checked against the old bounds must not slip through
   * under the new ones. */
  if (sb_frame_parser_in_progress(p))
    return SB_ESTATE;
  p->min_len = min_len;
  p->max_len = max_len;
  return 0;
}

/* Make room for len payload bytes. Only called after len was checked
 * against max_len <= SB_FRAME_MAX. */
static int reserve(sb_frame_parser_t *p, size_t len) {
  if (len <= p->cap)
    return 0;
  /* Small frames get a buffer of SB_FRAME_KEEP so later small frames reuse
   * it; large frames get exactly what they declared. */
  size_t want = len <= SB_FRAME_KEEP ? SB_FRAME_KEEP : len;
  uint8_t *nb = sb_malloc(want);
  if (!nb)
    return SB_ENOMEM;
  sb_free(p->buf);
  p->buf = nb;
  p->cap = want;
  return 0;
}

/* The parser state after a bad length: complete is -1 and feed refuses
 * everything, because the byte stream is out of sync for good. */
#define FAILED (-1)

static uint32_t read_u32le(const uint8_t b[SB_FRAME_HEADER_SIZE]) {
  return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 |
         (uint32_t)b[3] << 24;
}

int sb_frame_parser_feed(sb_frame_parser_t *p, const uint8_t *data,
                         size_t len, size_t *consumed) {
  size_t used = 0;
  int err = 0;

  if (consumed)
    *consumed = 0;
  if (!p || !consumed || (!data && len))
    return SB_EINVAL;
  if (p->complete == FAILED)
    return SB_EPROTO;
  if (p->complete)
    next_frame(p);

  while (p->hdr_have < SB_FRAME_HEADER_SIZE) {
    if (used == len)
      goto out;
    p->hdr[p->hdr_have++] = data[used++];
    if (p->hdr_have < SB_FRAME_HEADER_SIZE)
      continue;
    /* The header just became complete: check the length before it sizes
     * anything. Compare as uint64_t so a 32-bit size_t cannot wrap. */
    uint32_t declared = read_u32le(p->hdr);
    if ((uint64_t)declared > (uint64_t)p->max_len) {
      err = SB_ETOOBIG;
      goto out;
    }
    if ((uint64_t)declared < (uint64_t)p->min_len) {
      err = SB_ESHORT;
      goto out;
    }
    p->len = declared;
    p->have = 0;
    err = reserve(p, declared);
    if (err)
      goto out;
  }

  size_t need = (size_t)p->len - p->have;
  size_t take = len - used < need ? len - used : need;
  if (take) {
    memcpy(p->buf + p->have, data + used, take);
    p->have += take;
    used += take;
  }
  if (p->have == p->len) {
    p->complete = 1;
    err = 1;
  }

out:
  *consumed = used;
  if (err < 0)
    p->complete = FAILED;
  return err;
}

const uint8_t *sb_frame_parser_frame(const sb_frame_parser_t *p, size_t *len) {
  if (!p || p->complete != 1) {
    if (len)
      *len = 0;
    return NULL;
  }
  if (len)
    *len = p->len;
  return p->buf ? p->buf : empty_frame;
}

int sb_frame_parser_in_progress(const sb_frame_parser_t *p) {
  return p && p->complete == 0 && p->hdr_have > 0;
}

uint8_t *sb__frame_parser_room(sb_frame_parser_t *p, size_t *room) {
  if (room)
    *room = 0;
  if (!p || !room || p->complete != 0 || p->hdr_have < SB_FRAME_HEADER_SIZE ||
      p->have >= p->len)
    return NULL;
  *room = (size_t)p->len - p->have;
  return p->buf + p->have;
}

int sb__frame_parser_commit(sb_frame_parser_t *p, size_t n) {
  size_t room = 0;
  if (!p || (n && !sb__frame_parser_room(p, &room)) || n > room)
    return SB_EINVAL;
  p->have += n;
  if (p->hdr_have == SB_FRAME_HEADER_SIZE && p->have == p->len) {
    p->complete = 1;
    return 1;
  }
  return 0;
}

void sb_frame_parser_free(sb_frame_parser_t *p) {
  if (!p)
    return;
  sb_free(p->buf);
  memset(p, 0, sizeof *p);
}

void sb_frame_write_header(uint8_t out[SB_FRAME_HEADER_SIZE], uint32_t len) {
  out[0] = (uint8_t)(len & 0xFF);
  out[1] = (uint8_t)(len >> 8 & 0xFF);
  out[2] = (uint8_t)(len >> 16 & 0xFF);
  out[3] = (uint8_t)(len >> 24 & 0xFF);
}
