/* SPDX-License-Identifier: MIT */
#include "session_mgr.h"

#include <stdio.h>
#include <string.h>

#include "sessionbridge.h"

static const sb_smgr_config_t defaults = {500,   30000, 60000,
                                           15000, 1000,  10000};

void sb_smgr_init(sb_smgr_t *m, const sb_smgr_config_t *cfg) {
  memset(m, 0, sizeof *m);
  m->cfg = cfg ? *cfg : defaults;
  if (!m->cfg.relogon_hold_ms)
    m->cfg.relogon_hold_ms = defaults.relogon_hold_ms;
}

const char *sb_smgr_state_name(sb_smgr_state_t s) {
  switch (s) {
  case SB_SMGR_NONE:
    return "none";
  case SB_SMGR_LAUNCHING:
    return "launching";
  case SB_SMGR_CONNECTED:
    return "connected";
  case SB_SMGR_BACKOFF:
    return "backoff";
  case SB_SMGR_STOPPING:
    return "stopping";
  case SB_SMGR_FAILED:
    return "failed";
  }
  return "?";
}

static sb_smgr_session_t *find_key(sb_smgr_t *m, uint32_t id, uint64_t luid) {
  for (int i = 0; i < SB_SMGR_MAX_SESSIONS; i++)
    if (m->s[i].used && m->s[i].session_id == id && m->s[i].logon_id == luid)
      return &m->s[i];
  return NULL;
}

/* The current incarnation of a session id: not one on its way out. */
static sb_smgr_session_t *find_live(sb_smgr_t *m, uint32_t id) {
  for (int i = 0; i < SB_SMGR_MAX_SESSIONS; i++)
    if (m->s[i].used && m->s[i].session_id == id && !m->s[i].logged_off)
      return &m->s[i];
  return NULL;
}

static sb_smgr_session_t *find_pid(sb_smgr_t *m, uint32_t id, uint32_t pid) {
  for (int i = 0; i < SB_SMGR_MAX_SESSIONS; i++)
    if (m->s[i].used && m->s[i].session_id == id && m->s[i].pid == pid &&
        pid != 0)
      return &m->s[i];
  return NULL;
}

int sb_smgr_launch_wanted(const sb_smgr_t *m, uint32_t id, uint64_t luid) {
  const sb_smgr_session_t *s = find_key((sb_smgr_t *)m, id, luid);
  return !m->stopping && s && !s->logged_off && s->launch_pending &&
         s->state == SB_SMGR_LAUNCHING;
}

size_t sb_smgr_snapshot(const sb_smgr_t *m, uint64_t now, sb_smgr_info_t *out,
                        size_t cap) {
  size_t n = 0;
  for (int i = 0; i < SB_SMGR_MAX_SESSIONS && n < cap; i++) {
    const sb_smgr_session_t *s = &m->s[i];
    if (!s->used || s->logged_off)
      continue;
    sb_smgr_info_t *o = &out[n++];
    memset(o, 0, sizeof *o);
    o->session_id = s->session_id;
    o->logon_id = s->logon_id;
    snprintf(o->state, sizeof o->state, "%s", sb_smgr_state_name(s->state));
    snprintf(o->user, sizeof o->user, "%s", s->user);
    o->pid = s->pid;
    o->launches = s->launches;
    o->crashes = s->crashes;
    o->last_exit_code = s->last_exit_code;
    if (s->state == SB_SMGR_BACKOFF && s->next_launch_at > now)
      o->next_launch_in_ms = s->next_launch_at - now;
    o->locked = s->locked;
    o->disconnected = s->disconnected;
    o->remote = s->remote;
  }
  return n;
}

const sb_smgr_session_t *sb_smgr_find(const sb_smgr_t *m, uint32_t id) {
  return find_live((sb_smgr_t *)m, id);
}

int sb_smgr_agents_running(const sb_smgr_t *m) {
  int n = 0;
  for (int i = 0; i < SB_SMGR_MAX_SESSIONS; i++)
    n += m->s[i].used && m->s[i].pid != 0;
  return n;
}

/* A session whose agent is gone and which is logged off is forgotten. */
static void forget(sb_smgr_session_t *s) { memset(s, 0, sizeof *s); }

static int recently_ended(const sb_smgr_t *m, uint64_t now, uint32_t id,
                          uint64_t luid) {
  for (int i = 0; i < SB_SMGR_MAX_SESSIONS; i++) {
    const sb_smgr_ended_t *e = &m->ended[i];
    if (e->used && e->session_id == id && e->logon_id == luid &&
        now - e->at < m->cfg.relogon_hold_ms)
      return 1;
  }
  return 0;
}

/* End the session: kill its agent if one runs, else forget it now. */
static void end_session(sb_smgr_t *m, uint64_t now, sb_smgr_session_t *s) {
  /* Remember the key for a while: WTS keeps listing a session for a
   * moment after its logoff event, and without this the next enumeration
   * would start a new agent in a session that is going away. The oldest
   * entry is overwritten; a ring this size outlives the hold in practice. */
  sb_smgr_ended_t *e = &m->ended[m->ended_next++ % SB_SMGR_MAX_SESSIONS];
  e->used = 1;
  e->session_id = s->session_id;
  e->logon_id = s->logon_id;
  e->at = now;
  s->logged_off = 1;
  if (s->pid || s->launch_pending)
    s->state = SB_SMGR_STOPPING;
  else
    forget(s);
}

void sb_smgr_logon(sb_smgr_t *m, uint64_t now, uint32_t id, uint64_t luid,
                   const char *user) {
  /* Known already (enumeration repeats itself), or the same logon still
   * being stopped / just ended: never a second entry for one key. */
  if (m->stopping || find_key(m, id, luid) || recently_ended(m, now, id, luid))
    return;
  sb_smgr_session_t *s;
  /* Same id, different logon: the old user is gone (fast user switching
   * or id reuse). Its agent must not serve the new user. */
  sb_smgr_session_t *old = find_live(m, id);
  if (old)
    end_session(m, now, old);
  for (int i = 0; i < SB_SMGR_MAX_SESSIONS; i++) {
    if (!m->s[i].used) {
      s = &m->s[i];
      memset(s, 0, sizeof *s);
      s->used = 1;
      s->session_id = id;
      s->logon_id = luid;
      snprintf(s->user, sizeof s->user, "%s", user ? user : "");
      s->state = SB_SMGR_NONE;
      s->next_launch_at = 0;
      return;
    }
  }
  sb_log(SB_LOG_ERROR, "session manager: more than %d sessions; session %u "
                       "ignored",
         SB_SMGR_MAX_SESSIONS, id);
}

void sb_smgr_logoff(sb_smgr_t *m, uint64_t now, uint32_t id) {
  for (int i = 0; i < SB_SMGR_MAX_SESSIONS; i++)
    if (m->s[i].used && m->s[i].session_id == id && !m->s[i].logged_off)
      end_session(m, now, &m->s[i]);
}

void sb_smgr_lock(sb_smgr_t *m, uint32_t id, int locked) {
  sb_smgr_session_t *s = find_live(m, id);
  /* A locked session keeps its agent: tasks that cannot run while locked
   * answer LOCKED from the agent rather than the agent going away. */
  if (s)
    s->locked = locked;
}

void sb_smgr_connection(sb_smgr_t *m, uint32_t id, int connected,
                        int remote) {
  sb_smgr_session_t *s = find_live(m, id);
  /* A disconnected RDP or console session still runs its programs, so
   * its agent is kept; this is only reported in listings. */
  if (s) {
    s->disconnected = !connected;
    s->remote = remote != 0;
  }
}

void sb_smgr_launched(sb_smgr_t *m, uint64_t now, uint32_t id, uint64_t luid,
                      uint32_t pid) {
  sb_smgr_session_t *s = find_key(m, id, luid);
  if (!s)
    return;
  s->launch_pending = 0;
  s->pid = pid;
  s->launches++;
  s->launched_at = now;
  s->connected_at = 0;
  if (s->state != SB_SMGR_STOPPING)
    s->state = SB_SMGR_LAUNCHING;
}

static void schedule_backoff(sb_smgr_t *m, sb_smgr_session_t *s,
                             uint64_t now) {
  uint64_t delay = m->cfg.backoff_base_ms;
  for (uint32_t i = 1; i < s->crashes && delay < m->cfg.backoff_cap_ms; i++)
    delay *= 2;
  if (delay > m->cfg.backoff_cap_ms)
    delay = m->cfg.backoff_cap_ms;
  s->state = SB_SMGR_BACKOFF;
  s->next_launch_at = now + delay;
}

void sb_smgr_launch_failed(sb_smgr_t *m, uint64_t now, uint32_t id,
                           uint64_t luid, int err) {
  sb_smgr_session_t *s = find_key(m, id, luid);
  if (!s)
    return;
  s->launch_pending = 0;
  if (s->state == SB_SMGR_STOPPING) {
    forget(s);
    return;
  }
  if (err == SB_ENOTOKEN) {
    /* At boot the user's token may not exist yet: not a failure of ours,
     * so it neither counts as a crash nor grows the backoff. */
    s->state = SB_SMGR_BACKOFF;
    s->next_launch_at = now + m->cfg.no_token_retry_ms;
    return;
  }
  s->crashes++;
  schedule_backoff(m, s, now);
}

void sb_smgr_connected(sb_smgr_t *m, uint64_t now, uint32_t id,
                       uint32_t pid) {
  sb_smgr_session_t *s = find_pid(m, id, pid);
  if (!s || s->state != SB_SMGR_LAUNCHING)
    return;
  s->state = SB_SMGR_CONNECTED;
  s->connected_at = now;
}

void sb_smgr_exited(sb_smgr_t *m, uint64_t now, uint32_t id, uint32_t pid,
                    uint32_t code) {
  sb_smgr_session_t *s = find_pid(m, id, pid);
  if (!s)
    return;
  s->pid = 0;
  s->last_exit_code = code;
  if (s->state == SB_SMGR_STOPPING || m->stopping) {
    if (s->logged_off)
      forget(s);
    else
      s->state = SB_SMGR_NONE;
    return;
  }
  if (code == SB_SMGR_EXIT_LOGOFF) {
    /* The session is ending; its logoff event follows. */
    s->state = SB_SMGR_NONE;
    s->next_launch_at = UINT64_MAX;
    return;
  }
  if (code == SB_SMGR_EXIT_PERMANENT) {
    s->state = SB_SMGR_FAILED;
    sb_log(SB_LOG_ERROR,
           "agent of session %u failed permanently (exit %u); not relaunching",
           id, code);
    return;
  }
  /* A run that stayed connected long enough was healthy: start the
   * backoff from the bottom again. */
  if (s->connected_at && now - s->connected_at >= m->cfg.healthy_run_ms)
    s->crashes = 0;
  s->crashes++;
  schedule_backoff(m, s, now);
  sb_log(SB_LOG_WARN,
         "agent of session %u (pid %u) exited with 0x%x; relaunch in %llu ms "
         "(crash %u in a row)",
         id, pid, code, (unsigned long long)(s->next_launch_at - now),
         s->crashes);
}

void sb_smgr_stop(sb_smgr_t *m) {
  m->stopping = 1;
  for (int i = 0; i < SB_SMGR_MAX_SESSIONS; i++) {
    sb_smgr_session_t *s = &m->s[i];
    if (!s->used)
      continue;
    if (s->pid || s->launch_pending)
      s->state = SB_SMGR_STOPPING;
    else
      s->state = SB_SMGR_NONE;
  }
}

static int push(sb_smgr_action_t *out, size_t cap, size_t *n,
                sb_smgr_act_type_t type, const sb_smgr_session_t *s) {
  if (*n >= cap)
    return 0;
  out[*n].type = type;
  out[*n].session_id = s->session_id;
  out[*n].logon_id = s->logon_id;
  out[*n].pid = s->pid;
  (*n)++;
  return 1;
}

size_t sb_smgr_tick(sb_smgr_t *m, uint64_t now, sb_smgr_action_t *out,
                    size_t cap) {
  size_t n = 0;
  for (int i = 0; i < SB_SMGR_MAX_SESSIONS; i++) {
    sb_smgr_session_t *s = &m->s[i];
    if (!s->used)
      continue;
    switch (s->state) {
    case SB_SMGR_STOPPING:
      /* Ask again every tick until the exit is seen: a kill can fail. */
      if (s->pid)
        push(out, cap, &n, SB_SMGR_ACT_KILL, s);
      break;
    case SB_SMGR_NONE:
    case SB_SMGR_BACKOFF:
      if (!m->stopping && !s->launch_pending && !s->pid &&
          now >= s->next_launch_at && push(out, cap, &n, SB_SMGR_ACT_LAUNCH, s)) {
        s->launch_pending = 1;
        s->state = SB_SMGR_LAUNCHING;
      }
      break;
    case SB_SMGR_LAUNCHING:
      /* Launched but never connected: treat as a crash (kill it; its exit
       * then schedules the backoff). */
      if (s->pid && !s->connected_at &&
          now - s->launched_at >= m->cfg.connect_timeout_ms &&
          push(out, cap, &n, SB_SMGR_ACT_KILL, s))
        s->launched_at = now; /* one kill per timeout period */
      break;
    default:
      break;
    }
  }
  return n;
}
