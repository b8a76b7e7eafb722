/* SPDX-License-Identifier: MIT */
/* The stable client API (client.h) over the advanced tier: one control
 * connection (transport + channel + rpc with its reader thread, so that
 * several threads can wait on one handle and a cancel wakes them) and one
 * function per task that builds the request, calls, and copies the answer
 * into plain C types. */
#include "client.h"

#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "internal.h"
#include "channel.h"
#include "error.h"
#include "msg.h"
#include "paths.h"
#include "rpc.h"
#include "thread.h"
#include "transport.h"

#define DETAIL_MAX 1024

/* A session event as queued (the user string owned by the entry). */
typedef struct {
  uint32_t session_id;
  int change;
  int locked;
  uint32_t agent_pid;
  char *user;
} queued_event_t;

struct sb_client {
  sb_stream_t *stream;
  sb_rpc_t *rpc;
  /* Session events pushed by the service, and who waits for them. */
  sb_mutex_t *lock;
  sb_cond_t *cond;
  queued_event_t events[SB_CLIENT_EVENT_QUEUE];
  size_t head, count;
  uint32_t lost;
  int closed;          /* the connection ended */
  uint64_t cancel_gen; /* bumped by sb_client_cancel */
};

/* Reader thread: queue the event; a full queue drops its oldest. */
static void on_event(void *arg, sb_rpc_t *rpc, const Sbwire__V1__Event *ev) {
  sb_client_t *c = arg;
  const Sbwire__V1__SessionStateEvent *st;
  queued_event_t *q;
  (void)rpc;
  if (ev->body_case != SBWIRE__V1__EVENT__BODY_SESSION_STATE)
    return; /* a kind this version does not know: ignored (protocol.md) */
  st = ev->session_state;
  sb_mutex_lock(c->lock);
  if (c->count == SB_CLIENT_EVENT_QUEUE) {
    sb_free(c->events[c->head].user);
    c->head = (c->head + 1) % SB_CLIENT_EVENT_QUEUE;
    c->count--;
    c->lost++;
  }
  q = &c->events[(c->head + c->count) % SB_CLIENT_EVENT_QUEUE];
  q->session_id = st->session_id;
  q->change = st->change;
  q->locked = st->locked;
  q->agent_pid = st->agent_pid;
  q->user = sb_strdup(st->user ? st->user : "");
  c->count++;
  sb_cond_broadcast(c->cond);
  sb_mutex_unlock(c->lock);
}

static void on_closed(void *arg, sb_rpc_t *rpc, int err) {
  sb_client_t *c = arg;
  (void)rpc;
  (void)err;
  sb_mutex_lock(c->lock);
  c->closed = 1;
  sb_cond_broadcast(c->cond);
  sb_mutex_unlock(c->lock);
}

/* The last failure of this thread: per thread, so that two threads
 * sharing a handle never read each other's reason. */
static _Thread_local char last_status[32];
static _Thread_local char last_detail[DETAIL_MAX];

const char *sb_client_error_status(void) { return last_status; }

const char *sb_client_error_detail(void) { return last_detail; }

static void clear_error(void) {
  last_status[0] = 0;
  last_detail[0] = 0;
}

/* A local failure: no status, the detail says what failed. */
static int fail_local(int err, const char *fmt, const char *arg) {
  last_status[0] = 0;
  snprintf(last_detail, sizeof last_detail, fmt, arg ? arg : "",
           sb_strerror(err));
  return err;
}

static uint32_t deadline_or_default(uint32_t ms) {
  return ms ? ms : SB_CLIENT_DEFAULT_DEADLINE_MS;
}

int sb_client_open(sb_client_t **out, const char *endpoint,
                   const char *key_path, uint32_t deadline_ms) {
  char ep[512], kp[512];
  /* The key lives in sodium_malloc'd memory (guard pages, not swapped
   * where the OS allows), never on the stack, and sb_secret_free wipes it
   * on the one way out. The channel keeps its own guarded copy. */
  uint8_t *key = NULL;
  sb_client_t *c = NULL;
  sb_channel_t *ch = NULL;
  sb_channel_opts_t opts;
  sb_rpc_opts_t ro;
  sb_io_t io;
  int err;

  clear_error();
  if (!out || deadline_ms > SB_CLIENT_MAX_DEADLINE_MS)
    return fail_local(SB_EINVAL, "sb_client_open: %s%s", "bad argument: ");
  *out = NULL;
  deadline_ms = deadline_or_default(deadline_ms);
  if ((err = sb_init()) != 0)
    return fail_local(err, "%scannot initialise libsodium: %s", NULL);
  if (!endpoint) {
    if ((err = sb_path_control_endpoint(ep, sizeof ep)) != 0)
      return fail_local(err, "%scannot build the control endpoint name: %s",
                        NULL);
    endpoint = ep;
  }
  if (!key_path) {
    if ((err = sb_path_control_key(kp, sizeof kp)) != 0)
      return fail_local(err, "%scannot build the control key path: %s", NULL);
    key_path = kp;
  }
  if (!(key = sb_secret_alloc(SB_PSK_SIZE))) {
    err = fail_local(SB_ENOMEM, "%scannot allocate the key: %s", NULL);
    goto out;
  }
  if ((err = sb_key_file_read(key_path, key)) != 0) {
    fail_local(err,
               "cannot read the control key %s: %s (is the service "
               "installed, and are you an administrator?)",
               key_path);
    goto out;
  }
  c = sb_calloc(1, sizeof *c);
  if (!c || sb_mutex_new(&c->lock) != 0 || sb_cond_new(&c->cond) != 0) {
    err = fail_local(SB_ENOMEM, "%s%s", NULL);
    goto out;
  }
  err = sb_stream_connect(&c->stream, endpoint, (int)deadline_ms);
  if (err) {
    fail_local(err, "cannot connect to %s: %s (is the service running?)",
               endpoint);
    goto out;
  }
  /* Nothing is sent to a server that is not the service (an endpoint the
   * caller names is the caller's choice). */
  if (endpoint == ep) {
    char why[256];
    if (sb__check_control_server(c->stream, why, sizeof why) != 0) {
      err = SB_EPEER;
      last_status[0] = 0;
      snprintf(last_detail, sizeof last_detail, "refusing to talk to %s: %s",
               endpoint, why);
      goto out;
    }
  }
  io = sb_stream_io(c->stream);
  memset(&opts, 0, sizeof opts);
  opts.role = SB_ROLE_CLIENT;
  opts.psk = key;
  opts.handshake_timeout_ms = (int)deadline_ms;
  err = sb_channel_new(&ch, &io, &opts);
  if (!err)
    err = sb_channel_handshake(ch);
  if (err) {
    snprintf(last_detail, sizeof last_detail,
             "handshake with the service failed: %s%s", sb_strerror(err),
             err == SB_EAUTH ? " (wrong control key?)" : "");
    goto out;
  }
  memset(&ro, 0, sizeof ro);
  ro.stream = c->stream;
  ro.on_closed = on_closed;
  ro.arg = c;
  /* A reader thread, not caller_reads: several threads may wait on one
   * handle, and sb_client_cancel must be able to wake every one. */
  err = sb_rpc_start(&c->rpc, ch, &ro);
  if (err) {
    fail_local(err, "%scannot start the connection: %s", NULL);
    goto out;
  }
  sb_rpc_on_event(c->rpc, on_event, c);
  *out = c;
  c = NULL; /* the caller's now, with the rpc owning ch */
  ch = NULL;

out:
  sb_secret_free(key, SB_PSK_SIZE); /* wipes */
  sb_channel_free(ch);
  if (c && c->stream)
    sb_stream_close(c->stream);
  if (c && c->cond)
    sb_cond_free(c->cond);
  if (c && c->lock)
    sb_mutex_free(c->lock);
  sb_free(c);
  return err;
}

void sb_client_close(sb_client_t *c) {
  if (!c)
    return;
  sb_client_cancel(c);
  sb_rpc_stop(c->rpc);
  sb_stream_close(c->stream);
  for (size_t i = 0; i < c->count; i++)
    sb_free(c->events[(c->head + i) % SB_CLIENT_EVENT_QUEUE].user);
  sb_cond_free(c->cond);
  sb_mutex_free(c->lock);
  sb_free(c);
}

void sb_client_cancel(sb_client_t *c) {
  if (!c)
    return;
  (void)sb_rpc_cancel_calls(c->rpc);
  sb_mutex_lock(c->lock);
  c->cancel_gen++;
  sb_cond_broadcast(c->cond);
  sb_mutex_unlock(c->lock);
}

/* One call: returns 0 with *res holding a Response of the expected body,
 * or the error (status and detail set). */
static int call(sb_client_t *c, uint32_t session, Sbwire__V1__Request *req,
                uint32_t deadline_ms, const uint8_t *upload, size_t upload_len,
                Sbwire__V1__Response__BodyCase want, sb_rpc_result_t *res) {
  const char *detail = NULL;
  int err;
  clear_error();
  memset(res, 0, sizeof *res);
  if (!c)
    return fail_local(SB_EINVAL, "%sno client handle: %s", NULL);
  if (deadline_ms > SB_CLIENT_MAX_DEADLINE_MS)
    return fail_local(SB_EINVAL, "%sdeadline_ms over 600000: %s", NULL);
  req->session_id = session;
  err = sb_rpc_call(c->rpc, req, deadline_or_default(deadline_ms), upload,
                    upload_len, res);
  if (err)
    return fail_local(err, "%srequest failed: %s", NULL);
  err = sb_rpc_result_err(res, &detail);
  if (err) {
    const sb_envelope_t *env = res->env;
    const char *name = env->body_case == SBWIRE__V1__ENVELOPE__BODY_ERROR
                           ? sb_status_name(env->error->status)
                           : "PROTOCOL";
    if (strncmp(name, "STATUS_", 7) == 0)
      name += 7;
    snprintf(last_status, sizeof last_status, "%s", name);
    snprintf(last_detail, sizeof last_detail, "%s",
             detail && *detail ? detail : sb_strerror(err));
    sb_rpc_result_free(res);
    return err;
  }
  if (res->env->response->body_case != want) {
    sb_rpc_result_free(res);
    return fail_local(SB_EPROTO,
                      "%sthe service answered another request "
                      "type: %s",
                      NULL);
  }
  return 0;
}

/* Copy a string into a block that is being filled: *at advances. */
static const char *put_str(char **at, const char *s) {
  size_t n = strlen(s) + 1;
  char *d = *at;
  memcpy(d, s, n);
  *at += n;
  return d;
}

int sb_client_sessions(sb_client_t *c, uint32_t deadline_ms,
                       sb_session_t **list, size_t *count) {
  Sbwire__V1__Request req = SBWIRE__V1__REQUEST__INIT;
  Sbwire__V1__SessionListRequest sl = SBWIRE__V1__SESSION_LIST_REQUEST__INIT;
  sb_rpc_result_t res;
  size_t bytes, n;
  char *at;
  int err;
  if (!list || !count)
    return fail_local(SB_EINVAL, "%slist and count are required: %s", NULL);
  *list = NULL;
  *count = 0;
  req.body_case = SBWIRE__V1__REQUEST__BODY_SESSION_LIST;
  req.session_list = &sl;
  err = call(c, 0, &req, deadline_ms, NULL, 0,
             SBWIRE__V1__RESPONSE__BODY_SESSION_LIST, &res);
  if (err)
    return err;
  const Sbwire__V1__SessionListResponse *r = res.env->response->session_list;
  n = r->n_sessions;
  /* One block: the array, then its strings (bounded by validation:
   * SB_MSG_SESSIONS_MAX entries, SB_MSG_USER_MAX per user). */
  bytes = n * sizeof **list;
  for (size_t i = 0; i < n; i++)
    bytes += strlen(r->sessions[i]->state) + strlen(r->sessions[i]->user) +
             strlen(r->sessions[i]->session_state) + 3;
  sb_session_t *out = sb_malloc(bytes ? bytes : 1);
  if (!out) {
    sb_rpc_result_free(&res);
    return fail_local(SB_ENOMEM, "%s%s", NULL);
  }
  at = (char *)(out + n);
  for (size_t i = 0; i < n; i++) {
    const Sbwire__V1__SessionEntry *e = r->sessions[i];
    out[i].session_id = e->session_id;
    out[i].state = put_str(&at, e->state);
    out[i].user = put_str(&at, e->user);
    out[i].agent_connected = e->agent_connected;
    out[i].agent_pid = e->agent_pid;
    out[i].launches = e->launches;
    out[i].locked = e->locked;
    out[i].session_state = put_str(&at, e->session_state);
    out[i].remote = e->remote;
  }
  sb_rpc_result_free(&res);
  *list = out;
  *count = n;
  return 0;
}

int sb_client_ping(sb_client_t *c, uint32_t session, uint32_t deadline_ms,
                   uint32_t *rtt_ms) {
  Sbwire__V1__Request req = SBWIRE__V1__REQUEST__INIT;
  Sbwire__V1__PingRequest p = SBWIRE__V1__PING_REQUEST__INIT;
  sb_rpc_result_t res;
  uint8_t payload[16];
  uint64_t t0;
  int err;
  sb_random(payload, sizeof payload);
  p.payload.data = payload;
  p.payload.len = sizeof payload;
  req.body_case = SBWIRE__V1__REQUEST__BODY_PING;
  req.ping = &p;
  t0 = sb_now_ms();
  err = call(c, session, &req, deadline_ms, NULL, 0,
             SBWIRE__V1__RESPONSE__BODY_PING, &res);
  if (err)
    return err;
  const Sbwire__V1__PingResponse *r = res.env->response->ping;
  if (r->payload.len != sizeof payload ||
      memcmp(r->payload.data, payload, sizeof payload) != 0) {
    sb_rpc_result_free(&res);
    return fail_local(SB_EPROTO,
                      "%sthe ping answer does not echo the "
                      "payload: %s",
                      NULL);
  }
  if (rtt_ms)
    *rtt_ms = (uint32_t)(sb_now_ms() - t0);
  sb_rpc_result_free(&res);
  return 0;
}

int sb_client_session_info(sb_client_t *c, uint32_t session,
                           uint32_t deadline_ms, sb_session_info_t **info) {
  Sbwire__V1__Request req = SBWIRE__V1__REQUEST__INIT;
  Sbwire__V1__SessionInfoRequest si = SBWIRE__V1__SESSION_INFO_REQUEST__INIT;
  sb_rpc_result_t res;
  char *at;
  int err;
  if (!info)
    return fail_local(SB_EINVAL, "%sinfo is required: %s", NULL);
  *info = NULL;
  req.body_case = SBWIRE__V1__REQUEST__BODY_SESSION_INFO;
  req.session_info = &si;
  err = call(c, session, &req, deadline_ms, NULL, 0,
             SBWIRE__V1__RESPONSE__BODY_SESSION_INFO, &res);
  if (err)
    return err;
  const Sbwire__V1__SessionInfoResponse *r = res.env->response->session_info;
  size_t bytes = sizeof **info + strlen(r->user) + strlen(r->domain) +
                 strlen(r->state) + 3;
  sb_session_info_t *out = sb_malloc(bytes);
  if (!out) {
    sb_rpc_result_free(&res);
    return fail_local(SB_ENOMEM, "%s%s", NULL);
  }
  at = (char *)(out + 1);
  out->session_id = r->session_id;
  out->user = put_str(&at, r->user);
  out->domain = put_str(&at, r->domain);
  out->locked = r->locked;
  out->idle_ms = r->idle_ms;
  out->is_console = r->is_console;
  out->state = put_str(&at, r->state);
  sb_rpc_result_free(&res);
  *info = out;
  return 0;
}

int sb_client_message_box(sb_client_t *c, uint32_t session, const char *title,
                          const char *text, sb_buttons_t buttons,
                          sb_icon_t icon, uint32_t timeout_ms, unsigned flags,
                          uint32_t deadline_ms, sb_answer_t *answer,
                          int *via_fallback) {
  Sbwire__V1__Request req = SBWIRE__V1__REQUEST__INIT;
  Sbwire__V1__MessageBoxRequest mb = SBWIRE__V1__MESSAGE_BOX_REQUEST__INIT;
  sb_rpc_result_t res;
  int err;
  if (!title || !text || !answer || (flags & ~SB_MSGBOX_WAIT_FOR_CONNECT) ||
      buttons < SB_BUTTONS_OK || buttons > SB_BUTTONS_RETRY_CANCEL ||
      icon < SB_ICON_NONE || icon > SB_ICON_QUESTION)
    return fail_local(SB_EINVAL,
                      "%stitle, text, answer, buttons and icon "
                      "must be valid: %s",
                      NULL);
  *answer = SB_ANSWER_TIMEOUT;
  mb.title = (char *)title;
  mb.text = (char *)text;
  mb.buttons = (Sbwire__V1__Buttons)buttons;
  mb.icon = (Sbwire__V1__Icon)icon;
  mb.timeout_ms = timeout_ms;
  mb.wait_for_connect = (flags & SB_MSGBOX_WAIT_FOR_CONNECT) != 0;
  req.body_case = SBWIRE__V1__REQUEST__BODY_MESSAGE_BOX;
  req.message_box = &mb;
  err = call(c, session, &req, deadline_ms, NULL, 0,
             SBWIRE__V1__RESPONSE__BODY_MESSAGE_BOX, &res);
  if (err)
    return err;
  const Sbwire__V1__MessageBoxResponse *r = res.env->response->message_box;
  /* Button and answer share the wire's numbering; BUTTON_NONE (0) only
   * comes with timed_out. */
  *answer = r->timed_out ? SB_ANSWER_TIMEOUT : (sb_answer_t)r->pressed;
  if (via_fallback)
    *via_fallback = r->via_fallback;
  sb_rpc_result_free(&res);
  return 0;
}

int sb_client_notify(sb_client_t *c, uint32_t session, const char *title,
                     const char *text, sb_icon_t icon, uint32_t wait_ms,
                     uint32_t deadline_ms, sb_notify_outcome_t *outcome,
                     int *shown) {
  Sbwire__V1__Request req = SBWIRE__V1__REQUEST__INIT;
  Sbwire__V1__NotifyRequest n = SBWIRE__V1__NOTIFY_REQUEST__INIT;
  sb_rpc_result_t res;
  int err;
  if (!title || !text || icon < SB_ICON_NONE || icon > SB_ICON_QUESTION)
    return fail_local(SB_EINVAL, "%stitle, text and icon must be valid: %s",
                      NULL);
  if (outcome)
    *outcome = SB_NOTIFY_ACCEPTED;
  if (shown)
    *shown = 0;
  /* Empty or oversized notifications go out as asked: the agent's
   * validation answers them (INVALID, TOO_LARGE) with its own detail. */
  n.title = (char *)title;
  n.text = (char *)text;
  n.icon = (Sbwire__V1__Icon)icon;
  n.wait_ms = wait_ms;
  req.body_case = SBWIRE__V1__REQUEST__BODY_NOTIFY;
  req.notify = &n;
  err = call(c, session, &req, deadline_ms, NULL, 0,
             SBWIRE__V1__RESPONSE__BODY_NOTIFY, &res);
  if (err)
    return err;
  const Sbwire__V1__NotifyResponse *r = res.env->response->notify;
  /* UNSPECIFIED (an agent from before outcomes) or a value newer than this
   * library: the request succeeded, so the shell took it, and no more. */
  if (outcome)
    *outcome = r->outcome >= SBWIRE__V1__NOTIFY_OUTCOME__NOTIFY_OUTCOME_SHOWN &&
                       r->outcome <=
                           SBWIRE__V1__NOTIFY_OUTCOME__NOTIFY_OUTCOME_TIMED_OUT
                   ? (sb_notify_outcome_t)r->outcome
                   : SB_NOTIFY_ACCEPTED;
  if (shown)
    *shown = r->shown;
  sb_rpc_result_free(&res);
  return 0;
}

/* Clipboard get of either format: *data gets a copy with a NUL after it
 * (harmless for PNG, needed for text), NULL when the clipboard is empty. */
static int clipboard_get(sb_client_t *c, uint32_t session, int format,
                         uint32_t deadline_ms, uint8_t **data, size_t *len) {
  Sbwire__V1__Request req = SBWIRE__V1__REQUEST__INIT;
  Sbwire__V1__ClipboardGetRequest g = SBWIRE__V1__CLIPBOARD_GET_REQUEST__INIT;
  sb_rpc_result_t res;
  int err;
  if (!data || !len)
    return fail_local(SB_EINVAL, "%sthe out parameters are required: %s", NULL);
  *data = NULL;
  *len = 0;
  g.format = (Sbwire__V1__ClipboardFormat)format;
  req.body_case = SBWIRE__V1__REQUEST__BODY_CLIPBOARD_GET;
  req.clipboard_get = &g;
  err = call(c, session, &req, deadline_ms, NULL, 0,
             SBWIRE__V1__RESPONSE__BODY_CLIPBOARD_GET, &res);
  if (err)
    return err;
  const Sbwire__V1__ClipboardGetResponse *r = res.env->response->clipboard_get;
  int transfer = res.env->response->transfer_id != 0;
  const uint8_t *src = transfer ? res.data : r->data.data;
  size_t n = transfer ? res.len : r->data.len;
  if (r->empty ||
      (format != SBWIRE__V1__CLIPBOARD_FORMAT__CLIPBOARD_FORMAT_TEXT &&
       n == 0)) {
    sb_rpc_result_free(&res);
    return 0;
  }
  uint8_t *out = sb_malloc(n + 1);
  if (!out) {
    sb_rpc_result_free(&res);
    return fail_local(SB_ENOMEM, "%s%s", NULL);
  }
  if (n)
    memcpy(out, src, n);
  out[n] = 0;
  sb_rpc_result_free(&res);
  *data = out;
  *len = n;
  return 0;
}

static int clipboard_set(sb_client_t *c, uint32_t session, int format,
                         const uint8_t *data, size_t len, unsigned flags,
                         uint32_t deadline_ms) {
  Sbwire__V1__Request req = SBWIRE__V1__REQUEST__INIT;
  Sbwire__V1__ClipboardSetRequest s = SBWIRE__V1__CLIPBOARD_SET_REQUEST__INIT;
  sb_rpc_result_t res;
  int err;
  if (!data && len)
    return fail_local(SB_EINVAL, "%sdata is NULL: %s", NULL);
  if (len > SB_CLIENT_CLIPBOARD_MAX) {
    clear_error();
    snprintf(last_detail, sizeof last_detail,
             "clipboard data is limited to %u bytes", SB_CLIENT_CLIPBOARD_MAX);
    return SB_ETOOBIG;
  }
  if (flags & ~SB_CLIPBOARD_SENSITIVE)
    return fail_local(SB_EINVAL, "%sunknown clipboard flags: %s", NULL);
  s.format = (Sbwire__V1__ClipboardFormat)format;
  s.sensitive = (flags & SB_CLIPBOARD_SENSITIVE) != 0;
  req.body_case = SBWIRE__V1__REQUEST__BODY_CLIPBOARD_SET;
  req.clipboard_set = &s;
  /* Small data inline; more than one frame holds as a transfer. */
  if (len <= SB_MSG_INLINE_MAX) {
    s.data.data = (uint8_t *)data;
    s.data.len = len;
    err = call(c, session, &req, deadline_ms, NULL, 0,
               SBWIRE__V1__RESPONSE__BODY_CLIPBOARD_SET, &res);
  } else {
    err = call(c, session, &req, deadline_ms, data, len,
               SBWIRE__V1__RESPONSE__BODY_CLIPBOARD_SET, &res);
  }
  if (err)
    return err;
  sb_rpc_result_free(&res);
  return 0;
}

int sb_client_clipboard_get_text(sb_client_t *c, uint32_t session,
                                 uint32_t deadline_ms, char **text,
                                 size_t *len) {
  return clipboard_get(c, session,
                       SBWIRE__V1__CLIPBOARD_FORMAT__CLIPBOARD_FORMAT_TEXT,
                       deadline_ms, (uint8_t **)text, len);
}

int sb_client_clipboard_set_text(sb_client_t *c, uint32_t session,
                                 const char *text, size_t len, unsigned flags,
                                 uint32_t deadline_ms) {
  return clipboard_set(c, session,
                       SBWIRE__V1__CLIPBOARD_FORMAT__CLIPBOARD_FORMAT_TEXT,
                       (const uint8_t *)text, len, flags, deadline_ms);
}

int sb_client_clipboard_get_image(sb_client_t *c, uint32_t session,
                                  uint32_t deadline_ms, uint8_t **png,
                                  size_t *len) {
  return clipboard_get(c, session,
                       SBWIRE__V1__CLIPBOARD_FORMAT__CLIPBOARD_FORMAT_IMAGE_PNG,
                       deadline_ms, png, len);
}

int sb_client_clipboard_set_image(sb_client_t *c, uint32_t session,
                                  const uint8_t *png, size_t len,
                                  unsigned flags, uint32_t deadline_ms) {
  return clipboard_set(c, session,
                       SBWIRE__V1__CLIPBOARD_FORMAT__CLIPBOARD_FORMAT_IMAGE_PNG,
                       png, len, flags, deadline_ms);
}

int sb_client_screenshot(sb_client_t *c, uint32_t session, int monitor,
                         const sb_region_t *region, unsigned flags,
                         uint32_t deadline_ms, uint8_t **png, size_t *len,
                         uint32_t *width, uint32_t *height, int32_t *x,
                         int32_t *y) {
  Sbwire__V1__Request req = SBWIRE__V1__REQUEST__INIT;
  Sbwire__V1__ScreenshotRequest s = SBWIRE__V1__SCREENSHOT_REQUEST__INIT;
  Sbwire__V1__Region rg = SBWIRE__V1__REGION__INIT;
  sb_rpc_result_t res;
  int err;
  if (!png || !len || monitor < SB_SCREEN_ALL ||
      (region && monitor != SB_SCREEN_ALL) ||
      (region && (region->width == 0 || region->height == 0)))
    return fail_local(SB_EINVAL,
                      "%spng and len are required; a region "
                      "must have a size and no monitor: %s",
                      NULL);
  if (flags & ~SB_SCREENSHOT_SMALL)
    return fail_local(SB_EINVAL, "%sunknown screenshot flags: %s", NULL);
  *png = NULL;
  *len = 0;
  s.compression = (flags & SB_SCREENSHOT_SMALL)
                      ? SBWIRE__V1__COMPRESSION__COMPRESSION_SMALL
                      : SBWIRE__V1__COMPRESSION__COMPRESSION_FAST;
  if (region) {
    rg.x = region->x;
    rg.y = region->y;
    rg.width = region->width;
    rg.height = region->height;
    s.target_case = SBWIRE__V1__SCREENSHOT_REQUEST__TARGET_REGION;
    s.region = &rg;
  } else if (monitor >= 0) {
    s.target_case = SBWIRE__V1__SCREENSHOT_REQUEST__TARGET_MONITOR;
    s.monitor = (uint32_t)monitor;
  } else {
    s.target_case = SBWIRE__V1__SCREENSHOT_REQUEST__TARGET_VIRTUAL_SCREEN;
    s.virtual_screen = 1;
  }
  req.body_case = SBWIRE__V1__REQUEST__BODY_SCREENSHOT;
  req.screenshot = &s;
  err = call(c, session, &req, deadline_ms, NULL, 0,
             SBWIRE__V1__RESPONSE__BODY_SCREENSHOT, &res);
  if (err)
    return err;
  const Sbwire__V1__ScreenshotResponse *r = res.env->response->screenshot;
  int transfer = res.env->response->transfer_id != 0;
  size_t n = transfer ? res.len : r->png.len;
  uint8_t *out;
  if (transfer && res.data) {
    /* The assembled download is handed over, not copied: a screenshot
     * may be 64 MiB. It grew by doubling; the rest is given back. */
    out = sb_realloc(res.data, n ? n : 1);
    if (out)
      res.data = NULL;
  } else {
    out = sb_malloc(n ? n : 1);
    if (out && n)
      memcpy(out, r->png.data, n);
  }
  if (!out) {
    sb_rpc_result_free(&res);
    return fail_local(SB_ENOMEM, "%s%s", NULL);
  }
  if (width)
    *width = r->width;
  if (height)
    *height = r->height;
  if (x)
    *x = r->x;
  if (y)
    *y = r->y;
  sb_rpc_result_free(&res);
  *png = out;
  *len = n;
  return 0;
}

/* ---- session events ---- */

int sb_client_subscribe(sb_client_t *c, int on, uint32_t deadline_ms) {
  Sbwire__V1__Request req = SBWIRE__V1__REQUEST__INIT;
  Sbwire__V1__SubscribeRequest sr = SBWIRE__V1__SUBSCRIBE_REQUEST__INIT;
  sb_rpc_result_t res;
  int err;
  sr.session_events = on != 0;
  req.body_case = SBWIRE__V1__REQUEST__BODY_SUBSCRIBE;
  req.subscribe = &sr;
  err = call(c, 0, &req, deadline_ms, NULL, 0,
             SBWIRE__V1__RESPONSE__BODY_SUBSCRIBE, &res);
  if (err)
    return err;
  sb_rpc_result_free(&res);
  return 0;
}

int sb_client_next_event(sb_client_t *c, uint32_t deadline_ms,
                         sb_session_event_t **ev) {
  uint64_t end, gen;
  queued_event_t q;
  int err = 0;
  clear_error();
  if (!c || !ev || deadline_ms > SB_CLIENT_MAX_DEADLINE_MS)
    return fail_local(SB_EINVAL,
                      "%sc and ev are required, deadline_ms "
                      "up to 600000: %s",
                      NULL);
  *ev = NULL;
  end = sb_now_ms() + deadline_or_default(deadline_ms);
  sb_mutex_lock(c->lock);
  gen = c->cancel_gen;
  for (;;) {
    uint64_t now = sb_now_ms();
    if (c->count)
      break;
    if (c->cancel_gen != gen)
      err = SB_ECANCELED;
    else if (c->closed)
      err = SB_EPIPE;
    else if (now >= end)
      err = SB_ETIMEDOUT;
    if (err)
      break;
    sb_cond_wait(c->cond, c->lock, (int)(end - now));
  }
  if (err) {
    sb_mutex_unlock(c->lock);
    return fail_local(err, "%sno session event: %s", NULL);
  }
  q = c->events[c->head];
  c->head = (c->head + 1) % SB_CLIENT_EVENT_QUEUE;
  c->count--;
  uint32_t lost = c->lost;
  c->lost = 0;
  sb_mutex_unlock(c->lock);

  const char *user = q.user ? q.user : "";
  sb_session_event_t *out = sb_malloc(sizeof *out + strlen(user) + 1);
  if (!out) {
    sb_free(q.user);
    return fail_local(SB_ENOMEM, "%s%s", NULL);
  }
  char *at = (char *)(out + 1);
  out->session_id = q.session_id;
  out->change = (sb_session_change_t)q.change;
  out->locked = q.locked;
  out->agent_pid = q.agent_pid;
  out->lost = lost;
  out->user = put_str(&at, user);
  sb_free(q.user);
  *ev = out;
  return 0;
}

int sb_client_monitors(sb_client_t *c, uint32_t session, uint32_t deadline_ms,
                       sb_monitors_t **out) {
  Sbwire__V1__Request req = SBWIRE__V1__REQUEST__INIT;
  Sbwire__V1__MonitorsRequest mr = SBWIRE__V1__MONITORS_REQUEST__INIT;
  sb_rpc_result_t res;
  int err;
  if (!out)
    return fail_local(SB_EINVAL, "%sout is required: %s", NULL);
  *out = NULL;
  req.body_case = SBWIRE__V1__REQUEST__BODY_MONITORS;
  req.monitors = &mr;
  err = call(c, session, &req, deadline_ms, NULL, 0,
             SBWIRE__V1__RESPONSE__BODY_MONITORS, &res);
  if (err)
    return err;
  const Sbwire__V1__MonitorsResponse *r = res.env->response->monitors;
  size_t n = r->n_monitors; /* <= SB_MSG_MONITORS_MAX (validation) */
  size_t bytes =
      sizeof **out + n * sizeof(sb_monitor_t) + strlen(r->dpi_awareness) + 1;
  for (size_t i = 0; i < n; i++)
    bytes += strlen(r->monitors[i]->device) + 1;
  sb_monitors_t *m = sb_calloc(1, bytes);
  if (!m) {
    sb_rpc_result_free(&res);
    return fail_local(SB_ENOMEM, "%s%s", NULL);
  }
  sb_monitor_t *list = (sb_monitor_t *)(m + 1);
  char *at = (char *)(list + n);
  for (size_t i = 0; i < n; i++) {
    const Sbwire__V1__Monitor *mo = r->monitors[i];
    list[i].index = mo->index;
    if (mo->rect) {
      list[i].rect.x = mo->rect->x;
      list[i].rect.y = mo->rect->y;
      list[i].rect.width = mo->rect->width;
      list[i].rect.height = mo->rect->height;
    }
    list[i].primary = mo->primary;
    list[i].dpi = mo->dpi;
    list[i].device = put_str(&at, mo->device);
  }
  m->count = n;
  m->monitors = list;
  if (r->virtual_screen) {
    m->virtual_screen.x = r->virtual_screen->x;
    m->virtual_screen.y = r->virtual_screen->y;
    m->virtual_screen.width = r->virtual_screen->width;
    m->virtual_screen.height = r->virtual_screen->height;
  }
  m->dpi_awareness = put_str(&at, r->dpi_awareness);
  sb_rpc_result_free(&res);
  *out = m;
  return 0;
}
