/* SPDX-License-Identifier: MIT */
/* Agent bootstrap (internal, sb__; not installed, docs/api.md): how the
 * service hands a freshly launched agent its PSK.
 * The record travels only through an inherited anonymous pipe (Windows)
 * or an inherited pipe fd (POSIX), never the command line, environment,
 * registry or a file. The command line carries only the handle number. */
#ifndef SESSIONBRIDGE_BOOTSTRAP_H
#define SESSIONBRIDGE_BOOTSTRAP_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SB_BOOTSTRAP_VERSION 1u
#define SB_BOOTSTRAP_ENDPOINT_MAX 255u
/* Fixed record: magic "SBB1", u32le version, psk[32], u32le session id,
 * u32le service pid, u16le endpoint length, endpoint bytes (padded). */
#define SB_BOOTSTRAP_SIZE (4u + 4u + 32u + 4u + 4u + 2u + SB_BOOTSTRAP_ENDPOINT_MAX)

typedef struct {
  uint32_t version;
  uint8_t psk[32];
  uint32_t session_id;
  uint32_t service_pid;
  char endpoint[SB_BOOTSTRAP_ENDPOINT_MAX + 1];
} sb_bootstrap_t;

/* Platform handle value (HANDLE or fd) as an integer. */
typedef intptr_t sb_handle_t;
#define SB_INVALID_HANDLE ((sb_handle_t)-1)

int sb__bootstrap_encode(const sb_bootstrap_t *b, uint8_t out[SB_BOOTSTRAP_SIZE]);
int sb__bootstrap_decode(const uint8_t in[SB_BOOTSTRAP_SIZE], sb_bootstrap_t *b);

/* Create the pipe: *child_end is inheritable (to be listed as the only
 * inherited handle), *parent_end is not. */
int sb__bootstrap_pipe(sb_handle_t *child_end, sb_handle_t *parent_end);
/* Write the record to the parent end and close it. */
int sb__bootstrap_send(sb_handle_t parent_end, const sb_bootstrap_t *b);
/* Agent side: read the record from the inherited handle (given as decimal
 * text on the command line), close the handle, wipe the buffer. */
int sb__bootstrap_receive(const char *handle_text, sb_bootstrap_t *b);
void sb__handle_close(sb_handle_t h);
/* Wipe the record's secret. */
void sb__bootstrap_wipe(sb_bootstrap_t *b);

#ifdef __cplusplus
}
#endif
#endif
