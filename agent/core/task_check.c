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
  return 0;
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
