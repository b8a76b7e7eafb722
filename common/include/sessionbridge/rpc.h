/* SPDX-License-Identifier: MIT */
/* Request/response over a secure channel.
 *
 * An sb_rpc_t owns a channel and, unless opts.caller_reads, a reader
 * thread. Either side may call
 * (send a Request and wait for its Response or Error, with a deadline)
 * and serve (answer the peer's requests, possibly later and from another
 * thread). Payloads larger than one frame travel as a declared, chunked
 * transfer whose transfer_id equals the request id (protocol.md,
 * "Transfers"). Limits: at most SB_RPC_MAX_OUTSTANDING requests in flight
 * each way; an incoming request past that is answered BUSY. */
#ifndef SESSIONBRIDGE_RPC_H
#define SESSIONBRIDGE_RPC_H

#include <stddef.h>
#include <stdint.h>

#include "channel.h"
#include "msg.h"
#include "transport.h"

#ifdef __cplusplus
extern "C" {
#endif

#define SB_RPC_MAX_OUTSTANDING 16
/* Incoming uploads assembled at once (each up to its task's cap). */
#define SB_RPC_MAX_UPLOADS 2
/* A hop that passes a request on (the service to an agent) gives the next
 * hop what is left of the request's deadline minus a margin: remaining/8,
 * at least SB_RPC_HOP_MARGIN_MIN and at most SB_RPC_HOP_MARGIN_MAX ms.
 * The margin is the time the answer needs to travel back, so the next
 * hop's TIMEOUT, or this hop's own, reaches the caller before the caller's
 * deadline (protocol.md, "Deadlines"). */
#define SB_RPC_HOP_MARGIN_MIN 20
#define SB_RPC_HOP_MARGIN_MAX 500
/* A streamed download (sb_rpc_call_stream) holds at most this many chunks
 * (of up to 512 KiB) that its caller has not taken. With that many
 * waiting, the reader waits for the caller to take one, at most
 * SB_RPC_STREAM_STALL_MS, and then gives the download up (SB_EBUSY): the
 * router relays to a client that reads slowly without holding more than
 * this, or holding up the agent's other answers for longer
 * (protocol.md, "Transfers"). */
#define SB_RPC_STREAM_CHUNKS 4
#define SB_RPC_STREAM_STALL_MS 1000

typedef struct sb_rpc sb_rpc_t;

/* An incoming request, handed to the handler, who owns it and must answer
 * it exactly once with sb_rpc_respond* (which frees it). data/len hold the
 * assembled upload when the request declared one. */
typedef struct {
  uint64_t id;
  sb_msg_t *msg;
  const Sbwire__V1__Request *req;
  uint8_t *data;
  size_t len;
  /* sb_now_ms() when the request's first byte was read (for an upload,
   * its declaration): its deadline counts from here. */
  uint64_t start_ms;
} sb_rpc_incoming_t;

typedef void (*sb_rpc_request_fn)(void *arg, sb_rpc_t *rpc,
                                  sb_rpc_incoming_t *in);
typedef void (*sb_rpc_closed_fn)(void *arg, sb_rpc_t *rpc, int err);
/* An unsolicited Event from the peer (valid during the call only). */
typedef void (*sb_rpc_event_fn)(void *arg, sb_rpc_t *rpc,
                                const Sbwire__V1__Event *ev);

typedef struct {
  /* Called on the reader thread; must not block for long (start a thread
   * for slow tasks and answer from there). NULL: every request is answered
   * with an error. */
  sb_rpc_request_fn on_request;
  /* Called once on the reader thread when the channel ends (SB_EOF for a
   * clean close, or the error). */
  sb_rpc_closed_fn on_closed;
  void *arg;
  /* Interrupted by sb_rpc_stop to wake the reader. Optional. */
  sb_stream_t *stream;
  /* Largest upload accepted / download expected (0: SB_SCREENSHOT_MAX). */
  size_t max_transfer;
  /* No reader thread: a caller waiting for an answer reads the channel
   * itself (one at a time; it routes whatever arrives and hands over to
   * the next waiter). Saves a thread hand-off per round trip, the
   * dominant cost of a small request (docs/performance.md). For clients
   * that serve nothing: peer requests are answered with an error only
   * when a call reads them, and on_closed runs on the calling thread that
   * saw the end. */
  int caller_reads;
} sb_rpc_opts_t;

/* The result of a call: the Response or Error envelope, plus the
 * assembled transfer when the response declared one. */
typedef struct {
  sb_msg_t *msg;
  const Sbwire__V1__Envelope *env;
  uint8_t *data;
  size_t len;
} sb_rpc_result_t;

/* Takes ownership of ch (an open, handshaken channel). */
int sb_rpc_start(sb_rpc_t **out, sb_channel_t *ch, const sb_rpc_opts_t *opts);
/* Send req (deadline_ms is written into it) with an optional upload, wait
 * up to deadline_ms (from before the request is sent). Returns 0 with res filled (the peer may have
 * answered with an Error: check res->env->body_case, or use
 * sb_rpc_result_err), SB_EBUSY when SB_RPC_MAX_OUTSTANDING calls are in
 * flight, SB_ETIMEDOUT (a Cancel is sent to the peer), or the channel's
 * error. */
int sb_rpc_call(sb_rpc_t *rpc, Sbwire__V1__Request *req, uint32_t deadline_ms,
                const uint8_t *upload, size_t upload_len, sb_rpc_result_t *res);
/* What is left of in's deadline at `now` for the next hop: the remaining
 * time minus the hop margin; 0 when nothing is left. */
uint32_t sb_rpc_hop_budget(const sb_rpc_incoming_t *in, uint64_t now);
/* A call another thread can cancel (the router cancels the call it made
 * to an agent when its own caller cancels). Zero it before the call; the
 * call sets id under the rpc's lock. */
typedef struct {
  uint64_t id;
  int cancelled;
} sb_rpc_ticket_t;
/* sb_rpc_call, cancellable through ticket (NULL: not cancellable). */
int sb_rpc_call_ticket(sb_rpc_t *rpc, Sbwire__V1__Request *req,
                       uint32_t deadline_ms, const uint8_t *upload,
                       size_t upload_len, sb_rpc_ticket_t *ticket,
                       sb_rpc_result_t *res);
/* sb_rpc_call_ticket (ticket required; not with opts.caller_reads) that
 * returns as soon as the peer's Response declares a download of more than
 * 0 bytes: *streaming = 1, res holds that Response (res->data stays
 * NULL), and the call keeps its slot: take the chunks with
 * sb_rpc_stream_next as they arrive, then sb_rpc_stream_end. Otherwise
 * (*streaming = 0) it is exactly sb_rpc_call_ticket. */
int sb_rpc_call_stream(sb_rpc_t *rpc, Sbwire__V1__Request *req,
                       uint32_t deadline_ms, const uint8_t *upload,
                       size_t upload_len, sb_rpc_ticket_t *ticket,
                       sb_rpc_result_t *res, int *streaming);
/* One chunk of a streamed download, or the Error that ended it. */
typedef struct {
  sb_msg_t *msg; /* owns what follows: sb_rpc_chunk_free */
  uint64_t offset;
  const uint8_t *data;
  size_t len;
  int last;
  int peer_error;     /* the peer ended the download with an Error... */
  const char *detail; /* ...whose detail this is */
} sb_rpc_chunk_t;
/* Wait until end_ms (sb_now_ms clock) for the next chunk. 0: *out holds
 * it (after the one with last, do not call again). Else the download is
 * over: SB_ECANCELED (the ticket was cancelled), SB_ETIMEDOUT (end_ms
 * passed), SB_EBUSY (the chunks were not taken in time, see
 * SB_RPC_STREAM_STALL_MS), the connection's error (it ended or the peer
 * broke the transfer rules), or the peer's Error as its SB_E* code with
 * out->peer_error set (free *out then too). */
int sb_rpc_stream_next(sb_rpc_t *rpc, sb_rpc_ticket_t *t, uint64_t end_ms,
                       sb_rpc_chunk_t *out);
void sb_rpc_chunk_free(sb_rpc_chunk_t *c);
/* End a streamed download, complete or not, and free its slot; one the
 * peer is still sending is cancelled there (its rest is dropped). */
void sb_rpc_stream_end(sb_rpc_t *rpc, sb_rpc_ticket_t *t);
/* Cancel the call of ticket, from any thread: a call not yet sent is
 * never sent; a call in flight returns SB_ECANCELED at once and a Cancel
 * for it goes to the peer. A call already answered keeps its answer. */
void sb_rpc_cancel_call(sb_rpc_t *rpc, sb_rpc_ticket_t *t);
/* From any thread: every call waiting in sb_rpc_call returns SB_ECANCELED
 * at once and a Cancel is sent to the peer for each. Returns how many
 * calls were cancelled. */
int sb_rpc_cancel_calls(sb_rpc_t *rpc);
/* fn is called on the reader thread for each Event the peer pushes (a
 * subscribed control client's session events) and must not block; NULL
 * (the default) drops events. */
void sb_rpc_on_event(sb_rpc_t *rpc, sb_rpc_event_fn fn, void *arg);
/* 0 for a Response, else the SB_E* code of the Error's status (and *detail
 * its text). */
int sb_rpc_result_err(const sb_rpc_result_t *res, const char **detail);
void sb_rpc_result_free(sb_rpc_result_t *res);

/* Answer an incoming request (frees in). download: optional data sent as
 * a transfer after the response; the response's transfer_id/total_size
 * fields must be set by the caller via sb_rpc_set_transfer. */
int sb_rpc_respond(sb_rpc_t *rpc, sb_rpc_incoming_t *in,
                   Sbwire__V1__Response *rsp, const uint8_t *download,
                   size_t download_len);
int sb_rpc_respond_error(sb_rpc_t *rpc, sb_rpc_incoming_t *in, int err,
                         const char *detail);
/* Answer with a download sent as it is produced: the Response declaring
 * total bytes, or SB_RPC_SIZE_UNKNOWN when the size is known only at the
 * end (protocol 3: Response.size_unknown), then sb_rpc_respond_chunk for
 * each piece in order, the last one with last set (for total 0 one empty
 * chunk; of unknown size, every piece but the last carries data); the
 * one with last frees in. A download that cannot be finished is ended
 * with sb_rpc_respond_error, which the peer reports instead of the data
 * (protocol.md, "Transfers"). in stays outstanding until then. */
#define SB_RPC_SIZE_UNKNOWN UINT64_MAX
int sb_rpc_respond_begin(sb_rpc_t *rpc, sb_rpc_incoming_t *in,
                         Sbwire__V1__Response *rsp, uint64_t total);
int sb_rpc_respond_chunk(sb_rpc_t *rpc, sb_rpc_incoming_t *in,
                         uint64_t offset, const uint8_t *data, size_t len,
                         int last);
/* Send a complete envelope as-is (events, or tests building raw ones). */
int sb_rpc_send_raw(sb_rpc_t *rpc, const sb_envelope_t *env);
/* Answers and download chunks dropped because they came for a request
 * this side had already given up on (or a Cancel, whose answer nobody
 * awaits). However many: they never end the connection. */
uint64_t sb_rpc_late_answers(sb_rpc_t *rpc);
/* True once the channel has ended. */
int sb_rpc_closed(sb_rpc_t *rpc);
/* Close cleanly (TAG_FINAL), wake and join the reader, fail pending calls
 * with SB_ECANCELED, free everything. Pending incoming requests must have
 * been answered or are answered by no one (their memory is freed). */
void sb_rpc_stop(sb_rpc_t *rpc);
/* Reset an incoming request given to the handler when the handler decides
 * not to answer (the connection is closing). */
void sb_rpc_incoming_free(sb_rpc_incoming_t *in);

#ifdef __cplusplus
}
#endif
#endif
