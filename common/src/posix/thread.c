/* SPDX-License-Identifier: MIT */
/* Threads, locks and clocks on POSIX (pthreads, CLOCK_MONOTONIC). */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "alloc.h"
#include "error.h"
#include "thread.h"

#define DEFAULT_STACK (256u * 1024u)

struct sb_thread {
  pthread_t tid;
  sb_thread_fn fn;
  void *arg;
};

struct sb_mutex {
  pthread_mutex_t m;
};

struct sb_cond {
  pthread_cond_t c;
};

static void *trampoline(void *p) {
  sb_thread_t *t = p;
  t->fn(t->arg);
  return NULL;
}

int sb_thread_create(sb_thread_t **out, sb_thread_fn fn, void *arg,
                     size_t stack_size) {
  pthread_attr_t attr;
  sb_thread_t *t;
  int r;
  if (!out || !fn)
    return SB_EINVAL;
  t = sb_calloc(1, sizeof *t);
  if (!t)
    return SB_ENOMEM;
  t->fn = fn;
  t->arg = arg;
  pthread_attr_init(&attr);
  /* A small stack keeps a server with hundreds of connection threads
   * cheap; nothing in the library recurses deeply. */
  pthread_attr_setstacksize(&attr, stack_size ? stack_size : DEFAULT_STACK);
  r = pthread_create(&t->tid, &attr, trampoline, t);
  pthread_attr_destroy(&attr);
  if (r != 0) {
    sb_free(t);
    return r == EAGAIN ? SB_EAGAIN : SB_EOS;
  }
  *out = t;
  return 0;
}

int sb_thread_join(sb_thread_t *t) {
  if (!t)
    return SB_EINVAL;
  pthread_join(t->tid, NULL);
  sb_free(t);
  return 0;
}

int sb_mutex_new(sb_mutex_t **out) {
  sb_mutex_t *m;
  if (!out)
    return SB_EINVAL;
  m = sb_calloc(1, sizeof *m);
  if (!m)
    return SB_ENOMEM;
  if (pthread_mutex_init(&m->m, NULL) != 0) {
    sb_free(m);
    return SB_EOS;
  }
  *out = m;
  return 0;
}

void sb_mutex_lock(sb_mutex_t *m) { pthread_mutex_lock(&m->m); }
void sb_mutex_unlock(sb_mutex_t *m) { pthread_mutex_unlock(&m->m); }

void sb_mutex_free(sb_mutex_t *m) {
  if (!m)
    return;
  pthread_mutex_destroy(&m->m);
  sb_free(m);
}

int sb_cond_new(sb_cond_t **out) {
  pthread_condattr_t attr;
  sb_cond_t *c;
  int r;
  if (!out)
    return SB_EINVAL;
  c = sb_calloc(1, sizeof *c);
  if (!c)
    return SB_ENOMEM;
  /* Timed waits against the monotonic clock, so a wall-clock jump cannot
   * stretch or cut a deadline. */
  pthread_condattr_init(&attr);
  pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
  r = pthread_cond_init(&c->c, &attr);
  pthread_condattr_destroy(&attr);
  if (r != 0) {
    sb_free(c);
    return SB_EOS;
  }
  *out = c;
  return 0;
}

int sb_cond_wait(sb_cond_t *c, sb_mutex_t *m, int timeout_ms) {
  struct timespec ts;
  if (timeout_ms < 0) {
    pthread_cond_wait(&c->c, &m->m);
    return 0;
  }
  clock_gettime(CLOCK_MONOTONIC, &ts);
  ts.tv_sec += timeout_ms / 1000;
  ts.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
  if (ts.tv_nsec >= 1000000000L) {
    ts.tv_sec++;
    ts.tv_nsec -= 1000000000L;
  }
  return pthread_cond_timedwait(&c->c, &m->m, &ts) == ETIMEDOUT
             ? SB_ETIMEDOUT
             : 0;
}

void sb_cond_signal(sb_cond_t *c) { pthread_cond_signal(&c->c); }
void sb_cond_broadcast(sb_cond_t *c) { pthread_cond_broadcast(&c->c); }

void sb_cond_free(sb_cond_t *c) {
  if (!c)
    return;
  pthread_cond_destroy(&c->c);
  sb_free(c);
}

uint64_t sb_now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

void sb_wall_time(char *buf, size_t cap) {
  struct timespec ts;
  struct tm tm;
  clock_gettime(CLOCK_REALTIME, &ts);
  gmtime_r(&ts.tv_sec, &tm);
  snprintf(buf, cap, "%04d-%02d-%02d %02d:%02d:%02d.%03ld", tm.tm_year + 1900,
           tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
           ts.tv_nsec / 1000000L);
}

void sb_sleep_ms(unsigned ms) {
  struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};
  while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
    ;
}

uint32_t sb_getpid(void) { return (uint32_t)getpid(); }
