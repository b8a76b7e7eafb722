/* SPDX-License-Identifier: MIT */
/* A download's chunks sent from a thread of their own, so whoever makes
 * the data (the screenshot's capture and encode) goes on while a chunk
 * is in the pipe. Under Wine a pipe write returns only once the reader
 * has taken it, so sending on the producer's thread would add every
 * chunk's trip to the encode instead of overlapping them
 * (docs/performance.md). */
#ifndef SB_AGENT_CHUNK_SENDER_H
#define SB_AGENT_CHUNK_SENDER_H

#include <stddef.h>
#include <stdint.h>

#include "sessionbridge.h"

/* Pieces waiting to be sent at most: a producer that gets this far ahead
 * of the pipe waits for it (2 MiB of 512 KiB chunks held). */
#define SB_CHUNK_SENDER_DEPTH 4

typedef struct sb_chunk_sender sb_chunk_sender_t;

/* Start sending the chunks of the download in was answered with (its
 * declaration already sent, sb_rpc_respond_begin). */
int sb_chunk_sender_start(sb_chunk_sender_t **out, sb_rpc_t *rpc,
                          sb_rpc_incoming_t *in);
/* Queue a copy of the next len bytes (at most SB_MSG_CHUNK_MAX; every
 * piece but the last non-empty), to go out as the next chunk; last ends
 * the download, and the sender then answers (frees) in. Waits while
 * SB_CHUNK_SENDER_DEPTH pieces wait. Returns 0, or the error of a chunk
 * that could not be sent (the connection is ending: stop producing),
 * SB_EINVAL for a bad piece or one after last, SB_ENOMEM. */
int sb_chunk_sender_push(sb_chunk_sender_t *s, const uint8_t *data,
                         size_t len, int last);
/* Wait until every queued piece is sent (or sending failed), stop the
 * thread and free s. Returns 0 or the first send error. If no piece with
 * last was queued, in is still the caller's to answer: an Error then
 * ends the download early (protocol.md, "Transfers"). */
int sb_chunk_sender_finish(sb_chunk_sender_t *s);

#endif
