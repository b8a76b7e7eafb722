/* What the agent can do in its session: one function per task, one
 * implementation file per task and platform (agent/win, agent/posix).
 * All return 0 or a negative SB_E* code. Blocking tasks take a cancel
 * flag they poll; the dispatcher runs them on their own threads. */
#ifndef SB_AGENT_TASKS_H
#define SB_AGENT_TASKS_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
  uint32_t session_id;
  char user[128];
  char domain[128];
  int locked;
  uint64_t idle_ms;
  int is_console;
  char state[16];
} sb_task_session_info_t;

/* Set from another thread to stop a running task. */
typedef struct {
  volatile int cancel;
  uint32_t deadline_ms; /* the task gives up (timed out) after this */
} sb_task_ctl_t;

int sb_task_session_info(sb_task_session_info_t *out);
/* 1 if the session is locked now (tasks that need the desktop refuse). */
int sb_task_session_locked(void);

/* Message box. buttons/icon are proto Buttons/Icon values; *pressed gets a
 * proto Button value; *timed_out is set when timeout_ms or the deadline
 * passed (the box is closed). Returns SB_ECANCELED when cancelled. */
int sb_task_message_box(const char *title, const char *text, int buttons,
                        int icon, uint32_t timeout_ms, sb_task_ctl_t *ctl,
                        int *pressed, int *timed_out);

int sb_task_notify(const char *title, const char *text, int icon);

/* Clipboard text as UTF-8 (sb_malloc'd, *empty set if there is none). */
int sb_task_clipboard_get_text(uint8_t **data, size_t *len, int *empty);
int sb_task_clipboard_set_text(const uint8_t *data, size_t len);

/* Screenshot as PNG (sb_malloc'd). target: 0 virtual screen, 1 monitor
 * index, 2 region. */
typedef struct {
  int target;
  uint32_t monitor;
  int32_t x, y;
  uint32_t width, height;
} sb_task_shot_t;
int sb_task_screenshot(const sb_task_shot_t *req, uint8_t **png, size_t *len,
                       uint32_t *width, uint32_t *height);

#endif
