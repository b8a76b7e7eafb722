/* SPDX-License-Identifier: MIT */
#include "agent.h"
#include "sessionbridge/bootstrap.h"

#include <stdio.h>
#include <string.h>

#include "dispatch.h"

static int connect_and_serve(sb_bootstrap_t *boot) {
  sb_stream_t *s = NULL;
  sb_channel_t *ch = NULL;
  sb_channel_opts_t opts;
  sb_io_t io;
  uint32_t server_pid = 0;
  int err, rc;

  err = sb_stream_connect(&s, boot->endpoint, 10000);
  if (err) {
    sb_log(SB_LOG_ERROR, "agent: cannot connect to %s: %s", boot->endpoint,
           sb_strerror(err));
    return SB_AGENT_EXIT_LOST;
  }
  /* A squatter could own the name: before any byte is sent, the server
   * must be the service that launched us (OpenVPN's CVE-2024-4877 fix). */
  err = sb_stream_server_pid(s, &server_pid);
  if (err || server_pid != boot->service_pid) {
    sb_log(SB_LOG_ERROR,
           "agent: pipe server is pid %u, expected the service pid %u: "
           "refusing to talk to it",
           server_pid, boot->service_pid);
    sb_stream_close(s);
    return SB_AGENT_EXIT_SERVER_CHECK;
  }
  io = sb_stream_io(s);
  memset(&opts, 0, sizeof opts);
  opts.role = SB_ROLE_CLIENT;
  opts.psk = boot->psk;
  err = sb_channel_new(&ch, &io, &opts);
  /* The channel keeps its own copy in locked memory. */
  sb__bootstrap_wipe(boot);
  if (!err)
    err = sb_channel_handshake(ch);
  if (err) {
    sb_log(SB_LOG_ERROR, "agent: handshake failed: %s", sb_strerror(err));
    sb_channel_free(ch);
    sb_stream_close(s);
    return SB_AGENT_EXIT_HANDSHAKE;
  }
  rc = sb_agent_serve(ch, s, boot->session_id);
  sb_stream_close(s);
  return rc;
}

typedef struct {
  sb_mutex_t *lock;
  sb_cond_t *cond;
  int closed;
  int err;
  sb_dispatch_t *d;
} life_t;

static void on_request(void *arg, sb_rpc_t *rpc, sb_rpc_incoming_t *in) {
  life_t *l = arg;
  sb_dispatch_request(l->d, rpc, in);
}

static void on_closed(void *arg, sb_rpc_t *rpc, int err) {
  life_t *l = arg;
  (void)rpc;
  sb_mutex_lock(l->lock);
  l->closed = 1;
  l->err = err;
  sb_cond_broadcast(l->cond);
  sb_mutex_unlock(l->lock);
}

int sb_agent_serve(sb_channel_t *ch, sb_stream_t *s, uint32_t session_id) {
  life_t life;
  sb_rpc_opts_t ro;
  sb_rpc_t *rpc = NULL;
  int rc = SB_AGENT_EXIT_LOST;

  memset(&life, 0, sizeof life);
  if (sb_mutex_new(&life.lock) || sb_cond_new(&life.cond) ||
      sb_dispatch_new(&life.d, session_id) != 0) {
    sb_channel_free(ch);
    goto out;
  }
  memset(&ro, 0, sizeof ro);
  ro.on_request = on_request;
  ro.on_closed = on_closed;
  ro.arg = &life;
  ro.stream = s;
  ro.max_transfer = SB_CLIPBOARD_MAX;
  if (sb_rpc_start(&rpc, ch, &ro) != 0) {
    sb_channel_free(ch);
    goto out;
  }
  sb_log(SB_LOG_INFO, "agent: serving session %u", session_id);
  sb_mutex_lock(life.lock);
  while (!life.closed)
    sb_cond_wait(life.cond, life.lock, -1);
  sb_mutex_unlock(life.lock);
  /* Close open dialogs and wait for task threads before the rpc goes. */
  sb_dispatch_shutdown(life.d);
  sb_rpc_stop(rpc);
  rc = life.err == SB_EOF ? SB_AGENT_EXIT_OK : SB_AGENT_EXIT_LOST;
  sb_log(SB_LOG_INFO, "agent: channel ended (%s)", sb_err_name(life.err));
out:
  sb_dispatch_free(life.d);
  if (life.cond)
    sb_cond_free(life.cond);
  if (life.lock)
    sb_mutex_free(life.lock);
  return rc;
}

int sb_agent_main(int argc, char **argv) {
  sb_bootstrap_t *boot = NULL;
  const char *handle = NULL;
  int err, rc;

  if (argc == 2 && strcmp(argv[1], "--version") == 0) {
    printf("sbagent %s\n", SB_VERSION);
    return 0;
  }
  for (int i = 1; i < argc; i++)
    if (strcmp(argv[i], "--bootstrap") == 0 && i + 1 < argc)
      handle = argv[++i];
  if (!handle) {
    sb_log(SB_LOG_ERROR, "agent: started without --bootstrap HANDLE; sbagent "
                         "is launched by the sessionbridge service");
    return SB_AGENT_EXIT_USAGE;
  }
  if (sb_init() != 0)
    return SB_AGENT_EXIT_PERMANENT;
  /* The record carries the session's key until the channel has copied
   * it into its own secret block: keep it in secret memory (guard pages,
   * not swapped where the OS allows), wiped by sb_secret_free. */
  if (!(boot = sb_secret_alloc(sizeof *boot)))
    return SB_AGENT_EXIT_PERMANENT;
  err = sb__bootstrap_receive(handle, boot);
  if (err) {
    sb_log(SB_LOG_ERROR, "agent: bad bootstrap: %s", sb_strerror(err));
    sb_secret_free(boot, sizeof *boot);
    return SB_AGENT_EXIT_PERMANENT;
  }
  rc = connect_and_serve(boot);
  sb_secret_free(boot, sizeof *boot); /* wipes */
  return rc;
}
