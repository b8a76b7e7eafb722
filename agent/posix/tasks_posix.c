/* SPDX-License-Identifier: MIT */
/* Agent tasks on POSIX. This native build exists so the whole protocol
 * runs under ASan/UBSan; the desktop tasks (X11 clipboard and screenshots,
 * D-Bus notifications, dialogs) belong to a POSIX backend this build does
 * not have, so they answer SB_EUNSUPPORTED (STATUS_UNSUPPORTED on the
 * wire), after the same input checks the Windows tasks make. */
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "sessionbridge.h"
#include "tasks.h"

static int no_desktop(const char *task) {
  sb_log(SB_LOG_WARN,
         "agent: %s needs the POSIX desktop backend, which this "
         "build does not have",
         task);
  return SB_EUNSUPPORTED;
}

int sb_task_session_info(sb_task_session_info_t *out) {
  struct passwd *pw = getpwuid(geteuid());
  if (!out)
    return SB_EINVAL;
  memset(out, 0, sizeof *out);
  out->session_id = (uint32_t)getsid(0);
  /* A uid without a passwd entry (containers) is reported by number. */
  if (pw)
    snprintf(out->user, sizeof out->user, "%s", pw->pw_name);
  else
    snprintf(out->user, sizeof out->user, "%lu", (unsigned long)geteuid());
  gethostname(out->domain, sizeof out->domain - 1);
  out->locked = 0;
  out->idle_ms = 0;
  out->is_console = isatty(0);
  snprintf(out->state, sizeof out->state, "active");
  return 0;
}

int sb_task_session_locked(void) { return 0; }

int sb_task_session_disconnected(void) { return 0; }

int sb_task_session_watch_start(void) { return 0; }

void sb_task_session_watch_stop(void) {}

int sb_task_message_box(const char *title, const char *text, int buttons,
                        int icon, uint32_t timeout_ms, sb_task_ctl_t *ctl,
                        int *pressed, int *timed_out) {
  (void)title, (void)text, (void)buttons, (void)icon, (void)timeout_ms;
  (void)ctl, (void)pressed, (void)timed_out;
  return no_desktop("a message box");
}

int sb_task_notify(const char *title, const char *text, int icon,
                   uint32_t wait_ms, sb_task_ctl_t *ctl, int *outcome,
                   int *shown) {
  int err = sb_task_notify_check(title, text);
  (void)icon, (void)wait_ms, (void)ctl, (void)outcome, (void)shown;
  return err ? err : no_desktop("a notification");
}

void sb_task_notify_shutdown(void) {}

int sb_task_clipboard_get_text(uint8_t **data, size_t *len, int *empty,
                               sb_task_ctl_t *ctl) {
  (void)data, (void)len, (void)empty, (void)ctl;
  return no_desktop("the clipboard");
}

int sb_task_clipboard_set_text(const uint8_t *data, size_t len, int sensitive,
                               sb_task_ctl_t *ctl) {
  int err = sb_task_clipboard_text_check(data, len);
  (void)sensitive, (void)ctl;
  return err ? err : no_desktop("the clipboard");
}

int sb_task_clipboard_get_image(uint8_t **png, size_t *len, uint32_t *width,
                                uint32_t *height, int *empty,
                                const char **why, sb_task_ctl_t *ctl) {
  (void)png, (void)len, (void)width, (void)height, (void)empty, (void)why;
  (void)ctl;
  return no_desktop("the clipboard");
}

int sb_task_clipboard_set_image(const uint8_t *png, size_t len, int sensitive,
                                const char **why, sb_task_ctl_t *ctl) {
  int err = sb_task_clipboard_image_check(png, len, why);
  (void)sensitive, (void)ctl;
  return err ? err : no_desktop("the clipboard");
}

int sb_task_screenshot(const sb_task_shot_t *req, uint8_t **png, size_t *len,
                       uint32_t *width, uint32_t *height) {
  (void)req, (void)png, (void)len, (void)width, (void)height;
  return no_desktop("a screenshot");
}

int sb_task_screenshot_at(const sb_task_shot_t *req, uint8_t **png,
                          size_t *len, uint32_t *width, uint32_t *height,
                          int32_t *x, int32_t *y) {
  (void)req, (void)png, (void)len, (void)width, (void)height, (void)x, (void)y;
  return no_desktop("a screenshot");
}

int sb_task_monitors(sb_task_monitor_t *list, size_t max, size_t *n,
                     int32_t vs[4], const char **awareness) {
  (void)list, (void)max, (void)n, (void)vs, (void)awareness;
  return no_desktop("the monitor list");
}

const char *sb_task_dpi_aware(void) { return "unaware"; }
