/* SPDX-License-Identifier: MIT */
/* The service core (see service.h). One manager thread owns the session
 * manager's clock: it enumerates sessions, polls agent processes, and
 * carries out the LAUNCH / KILL actions the state machine returns. The
 * connection threads (sb_server) only check peers and hand streams to the
 * router. */
#include "service.h"
#include "svc_event.h"

#include <stdio.h>
#include <string.h>

#include "router.h"
#include "sessionbridge.h"

#define TICK_MS 100
#define MAX_LAUNCHES SB_SMGR_MAX_SESSIONS
#define REJECT_LOG_INTERVAL_MS 5000

/* One launched agent: its process, its pipe and its key. */
typedef struct {
  int used;
  sb_service_t *svc;
  uint32_t session_id;
  uint64_t logon_id;
  uint32_t pid;
  sb_agent_proc_t *proc;
  sb_server_t *server;
  uint8_t *psk; /* SB_PSK_SIZE, sb_secret_alloc'd: guarded, wiped on free */
  char endpoint[128];
  int exited; /* seen to exit while the service stops; released by stop */
} launch_t;

/* The config strings the service copies (cfg's const char * fields). */
#define OWNED_STRINGS 5

struct sb_service {
  /* Its strings point into owned[], never at the caller's memory: a
   * caller may free or reuse its config once sb_service_start returns. */
  sb_service_config_t cfg;
  char *owned[OWNED_STRINGS];
  sb_svc_platform_t plat;
  sb_mutex_t *lock;
  sb_smgr_t smgr;
  sb_router_t *router;
  sb_server_t *control;
  /* SB_PSK_SIZE in sb_secret_alloc'd memory (guard pages, not swapped
   * where the OS allows), read-only once read, wiped by sb_secret_free. */
  uint8_t *control_psk;
  sb_thread_t *manager;
  launch_t launches[MAX_LAUNCHES];
  int stopping;
  int enumerate_now;
  uint64_t reject_logged_at;
  uint64_t rejects_unlogged;
};

/* ---- helpers ---- */

/* A hostile local client can connect as often as it likes: log the first
 * rejection, then at most one summary line per interval. */
static void log_rejected(sb_service_t *svc, const char *what, int err) {
  uint64_t now = sb_now_ms();
  sb_mutex_lock(svc->lock);
  if (svc->reject_logged_at && now - svc->reject_logged_at <
                                   REJECT_LOG_INTERVAL_MS) {
    svc->rejects_unlogged++;
    sb_mutex_unlock(svc->lock);
    return;
  }
  uint64_t skipped = svc->rejects_unlogged;
  svc->rejects_unlogged = 0;
  svc->reject_logged_at = now;
  sb_mutex_unlock(svc->lock);
  sb_log(SB_LOG_WARN, "rejected %s: %s (%llu more rejections not logged)",
         what, sb_strerror(err), (unsigned long long)skipped);
}

static void release_launch(launch_t *l) {
  if (l->server)
    sb_server_stop(l->server);
  if (l->proc)
    l->svc->plat.agent_free(l->svc->plat.ctx, l->proc);
  if (l->psk) {
    sb_secret_free(l->psk, SB_PSK_SIZE); /* wipes */
  }
  memset(l, 0, sizeof *l);
}

/* ---- connections ---- */

static void agent_conn(void *arg, sb_stream_t *s) {
  launch_t *l = arg;
  sb_service_t *svc = l->svc;
  uint32_t pid = 0;
  /* The agent can connect before launch_agent has returned its pid to
   * us; wait briefly for it. */
  for (int i = 0; i < 300; i++) {
    sb_mutex_lock(svc->lock);
    pid = l->pid;
    sb_mutex_unlock(svc->lock);
    if (pid)
      break;
    sb_sleep_ms(10);
  }
  if (!pid) {
    log_rejected(svc, "agent pipe client (no agent launched yet)", SB_EPEER);
    return;
  }
  /* The client's pid is known at accept (GetNamedPipeClientProcessId,
   * SO_PEERCRED): drop any other process before spending a handshake on
   * it, so a flood from the session user cannot hold this pipe's few
   * slots for a handshake deadline each (threats.md §3.34). */
  sb_peer_t peer;
  int err = sb_stream_peer(s, &peer);
  if (err || peer.pid != pid) {
    log_rejected(svc, "agent pipe client (not the agent we launched)",
                 err ? err : SB_EPEER);
    return;
  }
  /* The router handshakes with the launch's PSK, then calls
   * verify_agent (pid, session, user) before serving. */
  sb_router_serve_agent(svc->router, l->session_id, pid, s, l->psk);
}

static void control_conn(void *arg, sb_stream_t *s) {
  sb_service_t *svc = arg;
  sb_router_serve_control(svc->router, s, svc->control_psk);
}

static int hook_verify_agent(void *arg, sb_stream_t *s, uint32_t session,
                             uint32_t pid) {
  sb_service_t *svc = arg;
  int err = svc->plat.check_agent_peer(svc->plat.ctx, s, pid, session);
  if (err)
    log_rejected(svc, "agent pipe client (not the agent we launched)", err);
  return err;
}

static int hook_verify_control(void *arg, sb_stream_t *s) {
  sb_service_t *svc = arg;
  int err = svc->plat.check_control_peer(svc->plat.ctx, s);
  if (err)
    log_rejected(svc, "control pipe client (not SYSTEM or an administrator)",
                 err);
  return err;
}

/* ---- router hooks ---- */

static void hook_agent_state(void *arg, uint32_t id, uint32_t pid,
                             int connected) {
  sb_service_t *svc = arg;
  if (!connected)
    return; /* the process exit is what moves the state machine */
  sb_mutex_lock(svc->lock);
  sb_smgr_connected(&svc->smgr, sb_now_ms(), id, pid);
  sb_mutex_unlock(svc->lock);
}

static int hook_list(void *arg, sb_router_session_t *out, size_t cap,
                     size_t *count) {
  sb_service_t *svc = arg;
  sb_smgr_info_t info[SB_SMGR_MAX_SESSIONS];
  sb_mutex_lock(svc->lock);
  size_t n = sb_smgr_snapshot(&svc->smgr, sb_now_ms(), info,
                              cap < SB_SMGR_MAX_SESSIONS ? cap
                                                         : SB_SMGR_MAX_SESSIONS);
  sb_mutex_unlock(svc->lock);
  for (size_t i = 0; i < n; i++) {
    memset(&out[i], 0, sizeof out[i]);
    out[i].session_id = info[i].session_id;
    snprintf(out[i].state, sizeof out[i].state, "%s", info[i].state);
    snprintf(out[i].user, sizeof out[i].user, "%s", info[i].user);
    out[i].agent_connected = strcmp(info[i].state, "connected") == 0;
    out[i].agent_pid = info[i].pid;
    out[i].launches = info[i].launches;
    out[i].locked = info[i].locked;
    out[i].disconnected = info[i].disconnected;
    out[i].remote = info[i].remote;
  }
  *count = n;
  return 0;
}

static int hook_exists(void *arg, uint32_t id) {
  sb_service_t *svc = arg;
  sb_mutex_lock(svc->lock);
  int found = sb_smgr_find(&svc->smgr, id) != NULL;
  sb_mutex_unlock(svc->lock);
  return found;
}

static int hook_connected(void *arg, uint32_t id) {
  sb_service_t *svc = arg;
  sb_mutex_lock(svc->lock);
  const sb_smgr_session_t *s = sb_smgr_find(&svc->smgr, id);
  int connected = s ? !s->disconnected : -1;
  sb_mutex_unlock(svc->lock);
  return connected;
}

static int hook_fallback(void *arg, uint32_t id,
                         const Sbwire__V1__MessageBoxRequest *req,
                         uint32_t deadline_ms, int *pressed, int *timed_out) {
  sb_service_t *svc = arg;
  uint32_t timeout = req->timeout_ms ? req->timeout_ms : deadline_ms;
  if (timeout > deadline_ms)
    timeout = deadline_ms;
  if (!svc->plat.session_message)
    return SB_ENOAGENT;
  return svc->plat.session_message(svc->plat.ctx, id, req->title, req->text,
                                   (int)req->buttons, (int)req->icon, timeout,
                                   pressed, timed_out);
}

/* ---- manager ---- */

static void enumerate(sb_service_t *svc, uint64_t now) {
  sb_os_session_t list[SB_SMGR_MAX_SESSIONS];
  size_t n = 0;
  int err = svc->plat.enum_sessions(svc->plat.ctx, list, SB_SMGR_MAX_SESSIONS,
                                    &n);
  if (err) {
    sb_log(SB_LOG_WARN, "cannot enumerate sessions: %s", sb_strerror(err));
    return;
  }
  sb_mutex_lock(svc->lock);
  for (size_t i = 0; i < n; i++) {
    if (!list[i].has_user)
      continue;
    sb_smgr_logon(&svc->smgr, now, list[i].session_id, list[i].logon_id,
                  list[i].user);
    /* Only when the OS can tell: otherwise every enumeration would undo
     * the lock state that SESSIONCHANGE reported. */
    if (list[i].locked >= 0)
      sb_smgr_lock(&svc->smgr, list[i].session_id, list[i].locked);
    /* The connect state as the OS lists it (WTS: WTSActive, WTSConnected,
     * WTSDisconnected) corrects a missed or late SESSIONCHANGE; whether
     * it was an RDP one is kept from the events. */
    const sb_smgr_session_t *s = sb_smgr_find(&svc->smgr, list[i].session_id);
    if (s && list[i].state[0]) {
      int connected = strcmp(list[i].state, "disconnected") != 0;
      if (connected == s->disconnected)
        sb_smgr_connection(&svc->smgr, list[i].session_id, connected,
                           s->remote);
    }
  }
  /* Sessions that are gone (or lost their user) end. */
  for (int j = 0; j < SB_SMGR_MAX_SESSIONS; j++) {
    sb_smgr_session_t *s = &svc->smgr.s[j];
    int present = 0;
    if (!s->used || s->logged_off)
      continue;
    for (size_t i = 0; i < n && !present; i++)
      present = list[i].has_user && list[i].session_id == s->session_id &&
                list[i].logon_id == s->logon_id;
    if (!present) {
      sb_log(SB_LOG_INFO, "session %u ended", s->session_id);
      sb_smgr_logoff(&svc->smgr, now, s->session_id);
    }
  }
  sb_mutex_unlock(svc->lock);
}

static void poll_exits(sb_service_t *svc, uint64_t now) {
  for (int i = 0; i < MAX_LAUNCHES; i++) {
    launch_t *l = &svc->launches[i];
    uint32_t code = 0;
    if (!l->used || !l->proc || l->exited ||
        !svc->plat.agent_exited(svc->plat.ctx, l->proc, &code))
      continue;
    sb_log(SB_LOG_INFO, "agent of session %u (pid %u) exited with 0x%x",
           l->session_id, l->pid, code);
    sb_mutex_lock(svc->lock);
    sb_smgr_exited(&svc->smgr, now, l->session_id, l->pid, code);
    int stopping = svc->stopping;
    sb_mutex_unlock(svc->lock);
    /* Releasing a launch stops its pipe, which waits for the agent's
     * connection to end, which waits for every request relayed through
     * it; one stuck writing to a caller that does not read holds that up
     * for the frame deadline (5 s). While the service stops, that caller
     * is freed only when sb_service_stop closes the control connections,
     * after this thread has returned: the launch is released there. */
    if (stopping)
      l->exited = 1;
    else
      release_launch(l);
  }
}

static launch_t *find_launch_pid(sb_service_t *svc, uint32_t pid) {
  for (int i = 0; i < MAX_LAUNCHES; i++)
    if (svc->launches[i].used && svc->launches[i].pid == pid)
      return &svc->launches[i];
  return NULL;
}

static int do_launch(sb_service_t *svc, const sb_smgr_action_t *a,
                     launch_t *l) {
  sb_server_opts_t so;
  sb_bootstrap_t *boot = NULL;
  char sddl[512];
  uint8_t rnd[8];
  int err;

  l->used = 1;
  l->svc = svc;
  l->session_id = a->session_id;
  l->logon_id = a->logon_id;
  l->psk = sb_secret_alloc(SB_PSK_SIZE);
  if (!l->psk)
    return SB_ENOMEM;
  /* The action was handed out a moment ago without the lock held across
   * the launch: if the session logged off (or the service is stopping)
   * since, no agent must be started for it. A logoff that lands during
   * the launch itself is handled by the state machine (the agent is then
   * killed). */
  sb_mutex_lock(svc->lock);
  int wanted = sb_smgr_launch_wanted(&svc->smgr, a->session_id, a->logon_id);
  sb_mutex_unlock(svc->lock);
  if (!wanted)
    return SB_ECANCELED;
  sb_random(l->psk, SB_PSK_SIZE);
  sb_secret_readonly(l->psk, 1);
  sb_random(rnd, sizeof rnd);
  /* A fresh random name per launch: nothing can be pre-created for it. */
  snprintf(l->endpoint, sizeof l->endpoint,
           "%s-%u-%02x%02x%02x%02x%02x%02x%02x%02x", svc->cfg.agent_prefix,
           a->session_id, rnd[0], rnd[1], rnd[2], rnd[3], rnd[4], rnd[5],
           rnd[6], rnd[7]);
  err = svc->plat.agent_sddl(svc->plat.ctx, a->session_id, sddl, sizeof sddl);
  if (err)
    return err;
  memset(&so, 0, sizeof so);
  so.endpoint = l->endpoint;
  so.listen.sddl = sddl;
  so.listen.mode = 0600;
  so.listen.gid = -1;
  /* One agent; a few spare slots so a squatting attempt cannot lock the
   * real agent out. */
  so.max_connections = 4;
  so.on_conn = agent_conn;
  so.arg = l;
  err = sb_server_start(&l->server, &so);
  if (err)
    return err;
  /* The record holds the key: in secret memory too, not on the stack. */
  if (!(boot = sb_secret_alloc(sizeof *boot)))
    return SB_ENOMEM;
  boot->version = SB_BOOTSTRAP_VERSION;
  memcpy(boot->psk, l->psk, SB_PSK_SIZE);
  boot->session_id = a->session_id;
  boot->service_pid = sb_getpid();
  snprintf(boot->endpoint, sizeof boot->endpoint, "%s", l->endpoint);
  uint32_t pid = 0;
  err = svc->plat.launch_agent(svc->plat.ctx, a->session_id, boot, &l->proc,
                               &pid);
  sb_secret_free(boot, sizeof *boot); /* wipes */
  if (err)
    return err;
  sb_mutex_lock(svc->lock);
  l->pid = pid;
  sb_smgr_launched(&svc->smgr, sb_now_ms(), a->session_id, a->logon_id, pid);
  sb_mutex_unlock(svc->lock);
  sb_log(SB_LOG_INFO, "launched agent pid %u into session %u (pipe %s)", pid,
         a->session_id, l->endpoint);
  return 0;
}

static void run_actions(sb_service_t *svc, sb_smgr_action_t *acts, size_t n) {
  for (size_t i = 0; i < n; i++) {
    if (acts[i].type == SB_SMGR_ACT_KILL) {
      launch_t *l = find_launch_pid(svc, acts[i].pid);
      if (l && l->proc)
        svc->plat.agent_kill(svc->plat.ctx, l->proc);
      continue;
    }
    launch_t *l = NULL;
    for (int j = 0; j < MAX_LAUNCHES && !l; j++)
      if (!svc->launches[j].used)
        l = &svc->launches[j];
    int err = l ? do_launch(svc, &acts[i], l) : SB_ELIMIT;
    if (err == SB_ENOTOKEN || err == SB_ECANCELED) {
      sb_log(SB_LOG_INFO, "cannot launch the agent into session %u: %s",
             acts[i].session_id, sb_strerror(err));
    } else if (err) {
      sb_svc_log_kind(SB_EV_AGENT_LAUNCH_FAILED, SB_LOG_ERROR,
                      "cannot launch the agent into session %u: %s",
                      acts[i].session_id, sb_strerror(err));
    }
    if (err) {
      if (l)
        release_launch(l);
      sb_mutex_lock(svc->lock);
      sb_smgr_launch_failed(&svc->smgr, sb_now_ms(), acts[i].session_id,
                            acts[i].logon_id, err);
      sb_mutex_unlock(svc->lock);
    }
  }
}

static void manager_main(void *arg) {
  sb_service_t *svc = arg;
  uint64_t next_enum = 0, stop_started = 0;
  for (;;) {
    uint64_t now = sb_now_ms();
    sb_smgr_action_t acts[SB_SMGR_MAX_SESSIONS];
    sb_mutex_lock(svc->lock);
    int stopping = svc->stopping;
    int force = svc->enumerate_now;
    svc->enumerate_now = 0;
    sb_mutex_unlock(svc->lock);
    if (!stopping && (force || now >= next_enum)) {
      enumerate(svc, now);
      next_enum = now + svc->cfg.enum_interval_ms;
    }
    poll_exits(svc, now);
    sb_mutex_lock(svc->lock);
    size_t n = sb_smgr_tick(&svc->smgr, now, acts, SB_SMGR_MAX_SESSIONS);
    int running = sb_smgr_agents_running(&svc->smgr);
    sb_mutex_unlock(svc->lock);
    run_actions(svc, acts, n);
    if (stopping && !stop_started)
      stop_started = now;
    if (stopping && running == 0)
      break;
    /* An agent that survives ten seconds of kills is abandoned to the job
     * object (which ends it with the service) rather than hanging stop. */
    if (stopping && now - stop_started > 10000) {
      sb_log(SB_LOG_ERROR, "%d agent(s) did not exit; stopping anyway",
             running);
      break;
    }
    sb_sleep_ms(TICK_MS);
  }
}

int sb_svc_agent_sddl(const char *sid, char *buf, size_t cap) {
  if (!sid || !buf || !sid[0] || strchr(sid, ')') || strchr(sid, ';'))
    return SB_EINVAL;
  if ((size_t)snprintf(buf, cap, "D:P(D;;GA;;;NU)(A;;GA;;;SY)(A;;0x12019b;;;%s)",
                       sid) >= cap)
    return SB_ETOOBIG;
  return 0;
}

/* Copy cfg's strings (the defaults already filled in) into owned[]. */
static int own_strings(sb_service_t *svc) {
  const char **f[OWNED_STRINGS] = {
      &svc->cfg.agent_path, &svc->cfg.control_endpoint,
      &svc->cfg.control_key_path, &svc->cfg.control_sddl,
      &svc->cfg.agent_prefix};
  for (int i = 0; i < OWNED_STRINGS; i++) {
    if (*f[i] && !(svc->owned[i] = sb_strdup(*f[i])))
      return SB_ENOMEM;
    *f[i] = svc->owned[i];
  }
  svc->cfg.smgr = NULL; /* copied by sb_smgr_init, not kept */
  return 0;
}

/* What both sb_service_start's failure and sb_service_stop free last. */
static void service_free(sb_service_t *svc) {
  sb_router_free(svc->router);
  if (svc->lock)
    sb_mutex_free(svc->lock);
  sb_secret_free(svc->control_psk, SB_PSK_SIZE); /* wipes */
  for (int i = 0; i < OWNED_STRINGS; i++)
    sb_free(svc->owned[i]);
  sb_free(svc);
}

/* ---- public ---- */

int sb_service_start(sb_service_t **out, const sb_service_config_t *cfg,
                     const sb_svc_platform_t *plat) {
  sb_service_t *svc;
  sb_server_opts_t so;
  sb_router_hooks_t hooks;
  char endpoint[256], keypath[512];
  int err;

  if (!out || !cfg || !cfg->agent_path || !plat)
    return SB_EINVAL;
  *out = NULL;
  svc = sb_calloc(1, sizeof *svc);
  if (!svc)
    return SB_ENOMEM;
  svc->cfg = *cfg;
  svc->plat = *plat;
  if (!svc->cfg.enum_interval_ms)
    svc->cfg.enum_interval_ms = 2000;
  if (!svc->cfg.control_sddl)
    svc->cfg.control_sddl = SB_SVC_CONTROL_SDDL;
  sb_smgr_init(&svc->smgr, cfg->smgr);
  if (!cfg->control_key_path) {
    if ((err = sb_path_control_key(keypath, sizeof keypath)) != 0)
      goto fail;
    svc->cfg.control_key_path = keypath;
  }
  if (!cfg->control_endpoint) {
    if ((err = sb_path_control_endpoint(endpoint, sizeof endpoint)) != 0)
      goto fail;
    svc->cfg.control_endpoint = endpoint;
  }
  if ((err = own_strings(svc)) != 0 || (err = sb_mutex_new(&svc->lock)) != 0)
    goto fail;
  if (!(svc->control_psk = sb_secret_alloc(SB_PSK_SIZE))) {
    err = SB_ENOMEM;
    goto fail;
  }
  err = sb_key_file_read(svc->cfg.control_key_path, svc->control_psk);
  if (!err)
    sb_secret_readonly(svc->control_psk, 1);
  if (err) {
    sb_log(SB_LOG_ERROR, "cannot read the control key %s: %s",
           svc->cfg.control_key_path, sb_strerror(err));
    goto fail;
  }
  memset(&hooks, 0, sizeof hooks);
  hooks.arg = svc;
  hooks.agent_state = hook_agent_state;
  hooks.list_sessions = hook_list;
  hooks.session_exists = hook_exists;
  hooks.session_connected = hook_connected;
  hooks.fallback_message = hook_fallback;
  hooks.verify_agent = hook_verify_agent;
  hooks.verify_control = hook_verify_control;
  if ((err = sb_router_new(&svc->router, &hooks)) != 0)
    goto fail;
  memset(&so, 0, sizeof so);
  /* The server keeps this pointer (its log lines name the endpoint). */
  so.endpoint = svc->cfg.control_endpoint;
  so.listen.sddl = svc->cfg.control_sddl;
  so.listen.mode = 0600;
  so.listen.gid = -1;
  so.on_conn = control_conn;
  so.arg = svc;
  err = sb_server_start(&svc->control, &so);
  if (err) {
    sb_log(SB_LOG_ERROR, "cannot open the control endpoint %s: %s",
           so.endpoint, sb_strerror(err));
    goto fail;
  }
  err = sb_thread_create(&svc->manager, manager_main, svc, 0);
  if (err)
    goto fail;
  sb_log(SB_LOG_INFO, "service started; control endpoint %s", so.endpoint);
  *out = svc;
  return 0;

fail:
  if (svc->control)
    sb_server_stop(svc->control);
  service_free(svc);
  return err;
}

void sb_service_session_event(sb_service_t *svc, sb_svc_event_t ev,
                              uint32_t id) {
  uint64_t now = sb_now_ms();
  char user[128] = "";
  int change = 0, locked = 0;
  const sb_smgr_session_t *known;
  sb_mutex_lock(svc->lock);
  /* Who it is, for the subscribers' event (before a logoff forgets). */
  known = sb_smgr_find(&svc->smgr, id);
  if (known) {
    snprintf(user, sizeof user, "%s", known->user);
    locked = known->locked;
  }
  switch (ev) {
  case SB_SVC_EVENT_LOGON:
  case SB_SVC_EVENT_CONNECT:
  case SB_SVC_EVENT_REMOTE_CONNECT:
    /* The enumeration carries the logon id and user name. */
    svc->enumerate_now = 1;
    if (ev != SB_SVC_EVENT_LOGON)
      sb_smgr_connection(&svc->smgr, id, 1,
                         ev == SB_SVC_EVENT_REMOTE_CONNECT);
    else
      change = SBWIRE__V1__SESSION_CHANGE__SESSION_CHANGE_LOGON;
    break;
  case SB_SVC_EVENT_LOGOFF:
    sb_smgr_logoff(&svc->smgr, now, id);
    change = SBWIRE__V1__SESSION_CHANGE__SESSION_CHANGE_LOGOFF;
    break;
  case SB_SVC_EVENT_LOCK:
    sb_smgr_lock(&svc->smgr, id, 1);
    change = SBWIRE__V1__SESSION_CHANGE__SESSION_CHANGE_LOCK;
    locked = 1;
    break;
  case SB_SVC_EVENT_UNLOCK:
    sb_smgr_lock(&svc->smgr, id, 0);
    change = SBWIRE__V1__SESSION_CHANGE__SESSION_CHANGE_UNLOCK;
    locked = 0;
    break;
  case SB_SVC_EVENT_DISCONNECT:
  case SB_SVC_EVENT_REMOTE_DISCONNECT:
    /* A disconnected session keeps running, and keeps its agent. */
    sb_smgr_connection(&svc->smgr, id, 0,
                       ev == SB_SVC_EVENT_REMOTE_DISCONNECT);
    break;
  }
  sb_mutex_unlock(svc->lock);
  sb_log(SB_LOG_INFO, "session %u: event %d", id, (int)ev);
  /* Subscribed control clients hear of it (protocol.md, Events). */
  if (change)
    sb_router_publish(svc->router, id, change, locked, user, 0);
}

size_t sb_service_snapshot(sb_service_t *svc, sb_smgr_info_t *out,
                           size_t cap) {
  if (!svc || !out)
    return 0;
  sb_mutex_lock(svc->lock);
  size_t n = sb_smgr_snapshot(&svc->smgr, sb_now_ms(), out, cap);
  sb_mutex_unlock(svc->lock);
  return n;
}

int sb_service_agents_connected(sb_service_t *svc) {
  return sb_router_agents(svc->router);
}

void sb_service_stop(sb_service_t *svc, void (*progress)(void *arg),
                     void *arg) {
  if (!svc)
    return;
  sb_log(SB_LOG_INFO, "service stopping");
  /* Callers first hear that the service stops, then the agents end. */
  sb_router_stopping(svc->router);
  sb_mutex_lock(svc->lock);
  svc->stopping = 1;
  sb_smgr_stop(&svc->smgr);
  sb_mutex_unlock(svc->lock);
  if (progress)
    progress(arg);
  /* The manager kills every agent and returns once all have exited; it
   * leaves their launches (pipes) to be released below, once the control
   * connections are closed (poll_exits says why). */
  sb_thread_join(svc->manager);
  if (progress)
    progress(arg);
  sb_server_stop(svc->control);
  sb_router_shutdown(svc->router);
  for (int i = 0; i < MAX_LAUNCHES; i++)
    if (svc->launches[i].used)
      release_launch(&svc->launches[i]);
  service_free(svc);
  sb_log(SB_LOG_INFO, "service stopped");
}
