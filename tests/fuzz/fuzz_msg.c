/* SPDX-License-Identifier: MIT */
/* libFuzzer: unpack -> validate -> pack -> unpack must round-trip for
 * everything validation accepts (the protobuf-c OSS-Fuzz target does the
 * same for protobuf-c itself). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sessionbridge.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  sb_msg_t *m = NULL, *m2 = NULL;
  uint8_t *out = NULL, *out2 = NULL;
  size_t len = 0, len2 = 0;
  if (size > SB_FRAME_MAX)
    return 0;
  if (sb_msg_unpack(data, size, SB_MSG_DECODE_BUDGET, &m) != 0)
    return 0;
  if (sb_msg_validate(sb_msg_envelope(m), NULL) == 0) {
    if (sb_msg_pack(sb_msg_envelope(m), &out, &len) != 0)
      abort();
    if (sb_msg_decode(out, len, &m2, NULL) != 0)
      abort(); /* what we accept and re-encode must be accepted again */
    if (sb_msg_pack(sb_msg_envelope(m2), &out2, &len2) != 0 || len2 != len ||
        memcmp(out, out2, len) != 0)
      abort();
  }
  sb_free(out);
  sb_free(out2);
  sb_msg_free(m2);
  sb_msg_free(m);
  return 0;
}
