/* SPDX-License-Identifier: MIT */
/* Message layer: sbwire.v1.Envelope pack / unpack / validate.
 *
 * Decoding goes through a budgeted ProtobufCAllocator (protobuf-c has no
 * size or depth limit of its own), then every field is validated: no
 * unknown fields, the oneofs set, enums in range, strings valid UTF-8
 * without NUL, sizes within the documented limits. This is the only file
 * family that calls protobuf-c. */
#ifndef SESSIONBRIDGE_MSG_H
#define SESSIONBRIDGE_MSG_H

#include <stddef.h>
#include <stdint.h>

#include "sessionbridge.pb-c.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef Sbwire__V1__Envelope sb_envelope_t;

/* Limits (bytes) enforced by validation; documented in protocol.md. */
#define SB_MSG_TITLE_MAX 1024u
#define SB_MSG_TEXT_MAX 65536u
#define SB_MSG_NOTIFY_TEXT_MAX 4096u
#define SB_MSG_PING_MAX 65536u
#define SB_MSG_DETAIL_MAX 1024u
#define SB_MSG_USER_MAX 512u
#define SB_MSG_CHUNK_MAX (512u * 1024u)
#define SB_MSG_INLINE_MAX (512u * 1024u)
#define SB_MSG_DEADLINE_MAX 600000u
#define SB_MSG_SESSIONS_MAX 1024u
#define SB_CLIPBOARD_MAX (16u * 1024u * 1024u)
#define SB_SCREENSHOT_MAX (64u * 1024u * 1024u)
/* Pixels one screenshot may cover: 40 Mi, an 8K monitor (33.2 M) or four
 * 4K ones. The PNG itself is still at most SB_SCREENSHOT_MAX. */
#define SB_SCREENSHOT_PIXELS_MAX (40u * 1024u * 1024u)
#define SB_MSG_MONITORS_MAX 64u
/* Memory budget for decoding one envelope: a small multiple of the frame
 * limit is enough for any valid message and stops element-count bombs. */
#define SB_MSG_DECODE_BUDGET (4u * 1024u * 1024u)

typedef struct sb_msg sb_msg_t;

/* Decode and validate one envelope. On success *out owns the message;
 * release it with sb_msg_free. *why (optional) gets a static description
 * of the first validation failure. */
int sb_msg_decode(const uint8_t *buf, size_t len, sb_msg_t **out,
                  const char **why);
/* Decode without validation (the validator and fuzzers use it). */
int sb_msg_unpack(const uint8_t *buf, size_t len, size_t budget,
                  sb_msg_t **out);
const sb_envelope_t *sb_msg_envelope(const sb_msg_t *m);
void sb_msg_free(sb_msg_t *m);

int sb_msg_validate(const sb_envelope_t *env, const char **why);
/* 1 if s[0..n) is strict UTF-8 (no overlong forms, no surrogates, nothing
 * above U+10FFFF) without a NUL byte, else 0. */
int sb_utf8_valid(const uint8_t *s, size_t n);

/* Pack an envelope into a fresh sb_malloc'd buffer. */
int sb_msg_pack(const sb_envelope_t *env, uint8_t **out, size_t *len);
/* Pack into a caller buffer; *len gets the size. SB_ETOOBIG if cap too
 * small. */
int sb_msg_pack_to(const sb_envelope_t *env, uint8_t *buf, size_t cap,
                   size_t *len);
size_t sb_msg_packed_size(const sb_envelope_t *env);

/* Map between wire Status and SB_E* codes. */
int sb_status_to_err(int status);
int sb_err_to_status(int err);
const char *sb_status_name(int status);

#ifdef __cplusplus
}
#endif
#endif
