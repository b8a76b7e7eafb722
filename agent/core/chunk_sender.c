/* SPDX-License-Identifier: MIT */
#include "chunk_sender.h"

#include <string.h>

struct sb_chunk_sender {
  sb_rpc_t *rpc;
  sb_rpc_incoming_t *in;
  sb_thread_t *thread;
  sb_mutex_t *lock;
  sb_cond_t *cond; /* a piece queued, one taken, or the end */
  uint8_t *buf[SB_CHUNK_SENDER_DEPTH];
  size_t len[SB_CHUNK_SENDER_DEPTH];
  int last[SB_CHUNK_SENDER_DEPTH];
  int head, n;
  int closing; /* finish: no more pieces come */
  int ended;   /* a piece with last was queued */
  int err;     /* the first send error */
  uint64_t offset;
};

static void sender_main(void *arg) {
  sb_chunk_sender_t *s = arg;
  sb_mutex_lock(s->lock);
  for (;;) {
    while (s->n == 0 && !s->closing)
      sb_cond_wait(s->cond, s->lock, -1);
    if (s->n == 0)
      break; /* closing, and everything sent */
    int i = s->head, last = s->last[i];
    size_t len = s->len[i];
    sb_mutex_unlock(s->lock);
    /* The slot stays the sender's until the chunk is out: the producer
     * fills the others meanwhile. Sent after an error too (it fails at
     * once on a broken channel): the last chunk frees in, sent or not. */
    int err = sb_rpc_respond_chunk(s->rpc, s->in, s->offset, s->buf[i], len,
                                   last);
    sb_mutex_lock(s->lock);
    s->offset += len;
    if (err && !s->err)
      s->err = err;
    s->head = (s->head + 1) % SB_CHUNK_SENDER_DEPTH;
    s->n--;
    sb_cond_broadcast(s->cond);
    if (last)
      break;
  }
  sb_mutex_unlock(s->lock);
}

static void sender_free(sb_chunk_sender_t *s) {
  for (int i = 0; i < SB_CHUNK_SENDER_DEPTH; i++)
    sb_free(s->buf[i]);
  sb_cond_free(s->cond);
  sb_mutex_free(s->lock);
  sb_free(s);
}

int sb_chunk_sender_start(sb_chunk_sender_t **out, sb_rpc_t *rpc,
                          sb_rpc_incoming_t *in) {
  sb_chunk_sender_t *s;
  int err = SB_ENOMEM;
  if (!out || !rpc || !in)
    return SB_EINVAL;
  *out = NULL;
  s = sb_calloc(1, sizeof *s);
  if (!s)
    return SB_ENOMEM;
  s->rpc = rpc;
  s->in = in;
  for (int i = 0; i < SB_CHUNK_SENDER_DEPTH; i++)
    if (!(s->buf[i] = sb_malloc(SB_MSG_CHUNK_MAX)))
      goto fail;
  if ((err = sb_mutex_new(&s->lock)) != 0 || (err = sb_cond_new(&s->cond)) != 0 ||
      (err = sb_thread_create(&s->thread, sender_main, s, 0)) != 0)
    goto fail;
  *out = s;
  return 0;
fail:
  sender_free(s);
  return err;
}

int sb_chunk_sender_push(sb_chunk_sender_t *s, const uint8_t *data,
                         size_t len, int last) {
  int err;
  if (!s || (!data && len) || len > SB_MSG_CHUNK_MAX || (!len && !last))
    return SB_EINVAL;
  sb_mutex_lock(s->lock);
  while (s->n == SB_CHUNK_SENDER_DEPTH && !s->err)
    sb_cond_wait(s->cond, s->lock, -1);
  err = s->err ? s->err : s->ended ? SB_EINVAL : 0;
  if (!err) {
    int i = (s->head + s->n) % SB_CHUNK_SENDER_DEPTH;
    if (len)
      memcpy(s->buf[i], data, len);
    s->len[i] = len;
    s->last[i] = last != 0;
    s->ended = last != 0;
    s->n++;
    sb_cond_broadcast(s->cond);
  }
  sb_mutex_unlock(s->lock);
  return err;
}

int sb_chunk_sender_finish(sb_chunk_sender_t *s) {
  int err;
  if (!s)
    return SB_EINVAL;
  sb_mutex_lock(s->lock);
  s->closing = 1;
  sb_cond_broadcast(s->cond);
  sb_mutex_unlock(s->lock);
  sb_thread_join(s->thread);
  err = s->err;
  sender_free(s);
  return err;
}
