/* SPDX-License-Identifier: MIT */
/* Router: owns the connections of agents and control clients once they
 * are accepted and checked, and forwards each control request to the
 * agent of the session it names, with the request's deadline.
 *
 * The service (service.c) accepts connections, checks peers, and then
 * hands the stream to sb_router_serve_agent / sb_router_serve_control on
 * the connection's own thread; those run the handshake and return when the
 * connection ends. The hooks connect the router to the session manager
 * without either knowing the other's internals. */
#ifndef SB_ROUTER_H
#define SB_ROUTER_H

#include <stddef.h>
#include <stdint.h>

#include "sessionbridge.h"

typedef struct sb_router sb_router_t;

typedef struct {
  uint32_t session_id;
  char state[16];
  char user[128];
  int agent_connected;
  uint32_t agent_pid;
  uint32_t launches;
  int locked;
  int disconnected; /* no client attached (RDP or console) */
  int remote;       /* the last connect or disconnect was an RDP one */
} sb_router_session_t;

typedef struct {
  void *arg;
  /* An agent's channel opened (connected = 1) or ended (0). */
  void (*agent_state)(void *arg, uint32_t session_id, uint32_t pid,
                      int connected);
  /* Snapshot of the sessions for session_list. */
  int (*list_sessions)(void *arg, sb_router_session_t *out, size_t cap,
                       size_t *count);
  /* 1 if the session exists (known to the session manager). */
  int (*session_exists)(void *arg, uint32_t session_id);
  /* 1 if a client (RDP or console) is attached to the session, 0 if it
   * is disconnected, -1 unknown. Message boxes and screenshots for a
   * disconnected session are answered DISCONNECTED at once (or wait for
   * a reconnect when the box asks to). Optional. */
  int (*session_connected)(void *arg, uint32_t session_id);
  /* Identity checks, run right after the handshake: by then data has
   * been read from the pipe, which Windows needs before the server can
   * read the client's token (ImpersonateNamedPipeClient). Non-zero
   * refuses the connection. Optional. */
  int (*verify_agent)(void *arg, sb_stream_t *s, uint32_t session_id,
                      uint32_t pid);
  int (*verify_control)(void *arg, sb_stream_t *s);
  /* Message box for a session without an agent (WTSSendMessage).
   * Optional. */
  int (*fallback_message)(void *arg, uint32_t session_id,
                          const Sbwire__V1__MessageBoxRequest *req,
                          uint32_t deadline_ms, int *pressed,
                          int *timed_out);
} sb_router_hooks_t;

int sb_router_new(sb_router_t **out, const sb_router_hooks_t *hooks);
/* Run an agent connection until it ends (blocks). psk is the per-launch
 * key of that agent. */
void sb_router_serve_agent(sb_router_t *r, uint32_t session_id, uint32_t pid,
                           sb_stream_t *s, const uint8_t psk[SB_PSK_SIZE]);
/* Run a control connection until it ends (blocks). */
void sb_router_serve_control(sb_router_t *r, sb_stream_t *s,
                             const uint8_t psk[SB_PSK_SIZE]);
/* Number of agents with an open channel. */
int sb_router_agents(sb_router_t *r);
/* Session events queued for one subscriber and not yet sent; one more
 * disconnects it (protocol.md, Events). */
#define SB_ROUTER_EVENT_QUEUE 64
/* Push a SessionStateEvent (change: a SessionChange value) to every
 * control connection that subscribed, in the order of the calls. Never
 * waits on a client: it queues, and each connection's thread sends. The
 * router publishes AGENT_UP / AGENT_DOWN itself; the service publishes
 * logon, logoff, lock and unlock. user may be NULL. */
void sb_router_publish(sb_router_t *r, uint32_t session_id, int change,
                       int locked, const char *user, uint32_t agent_pid);
/* The service is stopping: every request being served is cancelled
 * (its caller is answered STATUS_CANCELLED "the service is stopping",
 * and the agent told to stop) and new ones are answered the same, before
 * the agents are ended; otherwise a caller would see its agent lost. */
void sb_router_stopping(sb_router_t *r);
/* End every connection (service stop) and wait for the serve functions
 * to return. */
void sb_router_shutdown(sb_router_t *r);
void sb_router_free(sb_router_t *r);

#endif
