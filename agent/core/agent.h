/* SPDX-License-Identifier: MIT */
/* sbagent's life: read the bootstrap, connect to the service's agent
 * pipe, check who is serving it, authenticate, serve requests until the
 * channel ends. The platform main() calls sb_agent_main. */
#ifndef SB_AGENT_H
#define SB_AGENT_H

#include "sessionbridge.h"

/* Exit codes. The service stops relaunching on SB_AGENT_EXIT_PERMANENT
 * (relaunching cannot fix a bad bootstrap); the others are retried with
 * backoff. */
#define SB_AGENT_EXIT_OK 0
#define SB_AGENT_EXIT_USAGE 1
#define SB_AGENT_EXIT_PERMANENT 2
#define SB_AGENT_EXIT_SERVER_CHECK 3
#define SB_AGENT_EXIT_HANDSHAKE 4
#define SB_AGENT_EXIT_LOST 5

int sb_agent_main(int argc, char **argv);

/* Serve one authenticated channel until it ends (used by sb_agent_main and
 * by tests that run an agent in-process). Returns an exit code. */
int sb_agent_serve(sb_channel_t *ch, sb_stream_t *s, uint32_t session_id);

#endif
