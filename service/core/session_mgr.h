/* SPDX-License-Identifier: MIT */
/* Session manager: one small state machine per interactive session.
 *
 *   none --launch--> launching --connected--> connected
 *     ^                  |  ^                     |
 *     |               exit  '---- backoff <--- exit (crash)
 *   logoff/exit           v
 *     '------------- stopping (agent being killed)
 *
 * Sessions are keyed by (session id, logon LUID): a reused session id
 * with a new logon is a new session, and the old one's agent is killed.
 * Every input is a plain function call with the current time, and the
 * machine never calls the OS: it returns actions (launch, kill) for the
 * caller to carry out. So it runs and is tested on any OS, with synthetic
 * event sequences (user switch, logoff during launch, crash loops...). */
#ifndef SB_SESSION_MGR_H
#define SB_SESSION_MGR_H

#include <stddef.h>
#include <stdint.h>

#define SB_SMGR_MAX_SESSIONS 64
/* The exit code Windows gives processes ended by a logoff
 * (STATUS_DLL_INIT_FAILED_LOGOFF): the session is going away, relaunching
 * would be wrong. */
#define SB_SMGR_EXIT_LOGOFF 0xC000026Bu
/* sbagent's own exit code for errors a relaunch cannot fix. */
#define SB_SMGR_EXIT_PERMANENT 2u

typedef enum {
  SB_SMGR_NONE = 0,
  SB_SMGR_LAUNCHING,
  SB_SMGR_CONNECTED,
  SB_SMGR_BACKOFF,
  SB_SMGR_STOPPING,
  SB_SMGR_FAILED
} sb_smgr_state_t;

typedef enum { SB_SMGR_ACT_LAUNCH = 1, SB_SMGR_ACT_KILL } sb_smgr_act_type_t;

typedef struct {
  sb_smgr_act_type_t type;
  uint32_t session_id;
  uint64_t logon_id;
  uint32_t pid; /* KILL: the agent to end */
} sb_smgr_action_t;

typedef struct {
  uint32_t backoff_base_ms;   /* first relaunch delay (500) */
  uint32_t backoff_cap_ms;    /* largest delay (30000) */
  uint32_t healthy_run_ms;    /* a run this long resets the backoff (60000) */
  uint32_t connect_timeout_ms;/* launched but silent this long: kill (15000) */
  uint32_t no_token_retry_ms; /* WTSQueryUserToken not ready yet (1000) */
  /* A logged-off (id, LUID) seen again this soon is the dying session in
   * a late enumeration, not a new logon (10000; 0 means the default). */
  uint32_t relogon_hold_ms;
} sb_smgr_config_t;

typedef struct {
  int used;
  uint32_t session_id;
  uint64_t logon_id;
  char user[128];
  int locked;
  sb_smgr_state_t state;
  int logged_off;     /* stopping because the session ended */
  int launch_pending; /* a LAUNCH action is out, awaiting its result */
  uint32_t pid;
  uint32_t launches;
  uint32_t crashes;   /* consecutive crashes, for the backoff */
  uint64_t next_launch_at;
  uint64_t launched_at;
  uint64_t connected_at;
  uint32_t last_exit_code;
  int disconnected;   /* console/RDP disconnected: the agent stays */
  int remote;         /* last connect/disconnect was a remote (RDP) one */
} sb_smgr_session_t;

/* A session that logged off recently, so a late enumeration that still
 * lists it does not bring it back to life. */
typedef struct {
  int used;
  uint32_t session_id;
  uint64_t logon_id;
  uint64_t at;
} sb_smgr_ended_t;

typedef struct {
  sb_smgr_config_t cfg;
  sb_smgr_session_t s[SB_SMGR_MAX_SESSIONS];
  sb_smgr_ended_t ended[SB_SMGR_MAX_SESSIONS];
  unsigned ended_next;
  int stopping;
} sb_smgr_t;

/* One line of a session listing (a copy: safe to use after unlocking). */
typedef struct {
  uint32_t session_id;
  uint64_t logon_id;
  char state[16];
  char user[128];
  uint32_t pid;       /* 0: no agent process */
  uint32_t launches;
  uint32_t crashes;   /* consecutive, drives the backoff */
  uint32_t last_exit_code;
  uint64_t next_launch_in_ms; /* backoff: time left; else 0 */
  int locked;
  int disconnected;
  int remote;
} sb_smgr_info_t;

void sb_smgr_init(sb_smgr_t *m, const sb_smgr_config_t *cfg);
const char *sb_smgr_state_name(sb_smgr_state_t s);

/* A session with a logged-on user exists (logon event, or found by
 * enumeration; idempotent). */
void sb_smgr_logon(sb_smgr_t *m, uint64_t now, uint32_t id, uint64_t logon_id,
                   const char *user);
void sb_smgr_logoff(sb_smgr_t *m, uint64_t now, uint32_t id);
void sb_smgr_lock(sb_smgr_t *m, uint32_t id, int locked);
/* Console or remote (RDP) connect / disconnect. Only recorded: a
 * disconnected session keeps running, and so does its agent. */
void sb_smgr_connection(sb_smgr_t *m, uint32_t id, int connected, int remote);
/* Results of a LAUNCH action. */
void sb_smgr_launched(sb_smgr_t *m, uint64_t now, uint32_t id,
                      uint64_t logon_id, uint32_t pid);
void sb_smgr_launch_failed(sb_smgr_t *m, uint64_t now, uint32_t id,
                           uint64_t logon_id, int err);
void sb_smgr_connected(sb_smgr_t *m, uint64_t now, uint32_t id, uint32_t pid);
void sb_smgr_exited(sb_smgr_t *m, uint64_t now, uint32_t id, uint32_t pid,
                    uint32_t exit_code);
/* Service stop: kill every agent, launch no more. */
void sb_smgr_stop(sb_smgr_t *m);
/* Actions due at `now` (at most cap). */
size_t sb_smgr_tick(sb_smgr_t *m, uint64_t now, sb_smgr_action_t *out,
                    size_t cap);
/* Whether a LAUNCH action handed out for (id, LUID) is still wanted: the
 * caller asks under its lock right before creating the process, so a
 * logoff that raced the action does not get an agent started for it. */
int sb_smgr_launch_wanted(const sb_smgr_t *m, uint32_t id, uint64_t logon_id);
/* Copy the live sessions (not those on their way out) into out; returns
 * how many (at most cap). */
size_t sb_smgr_snapshot(const sb_smgr_t *m, uint64_t now, sb_smgr_info_t *out,
                        size_t cap);
/* The live (not stopping) session with this id, or NULL. */
const sb_smgr_session_t *sb_smgr_find(const sb_smgr_t *m, uint32_t id);
/* Number of sessions with an agent process (for tests and stop). */
int sb_smgr_agents_running(const sb_smgr_t *m);

#endif
