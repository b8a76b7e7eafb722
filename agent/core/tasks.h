/* SPDX-License-Identifier: MIT */
/* What the agent can do in its session: one function per task, one
 * implementation file per task and platform (agent/win, agent/posix).
 * All return 0 or a negative SB_E* code. Blocking tasks take a cancel
 * flag they poll; the dispatcher runs them on their own threads. */
#ifndef SB_AGENT_TASKS_H
#define SB_AGENT_TASKS_H

#include <stddef.h>
#include <stdint.h>

#include "sb_png.h"

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

/* The session this process runs in: id, user and domain (UTF-8), locked,
 * milliseconds since the last user input, console or not. */
int sb_task_session_info(sb_task_session_info_t *out);
/* 1 if the session is locked now (tasks that need the desktop refuse).
 * Windows: the input desktop cannot be opened (access denied, as while the
 * lock screen or a secure desktop has the input) or is not "Default". */
int sb_task_session_locked(void);
/* 1 if no client (RDP or console) is attached to the session: a dialog or
 * a screenshot would reach nobody. Windows: WTSConnectState is
 * WTSDisconnected. */
int sb_task_session_disconnected(void);
/* Watch the session's own lock/unlock and connect/disconnect events for
 * the agent's whole life (Windows: WTSRegisterSessionNotification on a
 * window of its own thread), so sb_task_session_locked and the info's
 * state follow them. The POSIX build has nothing to watch. */
int sb_task_session_watch_start(void);
void sb_task_session_watch_stop(void);

/* Message box; blocks until it is answered or closed, so the caller runs it
 * on its own thread. buttons/icon are proto Buttons/Icon values; *pressed
 * gets a proto Button value (BUTTON_NONE when closed by us). The box closes
 * at the first of timeout_ms and ctl->deadline_ms (0: no limit) and then
 * *timed_out is 1; ctl may be NULL. Returns SB_ECANCELED when ctl->cancel
 * was set (the box is closed too), SB_EUTF8 for a title or text that is not
 * UTF-8. */
int sb_task_message_box(const char *title, const char *text, int buttons,
                        int icon, uint32_t timeout_ms, sb_task_ctl_t *ctl,
                        int *pressed, int *timed_out);

/* What became of a notification (the proto NotifyOutcome values). */
enum {
  SB_NOTE_ACCEPTED = 1, /* the shell took it; nothing more is known */
  SB_NOTE_SHOWN = 2,    /* on screen (NIN_BALLOONSHOW) */
  SB_NOTE_CLICKED = 3,
  SB_NOTE_DISMISSED = 4, /* taken away: replaced, removed, the agent ends */
  SB_NOTE_TIMED_OUT = 5  /* went away by itself, or closed by the user */
};
/* Notification (icon is a proto Icon value) as a balloon on the agent's
 * one notification-area icon. 0 once the shell accepted it, with
 * *outcome what is known after waiting up to wait_ms (0: not at all;
 * bounded by ctl's deadline, ended by its cancel) for a final outcome;
 * *shown (may be NULL) 1 only when the shell said it was shown.
 * SB_EFIELD when title and text are both empty, SB_ETOOBIG when text is
 * over SB_MSG_NOTIFY_TEXT_MAX bytes. Longer titles and texts than the
 * shell shows are cut, not refused. */
int sb_task_notify(const char *title, const char *text, int icon,
                   uint32_t wait_ms, sb_task_ctl_t *ctl, int *outcome,
                   int *shown);
/* Remove the notification icon (agent exit). */
void sb_task_notify_shutdown(void);
/* The checks sb_task_notify makes first (both platforms). */
int sb_task_notify_check(const char *title, const char *text);
/* Clipboard text to set: size cap (SB_ETOOBIG) and no NUL byte
 * (SB_EFIELD): CF_UNICODETEXT ends at the first NUL, so such a text
 * would be cut silently; strict UTF-8 (SB_EUTF8). */
int sb_task_clipboard_text_check(const uint8_t *data, size_t len);
/* Clipboard image to set: a PNG signature and an IHDR chunk first with a
 * plausible size (SB_EFIELD with *why otherwise), SB_ETOOBIG over
 * SB_CLIPBOARD_MAX. Both platforms check this before anything else. */
int sb_task_clipboard_image_check(const uint8_t *png, size_t len,
                                  const char **why);

/* Every clipboard call below runs on a worker thread that the caller
 * abandons at ctl->deadline_ms (less a margin for the answer; SB_ETIMEDOUT)
 * or when ctl->cancel is set (SB_ECANCELED): a program that owns the
 * clipboard and never renders its data cannot hang the task, the agent's
 * shutdown or, past the deadline, the session's clipboard. ctl may be NULL
 * (no limit). */
/* Clipboard text as UTF-8 (sb_malloc'd and NUL-terminated; *empty set and
 * *data NULL when there is no text). SB_EBUSY when another program held
 * the clipboard for about a second, SB_ETOOBIG over SB_CLIPBOARD_MAX.
 * Set is all-or-nothing: SB_EUTF8 or SB_ETOOBIG leave the clipboard as it
 * was. sensitive: also put the formats that keep Windows' clipboard
 * history and cloud clipboard away from the data, in the same
 * open/empty/set/close. */
int sb_task_clipboard_get_text(uint8_t **data, size_t *len, int *empty,
                               sb_task_ctl_t *ctl);
int sb_task_clipboard_set_text(const uint8_t *data, size_t len, int sensitive,
                               sb_task_ctl_t *ctl);
/* The clipboard's bitmap as PNG (sb_malloc'd): CF_DIB, which Windows also
 * renders from CF_BITMAP and CF_DIBV5, bounds-checked by sb_dib_check and
 * converted by GDI into 32-bit top-down pixels. *empty
 * set and *png NULL when there is no bitmap. SB_EBUSY as for text;
 * SB_EFIELD or SB_ETOOBIG with *why saying what about the bitmap. */
int sb_task_clipboard_get_image(uint8_t **png, size_t *len, uint32_t *width,
                                uint32_t *height, int *empty,
                                const char **why, sb_task_ctl_t *ctl);
/* Put a PNG on the clipboard as a bitmap (CF_DIB, 24 bits; Windows
 * renders CF_BITMAP from it for programs that ask). All or nothing: a
 * PNG sb_png_decode_bgra refuses (SB_EFIELD or SB_ETOOBIG, with *why)
 * leaves the clipboard as it was. */
int sb_task_clipboard_set_image(const uint8_t *png, size_t len, int sensitive,
                                const char **why, sb_task_ctl_t *ctl);

/* Screenshot as PNG (sb_malloc'd). target: 0 virtual screen (every
 * monitor, its origin possibly negative), 1 monitor index (0-based,
 * EnumDisplayMonitors order, as sb_task_monitors lists them), 2 region in
 * virtual-screen coordinates, clipped to the screen. compression:
 * SB_PNG_FAST or SB_PNG_SMALL. Pixels are physical (the agent is
 * per-monitor DPI aware). Captured and encoded in bands of rows, so the
 * desktop is never held whole as BGRA. SB_EFIELD for a missing monitor
 * or a region that is empty or off screen, SB_ETOOBIG over
 * SB_SCREENSHOT_PIXELS_MAX pixels or a PNG over SB_SCREENSHOT_MAX. *x, *y
 * (optional) get the picture's top-left corner on the virtual screen. */
/* Where a screenshot's time went, in microseconds of wall time (filled
 * when the request points at one): BitBlt and GdiFlush of every band,
 * filtering and deflating the rows as they come, and the PNG's end (the
 * last segment's deflate, Adler-32, CRC). The agent logs them and
 * scripts/bench.sh prints them (docs/performance.md). */
typedef struct {
  uint64_t capture_us, rows_us, finish_us;
} sb_task_shot_times_t;
/* Where a screenshot goes while it is encoded (optional, in
 * sb_task_shot_t), instead of into one buffer: begin once, with the
 * picture's size and its top-left corner on the virtual screen, before
 * any byte; then bytes with the PNG in order, as sb_png_enc_set_sink
 * hands it out (pieces of piece_max bytes, the last one shorter and
 * marked last). A non-zero return from either stops the screenshot,
 * which returns it. So the agent sends the first chunk while it is
 * still capturing and encoding the rest (protocol.md, "Screenshots and
 * monitors"). */
typedef struct {
  int (*begin)(void *arg, uint32_t width, uint32_t height, int32_t x,
               int32_t y);
  sb_png_sink_fn bytes;
  size_t piece_max;
  void *arg;
} sb_task_shot_sink_t;
typedef struct {
  int target;
  uint32_t monitor;
  int32_t x, y;
  uint32_t width, height;
  int compression;
  sb_task_shot_times_t *times; /* optional, out */
  /* Optional: with it, sb_task_screenshot_at hands the PNG to the sink
   * and returns *png NULL and *len its size. */
  const sb_task_shot_sink_t *sink;
} sb_task_shot_t;
int sb_task_screenshot(const sb_task_shot_t *req, uint8_t **png, size_t *len,
                       uint32_t *width, uint32_t *height);
int sb_task_screenshot_at(const sb_task_shot_t *req, uint8_t **png,
                          size_t *len, uint32_t *width, uint32_t *height,
                          int32_t *x, int32_t *y);

/* The session's monitors in EnumDisplayMonitors order. */
typedef struct {
  int32_t x, y; /* virtual-screen pixels */
  uint32_t width, height;
  int primary;
  uint32_t dpi;     /* effective DPI, 96 = 100 % */
  char device[64];  /* UTF-8, e.g. \\.\DISPLAY1 */
} sb_task_monitor_t;
/* Up to max monitors into list (*n of them; more are left out, never an
 * error), the virtual screen's rectangle into vs (x, y, width, height),
 * and the process's DPI awareness ("per-monitor-v2", "per-monitor",
 * "system" or "unaware") into *awareness. */
int sb_task_monitors(sb_task_monitor_t *list, size_t max, size_t *n,
                     int32_t vs[4], const char **awareness);
/* Make the process per-monitor DPI aware (v2 where Windows has it, else
 * per-monitor, else system), unless its manifest already did; the agent
 * calls it first thing. Returns the awareness now in force, as above. */
const char *sb_task_dpi_aware(void);

#endif
