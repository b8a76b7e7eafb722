/* SPDX-License-Identifier: MIT */
/* What the portable service core needs from the OS. service/win and
 * service/posix implement it; tests may implement it with fakes (a seam
 * for what Wine cannot show: other sessions, other users, WTSSendMessage).
 *
 * All functions return 0 or a negative SB_E* code. */
#ifndef SB_SVC_PLATFORM_H
#define SB_SVC_PLATFORM_H

#include <stddef.h>
#include <stdint.h>

#include "sessionbridge.h"
#include "sessionbridge/bootstrap.h"

/* A session as the OS enumerates it. */
typedef struct {
  uint32_t session_id;
  uint64_t logon_id;   /* logon LUID (Windows) / 0; keys the session */
  int has_user;        /* a user is logged on (an agent can run) */
  int locked;          /* 1 locked, 0 not, -1 the OS cannot tell */
  int is_console;
  char user[128];      /* "DOMAIN\\user" or "" */
  char state[16];      /* "active", "connected", "disconnected", ... */
} sb_os_session_t;

/* A launched agent process. */
typedef struct sb_agent_proc sb_agent_proc_t;

typedef struct sb_svc_platform {
  void *ctx;
  /* Enumerate interactive sessions (not only the console). Falls back to
   * the console session when the OS lists none (as Wine does). */
  int (*enum_sessions)(void *ctx, sb_os_session_t *out, size_t cap,
                       size_t *count);
  /* Launch sbagent in the session with the bootstrap record. Returns
   * SB_ENOTOKEN when the user's token is not ready yet (ERROR_NO_TOKEN at
   * boot): the caller retries with backoff instead of giving up. */
  int (*launch_agent)(void *ctx, uint32_t session_id,
                      const sb_bootstrap_t *boot, sb_agent_proc_t **out,
                      uint32_t *pid);
  /* Non-blocking: 1 and *code if the process has exited, else 0. */
  int (*agent_exited)(void *ctx, sb_agent_proc_t *p, uint32_t *code);
  void (*agent_kill)(void *ctx, sb_agent_proc_t *p);
  void (*agent_free)(void *ctx, sb_agent_proc_t *p);
  /* Check an accepted agent connection: client pid, session and user. */
  int (*check_agent_peer)(void *ctx, sb_stream_t *s, uint32_t expect_pid,
                          uint32_t expect_session);
  /* Security for the agent pipe of a session: SDDL (Windows) naming the
   * session user's SID; POSIX: "" (the socket mode is used). */
  int (*agent_sddl)(void *ctx, uint32_t session_id, char *buf, size_t cap);
  /* Check a control-channel client (admin only). */
  int (*check_control_peer)(void *ctx, sb_stream_t *s);
  /* Fallback message box for a session without an agent (WTSSendMessage).
   * *pressed gets a Button value; *timed_out set on timeout. */
  int (*session_message)(void *ctx, uint32_t session_id, const char *title,
                         const char *text, int buttons, int icon,
                         uint32_t timeout_ms, int *pressed, int *timed_out);
} sb_svc_platform_t;

#endif
