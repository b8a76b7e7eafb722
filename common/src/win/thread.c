/* SPDX-License-Identifier: MIT */
/* Threads, locks and clocks on Windows (SRW locks, condition variables). */
#include <windows.h>

#include <process.h>
#include <stdio.h>

#include "alloc.h"
#include "error.h"
#include "thread.h"

#define DEFAULT_STACK (256u * 1024u)

struct sb_thread {
  HANDLE h;
  sb_thread_fn fn;
  void *arg;
};

struct sb_mutex {
  SRWLOCK lock;
};

struct sb_cond {
  CONDITION_VARIABLE cv;
};

static unsigned __stdcall trampoline(void *p) {
  sb_thread_t *t = p;
  t->fn(t->arg);
  return 0;
}

int sb_thread_create(sb_thread_t **out, sb_thread_fn fn, void *arg,
                     size_t stack_size) {
  sb_thread_t *t;
  if (!out || !fn)
    return SB_EINVAL;
  t = sb_calloc(1, sizeof *t);
  if (!t)
    return SB_ENOMEM;
  t->fn = fn;
  t->arg = arg;
  /* _beginthreadex so the C runtime is set up for the thread; the stack
   * is reserved, not committed, so hundreds of connections stay cheap. */
  t->h = (HANDLE)_beginthreadex(NULL,
                                (unsigned)(stack_size ? stack_size
                                                      : DEFAULT_STACK),
                                trampoline, t,
                                STACK_SIZE_PARAM_IS_A_RESERVATION, NULL);
  if (!t->h) {
    sb_free(t);
    return SB_EAGAIN;
  }
  *out = t;
  return 0;
}

int sb_thread_join(sb_thread_t *t) {
  if (!t)
    return SB_EINVAL;
  WaitForSingleObject(t->h, INFINITE);
  CloseHandle(t->h);
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
  InitializeSRWLock(&m->lock);
  *out = m;
  return 0;
}

void sb_mutex_lock(sb_mutex_t *m) { AcquireSRWLockExclusive(&m->lock); }
void sb_mutex_unlock(sb_mutex_t *m) { ReleaseSRWLockExclusive(&m->lock); }
void sb_mutex_free(sb_mutex_t *m) { sb_free(m); }

int sb_cond_new(sb_cond_t **out) {
  sb_cond_t *c;
  if (!out)
    return SB_EINVAL;
  c = sb_calloc(1, sizeof *c);
  if (!c)
    return SB_ENOMEM;
  InitializeConditionVariable(&c->cv);
  *out = c;
  return 0;
}

int sb_cond_wait(sb_cond_t *c, sb_mutex_t *m, int timeout_ms) {
  DWORD ms = timeout_ms < 0 ? INFINITE : (DWORD)timeout_ms;
  if (!SleepConditionVariableSRW(&c->cv, &m->lock, ms, 0))
    return GetLastError() == ERROR_TIMEOUT ? SB_ETIMEDOUT : SB_EOS;
  return 0;
}

void sb_cond_signal(sb_cond_t *c) { WakeConditionVariable(&c->cv); }
void sb_cond_broadcast(sb_cond_t *c) { WakeAllConditionVariable(&c->cv); }
void sb_cond_free(sb_cond_t *c) { sb_free(c); }

uint64_t sb_now_ms(void) { return (uint64_t)GetTickCount64(); }

void sb_wall_time(char *buf, size_t cap) {
  SYSTEMTIME st;
  GetSystemTime(&st);
  snprintf(buf, cap, "%04u-%02u-%02u %02u:%02u:%02u.%03u", st.wYear,
           st.wMonth, st.wDay, st.wHour, st.wMinute, st.wSecond,
           st.wMilliseconds);
}

void sb_sleep_ms(unsigned ms) { Sleep(ms); }

uint32_t sb_getpid(void) { return (uint32_t)GetCurrentProcessId(); }
