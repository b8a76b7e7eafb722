/* SPDX-License-Identifier: MIT */
/* Request/response multiplexing over one secure channel (see rpc.h).
 *
 * One reader thread per connection decodes envelopes and routes them:
 * requests to the handler, responses and errors to the waiting caller,
 * chunks to the transfer they belong to. Request ids are namespaced by
 * parity (client side odd, server side even) so a chunk's id alone says
 * whether it belongs to our call or to the peer's upload. */
#include "rpc.h"

#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "error.h"
#include "log.h"
#include "thread.h"

/* Chunks as big as the protocol allows (512 KiB of data, a frame of about
 * 513 KiB): every frame costs a pipe write and read, which under Wine are
 * wineserver round trips (docs/performance.md). */
#define CHUNK_SIZE SB_MSG_CHUNK_MAX
/* Uploads dropped before they were complete (Cancel, deadline) whose
 * remaining chunks are discarded instead of closing the connection. */
#define DROPPED_UPLOADS 16

typedef struct {
  int used;
  int done;
  int err;
  uint64_t id;
  sb_msg_t *msg;
  int answered; /* the Response or Error came (msg may be handed on) */
  int downloading;
  /* The declared size, or for a download of unknown size (unknown set)
   * the most it may bring: the connection's cap, and the clipboard's for
   * a clipboard_get. */
  uint64_t total;
  int unknown;
  uint8_t *data;
  size_t len;
  size_t cap;
  /* sb_rpc_call_stream: the download's chunks wait here for the caller
   * (at most SB_RPC_STREAM_CHUNKS) instead of being assembled. */
  int streaming;
  sb_msg_t *q[SB_RPC_STREAM_CHUNKS];
  int qhead, qn;
  uint64_t received;  /* bytes of the download that arrived */
  int rx_complete;    /* its last chunk arrived */
  sb_msg_t *end_msg;  /* the peer ended it early with this Error */
  int peer_ended;     /* ... and it was (end_msg may be handed on) */
} pending_t;

typedef struct {
  int used;
  sb_rpc_incoming_t *in;
  uint64_t total;
  size_t cap;
  uint64_t end_ms; /* its deadline, from the declaration */
} upload_t;

struct sb_rpc {
  sb_channel_t *ch;
  sb_rpc_opts_t opts;
  sb_thread_t *reader;
  sb_mutex_t *lock;
  sb_cond_t *cond;
  uint64_t next_id;
  uint64_t peer_parity;
  pending_t pending[SB_RPC_MAX_OUTSTANDING];
  /* Answers (and their chunks) to requests this side made but no longer
   * waits for: dropped and counted (sb_rpc_late_answers). */
  uint64_t late;
  /* One more than the cap: the spare is a Cancel's, so a requester at
   * the cap can still cancel (a Cancel is answered at once). */
  uint64_t active_in[SB_RPC_MAX_OUTSTANDING + 1];
  int n_in;
  upload_t uploads[SB_RPC_MAX_UPLOADS];
  /* A peer that was told its upload was dropped may still have chunks of
   * it on the way: those are discarded. Only the last DROPPED_UPLOADS are
   * remembered; a sender stops once it has sent a Cancel or read the
   * answer (protocol.md, "Transfers"), so older ones never send more. */
  uint64_t dropped[DROPPED_UPLOADS];
  size_t dropped_next;
  int stopping;
  int closed;
  int close_err;
  int reading; /* caller_reads: a caller is in sb_channel_recv */
  sb_rpc_event_fn on_event; /* sb_rpc_on_event */
  void *on_event_arg;
};

/* ---- transfers: declared in the envelope's Request/Response ---- */

static int request_transfer(const Sbwire__V1__Request *req, uint64_t *id,
                            uint64_t *total) {
  *id = req->transfer_id;
  *total = req->total_size;
  return req->transfer_id != 0;
}

static int has_inline_data(const Sbwire__V1__Request *req) {
  return req->body_case == SBWIRE__V1__REQUEST__BODY_CLIPBOARD_SET &&
         req->clipboard_set->data.len != 0;
}

static int response_transfer(const Sbwire__V1__Response *rsp, uint64_t *id,
                             uint64_t *total) {
  *id = rsp->transfer_id;
  *total = rsp->total_size;
  return rsp->transfer_id != 0;
}

/* Whether chunk c may follow the `received` bytes of a transfer: at the
 * next offset and within its total; a transfer of known size ends at
 * exactly its total, one of unknown size (total is then its cap) at the
 * chunk marked last, and every chunk before that carries data, so a
 * transfer always moves on (protocol.md, "Transfers"). Every download
 * and upload, of total_size 0 too, ends at its chunk marked last. */
static int chunk_fits(const Sbwire__V1__TransferChunk *c, uint64_t received,
                      uint64_t total, int unknown) {
  if (c->offset != received || c->data.len > total - received)
    return 0;
  if (unknown)
    return c->last || c->data.len > 0;
  return c->last == (received + c->data.len == total);
}

/* ---- sending ---- */

static int send_chunks(sb_rpc_t *rpc, uint64_t id, const uint8_t *data,
                       size_t len) {
  Sbwire__V1__Envelope env = SBWIRE__V1__ENVELOPE__INIT;
  Sbwire__V1__TransferChunk chunk = SBWIRE__V1__TRANSFER_CHUNK__INIT;
  size_t off = 0;
  env.request_id = id;
  env.body_case = SBWIRE__V1__ENVELOPE__BODY_CHUNK;
  env.chunk = &chunk;
  chunk.transfer_id = id;
  do {
    size_t n = len - off < CHUNK_SIZE ? len - off : CHUNK_SIZE;
    int err;
    chunk.offset = off;
    chunk.data.data = (uint8_t *)data + off;
    chunk.data.len = n;
    chunk.last = off + n == len;
    err = sb_channel_send_envelope(rpc->ch, &env);
    if (err)
      return err;
    off += n;
  } while (off < len);
  return 0;
}

static int send_error(sb_rpc_t *rpc, uint64_t id, int err,
                      const char *detail) {
  Sbwire__V1__Envelope env = SBWIRE__V1__ENVELOPE__INIT;
  Sbwire__V1__Error e = SBWIRE__V1__ERROR__INIT;
  env.request_id = id;
  env.body_case = SBWIRE__V1__ENVELOPE__BODY_ERROR;
  env.error = &e;
  e.status = (Sbwire__V1__Status)sb_err_to_status(err);
  e.detail = (char *)(detail ? detail : sb_strerror(err));
  return sb_channel_send_envelope(rpc->ch, &env);
}

static int send_cancel_response(sb_rpc_t *rpc, uint64_t id) {
  Sbwire__V1__Envelope env = SBWIRE__V1__ENVELOPE__INIT;
  Sbwire__V1__Response rsp = SBWIRE__V1__RESPONSE__INIT;
  Sbwire__V1__CancelResponse c = SBWIRE__V1__CANCEL_RESPONSE__INIT;
  env.request_id = id;
  env.body_case = SBWIRE__V1__ENVELOPE__BODY_RESPONSE;
  env.response = &rsp;
  rsp.body_case = SBWIRE__V1__RESPONSE__BODY_CANCEL;
  rsp.cancel = &c;
  return sb_channel_send_envelope(rpc->ch, &env);
}

/* ---- bookkeeping (callers hold rpc->lock) ---- */

static pending_t *find_pending(sb_rpc_t *rpc, uint64_t id) {
  for (int i = 0; i < SB_RPC_MAX_OUTSTANDING; i++)
    if (rpc->pending[i].used && rpc->pending[i].id == id)
      return &rpc->pending[i];
  return NULL;
}

/* An id of ours that we issued and no longer wait for: the call gave up
 * (deadline, cancel) or it was a Cancel whose answer nobody awaits. Our
 * ids are handed out in increasing order and never reused, so "issued"
 * is "below next_id with our parity": the record is two numbers however
 * many calls were abandoned, and nothing can overflow (protocol.md,
 * "Late answers"). An id at or past next_id was never requested. */
static int issued(sb_rpc_t *rpc, uint64_t id) {
  return id != 0 && (id & 1) != rpc->peer_parity && id < rpc->next_id;
}

/* Drop the chunks a streamed download still holds. */
static void pending_drop_queue(pending_t *p) {
  while (p->qn > 0) {
    sb_msg_free(p->q[p->qhead]);
    p->q[p->qhead] = NULL;
    p->qhead = (p->qhead + 1) % SB_RPC_STREAM_CHUNKS;
    p->qn--;
  }
}

static void pending_release(pending_t *p) {
  pending_drop_queue(p);
  sb_msg_free(p->end_msg);
  sb_msg_free(p->msg);
  sb_free(p->data);
  memset(p, 0, sizeof *p);
}

static void complete(sb_rpc_t *rpc, pending_t *p, int err) {
  p->done = 1;
  p->err = err;
  sb_cond_broadcast(rpc->cond);
}

static int in_active(sb_rpc_t *rpc, uint64_t id) {
  for (int i = 0; i < rpc->n_in; i++)
    if (rpc->active_in[i] == id)
      return 1;
  return 0;
}

static void in_remove(sb_rpc_t *rpc, uint64_t id) {
  for (int i = 0; i < rpc->n_in; i++)
    if (rpc->active_in[i] == id) {
      rpc->active_in[i] = rpc->active_in[--rpc->n_in];
      return;
    }
}

static upload_t *find_upload(sb_rpc_t *rpc, uint64_t id) {
  for (int i = 0; i < SB_RPC_MAX_UPLOADS; i++)
    if (rpc->uploads[i].used && rpc->uploads[i].in->id == id)
      return &rpc->uploads[i];
  return NULL;
}

static void remember_dropped(sb_rpc_t *rpc, uint64_t id) {
  rpc->dropped[rpc->dropped_next] = id;
  rpc->dropped_next = (rpc->dropped_next + 1) % DROPPED_UPLOADS;
}

static int was_dropped(sb_rpc_t *rpc, uint64_t id) {
  for (int i = 0; i < DROPPED_UPLOADS; i++)
    if (rpc->dropped[i] == id)
      return 1;
  return 0;
}

/* Take an unfinished upload out of its slot: the slot and the request's
 * place among the outstanding ones are free again, and its later chunks
 * are discarded. The caller answers and frees the request. */
static sb_rpc_incoming_t *take_upload(sb_rpc_t *rpc, upload_t *u) {
  sb_rpc_incoming_t *in = u->in;
  memset(u, 0, sizeof *u);
  in_remove(rpc, in->id);
  remember_dropped(rpc, in->id);
  return in;
}

/* Append a chunk to a growing buffer. The buffer grows with the data that
 * actually arrived, never to the declared total up front, so a peer that
 * declares 64 MiB and sends nothing costs nothing. */
static int append_chunk(uint8_t **buf, size_t *len, size_t *cap,
                        uint64_t total, int unknown,
                        const Sbwire__V1__TransferChunk *c) {
  if (!chunk_fits(c, *len, total, unknown))
    return SB_EPROTO;
  if (*len + c->data.len > *cap) {
    size_t ncap = *cap ? *cap : 64 * 1024;
    while (ncap < *len + c->data.len)
      ncap *= 2;
    if (ncap > total)
      ncap = (size_t)total;
    uint8_t *n = sb_realloc(*buf, ncap ? ncap : 1);
    if (!n)
      return SB_ENOMEM;
    *buf = n;
    *cap = ncap;
  }
  if (c->data.len)
    memcpy(*buf + *len, c->data.data, c->data.len);
  *len += c->data.len;
  return 0;
}

/* ---- reader ---- */

static void deliver(sb_rpc_t *rpc, sb_rpc_incoming_t *in) {
  if (rpc->opts.on_request)
    rpc->opts.on_request(rpc->opts.arg, rpc, in);
  else
    sb_rpc_respond_error(rpc, in, SB_EINVAL, "this endpoint serves no requests");
}

/* Returns 0, or a protocol error that closes the connection. The message
 * is consumed in every case. */
static int on_request(sb_rpc_t *rpc, sb_msg_t *m) {
  const sb_envelope_t *env = sb_msg_envelope(m);
  uint64_t id = env->request_id, tid, total;
  sb_rpc_incoming_t *in;
  int err = 0;

  sb_mutex_lock(rpc->lock);
  if (id == 0 || (id & 1) != rpc->peer_parity || in_active(rpc, id)) {
    sb_mutex_unlock(rpc->lock);
    sb_msg_free(m);
    return SB_EPROTO;
  }
  if (env->request->body_case == SBWIRE__V1__REQUEST__BODY_CANCEL) {
    upload_t *u = find_upload(rpc, env->request->cancel->target_request_id);
    if (u) {
      /* The handler has not seen this request (it gets an upload only
       * when complete), so the cancel is served here: the upload is
       * dropped whole and never runs. */
      sb_rpc_incoming_t *gone = take_upload(rpc, u);
      sb_mutex_unlock(rpc->lock);
      sb_msg_free(m);
      err = send_error(rpc, gone->id, SB_ECANCELED,
                       "cancelled before the upload was complete");
      sb_rpc_incoming_free(gone);
      return err ? err : send_cancel_response(rpc, id);
    }
  }
  if (rpc->n_in >= SB_RPC_MAX_OUTSTANDING &&
      (env->request->body_case != SBWIRE__V1__REQUEST__BODY_CANCEL ||
       rpc->n_in > SB_RPC_MAX_OUTSTANDING)) {
    sb_mutex_unlock(rpc->lock);
    sb_msg_free(m);
    sb_log(SB_LOG_WARN, "rpc: request %llu refused: %d requests outstanding",
           (unsigned long long)id, SB_RPC_MAX_OUTSTANDING);
    return send_error(rpc, id, SB_EBUSY, "too many outstanding requests");
  }
  in = sb_calloc(1, sizeof *in);
  if (!in) {
    sb_mutex_unlock(rpc->lock);
    sb_msg_free(m);
    return send_error(rpc, id, SB_ENOMEM, NULL);
  }
  in->id = id;
  in->msg = m;
  in->req = env->request;
  in->start_ms = sb_now_ms();
  if (!request_transfer(env->request, &tid, &total) && total != 0) {
    /* A size without a transfer declares nothing: refused, not guessed. */
    sb_mutex_unlock(rpc->lock);
    sb_rpc_incoming_free(in);
    return send_error(rpc, id, SB_EFIELD,
                      "Request.total_size is set but transfer_id is 0");
  }
  if (tid != 0) {
    upload_t *slot = NULL;
    const char *why = NULL;
    char detail[96];
    /* An inconsistent declaration is answered, and the chunks its sender
     * may already have sent after it (under this request id) are
     * discarded, like those of a cancelled upload: the connection goes
     * on. */
    if (tid != id) {
      err = SB_EFIELD;
      why = "transfer_id must equal the request id";
    } else if (has_inline_data(env->request)) {
      err = SB_EFIELD;
      why = "a declared transfer carries no inline data";
    } else if (total > rpc->opts.max_transfer) {
      err = SB_ETOOBIG;
      snprintf(detail, sizeof detail,
               "total_size %llu is over this transfer's cap of %llu bytes",
               (unsigned long long)total,
               (unsigned long long)rpc->opts.max_transfer);
      why = detail;
    } else {
      for (int i = 0; i < SB_RPC_MAX_UPLOADS; i++)
        if (!rpc->uploads[i].used)
          slot = &rpc->uploads[i];
      if (!slot) {
        err = SB_EBUSY;
        snprintf(detail, sizeof detail,
                 "%d uploads are already being received on this connection",
                 SB_RPC_MAX_UPLOADS);
        why = detail;
      }
    }
    if (err) {
      remember_dropped(rpc, id);
      sb_mutex_unlock(rpc->lock);
      sb_rpc_incoming_free(in);
      return send_error(rpc, id, err, why);
    }
    slot->used = 1;
    slot->in = in;
    slot->total = total;
    slot->cap = 0;
    /* Due with the margin a hop keeps for its answer to travel back, so
     * the TIMEOUT reaches the sender before its own deadline. */
    slot->end_ms = in->start_ms + sb_rpc_hop_budget(in, in->start_ms);
    rpc->active_in[rpc->n_in++] = id;
    sb_mutex_unlock(rpc->lock);
    return 0; /* delivered when the last chunk arrives */
  }
  rpc->active_in[rpc->n_in++] = id;
  sb_mutex_unlock(rpc->lock);
  deliver(rpc, in);
  return 0;
}

/* The most a download of unknown size may bring: what this connection
 * takes, and no more than the clipboard's cap for a clipboard_get (the
 * same caps a declared total_size is held to, msg_validate.c). */
static uint64_t download_cap(const sb_rpc_t *rpc,
                             const Sbwire__V1__Response *rsp) {
  uint64_t cap = rpc->opts.max_transfer;
  if (rsp->body_case == SBWIRE__V1__RESPONSE__BODY_CLIPBOARD_GET &&
      cap > SB_CLIPBOARD_MAX)
    cap = SB_CLIPBOARD_MAX;
  return cap;
}

static int on_answer(sb_rpc_t *rpc, sb_msg_t *m) {
  const sb_envelope_t *env = sb_msg_envelope(m);
  uint64_t id = env->request_id, tid, total;
  pending_t *p;
  sb_mutex_lock(rpc->lock);
  p = find_pending(rpc, id);
  if (p && p->done && p->err) {
    /* Cancelled or given up here, its slot not yet released: whatever
     * the peer still sends for it is a late answer. */
    rpc->late++;
    sb_mutex_unlock(rpc->lock);
    sb_msg_free(m);
    return 0;
  }
  if (p && p->answered && p->downloading && !p->done &&
      env->body_case == SBWIRE__V1__ENVELOPE__BODY_ERROR) {
    /* The sender could not finish the download it declared (its source
     * failed, its deadline passed, it was cancelled): the Error ends the
     * transfer, and what arrived of it is thrown away, so the caller
     * gets the status and never a part of the data (protocol.md,
     * "Transfers"). */
    if (p->streaming) {
      pending_drop_queue(p);
      p->end_msg = m;
      p->peer_ended = 1;
    } else {
      sb_msg_free(p->msg);
      if (p->data)
        sb_memzero(p->data, p->cap);
      sb_free(p->data);
      p->data = NULL;
      p->len = p->cap = 0;
      p->msg = m;
      p->downloading = 0;
    }
    complete(rpc, p, 0);
    sb_mutex_unlock(rpc->lock);
    return 0;
  }
  if (!p || p->answered) {
    int late = !p && issued(rpc, id);
    rpc->late += late;
    sb_mutex_unlock(rpc->lock);
    sb_msg_free(m);
    /* A late answer to a call we gave up on is expected; an answer to a
     * request never made is a protocol violation. */
    return late ? 0 : SB_EPROTO;
  }
  p->msg = m;
  p->answered = 1;
  if (env->body_case == SBWIRE__V1__ENVELOPE__BODY_RESPONSE &&
      response_transfer(env->response, &tid, &total)) {
    if (tid != id || total > rpc->opts.max_transfer) {
      sb_mutex_unlock(rpc->lock);
      return SB_EPROTO;
    }
    p->downloading = 1;
    p->unknown = env->response->size_unknown;
    p->total = p->unknown ? download_cap(rpc, env->response) : total;
    /* Even a download of total_size 0 ends at its (empty) last chunk. */
    if (p->streaming)
      sb_cond_broadcast(rpc->cond); /* the caller relays from here on */
  } else {
    complete(rpc, p, 0);
  }
  sb_mutex_unlock(rpc->lock);
  return 0;
}

/* A chunk of a streamed download: checked like one that is assembled,
 * then queued for the caller. With the queue full the reader waits for
 * the caller to take one (this holds up the rest of the connection: the
 * sender is slowed to the pace of the reader at the far end), at most
 * SB_RPC_STREAM_STALL_MS; after that the download is given up
 * (SB_EBUSY for the caller), so neither memory nor the wait is
 * unbounded. Called and returns with the lock held; consumes m. */
static int queue_chunk(sb_rpc_t *rpc, pending_t *p, sb_msg_t *m) {
  const Sbwire__V1__TransferChunk *c = sb_msg_envelope(m)->chunk;
  uint64_t id = p->id, until;
  if (!chunk_fits(c, p->received, p->total, p->unknown)) {
    sb_msg_free(m);
    return SB_EPROTO;
  }
  p->received += c->data.len;
  p->rx_complete = c->last;
  until = sb_now_ms() + SB_RPC_STREAM_STALL_MS;
  while (p->qn == SB_RPC_STREAM_CHUNKS && !p->done && !rpc->stopping) {
    uint64_t now = sb_now_ms();
    if (now >= until) {
      sb_log(SB_LOG_WARN,
             "rpc: download %llu: its reader took no chunk for %d ms with "
             "%d waiting: given up",
             (unsigned long long)id, SB_RPC_STREAM_STALL_MS,
             SB_RPC_STREAM_CHUNKS);
      pending_drop_queue(p);
      complete(rpc, p, SB_EBUSY);
      break;
    }
    sb_cond_wait(rpc->cond, rpc->lock, (int)(until - now));
    /* The caller may have ended the download meanwhile. */
    p = find_pending(rpc, id);
    if (!p) {
      rpc->late++;
      sb_msg_free(m);
      return 0;
    }
  }
  if (p->done || rpc->stopping) {
    sb_msg_free(m);
    return 0;
  }
  p->q[(p->qhead + p->qn) % SB_RPC_STREAM_CHUNKS] = m;
  p->qn++;
  if (c->last)
    p->done = 1; /* nothing more will come; the caller takes the rest */
  sb_cond_broadcast(rpc->cond);
  return 0;
}

/* Consumes m (a streamed download keeps it until its caller takes it). */
static int on_chunk(sb_rpc_t *rpc, sb_msg_t *m) {
  const sb_envelope_t *env = sb_msg_envelope(m);
  const Sbwire__V1__TransferChunk *c = env->chunk;
  uint64_t id = env->request_id;
  sb_rpc_incoming_t *in = NULL;
  upload_t *u;
  int err = 0;
  sb_mutex_lock(rpc->lock);
  if ((id & 1) == rpc->peer_parity && !find_upload(rpc, id) &&
      was_dropped(rpc, id)) {
    /* The rest of an upload we dropped (Cancel, deadline, a refused
     * declaration) is discarded. */
    goto out;
  }
  if (c->transfer_id != id) {
    err = SB_EPROTO;
    goto out;
  }
  if ((id & 1) != rpc->peer_parity) {
    pending_t *p = find_pending(rpc, id);
    if (p && p->done && p->err) {
      rpc->late++; /* given up here: the rest is dropped */
    } else if (p && p->streaming && p->downloading && !p->done) {
      err = queue_chunk(rpc, p, m);
      m = NULL;
    } else if (!p || !p->downloading || p->done) {
      err = !p && issued(rpc, id) ? 0 : SB_EPROTO;
      rpc->late += !err;
    } else {
      err = append_chunk(&p->data, &p->len, &p->cap, p->total, p->unknown,
                         c);
      if (!err && c->last)
        complete(rpc, p, 0);
    }
    goto out;
  }
  u = find_upload(rpc, id);
  if (!u) {
    /* A chunk of no upload at all is a violation. */
    err = SB_EPROTO;
    goto out;
  }
  err = append_chunk(&u->in->data, &u->in->len, &u->cap, u->total, 0, c);
  if (!err && c->last) {
    in = u->in;
    memset(u, 0, sizeof *u);
  }
out:
  sb_mutex_unlock(rpc->lock);
  sb_msg_free(m);
  if (in)
    deliver(rpc, in);
  return err;
}

/* A request that decodes but fails validation (a field over its limit, an
 * empty notification, an unknown enum value...) is answered with a clear
 * error naming the problem, and the connection goes on serving: the peer
 * is authenticated, and one bad request should not cost it the others.
 * Anything else that fails validation closes the connection (the caller
 * then sees the validation error). Returns 1 when answered. */
static int invalid_request_answered(sb_rpc_t *rpc, sb_msg_t *m) {
  const sb_envelope_t *env = sb_msg_envelope(m);
  const char *why = NULL;
  int err = sb_msg_validate(env, &why);
  if (!err)
    return 0;
  if (env->body_case == SBWIRE__V1__ENVELOPE__BODY_REQUEST &&
      env->request_id != 0 && (env->request_id & 1) == rpc->peer_parity &&
      err != SB_EUNKNOWNFIELD) {
    uint64_t id = env->request_id;
    sb_log(SB_LOG_WARN, "rpc: request %llu refused: %s (%s)",
           (unsigned long long)id, sb_err_name(err), why ? why : "");
    /* A refused upload declaration may be followed by its chunks: they
     * are discarded, not taken for a violation. */
    sb_mutex_lock(rpc->lock);
    remember_dropped(rpc, id);
    sb_mutex_unlock(rpc->lock);
    sb_msg_free(m);
    return send_error(rpc, id, err, why) == 0 ? 1 : -1;
  }
  sb_log(SB_LOG_WARN, "rpc: dropping connection: %s (%s)", sb_err_name(err),
         why ? why : "");
  sb_msg_free(m);
  return -1;
}

/* Route one decrypted message. Returns 0, or the error that ends the
 * connection. */
static int process_message(sb_rpc_t *rpc, const uint8_t *buf, size_t len) {
  sb_msg_t *m = NULL;
  int err = sb_msg_unpack(buf, len, SB_MSG_DECODE_BUDGET, &m);
  if (err) {
    sb_log(SB_LOG_WARN, "rpc: dropping connection: undecodable message (%s)",
           sb_err_name(err));
    return err;
  }
  const sb_envelope_t *env = sb_msg_envelope(m);
  int answered = invalid_request_answered(rpc, m);
  if (answered > 0)
    return 0;
  if (answered < 0)
    return SB_EPROTO;
  switch (env->body_case) {
  case SBWIRE__V1__ENVELOPE__BODY_REQUEST:
    err = on_request(rpc, m);
    break;
  case SBWIRE__V1__ENVELOPE__BODY_RESPONSE:
  case SBWIRE__V1__ENVELOPE__BODY_ERROR:
    err = on_answer(rpc, m);
    break;
  case SBWIRE__V1__ENVELOPE__BODY_CHUNK:
    err = on_chunk(rpc, m);
    break;
  case SBWIRE__V1__ENVELOPE__BODY_EVENT: {
    sb_rpc_event_fn fn;
    void *arg;
    sb_mutex_lock(rpc->lock);
    fn = rpc->on_event;
    arg = rpc->on_event_arg;
    sb_mutex_unlock(rpc->lock);
    if (fn)
      fn(arg, rpc, env->event);
    sb_msg_free(m);
    break;
  }
  default:
    /* Hello or Confirm after the handshake. */
    sb_msg_free(m);
    err = SB_EPROTO;
    break;
  }
  if (err)
    sb_log(SB_LOG_WARN, "rpc: dropping connection: %s", sb_err_name(err));
  return err;
}

/* The channel ended: fail every waiting call, drop half-received uploads,
 * tell the owner. Runs once, on whichever thread read the end. */
static void end_connection(sb_rpc_t *rpc, int err) {
  sb_mutex_lock(rpc->lock);
  rpc->closed = 1;
  rpc->close_err = err;
  for (int i = 0; i < SB_RPC_MAX_OUTSTANDING; i++)
    if (rpc->pending[i].used && !rpc->pending[i].done)
      complete(rpc, &rpc->pending[i], err == SB_EOF || err == 0 ? SB_EPIPE : err);
  for (int i = 0; i < SB_RPC_MAX_UPLOADS; i++)
    if (rpc->uploads[i].used) {
      /* An upload cut off mid-transfer is dropped whole: nothing of it
       * reaches the handler, so nothing is half-applied. */
      sb_rpc_incoming_free(rpc->uploads[i].in);
      memset(&rpc->uploads[i], 0, sizeof rpc->uploads[i]);
    }
  sb_mutex_unlock(rpc->lock);
  if (rpc->opts.on_closed)
    rpc->opts.on_closed(rpc->opts.arg, rpc, err);
}

/* Uploads still unfinished at their deadline are dropped and answered
 * TIMEOUT, which frees their slots. Returns how long until the next one
 * is due (at most `idle` ms), or an error that ends the connection. */
static int expire_uploads(sb_rpc_t *rpc, int idle, int *wait_ms) {
  uint64_t now = sb_now_ms();
  int err = 0;
  *wait_ms = idle;
  for (int i = 0; i < SB_RPC_MAX_UPLOADS && !err; i++) {
    sb_rpc_incoming_t *gone = NULL;
    uint32_t deadline = 0;
    sb_mutex_lock(rpc->lock);
    upload_t *u = &rpc->uploads[i];
    if (u->used && u->end_ms <= now) {
      deadline = u->in->req->deadline_ms;
      gone = take_upload(rpc, u);
    } else if (u->used && u->end_ms - now < (uint64_t)*wait_ms) {
      *wait_ms = (int)(u->end_ms - now);
    }
    sb_mutex_unlock(rpc->lock);
    if (gone) {
      char detail[96];
      snprintf(detail, sizeof detail,
               "the upload was not complete within its %u ms deadline",
               deadline);
      sb_log(SB_LOG_WARN, "rpc: request %llu: %s",
             (unsigned long long)gone->id, detail);
      err = send_error(rpc, gone->id, SB_ETIMEDOUT, detail);
      sb_rpc_incoming_free(gone);
    }
  }
  return err;
}

static void reader_main(void *arg) {
  sb_rpc_t *rpc = arg;
  int err;
  for (;;) {
    const uint8_t *buf;
    size_t len;
    int wait_ms;
    if ((err = expire_uploads(rpc, 1000, &wait_ms)) != 0)
      break;
    err = sb_channel_recv(rpc->ch, &buf, &len, wait_ms);
    /* A send that timed out (a peer that never reads) failed the channel
     * with SB_ETIMEDOUT too: that one ends the connection. */
    if (err == SB_ETIMEDOUT && !sb_channel_error(rpc->ch)) {
      if (rpc->stopping)
        break;
      continue;
    }
    if (err)
      break;
    if ((err = process_message(rpc, buf, len)) != 0)
      break;
  }
  end_connection(rpc, err);
}

/* caller_reads: read one message for whoever is waiting, at most until
 * `end`. Called and returns with rpc->lock held; drops it while reading. */
static void lead_read(sb_rpc_t *rpc, uint64_t end) {
  const uint8_t *buf;
  size_t len;
  uint64_t now = sb_now_ms();
  int err;
  rpc->reading = 1;
  sb_mutex_unlock(rpc->lock);
  err = sb_channel_recv(rpc->ch, &buf, &len,
                        now >= end ? 0 : (int)(end - now));
  if (err == SB_ETIMEDOUT && !sb_channel_error(rpc->ch))
    err = 0; /* idle: the caller checks its own deadline */
  else if (!err)
    err = process_message(rpc, buf, len);
  if (!err) {
    int unused;
    err = expire_uploads(rpc, 0, &unused);
  }
  if (err)
    end_connection(rpc, err);
  sb_mutex_lock(rpc->lock);
  rpc->reading = 0;
  /* Another caller may be waiting to lead, or its answer just came. */
  sb_cond_broadcast(rpc->cond);
}

/* ---- public ---- */

int sb_rpc_start(sb_rpc_t **out, sb_channel_t *ch, const sb_rpc_opts_t *opts) {
  sb_rpc_t *rpc;
  int err;
  if (!out || !ch || !opts)
    return SB_EINVAL;
  *out = NULL;
  rpc = sb_calloc(1, sizeof *rpc);
  if (!rpc)
    return SB_ENOMEM;
  rpc->ch = ch;
  rpc->opts = *opts;
  if (!rpc->opts.max_transfer)
    rpc->opts.max_transfer = SB_SCREENSHOT_MAX;
  /* Clients number their requests 1, 3, 5...; servers 2, 4, 6... */
  rpc->next_id = sb_channel_role(ch) == SB_ROLE_CLIENT ? 1 : 2;
  rpc->peer_parity = sb_channel_role(ch) == SB_ROLE_CLIENT ? 0 : 1;
  err = sb_mutex_new(&rpc->lock);
  if (!err)
    err = sb_cond_new(&rpc->cond);
  /* Published before the reader exists: a request already buffered is
   * handled at once, and a handler that answers through the caller's
   * copy of the handle (the router does) must find it set. Thread
   * creation orders this store before everything the reader does. */
  *out = rpc;
  if (!err && !rpc->opts.caller_reads)
    err = sb_thread_create(&rpc->reader, reader_main, rpc, 0);
  if (err) {
    *out = NULL;
    if (rpc->cond)
      sb_cond_free(rpc->cond);
    if (rpc->lock)
      sb_mutex_free(rpc->lock);
    sb_free(rpc);
    return err;
  }
  return 0;
}

static void send_cancel(sb_rpc_t *rpc, uint64_t target) {
  Sbwire__V1__Envelope env = SBWIRE__V1__ENVELOPE__INIT;
  Sbwire__V1__Request req = SBWIRE__V1__REQUEST__INIT;
  Sbwire__V1__CancelRequest c = SBWIRE__V1__CANCEL_REQUEST__INIT;
  sb_mutex_lock(rpc->lock);
  /* Its answer is not awaited: it arrives as a late answer. */
  env.request_id = rpc->next_id;
  rpc->next_id += 2;
  sb_mutex_unlock(rpc->lock);
  c.target_request_id = target;
  req.deadline_ms = 1000;
  req.body_case = SBWIRE__V1__REQUEST__BODY_CANCEL;
  req.cancel = &c;
  env.body_case = SBWIRE__V1__ENVELOPE__BODY_REQUEST;
  env.request = &req;
  (void)sb_channel_send_envelope(rpc->ch, &env);
}

int sb_rpc_call(sb_rpc_t *rpc, Sbwire__V1__Request *req, uint32_t deadline_ms,
                const uint8_t *upload, size_t upload_len, sb_rpc_result_t *res) {
  return sb_rpc_call_ticket(rpc, req, deadline_ms, upload, upload_len, NULL,
                            res);
}

void sb_rpc_cancel_call(sb_rpc_t *rpc, sb_rpc_ticket_t *t) {
  if (!rpc || !t)
    return;
  sb_mutex_lock(rpc->lock);
  t->cancelled = 1;
  if (t->id) {
    pending_t *p = find_pending(rpc, t->id);
    if (p && !p->done)
      complete(rpc, p, SB_ECANCELED);
  }
  sb_mutex_unlock(rpc->lock);
}

/* stream: NULL for an ordinary call; else the call returns as soon as a
 * declared download begins (*stream = 1) and keeps its slot for
 * sb_rpc_stream_next. */
static int call(sb_rpc_t *rpc, Sbwire__V1__Request *req, uint32_t deadline_ms,
                const uint8_t *upload, size_t upload_len,
                sb_rpc_ticket_t *ticket, sb_rpc_result_t *res, int *stream) {
  Sbwire__V1__Envelope env = SBWIRE__V1__ENVELOPE__INIT;
  pending_t *p = NULL;
  uint64_t id, end;
  int err;

  if (!rpc || !req || !res || (!upload && upload_len) || deadline_ms == 0 ||
      deadline_ms > SB_MSG_DEADLINE_MAX)
    return SB_EINVAL;
  /* A streamed download is taken by the caller while the reader thread
   * fills its queue; a caller that is also the reader would wait on
   * itself. */
  if (stream && (!ticket || rpc->opts.caller_reads))
    return SB_EINVAL;
  if (stream)
    *stream = 0;
  memset(res, 0, sizeof *res);
  /* The deadline counts from before the request is sent: an upload's
   * chunks come out of it too. */
  end = sb_now_ms() + deadline_ms;
  sb_mutex_lock(rpc->lock);
  if (rpc->closed) {
    err = rpc->close_err == SB_EOF || rpc->close_err == 0 ? SB_EPIPE
                                                          : rpc->close_err;
    sb_mutex_unlock(rpc->lock);
    return err;
  }
  if (ticket && ticket->cancelled) {
    /* Cancelled before it was sent: the peer never hears of it. */
    sb_mutex_unlock(rpc->lock);
    return SB_ECANCELED;
  }
  for (int i = 0; i < SB_RPC_MAX_OUTSTANDING && !p; i++)
    if (!rpc->pending[i].used)
      p = &rpc->pending[i];
  if (!p) {
    sb_mutex_unlock(rpc->lock);
    return SB_EBUSY;
  }
  id = rpc->next_id;
  rpc->next_id += 2;
  memset(p, 0, sizeof *p);
  p->used = 1;
  p->id = id;
  p->streaming = stream != NULL;
  if (ticket)
    ticket->id = id;
  sb_mutex_unlock(rpc->lock);

  req->deadline_ms = deadline_ms;
  req->transfer_id = upload ? id : 0;
  req->total_size = upload ? upload_len : 0;
  env.request_id = id;
  env.body_case = SBWIRE__V1__ENVELOPE__BODY_REQUEST;
  env.request = req;
  err = sb_channel_send_envelope(rpc->ch, &env);
  if (!err && upload)
    err = send_chunks(rpc, id, upload, upload_len);
  if (err)
    goto out;

  sb_mutex_lock(rpc->lock);
  while (!p->done && !(p->streaming && p->downloading)) {
    uint64_t now = sb_now_ms();
    if (now >= end)
      break;
    /* Without a reader thread the first waiting caller reads (its own
     * answer or anyone's); the others wait for it to hand over. Once the
     * channel has ended every pending call is already done. */
    if (rpc->opts.caller_reads && !rpc->reading && !rpc->closed)
      lead_read(rpc, end);
    else
      sb_cond_wait(rpc->cond, rpc->lock, (int)(end - now));
  }
  /* (All of it may have come already: its chunks are in the queue. A
   * download given up for a slow reader is the caller's to report.) */
  if (stream && p->downloading &&
      (!p->done || !p->err || p->err == SB_EBUSY)) {
    /* A download begins: the caller takes its chunks as they come
     * (sb_rpc_stream_next) and ends it with sb_rpc_stream_end, which
     * frees the slot. */
    res->msg = p->msg;
    res->env = sb_msg_envelope(p->msg);
    p->msg = NULL;
    *stream = 1;
    sb_mutex_unlock(rpc->lock);
    return 0;
  }
  if (!p->done || (p->err == SB_ECANCELED && ticket && ticket->cancelled)) {
    /* Timed out, or cancelled by sb_rpc_cancel_call: the peer is told to
     * stop, and its answer, whenever it comes, is a late one. */
    err = p->done ? SB_ECANCELED : SB_ETIMEDOUT;
    pending_release(p);
    sb_mutex_unlock(rpc->lock);
    send_cancel(rpc, id);
    return err;
  }
  err = p->err;
  if (!err) {
    res->msg = p->msg;
    res->env = sb_msg_envelope(p->msg);
    res->data = p->data;
    res->len = p->len;
    p->msg = NULL;
    p->data = NULL;
  }
  pending_release(p);
  sb_mutex_unlock(rpc->lock);
  return err;

out:
  sb_mutex_lock(rpc->lock);
  pending_release(p);
  sb_mutex_unlock(rpc->lock);
  return err;
}

int sb_rpc_call_ticket(sb_rpc_t *rpc, Sbwire__V1__Request *req,
                       uint32_t deadline_ms, const uint8_t *upload,
                       size_t upload_len, sb_rpc_ticket_t *ticket,
                       sb_rpc_result_t *res) {
  return call(rpc, req, deadline_ms, upload, upload_len, ticket, res, NULL);
}

int sb_rpc_call_stream(sb_rpc_t *rpc, Sbwire__V1__Request *req,
                       uint32_t deadline_ms, const uint8_t *upload,
                       size_t upload_len, sb_rpc_ticket_t *ticket,
                       sb_rpc_result_t *res, int *streaming) {
  if (!streaming)
    return SB_EINVAL;
  return call(rpc, req, deadline_ms, upload, upload_len, ticket, res,
              streaming);
}

int sb_rpc_stream_next(sb_rpc_t *rpc, sb_rpc_ticket_t *t, uint64_t end_ms,
                       sb_rpc_chunk_t *out) {
  pending_t *p;
  int err = 0;
  if (!rpc || !t || !out)
    return SB_EINVAL;
  memset(out, 0, sizeof *out);
  sb_mutex_lock(rpc->lock);
  p = find_pending(rpc, t->id);
  if (!p || !p->streaming) {
    sb_mutex_unlock(rpc->lock);
    return SB_ESTATE;
  }
  for (;;) {
    uint64_t now = sb_now_ms();
    if (t->cancelled) {
      err = SB_ECANCELED;
      break;
    }
    if (p->end_msg) {
      /* The peer ended the download with an Error: its status. */
      const Sbwire__V1__Error *e = sb_msg_envelope(p->end_msg)->error;
      out->msg = p->end_msg;
      out->detail = e->detail;
      p->end_msg = NULL;
      err = sb_status_to_err(e->status);
      out->peer_error = 1;
      if (!err)
        err = SB_EPROTO; /* an Error that says OK ends it all the same */
      break;
    }
    if (p->qn > 0) {
      const Sbwire__V1__TransferChunk *c;
      out->msg = p->q[p->qhead];
      p->q[p->qhead] = NULL;
      p->qhead = (p->qhead + 1) % SB_RPC_STREAM_CHUNKS;
      p->qn--;
      c = sb_msg_envelope(out->msg)->chunk;
      out->offset = c->offset;
      out->data = c->data.data;
      out->len = c->data.len;
      out->last = c->last;
      sb_cond_broadcast(rpc->cond); /* room for the reader */
      break;
    }
    if (p->done) {
      /* Given up here (SB_EBUSY: read too slowly), the connection's end,
       * or every chunk already taken. */
      err = p->err ? p->err : SB_ESTATE;
      break;
    }
    if (now >= end_ms) {
      err = SB_ETIMEDOUT;
      break;
    }
    sb_cond_wait(rpc->cond, rpc->lock, (int)(end_ms - now));
  }
  sb_mutex_unlock(rpc->lock);
  return err;
}

void sb_rpc_chunk_free(sb_rpc_chunk_t *c) {
  if (!c)
    return;
  sb_msg_free(c->msg);
  memset(c, 0, sizeof *c);
}

void sb_rpc_stream_end(sb_rpc_t *rpc, sb_rpc_ticket_t *t) {
  pending_t *p;
  int tell = 0;
  uint64_t id;
  if (!rpc || !t)
    return;
  sb_mutex_lock(rpc->lock);
  id = t->id;
  p = find_pending(rpc, id);
  if (p && p->streaming) {
    /* The peer is still sending (the caller gave up: deadline, Cancel,
     * its own reader gone): it is told to stop, and what it sends
     * meanwhile is dropped as late. */
    tell = !p->rx_complete && !p->peer_ended && !rpc->closed &&
           !(p->done && p->err && p->err != SB_ECANCELED &&
             p->err != SB_EBUSY);
    pending_release(p);
    sb_cond_broadcast(rpc->cond); /* a reader waiting for room */
  }
  sb_mutex_unlock(rpc->lock);
  if (tell)
    send_cancel(rpc, id);
}

uint32_t sb_rpc_hop_budget(const sb_rpc_incoming_t *in, uint64_t now) {
  uint64_t used, left, margin;
  if (!in || !in->req)
    return 0;
  used = now > in->start_ms ? now - in->start_ms : 0;
  if (used >= in->req->deadline_ms)
    return 0;
  left = in->req->deadline_ms - used;
  margin = left / 8;
  if (margin < SB_RPC_HOP_MARGIN_MIN)
    margin = SB_RPC_HOP_MARGIN_MIN;
  if (margin > SB_RPC_HOP_MARGIN_MAX)
    margin = SB_RPC_HOP_MARGIN_MAX;
  return left > margin ? (uint32_t)(left - margin) : 0;
}

void sb_rpc_on_event(sb_rpc_t *rpc, sb_rpc_event_fn fn, void *arg) {
  if (!rpc)
    return;
  sb_mutex_lock(rpc->lock);
  rpc->on_event = fn;
  rpc->on_event_arg = arg;
  sb_mutex_unlock(rpc->lock);
}

int sb_rpc_cancel_calls(sb_rpc_t *rpc) {
  uint64_t ids[SB_RPC_MAX_OUTSTANDING];
  int n = 0;
  if (!rpc)
    return SB_EINVAL;
  sb_mutex_lock(rpc->lock);
  for (int i = 0; i < SB_RPC_MAX_OUTSTANDING; i++) {
    pending_t *p = &rpc->pending[i];
    if (p->used && !p->done) {
      /* The waiter wakes with SB_ECANCELED and releases the slot; an
       * answer or chunk arriving later is then a late one (dropped and
       * counted, as for a call that timed out). */
      ids[n++] = p->id;
      complete(rpc, p, SB_ECANCELED);
    }
  }
  sb_mutex_unlock(rpc->lock);
  /* Tell the peer, so the work stops there too (protocol.md, Cancel). */
  for (int i = 0; i < n; i++)
    send_cancel(rpc, ids[i]);
  return n;
}

int sb_rpc_result_err(const sb_rpc_result_t *res, const char **detail) {
  if (detail)
    *detail = NULL;
  if (!res || !res->env)
    return SB_EINVAL;
  if (res->env->body_case == SBWIRE__V1__ENVELOPE__BODY_RESPONSE)
    return 0;
  if (res->env->body_case == SBWIRE__V1__ENVELOPE__BODY_ERROR) {
    if (detail)
      *detail = res->env->error->detail;
    return sb_status_to_err(res->env->error->status);
  }
  return SB_EPROTO;
}

void sb_rpc_result_free(sb_rpc_result_t *res) {
  if (!res)
    return;
  sb_msg_free(res->msg);
  sb_free(res->data);
  memset(res, 0, sizeof *res);
}

void sb_rpc_incoming_free(sb_rpc_incoming_t *in) {
  if (!in)
    return;
  sb_msg_free(in->msg);
  sb_free(in->data);
  sb_free(in);
}

/* The request stops counting as outstanding before its answer is sent:
 * once the peer has the answer it may send its next request at once, and
 * that one must find the slot free (else a peer exactly at the cap would
 * be told BUSY now and then for no reason). */
static void retire_incoming(sb_rpc_t *rpc, sb_rpc_incoming_t *in) {
  sb_mutex_lock(rpc->lock);
  in_remove(rpc, in->id);
  sb_mutex_unlock(rpc->lock);
}

int sb_rpc_respond(sb_rpc_t *rpc, sb_rpc_incoming_t *in,
                   Sbwire__V1__Response *rsp, const uint8_t *download,
                   size_t download_len) {
  Sbwire__V1__Envelope env = SBWIRE__V1__ENVELOPE__INIT;
  int err;
  if (!rpc || !in || !rsp || (!download && download_len))
    return SB_EINVAL;
  retire_incoming(rpc, in);
  rsp->transfer_id = download ? in->id : 0;
  rsp->total_size = download ? download_len : 0;
  rsp->size_unknown = 0;
  env.request_id = in->id;
  env.body_case = SBWIRE__V1__ENVELOPE__BODY_RESPONSE;
  env.response = rsp;
  err = sb_channel_send_envelope(rpc->ch, &env);
  /* total_size 0 too: one empty chunk with last (protocol.md). */
  if (!err && download)
    err = send_chunks(rpc, in->id, download, download_len);
  sb_rpc_incoming_free(in);
  return err;
}

int sb_rpc_respond_begin(sb_rpc_t *rpc, sb_rpc_incoming_t *in,
                         Sbwire__V1__Response *rsp, uint64_t total) {
  Sbwire__V1__Envelope env = SBWIRE__V1__ENVELOPE__INIT;
  if (!rpc || !in || !rsp ||
      (total != SB_RPC_SIZE_UNKNOWN && total > SB_SCREENSHOT_MAX))
    return SB_EINVAL;
  /* Still outstanding until its last chunk: the peer has its answer only
   * then. */
  rsp->transfer_id = in->id;
  rsp->size_unknown = total == SB_RPC_SIZE_UNKNOWN;
  rsp->total_size = rsp->size_unknown ? 0 : total;
  env.request_id = in->id;
  env.body_case = SBWIRE__V1__ENVELOPE__BODY_RESPONSE;
  env.response = rsp;
  return sb_channel_send_envelope(rpc->ch, &env);
}

int sb_rpc_respond_chunk(sb_rpc_t *rpc, sb_rpc_incoming_t *in,
                         uint64_t offset, const uint8_t *data, size_t len,
                         int last) {
  Sbwire__V1__Envelope env = SBWIRE__V1__ENVELOPE__INIT;
  Sbwire__V1__TransferChunk chunk = SBWIRE__V1__TRANSFER_CHUNK__INIT;
  int err;
  if (!rpc || !in || (!data && len) || len > CHUNK_SIZE)
    return SB_EINVAL;
  if (last)
    retire_incoming(rpc, in);
  env.request_id = in->id;
  env.body_case = SBWIRE__V1__ENVELOPE__BODY_CHUNK;
  env.chunk = &chunk;
  chunk.transfer_id = in->id;
  chunk.offset = offset;
  chunk.data.data = (uint8_t *)data;
  chunk.data.len = len;
  chunk.last = last != 0;
  err = sb_channel_send_envelope(rpc->ch, &env);
  if (last)
    sb_rpc_incoming_free(in);
  return err;
}

int sb_rpc_respond_error(sb_rpc_t *rpc, sb_rpc_incoming_t *in, int err,
                         const char *detail) {
  int r;
  if (!rpc || !in)
    return SB_EINVAL;
  retire_incoming(rpc, in);
  r = send_error(rpc, in->id, err, detail);
  sb_rpc_incoming_free(in);
  return r;
}

int sb_rpc_send_raw(sb_rpc_t *rpc, const sb_envelope_t *env) {
  if (!rpc || !env)
    return SB_EINVAL;
  return sb_channel_send_envelope(rpc->ch, env);
}

uint64_t sb_rpc_late_answers(sb_rpc_t *rpc) {
  return sb_mutex_read_u64(rpc->lock, &rpc->late);
}

int sb_rpc_closed(sb_rpc_t *rpc) {
  return sb_mutex_read_int(rpc->lock, &rpc->closed);
}

void sb_rpc_stop(sb_rpc_t *rpc) {
  if (!rpc)
    return;
  sb_mutex_lock(rpc->lock);
  rpc->stopping = 1;
  sb_cond_broadcast(rpc->cond); /* a reader waiting to queue a chunk */
  sb_mutex_unlock(rpc->lock);
  (void)sb_channel_close(rpc->ch);
  if (rpc->opts.stream)
    sb_stream_interrupt(rpc->opts.stream);
  if (rpc->reader)
    sb_thread_join(rpc->reader);
  for (int i = 0; i < SB_RPC_MAX_OUTSTANDING; i++)
    pending_release(&rpc->pending[i]);
  sb_channel_free(rpc->ch);
  sb_cond_free(rpc->cond);
  sb_mutex_free(rpc->lock);
  sb_free(rpc);
}
