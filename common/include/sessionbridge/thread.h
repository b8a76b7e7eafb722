/* SPDX-License-Identifier: MIT */
/* Threads, locks and clocks: the few OS primitives the library and the
 * service need, with one implementation per platform. */
#ifndef SESSIONBRIDGE_THREAD_H
#define SESSIONBRIDGE_THREAD_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct sb_thread sb_thread_t;
typedef struct sb_mutex sb_mutex_t;
typedef struct sb_cond sb_cond_t;

typedef void (*sb_thread_fn)(void *arg);

/* stack_size 0: a small default (256 KiB reserved). */
int sb_thread_create(sb_thread_t **out, sb_thread_fn fn, void *arg,
                     size_t stack_size);
int sb_thread_join(sb_thread_t *t); /* frees t */

int sb_mutex_new(sb_mutex_t **out);
void sb_mutex_lock(sb_mutex_t *m);
void sb_mutex_unlock(sb_mutex_t *m);
void sb_mutex_free(sb_mutex_t *m);

/* *v read under m: a counter or flag other threads change under m (the
 * getters of rpc, server, dispatch and router). One definition for each
 * type it is used with. */
#define SB_MUTEX_READ_(T, name)                                               \
  static inline T name(sb_mutex_t *m, const T *v) {                           \
    T x;                                                                      \
    sb_mutex_lock(m);                                                         \
    x = *v;                                                                   \
    sb_mutex_unlock(m);                                                       \
    return x;                                                                 \
  }
SB_MUTEX_READ_(int, sb_mutex_read_int)
SB_MUTEX_READ_(uint64_t, sb_mutex_read_u64)

int sb_cond_new(sb_cond_t **out);
/* Returns 0, or SB_ETIMEDOUT after timeout_ms (-1: no limit). */
int sb_cond_wait(sb_cond_t *c, sb_mutex_t *m, int timeout_ms);
void sb_cond_signal(sb_cond_t *c);
void sb_cond_broadcast(sb_cond_t *c);
void sb_cond_free(sb_cond_t *c);

/* Monotonic milliseconds. */
uint64_t sb_now_ms(void);
/* Wall-clock time as "YYYY-MM-DD HH:MM:SS.mmm" (UTC) into buf (>= 24). */
void sb_wall_time(char *buf, size_t cap);
void sb_sleep_ms(unsigned ms);
uint32_t sb_getpid(void);

#ifdef __cplusplus
}
#endif
#endif
