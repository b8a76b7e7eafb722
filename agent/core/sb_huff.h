/* SPDX-License-Identifier: MIT */
/* A deflate encoder of literals only (RFC 1951 dynamic Huffman blocks, no
 * matches), for the PNG encoder's photo-like pictures. On the filtered
 * rows of a blurred photo, matches cost more bits than they save: zlib's
 * Huffman-only strategy makes a smaller stream than libdeflate level 1 or
 * zlib level 6, and neither library does literals-only fast (libdeflate
 * has no such mode; zlib's takes 190 ms for 25 MB, libdeflate level 1
 * 128 ms, this 30 ms): docs/performance.md, issue 13, third pass. Pictures
 * with runs (windows, text) still go to libdeflate (png.c chooses). */
#ifndef SB_AGENT_HUFF_H
#define SB_AGENT_HUFF_H

#include <stddef.h>
#include <stdint.h>

/* The most bytes sb__huff_deflate writes for n bytes of input, with the
 * eight bytes of slack its bit writer stores ahead. */
size_t sb__huff_bound(size_t n);

/* Encode in[0..n) as raw deflate blocks into out (room for
 * sb__huff_bound(n) bytes) and return the bytes written. final: the last
 * block has BFINAL set and the stream ends; otherwise the blocks end with
 * an empty stored block (what zlib's Z_SYNC_FLUSH writes), so the stream
 * continues on a byte boundary with whatever comes next (another call, or
 * a libdeflate segment made non-final). A block whose code would be
 * bigger than its bytes is written stored. n may be 0. */
size_t sb__huff_deflate(const uint8_t *in, size_t n, uint8_t *out, int final);

/* Code lengths of a Huffman code over freq[0..n) (0 for a symbol of
 * frequency 0), none longer than maxlen, the code complete (Kraft sum 1)
 * whenever two or more symbols occur; one symbol alone gets length 1 and
 * so does one other, as zlib does, so a decoder sees a complete code.
 * n <= 288, maxlen >= 9 or n <= 1 << maxlen / 2 (always so here: 15 for
 * 257 literals, 7 for 19 code lengths). Exposed for the tests. */
void sb__huff_lengths(const uint32_t *freq, int n, int maxlen, uint8_t *len);

#endif
