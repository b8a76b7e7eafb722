/* SPDX-License-Identifier: MIT */
/* The service's OS seam on POSIX, for `sbservice run --console`: the
 * current login is the one session, and the agent is a child process that
 * gets its bootstrap on an inherited pipe fd. */
#include <errno.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "platform_posix.h"

struct sb_agent_proc {
  pid_t pid;
};

static int enum_sessions(void *ctx, sb_os_session_t *out, size_t cap,
                         size_t *count) {
  struct passwd *pw = getpwuid(geteuid());
  (void)ctx;
  *count = 0;
  if (cap < 1)
    return 0;
  memset(out, 0, sizeof *out);
  out->session_id = 1;
  out->logon_id = 1;
  out->has_user = 1;
  snprintf(out->user, sizeof out->user, "%s", pw ? pw->pw_name : "?");
  snprintf(out->state, sizeof out->state, "active");
  *count = 1;
  return 0;
}

static int launch_agent(void *ctx, uint32_t session_id,
                        const sb_bootstrap_t *boot, sb_agent_proc_t **out,
                        uint32_t *pid) {
  sb_posix_platform_t *p = ctx;
  sb_handle_t child_end, parent_end;
  sb_agent_proc_t *proc;
  char fdtext[16];
  int err;
  (void)session_id;
  proc = sb_calloc(1, sizeof *proc);
  if (!proc)
    return SB_ENOMEM;
  if ((err = sb__bootstrap_pipe(&child_end, &parent_end)) != 0) {
    sb_free(proc);
    return err;
  }
  snprintf(fdtext, sizeof fdtext, "%d", (int)child_end);
  proc->pid = fork();
  if (proc->pid < 0) {
    err = SB_EOS;
    sb__handle_close(child_end);
    sb__handle_close(parent_end);
    sb_free(proc);
    return err;
  }
  if (proc->pid == 0) {
    /* Child: the parent end is close-on-exec; only the child end and the
     * standard streams survive. */
    execl(p->agent_path, "sbagent", "--bootstrap", fdtext, (char *)NULL);
    _exit(127);
  }
  sb__handle_close(child_end);
  err = sb__bootstrap_send(parent_end, boot);
  if (err) {
    kill(proc->pid, SIGKILL);
    waitpid(proc->pid, NULL, 0);
    sb_free(proc);
    return err;
  }
  *out = proc;
  *pid = (uint32_t)proc->pid;
  return 0;
}

static int agent_exited(void *ctx, sb_agent_proc_t *p, uint32_t *code) {
  int status;
  (void)ctx;
  if (waitpid(p->pid, &status, WNOHANG) != p->pid)
    return 0;
  *code = WIFEXITED(status) ? (uint32_t)WEXITSTATUS(status)
                            : 128u + (uint32_t)WTERMSIG(status);
  p->pid = 0;
  return 1;
}

static void agent_kill(void *ctx, sb_agent_proc_t *p) {
  (void)ctx;
  if (p->pid > 0)
    kill(p->pid, SIGKILL);
}

static void agent_free(void *ctx, sb_agent_proc_t *p) {
  (void)ctx;
  if (p && p->pid > 0) {
    kill(p->pid, SIGKILL);
    waitpid(p->pid, NULL, 0);
  }
  sb_free(p);
}

static int check_agent_peer(void *ctx, sb_stream_t *s, uint32_t pid,
                            uint32_t session) {
  sb_peer_t peer;
  int err = sb_stream_peer(s, &peer);
  (void)ctx;
  (void)session;
  if (err)
    return err;
  if (peer.pid != pid || peer.uid != (long)geteuid()) {
    sb_log(SB_LOG_WARN,
           "agent pipe: client pid %u uid %ld is not the agent we launched "
           "(pid %u)",
           peer.pid, peer.uid, pid);
    return SB_EPEER;
  }
  return 0;
}

static int check_control_peer(void *ctx, sb_stream_t *s) {
  sb_peer_t peer;
  int err = sb_stream_peer(s, &peer);
  (void)ctx;
  if (err)
    return err;
  /* root, or the user the service runs as (who owns the key anyway). */
  return peer.uid == 0 || peer.uid == (long)geteuid() ? 0 : SB_EPEER;
}

static int agent_sddl(void *ctx, uint32_t session, char *buf, size_t cap) {
  (void)ctx;
  (void)session;
  if (cap)
    buf[0] = 0;
  return 0;
}

void sb_posix_platform_init(sb_posix_platform_t *p, const char *agent_path,
                            sb_svc_platform_t *out) {
  memset(out, 0, sizeof *out);
  p->agent_path = agent_path;
  out->ctx = p;
  out->enum_sessions = enum_sessions;
  out->launch_agent = launch_agent;
  out->agent_exited = agent_exited;
  out->agent_kill = agent_kill;
  out->agent_free = agent_free;
  out->check_agent_peer = check_agent_peer;
  out->check_control_peer = check_control_peer;
  out->agent_sddl = agent_sddl;
  out->session_message = NULL; /* no WTSSendMessage twin on POSIX */
}
