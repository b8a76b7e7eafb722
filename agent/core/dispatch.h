/* SPDX-License-Identifier: MIT */
/* Agent request dispatch: quick requests are answered on the reader
 * thread; tasks that block (dialogs, clipboard, screenshots) run on their
 * own threads so the agent keeps answering while a box is open. */
#ifndef SB_AGENT_DISPATCH_H
#define SB_AGENT_DISPATCH_H

#include "sessionbridge.h"

/* At most this many message boxes open at once (then BUSY). */
#define SB_AGENT_MAX_BOXES 4

typedef struct sb_dispatch sb_dispatch_t;

int sb_dispatch_new(sb_dispatch_t **out, uint32_t session_id);
void sb_dispatch_request(sb_dispatch_t *d, sb_rpc_t *rpc,
                         sb_rpc_incoming_t *in);
/* Where the dispatcher asks about its own session before a message box
 * or a screenshot: the platform's sb_task_session_disconnected and
 * sb_task_session_locked unless set (tests give synthetic states). Both
 * are called from any thread. */
typedef struct {
  int (*disconnected)(void *arg);
  int (*locked)(void *arg);
  void *arg;
} sb_dispatch_probe_t;
void sb_dispatch_set_probe(sb_dispatch_t *d, const sb_dispatch_probe_t *p);
/* Cancels that reached a task still running (and set its cancel flag):
 * what a test reads to see a Cancel arrive at the agent. */
uint64_t sb_dispatch_cancels(sb_dispatch_t *d);
/* Cancel running tasks and wait for their threads. */
void sb_dispatch_shutdown(sb_dispatch_t *d);
void sb_dispatch_free(sb_dispatch_t *d);

#endif
