/* SPDX-License-Identifier: MIT */
/* The agent's PNG encoder: 8-bit RGB, rows filtered as they arrive (so a
 * screenshot is captured in bands and never held whole as BGRA), in
 * segments of about 1 MiB of filtered rows: photo-like segments are
 * Huffman-coded literals (huff.c, no matches: on a photo both smaller and
 * several times faster than libdeflate or zlib), segments with runs
 * (windows, text) are deflated by libdeflate, up to 32 MiB of them in one
 * call; the pieces are joined into one zlib stream (the measurements
 * and the reasons are in docs/performance.md). The PNG is
 * either kept whole for the caller or handed out in pieces as it is
 * encoded (sink mode, below). WIC is not dependable under Wine. */
#ifndef SB_AGENT_PNG_H
#define SB_AGENT_PNG_H

#include <stddef.h>
#include <stdint.h>

#include "sessionbridge.h"

/* Most pixels one PNG is made of: SB_SCREENSHOT_PIXELS_MAX, 40 Mi, room
 * for an 8K monitor (33.2 M) or four 4K ones. The encoder holds at most
 * 33 MiB of filtered rows (3 bytes a pixel and a filter byte a row: a
 * photo-like desktop 1 MiB at a time, up to 32 MiB of rows with runs
 * waiting for libdeflate) and the compressed stream, which is the
 * answer (with a sink, below: one call's output and less than a
 * piece). */
#define SB_PNG_PIXELS_MAX SB_SCREENSHOT_PIXELS_MAX

/* fast: a filter (None, Sub, Up or Avg) per group of 32 rows; each
 * segment Huffman-coded (few runs of zeros after the filter) or deflated
 * by libdeflate at level 3 or 6 (more runs); small: the filter chosen
 * per row (least sum of magnitudes of five), libdeflate level 6. */
enum { SB_PNG_FAST = 0, SB_PNG_SMALL = 1 };

/* Incremental encoding: sb_png_enc_new checks the size (SB_EINVAL for a
 * zero side or an unknown level, SB_ETOOBIG over SB_PNG_PIXELS_MAX) and
 * allocates; sb_png_enc_rows takes the next rows, top-down BGRA (GDI's
 * order; alpha ignored), stride bytes apart; sb_png_enc_finish, once all
 * height rows are in, writes the PNG into an sb_malloc'd buffer
 * (SB_ETOOBIG if it would be over SB_SCREENSHOT_MAX, what one transfer
 * carries); the zlib stream is then in one IDAT. Once sb_png_enc_rows
 * or a finish failed (the stream is cut there), every later call on e
 * returns that error, and after a finish that succeeded, SB_EINVAL.
 * sb_png_enc_free in every case. */
typedef struct sb_png_enc sb_png_enc_t;
int sb_png_enc_new(uint32_t width, uint32_t height, int level,
                   sb_png_enc_t **out);
int sb_png_enc_rows(sb_png_enc_t *e, const uint8_t *bgra, size_t stride,
                    uint32_t rows);
int sb_png_enc_finish(sb_png_enc_t *e, uint8_t **out, size_t *out_len);
void sb_png_enc_free(sb_png_enc_t *e);

/* Sink mode: the PNG handed out in pieces while it is encoded, so a
 * screenshot can go out as transfer chunks before its last row is in and
 * the encoder never holds the whole file.
 *
 * The sink gets the PNG file in order as consecutive pieces (signature,
 * IHDR, IDAT chunks, IEND: the zlib stream is split over several IDATs,
 * one for each piece of it the encoder completes, which PNG allows).
 * Every piece is exactly piece_max bytes except the last, which is 1 to
 * piece_max bytes and the only one with last set; it is handed out by
 * sb_png_enc_finish_sink, the others by sb_png_enc_rows or
 * sb_png_enc_finish_sink. data points into the encoder and is valid only
 * during the call. The sink returns 0 to go on, or a negative SB_E* that
 * stops the encode: the call that was running returns it, and so does
 * every later call on e (a positive return is taken as SB_EINVAL).
 *
 * Bytes go out as soon as they are final and a piece is full: after each
 * segment (about 1 MiB of filtered rows) Huffman-coded, and after each
 * libdeflate call. Segments with runs (flat desktops, windows, text), and
 * every segment with SB_PNG_SMALL, wait for one libdeflate call of up to
 * 32 MiB of rows, as without a sink; with a sink, fast's rows of a mix
 * (under three quarters of their bytes in runs) wait for at most 8 MiB,
 * so a desktop of windows over a photo goes out a call at a time (its
 * stream then differs from the whole encode's), while a flat desktop,
 * whose PNG is a fraction of a piece, is one call as before.
 *
 * Memory: the encoder's working set (as without a sink: up to 33 MiB of
 * filtered rows, touched only as far as rows wait; 1 MiB on a photo),
 * plus what one libdeflate or huff.c call writes (bounded by its input)
 * and less than one piece waiting to be filled; never the whole PNG.
 *
 * sb_png_enc_set_sink: before the first sb_png_enc_rows (SB_EINVAL after
 * it, for a NULL fn or a piece_max of 0). SB_ETOOBIG when the PNG would
 * be over SB_SCREENSHOT_MAX, possibly after pieces went out.
 * sb_png_enc_finish_sink: once all rows are in, ends the stream, hands
 * out the rest with the last piece, and sets *total_len to the bytes of
 * the whole PNG. With a sink set sb_png_enc_finish is SB_EINVAL, and
 * without one sb_png_enc_finish_sink is. */
typedef int (*sb_png_sink_fn)(void *arg, const uint8_t *data, size_t len,
                              int last);
int sb_png_enc_set_sink(sb_png_enc_t *e, size_t piece_max, sb_png_sink_fn fn,
                        void *arg);
int sb_png_enc_finish_sink(sb_png_enc_t *e, size_t *total_len);

/* sb_png_enc_new with the sizes it uses set by the caller: segments of
 * about seg_bytes (at least a row), and up to one_call_max bytes of
 * segments with runs deflated in one libdeflate call (0: each alone).
 * For tests and the benchmark, which make them small to check how the
 * pieces are joined. */
int sb__png_enc_new_seg(uint32_t width, uint32_t height, int level,
                        size_t one_call_max, size_t seg_bytes,
                        sb_png_enc_t **out);
/* The most bytes the PNG may have, SB_SCREENSHOT_MAX unless set here
 * (before the first row): the tests' way to reach SB_ETOOBIG without a
 * picture of 64 MiB. */
int sb__png_enc_set_max(sb_png_enc_t *e, size_t max);

/* The same in one call, for pixels already in memory. */
int sb_png_encode_bgra_level(const uint8_t *pixels, uint32_t width,
                             uint32_t height, size_t stride, int level,
                             uint8_t **out, size_t *out_len);
/* sb_png_encode_bgra_level at SB_PNG_FAST. */
int sb_png_encode_bgra(const uint8_t *pixels, uint32_t width, uint32_t height,
                       size_t stride, uint8_t **out, size_t *out_len);
/* Decode a PNG (as clipboard image set receives it) with libspng into
 * top-down BGRA pixels, sb_malloc'd, width * 4 bytes a row, alpha set to
 * 255. Reads colour types grey (1/2/4/8 bits), palette (1/2/4/8), RGB,
 * grey+alpha and RGBA (8 bits), not interlaced; every chunk CRC and the
 * zlib checksum are checked, the PNG must end with IEND. SB_EFIELD with
 * *why (libspng's reason where it refused) for anything else or anything
 * malformed, SB_ETOOBIG over 64 MiB of pixels (png_read.c). */
int sb_png_decode_bgra(const uint8_t *png, size_t len, uint8_t **bgra,
                       uint32_t *width, uint32_t *height, const char **why);

#endif
