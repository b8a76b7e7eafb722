/* SPDX-License-Identifier: MIT */
/* sbctl raw internals: the envelope text grammar (raw_envelope.c) and the
 * decoded printing of what the peer sent back. cmd_raw.c runs the steps. */
#ifndef SBCTL_RAW_H
#define SBCTL_RAW_H

#include <stddef.h>
#include <stdint.h>

#include "sessionbridge.h"

/* Storage for one hand-built envelope: every sub-message a line can name
 * lives here, so building one allocates nothing but the byte buffers. */
typedef struct {
  Sbwire__V1__Envelope env;
  Sbwire__V1__Request req;
  Sbwire__V1__Response rsp;
  Sbwire__V1__Error error;
  Sbwire__V1__TransferChunk chunk;
  Sbwire__V1__Event event;
  Sbwire__V1__SessionStateEvent state;
  Sbwire__V1__PingRequest ping;
  Sbwire__V1__SessionInfoRequest info;
  Sbwire__V1__MessageBoxRequest mb;
  Sbwire__V1__NotifyRequest nt;
  Sbwire__V1__ClipboardGetRequest cg;
  Sbwire__V1__ClipboardSetRequest cs;
  Sbwire__V1__ScreenshotRequest shot;
  Sbwire__V1__Region region;
  Sbwire__V1__CancelRequest cancel;
  Sbwire__V1__SessionListRequest sl;
  Sbwire__V1__PingResponse ping_r;
  Sbwire__V1__SessionInfoResponse info_r;
  Sbwire__V1__MessageBoxResponse mb_r;
  Sbwire__V1__NotifyResponse nt_r;
  Sbwire__V1__ClipboardGetResponse cg_r;
  Sbwire__V1__ClipboardSetResponse cs_r;
  Sbwire__V1__ScreenshotResponse shot_r;
  Sbwire__V1__CancelResponse cancel_r;
  Sbwire__V1__SessionListResponse sl_r;
  uint8_t *bytes; /* the one bytes field a line may set (payload/data) */
} raw_env_t;

/* Parse the words of an envelope line (after `send`/`after-final`):
 *   request id=N [deadline=N] [session=N] KIND [field=value ...]
 *   response id=N KIND [field=value ...]
 *   error id=N status=NAME|N [detail=S]
 *   chunk id=N [transfer=N] offset=N data=HEX|data-len=N [last=0|1]
 *   event [session=N] [locked=0|1]
 * Strings take %XX escapes (a space is %20); byte fields take hex, or
 * NAME-len=N for N filler bytes. *next_id supplies id=auto (the next odd
 * id). Returns 0, or SB_EINVAL after printing why. */
int raw_env_parse(raw_env_t *e, char **words, int n, uint64_t *next_id);
void raw_env_free(raw_env_t *e);

/* Print a received envelope, decoded, on one line starting with "  <- ". */
void raw_env_print(const sb_envelope_t *e);
/* The short name of a response body ("ping", "info", ...) or "?". */
const char *raw_response_name(int body_case);

/* Hex: decode up to cap bytes; returns the count (stops at a non-hex). */
size_t raw_unhex(const char *h, uint8_t *out, size_t cap);

#endif
