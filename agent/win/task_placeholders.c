/* Temporary: the desktop tasks are being written (task_msgbox.c,
 * task_clipboard.c, task_screenshot.c, task_notify.c replace these one by
 * one). Until then they answer a clear error instead of failing to link. */
#include "sessionbridge.h"
#include "tasks.h"

int sb_task_notify(const char *title, const char *text, int icon) {
  (void)title, (void)text, (void)icon;
  return SB_EOS;
}

int sb_task_screenshot(const sb_task_shot_t *req, uint8_t **png, size_t *len,
                       uint32_t *width, uint32_t *height) {
  (void)req, (void)png, (void)len, (void)width, (void)height;
  return SB_EOS;
}
