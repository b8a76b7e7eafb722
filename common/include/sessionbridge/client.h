/* SPDX-License-Identifier: MIT */
/* libsessionbridge client API: the stable tier.
 *
 * What a Windows service (or any administrator's program) calls to act in
 * a user's session through sbservice: list sessions, ask a question, show
 * a notification, read or set the clipboard, take a screenshot. Plain C
 * types only; docs/api.md has an example for every call.
 *
 * Rules that hold for every function here:
 *  - Returns 0 or a negative SB_E* code (error.h). After a failure,
 *    sb_client_error_status() and sb_client_error_detail() say more; they
 *    describe the last failed sb_client_* call made by the calling thread.
 *  - One sb_client_t may be used by several threads at once (up to 16
 *    calls in flight; more answer SB_EBUSY at once).
 *  - Every call takes deadline_ms, 1..600000 (0 means
 *    SB_CLIENT_DEFAULT_DEADLINE_MS). The service gets the same deadline
 *    and answers TIMEOUT when it passes; the call itself returns at the
 *    latest about a second after it (the grace lets the service's answer
 *    arrive first).
 *  - Memory returned through an out parameter belongs to the caller and
 *    is released with sb_free(); one sb_free() per returned pointer
 *    releases everything it points to (strings included).
 *  - session is the Windows session id (sbctl sessions lists them). */
#ifndef SESSIONBRIDGE_CLIENT_H
#define SESSIONBRIDGE_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include "sessionbridge/error.h"
#include "sessionbridge/export.h"
#include "sessionbridge/version.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct sb_client sb_client_t;

#define SB_CLIENT_DEFAULT_DEADLINE_MS 30000u
#define SB_CLIENT_MAX_DEADLINE_MS 600000u
/* Clipboard data (text or PNG) in either direction. */
#define SB_CLIENT_CLIPBOARD_MAX (16u * 1024u * 1024u)

/* Connect to the service and authenticate with the control key.
 * endpoint: NULL for the service's own (\\.\pipe\sessionbridge-control on
 * Windows). key_path: NULL for the installed control key
 * (%ProgramData%\sessionbridge\control.key), readable by administrators
 * only. deadline_ms bounds connecting and the handshake. */
SB_EXTERN int sb_client_open(sb_client_t **out, const char *endpoint,
                             const char *key_path, uint32_t deadline_ms);
/* Close the connection. Calls still in progress on other threads return
 * SB_ECANCELED; c must not be used afterwards (wait for those threads
 * before freeing what they use). NULL is ignored. */
SB_EXTERN void sb_client_close(sb_client_t *c);
/* From any thread: every call in progress on c returns SB_ECANCELED now,
 * and the service is asked to cancel them. Calls made afterwards run
 * normally. */
SB_EXTERN void sb_client_cancel(sb_client_t *c);

/* After a failed call on this thread: the status the service or agent
 * answered ("NO_SESSION", "TIMEOUT", "AGENT_LOST", "BUSY"... as in
 * docs/protocol.md, without STATUS_), or "" when the failure was local
 * (no connection, a bad argument). Never NULL; valid until this thread's
 * next sb_client_* call. */
SB_EXTERN const char *sb_client_error_status(void);
/* A human-readable reason for the same failure (the service's detail, or
 * what failed locally). Never NULL, never holds secrets. */
SB_EXTERN const char *sb_client_error_detail(void);

/* Release memory returned by this API. */
SB_EXTERN void sb_free(void *ptr);

/* ---- sessions ---- */

typedef struct {
  uint32_t session_id;
  const char
      *state; /* agent state: none, launching, connected, backoff, stopping */
  const char *user; /* "" when nobody is logged on */
  int agent_connected;
  uint32_t agent_pid;
  uint32_t launches; /* agent launches so far (relaunches after crashes) */
  int locked;
  const char *session_state; /* the session's own: active, locked,
                                disconnected ("" when unknown) */
  int remote;                /* its last connect/disconnect was RDP */
} sb_session_t;

/* The sessions the service knows. *list (sb_free) holds *count entries. */
SB_EXTERN int sb_client_sessions(sb_client_t *c, uint32_t deadline_ms,
                                 sb_session_t **list, size_t *count);

/* A round trip to the session's agent; *rtt_ms (may be NULL) the time it
 * took. */
SB_EXTERN int sb_client_ping(sb_client_t *c, uint32_t session,
                             uint32_t deadline_ms, uint32_t *rtt_ms);

typedef struct {
  uint32_t session_id;
  const char *user;
  const char *domain;
  int locked;
  uint64_t idle_ms; /* since the user's last input */
  int is_console;
  const char *state; /* "active", "connected", "disconnected"... */
} sb_session_info_t;

/* *info (sb_free) describes the session, as its agent sees it. */
SB_EXTERN int sb_client_session_info(sb_client_t *c, uint32_t session,
                                     uint32_t deadline_ms,
                                     sb_session_info_t **info);

/* ---- dialogs ---- */

/* The values are the wire protocol's. */
typedef enum {
  SB_BUTTONS_OK = 1,
  SB_BUTTONS_OK_CANCEL = 2,
  SB_BUTTONS_YES_NO = 3,
  SB_BUTTONS_YES_NO_CANCEL = 4,
  SB_BUTTONS_RETRY_CANCEL = 5
} sb_buttons_t;

typedef enum {
  SB_ICON_NONE = 0,
  SB_ICON_INFO = 1,
  SB_ICON_WARNING = 2,
  SB_ICON_ERROR = 3,
  SB_ICON_QUESTION = 4
} sb_icon_t;

typedef enum {
  SB_ANSWER_TIMEOUT = 0, /* timeout_ms passed with no answer */
  SB_ANSWER_OK = 1,
  SB_ANSWER_CANCEL = 2,
  SB_ANSWER_YES = 3,
  SB_ANSWER_NO = 4,
  SB_ANSWER_RETRY = 5
} sb_answer_t;

/* flags of sb_client_message_box. SB_MSGBOX_WAIT_FOR_CONNECT: when the
 * session is disconnected, wait (within the deadline) for a user to
 * reconnect and show the box then, instead of failing DISCONNECTED. */
#define SB_MSGBOX_WAIT_FOR_CONNECT 1u

/* Show a message box in the session and wait for the user. title (<= 1
 * KiB) and text (<= 64 KiB) are UTF-8. timeout_ms: the box closes by
 * itself after that long and *answer is SB_ANSWER_TIMEOUT (0: it stays
 * until answered or deadline_ms passes, so give deadline_ms more than
 * timeout_ms). flags: 0 or SB_MSGBOX_WAIT_FOR_CONNECT. *via_fallback (may
 * be NULL) is 1 when the session had no agent and the service showed the
 * box itself (WTSSendMessage). */
SB_EXTERN int sb_client_message_box(sb_client_t *c, uint32_t session,
                                    const char *title, const char *text,
                                    sb_buttons_t buttons, sb_icon_t icon,
                                    uint32_t timeout_ms, unsigned flags,
                                    uint32_t deadline_ms, sb_answer_t *answer,
                                    int *via_fallback);

/* What became of a notification. The values are the wire protocol's
 * (NotifyOutcome); an agent that says nothing more (an older one, or a
 * value this header does not know) reads as SB_NOTIFY_ACCEPTED. */
typedef enum {
  SB_NOTIFY_ACCEPTED = 1,  /* the shell took it; nothing more is known */
  SB_NOTIFY_SHOWN = 2,     /* the shell said it is on screen */
  SB_NOTIFY_CLICKED = 3,   /* the user clicked it */
  SB_NOTIFY_DISMISSED = 4, /* taken away (replaced by a newer one, removed) */
  SB_NOTIFY_TIMED_OUT = 5  /* went away by itself or closed by the user */
} sb_notify_outcome_t;

/* A notification (tray balloon / toast). title <= 1 KiB, text <= 4 KiB,
 * not both empty. wait_ms: 0 answers as soon as the shell accepted it;
 * otherwise the agent waits up to that long for a final outcome (clicked,
 * dismissed, timed out), so give deadline_ms more than wait_ms. *outcome
 * (may be NULL) is what is known when the agent answered; *shown (may be
 * NULL) is 1 only when the shell said the notification was shown. Any
 * outcome is a success: the call fails only when the request did. */
SB_EXTERN int sb_client_notify(sb_client_t *c, uint32_t session,
                               const char *title, const char *text,
                               sb_icon_t icon, uint32_t wait_ms,
                               uint32_t deadline_ms,
                               sb_notify_outcome_t *outcome, int *shown);

/* ---- clipboard ---- */

/* The session's clipboard text as UTF-8: *text (sb_free) NUL-terminated,
 * *len its length without the NUL. When the clipboard holds no text:
 * returns 0 with *text NULL and *len 0. */
SB_EXTERN int sb_client_clipboard_get_text(sb_client_t *c, uint32_t session,
                                           uint32_t deadline_ms, char **text,
                                           size_t *len);
/* flags of the clipboard set calls. SB_CLIPBOARD_SENSITIVE: keep the
 * data out of clipboard history, cloud clipboard and clipboard monitors
 * (for passwords and the like; protocol.md, clipboard_set). */
#define SB_CLIPBOARD_SENSITIVE 1u

/* Put len bytes of UTF-8 text (<= SB_CLIENT_CLIPBOARD_MAX) on the
 * session's clipboard. flags: 0 or SB_CLIPBOARD_SENSITIVE. */
SB_EXTERN int sb_client_clipboard_set_text(sb_client_t *c, uint32_t session,
                                           const char *text, size_t len,
                                           unsigned flags,
                                           uint32_t deadline_ms);
/* The clipboard's bitmap as PNG bytes (*png, sb_free). When the clipboard
 * holds no image: returns 0 with *png NULL and *len 0. */
SB_EXTERN int sb_client_clipboard_get_image(sb_client_t *c, uint32_t session,
                                            uint32_t deadline_ms, uint8_t **png,
                                            size_t *len);
/* Put a PNG image (<= SB_CLIENT_CLIPBOARD_MAX) on the clipboard as a
 * bitmap. flags: 0 or SB_CLIPBOARD_SENSITIVE. */
SB_EXTERN int sb_client_clipboard_set_image(sb_client_t *c, uint32_t session,
                                            const uint8_t *png, size_t len,
                                            unsigned flags,
                                            uint32_t deadline_ms);

/* ---- screenshot ---- */

typedef struct {
  int32_t x, y; /* virtual-screen coordinates (may be negative) */
  uint32_t width, height;
} sb_region_t;

/* monitor for the whole virtual screen (every monitor). */
#define SB_SCREEN_ALL (-1)

/* flags of sb_client_screenshot: SB_SCREENSHOT_SMALL compresses harder
 * (smaller PNG, more CPU in the agent); the default is fast. */
#define SB_SCREENSHOT_SMALL 1u

/* A PNG of the session's screen: monitor SB_SCREEN_ALL (the virtual
 * screen) or a monitor index from 0 (sb_client_monitors), or, when region
 * is not NULL, that rectangle (monitor must then be SB_SCREEN_ALL).
 * *png (sb_free) gets the PNG bytes; width, height, x and y (each may be
 * NULL) its size and where its top-left pixel is on the virtual screen. */
SB_EXTERN int sb_client_screenshot(sb_client_t *c, uint32_t session,
                                   int monitor, const sb_region_t *region,
                                   unsigned flags, uint32_t deadline_ms,
                                   uint8_t **png, size_t *len, uint32_t *width,
                                   uint32_t *height, int32_t *x, int32_t *y);

typedef struct {
  uint32_t index; /* what sb_client_screenshot's monitor takes */
  sb_region_t rect;
  int primary;
  uint32_t dpi;       /* effective DPI, 96 = 100 % */
  const char *device; /* e.g. \\.\DISPLAY1 */
} sb_monitor_t;

typedef struct {
  size_t count;
  const sb_monitor_t *monitors;
  sb_region_t virtual_screen; /* the bounding rectangle of all monitors */
  const char *dpi_awareness;  /* the agent's */
} sb_monitors_t;

/* The session's monitors; *out (one sb_free) holds them all. */
SB_EXTERN int sb_client_monitors(sb_client_t *c, uint32_t session,
                                 uint32_t deadline_ms, sb_monitors_t **out);

/* ---- session events ---- */

/* The values are the wire protocol's SessionChange. */
typedef enum {
  SB_SESSION_LOGON = 1,
  SB_SESSION_LOGOFF = 2,
  SB_SESSION_LOCK = 3,
  SB_SESSION_UNLOCK = 4,
  SB_SESSION_AGENT_UP = 5,  /* the session's agent connected */
  SB_SESSION_AGENT_DOWN = 6 /* it went away (exit, crash, logoff) */
} sb_session_change_t;

typedef struct {
  uint32_t session_id;
  sb_session_change_t change;
  int locked;         /* the session's lock state after the change */
  const char *user;   /* "" when the service does not know it yet */
  uint32_t agent_pid; /* AGENT_UP / AGENT_DOWN */
  uint32_t lost;      /* events dropped before this one (queue full) */
} sb_session_event_t;

/* Events kept for sb_client_next_event; past this the oldest is dropped
 * and counted in the next event's `lost`. */
#define SB_CLIENT_EVENT_QUEUE 256

/* Ask the service to push session changes to this handle (on = 1) or to
 * stop (on = 0). Only changes after the call are reported: call
 * sb_client_sessions() after it for the current state. */
SB_EXTERN int sb_client_subscribe(sb_client_t *c, int on, uint32_t deadline_ms);
/* The next session change, in the order the service saw them: waits up
 * to deadline_ms for one. *ev (sb_free) on success; SB_ETIMEDOUT when
 * none came, SB_ECANCELED after sb_client_cancel(), SB_EPIPE when the
 * connection has ended and every event was taken. */
SB_EXTERN int sb_client_next_event(sb_client_t *c, uint32_t deadline_ms,
                                   sb_session_event_t **ev);

#ifdef __cplusplus
}
#endif
#endif
