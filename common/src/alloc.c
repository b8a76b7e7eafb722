/* SPDX-License-Identifier: MIT */
#include "alloc.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "error.h"

static sb_malloc_fn hook_malloc = malloc;
static sb_realloc_fn hook_realloc = realloc;
static sb_free_fn hook_free = free;

int sb_replace_allocator(sb_malloc_fn m, sb_realloc_fn r, sb_free_fn f) {
  if (!m && !r && !f) {
    hook_malloc = malloc;
    hook_realloc = realloc;
    hook_free = free;
    return 0;
  }
  if (!m || !r || !f)
    return SB_EINVAL;
  hook_malloc = m;
  hook_realloc = r;
  hook_free = f;
  return 0;
}

void *sb_malloc(size_t size) { return size ? hook_malloc(size) : NULL; }

void *sb_calloc(size_t n, size_t size) {
  if (n == 0 || size == 0 || n > SIZE_MAX / size)
    return NULL;
  void *p = hook_malloc(n * size);
  if (p)
    memset(p, 0, n * size);
  return p;
}

void *sb_realloc(void *ptr, size_t size) { return hook_realloc(ptr, size); }

void sb_free(void *ptr) {
  if (ptr)
    hook_free(ptr);
}

char *sb_strdup(const char *s) {
  size_t n = strlen(s) + 1;
  char *p = sb_malloc(n);
  if (p)
    memcpy(p, s, n);
  return p;
}

void sb_memzero(void *p, size_t n) {
  if (p && n)
    sodium_memzero(p, n);
}

void *sb_secret_alloc(size_t n) {
  void *p = n ? sodium_malloc(n) : NULL;
  if (p)
    sodium_memzero(p, n);
  return p;
}

int sb_secret_readonly(void *p, int readonly) {
  if (!p)
    return SB_EINVAL;
  return (readonly ? sodium_mprotect_readonly(p) : sodium_mprotect_readwrite(p))
             ? SB_EOS
             : 0;
}

/* sodium_free wipes the block itself; n is for symmetry with the
 * allocation (and a caller's own bookkeeping). */
void sb_secret_free(void *p, size_t n) {
  (void)n;
  if (p)
    sodium_free(p);
}
