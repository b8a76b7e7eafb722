/* SPDX-License-Identifier: MIT */
/* Replaceable allocator hooks. Everything the library allocates goes
 * through these, so an embedding service can account for or cap memory. */
#ifndef SESSIONBRIDGE_ALLOC_H
#define SESSIONBRIDGE_ALLOC_H

#include <stddef.h>

#include "sessionbridge/export.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef void *(*sb_malloc_fn)(size_t size);
typedef void *(*sb_realloc_fn)(void *ptr, size_t size);
typedef void (*sb_free_fn)(void *ptr);

/* Set all three hooks, or NULL for all three to restore malloc/free.
 * Must be called before any other sb_ function. */
int sb_replace_allocator(sb_malloc_fn m, sb_realloc_fn r, sb_free_fn f);

void *sb_malloc(size_t size);
void *sb_calloc(size_t n, size_t size); /* overflow-checked */
void *sb_realloc(void *ptr, size_t size);
/* Frees what the library allocated (also what sb_client_* returns). */
SB_EXTERN void sb_free(void *ptr);
char *sb_strdup(const char *s);
/* Wipe memory in a way the compiler cannot optimise away (secrets). */
void sb_memzero(void *p, size_t n);
/* Memory for keys (libsodium's sodium_malloc): guard pages around it, a
 * canary before it, locked out of swap where the OS allows, and wiped by
 * sb_secret_free. Not from the replaceable allocator. NULL on failure. */
void *sb_secret_alloc(size_t n);
/* Make a secret block read-only (1) or writable again (0). */
int sb_secret_readonly(void *p, int readonly);
void sb_secret_free(void *p, size_t n);

#ifdef __cplusplus
}
#endif
#endif
