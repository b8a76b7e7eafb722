/* SPDX-License-Identifier: MIT */
/* Connection server: one accept thread, one thread per connection, a cap
 * on concurrent connections. Portable: built on transport.h and thread.h. */
#include "server.h"

#include <string.h>

#include "alloc.h"
#include "error.h"
#include "log.h"
#include "thread.h"

#define DEFAULT_MAX_CONNECTIONS 256
/* At most one "refused" log line per interval, so a client hammering the
 * endpoint cannot flood the log. */
#define REFUSE_LOG_INTERVAL_MS 5000

typedef struct conn {
  struct conn *next;
  sb_server_t *srv;
  sb_thread_t *thread;
  sb_stream_t *stream;
  int done;
} conn_t;

struct sb_server {
  sb_server_opts_t opts;
  sb_listener_t *listener;
  sb_thread_t *acceptor;
  sb_mutex_t *lock;
  conn_t *conns;
  int active;
  uint64_t refused;
  uint64_t refused_logged_at;
  uint64_t refused_since_log;
  int stopping;
};

static void conn_main(void *arg) {
  conn_t *c = arg;
  sb_stream_t *s = c->stream;
  c->srv->opts.on_conn(c->srv->opts.arg, s);
  /* Close now, not when the acceptor next reaps (up to a second later):
   * the peer learns at once that it was dropped, and the descriptor or
   * pipe instance is free for the next client. Under the lock, so stop
   * never interrupts a stream being closed. */
  sb_mutex_lock(c->srv->lock);
  c->stream = NULL;
  c->done = 1;
  c->srv->active--;
  sb_mutex_unlock(c->srv->lock);
  sb_stream_close(s);
}

/* Join finished connection threads (all of them when stopping). */
static void reap(sb_server_t *srv, int all) {
  conn_t *dead = NULL;
  sb_mutex_lock(srv->lock);
  for (conn_t **pp = &srv->conns; *pp;) {
    conn_t *c = *pp;
    if (c->done || all) {
      *pp = c->next;
      c->next = dead;
      dead = c;
    } else {
      pp = &c->next;
    }
  }
  sb_mutex_unlock(srv->lock);
  while (dead) {
    conn_t *c = dead;
    dead = c->next;
    /* conn_main closed the stream before it ended. */
    sb_thread_join(c->thread);
    sb_free(c);
  }
}

/* Count and close a connection we will not serve (s may be NULL when the
 * transport already closed it), logging at most one line per interval. */
static void refuse(sb_server_t *srv, sb_stream_t *s, const char *why) {
  uint64_t now = sb_now_ms();
  sb_mutex_lock(srv->lock);
  srv->refused++;
  srv->refused_since_log++;
  if (now - srv->refused_logged_at >= REFUSE_LOG_INTERVAL_MS ||
      srv->refused_logged_at == 0) {
    sb_log(SB_LOG_WARN, "%s: %s (limit %d); refused %llu connection(s)",
           srv->opts.endpoint, why, srv->opts.max_connections,
           (unsigned long long)srv->refused_since_log);
    srv->refused_logged_at = now;
    srv->refused_since_log = 0;
  }
  sb_mutex_unlock(srv->lock);
  /* Counted before the peer can see the close. */
  sb_stream_close(s);
}

static void accept_main(void *arg) {
  sb_server_t *srv = arg;
  for (;;) {
    sb_stream_t *s = NULL;
    int err = sb_listener_accept(srv->listener, &s, 1000);
    reap(srv, 0);
    sb_mutex_lock(srv->lock);
    int stopping = srv->stopping;
    sb_mutex_unlock(srv->lock);
    if (stopping) {
      sb_stream_close(s);
      break;
    }
    if (err == SB_ETIMEDOUT || err == SB_ECANCELED)
      continue;
    if (err == SB_ELIMIT) {
      /* The process is out of descriptors; the transport took the
       * connection off the backlog and closed it. */
      refuse(srv, NULL, "out of file descriptors");
      continue;
    }
    if (err) {
      sb_log(SB_LOG_WARN, "%s: accept failed: %s", srv->opts.endpoint,
             sb_strerror(err));
      sb_sleep_ms(50);
      continue;
    }
    sb_mutex_lock(srv->lock);
    int full = srv->active >= srv->opts.max_connections;
    sb_mutex_unlock(srv->lock);
    if (full) {
      refuse(srv, s, "connection limit reached");
      continue;
    }
    conn_t *c = sb_calloc(1, sizeof *c);
    if (!c) {
      refuse(srv, s, "out of memory");
      continue;
    }
    c->srv = srv;
    c->stream = s;
    sb_mutex_lock(srv->lock);
    srv->active++;
    c->next = srv->conns;
    srv->conns = c;
    err = sb_thread_create(&c->thread, conn_main, c, 0);
    if (err) {
      srv->conns = c->next;
      srv->active--;
    }
    sb_mutex_unlock(srv->lock);
    if (err) {
      sb_free(c);
      refuse(srv, s, "cannot start a connection thread");
    }
  }
}

int sb_server_start(sb_server_t **out, const sb_server_opts_t *opts) {
  sb_server_t *srv;
  int err;
  if (!out || !opts || !opts->endpoint || !opts->on_conn)
    return SB_EINVAL;
  *out = NULL;
  srv = sb_calloc(1, sizeof *srv);
  if (!srv)
    return SB_ENOMEM;
  srv->opts = *opts;
  if (srv->opts.max_connections <= 0)
    srv->opts.max_connections = DEFAULT_MAX_CONNECTIONS;
  err = sb_mutex_new(&srv->lock);
  if (!err)
    err = sb_listener_open(&srv->listener, opts->endpoint, &opts->listen);
  if (!err)
    err = sb_thread_create(&srv->acceptor, accept_main, srv, 0);
  if (err) {
    sb_listener_close(srv->listener);
    sb_mutex_free(srv->lock);
    sb_free(srv);
    return err;
  }
  *out = srv;
  return 0;
}

int sb_server_active(sb_server_t *s) {
  return sb_mutex_read_int(s->lock, &s->active);
}

uint64_t sb_server_refused(sb_server_t *s) {
  return sb_mutex_read_u64(s->lock, &s->refused);
}

sb_listener_t *sb_server_listener(sb_server_t *s) { return s->listener; }

void sb_server_stop(sb_server_t *srv) {
  if (!srv)
    return;
  sb_mutex_lock(srv->lock);
  srv->stopping = 1;
  sb_mutex_unlock(srv->lock);
  sb_listener_interrupt(srv->listener);
  sb_thread_join(srv->acceptor);
  sb_mutex_lock(srv->lock);
  for (conn_t *c = srv->conns; c; c = c->next)
    if (c->stream)
      sb_stream_interrupt(c->stream);
  sb_mutex_unlock(srv->lock);
  reap(srv, 1);
  sb_listener_close(srv->listener);
  sb_mutex_free(srv->lock);
  sb_free(srv);
}
