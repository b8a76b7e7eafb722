/* SPDX-License-Identifier: MIT */
/* The check fuzz_png and fuzz_png_enc share: a picture encoded whole and
 * through a sink at the same sizes, the two compared. */
#ifndef SBF_PNG_SINK_CHECK_H
#define SBF_PNG_SINK_CHECK_H

#include <stddef.h>
#include <stdint.h>

/* The sizes the encoder is given (sb__png_enc_new_seg), the band of rows
 * each sb_png_enc_rows takes, the sink's piece size, and whether the
 * sink refuses a piece: if refuse, piece 1 + refuse_pick % (the whole
 * PNG's pieces + 1) (which may be past the last: then none is). */
typedef struct {
  size_t seg, wait, piece_max;
  uint32_t band;
  int refuse;
  uint32_t refuse_pick;
} sbf_sink_plan_t;

/* Encode px (w x h BGRA, w * 4 bytes a row) at level whole and through a
 * sink as plan says; abort() unless the whole PNG decodes to px (alpha
 * read back as 255) and the sink's pieces are exactly piece_max bytes but
 * the last, the last one marked, joined a PNG that decodes to px with
 * the same zlib stream as the whole one, or, for a refused piece, the
 * encode stopped there with the sink's error. */
void sbf_png_sink_check(const uint8_t *px, uint32_t w, uint32_t h, int level,
                        const sbf_sink_plan_t *plan);

#endif
