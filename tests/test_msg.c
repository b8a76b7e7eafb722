/* SPDX-License-Identifier: MIT */
/* Message layer: round trips, hostile encodings, validation limits, the
 * decode budget and the Status mapping. */
#include "sbtest.h"

#include "sessionbridge.h"

/* ---- helpers ---- */

static size_t alloc_largest, alloc_total;

static void *count_malloc(size_t n) {
  if (n > alloc_largest)
    alloc_largest = n;
  alloc_total += n;
  return malloc(n);
}
static void *count_realloc(void *p, size_t n) {
  if (n > alloc_largest)
    alloc_largest = n;
  alloc_total += n;
  return realloc(p, n);
}
static void count_free(void *p) { free(p); }

static uint8_t *pack(const sb_envelope_t *e, size_t *len) {
  uint8_t *b = NULL;
  CHECK_OK(sb_msg_pack(e, &b, len));
  CHECK(b != NULL);
  return b;
}

/* Decode bytes; the output is set exactly when decoding succeeds. */
static int decode_bytes(const uint8_t *b, size_t n, const char **why) {
  sb_msg_t *m = (sb_msg_t *)&m; /* must be overwritten */
  int r = sb_msg_decode(b, n, &m, why);
  if (r == 0)
    CHECK(m != NULL && sb_msg_envelope(m) != NULL);
  else
    CHECK(m == NULL);
  sb_msg_free(r == 0 ? m : NULL);
  return r;
}

/* Pack e and decode the bytes back, with validation. */
static int decode_env(const sb_envelope_t *e, const char **why) {
  size_t n;
  uint8_t *b = pack(e, &n);
  int r = decode_bytes(b, n, why);
  sb_free(b);
  return r;
}

/* Pack, decode, pack again: both encodings must be the same bytes. */
static void roundtrip(const sb_envelope_t *e) {
  size_t n, n2;
  sb_msg_t *m = NULL;
  const char *why = NULL;
  uint8_t *b = pack(e, &n);
  CHECK_EQ(sb_msg_packed_size(e), n);
  int r = sb_msg_decode(b, n, &m, &why);
  if (r != 0)
    fprintf(stderr, "decode: %s\n", why ? why : "?");
  CHECK_OK(r);
  const sb_envelope_t *d = sb_msg_envelope(m);
  CHECK_EQ(d->body_case, e->body_case);
  CHECK_EQ(d->request_id, e->request_id);
  uint8_t *b2 = pack(d, &n2);
  CHECK_EQ(n2, n);
  CHECK_MEM(b2, b, n);
  sb_free(b2);
  sb_free(b);
  sb_msg_free(m);
}

static void req_env(sb_envelope_t *e, Sbwire__V1__Request *r, int body) {
  sbwire__v1__envelope__init(e);
  sbwire__v1__request__init(r);
  e->request_id = 1;
  e->body_case = SBWIRE__V1__ENVELOPE__BODY_REQUEST;
  e->request = r;
  r->deadline_ms = 1000;
  r->body_case = (Sbwire__V1__Request__BodyCase)body;
}

static void rsp_env(sb_envelope_t *e, Sbwire__V1__Response *r, int body) {
  sbwire__v1__envelope__init(e);
  sbwire__v1__response__init(r);
  e->request_id = 2;
  e->body_case = SBWIRE__V1__ENVELOPE__BODY_RESPONSE;
  e->response = r;
  r->body_case = (Sbwire__V1__Response__BodyCase)body;
}

/* A malloc'd string of n copies of c. */
static char *repeat(char c, size_t n) {
  char *s = malloc(n + 1);
  CHECK(s != NULL);
  memset(s, c, n);
  s[n] = 0;
  return s;
}

/* A tiny protobuf writer for hand-made encodings. */
typedef struct {
  uint8_t *b;
  size_t n, cap;
} wbuf_t;

static void w_byte(wbuf_t *w, uint8_t c) {
  if (w->n == w->cap) {
    w->cap = w->cap ? w->cap * 2 : 64;
    w->b = realloc(w->b, w->cap);
    CHECK(w->b != NULL);
  }
  w->b[w->n++] = c;
}
static void w_varint(wbuf_t *w, uint64_t v) {
  while (v >= 0x80) {
    w_byte(w, (uint8_t)(v | 0x80));
    v >>= 7;
  }
  w_byte(w, (uint8_t)v);
}
static void w_bytes(wbuf_t *w, const void *p, size_t n) {
  for (size_t i = 0; i < n; i++)
    w_byte(w, ((const uint8_t *)p)[i]);
}
static void w_field(wbuf_t *w, unsigned id, const wbuf_t *inner) {
  w_varint(w, (uint64_t)id << 3 | 2);
  w_varint(w, inner->n);
  w_bytes(w, inner->b, inner->n);
}

/* Find needle in a packed buffer (to poke a byte that C strings cannot
 * carry, such as NUL). */
static uint8_t *find(uint8_t *hay, size_t n, const char *needle) {
  size_t k = strlen(needle);
  for (size_t i = 0; i + k <= n; i++)
    if (memcmp(hay + i, needle, k) == 0)
      return hay + i;
  return NULL;
}

/* ---- round trips ---- */

SB_TEST(msg_roundtrip_requests) {
  sb_envelope_t e;
  Sbwire__V1__Request r;
  uint8_t payload[100];
  sbtest_fill(payload, sizeof payload, 5);

  Sbwire__V1__PingRequest ping = SBWIRE__V1__PING_REQUEST__INIT;
  ping.payload.data = payload;
  ping.payload.len = sizeof payload;
  req_env(&e, &r, SBWIRE__V1__REQUEST__BODY_PING);
  r.ping = &ping;
  roundtrip(&e);

  Sbwire__V1__SessionInfoRequest si = SBWIRE__V1__SESSION_INFO_REQUEST__INIT;
  req_env(&e, &r, SBWIRE__V1__REQUEST__BODY_SESSION_INFO);
  r.session_info = &si;
  r.session_id = 3;
  roundtrip(&e);

  Sbwire__V1__MessageBoxRequest mb = SBWIRE__V1__MESSAGE_BOX_REQUEST__INIT;
  mb.title = "Titre \xc3\xa9t\xc3\xa9";
  mb.text = "Text \xe2\x82\xac \xf0\x9d\x84\x9e";
  mb.buttons = SBWIRE__V1__BUTTONS__BUTTONS_YES_NO_CANCEL;
  mb.icon = SBWIRE__V1__ICON__ICON_QUESTION;
  mb.timeout_ms = 5000;
  req_env(&e, &r, SBWIRE__V1__REQUEST__BODY_MESSAGE_BOX);
  r.message_box = &mb;
  roundtrip(&e);

  Sbwire__V1__NotifyRequest nt = SBWIRE__V1__NOTIFY_REQUEST__INIT;
  nt.title = "hi";
  nt.icon = SBWIRE__V1__ICON__ICON_WARNING;
  req_env(&e, &r, SBWIRE__V1__REQUEST__BODY_NOTIFY);
  r.notify = &nt;
  roundtrip(&e);

  Sbwire__V1__ClipboardGetRequest cg = SBWIRE__V1__CLIPBOARD_GET_REQUEST__INIT;
  cg.format = SBWIRE__V1__CLIPBOARD_FORMAT__CLIPBOARD_FORMAT_IMAGE_PNG;
  req_env(&e, &r, SBWIRE__V1__REQUEST__BODY_CLIPBOARD_GET);
  r.clipboard_get = &cg;
  roundtrip(&e);

  Sbwire__V1__ClipboardSetRequest cs = SBWIRE__V1__CLIPBOARD_SET_REQUEST__INIT;
  cs.data.data = payload;
  cs.data.len = sizeof payload;
  req_env(&e, &r, SBWIRE__V1__REQUEST__BODY_CLIPBOARD_SET);
  r.total_size = sizeof payload;
  r.clipboard_set = &cs;
  roundtrip(&e);
  r.total_size = 0;

  Sbwire__V1__ScreenshotRequest ss = SBWIRE__V1__SCREENSHOT_REQUEST__INIT;
  Sbwire__V1__Region reg = SBWIRE__V1__REGION__INIT;
  req_env(&e, &r, SBWIRE__V1__REQUEST__BODY_SCREENSHOT);
  r.screenshot = &ss;
  ss.target_case = SBWIRE__V1__SCREENSHOT_REQUEST__TARGET_VIRTUAL_SCREEN;
  ss.virtual_screen = 1;
  roundtrip(&e);
  ss.target_case = SBWIRE__V1__SCREENSHOT_REQUEST__TARGET_MONITOR;
  ss.monitor = 2;
  roundtrip(&e);
  ss.target_case = SBWIRE__V1__SCREENSHOT_REQUEST__TARGET_REGION;
  reg.x = -100;
  reg.y = 20;
  reg.width = 640;
  reg.height = 480;
  ss.region = &reg;
  roundtrip(&e);

  Sbwire__V1__CancelRequest cr = SBWIRE__V1__CANCEL_REQUEST__INIT;
  cr.target_request_id = 77;
  req_env(&e, &r, SBWIRE__V1__REQUEST__BODY_CANCEL);
  r.cancel = &cr;
  roundtrip(&e);

  Sbwire__V1__SessionListRequest sl = SBWIRE__V1__SESSION_LIST_REQUEST__INIT;
  req_env(&e, &r, SBWIRE__V1__REQUEST__BODY_SESSION_LIST);
  r.session_list = &sl;
  roundtrip(&e);
}

SB_TEST(msg_roundtrip_responses) {
  sb_envelope_t e;
  Sbwire__V1__Response r;
  uint8_t payload[300];
  sbtest_fill(payload, sizeof payload, 6);

  Sbwire__V1__PingResponse ping = SBWIRE__V1__PING_RESPONSE__INIT;
  ping.payload.data = payload;
  ping.payload.len = 10;
  rsp_env(&e, &r, SBWIRE__V1__RESPONSE__BODY_PING);
  r.ping = &ping;
  roundtrip(&e);

  Sbwire__V1__SessionInfoResponse si = SBWIRE__V1__SESSION_INFO_RESPONSE__INIT;
  si.session_id = 1;
  si.user = "alice";
  si.domain = "CORP";
  si.locked = 1;
  si.idle_ms = 123456789012ull;
  si.is_console = 1;
  si.state = "active";
  rsp_env(&e, &r, SBWIRE__V1__RESPONSE__BODY_SESSION_INFO);
  r.session_info = &si;
  roundtrip(&e);

  Sbwire__V1__MessageBoxResponse mb = SBWIRE__V1__MESSAGE_BOX_RESPONSE__INIT;
  mb.pressed = SBWIRE__V1__BUTTON__BUTTON_RETRY;
  mb.via_fallback = 1;
  rsp_env(&e, &r, SBWIRE__V1__RESPONSE__BODY_MESSAGE_BOX);
  r.message_box = &mb;
  roundtrip(&e);

  Sbwire__V1__NotifyResponse nt = SBWIRE__V1__NOTIFY_RESPONSE__INIT;
  nt.shown = 1;
  rsp_env(&e, &r, SBWIRE__V1__RESPONSE__BODY_NOTIFY);
  r.notify = &nt;
  roundtrip(&e);

  Sbwire__V1__ClipboardGetResponse cg = SBWIRE__V1__CLIPBOARD_GET_RESPONSE__INIT;
  rsp_env(&e, &r, SBWIRE__V1__RESPONSE__BODY_CLIPBOARD_GET);
  r.transfer_id = 2;
  r.total_size = 1000000;
  r.clipboard_get = &cg;
  roundtrip(&e);

  Sbwire__V1__ClipboardSetResponse cs = SBWIRE__V1__CLIPBOARD_SET_RESPONSE__INIT;
  rsp_env(&e, &r, SBWIRE__V1__RESPONSE__BODY_CLIPBOARD_SET);
  r.clipboard_set = &cs;
  roundtrip(&e);

  Sbwire__V1__ScreenshotResponse ss = SBWIRE__V1__SCREENSHOT_RESPONSE__INIT;
  ss.width = 1920;
  ss.height = 1080;
  ss.png.data = payload;
  ss.png.len = sizeof payload;
  rsp_env(&e, &r, SBWIRE__V1__RESPONSE__BODY_SCREENSHOT);
  r.total_size = sizeof payload;
  r.screenshot = &ss;
  roundtrip(&e);

  Sbwire__V1__CancelResponse cr = SBWIRE__V1__CANCEL_RESPONSE__INIT;
  rsp_env(&e, &r, SBWIRE__V1__RESPONSE__BODY_CANCEL);
  r.cancel = &cr;
  roundtrip(&e);

  Sbwire__V1__SessionListResponse sl = SBWIRE__V1__SESSION_LIST_RESPONSE__INIT;
  Sbwire__V1__SessionEntry se[2] = {SBWIRE__V1__SESSION_ENTRY__INIT,
                                    SBWIRE__V1__SESSION_ENTRY__INIT};
  Sbwire__V1__SessionEntry *sp[2] = {&se[0], &se[1]};
  se[0].session_id = 1;
  se[0].state = "connected";
  se[0].user = "bob";
  se[0].agent_connected = 1;
  se[0].agent_pid = 4242;
  se[0].launches = 3;
  se[1].session_id = 2;
  se[1].state = "backoff";
  se[1].locked = 1;
  sl.n_sessions = 2;
  sl.sessions = sp;
  rsp_env(&e, &r, SBWIRE__V1__RESPONSE__BODY_SESSION_LIST);
  r.session_list = &sl;
  roundtrip(&e);
}

SB_TEST(msg_roundtrip_other_bodies) {
  sb_envelope_t e = SBWIRE__V1__ENVELOPE__INIT;
  uint8_t k[32], n[32];
  sbtest_fill(k, 32, 1);
  sbtest_fill(n, 32, 2);

  Sbwire__V1__Hello h = SBWIRE__V1__HELLO__INIT;
  h.version = 1;
  h.kx_public_key.data = k;
  h.kx_public_key.len = 32;
  h.nonce.data = n;
  h.nonce.len = 32;
  h.role = SBWIRE__V1__ROLE__ROLE_SERVER;
  e.body_case = SBWIRE__V1__ENVELOPE__BODY_HELLO;
  e.hello = &h;
  roundtrip(&e);

  Sbwire__V1__Confirm c = SBWIRE__V1__CONFIRM__INIT;
  c.transcript_hash.data = k;
  c.transcript_hash.len = 32;
  e.body_case = SBWIRE__V1__ENVELOPE__BODY_CONFIRM;
  e.confirm = &c;
  roundtrip(&e);

  Sbwire__V1__Error er = SBWIRE__V1__ERROR__INIT;
  er.status = SBWIRE__V1__STATUS__STATUS_NO_AGENT;
  er.detail = "session 2 has no agent";
  e.request_id = 9;
  e.body_case = SBWIRE__V1__ENVELOPE__BODY_ERROR;
  e.error = &er;
  roundtrip(&e);

  Sbwire__V1__Event ev = SBWIRE__V1__EVENT__INIT;
  Sbwire__V1__SessionStateEvent st = SBWIRE__V1__SESSION_STATE_EVENT__INIT;
  st.session_id = 4;
  st.locked = 1;
  ev.body_case = SBWIRE__V1__EVENT__BODY_SESSION_STATE;
  ev.session_state = &st;
  e.request_id = 0;
  e.body_case = SBWIRE__V1__ENVELOPE__BODY_EVENT;
  e.event = &ev;
  roundtrip(&e);

  Sbwire__V1__TransferChunk ch = SBWIRE__V1__TRANSFER_CHUNK__INIT;
  ch.transfer_id = 5;
  ch.offset = 1024;
  ch.data.data = k;
  ch.data.len = 32;
  ch.last = 1;
  e.request_id = 5;
  e.body_case = SBWIRE__V1__ENVELOPE__BODY_CHUNK;
  e.chunk = &ch;
  roundtrip(&e);
}

SB_TEST(msg_pack_to_small_buffer) {
  sb_envelope_t e;
  Sbwire__V1__Request r;
  Sbwire__V1__PingRequest ping = SBWIRE__V1__PING_REQUEST__INIT;
  uint8_t payload[50], out[100];
  size_t len = 1;
  sbtest_fill(payload, sizeof payload, 1);
  ping.payload.data = payload;
  ping.payload.len = sizeof payload;
  req_env(&e, &r, SBWIRE__V1__REQUEST__BODY_PING);
  r.ping = &ping;
  size_t need = sb_msg_packed_size(&e);
  CHECK(need > 50 && need < sizeof out);
  CHECK_ERR(sb_msg_pack_to(&e, out, need - 1, &len), SB_ETOOBIG);
  CHECK_OK(sb_msg_pack_to(&e, out, need, &len));
  CHECK_EQ(len, need);
  CHECK_OK(decode_bytes(out, len, NULL));
}

/* ---- unknown fields ---- */

SB_TEST(msg_unknown_field_top) {
  sb_envelope_t e;
  Sbwire__V1__Request r;
  Sbwire__V1__SessionInfoRequest si = SBWIRE__V1__SESSION_INFO_REQUEST__INIT;
  size_t n;
  req_env(&e, &r, SBWIRE__V1__REQUEST__BODY_SESSION_INFO);
  r.session_info = &si;
  uint8_t *b = pack(&e, &n);
  CHECK_OK(decode_bytes(b, n, NULL));
  /* Field 99, varint 1: tag (99 << 3 | 0) = 792 = 0x98 0x06. */
  uint8_t *b2 = malloc(n + 3);
  CHECK(b2 != NULL);
  memcpy(b2, b, n);
  b2[n] = 0x98;
  b2[n + 1] = 0x06;
  b2[n + 2] = 0x01;
  CHECK_ERR(decode_bytes(b2, n + 3, NULL), SB_EUNKNOWNFIELD);
  free(b2);
  sb_free(b);
}

SB_TEST(msg_unknown_field_nested) {
  /* Envelope{request_id 1, request{deadline 1000, ping{payload "x",
   * field 7 = 5}}}: the unknown field is two levels down. */
  wbuf_t ping = {0}, req = {0}, env = {0};
  w_byte(&ping, 0x0a);
  w_byte(&ping, 1);
  w_byte(&ping, 'x');
  wbuf_t good_ping = ping;
  size_t good_n = ping.n;
  w_byte(&ping, 7 << 3);
  w_byte(&ping, 5);
  w_byte(&req, 0x08);
  w_varint(&req, 1000);
  w_field(&req, 10, &ping);
  w_byte(&env, 0x08);
  w_byte(&env, 1);
  w_field(&env, 4, &req);
  CHECK_ERR(decode_bytes(env.b, env.n, NULL), SB_EUNKNOWNFIELD);

  /* The same without the unknown field is accepted. */
  good_ping.n = good_n;
  req.n = 0;
  env.n = 0;
  w_byte(&req, 0x08);
  w_varint(&req, 1000);
  w_field(&req, 10, &good_ping);
  w_byte(&env, 0x08);
  w_byte(&env, 1);
  w_field(&env, 4, &req);
  CHECK_OK(decode_bytes(env.b, env.n, NULL));
  free(ping.b);
  free(req.b);
  free(env.b);
}

/* ---- oneofs ---- */

SB_TEST(msg_oneof_unset_envelope) {
  sb_envelope_t e = SBWIRE__V1__ENVELOPE__INIT;
  const char *why = NULL;
  e.request_id = 4;
  CHECK_ERR(decode_env(&e, &why), SB_EONEOF);
  CHECK(why != NULL && strstr(why, "envelope") != NULL);
  /* Zero bytes decode to an empty envelope, which is refused the same
   * way. */
  CHECK_ERR(decode_bytes((const uint8_t *)"", 0, NULL), SB_EONEOF);
}

SB_TEST(msg_oneof_unset_request) {
  sb_envelope_t e;
  Sbwire__V1__Request r;
  const char *why = NULL;
  req_env(&e, &r, SBWIRE__V1__REQUEST__BODY__NOT_SET);
  CHECK_ERR(decode_env(&e, &why), SB_EONEOF);
  CHECK(why != NULL && strstr(why, "request") != NULL);
}

SB_TEST(msg_oneof_unset_response) {
  sb_envelope_t e;
  Sbwire__V1__Response r;
  rsp_env(&e, &r, SBWIRE__V1__RESPONSE__BODY__NOT_SET);
  CHECK_ERR(decode_env(&e, NULL), SB_EONEOF);
}

SB_TEST(msg_oneof_unset_event) {
  sb_envelope_t e = SBWIRE__V1__ENVELOPE__INIT;
  Sbwire__V1__Event ev = SBWIRE__V1__EVENT__INIT;
  e.body_case = SBWIRE__V1__ENVELOPE__BODY_EVENT;
  e.event = &ev;
  CHECK_ERR(decode_env(&e, NULL), SB_EONEOF);
}

SB_TEST(msg_oneof_unset_screenshot_target) {
  sb_envelope_t e;
  Sbwire__V1__Request r;
  Sbwire__V1__ScreenshotRequest ss = SBWIRE__V1__SCREENSHOT_REQUEST__INIT;
  const char *why = NULL;
  req_env(&e, &r, SBWIRE__V1__REQUEST__BODY_SCREENSHOT);
  r.screenshot = &ss;
  CHECK_ERR(decode_env(&e, &why), SB_EONEOF);
  CHECK(why != NULL && strstr(why, "screenshot") != NULL);
  /* A set target with its false/zero value is still set. */
  ss.target_case = SBWIRE__V1__SCREENSHOT_REQUEST__TARGET_MONITOR;
  ss.monitor = 0;
  CHECK_OK(decode_env(&e, NULL));
}

/* validate() on a hand-built envelope whose oneof names a missing
 * submessage must refuse it, not crash. */
SB_TEST(msg_validate_oneof_member_null) {
  sb_envelope_t e;
  Sbwire__V1__Request r;
  req_env(&e, &r, SBWIRE__V1__REQUEST__BODY_PING);
  r.ping = NULL;
  CHECK_ERR(sb_msg_validate(&e, NULL), SB_EONEOF);
  CHECK_ERR(sb_msg_validate(NULL, NULL), SB_EINVAL);
}

/* ---- enums ---- */

SB_TEST(msg_enum_out_of_range) {
  sb_envelope_t e;
  Sbwire__V1__Request r;
  Sbwire__V1__MessageBoxRequest mb = SBWIRE__V1__MESSAGE_BOX_REQUEST__INIT;
  mb.text = "t";
  req_env(&e, &r, SBWIRE__V1__REQUEST__BODY_MESSAGE_BOX);
  r.message_box = &mb;
  CHECK_OK(decode_env(&e, NULL));
  mb.buttons = (Sbwire__V1__Buttons)6; /* one past BUTTONS_RETRY_CANCEL */
  CHECK_ERR(decode_env(&e, NULL), SB_EENUM);
  mb.buttons = (Sbwire__V1__Buttons)-1;
  CHECK_ERR(decode_env(&e, NULL), SB_EENUM);
  mb.buttons = SBWIRE__V1__BUTTONS__BUTTONS_RETRY_CANCEL;
  mb.icon = (Sbwire__V1__Icon)5;
  CHECK_ERR(decode_env(&e, NULL), SB_EENUM);
}

SB_TEST(msg_enum_out_of_range_status_and_format) {
  sb_envelope_t e = SBWIRE__V1__ENVELOPE__INIT;
  Sbwire__V1__Error er = SBWIRE__V1__ERROR__INIT;
  e.body_case = SBWIRE__V1__ENVELOPE__BODY_ERROR;
  e.error = &er;
  er.status = SBWIRE__V1__STATUS__STATUS_UNSUPPORTED;
  CHECK_OK(decode_env(&e, NULL));
  /* Well past the last status (new ones are added at the end). */
  er.status = (Sbwire__V1__Status)99;
  CHECK_ERR(decode_env(&e, NULL), SB_EENUM);

  Sbwire__V1__Request r;
  Sbwire__V1__ClipboardGetRequest cg = SBWIRE__V1__CLIPBOARD_GET_REQUEST__INIT;
  req_env(&e, &r, SBWIRE__V1__REQUEST__BODY_CLIPBOARD_GET);
  r.clipboard_get = &cg;
  cg.format = (Sbwire__V1__ClipboardFormat)2;
  CHECK_ERR(decode_env(&e, NULL), SB_EENUM);
}

/* ---- strings ---- */

static int notify_title(const char *title) {
  sb_envelope_t e;
  Sbwire__V1__Request r;
  Sbwire__V1__NotifyRequest nt = SBWIRE__V1__NOTIFY_REQUEST__INIT;
  nt.title = (char *)title;
  nt.text = "body";
  req_env(&e, &r, SBWIRE__V1__REQUEST__BODY_NOTIFY);
  r.notify = &nt;
  return decode_env(&e, NULL);
}

SB_TEST(msg_utf8_valid_accepted) {
  CHECK_OK(notify_title("plain ascii"));
  CHECK_OK(notify_title("\xc2\x80 \xdf\xbf"));                 /* 2-byte ends */
  CHECK_OK(notify_title("\xe0\xa0\x80 \xed\x9f\xbf \xee\x80\x80")); /* 3-byte */
  CHECK_OK(notify_title("\xf0\x90\x80\x80 \xf4\x8f\xbf\xbf")); /* 4-byte ends */
}

SB_TEST(msg_utf8_invalid) {
  static const char *bad[] = {
      "\x80",                 /* lone continuation byte */
      "a\xbf",                /* continuation after ASCII */
      "\xc0\xaf",             /* overlong '/' */
      "\xc1\xbf",             /* overlong */
      "\xe0\x80\xaf",         /* overlong 3-byte */
      "\xf0\x80\x80\xaf",     /* overlong 4-byte */
      "\xed\xa0\x80",         /* surrogate U+D800 */
      "\xed\xbf\xbf",         /* surrogate U+DFFF */
      "\xf4\x90\x80\x80",     /* U+110000 */
      "\xf5\x80\x80\x80",     /* lead byte past U+10FFFF */
      "\xff",                 /* never valid */
      "\xe2\x82",             /* truncated at the end */
      "\xe2\x82x",            /* truncated mid-string */
      "\xc3",                 /* truncated 2-byte */
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    int r = notify_title(bad[i]);
    if (r != SB_EUTF8)
      fprintf(stderr, "case %zu accepted or wrong error\n", i);
    CHECK_ERR(r, SB_EUTF8);
  }
}

SB_TEST(msg_string_embedded_nul) {
  sb_envelope_t e;
  Sbwire__V1__Request r;
  Sbwire__V1__MessageBoxRequest mb = SBWIRE__V1__MESSAGE_BOX_REQUEST__INIT;
  size_t n;
  mb.title = "before@@MARK@@after";
  mb.text = "t";
  req_env(&e, &r, SBWIRE__V1__REQUEST__BODY_MESSAGE_BOX);
  r.message_box = &mb;
  uint8_t *b = pack(&e, &n);
  CHECK_OK(decode_bytes(b, n, NULL));
  uint8_t *at = find(b, n, "@@MARK@@");
  CHECK(at != NULL);
  at[2] = 0;
  CHECK_ERR(decode_bytes(b, n, NULL), SB_EUTF8);
  /* unpack alone refuses it too: the struct could not show the NUL. */
  sb_msg_t *m = NULL;
  CHECK_ERR(sb_msg_unpack(b, n, SB_MSG_DECODE_BUDGET, &m), SB_EUTF8);
  CHECK(m == NULL);
  /* A NUL in a bytes field is fine. */
  at[2] = 'M';
  sb_free(b);

  Sbwire__V1__PingRequest ping = SBWIRE__V1__PING_REQUEST__INIT;
  uint8_t zeros[8] = {0};
  ping.payload.data = zeros;
  ping.payload.len = sizeof zeros;
  req_env(&e, &r, SBWIRE__V1__REQUEST__BODY_PING);
  r.ping = &ping;
  CHECK_OK(decode_env(&e, NULL));
}

SB_TEST(msg_string_nul_in_nested_entry) {
  sb_envelope_t e;
  Sbwire__V1__Response r;
  Sbwire__V1__SessionListResponse sl = SBWIRE__V1__SESSION_LIST_RESPONSE__INIT;
  Sbwire__V1__SessionEntry se = SBWIRE__V1__SESSION_ENTRY__INIT;
  Sbwire__V1__SessionEntry *sp = &se;
  size_t n;
  se.user = "us#er";
  sl.n_sessions = 1;
  sl.sessions = &sp;
  rsp_env(&e, &r, SBWIRE__V1__RESPONSE__BODY_SESSION_LIST);
  r.session_list = &sl;
  uint8_t *b = pack(&e, &n);
  CHECK_OK(decode_bytes(b, n, NULL));
  uint8_t *at = find(b, n, "us#er");
  CHECK(at != NULL);
  at[2] = 0;
  CHECK_ERR(decode_bytes(b, n, NULL), SB_EUTF8);
  sb_free(b);
}

/* ---- size limits ---- */

static int message_box(const char *title, const char *text) {
  sb_envelope_t e;
  Sbwire__V1__Request r;
  Sbwire__V1__MessageBoxRequest mb = SBWIRE__V1__MESSAGE_BOX_REQUEST__INIT;
  mb.title = (char *)title;
  mb.text = (char *)text;
  req_env(&e, &r, SBWIRE__V1__REQUEST__BODY_MESSAGE_BOX);
  r.message_box = &mb;
  return decode_env(&e, NULL);
}

SB_TEST(msg_oversize_title) {
  char *s = repeat('t', SB_MSG_TITLE_MAX + 1);
  CHECK_ERR(message_box(s, "x"), SB_ETOOBIG);
  s[SB_MSG_TITLE_MAX] = 0;
  CHECK_OK(message_box(s, "x"));
  /* Notify titles share the limit. */
  CHECK_OK(notify_title(s));
  s[SB_MSG_TITLE_MAX] = 't';
  CHECK_ERR(notify_title(s), SB_ETOOBIG);
  free(s);
}

SB_TEST(msg_oversize_text) {
  char *s = repeat('x', SB_MSG_TEXT_MAX + 1);
  CHECK_ERR(message_box("t", s), SB_ETOOBIG);
  s[SB_MSG_TEXT_MAX] = 0;
  CHECK_OK(message_box("t", s));
  free(s);
}

SB_TEST(msg_oversize_notify_text) {
  sb_envelope_t e;
  Sbwire__V1__Request r;
  Sbwire__V1__NotifyRequest nt = SBWIRE__V1__NOTIFY_REQUEST__INIT;
  char *s = repeat('n', SB_MSG_NOTIFY_TEXT_MAX + 1);
  nt.text = s;
  req_env(&e, &r, SBWIRE__V1__REQUEST__BODY_NOTIFY);
  r.notify = &nt;
  CHECK_ERR(decode_env(&e, NULL), SB_ETOOBIG);
  s[SB_MSG_NOTIFY_TEXT_MAX] = 0;
  CHECK_OK(decode_env(&e, NULL));
  free(s);
}

SB_TEST(msg_notify_empty) {
  sb_envelope_t e;
  Sbwire__V1__Request r;
  Sbwire__V1__NotifyRequest nt = SBWIRE__V1__NOTIFY_REQUEST__INIT;
  const char *why = NULL;
  req_env(&e, &r, SBWIRE__V1__REQUEST__BODY_NOTIFY);
  r.notify = &nt;
  CHECK_ERR(decode_env(&e, &why), SB_EFIELD);
  CHECK(why != NULL && strstr(why, "notify") != NULL);
  nt.text = "only text";
  CHECK_OK(decode_env(&e, NULL));
}

static int ping_of(size_t n) {
  sb_envelope_t e;
  Sbwire__V1__Request r;
  Sbwire__V1__PingRequest ping = SBWIRE__V1__PING_REQUEST__INIT;
  uint8_t *p = calloc(1, n ? n : 1);
  CHECK(p != NULL);
  ping.payload.data = p;
  ping.payload.len = n;
  req_env(&e, &r, SBWIRE__V1__REQUEST__BODY_PING);
  r.ping = &ping;
  int err = decode_env(&e, NULL);
  free(p);
  return err;
}

SB_TEST(msg_oversize_ping) {
  CHECK_OK(ping_of(0));
  CHECK_OK(ping_of(SB_MSG_PING_MAX));
  CHECK_ERR(ping_of(SB_MSG_PING_MAX + 1), SB_ETOOBIG);
}

SB_TEST(msg_oversize_detail_and_chunk) {
  sb_envelope_t e = SBWIRE__V1__ENVELOPE__INIT;
  Sbwire__V1__Error er = SBWIRE__V1__ERROR__INIT;
  char *s = repeat('d', SB_MSG_DETAIL_MAX + 1);
  e.body_case = SBWIRE__V1__ENVELOPE__BODY_ERROR;
  e.error = &er;
  er.status = SBWIRE__V1__STATUS__STATUS_INTERNAL;
  er.detail = s;
  CHECK_ERR(decode_env(&e, NULL), SB_ETOOBIG);
  s[SB_MSG_DETAIL_MAX] = 0;
  CHECK_OK(decode_env(&e, NULL));
  free(s);

  Sbwire__V1__TransferChunk ch = SBWIRE__V1__TRANSFER_CHUNK__INIT;
  uint8_t *d = calloc(1, SB_MSG_CHUNK_MAX + 1);
  CHECK(d != NULL);
  ch.transfer_id = 1;
  ch.data.data = d;
  ch.data.len = SB_MSG_CHUNK_MAX + 1;
  e.body_case = SBWIRE__V1__ENVELOPE__BODY_CHUNK;
  e.chunk = &ch;
  CHECK_ERR(decode_env(&e, NULL), SB_ETOOBIG);
  ch.data.len = SB_MSG_CHUNK_MAX;
  CHECK_OK(decode_env(&e, NULL));
  free(d);
}

SB_TEST(msg_deadline_range) {
  sb_envelope_t e;
  Sbwire__V1__Request r;
  Sbwire__V1__SessionInfoRequest si = SBWIRE__V1__SESSION_INFO_REQUEST__INIT;
  req_env(&e, &r, SBWIRE__V1__REQUEST__BODY_SESSION_INFO);
  r.session_info = &si;
  r.deadline_ms = 0;
  CHECK_ERR(decode_env(&e, NULL), SB_EFIELD);
  r.deadline_ms = SB_MSG_DEADLINE_MAX + 1;
  CHECK_ERR(decode_env(&e, NULL), SB_EFIELD);
  r.deadline_ms = 1;
  CHECK_OK(decode_env(&e, NULL));
  r.deadline_ms = SB_MSG_DEADLINE_MAX;
  CHECK_OK(decode_env(&e, NULL));
}

SB_TEST(msg_handshake_sizes) {
  sb_envelope_t e = SBWIRE__V1__ENVELOPE__INIT;
  Sbwire__V1__Hello h = SBWIRE__V1__HELLO__INIT;
  uint8_t k[33] = {1}, n[33] = {2};
  h.version = 1;
  h.kx_public_key.data = k;
  h.kx_public_key.len = 32;
  h.nonce.data = n;
  h.nonce.len = 32;
  e.body_case = SBWIRE__V1__ENVELOPE__BODY_HELLO;
  e.hello = &h;
  CHECK_OK(decode_env(&e, NULL));
  h.kx_public_key.len = 31;
  CHECK_ERR(decode_env(&e, NULL), SB_EFIELD);
  h.kx_public_key.len = 33;
  CHECK_ERR(decode_env(&e, NULL), SB_EFIELD);
  h.kx_public_key.len = 32;
  h.nonce.len = 0;
  CHECK_ERR(decode_env(&e, NULL), SB_EFIELD);

  Sbwire__V1__Confirm c = SBWIRE__V1__CONFIRM__INIT;
  c.transcript_hash.data = k;
  c.transcript_hash.len = 33;
  e.body_case = SBWIRE__V1__ENVELOPE__BODY_CONFIRM;
  e.confirm = &c;
  CHECK_ERR(decode_env(&e, NULL), SB_EFIELD);
  c.transcript_hash.len = 32;
  CHECK_OK(decode_env(&e, NULL));
}

/* ---- screenshots and transfers ---- */

static int region(uint32_t w, uint32_t h) {
  sb_envelope_t e;
  Sbwire__V1__Request r;
  Sbwire__V1__ScreenshotRequest ss = SBWIRE__V1__SCREENSHOT_REQUEST__INIT;
  Sbwire__V1__Region reg = SBWIRE__V1__REGION__INIT;
  reg.width = w;
  reg.height = h;
  ss.target_case = SBWIRE__V1__SCREENSHOT_REQUEST__TARGET_REGION;
  ss.region = &reg;
  req_env(&e, &r, SBWIRE__V1__REQUEST__BODY_SCREENSHOT);
  r.screenshot = &ss;
  return decode_env(&e, NULL);
}

SB_TEST(msg_screenshot_region_overflow) {
  /* 2^31 * 2^31 * 4 = 2^64: wraps to 0 in 64-bit arithmetic. */
  CHECK_ERR(region(0x80000000u, 0x80000000u), SB_ETOOBIG);
  /* 2^16 * 2^16 * 4 = 2^34: wraps to 0 in 32-bit arithmetic. */
  CHECK_ERR(region(65536, 65536), SB_ETOOBIG);
  CHECK_ERR(region(0xFFFFFFFFu, 0xFFFFFFFFu), SB_ETOOBIG);
  CHECK_ERR(region(0xFFFFFFFFu, 1), SB_ETOOBIG);
  /* 8192 * 5120 is exactly SB_SCREENSHOT_PIXELS_MAX (40 Mi); one more
   * row is over. */
  CHECK_OK(region(8192, 5120));
  CHECK_ERR(region(8192, 5121), SB_ETOOBIG);
  CHECK_ERR(region(0, 100), SB_EFIELD);
  CHECK_ERR(region(100, 0), SB_EFIELD);
}

static int clipboard_set_total(uint64_t total) {
  sb_envelope_t e;
  Sbwire__V1__Request r;
  Sbwire__V1__ClipboardSetRequest cs = SBWIRE__V1__CLIPBOARD_SET_REQUEST__INIT;
  req_env(&e, &r, SBWIRE__V1__REQUEST__BODY_CLIPBOARD_SET);
  r.transfer_id = 1;
  r.total_size = total;
  r.clipboard_set = &cs;
  return decode_env(&e, NULL);
}

static int clipboard_get_total(uint64_t total) {
  sb_envelope_t e;
  Sbwire__V1__Response r;
  Sbwire__V1__ClipboardGetResponse cg = SBWIRE__V1__CLIPBOARD_GET_RESPONSE__INIT;
  rsp_env(&e, &r, SBWIRE__V1__RESPONSE__BODY_CLIPBOARD_GET);
  r.transfer_id = 2;
  r.total_size = total;
  r.clipboard_get = &cg;
  return decode_env(&e, NULL);
}

SB_TEST(msg_clipboard_total_cap) {
  CHECK_OK(clipboard_set_total(SB_CLIPBOARD_MAX));
  CHECK_ERR(clipboard_set_total((uint64_t)SB_CLIPBOARD_MAX + 1), SB_ETOOBIG);
  CHECK_ERR(clipboard_set_total(UINT64_MAX), SB_ETOOBIG);
  CHECK_OK(clipboard_get_total(SB_CLIPBOARD_MAX));
  CHECK_ERR(clipboard_get_total((uint64_t)SB_CLIPBOARD_MAX + 1), SB_ETOOBIG);
  /* Over the cap answers TOO_LARGE, as protocol.md promises. */
  CHECK_EQ(sb_err_to_status(SB_ETOOBIG), SBWIRE__V1__STATUS__STATUS_TOO_LARGE);
}

/* Only clipboard_set takes an upload: a declaration on any other request
 * fails validation, so the receiver answers it before any chunk. */
SB_TEST(msg_upload_only_on_clipboard_set) {
  sb_envelope_t e;
  Sbwire__V1__Request r;
  Sbwire__V1__PingRequest p = SBWIRE__V1__PING_REQUEST__INIT;
  const char *why = NULL;
  CHECK_OK(clipboard_set_total(5));
  req_env(&e, &r, SBWIRE__V1__REQUEST__BODY_PING);
  r.ping = &p;
  CHECK_OK(decode_env(&e, NULL));
  r.transfer_id = 1;
  r.total_size = 5;
  CHECK_ERR(decode_env(&e, &why), SB_EFIELD);
  CHECK(why && strstr(why, "takes no upload") != NULL);
  CHECK_EQ(sb_err_to_status(SB_EFIELD), SBWIRE__V1__STATUS__STATUS_INVALID);
}

SB_TEST(msg_screenshot_total_cap) {
  sb_envelope_t e;
  Sbwire__V1__Response r;
  Sbwire__V1__ScreenshotResponse ss = SBWIRE__V1__SCREENSHOT_RESPONSE__INIT;
  rsp_env(&e, &r, SBWIRE__V1__RESPONSE__BODY_SCREENSHOT);
  r.transfer_id = 2;
  r.total_size = SB_SCREENSHOT_MAX;
  r.screenshot = &ss;
  CHECK_OK(decode_env(&e, NULL));
  r.total_size = (uint64_t)SB_SCREENSHOT_MAX + 1;
  CHECK_ERR(decode_env(&e, NULL), SB_ETOOBIG);
}

SB_TEST(msg_inline_data_cap) {
  sb_envelope_t e;
  Sbwire__V1__Request r;
  Sbwire__V1__ClipboardSetRequest cs = SBWIRE__V1__CLIPBOARD_SET_REQUEST__INIT;
  uint8_t *d = calloc(1, SB_MSG_INLINE_MAX + 1);
  CHECK(d != NULL);
  cs.data.data = d;
  cs.data.len = SB_MSG_INLINE_MAX;
  req_env(&e, &r, SBWIRE__V1__REQUEST__BODY_CLIPBOARD_SET);
  r.clipboard_set = &cs;
  CHECK_OK(decode_env(&e, NULL));
  cs.data.len = SB_MSG_INLINE_MAX + 1;
  CHECK_ERR(decode_env(&e, NULL), SB_ETOOBIG);
  free(d);
}

/* ---- hostile encodings ---- */

SB_TEST(msg_garbage_bytes) {
  uint8_t buf[512];
  int refused = 0;
  /* Random bytes almost never form a valid envelope; whatever they form,
   * decode must fail cleanly (ASan watches) and mostly as EDECODE. */
  for (uint32_t seed = 1; seed <= 200; seed++) {
    size_t n = 1 + seed % sizeof buf;
    sbtest_fill(buf, n, seed);
    int r = decode_bytes(buf, n, NULL);
    if (r >= 0) {
      char what[64];
      snprintf(what, sizeof what, "seed %u (%zu bytes) decoded", seed, n);
      sbtest_fail(__FILE__, __LINE__, "r < 0", what);
    }
    if (r == SB_EDECODE)
      refused++;
  }
  if (refused <= 150) {
    char what[64];
    snprintf(what, sizeof what, "only %d of 200 refused as EDECODE", refused);
    sbtest_fail(__FILE__, __LINE__, "refused > 150", what);
  }
  /* Wire types 6 and 7 do not exist; 3/4 are proto2 groups. */
  static const uint8_t wt7[] = {0x0f, 0x00};
  static const uint8_t wt3[] = {0x0b, 0x0c};
  CHECK_ERR(decode_bytes(wt7, sizeof wt7, NULL), SB_EDECODE);
  CHECK_ERR(decode_bytes(wt3, sizeof wt3, NULL), SB_EDECODE);
}

SB_TEST(msg_truncated_varint) {
  static const uint8_t a[] = {0x08, 0xff};       /* request_id cut short */
  static const uint8_t b[] = {0x08, 0xff, 0xff, 0xff, 0xff, 0xff,
                              0xff, 0xff, 0xff, 0xff, 0xff, 0x01}; /* 11 bytes */
  static const uint8_t c[] = {0x80};             /* the tag itself */
  static const uint8_t d[] = {0x22, 0x80, 0x80}; /* a length prefix */
  CHECK_ERR(decode_bytes(a, sizeof a, NULL), SB_EDECODE);
  CHECK_ERR(decode_bytes(b, sizeof b, NULL), SB_EDECODE);
  CHECK_ERR(decode_bytes(c, sizeof c, NULL), SB_EDECODE);
  CHECK_ERR(decode_bytes(d, sizeof d, NULL), SB_EDECODE);
}

SB_TEST(msg_inner_length_2_31) {
  /* Envelope.request with a length prefix of 2^31 and 6 bytes after it. */
  static const uint8_t a[] = {0x08, 0x01, 0x22, 0x80, 0x80, 0x80, 0x80, 0x08,
                              0x08, 0x01, 0x52, 0x00, 0x00, 0x00};
  CHECK_ERR(decode_bytes(a, sizeof a, NULL), SB_EDECODE);
  /* The same two levels down: ping.payload claims 2^31 bytes. */
  static const uint8_t b[] = {0x22, 0x0a, 0x08, 0x01, 0x52, 0x06, 0x0a,
                              0x80, 0x80, 0x80, 0x80, 0x08};
  CHECK_ERR(decode_bytes(b, sizeof b, NULL), SB_EDECODE);
}

SB_TEST(msg_giant_length_no_alloc) {
  /* A bytes field claiming 2^62 bytes, and 2^32-1: protobuf-c must refuse
   * from the length alone, and nothing near that size is allocated. */
  static const uint8_t a[] = {0x22, 0x10, 0x08, 0x01, 0x52, 0x0c, 0x0a,
                              0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80,
                              0x80, 0x40, 0x00, 0x00};
  static const uint8_t b[] = {0x42, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x00};
  alloc_largest = 0;
  CHECK_OK(sb_replace_allocator(count_malloc, count_realloc, count_free));
  int ra = decode_bytes(a, sizeof a, NULL);
  int rb = decode_bytes(b, sizeof b, NULL);
  size_t largest = alloc_largest;
  CHECK_OK(sb_replace_allocator(NULL, NULL, NULL));
  CHECK_ERR(ra, SB_EDECODE);
  CHECK_ERR(rb, SB_EDECODE);
  CHECK(largest < 4096);
}

SB_TEST(msg_budget_small_refuses) {
  sb_envelope_t e;
  Sbwire__V1__Request r;
  Sbwire__V1__PingRequest ping = SBWIRE__V1__PING_REQUEST__INIT;
  uint8_t payload[2000] = {0};
  sb_msg_t *m = NULL;
  size_t n;
  ping.payload.data = payload;
  ping.payload.len = sizeof payload;
  req_env(&e, &r, SBWIRE__V1__REQUEST__BODY_PING);
  r.ping = &ping;
  uint8_t *b = pack(&e, &n);
  CHECK_ERR(sb_msg_unpack(b, n, 1024, &m), SB_EBUDGET);
  CHECK(m == NULL);
  CHECK_OK(sb_msg_unpack(b, n, 64 * 1024, &m));
  CHECK_EQ(sb_msg_envelope(m)->request->ping->payload.len, sizeof payload);
  sb_msg_free(m);
  sb_free(b);
}

/* Envelope{response{session_list{count x empty SessionEntry}}}, by hand:
 * two wire bytes per entry, each a struct and a pointer once decoded. */
static wbuf_t session_list_bytes(size_t count) {
  wbuf_t list = {0}, rsp = {0}, env = {0};
  for (size_t i = 0; i < count; i++) {
    w_byte(&list, 0x0a);
    w_byte(&list, 0x00);
  }
  w_field(&rsp, 18, &list);
  w_byte(&env, 0x08);
  w_byte(&env, 2);
  w_field(&env, 5, &rsp);
  free(list.b);
  free(rsp.b);
  return env;
}

SB_TEST(msg_session_list_cap) {
  wbuf_t w = session_list_bytes(SB_MSG_SESSIONS_MAX);
  CHECK_OK(decode_bytes(w.b, w.n, NULL));
  free(w.b);
  w = session_list_bytes(SB_MSG_SESSIONS_MAX + 1);
  CHECK_ERR(decode_bytes(w.b, w.n, NULL), SB_ETOOBIG);
  free(w.b);
}

SB_TEST(msg_budget_session_list_many) {
  /* 200000 entries fit in 400 KB of wire, under the frame limit, but
   * decode to far more than the 4 MiB budget. */
  wbuf_t w = session_list_bytes(200000);
  CHECK(w.n < SB_FRAME_MAX);
  alloc_largest = alloc_total = 0;
  CHECK_OK(sb_replace_allocator(count_malloc, count_realloc, count_free));
  int r = decode_bytes(w.b, w.n, NULL);
  size_t total = alloc_total;
  CHECK_OK(sb_replace_allocator(NULL, NULL, NULL));
  CHECK_ERR(r, SB_EBUDGET);
  /* Everything the decoder allocated stayed within the budget. */
  CHECK(total <= SB_MSG_DECODE_BUDGET + 4096);
  free(w.b);
}

SB_TEST(msg_budget_ten_million_elements) {
  /* 10^7 repeated elements (protobuf-c #796): 20 MB of wire that would
   * decode to hundreds of MB of pointers, structs and scan slabs. */
  wbuf_t w = session_list_bytes(10000000);
  alloc_largest = alloc_total = 0;
  CHECK_OK(sb_replace_allocator(count_malloc, count_realloc, count_free));
  int r = decode_bytes(w.b, w.n, NULL);
  size_t total = alloc_total, largest = alloc_largest;
  CHECK_OK(sb_replace_allocator(NULL, NULL, NULL));
  CHECK_ERR(r, SB_EBUDGET);
  CHECK(largest <= SB_MSG_DECODE_BUDGET);
  CHECK(total <= SB_MSG_DECODE_BUDGET + 4096);
  free(w.b);
}

SB_TEST(msg_unpack_args) {
  sb_msg_t *m = (sb_msg_t *)&m;
  CHECK_ERR(sb_msg_unpack(NULL, 5, SB_MSG_DECODE_BUDGET, &m), SB_EINVAL);
  CHECK(m == NULL);
  CHECK_ERR(sb_msg_unpack((const uint8_t *)"", 0, 0, &m), SB_EINVAL);
  CHECK_ERR(sb_msg_decode((const uint8_t *)"", 0, NULL, NULL), SB_EINVAL);
  /* Unpack does no validation: an empty envelope unpacks. */
  CHECK_OK(sb_msg_unpack(NULL, 0, SB_MSG_DECODE_BUDGET, &m));
  CHECK_EQ(sb_msg_envelope(m)->body_case, SBWIRE__V1__ENVELOPE__BODY__NOT_SET);
  sb_msg_free(m);
  sb_msg_free(NULL);
}

/* ---- Status mapping ---- */

SB_TEST(msg_status_mapping) {
  static const struct {
    int status, err;
  } pairs[] = {
      {SBWIRE__V1__STATUS__STATUS_OK, 0},
      {SBWIRE__V1__STATUS__STATUS_INVALID, SB_EFIELD},
      {SBWIRE__V1__STATUS__STATUS_UNSUPPORTED_VERSION, SB_EVERSION},
      {SBWIRE__V1__STATUS__STATUS_BUSY, SB_EBUSY},
      {SBWIRE__V1__STATUS__STATUS_TIMEOUT, SB_ETIMEDOUT},
      {SBWIRE__V1__STATUS__STATUS_NO_SESSION, SB_ENOSESSION},
      {SBWIRE__V1__STATUS__STATUS_NO_AGENT, SB_ENOAGENT},
      {SBWIRE__V1__STATUS__STATUS_LOCKED, SB_ELOCKED},
      {SBWIRE__V1__STATUS__STATUS_TOO_LARGE, SB_ETOOBIG},
      {SBWIRE__V1__STATUS__STATUS_CANCELLED, SB_ECANCELED},
      {SBWIRE__V1__STATUS__STATUS_AGENT_LOST, SB_EPIPE},
      {SBWIRE__V1__STATUS__STATUS_DENIED, SB_EACCES},
      {SBWIRE__V1__STATUS__STATUS_UNSUPPORTED, SB_EUNSUPPORTED},
      {SBWIRE__V1__STATUS__STATUS_DISCONNECTED, SB_EDISCONNECTED},
  };
  for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
    CHECK_EQ(sb_status_to_err(pairs[i].status), pairs[i].err);
    CHECK_EQ(sb_err_to_status(pairs[i].err), pairs[i].status);
  }
  /* Every status relayed through an error code comes back unchanged. */
  for (int s = 1; s <= 16; s++)
    CHECK_EQ(sb_err_to_status(sb_status_to_err(s)), s);
  CHECK_EQ(sb_err_to_status(sb_status_to_err(
               SBWIRE__V1__STATUS__STATUS_DISCONNECTED)),
           SBWIRE__V1__STATUS__STATUS_DISCONNECTED);
  /* Validation failures are INVALID; unknown statuses are a remote error. */
  CHECK_EQ(sb_err_to_status(SB_EUTF8), SBWIRE__V1__STATUS__STATUS_INVALID);
  CHECK_EQ(sb_err_to_status(SB_EENUM), SBWIRE__V1__STATUS__STATUS_INVALID);
  CHECK_EQ(sb_err_to_status(SB_ENOMEM), SBWIRE__V1__STATUS__STATUS_INTERNAL);
  CHECK_EQ(sb_status_to_err(0), SB_EREMOTE);
  CHECK_EQ(sb_status_to_err(99), SB_EREMOTE);
  CHECK(strcmp(sb_status_name(SBWIRE__V1__STATUS__STATUS_BUSY),
               "STATUS_BUSY") == 0);
  CHECK(strcmp(sb_status_name(99), "STATUS_UNKNOWN") == 0);
}

/* The detail of a UTF-8 or enum failure names the field (protocol.md,
 * "Messages"): a client told only "string is not valid UTF-8" cannot tell
 * which of its strings. */
SB_TEST(msg_detail_names_field) {
  Sbwire__V1__Envelope env = SBWIRE__V1__ENVELOPE__INIT;
  Sbwire__V1__Request req = SBWIRE__V1__REQUEST__INIT;
  Sbwire__V1__MessageBoxRequest mb = SBWIRE__V1__MESSAGE_BOX_REQUEST__INIT;
  const char *why = NULL;
  env.request_id = 1;
  env.body_case = SBWIRE__V1__ENVELOPE__BODY_REQUEST;
  env.request = &req;
  req.deadline_ms = 1000;
  req.body_case = SBWIRE__V1__REQUEST__BODY_MESSAGE_BOX;
  req.message_box = &mb;
  mb.title = "ok";
  mb.text = "\xff bad";
  CHECK_ERR(sb_msg_validate(&env, &why), SB_EUTF8);
  fprintf(stderr, "%s\n", why);
  CHECK(why && strstr(why, "MessageBoxRequest.text"));
  mb.text = "fine";
  mb.buttons = (Sbwire__V1__Buttons)99;
  CHECK_ERR(sb_msg_validate(&env, &why), SB_EENUM);
  fprintf(stderr, "%s\n", why);
  CHECK(why && strstr(why, "MessageBoxRequest.buttons"));
}

static int monitors_list(size_t n, uint32_t width, size_t device_len) {
  static Sbwire__V1__Monitor m[SB_MSG_MONITORS_MAX + 1];
  static Sbwire__V1__Monitor *mp[SB_MSG_MONITORS_MAX + 1];
  static Sbwire__V1__Region rect = SBWIRE__V1__REGION__INIT;
  sb_envelope_t e;
  Sbwire__V1__Response r;
  Sbwire__V1__MonitorsResponse mr = SBWIRE__V1__MONITORS_RESPONSE__INIT;
  char *dev = repeat('D', device_len);
  rect.width = width;
  rect.height = 1080;
  for (size_t i = 0; i < n; i++) {
    sbwire__v1__monitor__init(&m[i]);
    m[i].index = (uint32_t)i;
    m[i].rect = &rect;
    m[i].dpi = 96;
    m[i].device = dev;
    mp[i] = &m[i];
  }
  mr.n_monitors = n;
  mr.monitors = mp;
  mr.dpi_awareness = "per-monitor-v2";
  rsp_env(&e, &r, SBWIRE__V1__RESPONSE__BODY_MONITORS);
  r.monitors = &mr;
  int err = decode_env(&e, NULL);
  free(dev);
  return err;
}

SB_TEST(msg_monitors_limits) {
  CHECK_OK(monitors_list(SB_MSG_MONITORS_MAX, 1920, 12));
  CHECK_ERR(monitors_list(SB_MSG_MONITORS_MAX + 1, 1920, 12), SB_ETOOBIG);
  /* A monitor's rectangle is a Region like any other: never empty. */
  CHECK_ERR(monitors_list(2, 0, 12), SB_EFIELD);
  CHECK_OK(monitors_list(1, 1920, SB_MSG_USER_MAX));
  CHECK_ERR(monitors_list(1, 1920, SB_MSG_USER_MAX + 1), SB_ETOOBIG);
}
