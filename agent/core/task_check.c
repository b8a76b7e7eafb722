/* SPDX-License-Identifier: MIT */
/* Request checks shared by the platform task files, so both platforms
 * refuse the same input with the same code. */
#include <string.h>

#include "sessionbridge.h"
#include "tasks.h"

int sb_task_clipboard_text_check(const uint8_t *data, size_t len) {
  if (!data && len)
    return SB_EINVAL;
  if (len > SB_CLIPBOARD_MAX)
    return SB_ETOOBIG;
  if (len && memchr(data, 0, len))
    return SB_EFIELD;
  if (len && !sb_utf8_valid(data, len))
    return SB_EUTF8;
  return 0;
}

/* The PNG signature, then an IHDR chunk of 13 bytes first (PNG spec
 * 5.2, 11.2.2) with a non-zero size within 2^31-1 each way. The full
 * decode (chunk CRCs, zlib, filters) is the platform task's; this is what
 * every platform refuses alike, with or without a desktop backend. */
int sb_task_clipboard_image_check(const uint8_t *png, size_t len,
                                  const char **why) {
  static const uint8_t sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  const char *reason = NULL;
  if (!png && len)
    return SB_EINVAL;
  if (len > SB_CLIPBOARD_MAX)
    return SB_ETOOBIG;
  if (len < 8 || memcmp(png, sig, 8) != 0) {
    reason = "the image is not a PNG (no PNG signature)";
  } else if (len < 8 + 8 + 13 + 4 ||
             memcmp(png + 8, "\0\0\0\x0dIHDR", 8) != 0) {
    reason = "the PNG does not begin with a 13-byte IHDR chunk";
  } else {
    const uint8_t *h = png + 16;
    uint32_t w = (uint32_t)h[0] << 24 | (uint32_t)h[1] << 16 |
                 (uint32_t)h[2] << 8 | h[3];
    uint32_t ht = (uint32_t)h[4] << 24 | (uint32_t)h[5] << 16 |
                  (uint32_t)h[6] << 8 | h[7];
    if (w == 0 || ht == 0 || w > 0x7fffffffu || ht > 0x7fffffffu)
      reason = "the PNG's width or height is 0 or over 2^31-1";
  }
  if (why)
    *why = reason;
  return reason ? SB_EFIELD : 0;
}

int sb_task_notify_check(const char *title, const char *text) {
  /* A notification with nothing to say is a caller's mistake, not an
   * empty balloon. */
  if ((!title || !title[0]) && (!text || !text[0]))
    return SB_EFIELD;
  if (text && strlen(text) > SB_MSG_NOTIFY_TEXT_MAX)
    return SB_ETOOBIG;
  return 0;
}
