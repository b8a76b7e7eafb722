/* SPDX-License-Identifier: MIT */
/* A fake OS under the service core (the sb_svc_platform_t seam, for what
 * Wine cannot show: other sessions, disconnects, an enumeration that
 * fails), and a service core started on it. The OS lists one session, as
 * the test describes it. Its agents are "launched" but never connect
 * (unless the test connects its own: sbt_fakeos_inproc_agents); each
 * runs until the service kills it and has exited then, so the service's
 * stop does not wait out its grace for a stuck agent. Agent peers are
 * refused (unless in-process), control clients allowed. One fake OS per
 * test.
 *
 * A test of the service's config itself starts the service in three
 * steps (init, config, serve) and changes the config between them. */
#ifndef SBT_FAKE_OS_H
#define SBT_FAKE_OS_H

#include <stddef.h>
#include <stdint.h>

#include "service.h"
#include "sessionbridge.h"

typedef struct {
  sb_service_t *svc;
  char ep[256];             /* the control endpoint */
  char key[512];            /* the control key's file */
  uint8_t psk[SB_PSK_SIZE]; /* the key in it (wiped by stop) */
  /* The agents' endpoint prefix given to the service (which copies
   * it at start). */
  char prefix[256];
} sbt_fakeos_t;

/* What the service asked of the fake OS so far. */
typedef struct {
  int enums, failed_enums, launches, kills;
} sbt_fakeos_counts_t;

/* Start the fake OS listing `session` and a service core on it
 * (sbt_fakeos_init, _config and _serve); returns once the service knows
 * the session. */
void sbt_fakeos_start(sbt_fakeos_t *r, const char *tag,
                      const sb_os_session_t *session);
/* The fake OS listing `session`, and the endpoints and key file named
 * after tag (in r), without a service yet. */
void sbt_fakeos_init(sbt_fakeos_t *r, const char *tag,
                     const sb_os_session_t *session);
/* The config sbt_fakeos_start gives the service: r's endpoints, key file
 * and prefix, an enumeration every 20 ms, fixed session manager times. */
void sbt_fakeos_config(const sbt_fakeos_t *r, sb_service_config_t *cfg);
/* Start the service core (r->svc) with cfg on the fake OS. */
void sbt_fakeos_serve(sbt_fakeos_t *r, const sb_service_config_t *cfg);
/* Stop the service (ending its agents) and the fake OS. */
void sbt_fakeos_stop(sbt_fakeos_t *r);
/* The session's state the next enumerations list ("active", ...). */
void sbt_fakeos_set_state(const char *state);
/* The next enumerations fail (SB_EOS), or (empty) succeed with no
 * session. */
void sbt_fakeos_set_enum(int fail, int empty);
sbt_fakeos_counts_t sbt_fakeos_counts(void);
/* The endpoint in the first agent launch's bootstrap ("" before one). */
void sbt_fakeos_agent_endpoint(char *buf, size_t cap);
/* Agents launched from now on are the test's, in this process (call it
 * between sbt_fakeos_init and _serve): a launch keeps its bootstrap's
 * key and gives this process's pid, and the agent peer check lets such
 * an agent in, so the test connects one (sbt_connect_rpc to the
 * launch's endpoint with its key) as the real agent would. A kill still
 * "ends" it at once; the service then closes its pipe. Off by default. */
void sbt_fakeos_inproc_agents(int on);
/* The key in the first agent launch's bootstrap (zeros before one). */
void sbt_fakeos_agent_key(uint8_t key[SB_PSK_SIZE]);

#endif
