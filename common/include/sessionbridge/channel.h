/* SPDX-License-Identifier: MIT */
/* Secure channel: PSK-authenticated crypto_kx handshake, then one
 * crypto_secretstream_xchacha20poly1305 stream per direction.
 * docs/protocol.md describes every byte. Every failure closes the channel
 * with a specific error; after a failure only sb_channel_free is valid. */
#ifndef SESSIONBRIDGE_CHANNEL_H
#define SESSIONBRIDGE_CHANNEL_H

#include <stddef.h>
#include <stdint.h>

#include "frame.h"
#include "io.h"

#ifdef __cplusplus
extern "C" {
#endif

/* 2: transfers declared in Request/Response (fields 3, 4), not in the
 * task messages. 3: a download may be declared without its size
 * (Response.size_unknown) and every download ends at its chunk marked
 * last (protocol.md, "Versions"). */
#define SB_PROTOCOL_VERSION 3u
#define SB_PSK_SIZE 32u
#define SB_HELLO_NONCE_SIZE 32u
#define SB_TRANSCRIPT_SIZE 32u
/* Plaintext handshake frames are small; anything longer is hostile. */
#define SB_HANDSHAKE_FRAME_MAX 256u
/* crypto_secretstream_xchacha20poly1305_ABYTES: shorter frames are bogus. */
#define SB_CHANNEL_ABYTES 17u
#define SB_CHANNEL_HEADER_BYTES 24u
/* Largest plaintext one encrypted frame can carry. */
#define SB_CHANNEL_PLAIN_MAX (SB_FRAME_MAX - SB_CHANNEL_ABYTES)

#define SB_DEFAULT_HANDSHAKE_TIMEOUT_MS 5000
#define SB_DEFAULT_FRAME_TIMEOUT_MS 5000

typedef enum { SB_ROLE_CLIENT = 1, SB_ROLE_SERVER = 2 } sb_role_t;

typedef struct {
  sb_role_t role;
  const uint8_t *psk;       /* SB_PSK_SIZE bytes; copied into locked memory */
  int handshake_timeout_ms; /* 0: default */
  int frame_timeout_ms;     /* once a frame has begun; 0: default */
} sb_channel_opts_t;

typedef struct sb_channel sb_channel_t;

/* Library initialisation (sodium_init); idempotent, thread-safe. */
int sb_init(void);
/* Cryptographically secure random bytes (keys, nonces, pipe names). */
void sb_random(void *buf, size_t len);

int sb_channel_new(sb_channel_t **out, const sb_io_t *io,
                   const sb_channel_opts_t *opts);
/* Run the handshake. A client verifies the server's Confirm before it
 * sends anything encrypted, so it never talks to a server that cannot
 * prove the PSK. */
int sb_channel_handshake(sb_channel_t *ch);
/* Encrypt and send one message (<= SB_CHANNEL_PLAIN_MAX). Safe to call
 * from one thread while another is in sb_channel_recv. */
int sb_channel_send(sb_channel_t *ch, const uint8_t *msg, size_t len);
/* Receive one message. *msg stays valid until the next recv. timeout_ms
 * bounds the wait for the start of a frame (-1: none); once a frame has
 * begun, the frame deadline applies. Returns SB_EOF after the peer's final
 * frame. */
int sb_channel_recv(sb_channel_t *ch, const uint8_t **msg, size_t *len,
                    int timeout_ms);
/* Send the final frame (TAG_FINAL). Nothing can be sent afterwards. */
int sb_channel_close(sb_channel_t *ch);
void sb_channel_free(sb_channel_t *ch);
sb_role_t sb_channel_role(const sb_channel_t *ch);
/* The error that closed the channel, or 0 while it is usable. Tells an
 * idle SB_ETIMEDOUT from recv apart from a failed send's SB_ETIMEDOUT. */
int sb_channel_error(const sb_channel_t *ch);

/* Handshake and sending as one convenience for envelopes. */
struct sb_msg;
#include "msg.h"
int sb_channel_send_envelope(sb_channel_t *ch, const sb_envelope_t *env);
/* Receive, decode and validate one envelope. */
int sb_channel_recv_envelope(sb_channel_t *ch, sb_msg_t **out,
                             int timeout_ms, const char **why);

#ifdef __cplusplus
}
#endif
#endif
