/* SPDX-License-Identifier: MIT */
/* A router serving one session (id 1) behind an agent endpoint and a
 * control endpoint, with an in-process agent already connected: the
 * common setup of the tests that send requests through the router to an
 * agent (a fake one, or the real dispatcher). */
#ifndef SBT_ROUTER_RIG_H
#define SBT_ROUTER_RIG_H

#include <stdint.h>

#include "router.h"
#include "sessionbridge.h"

typedef struct {
  sb_router_t *router;
  sb_server_t *asrv, *csrv;
  char agent_ep[256], control_ep[256];
  const uint8_t *agent_key, *control_key;
  /* The agent's rpc and stream. A test that stops the agent's rpc itself
   * (its exit is what it tests) sets agent to NULL. */
  sb_rpc_t *agent;
  sb_stream_t *as;
} sbt_router_rig_t;

/* Start the router and both servers ("<tag>-agent", "<tag>-control", at
 * most max connections each), connect an agent that serves requests with
 * agent_fn, and wait until the router has it (fails the test if it never
 * does). The keys must outlive the rig. */
void sbt_router_rig_start(sbt_router_rig_t *r, const char *tag, int max,
                          const uint8_t *agent_key, const uint8_t *control_key,
                          sb_rpc_request_fn agent_fn);
/* Shut the router down, stop the agent (unless the test did), stop both
 * servers and free the router. Control clients are the test's: it closes
 * them first. */
void sbt_router_rig_stop(sbt_router_rig_t *r);

/* Send req as request id on a control channel, for session 1 and with a
 * 10 s deadline (scaled) unless req has one; fails the test if the send
 * does. */
void sbt_router_send(sb_channel_t *ch, uint64_t id, Sbwire__V1__Request *req);
/* The same for a ping, and for a Cancel of target. */
void sbt_router_send_ping(sb_channel_t *ch, uint64_t id);
void sbt_router_send_cancel(sb_channel_t *ch, uint64_t id, uint64_t target);

#endif
