/* SPDX-License-Identifier: MIT */
#include "memio.h"

#include <stdlib.h>
#include <string.h>

typedef struct {
  uint8_t *buf;
  size_t len;
  size_t off;
  int eof;
} queue_t;

typedef struct {
  sb_mutex_t *lock;
  sb_cond_t *cond;
  queue_t q[2]; /* q[i]: bytes for end i to read */
} duplex_t;

struct sbt_end {
  duplex_t *d;
  int idx;
  int hold;
  uint8_t *held;
  size_t held_len;
  uint8_t *rec;
  size_t rec_len;
};

static void append(uint8_t **buf, size_t *len, const void *p, size_t n) {
  *buf = realloc(*buf, *len + n + 1);
  if (!*buf)
    abort();
  memcpy(*buf + *len, p, n);
  *len += n;
}

void sbt_duplex_new(sbt_end_t **a, sbt_end_t **b) {
  duplex_t *d = calloc(1, sizeof *d);
  if (!d || sb_mutex_new(&d->lock) || sb_cond_new(&d->cond))
    abort();
  *a = calloc(1, sizeof **a);
  *b = calloc(1, sizeof **b);
  if (!*a || !*b)
    abort();
  (*a)->d = (*b)->d = d;
  (*a)->idx = 0;
  (*b)->idx = 1;
}

void sbt_duplex_free(sbt_end_t *a, sbt_end_t *b) {
  duplex_t *d = a->d;
  for (int i = 0; i < 2; i++)
    free(d->q[i].buf);
  sb_cond_free(d->cond);
  sb_mutex_free(d->lock);
  free(d);
  free(a->held);
  free(a->rec);
  free(b->held);
  free(b->rec);
  free(a);
  free(b);
}

static void push(duplex_t *d, int idx, const void *buf, size_t len) {
  queue_t *q = &d->q[idx];
  sb_mutex_lock(d->lock);
  append(&q->buf, &q->len, buf, len);
  sb_cond_broadcast(d->cond);
  sb_mutex_unlock(d->lock);
}

static int end_read(void *ctx, void *buf, size_t len, size_t *nread,
                    int timeout_ms) {
  sbt_end_t *e = ctx;
  duplex_t *d = e->d;
  queue_t *q = &d->q[e->idx];
  uint64_t deadline = timeout_ms >= 0 ? sb_now_ms() + (uint64_t)timeout_ms : 0;
  int err = 0;
  *nread = 0;
  sb_mutex_lock(d->lock);
  while (q->off == q->len && !q->eof) {
    int wait = -1;
    if (timeout_ms >= 0) {
      uint64_t now = sb_now_ms();
      if (now >= deadline) {
        err = SB_ETIMEDOUT;
        goto out;
      }
      wait = (int)(deadline - now);
    }
    sb_cond_wait(d->cond, d->lock, wait);
  }
  if (q->off == q->len) {
    err = SB_EOF;
    goto out;
  }
  size_t n = q->len - q->off;
  if (n > len)
    n = len;
  memcpy(buf, q->buf + q->off, n);
  q->off += n;
  *nread = n;
out:
  sb_mutex_unlock(d->lock);
  return err;
}

static int end_write(void *ctx, const void *buf, size_t len, int timeout_ms) {
  sbt_end_t *e = ctx;
  (void)timeout_ms;
  if (e->d->q[1 - e->idx].eof)
    return SB_EPIPE;
  /* Under the duplex lock: a test may take the held bytes
   * (sbt_wait_held) while this end's owner is still writing. */
  sb_mutex_lock(e->d->lock);
  append(&e->rec, &e->rec_len, buf, len);
  int hold = e->hold;
  if (hold)
    append(&e->held, &e->held_len, buf, len);
  sb_mutex_unlock(e->d->lock);
  if (!hold)
    push(e->d, 1 - e->idx, buf, len);
  return 0;
}

sb_io_t sbt_end_io(sbt_end_t *e) {
  sb_io_t io = {e, end_read, end_write};
  return io;
}

void sbt_end_shutdown(sbt_end_t *e) {
  duplex_t *d = e->d;
  sb_mutex_lock(d->lock);
  d->q[1 - e->idx].eof = 1;
  sb_cond_broadcast(d->cond);
  sb_mutex_unlock(d->lock);
}

void sbt_end_hold(sbt_end_t *e, int hold) {
  sb_mutex_lock(e->d->lock);
  e->hold = hold;
  sb_mutex_unlock(e->d->lock);
}

uint8_t *sbt_end_take(sbt_end_t *e, size_t *len) {
  sb_mutex_lock(e->d->lock);
  uint8_t *p = e->held;
  *len = e->held_len;
  e->held = NULL;
  e->held_len = 0;
  sb_mutex_unlock(e->d->lock);
  return p;
}

void sbt_end_inject(sbt_end_t *e, const void *buf, size_t len) {
  push(e->d, e->idx, buf, len);
}

const uint8_t *sbt_end_record(sbt_end_t *e, size_t *len) {
  *len = e->rec_len;
  return e->rec;
}

static int script_read(void *ctx, void *buf, size_t len, size_t *nread,
                       int timeout_ms) {
  sbt_script_t *s = ctx;
  (void)timeout_ms;
  *nread = 0;
  if (s->off >= s->len)
    return SB_EOF;
  size_t n = s->len - s->off;
  if (n > len)
    n = len;
  memcpy(buf, s->data + s->off, n);
  s->off += n;
  *nread = n;
  return 0;
}

static int script_write(void *ctx, const void *buf, size_t len,
                        int timeout_ms) {
  (void)ctx;
  (void)buf;
  (void)len;
  (void)timeout_ms;
  return 0;
}

sb_io_t sbt_script_io(sbt_script_t *s) {
  sb_io_t io = {s, script_read, script_write};
  return io;
}
