/* SPDX-License-Identifier: MIT */
#include "detrng.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

static uint8_t key[32];
static uint64_t pos;

void sbt_detrng_buf(void *buf, size_t size) {
  uint8_t nonce[8] = {0};
  uint8_t *tmp = malloc(pos + size);
  if (!tmp)
    abort();
  crypto_stream_chacha20(tmp, pos + size, nonce, key);
  memcpy(buf, tmp + pos, size);
  pos += size;
  free(tmp);
}

static void impl_buf(void *const buf, const size_t size) {
  sbt_detrng_buf(buf, size);
}

static uint32_t impl_u32(void) {
  uint32_t v;
  sbt_detrng_buf(&v, sizeof v);
  return v;
}

static const char *impl_name(void) { return "sbtest-deterministic"; }

static struct randombytes_implementation impl = {impl_name, impl_u32, NULL,
                                                 NULL, impl_buf, NULL};

void sbt_detrng_install(const uint8_t k[32]) {
  memcpy(key, k, sizeof key);
  pos = 0;
  randombytes_set_implementation(&impl);
}

void sbt_detrng_rewind(void) { pos = 0; }

void sbt_detrng_remove(void) {
  randombytes_set_implementation(&randombytes_internal_implementation);
}
