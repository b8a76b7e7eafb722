/* SPDX-License-Identifier: MIT */
#include "dispatch.h"

#include <stdio.h>
#include <string.h>

#include "chunk_sender.h"
#include "sb_png.h"
#include "tasks.h"

typedef struct job {
  sb_thread_t *thread;
  uint64_t started; /* sb_now_ms() when the agent took the request */
  int done;
  int is_box;
  sb_dispatch_t *d;
  sb_rpc_t *rpc;
  sb_rpc_incoming_t *in;
  sb_task_ctl_t ctl;
} job_t;

struct sb_dispatch {
  uint32_t session_id;
  sb_dispatch_probe_t probe;
  sb_mutex_t *lock;
  uint64_t cancels; /* Cancels that reached a running task */
  job_t jobs[SB_RPC_MAX_OUTSTANDING];
};

static int os_disconnected(void *arg) {
  (void)arg;
  return sb_task_session_disconnected();
}

static int os_locked(void *arg) {
  (void)arg;
  return sb_task_session_locked();
}

int sb_dispatch_new(sb_dispatch_t **out, uint32_t session_id) {
  sb_dispatch_t *d = sb_calloc(1, sizeof *d);
  if (!d)
    return SB_ENOMEM;
  d->session_id = session_id;
  d->probe.disconnected = os_disconnected;
  d->probe.locked = os_locked;
  if (sb_mutex_new(&d->lock) != 0) {
    sb_free(d);
    return SB_ENOMEM;
  }
  *out = d;
  return 0;
}

void sb_dispatch_set_probe(sb_dispatch_t *d, const sb_dispatch_probe_t *p) {
  if (!d || !p || !p->disconnected || !p->locked)
    return;
  sb_mutex_lock(d->lock);
  d->probe = *p;
  sb_mutex_unlock(d->lock);
}

static int session_disconnected(sb_dispatch_t *d) {
  sb_mutex_lock(d->lock);
  sb_dispatch_probe_t p = d->probe;
  sb_mutex_unlock(d->lock);
  return p.disconnected(p.arg);
}

static int session_locked(sb_dispatch_t *d) {
  sb_mutex_lock(d->lock);
  sb_dispatch_probe_t p = d->probe;
  sb_mutex_unlock(d->lock);
  return p.locked(p.arg);
}

void sb_dispatch_free(sb_dispatch_t *d) {
  if (!d)
    return;
  sb_mutex_free(d->lock);
  sb_free(d);
}

/* The detail for a task's failure: what the task said, else the fallback;
 * a platform without a desktop backend says so plainly. */
static const char *task_detail(int err, const char *why, const char *fallback) {
  if (why)
    return why;
  if (err == SB_EUNSUPPORTED)
    return "this agent has no desktop backend for the task on its platform";
  return fallback;
}

/* ---- quick requests ---- */

static void do_ping(sb_rpc_t *rpc, sb_rpc_incoming_t *in) {
  Sbwire__V1__Response rsp = SBWIRE__V1__RESPONSE__INIT;
  Sbwire__V1__PingResponse p = SBWIRE__V1__PING_RESPONSE__INIT;
  p.payload = in->req->ping->payload;
  rsp.body_case = SBWIRE__V1__RESPONSE__BODY_PING;
  rsp.ping = &p;
  sb_rpc_respond(rpc, in, &rsp, NULL, 0);
}

static void do_session_info(sb_dispatch_t *d, sb_rpc_t *rpc,
                            sb_rpc_incoming_t *in) {
  Sbwire__V1__Response rsp = SBWIRE__V1__RESPONSE__INIT;
  Sbwire__V1__SessionInfoResponse r = SBWIRE__V1__SESSION_INFO_RESPONSE__INIT;
  sb_task_session_info_t info;
  int err;
  memset(&info, 0, sizeof info);
  err = sb_task_session_info(&info);
  if (err) {
    sb_rpc_respond_error(rpc, in, err, "cannot read the session's details");
    return;
  }
  /* The service's session id is the one requests are addressed by. */
  r.session_id = d->session_id ? d->session_id : info.session_id;
  r.user = info.user;
  r.domain = info.domain;
  r.locked = info.locked;
  r.idle_ms = info.idle_ms;
  r.is_console = info.is_console;
  r.state = info.state;
  rsp.body_case = SBWIRE__V1__RESPONSE__BODY_SESSION_INFO;
  rsp.session_info = &r;
  sb_rpc_respond(rpc, in, &rsp, NULL, 0);
}

static void do_cancel(sb_dispatch_t *d, sb_rpc_t *rpc, sb_rpc_incoming_t *in) {
  uint64_t target = in->req->cancel->target_request_id;
  int found = 0;
  sb_mutex_lock(d->lock);
  for (int i = 0; i < SB_RPC_MAX_OUTSTANDING; i++) {
    job_t *j = &d->jobs[i];
    if (j->thread && !j->done && j->in && j->in->id == target) {
      j->ctl.cancel = 1;
      found = 1;
    }
  }
  d->cancels += found;
  sb_mutex_unlock(d->lock);
  if (!found) {
    /* Finished already, or never existed: nothing to stop. */
    sb_rpc_respond_error(rpc, in, SB_ESTATE, "no such running request");
    return;
  }
  Sbwire__V1__Response rsp = SBWIRE__V1__RESPONSE__INIT;
  Sbwire__V1__CancelResponse c = SBWIRE__V1__CANCEL_RESPONSE__INIT;
  rsp.body_case = SBWIRE__V1__RESPONSE__BODY_CANCEL;
  rsp.cancel = &c;
  sb_rpc_respond(rpc, in, &rsp, NULL, 0);
}

/* ---- tasks on their own threads ---- */

/* The agent saw the session disconnected before the service did, and the
 * box asked to wait for a reconnect: wait here, as the service would have
 * (polling, as it does), until a client is attached again, the deadline
 * less the margin its answer needs (a tenth, at most 250 ms) runs out,
 * or a Cancel. 0: go on and show the box; else answered. */
#define RECONNECT_POLL_MS 50
static int wait_reconnect(job_t *j) {
  uint32_t deadline = j->in->req->deadline_ms;
  uint32_t margin = deadline / 10 < 250 ? deadline / 10 : 250;
  uint64_t end = j->started + (deadline - margin);
  char detail[160];
  while (session_disconnected(j->d)) {
    if (j->ctl.cancel) {
      sb_rpc_respond_error(j->rpc, j->in, SB_ECANCELED,
                           "cancelled while waiting for the session to be "
                           "reconnected");
      return 1;
    }
    if (sb_now_ms() >= end) {
      snprintf(detail, sizeof detail,
               "the session stayed disconnected for the whole %u ms "
               "deadline; the box was never shown",
               deadline);
      sb_rpc_respond_error(j->rpc, j->in, SB_ETIMEDOUT, detail);
      return 1;
    }
    sb_sleep_ms(RECONNECT_POLL_MS);
  }
  /* Reconnected: an RDP client usually comes back to the lock screen. */
  if (session_locked(j->d)) {
    sb_rpc_respond_error(j->rpc, j->in, SB_ELOCKED,
                         "the session was reconnected but is locked; try "
                         "again after unlock");
    return 1;
  }
  return 0;
}

static void run_message_box(job_t *j) {
  const Sbwire__V1__MessageBoxRequest *mb = j->in->req->message_box;
  uint32_t deadline = j->in->req->deadline_ms;
  uint32_t timeout = mb->timeout_ms;
  int pressed = 0, timed_out = 0, err;
  if (mb->wait_for_connect) {
    if (wait_reconnect(j))
      return;
    /* What the wait used comes off the box's deadline. */
    uint64_t used = sb_now_ms() - j->started;
    deadline = used < deadline ? deadline - (uint32_t)used : 1;
  }
  /* The box closes at whichever comes first: its own timeout or the
   * request's deadline. */
  uint32_t effective = timeout && timeout < deadline ? timeout : deadline;
  j->ctl.deadline_ms = effective;
  err =
      sb_task_message_box(mb->title, mb->text, (int)mb->buttons, (int)mb->icon,
                          effective, &j->ctl, &pressed, &timed_out);
  if (err) {
    sb_rpc_respond_error(j->rpc, j->in, err,
                         err == SB_ECANCELED
                             ? "cancelled; the box was closed"
                             : task_detail(err, NULL,
                                           "cannot show the message box"));
    return;
  }
  if (timed_out && effective != timeout) {
    char detail[96];
    snprintf(detail, sizeof detail,
             "no answer within the %u ms deadline; the box was closed",
             deadline);
    sb_rpc_respond_error(j->rpc, j->in, SB_ETIMEDOUT, detail);
    return;
  }
  Sbwire__V1__Response rsp = SBWIRE__V1__RESPONSE__INIT;
  Sbwire__V1__MessageBoxResponse r = SBWIRE__V1__MESSAGE_BOX_RESPONSE__INIT;
  r.pressed =
      timed_out ? SBWIRE__V1__BUTTON__BUTTON_NONE : (Sbwire__V1__Button)pressed;
  r.timed_out = timed_out;
  rsp.body_case = SBWIRE__V1__RESPONSE__BODY_MESSAGE_BOX;
  rsp.message_box = &r;
  sb_rpc_respond(j->rpc, j->in, &rsp, NULL, 0);
}

static void run_notify(job_t *j) {
  const Sbwire__V1__NotifyRequest *n = j->in->req->notify;
  int outcome = 0, shown = 0;
  int err = sb_task_notify(n->title, n->text, (int)n->icon, n->wait_ms,
                           &j->ctl, &outcome, &shown);
  if (err) {
    sb_rpc_respond_error(j->rpc, j->in, err,
                         task_detail(err, NULL, "cannot show the notification"));
    return;
  }
  Sbwire__V1__Response rsp = SBWIRE__V1__RESPONSE__INIT;
  Sbwire__V1__NotifyResponse r = SBWIRE__V1__NOTIFY_RESPONSE__INIT;
  /* Shown only when the shell said so, never on acceptance alone. */
  r.shown = shown;
  r.outcome = (Sbwire__V1__NotifyOutcome)outcome;
  rsp.body_case = SBWIRE__V1__RESPONSE__BODY_NOTIFY;
  rsp.notify = &r;
  sb_rpc_respond(j->rpc, j->in, &rsp, NULL, 0);
}

/* Small results travel inline in the response field; larger ones as a
 * transfer after it (protocol.md, "Transfers"). */
static void respond_data(job_t *j, Sbwire__V1__Response *rsp,
                         ProtobufCBinaryData *inline_field, uint8_t *data,
                         size_t len) {
  if (len <= SB_MSG_INLINE_MAX) {
    inline_field->data = data;
    inline_field->len = len;
    sb_rpc_respond(j->rpc, j->in, rsp, NULL, 0);
  } else {
    sb_rpc_respond(j->rpc, j->in, rsp, data, len);
  }
}

static const char clipboard_timeout[] =
    "the clipboard did not answer within the deadline (its owner did not "
    "render its data, or another program held it); the call was abandoned "
    "and the clipboard closed";
static const char clipboard_busy[] =
    "the clipboard is held by another program, or its owner has not "
    "rendered the data an earlier, abandoned call asked for and still "
    "owns it; try again later";
static const char clipboard_cancelled[] =
    "cancelled; the clipboard call was abandoned and the clipboard closed";

static void run_clipboard_get(job_t *j) {
  Sbwire__V1__ClipboardFormat format = j->in->req->clipboard_get->format;
  uint8_t *data = NULL;
  size_t len = 0;
  uint32_t w, h;
  const char *why = NULL;
  int empty = 0, err;
  if (format == SBWIRE__V1__CLIPBOARD_FORMAT__CLIPBOARD_FORMAT_IMAGE_PNG)
    err = sb_task_clipboard_get_image(&data, &len, &w, &h, &empty, &why,
                                      &j->ctl);
  else
    err = sb_task_clipboard_get_text(&data, &len, &empty, &j->ctl);
  if (err) {
    sb_rpc_respond_error(j->rpc, j->in, err,
                         why                     ? why
                         : err == SB_ETIMEDOUT   ? clipboard_timeout
                         : err == SB_ECANCELED   ? clipboard_cancelled
                         : err == SB_EBUSY       ? clipboard_busy
                                                 : task_detail(err, NULL, "cannot read the clipboard"));
    return;
  }
  Sbwire__V1__Response rsp = SBWIRE__V1__RESPONSE__INIT;
  Sbwire__V1__ClipboardGetResponse r = SBWIRE__V1__CLIPBOARD_GET_RESPONSE__INIT;
  r.format = format;
  r.empty = empty;
  rsp.body_case = SBWIRE__V1__RESPONSE__BODY_CLIPBOARD_GET;
  rsp.clipboard_get = &r;
  respond_data(j, &rsp, &r.data, data, len);
  sb_memzero(data, len);
  sb_free(data);
}

static void run_clipboard_set(job_t *j) {
  const Sbwire__V1__ClipboardSetRequest *s = j->in->req->clipboard_set;
  /* Uploaded as a transfer (declared in the Request) or inline. */
  const uint8_t *data = j->in->req->transfer_id ? j->in->data : s->data.data;
  size_t len = j->in->req->transfer_id ? j->in->len : s->data.len;
  const char *why = NULL;
  int err;
  /* The portable checks first, so every platform, with a desktop backend
   * or without, refuses the same input the same way. */
  if (s->format == SBWIRE__V1__CLIPBOARD_FORMAT__CLIPBOARD_FORMAT_IMAGE_PNG) {
    err = sb_task_clipboard_image_check(data, len, &why);
    if (!err)
      err = sb_task_clipboard_set_image(data, len, s->sensitive, &why,
                                        &j->ctl);
  } else {
    err = sb_task_clipboard_text_check(data, len);
    if (!err)
      err = sb_task_clipboard_set_text(data, len, s->sensitive, &j->ctl);
    why = err == SB_EUTF8    ? "the text is not valid UTF-8"
          : err == SB_EFIELD ? "the text contains a NUL byte, which the "
                               "clipboard would cut it at"
                             : NULL;
  }
  if (err) {
    sb_rpc_respond_error(j->rpc, j->in, err,
                         why                     ? why
                         : err == SB_ETIMEDOUT   ? clipboard_timeout
                         : err == SB_ECANCELED   ? clipboard_cancelled
                         : err == SB_EBUSY       ? clipboard_busy
                                                 : task_detail(err, NULL, "cannot set the clipboard"));
    return;
  }
  Sbwire__V1__Response rsp = SBWIRE__V1__RESPONSE__INIT;
  Sbwire__V1__ClipboardSetResponse r = SBWIRE__V1__CLIPBOARD_SET_RESPONSE__INIT;
  rsp.body_case = SBWIRE__V1__RESPONSE__BODY_CLIPBOARD_SET;
  rsp.clipboard_set = &r;
  sb_rpc_respond(j->rpc, j->in, &rsp, NULL, 0);
}

/* A screenshot goes out while it is encoded (protocol 3): a PNG that is
 * whole in its first piece (512 KiB) is answered inline; a bigger one is
 * declared a download of unknown size at its first piece, and every
 * piece goes out as a chunk, from a sender thread, as the encoder hands
 * it over, so the service (and its caller) has the first chunks while
 * the agent still captures and encodes the rest. */
typedef struct {
  job_t *j;
  Sbwire__V1__Response rsp;
  Sbwire__V1__ScreenshotResponse r;
  sb_chunk_sender_t *sender; /* once declared */
  int answered; /* j->in was answered, or handed to the sender with last */
  uint64_t t_first;  /* sb_now_ms() when the first bytes went out */
} shot_out_t;

static int shot_begin(void *arg, uint32_t w, uint32_t h, int32_t x,
                      int32_t y) {
  shot_out_t *o = arg;
  o->r.width = w;
  o->r.height = h;
  o->r.x = x;
  o->r.y = y;
  return 0;
}

static int shot_bytes(void *arg, const uint8_t *data, size_t len, int last) {
  shot_out_t *o = arg;
  int err = 0;
  /* The service's Cancel (its caller's, a deadline, a slow reader): stop
   * capturing and encoding, not only sending. */
  if (o->j->ctl.cancel)
    return SB_ECANCELED;
  if (!o->t_first)
    o->t_first = sb_now_ms();
  if (!o->sender && last) {
    respond_data(o->j, &o->rsp, &o->r.png, (uint8_t *)data, len);
    o->answered = 1;
    return 0;
  }
  if (!o->sender) {
    err = sb_rpc_respond_begin(o->j->rpc, o->j->in, &o->rsp,
                               SB_RPC_SIZE_UNKNOWN);
    if (!err)
      err = sb_chunk_sender_start(&o->sender, o->j->rpc, o->j->in);
    if (err)
      return err;
  }
  err = sb_chunk_sender_push(o->sender, data, len, last);
  o->answered = last && !err;
  return err;
}

static void run_screenshot(job_t *j) {
  const Sbwire__V1__ScreenshotRequest *s = j->in->req->screenshot;
  sb_task_shot_t req;
  sb_task_shot_sink_t sink = {shot_begin, shot_bytes, SB_MSG_CHUNK_MAX, NULL};
  shot_out_t o;
  uint8_t *png = NULL;
  size_t len = 0;
  uint32_t w = 0, h = 0;
  int err;
  memset(&req, 0, sizeof req);
  memset(&o, 0, sizeof o);
  sbwire__v1__response__init(&o.rsp);
  sbwire__v1__screenshot_response__init(&o.r);
  o.j = j;
  o.rsp.body_case = SBWIRE__V1__RESPONSE__BODY_SCREENSHOT;
  o.rsp.screenshot = &o.r;
  sink.arg = &o;
  if (s->target_case == SBWIRE__V1__SCREENSHOT_REQUEST__TARGET_MONITOR) {
    req.target = 1;
    req.monitor = s->monitor;
  } else if (s->target_case == SBWIRE__V1__SCREENSHOT_REQUEST__TARGET_REGION) {
    req.target = 2;
    req.x = s->region->x;
    req.y = s->region->y;
    req.width = s->region->width;
    req.height = s->region->height;
  }
  req.compression = s->compression == SBWIRE__V1__COMPRESSION__COMPRESSION_SMALL
                        ? SB_PNG_SMALL
                        : SB_PNG_FAST;
  sb_task_shot_times_t times = {0, 0, 0};
  req.times = &times;
  req.sink = &sink;
  err = sb_task_screenshot_at(&req, &png, &len, &w, &h, NULL, NULL);
  int declared = o.sender != NULL;
  if (o.sender) {
    /* Everything queued goes out before an Error may end the download. */
    int serr = sb_chunk_sender_finish(o.sender);
    o.sender = NULL;
    if (!err)
      err = serr;
  }
  if (err && !o.answered) {
    /* Before the declaration this is the answer; after it, it ends the
     * download early (protocol.md, "A download that ends early"). */
    sb_rpc_respond_error(j->rpc, j->in, err,
                         task_detail(err,
                                     /* The pixels are counted before the
                                      * first byte, the PNG as it is sent:
                                      * one over 64 MiB was declared. */
                                     err == SB_ETOOBIG && declared
                                         ? "the screenshot's PNG grew over "
                                           "64 MiB while it was sent; ask "
                                           "for a monitor or a region"
                                     : err == SB_ETOOBIG
                                         ? "the screenshot is over 40 Mi "
                                           "pixels; ask for a monitor or a "
                                           "region"
                                     : err == SB_ECANCELED
                                         ? "cancelled; the screenshot was "
                                           "abandoned"
                                         : NULL,
                                     "cannot take the screenshot"));
    return;
  }
  if (err)
    return; /* the last chunk went with in; its connection is ending */
  /* One line per screenshot: where its time went (scripts/bench.sh reads
   * it to print the breakdown). The PNG goes out while it is encoded, so
   * "sent in" overlaps the capture and encode: it runs from the first
   * bytes handed to the pipe to the last (the service has then read all
   * but the pipe's buffer). */
  sb_log(SB_LOG_INFO,
         "screenshot %ux%u: capture %llu ms, filter+deflate %llu ms, "
         "finish %llu ms, PNG %llu bytes, sent in %llu ms",
         w, h, (unsigned long long)(times.capture_us / 1000),
         (unsigned long long)(times.rows_us / 1000),
         (unsigned long long)(times.finish_us / 1000), (unsigned long long)len,
         (unsigned long long)(sb_now_ms() - o.t_first));
}

static void run_monitors(job_t *j) {
  sb_task_monitor_t mons[SB_MSG_MONITORS_MAX];
  Sbwire__V1__Monitor m[SB_MSG_MONITORS_MAX], *mp[SB_MSG_MONITORS_MAX];
  Sbwire__V1__Region rect[SB_MSG_MONITORS_MAX];
  Sbwire__V1__Region vsr = SBWIRE__V1__REGION__INIT;
  size_t n = 0;
  int32_t vs[4];
  const char *aw = NULL;
  int err = sb_task_monitors(mons, SB_MSG_MONITORS_MAX, &n, vs, &aw);
  if (err) {
    sb_rpc_respond_error(j->rpc, j->in, err, "cannot list the monitors");
    return;
  }
  for (size_t i = 0; i < n; i++) {
    sbwire__v1__monitor__init(&m[i]);
    sbwire__v1__region__init(&rect[i]);
    rect[i].x = mons[i].x;
    rect[i].y = mons[i].y;
    rect[i].width = mons[i].width;
    rect[i].height = mons[i].height;
    m[i].index = (uint32_t)i;
    m[i].rect = &rect[i];
    m[i].primary = mons[i].primary != 0;
    m[i].dpi = mons[i].dpi;
    m[i].device = mons[i].device;
    mp[i] = &m[i];
  }
  vsr.x = vs[0];
  vsr.y = vs[1];
  vsr.width = (uint32_t)vs[2];
  vsr.height = (uint32_t)vs[3];
  Sbwire__V1__Response rsp = SBWIRE__V1__RESPONSE__INIT;
  Sbwire__V1__MonitorsResponse r = SBWIRE__V1__MONITORS_RESPONSE__INIT;
  r.n_monitors = n;
  r.monitors = mp;
  r.virtual_screen = &vsr;
  r.dpi_awareness = (char *)aw;
  rsp.body_case = SBWIRE__V1__RESPONSE__BODY_MONITORS;
  rsp.monitors = &r;
  sb_rpc_respond(j->rpc, j->in, &rsp, NULL, 0);
}

/* A task cancelled before it began does nothing at all (a clipboard set
 * that was cancelled never touches the clipboard); one cancelled while it
 * runs stops where the task can (a message box is closed). */
static int cancelled_before_start(job_t *j) {
  if (!j->ctl.cancel)
    return 0;
  sb_rpc_respond_error(j->rpc, j->in, SB_ECANCELED,
                       "cancelled before the task began");
  return 1;
}

static void job_main(void *arg) {
  job_t *j = arg;
  if (cancelled_before_start(j))
    goto out;
  switch (j->in->req->body_case) {
  case SBWIRE__V1__REQUEST__BODY_MESSAGE_BOX:
    run_message_box(j);
    break;
  case SBWIRE__V1__REQUEST__BODY_NOTIFY:
    run_notify(j);
    break;
  case SBWIRE__V1__REQUEST__BODY_CLIPBOARD_GET:
    run_clipboard_get(j);
    break;
  case SBWIRE__V1__REQUEST__BODY_CLIPBOARD_SET:
    run_clipboard_set(j);
    break;
  case SBWIRE__V1__REQUEST__BODY_SCREENSHOT:
    run_screenshot(j);
    break;
  case SBWIRE__V1__REQUEST__BODY_MONITORS:
    run_monitors(j);
    break;
  default:
    sb_rpc_respond_error(j->rpc, j->in, SB_EFIELD, "not an agent task");
    break;
  }
out:
  sb_mutex_lock(j->d->lock);
  j->done = 1;
  j->in = NULL;
  sb_mutex_unlock(j->d->lock);
}

static void reap(sb_dispatch_t *d, int all) {
  for (int i = 0; i < SB_RPC_MAX_OUTSTANDING; i++) {
    job_t *j = &d->jobs[i];
    sb_mutex_lock(d->lock);
    int ready = j->thread && (j->done || all);
    if (ready && all && !j->done)
      j->ctl.cancel = 1;
    sb_mutex_unlock(d->lock);
    if (ready) {
      sb_thread_join(j->thread);
      memset(j, 0, sizeof *j);
    }
  }
}

static void start_job(sb_dispatch_t *d, sb_rpc_t *rpc, sb_rpc_incoming_t *in,
                      int is_box) {
  job_t *j = NULL;
  int boxes = 0;
  reap(d, 0);
  sb_mutex_lock(d->lock);
  for (int i = 0; i < SB_RPC_MAX_OUTSTANDING; i++) {
    if (d->jobs[i].thread && !d->jobs[i].done && d->jobs[i].is_box)
      boxes++;
    if (!j && !d->jobs[i].thread)
      j = &d->jobs[i];
  }
  if (!j || (is_box && boxes >= SB_AGENT_MAX_BOXES)) {
    sb_mutex_unlock(d->lock);
    sb_rpc_respond_error(rpc, in, SB_EBUSY,
                         is_box ? "too many message boxes are open"
                                : "too many tasks running");
    return;
  }
  memset(j, 0, sizeof *j);
  j->d = d;
  j->rpc = rpc;
  j->in = in;
  j->is_box = is_box;
  j->ctl.deadline_ms = in->req->deadline_ms;
  j->started = sb_now_ms();
  if (sb_thread_create(&j->thread, job_main, j, 0) != 0) {
    j->thread = NULL;
    sb_mutex_unlock(d->lock);
    sb_rpc_respond_error(rpc, in, SB_ENOMEM, "cannot start the task");
    return;
  }
  sb_mutex_unlock(d->lock);
}

void sb_dispatch_request(sb_dispatch_t *d, sb_rpc_t *rpc,
                         sb_rpc_incoming_t *in) {
  switch (in->req->body_case) {
  case SBWIRE__V1__REQUEST__BODY_PING:
    do_ping(rpc, in);
    return;
  case SBWIRE__V1__REQUEST__BODY_SESSION_INFO:
    do_session_info(d, rpc, in);
    return;
  case SBWIRE__V1__REQUEST__BODY_CANCEL:
    do_cancel(d, rpc, in);
    return;
  case SBWIRE__V1__REQUEST__BODY_MESSAGE_BOX:
  case SBWIRE__V1__REQUEST__BODY_SCREENSHOT:
    /* In a disconnected session nobody sees the box or the screen (the
     * service checks this first; this is for requests that reach us
     * before its tracking has heard of the disconnect). A box that asked
     * to wait for the reconnect waits in its task (wait_reconnect), as
     * it would have at the service. */
    if (session_disconnected(d)) {
      if (in->req->body_case == SBWIRE__V1__REQUEST__BODY_MESSAGE_BOX &&
          in->req->message_box->wait_for_connect) {
        start_job(d, rpc, in, 1);
        return;
      }
      sb_rpc_respond_error(rpc, in, SB_EDISCONNECTED,
                           "the session is disconnected (no RDP client or "
                           "console attached): nobody would see it");
      return;
    }
    /* On a locked session the box would sit on a desktop nobody sees, and
     * a screenshot would show the lock screen: say so instead. */
    if (session_locked(d)) {
      sb_rpc_respond_error(rpc, in, SB_ELOCKED,
                           "the session is locked; try again after unlock");
      return;
    }
    start_job(d, rpc, in,
              in->req->body_case == SBWIRE__V1__REQUEST__BODY_MESSAGE_BOX);
    return;
  case SBWIRE__V1__REQUEST__BODY_NOTIFY:
  case SBWIRE__V1__REQUEST__BODY_MONITORS:
  case SBWIRE__V1__REQUEST__BODY_CLIPBOARD_GET:
  case SBWIRE__V1__REQUEST__BODY_CLIPBOARD_SET:
    start_job(d, rpc, in, 0);
    return;
  default:
    sb_rpc_respond_error(rpc, in, SB_EFIELD,
                         "the agent does not serve this request");
    return;
  }
}

uint64_t sb_dispatch_cancels(sb_dispatch_t *d) {
  return sb_mutex_read_u64(d->lock, &d->cancels);
}

void sb_dispatch_shutdown(sb_dispatch_t *d) {
  if (d)
    reap(d, 1);
}
