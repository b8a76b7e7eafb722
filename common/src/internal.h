/* Internal helpers shared by the library's platform files. */
#ifndef SB_INTERNAL_H
#define SB_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

typedef struct sb_channel sb_channel_t;

/* errno (POSIX) or GetLastError() (Windows) -> SB_E*. */
int sb__translate_os_error(int os_error);

/* A TAG_FINAL frame that carries msg: not something a correct peer sends
 * (the close is an empty TAG_FINAL); the tests send it to check that a
 * receiver refuses it (SB_EPROTO) instead of taking it for a clean end. */
int sb__channel_close_with(sb_channel_t *ch, const uint8_t *msg, size_t len);

#endif
