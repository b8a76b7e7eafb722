/* SPDX-License-Identifier: MIT */
/* A real server and a client rpc over the platform's transport, for tests
 * that need the service's pieces (router, server) behind an endpoint. */
#ifndef SBT_RIG_H
#define SBT_RIG_H

#include <stddef.h>
#include <stdint.h>

#include "sessionbridge.h"

/* Start an sb_server on a fresh endpoint for this test (written to ep):
 * open to everyone (the test's own DACL / mode 0600), at most max
 * connections (0: the default), fn on each; fails the test on error. */
sb_server_t *sbt_serve(const char *tag, char *ep, size_t cap, int max,
                       sb_server_conn_fn fn);
/* The same with arg passed to fn. */
sb_server_t *sbt_serve_arg(const char *tag, char *ep, size_t cap, int max,
                           sb_server_conn_fn fn, void *arg);
/* Poll the server's counters every 10 ms for up to ms: 1 once it has
 * `active` connections (-1: any number) and has refused at least
 * `refused`, 0 if that never happened. */
int sbt_wait_server(sb_server_t *srv, int active, uint64_t refused, int ms);
/* A connection handler that holds the connection, reading and dropping
 * whatever comes, until the client leaves or sb_server_stop interrupts. */
void sbt_hold(void *arg, sb_stream_t *s);
/* Connect to ep, handshake as a client with key, and start an rpc: it
 * serves requests with fn, or (fn NULL) only calls, the caller reading
 * its own answers. *s gets the stream (close it after sb_rpc_stop). */
sb_rpc_t *sbt_connect_rpc(const char *ep, const uint8_t *key,
                          sb_rpc_request_fn fn, sb_stream_t **s);
/* Answer a ping request with its own payload (sb_rpc_respond's result). */
int sbt_answer_ping(sb_rpc_t *rpc, sb_rpc_incoming_t *in);
/* An rpc request handler for a peer that is only sent pings: answers
 * each (sbt_answer_ping). */
void sbt_pong(void *arg, sb_rpc_t *rpc, sb_rpc_incoming_t *in);
/* A clipboard_set request in req, with cs its body (both the caller's,
 * initialised here): text inline (NULL: none) and the upload
 * declaration, transfer tid of total bytes (0, 0: none), as given, so a
 * test can also send an inconsistent one. The envelope, the deadline
 * and the session are the caller's. */
void sbt_clip_set(Sbwire__V1__Request *req, Sbwire__V1__ClipboardSetRequest *cs,
                  uint64_t tid, uint64_t total, const char *text);

/* Answer a Cancel request with its (empty) CancelResponse. */
int sbt_answer_cancel(sb_rpc_t *rpc, sb_rpc_incoming_t *in);
/* A screenshot request in req, with s its body (both the caller's,
 * initialised here): the whole virtual screen, default compression. */
void sbt_shot_all(Sbwire__V1__Request *req, Sbwire__V1__ScreenshotRequest *s);

/* Fill env and c as the chunk of transfer id (request id = transfer id)
 * at off: len bytes of data, last as given. Nothing is copied. */
void sbt_chunk_env(Sbwire__V1__Envelope *env, Sbwire__V1__TransferChunk *c,
                   uint64_t id, uint64_t off, const uint8_t *data, size_t len,
                   int last);

#endif
