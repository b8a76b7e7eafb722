/* SPDX-License-Identifier: MIT */
/* Router: agent links, control connections, and request forwarding. */
#include "router.h"

#include <stdio.h>
#include <string.h>

typedef struct agent_link {
  struct agent_link *next;
  uint32_t session_id;
  uint32_t pid;
  sb_rpc_t *rpc;
  sb_stream_t *stream;
  /* Signalled when closed or refs change; its own so that a request
   * finishing on one agent does not wake every connection's thread. */
  sb_cond_t *cond;
  int refs;
  int inflight; /* calls on rpc; capped at SB_RPC_MAX_OUTSTANDING */
  int queued;   /* forwards waiting for one of those slots */
  int closed;
} agent_link_t;

/* A forwarding thread of one control connection. It lives as long as the
 * connection and takes one request at a time (in != NULL: busy), so a
 * client's stream of requests costs no thread creation per request. */
typedef struct worker {
  sb_thread_t *thread;
  sb_cond_t *cond; /* signalled when given a request or told to quit */
  int quit;
  struct control_conn *conn;
  sb_rpc_incoming_t *in;
  /* The rest is guarded by the router's lock. id: the request being
   * served (in is freed by its answer before the worker goes idle, so a
   * Cancel looks for the id, never at in). link: the agent it is
   * forwarded to, while the worker holds a reference to it. */
  uint64_t id;
  int cancelled;
  agent_link_t *link;
  int writing; /* relay: writing a chunk of link's download to the caller */
  sb_rpc_ticket_t ticket;
} worker_t;

/* One session event as published, waiting in a subscriber's queue. */
typedef struct {
  uint32_t session_id;
  int change;
  int locked; /* 0 or 1: sb_router_publish normalises what it is given */
  uint32_t agent_pid;
  char user[SB_MSG_USER_MAX + 1];
} event_rec_t;

typedef struct control_conn {
  struct control_conn *next;
  sb_router_t *router;
  sb_rpc_t *rpc;
  sb_stream_t *stream;
  sb_cond_t *cond; /* signalled when closed */
  int closed;
  int closing; /* no new workers: they are being joined */
  int subscribed; /* session events are pushed to it */
  /* Events waiting to be sent by the connection's own thread (so a
   * subscriber slow to read holds up no one else: publishing only queues).
   * hold: a subscribe answer is on its way, and goes first. */
  event_rec_t queue[SB_ROUTER_EVENT_QUEUE];
  size_t head, count;
  int hold;
  worker_t workers[SB_RPC_MAX_OUTSTANDING];
} control_conn_t;

struct sb_router {
  sb_router_hooks_t hooks;
  sb_mutex_t *lock;
  sb_cond_t *cond; /* serving count (shutdown waits on it) */
  agent_link_t *links;
  control_conn_t *controls;
  int shutting_down;
  int stopping; /* sb_router_stopping: the service is on its way down */
  int serving; /* serve_* calls in progress */
};

int sb_router_new(sb_router_t **out, const sb_router_hooks_t *hooks) {
  sb_router_t *r;
  if (!out || !hooks || !hooks->list_sessions || !hooks->session_exists)
    return SB_EINVAL;
  r = sb_calloc(1, sizeof *r);
  if (!r)
    return SB_ENOMEM;
  r->hooks = *hooks;
  if (sb_mutex_new(&r->lock) || sb_cond_new(&r->cond)) {
    sb_router_free(r);
    return SB_ENOMEM;
  }
  *out = r;
  return 0;
}

void sb_router_free(sb_router_t *r) {
  if (!r)
    return;
  if (r->cond)
    sb_cond_free(r->cond);
  if (r->lock)
    sb_mutex_free(r->lock);
  sb_free(r);
}

/* Handshake as the server. Failures are logged with the reason (never the
 * key) and end the connection. */
static sb_channel_t *open_channel(sb_stream_t *s, const uint8_t *psk,
                                  const char *who) {
  sb_channel_t *ch = NULL;
  sb_channel_opts_t opts;
  sb_io_t io = sb_stream_io(s);
  int err;
  memset(&opts, 0, sizeof opts);
  opts.role = SB_ROLE_SERVER;
  opts.psk = psk;
  err = sb_channel_new(&ch, &io, &opts);
  if (!err)
    err = sb_channel_handshake(ch);
  if (err) {
    sb_log(SB_LOG_WARN, "%s: handshake failed: %s", who, sb_strerror(err));
    sb_channel_free(ch);
    return NULL;
  }
  return ch;
}

/* ---- session events ---- */

void sb_router_publish(sb_router_t *r, uint32_t session_id, int change,
                       int locked, const char *user, uint32_t agent_pid) {
  if (!r)
    return;
  /* Only queued here, under the lock (one order for every subscriber):
   * the publisher is the OS's session notification or an agent link, and
   * must never wait on a client's pipe. Each connection's own thread
   * sends (sb_router_serve_control). */
  sb_mutex_lock(r->lock);
  for (control_conn_t *c = r->controls; c; c = c->next) {
    event_rec_t *e;
    if (!c->subscribed || c->closed || c->closing)
      continue;
    if (c->count == SB_ROUTER_EVENT_QUEUE) {
      /* It has not read the last SB_ROUTER_EVENT_QUEUE events: drop it
       * rather than hold them all, or lose some silently (protocol.md,
       * Events). Its thread ends the connection. */
      sb_log(SB_LOG_WARN,
             "control client: %u session events not read: disconnected",
             (unsigned)SB_ROUTER_EVENT_QUEUE);
      c->subscribed = 0;
      c->count = 0;
      sb_stream_interrupt(c->stream);
      continue;
    }
    e = &c->queue[(c->head + c->count) % SB_ROUTER_EVENT_QUEUE];
    e->session_id = session_id;
    e->change = change;
    e->locked = locked != 0;
    e->agent_pid = agent_pid;
    snprintf(e->user, sizeof e->user, "%s", user ? user : "");
    c->count++;
    sb_cond_broadcast(c->cond);
  }
  sb_mutex_unlock(r->lock);
}

/* Send one queued event (the connection's own thread, without the lock). */
static int send_event(control_conn_t *c, const event_rec_t *e) {
  Sbwire__V1__Envelope env = SBWIRE__V1__ENVELOPE__INIT;
  Sbwire__V1__Event ev = SBWIRE__V1__EVENT__INIT;
  Sbwire__V1__SessionStateEvent st = SBWIRE__V1__SESSION_STATE_EVENT__INIT;
  st.session_id = e->session_id;
  st.locked = e->locked;
  st.change = (Sbwire__V1__SessionChange)e->change;
  st.user = (char *)e->user;
  st.agent_pid = e->agent_pid;
  ev.body_case = SBWIRE__V1__EVENT__BODY_SESSION_STATE;
  ev.session_state = &st;
  env.request_id = 0;
  env.body_case = SBWIRE__V1__ENVELOPE__BODY_EVENT;
  env.event = &ev;
  return sb_rpc_send_raw(c->rpc, &env);
}

/* ---- agents ---- */

typedef struct {
  sb_router_t *r;
  agent_link_t *link;
} agent_ctx_t;

static void agent_closed(void *arg, sb_rpc_t *rpc, int err) {
  agent_ctx_t *ctx = arg;
  (void)rpc;
  if (err && err != SB_EOF)
    sb_log(SB_LOG_WARN, "agent of session %u (pid %u): connection ended: %s",
           ctx->link->session_id, ctx->link->pid, sb_strerror(err));
  sb_mutex_lock(ctx->r->lock);
  ctx->link->closed = 1;
  sb_cond_broadcast(ctx->link->cond);
  sb_mutex_unlock(ctx->r->lock);
}

/* The session's lock state for an agent event, from the session
 * manager's listing (0 when it does not know the session). */
static int session_locked(sb_router_t *r, uint32_t session_id) {
  sb_router_session_t *list = sb_calloc(SB_MSG_SESSIONS_MAX, sizeof *list);
  size_t n = 0;
  int locked = 0;
  if (!list)
    return 0;
  if (r->hooks.list_sessions(r->hooks.arg, list, SB_MSG_SESSIONS_MAX, &n) == 0)
    for (size_t i = 0; i < n; i++)
      if (list[i].session_id == session_id)
        locked = list[i].locked;
  sb_free(list);
  return locked;
}

/* Agents serve requests; they do not make them. */
static void agent_request(void *arg, sb_rpc_t *rpc, sb_rpc_incoming_t *in) {
  (void)arg;
  sb_rpc_respond_error(rpc, in, SB_EACCES, "the service takes no requests "
                                           "from agents");
}

/* Wait (router lock held) until no worker holds a reference to link. A
 * worker relaying a download from this agent may be stuck writing a chunk
 * to a caller that does not read, for up to the frame deadline (5 s,
 * protocol.md section 2), and the agent's end, and with it the manager's
 * and the service's stop, would wait for it. Such a caller is
 * disconnected at that deadline anyway; if it is still in that write
 * after RELAY_GRACE_MS it is disconnected now (its stream interrupted:
 * the write fails, the worker lets go). The download could not have been
 * finished: its agent is gone. */
#define RELAY_GRACE_MS 1000
static void wait_unreferenced(sb_router_t *r, agent_link_t *link) {
  uint64_t until = sb_now_ms() + RELAY_GRACE_MS;
  int cut = 0;
  while (link->refs > 0) {
    uint64_t now = sb_now_ms();
    if (!cut && now >= until) {
      for (control_conn_t *c = r->controls; c; c = c->next)
        for (int i = 0; i < SB_RPC_MAX_OUTSTANDING; i++)
          if (c->workers[i].link == link && c->workers[i].writing) {
            sb_log(SB_LOG_WARN,
                   "a caller did not read a download from the agent of "
                   "session %u for %d ms while that agent ended: "
                   "disconnected",
                   link->session_id, RELAY_GRACE_MS);
            sb_stream_interrupt(c->stream);
            break;
          }
      cut = 1;
    }
    sb_cond_wait(link->cond, r->lock, cut ? -1 : (int)(until - now));
  }
}

void sb_router_serve_agent(sb_router_t *r, uint32_t session_id, uint32_t pid,
                           sb_stream_t *s, const uint8_t psk[SB_PSK_SIZE]) {
  agent_link_t link;
  agent_ctx_t ctx = {r, &link};
  sb_rpc_opts_t ro;
  sb_channel_t *ch;
  char who[64];

  snprintf(who, sizeof who, "agent of session %u (pid %u)", session_id, pid);
  ch = open_channel(s, psk, who);
  if (!ch)
    return;
  if (r->hooks.verify_agent &&
      r->hooks.verify_agent(r->hooks.arg, s, session_id, pid) != 0) {
    sb_channel_free(ch);
    return;
  }
  memset(&link, 0, sizeof link);
  link.session_id = session_id;
  link.pid = pid;
  link.stream = s;
  if (sb_cond_new(&link.cond) != 0) {
    sb_channel_free(ch);
    return;
  }
  memset(&ro, 0, sizeof ro);
  ro.on_request = agent_request;
  ro.on_closed = agent_closed;
  ro.arg = &ctx;
  ro.stream = s;
  sb_mutex_lock(r->lock);
  if (r->shutting_down) {
    sb_mutex_unlock(r->lock);
    sb_channel_free(ch);
    sb_cond_free(link.cond);
    return;
  }
  r->serving++;
  if (sb_rpc_start(&link.rpc, ch, &ro) != 0) {
    r->serving--;
    sb_cond_broadcast(r->cond);
    sb_mutex_unlock(r->lock);
    sb_channel_free(ch);
    sb_cond_free(link.cond);
    return;
  }
  /* A newer connection for the session replaces an older one (the old
   * agent's process has been replaced too): mark the old link closed so
   * no new request goes to it. */
  for (agent_link_t *l = r->links; l; l = l->next)
    if (l->session_id == session_id && !l->closed) {
      l->closed = 1;
      sb_cond_broadcast(l->cond);
      sb_stream_interrupt(l->stream);
    }
  link.next = r->links;
  r->links = &link;
  sb_mutex_unlock(r->lock);

  sb_log(SB_LOG_INFO, "%s: connected", who);
  if (r->hooks.agent_state)
    r->hooks.agent_state(r->hooks.arg, session_id, pid, 1);
  sb_router_publish(r, session_id,
                    SBWIRE__V1__SESSION_CHANGE__SESSION_CHANGE_AGENT_UP,
                    session_locked(r, session_id), NULL, pid);

  sb_mutex_lock(r->lock);
  while (!link.closed && !r->shutting_down)
    sb_cond_wait(link.cond, r->lock, -1);
  link.closed = 1;
  /* Wake callers blocked on this agent so they release their refs. */
  sb_stream_interrupt(s);
  wait_unreferenced(r, &link);
  for (agent_link_t **pp = &r->links; *pp; pp = &(*pp)->next)
    if (*pp == &link) {
      *pp = link.next;
      break;
    }
  sb_mutex_unlock(r->lock);

  sb_rpc_stop(link.rpc);
  sb_cond_free(link.cond);
  sb_log(SB_LOG_INFO, "%s: disconnected", who);
  if (r->hooks.agent_state)
    r->hooks.agent_state(r->hooks.arg, session_id, pid, 0);
  sb_router_publish(r, session_id,
                    SBWIRE__V1__SESSION_CHANGE__SESSION_CHANGE_AGENT_DOWN,
                    session_locked(r, session_id), NULL, pid);
  sb_mutex_lock(r->lock);
  r->serving--;
  sb_cond_broadcast(r->cond);
  sb_mutex_unlock(r->lock);
}

static int acquire(sb_router_t *r, uint32_t session_id, agent_link_t **out) {
  int err = SB_ENOAGENT;
  sb_mutex_lock(r->lock);
  for (agent_link_t *l = r->links; l; l = l->next)
    if (l->session_id == session_id && !l->closed) {
      l->refs++;
      *out = l;
      err = 0;
      break;
    }
  sb_mutex_unlock(r->lock);
  if (err && !r->hooks.session_exists(r->hooks.arg, session_id))
    err = SB_ENOSESSION;
  return err;
}

/* Take one of the agent's call slots, waiting until `end` for one: many
 * admin clients may target one session at once, and a request beyond the
 * agent's cap waits its turn (within its own deadline) instead of failing
 * BUSY. 0, SB_ETIMEDOUT (no slot in time), SB_ECANCELED (the caller
 * cancelled) or SB_EPIPE (agent gone). */
static int link_enter(sb_router_t *r, agent_link_t *l, uint64_t end,
                      const worker_t *w) {
  int err = 0;
  sb_mutex_lock(r->lock);
  l->queued++;
  for (;;) {
    uint64_t now = sb_now_ms();
    if (l->closed || r->shutting_down) {
      err = SB_EPIPE;
      break;
    }
    if (w->cancelled) {
      err = SB_ECANCELED;
      break;
    }
    if (l->inflight < SB_RPC_MAX_OUTSTANDING)
      break;
    if (now >= end) {
      err = SB_ETIMEDOUT;
      break;
    }
    sb_cond_wait(l->cond, r->lock, (int)(end - now));
  }
  l->queued--;
  if (!err)
    l->inflight++;
  sb_mutex_unlock(r->lock);
  return err;
}

static void link_leave(sb_router_t *r, agent_link_t *l) {
  sb_mutex_lock(r->lock);
  l->inflight--;
  if (l->queued)
    sb_cond_broadcast(l->cond);
  sb_mutex_unlock(r->lock);
}

static void release(sb_router_t *r, agent_link_t *l) {
  sb_mutex_lock(r->lock);
  /* Only the link's own thread waits for refs, and only once closed. */
  if (--l->refs == 0 && l->closed)
    sb_cond_broadcast(l->cond);
  sb_mutex_unlock(r->lock);
}

int sb_router_agents(sb_router_t *r) {
  int n = 0;
  sb_mutex_lock(r->lock);
  for (agent_link_t *l = r->links; l; l = l->next)
    n += !l->closed;
  sb_mutex_unlock(r->lock);
  return n;
}

/* ---- control ---- */

static void answer_fallback(sb_router_t *r, control_conn_t *c,
                            sb_rpc_incoming_t *in, uint32_t deadline) {
  Sbwire__V1__Response rsp = SBWIRE__V1__RESPONSE__INIT;
  Sbwire__V1__MessageBoxResponse mb = SBWIRE__V1__MESSAGE_BOX_RESPONSE__INIT;
  int pressed = 0, timed_out = 0;
  int err = r->hooks.fallback_message(r->hooks.arg, in->req->session_id,
                                      in->req->message_box, deadline,
                                      &pressed, &timed_out);
  if (err) {
    char detail[160];
    snprintf(detail, sizeof detail,
             "session %u has no agent, and the WTSSendMessage fallback "
             "failed: %s",
             in->req->session_id, sb_strerror(err));
    sb_rpc_respond_error(c->rpc, in, SB_ENOAGENT, detail);
    return;
  }
  mb.pressed = (Sbwire__V1__Button)pressed;
  mb.timed_out = timed_out;
  mb.via_fallback = 1;
  rsp.body_case = SBWIRE__V1__RESPONSE__BODY_MESSAGE_BOX;
  rsp.message_box = &mb;
  sb_rpc_respond(c->rpc, in, &rsp, NULL, 0);
}

/* The worker stops using its agent link (before it drops its reference,
 * so a Cancel never reaches a link that may be gone). */
static void unlink_worker(sb_router_t *r, worker_t *w) {
  sb_mutex_lock(r->lock);
  w->link = NULL;
  sb_mutex_unlock(r->lock);
}

/* Cancel what a worker is doing (router lock held): a request still
 * waiting for an agent slot stops waiting, one forwarded is cancelled at
 * the agent (sb_rpc_cancel_call sends the agent a Cancel). Either way the
 * worker answers its caller CANCELLED. */
static int service_stopping(sb_router_t *r) {
  return sb_mutex_read_int(r->lock, &r->stopping);
}

static void cancel_worker(worker_t *w) {
  w->cancelled = 1;
  if (w->link) {
    sb_rpc_cancel_call(w->link->rpc, &w->ticket);
    sb_cond_broadcast(w->link->cond);
  }
}

/* Answer TIMEOUT for a request whose budget ran out at this hop. */
static void answer_spent(control_conn_t *c, sb_rpc_incoming_t *in,
                         const char *where) {
  char detail[160];
  snprintf(detail, sizeof detail,
           "the %u ms deadline ran out %s", in->req->deadline_ms, where);
  sb_rpc_respond_error(c->rpc, in, SB_ETIMEDOUT, detail);
}

/* Message boxes and screenshots need someone to look at the session: in
 * a disconnected one a box would wait unseen for its whole deadline and a
 * screenshot shows nothing anyone sees. 0: go on; else answered. A box
 * that asks to wait for a reconnect waits (within its deadline, and
 * until cancelled). */
static int check_connected(sb_router_t *r, worker_t *w) {
  control_conn_t *c = w->conn;
  sb_rpc_incoming_t *in = w->in;
  const Sbwire__V1__Request *req = in->req;
  uint32_t session = req->session_id;
  int is_box = req->body_case == SBWIRE__V1__REQUEST__BODY_MESSAGE_BOX;
  char detail[256];
  if (!r->hooks.session_connected ||
      (!is_box && req->body_case != SBWIRE__V1__REQUEST__BODY_SCREENSHOT))
    return 0;
  if (r->hooks.session_connected(r->hooks.arg, session) != 0)
    return 0;
  if (!is_box || !req->message_box->wait_for_connect) {
    snprintf(detail, sizeof detail,
             "session %u is disconnected (no RDP client or console is "
             "attached): nobody would see the %s%s",
             session, is_box ? "message box" : "screen",
             is_box ? "; set wait_for_connect to wait for a reconnect" : "");
    sb_rpc_respond_error(c->rpc, in, SB_EDISCONNECTED, detail);
    return 1;
  }
  /* The wait ends where a forwarded call would: what is left less the
   * margin the answer needs to reach the caller in time. */
  uint64_t end = sb_now_ms() + sb_rpc_hop_budget(in, sb_now_ms());
  for (;;) {
    sb_mutex_lock(r->lock);
    int cancelled = w->cancelled;
    sb_mutex_unlock(r->lock);
    if (cancelled) {
      sb_rpc_respond_error(c->rpc, in, SB_ECANCELED,
                           "cancelled while waiting for the session to be "
                           "reconnected");
      return 1;
    }
    if (sb_now_ms() >= end) {
      snprintf(detail, sizeof detail,
               "session %u stayed disconnected for the whole %u ms deadline; "
               "the box was never shown",
               session, req->deadline_ms);
      sb_rpc_respond_error(c->rpc, in, SB_ETIMEDOUT, detail);
      return 1;
    }
    sb_sleep_ms(50);
    if (r->hooks.session_connected(r->hooks.arg, session) != 0)
      return 0;
  }
}

/* The error a caller gets when its call to the agent failed with err,
 * before the answer (downloading 0) or during a relayed download
 * (downloading 1), and its detail in detail[cap]: one ladder for both, so
 * the two say the same things in the same order. */
static int agent_call_error(sb_router_t *r, int err, int downloading,
                            uint32_t session, uint32_t deadline, char *detail,
                            size_t cap) {
  if (err == SB_ECANCELED && service_stopping(r))
    snprintf(detail, cap,
             "the service is stopping; the agent of session %u was told "
             "to stop",
             session);
  else if (err == SB_ECANCELED)
    snprintf(detail, cap,
             "cancelled by the caller%s; the agent of session %u was told "
             "to stop",
             downloading ? " during the download" : "", session);
  else if (err == SB_ETIMEDOUT && downloading)
    snprintf(detail, cap,
             "the download from the agent of session %u was not complete "
             "within the %u ms deadline",
             session, deadline);
  else if (err == SB_ETIMEDOUT)
    snprintf(detail, cap,
             "the agent of session %u did not answer within the %u ms "
             "deadline",
             session, deadline);
  else if (err == SB_EBUSY && downloading)
    snprintf(detail, cap,
             "the download was read too slowly: the service holds at most "
             "%d chunks of it for %d ms",
             SB_RPC_STREAM_CHUNKS, SB_RPC_STREAM_STALL_MS);
  else if (err == SB_EBUSY)
    snprintf(detail, cap,
             "the agent of session %u has too many requests outstanding",
             session);
  else {
    snprintf(detail, cap, "the agent of session %u went away %s (%s)",
             session, downloading ? "during the download" : "before answering",
             sb_strerror(err));
    return SB_EPIPE;
  }
  return err;
}

/* Relay a download to the caller as it arrives from the agent: the
 * declaration at once, then each chunk as it is read, so the two pipe
 * hops overlap instead of adding up (issue 13; docs/performance.md). The
 * service holds at most SB_RPC_STREAM_CHUNKS chunks of it. A download
 * that cannot be finished is ended with an Error after the chunks
 * already sent (protocol.md, "Transfers"), and the agent is told to
 * stop. Answers in (frees it). */
static void relay(worker_t *w, agent_link_t *link, const sb_rpc_result_t *res,
                  uint64_t end, uint32_t deadline) {
  control_conn_t *c = w->conn;
  sb_router_t *r = c->router;
  sb_rpc_incoming_t *in = w->in;
  uint32_t session = in->req->session_id;
  Sbwire__V1__Response *rsp = (Sbwire__V1__Response *)res->env->response;
  char detail[200];
  int err = sb_rpc_respond_begin(
      c->rpc, in, rsp, rsp->size_unknown ? SB_RPC_SIZE_UNKNOWN : rsp->total_size);
  if (err) /* the caller is gone: the answer goes nowhere */
    sb_rpc_respond_error(c->rpc, in, SB_EPIPE, NULL);
  while (!err) {
    sb_rpc_chunk_t ch;
    int last;
    err = sb_rpc_stream_next(link->rpc, &w->ticket, end, &ch);
    if (err) {
      if (ch.peer_error) /* the agent's own error, passed through */
        sb_rpc_respond_error(c->rpc, in, err, ch.detail);
      else
        sb_rpc_respond_error(c->rpc, in,
                             agent_call_error(r, err, 1, session, deadline,
                                              detail, sizeof detail),
                             detail);
      sb_rpc_chunk_free(&ch);
      break;
    }
    last = ch.last;
    sb_mutex_lock(r->lock);
    w->writing = 1; /* wait_unreferenced may cut a caller stuck here */
    sb_mutex_unlock(r->lock);
    err = sb_rpc_respond_chunk(c->rpc, in, ch.offset, ch.data, ch.len, last);
    sb_mutex_lock(r->lock);
    w->writing = 0;
    sb_mutex_unlock(r->lock);
    sb_rpc_chunk_free(&ch);
    if (last)
      break; /* in is answered and freed */
    if (err) {
      /* The caller is gone or not reading (the send timed out): its
       * connection is ending; the answer goes nowhere. */
      sb_rpc_respond_error(c->rpc, in, SB_EPIPE, NULL);
      break;
    }
  }
  /* Complete, or given up: a download the agent is still sending is
   * cancelled there. */
  sb_rpc_stream_end(link->rpc, &w->ticket);
}

static void forward(worker_t *w) {
  control_conn_t *c = w->conn;
  sb_router_t *r = c->router;
  sb_rpc_incoming_t *in = w->in;
  Sbwire__V1__Request *req = (Sbwire__V1__Request *)in->req;
  uint32_t session = req->session_id;
  /* The caller's deadline, for the details: the call to the agent writes
   * the agent's budget into req. */
  uint32_t deadline = req->deadline_ms;
  /* The agent gets what is left of the deadline (counted from the
   * request's first byte, so an upload's transfer and the wait for a
   * worker come off it) minus the hop margin: its TIMEOUT, or ours if it
   * never answers, reaches the caller before the caller gives up. */
  uint32_t budget = sb_rpc_hop_budget(in, sb_now_ms());
  agent_link_t *link = NULL;
  sb_rpc_result_t res;
  char detail[160];
  int err, relayed = 0;

  if (!budget) {
    answer_spent(c, in, "before it could be forwarded");
    return;
  }
  if (check_connected(r, w))
    return;
  /* A wait for a reconnect used some of the budget. */
  budget = sb_rpc_hop_budget(in, sb_now_ms());
  if (!budget) {
    answer_spent(c, in, "before it could be forwarded");
    return;
  }

  err = acquire(r, session, &link);
  if (err == SB_ENOSESSION) {
    snprintf(detail, sizeof detail, "there is no session %u", session);
    sb_rpc_respond_error(c->rpc, in, err, detail);
    return;
  }
  if (err) {
    if (req->body_case == SBWIRE__V1__REQUEST__BODY_MESSAGE_BOX &&
        r->hooks.fallback_message) {
      answer_fallback(r, c, in, budget);
      return;
    }
    snprintf(detail, sizeof detail,
             "session %u has no connected agent (no user logged on, or the "
             "agent is starting)",
             session);
    sb_rpc_respond_error(c->rpc, in, SB_ENOAGENT, detail);
    return;
  }
  sb_mutex_lock(r->lock);
  w->link = link;
  sb_mutex_unlock(r->lock);
  err = link_enter(r, link, sb_now_ms() + budget, w);
  if (err == SB_ETIMEDOUT) {
    unlink_worker(r, w);
    release(r, link);
    snprintf(detail, sizeof detail,
             "the agent of session %u was busy with %d requests for the "
             "whole deadline (%u ms)",
             session, SB_RPC_MAX_OUTSTANDING, req->deadline_ms);
    sb_rpc_respond_error(c->rpc, in, SB_ETIMEDOUT, detail);
    return;
  }
  if (!err) {
    /* What the wait for a slot used comes off the agent's budget. */
    uint64_t start = sb_now_ms();
    int streaming = 0;
    budget = sb_rpc_hop_budget(in, start);
    err = budget ? sb_rpc_call_stream(link->rpc, req, budget, in->data,
                                      in->len, &w->ticket, &res, &streaming)
                 : SB_ETIMEDOUT;
    if (!err && streaming) {
      /* The call keeps its agent slot, and the worker its link (a
       * Cancel reaches the agent through it), until the download is
       * over. */
      relay(w, link, &res, start + budget, deadline);
      sb_rpc_result_free(&res);
      relayed = 1;
    }
    link_leave(r, link);
  }
  unlink_worker(r, w);
  release(r, link);
  if (relayed)
    return; /* answered by relay */
  if (err) {
    sb_rpc_respond_error(c->rpc, in,
                         agent_call_error(r, err, 0, session, deadline, detail,
                                          sizeof detail),
                         detail);
    return;
  }
  if (res.env->body_case == SBWIRE__V1__ENVELOPE__BODY_ERROR) {
    /* The agent's own error, passed through unchanged. */
    const Sbwire__V1__Error *e = res.env->error;
    sb_rpc_respond_error(c->rpc, in, sb_status_to_err(e->status), e->detail);
  } else {
    /* Without a download: every download is relayed above. */
    Sbwire__V1__Response *rsp = (Sbwire__V1__Response *)res.env->response;
    sb_rpc_respond(c->rpc, in, rsp, NULL, 0);
  }
  sb_rpc_result_free(&res);
}

static void worker_main(void *arg) {
  worker_t *w = arg;
  sb_router_t *r = w->conn->router;
  sb_mutex_lock(r->lock);
  for (;;) {
    while (!w->in && !w->quit)
      sb_cond_wait(w->cond, r->lock, -1);
    if (!w->in)
      break;
    sb_mutex_unlock(r->lock);
    forward(w); /* answers, which frees w->in */
    sb_mutex_lock(r->lock);
    w->in = NULL;
    w->id = 0;
  }
  sb_mutex_unlock(r->lock);
}

static void answer_list(control_conn_t *c, sb_rpc_incoming_t *in) {
  sb_router_t *r = c->router;
  sb_router_session_t *list = NULL;
  Sbwire__V1__SessionEntry *entries = NULL, **ptrs = NULL;
  Sbwire__V1__Response rsp = SBWIRE__V1__RESPONSE__INIT;
  Sbwire__V1__SessionListResponse sl = SBWIRE__V1__SESSION_LIST_RESPONSE__INIT;
  size_t n = 0;
  int err;

  list = sb_calloc(SB_MSG_SESSIONS_MAX, sizeof *list);
  if (!list) {
    sb_rpc_respond_error(c->rpc, in, SB_ENOMEM, NULL);
    return;
  }
  err = r->hooks.list_sessions(r->hooks.arg, list, SB_MSG_SESSIONS_MAX, &n);
  if (err) {
    sb_rpc_respond_error(c->rpc, in, err, "cannot list sessions");
    goto out;
  }
  if (n) {
    entries = sb_calloc(n, sizeof *entries);
    ptrs = sb_calloc(n, sizeof *ptrs);
    if (!entries || !ptrs) {
      sb_rpc_respond_error(c->rpc, in, SB_ENOMEM, NULL);
      goto out;
    }
  }
  for (size_t i = 0; i < n; i++) {
    Sbwire__V1__SessionEntry init = SBWIRE__V1__SESSION_ENTRY__INIT;
    entries[i] = init;
    entries[i].session_id = list[i].session_id;
    entries[i].state = list[i].state;
    entries[i].user = list[i].user;
    entries[i].agent_connected = list[i].agent_connected;
    entries[i].agent_pid = list[i].agent_pid;
    entries[i].launches = list[i].launches;
    entries[i].locked = list[i].locked;
    entries[i].session_state = list[i].disconnected ? "disconnected"
                               : list[i].locked     ? "locked"
                                                    : "active";
    entries[i].remote = list[i].remote;
    ptrs[i] = &entries[i];
  }
  sl.n_sessions = n;
  sl.sessions = ptrs;
  rsp.body_case = SBWIRE__V1__RESPONSE__BODY_SESSION_LIST;
  rsp.session_list = &sl;
  sb_rpc_respond(c->rpc, in, &rsp, NULL, 0);
out:
  sb_free(entries);
  sb_free(ptrs);
  sb_free(list);
}

/* Stop and join every worker of a closed connection; what each was
 * serving is cancelled, and it answers it (the answer goes nowhere once
 * the client is gone, but the worker must end before the rpc is freed). */
static void join_workers(control_conn_t *c) {
  sb_router_t *r = c->router;
  sb_mutex_lock(r->lock);
  c->closing = 1;
  for (int i = 0; i < SB_RPC_MAX_OUTSTANDING; i++)
    if (c->workers[i].thread) {
      c->workers[i].quit = 1;
      /* The caller is gone: what it asked for is cancelled at the agent
       * rather than left to run to its deadline. */
      if (c->workers[i].id)
        cancel_worker(&c->workers[i]);
      sb_cond_signal(c->workers[i].cond);
    }
  sb_mutex_unlock(r->lock);
  for (int i = 0; i < SB_RPC_MAX_OUTSTANDING; i++) {
    worker_t *w = &c->workers[i];
    if (w->thread) {
      sb_thread_join(w->thread);
      sb_cond_free(w->cond);
      memset(w, 0, sizeof *w);
    }
  }
}

/* Cancel (session_id is ignored: the target id alone names the request).
 * An unfinished upload was cancelled by the rpc already; here the target
 * is a request a worker holds. */
static void answer_cancel(control_conn_t *c, sb_rpc_incoming_t *in) {
  sb_router_t *r = c->router;
  uint64_t target = in->req->cancel->target_request_id;
  int found = 0;
  sb_mutex_lock(r->lock);
  for (int i = 0; i < SB_RPC_MAX_OUTSTANDING && !found; i++) {
    worker_t *w = &c->workers[i];
    if (w->thread && w->id == target && target != 0) {
      cancel_worker(w);
      found = 1;
    }
  }
  sb_mutex_unlock(r->lock);
  if (!found) {
    /* Finished already (its answer was sent), or never made. */
    sb_rpc_respond_error(c->rpc, in, SB_ESTATE, "no such running request");
    return;
  }
  Sbwire__V1__Response rsp = SBWIRE__V1__RESPONSE__INIT;
  Sbwire__V1__CancelResponse cr = SBWIRE__V1__CANCEL_RESPONSE__INIT;
  rsp.body_case = SBWIRE__V1__RESPONSE__BODY_CANCEL;
  rsp.cancel = &cr;
  sb_rpc_respond(c->rpc, in, &rsp, NULL, 0);
}

static void control_request(void *arg, sb_rpc_t *rpc, sb_rpc_incoming_t *in) {
  control_conn_t *c = arg;
  worker_t *w = NULL;
  switch (in->req->body_case) {
  case SBWIRE__V1__REQUEST__BODY_SESSION_LIST:
    answer_list(c, in);
    return;
  case SBWIRE__V1__REQUEST__BODY_SUBSCRIBE: {
    Sbwire__V1__Response rsp = SBWIRE__V1__RESPONSE__INIT;
    Sbwire__V1__SubscribeResponse sr = SBWIRE__V1__SUBSCRIBE_RESPONSE__INIT;
    /* The answer goes out before the first event can: the connection's
     * thread sends none while `hold` is set. Unsubscribing also drops
     * what is queued, so nothing arrives after its answer. */
    sb_mutex_lock(c->router->lock);
    c->subscribed = in->req->subscribe->session_events;
    if (!c->subscribed)
      c->count = 0;
    c->hold = 1;
    sb_mutex_unlock(c->router->lock);
    rsp.body_case = SBWIRE__V1__RESPONSE__BODY_SUBSCRIBE;
    rsp.subscribe = &sr;
    sb_rpc_respond(rpc, in, &rsp, NULL, 0);
    sb_mutex_lock(c->router->lock);
    c->hold = 0;
    sb_cond_broadcast(c->cond);
    sb_mutex_unlock(c->router->lock);
    return;
  }
  case SBWIRE__V1__REQUEST__BODY_CANCEL:
    answer_cancel(c, in);
    return;
  default:
    break;
  }
  /* An upload to a request that takes none never gets here: validation
   * refuses it at its declaration (msg_validate.c), before any chunk. */
  sb_mutex_lock(c->router->lock);
  if (c->closing || c->router->stopping) {
    sb_mutex_unlock(c->router->lock);
    sb_rpc_respond_error(rpc, in, SB_ECANCELED, "the service is stopping");
    return;
  }
  /* An idle worker first; else start one in a free slot (under the lock,
   * so join_workers sees every thread that exists). */
  for (int i = 0; i < SB_RPC_MAX_OUTSTANDING && !w; i++)
    if (c->workers[i].thread && !c->workers[i].in)
      w = &c->workers[i];
  if (w) {
    w->in = in;
    w->id = in->id;
    w->cancelled = 0;
    memset(&w->ticket, 0, sizeof w->ticket);
    sb_cond_signal(w->cond);
    sb_mutex_unlock(c->router->lock);
    return;
  }
  for (int i = 0; i < SB_RPC_MAX_OUTSTANDING && !w; i++)
    if (!c->workers[i].thread)
      w = &c->workers[i];
  if (!w) {
    /* Cannot happen while the rpc caps outstanding requests at the same
     * number, but answer rather than drop. */
    sb_mutex_unlock(c->router->lock);
    sb_rpc_respond_error(rpc, in, SB_EBUSY, NULL);
    return;
  }
  w->conn = c;
  w->in = in;
  w->id = in->id;
  w->cancelled = 0;
  memset(&w->ticket, 0, sizeof w->ticket);
  w->quit = 0;
  if (sb_cond_new(&w->cond) != 0 ||
      sb_thread_create(&w->thread, worker_main, w, 0) != 0) {
    if (w->cond)
      sb_cond_free(w->cond);
    memset(w, 0, sizeof *w);
    sb_mutex_unlock(c->router->lock);
    sb_rpc_respond_error(rpc, in, SB_ENOMEM, "cannot start a worker");
    return;
  }
  sb_mutex_unlock(c->router->lock);
}

static void control_closed(void *arg, sb_rpc_t *rpc, int err) {
  control_conn_t *c = arg;
  (void)rpc;
  (void)err;
  sb_mutex_lock(c->router->lock);
  c->closed = 1;
  sb_cond_broadcast(c->cond);
  sb_mutex_unlock(c->router->lock);
}

void sb_router_serve_control(sb_router_t *r, sb_stream_t *s,
                             const uint8_t psk[SB_PSK_SIZE]) {
  control_conn_t *c;
  sb_rpc_opts_t ro;
  sb_channel_t *ch;

  ch = open_channel(s, psk, "control client");
  if (!ch)
    return;
  if (r->hooks.verify_control && r->hooks.verify_control(r->hooks.arg, s)) {
    sb_channel_free(ch);
    return;
  }
  c = sb_calloc(1, sizeof *c);
  if (!c || sb_cond_new(&c->cond) != 0) {
    sb_free(c);
    sb_channel_free(ch);
    return;
  }
  c->router = r;
  c->stream = s;
  memset(&ro, 0, sizeof ro);
  ro.on_request = control_request;
  ro.on_closed = control_closed;
  ro.arg = c;
  ro.stream = s;
  ro.max_transfer = SB_CLIPBOARD_MAX;
  sb_mutex_lock(r->lock);
  if (r->shutting_down || sb_rpc_start(&c->rpc, ch, &ro) != 0) {
    sb_mutex_unlock(r->lock);
    sb_channel_free(ch);
    sb_cond_free(c->cond);
    sb_free(c);
    return;
  }
  r->serving++;
  c->next = r->controls;
  r->controls = c;
  /* This thread sends the connection's session events while it waits
   * for the connection to end: a client slow to read them holds up only
   * itself (each send is bounded by the frame deadline). */
  while (!c->closed && !r->shutting_down) {
    if (c->count > 0 && !c->hold) {
      event_rec_t e = c->queue[c->head];
      c->head = (c->head + 1) % SB_ROUTER_EVENT_QUEUE;
      c->count--;
      sb_mutex_unlock(r->lock);
      int err = send_event(c, &e);
      sb_mutex_lock(r->lock);
      if (err) {
        sb_log(SB_LOG_WARN, "session event to a control client: %s",
               sb_strerror(err));
        c->subscribed = 0;
        c->count = 0;
        sb_stream_interrupt(c->stream);
      }
      continue;
    }
    sb_cond_wait(c->cond, r->lock, -1);
  }
  for (control_conn_t **pp = &r->controls; *pp; pp = &(*pp)->next)
    if (*pp == c) {
      *pp = c->next;
      break;
    }
  sb_mutex_unlock(r->lock);

  join_workers(c);
  sb_rpc_stop(c->rpc);
  sb_cond_free(c->cond);
  sb_free(c);
  sb_mutex_lock(r->lock);
  r->serving--;
  sb_cond_broadcast(r->cond);
  sb_mutex_unlock(r->lock);
}

void sb_router_stopping(sb_router_t *r) {
  sb_mutex_lock(r->lock);
  r->stopping = 1;
  for (control_conn_t *c = r->controls; c; c = c->next)
    for (int i = 0; i < SB_RPC_MAX_OUTSTANDING; i++)
      if (c->workers[i].thread && c->workers[i].id)
        cancel_worker(&c->workers[i]);
  sb_mutex_unlock(r->lock);
}

void sb_router_shutdown(sb_router_t *r) {
  sb_mutex_lock(r->lock);
  r->shutting_down = 1;
  for (agent_link_t *l = r->links; l; l = l->next) {
    sb_cond_broadcast(l->cond);
    sb_stream_interrupt(l->stream);
  }
  for (control_conn_t *c = r->controls; c; c = c->next) {
    sb_cond_broadcast(c->cond);
    sb_stream_interrupt(c->stream);
  }
  sb_cond_broadcast(r->cond);
  while (r->serving > 0)
    sb_cond_wait(r->cond, r->lock, -1);
  sb_mutex_unlock(r->lock);
}
