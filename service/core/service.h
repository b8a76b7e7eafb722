/* SPDX-License-Identifier: MIT */
/* The service core: session manager + agent launches + agent and control
 * pipes + router, independent of how the process was started (SCM,
 * console) and of the OS (through sb_svc_platform_t). */
#ifndef SB_SERVICE_H
#define SB_SERVICE_H

#include <stdint.h>

#include "platform.h"
#include "session_mgr.h"

typedef struct {
  const char *agent_path;       /* full path of sbagent */
  const char *control_endpoint; /* NULL: sb_path_control_endpoint */
  const char *control_key_path; /* NULL: sb_path_control_key */
  const char *control_sddl;     /* Windows; NULL: SY + BA only */
  const char *agent_prefix;     /* endpoint prefix for agent pipes */
  uint32_t enum_interval_ms;    /* 0: 2000 */
  const sb_smgr_config_t *smgr; /* NULL: defaults */
} sb_service_config_t;

typedef struct sb_service sb_service_t;

typedef enum {
  SB_SVC_EVENT_LOGON = 1,
  SB_SVC_EVENT_LOGOFF,
  SB_SVC_EVENT_LOCK,
  SB_SVC_EVENT_UNLOCK,
  SB_SVC_EVENT_CONNECT,           /* console connect */
  SB_SVC_EVENT_DISCONNECT,        /* console disconnect */
  SB_SVC_EVENT_REMOTE_CONNECT,    /* RDP client connected */
  SB_SVC_EVENT_REMOTE_DISCONNECT, /* RDP client gone; the session runs on */
} sb_svc_event_t;

/* Control pipe: protected DACL, NETWORK denied first, SYSTEM and
 * Administrators only. */
#define SB_SVC_CONTROL_SDDL "D:P(D;;GA;;;NU)(A;;GA;;;SY)(A;;GA;;;BA)"

/* The SDDL of an agent pipe for a session user's SID: NETWORK denied,
 * SYSTEM full, the user read/write but not FILE_CREATE_PIPE_INSTANCE
 * (0x12019b, as OpenSSH's agent), so the user cannot add instances. */
int sb_svc_agent_sddl(const char *user_sid, char *buf, size_t cap);

/* Start: read the control key, open the control pipe (refuses if the name
 * exists), start the session manager thread. cfg's strings (and *smgr)
 * are copied: the caller may free or reuse them once this returns. */
int sb_service_start(sb_service_t **out, const sb_service_config_t *cfg,
                     const sb_svc_platform_t *plat);
/* A session change (SERVICE_CONTROL_SESSIONCHANGE or its POSIX twin). */
void sb_service_session_event(sb_service_t *svc, sb_svc_event_t ev,
                              uint32_t session_id);
/* Copy of the session manager's live sessions (for tests and listings). */
size_t sb_service_snapshot(sb_service_t *svc, sb_smgr_info_t *out,
                           size_t cap);
/* Number of agents with an open channel. */
int sb_service_agents_connected(sb_service_t *svc);
/* End every agent, close every pipe, free. wait_hint is called while
 * stopping so an SCM can be told we are making progress. */
void sb_service_stop(sb_service_t *svc, void (*progress)(void *arg),
                     void *arg);

#endif
