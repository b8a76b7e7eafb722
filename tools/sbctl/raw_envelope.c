/* SPDX-License-Identifier: MIT */
/* sbctl raw: hand-built envelopes from a small key=value text grammar (see
 * raw.h), and the decoded printing of envelopes that come back. The
 * builder writes exactly what the line says, valid or not: a harness that
 * only produced valid messages could not test the validator. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "raw.h"

/* One parse: the words and which of them a lookup has consumed, so a
 * misspelt key is reported instead of silently ignored. */
typedef struct {
  char **w;
  int n;
  unsigned char used[64];
  int bad;
} words_t;

static const char *const body_names[] = {
    [SBWIRE__V1__REQUEST__BODY_PING] = "ping",
    [SBWIRE__V1__REQUEST__BODY_SESSION_INFO] = "info",
    [SBWIRE__V1__REQUEST__BODY_MESSAGE_BOX] = "message",
    [SBWIRE__V1__REQUEST__BODY_NOTIFY] = "notify",
    [SBWIRE__V1__REQUEST__BODY_CLIPBOARD_GET] = "clipboard-get",
    [SBWIRE__V1__REQUEST__BODY_CLIPBOARD_SET] = "clipboard-set",
    [SBWIRE__V1__REQUEST__BODY_SCREENSHOT] = "screenshot",
    [SBWIRE__V1__REQUEST__BODY_CANCEL] = "cancel",
    [SBWIRE__V1__REQUEST__BODY_SESSION_LIST] = "sessions",
};
#define N_BODY ((int)(sizeof body_names / sizeof body_names[0]))

/* Request and Response use the same field numbers for the same task, so
 * one table names both (checked at compile time below). */
_Static_assert((int)SBWIRE__V1__RESPONSE__BODY_SESSION_LIST ==
                   (int)SBWIRE__V1__REQUEST__BODY_SESSION_LIST &&
                   (int)SBWIRE__V1__RESPONSE__BODY_PING ==
                       (int)SBWIRE__V1__REQUEST__BODY_PING,
               "request and response body numbers differ");

const char *raw_response_name(int body_case) {
  if (body_case > 0 && body_case < N_BODY && body_names[body_case])
    return body_names[body_case];
  return "?";
}

static int body_by_name(const char *name) {
  for (int i = 0; i < N_BODY; i++)
    if (body_names[i] && !strcmp(body_names[i], name))
      return i;
  return -1;
}

static int hexval(int c) {
  return isdigit(c) ? c - '0' : tolower(c) - 'a' + 10;
}

size_t raw_unhex(const char *h, uint8_t *out, size_t cap) {
  size_t n = 0;
  while (h[0] && h[1] && n < cap && isxdigit((unsigned char)h[0]) &&
         isxdigit((unsigned char)h[1])) {
    out[n++] = (uint8_t)(hexval(h[0]) << 4 | hexval(h[1]));
    h += 2;
  }
  return n;
}

static const char *get(words_t *w, const char *key) {
  size_t k = strlen(key);
  for (int i = 0; i < w->n; i++)
    if (!strncmp(w->w[i], key, k) && w->w[i][k] == '=') {
      w->used[i] = 1;
      return w->w[i] + k + 1;
    }
  return NULL;
}

static uint64_t num(words_t *w, const char *key, uint64_t def) {
  const char *v = get(w, key);
  char *end;
  if (!v)
    return def;
  uint64_t x = strtoull(v, &end, 0);
  if (*end || !*v) {
    printf("  bad number %s=%s\n", key, v);
    w->bad = 1;
  }
  return x;
}

/* %XX escapes decoded in place (the result is never longer), so a string
 * can hold spaces and invalid UTF-8. */
static char *str(words_t *w, const char *key, const char *def) {
  char *v = (char *)get(w, key);
  if (!v)
    return (char *)def;
  char *o = v;
  for (const char *p = v; *p; p++) {
    if (p[0] == '%' && isxdigit((unsigned char)p[1]) &&
        isxdigit((unsigned char)p[2])) {
      *o++ = (char)(hexval(p[1]) << 4 | hexval(p[2]));
      p += 2;
    } else {
      *o++ = *p;
    }
  }
  *o = 0;
  return v;
}

/* KEY=HEX, or KEY-len=N for N filler bytes (long payloads without a
 * megabyte of hex in a scenario line). The buffer belongs to e. */
static ProtobufCBinaryData bytes(raw_env_t *e, words_t *w, const char *key) {
  ProtobufCBinaryData b = {0, NULL};
  char lenkey[32];
  const char *hex = get(w, key);
  snprintf(lenkey, sizeof lenkey, "%s-len", key);
  uint64_t fill = num(w, lenkey, 0);
  size_t cap = hex ? strlen(hex) / 2 : (size_t)fill;
  if (fill > SB_FRAME_MAX || e->bytes) {
    printf("  %s: at most one byte field of at most %u bytes\n", key,
           SB_FRAME_MAX);
    w->bad = 1;
    return b;
  }
  e->bytes = malloc(cap ? cap : 1);
  if (!e->bytes) {
    w->bad = 1;
    return b;
  }
  if (hex) {
    b.len = raw_unhex(hex, e->bytes, cap);
  } else {
    for (size_t i = 0; i < cap; i++)
      e->bytes[i] = (uint8_t)('a' + i % 26);
    b.len = cap;
  }
  b.data = e->bytes;
  return b;
}

static void build_request(raw_env_t *e, words_t *w, int body) {
  Sbwire__V1__Request *r = &e->req;
  r->deadline_ms = (uint32_t)num(w, "deadline", 5000);
  r->session_id = (uint32_t)num(w, "session", 1);
  /* Any request may declare an upload; it carries the request id unless
   * told otherwise. */
  r->total_size = num(w, "total", 0);
  r->transfer_id = num(w, "transfer", r->total_size ? e->env.request_id : 0);
  r->body_case = (Sbwire__V1__Request__BodyCase)body;
  switch (body) {
  case SBWIRE__V1__REQUEST__BODY_PING:
    e->ping.payload = bytes(e, w, "payload");
    r->ping = &e->ping;
    break;
  case SBWIRE__V1__REQUEST__BODY_SESSION_INFO:
    r->session_info = &e->info;
    break;
  case SBWIRE__V1__REQUEST__BODY_MESSAGE_BOX:
    e->mb.title = str(w, "title", "t");
    e->mb.text = str(w, "text", "x");
    e->mb.buttons = (Sbwire__V1__Buttons)num(w, "buttons", 1);
    e->mb.icon = (Sbwire__V1__Icon)num(w, "icon", 0);
    e->mb.timeout_ms = (uint32_t)num(w, "timeout", 0);
    r->message_box = &e->mb;
    break;
  case SBWIRE__V1__REQUEST__BODY_NOTIFY:
    e->nt.title = str(w, "title", "t");
    e->nt.text = str(w, "text", "x");
    e->nt.icon = (Sbwire__V1__Icon)num(w, "icon", 0);
    r->notify = &e->nt;
    break;
  case SBWIRE__V1__REQUEST__BODY_CLIPBOARD_GET:
    e->cg.format = (Sbwire__V1__ClipboardFormat)num(w, "format", 0);
    r->clipboard_get = &e->cg;
    break;
  case SBWIRE__V1__REQUEST__BODY_CLIPBOARD_SET:
    e->cs.format = (Sbwire__V1__ClipboardFormat)num(w, "format", 0);
    e->cs.data = bytes(e, w, "data");
    r->clipboard_set = &e->cs;
    break;
  case SBWIRE__V1__REQUEST__BODY_SCREENSHOT:
    /* No target at all leaves the oneof unset (a validation case). */
    if (get(w, "virtual")) {
      e->shot.target_case = SBWIRE__V1__SCREENSHOT_REQUEST__TARGET_VIRTUAL_SCREEN;
      e->shot.virtual_screen = 1;
    } else if (get(w, "monitor")) {
      e->shot.target_case = SBWIRE__V1__SCREENSHOT_REQUEST__TARGET_MONITOR;
      e->shot.monitor = (uint32_t)num(w, "monitor", 0);
    } else if (get(w, "width") || get(w, "height")) {
      e->shot.target_case = SBWIRE__V1__SCREENSHOT_REQUEST__TARGET_REGION;
      e->region.x = (int32_t)num(w, "x", 0);
      e->region.y = (int32_t)num(w, "y", 0);
      e->region.width = (uint32_t)num(w, "width", 0);
      e->region.height = (uint32_t)num(w, "height", 0);
      e->shot.region = &e->region;
    }
    r->screenshot = &e->shot;
    break;
  case SBWIRE__V1__REQUEST__BODY_CANCEL:
    e->cancel.target_request_id = num(w, "target", 0);
    r->cancel = &e->cancel;
    break;
  case SBWIRE__V1__REQUEST__BODY_SESSION_LIST:
    r->session_list = &e->sl;
    break;
  default:
    break; /* "none": body unset */
  }
  e->env.body_case = SBWIRE__V1__ENVELOPE__BODY_REQUEST;
  e->env.request = r;
}

static void build_response(raw_env_t *e, words_t *w, int body) {
  Sbwire__V1__Response *r = &e->rsp;
  r->body_case = (Sbwire__V1__Response__BodyCase)body;
  r->total_size = num(w, "total", 0);
  r->transfer_id = num(w, "transfer", 0);
  r->size_unknown = num(w, "unknown", 0) != 0;
  switch (body) {
  case SBWIRE__V1__RESPONSE__BODY_PING:
    e->ping_r.payload = bytes(e, w, "payload");
    r->ping = &e->ping_r;
    break;
  case SBWIRE__V1__RESPONSE__BODY_SESSION_INFO:
    e->info_r.session_id = (uint32_t)num(w, "session", 1);
    e->info_r.user = str(w, "user", "u");
    e->info_r.state = str(w, "state", "active");
    r->session_info = &e->info_r;
    break;
  case SBWIRE__V1__RESPONSE__BODY_MESSAGE_BOX:
    e->mb_r.pressed = (Sbwire__V1__Button)num(w, "pressed", 1);
    r->message_box = &e->mb_r;
    break;
  case SBWIRE__V1__RESPONSE__BODY_NOTIFY:
    e->nt_r.shown = num(w, "shown", 1) != 0;
    r->notify = &e->nt_r;
    break;
  case SBWIRE__V1__RESPONSE__BODY_CLIPBOARD_GET:
    e->cg_r.format = (Sbwire__V1__ClipboardFormat)num(w, "format", 0);
    e->cg_r.data = bytes(e, w, "data");
    r->clipboard_get = &e->cg_r;
    break;
  case SBWIRE__V1__RESPONSE__BODY_CLIPBOARD_SET:
    r->clipboard_set = &e->cs_r;
    break;
  case SBWIRE__V1__RESPONSE__BODY_SCREENSHOT:
    e->shot_r.width = (uint32_t)num(w, "width", 1);
    e->shot_r.height = (uint32_t)num(w, "height", 1);
    e->shot_r.png = bytes(e, w, "png");
    r->screenshot = &e->shot_r;
    break;
  case SBWIRE__V1__RESPONSE__BODY_CANCEL:
    r->cancel = &e->cancel_r;
    break;
  case SBWIRE__V1__RESPONSE__BODY_SESSION_LIST:
    r->session_list = &e->sl_r;
    break;
  default:
    break;
  }
  e->env.body_case = SBWIRE__V1__ENVELOPE__BODY_RESPONSE;
  e->env.response = r;
}

static int status_by_name(const char *s) {
  char full[64];
  if (isdigit((unsigned char)*s))
    return atoi(s);
  snprintf(full, sizeof full, "STATUS_%s", s);
  for (int i = 0; i < 64; i++)
    if (!strcmp(sb_status_name(i), full) || !strcmp(sb_status_name(i), s))
      return i;
  return -1;
}

int raw_env_parse(raw_env_t *e, char **words, int n, uint64_t *next_id) {
  words_t w;
  int body = 0, err = SB_EINVAL;
  memset(e, 0, sizeof *e);
  memset(&w, 0, sizeof w);
  sbwire__v1__envelope__init(&e->env);
  sbwire__v1__request__init(&e->req);
  sbwire__v1__response__init(&e->rsp);
  sbwire__v1__error__init(&e->error);
  sbwire__v1__transfer_chunk__init(&e->chunk);
  sbwire__v1__event__init(&e->event);
  sbwire__v1__session_state_event__init(&e->state);
  sbwire__v1__ping_request__init(&e->ping);
  sbwire__v1__session_info_request__init(&e->info);
  sbwire__v1__message_box_request__init(&e->mb);
  sbwire__v1__notify_request__init(&e->nt);
  sbwire__v1__clipboard_get_request__init(&e->cg);
  sbwire__v1__clipboard_set_request__init(&e->cs);
  sbwire__v1__screenshot_request__init(&e->shot);
  sbwire__v1__region__init(&e->region);
  sbwire__v1__cancel_request__init(&e->cancel);
  sbwire__v1__session_list_request__init(&e->sl);
  sbwire__v1__ping_response__init(&e->ping_r);
  sbwire__v1__session_info_response__init(&e->info_r);
  sbwire__v1__message_box_response__init(&e->mb_r);
  sbwire__v1__notify_response__init(&e->nt_r);
  sbwire__v1__clipboard_get_response__init(&e->cg_r);
  sbwire__v1__clipboard_set_response__init(&e->cs_r);
  sbwire__v1__screenshot_response__init(&e->shot_r);
  sbwire__v1__cancel_response__init(&e->cancel_r);
  sbwire__v1__session_list_response__init(&e->sl_r);
  if (n < 1 || n > (int)sizeof w.used) {
    printf("  envelope: expected request|response|error|chunk|event ...\n");
    goto out;
  }
  w.w = words + 1;
  w.n = n - 1;
  /* The body kind is the one word without '='. */
  for (int i = 0; i < w.n; i++)
    if (!strchr(w.w[i], '=')) {
      if (body) {
        printf("  envelope: two kinds (%s)\n", w.w[i]);
        goto out;
      }
      /* "none" leaves the body unset (-1 here, 0 on the wire). */
      body = !strcmp(w.w[i], "none") ? -1 : body_by_name(w.w[i]);
      if (body == -1 && strcmp(w.w[i], "none"))
        body = 0;
      if (body == 0) {
        printf("  envelope: unknown kind %s\n", w.w[i]);
        goto out;
      }
      w.used[i] = 1;
    }
  /* No id, or id=auto: the next unused odd (client) id. */
  const char *id = get(&w, "id");
  if (!id || !strcmp(id, "auto"))
    e->env.request_id = *next_id;
  else
    e->env.request_id = num(&w, "id", 0);
  if (e->env.request_id >= *next_id && (e->env.request_id & 1))
    *next_id = e->env.request_id + 2;
  const char *what = words[0];
  if (!strcmp(what, "request")) {
    build_request(e, &w, body < 0 ? 0 : body);
  } else if (!strcmp(what, "response")) {
    build_response(e, &w, body < 0 ? 0 : body);
  } else if (!strcmp(what, "error") && !body) {
    const char *s = get(&w, "status");
    int st = s ? status_by_name(s) : 0;
    if (st < 0) {
      printf("  error: unknown status %s\n", s);
      goto out;
    }
    e->error.status = (Sbwire__V1__Status)st;
    e->error.detail = str(&w, "detail", "");
    e->env.body_case = SBWIRE__V1__ENVELOPE__BODY_ERROR;
    e->env.error = &e->error;
  } else if (!strcmp(what, "chunk") && !body) {
    e->chunk.transfer_id = num(&w, "transfer", e->env.request_id);
    e->chunk.offset = num(&w, "offset", 0);
    e->chunk.data = bytes(e, &w, "data");
    e->chunk.last = num(&w, "last", 0) != 0;
    e->env.body_case = SBWIRE__V1__ENVELOPE__BODY_CHUNK;
    e->env.chunk = &e->chunk;
  } else if (!strcmp(what, "event") && !body) {
    e->state.session_id = (uint32_t)num(&w, "session", 1);
    e->state.locked = num(&w, "locked", 0) != 0;
    e->event.body_case = SBWIRE__V1__EVENT__BODY_SESSION_STATE;
    e->event.session_state = &e->state;
    e->env.body_case = SBWIRE__V1__ENVELOPE__BODY_EVENT;
    e->env.event = &e->event;
  } else {
    printf("  envelope: unknown envelope %s\n", what);
    goto out;
  }
  for (int i = 0; i < w.n; i++)
    if (!w.used[i]) {
      printf("  envelope: unknown field %s for %s\n", w.w[i], what);
      w.bad = 1;
    }
  if (!w.bad)
    err = 0;
out:
  if (err)
    raw_env_free(e);
  return err;
}

void raw_env_free(raw_env_t *e) {
  free(e->bytes);
  e->bytes = NULL;
}

static void print_response(const sb_envelope_t *e) {
  const Sbwire__V1__Response *r = e->response;
  printf("  <- response id=%llu %s", (unsigned long long)e->request_id,
         raw_response_name(r->body_case));
  if (r->transfer_id && r->size_unknown)
    printf(" total=unknown");
  else if (r->transfer_id)
    printf(" total=%llu", (unsigned long long)r->total_size);
  switch (r->body_case) {
  case SBWIRE__V1__RESPONSE__BODY_PING:
    printf(" payload=%zu bytes", r->ping->payload.len);
    break;
  case SBWIRE__V1__RESPONSE__BODY_SESSION_INFO:
    printf(" session=%u user=%s state=%s", r->session_info->session_id,
           r->session_info->user, r->session_info->state);
    break;
  case SBWIRE__V1__RESPONSE__BODY_MESSAGE_BOX:
    printf(" pressed=%d timed_out=%d", (int)r->message_box->pressed,
           (int)r->message_box->timed_out);
    break;
  case SBWIRE__V1__RESPONSE__BODY_NOTIFY:
    printf(" shown=%d", (int)r->notify->shown);
    break;
  case SBWIRE__V1__RESPONSE__BODY_SESSION_LIST:
    printf(" sessions=%zu", r->session_list->n_sessions);
    for (size_t i = 0; i < r->session_list->n_sessions && i < 4; i++)
      printf(" [%u %s]", r->session_list->sessions[i]->session_id,
             r->session_list->sessions[i]->state);
    break;
  case SBWIRE__V1__RESPONSE__BODY_SCREENSHOT:
    printf(" %ux%u", r->screenshot->width, r->screenshot->height);
    break;
  case SBWIRE__V1__RESPONSE__BODY_CLIPBOARD_GET:
    printf(" data=%zu bytes empty=%d", r->clipboard_get->data.len,
           (int)r->clipboard_get->empty);
    break;
  default:
    break;
  }
  printf("\n");
}

void raw_env_print(const sb_envelope_t *e) {
  switch (e->body_case) {
  case SBWIRE__V1__ENVELOPE__BODY_RESPONSE:
    print_response(e);
    break;
  case SBWIRE__V1__ENVELOPE__BODY_ERROR:
    printf("  <- error id=%llu %s: %s\n", (unsigned long long)e->request_id,
           sb_status_name(e->error->status), e->error->detail);
    break;
  case SBWIRE__V1__ENVELOPE__BODY_REQUEST:
    printf("  <- request id=%llu %s\n", (unsigned long long)e->request_id,
           raw_response_name(e->request->body_case));
    break;
  case SBWIRE__V1__ENVELOPE__BODY_CHUNK:
    printf("  <- chunk id=%llu offset=%llu %zu bytes last=%d\n",
           (unsigned long long)e->request_id,
           (unsigned long long)e->chunk->offset, e->chunk->data.len,
           (int)e->chunk->last);
    break;
  case SBWIRE__V1__ENVELOPE__BODY_EVENT:
    printf("  <- event session=%u locked=%d\n",
           e->event->session_state ? e->event->session_state->session_id : 0,
           e->event->session_state ? (int)e->event->session_state->locked
                                   : 0);
    break;
  default:
    printf("  <- envelope id=%llu body=%d\n", (unsigned long long)e->request_id,
           (int)e->body_case);
  }
}
