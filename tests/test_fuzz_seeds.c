/* SPDX-License-Identifier: MIT */
/* `sbtest --helper fuzz_seeds DIR` writes the seed corpus of the fuzz
 * targets (tests/fuzz/corpus/{frame,msg,channel}): one valid envelope of
 * every kind, framed and unframed, and channel scripts that seal them,
 * plus a few edge cases per target (empty, header only, two frames in one
 * buffer, unknown field, truncated varint, channel scripts that corrupt,
 * inject raw bytes and send TAG_FINAL). */
#include <stdio.h>

#include "sbtest.h"
#include "sessionbridge.h"

static void put(const char *dir, const char *sub, const char *name,
                const uint8_t *p, size_t n) {
  char path[600];
  snprintf(path, sizeof path, "%s/%s/%s", dir, sub, name);
  FILE *f = fopen(path, "wb");
  if (!f) {
    fprintf(stderr, "cannot write %s\n", path);
    exit(1);
  }
  fwrite(p, 1, n, f);
  fclose(f);
}

/* Append a channel-script record [op][len16 LE][bytes] at rec + r; returns
 * the new length. */
static size_t rec_add(uint8_t *rec, size_t r, uint8_t op, const uint8_t *p,
                      size_t n) {
  rec[r++] = op;
  rec[r++] = (uint8_t)n;
  rec[r++] = (uint8_t)(n >> 8);
  if (n)
    memcpy(rec + r, p, n);
  return r + n;
}

static void emit(const char *dir, const char *name, Sbwire__V1__Envelope *env) {
  uint8_t buf[4096], framed[4200], rec[4200];
  size_t len = 0;
  if (sb_msg_pack_to(env, buf, sizeof buf, &len) != 0)
    exit(1);
  put(dir, "msg", name, buf, len);
  /* frame corpus: first byte is the split step, then a frame of at least
   * 17 bytes (the parser in the target wants 17..4096). */
  framed[0] = 3;
  size_t flen = len < 17 ? 17 : len;
  sb_frame_write_header(framed + 1, (uint32_t)flen);
  memset(framed + 5, 0, flen);
  memcpy(framed + 5, buf, len);
  put(dir, "frame", name, framed, 5 + flen);
  /* channel corpus: one "send sealed" record carrying the envelope. */
  put(dir, "channel", name, rec, rec_add(rec, 0, 0, buf, len));
}

/* Edge cases written as bytes: the encoder would never produce them. */
static void emit_edges(const char *dir) {
  /* frame: length 0; the largest frame the target allows (4096) fed one
   * byte at a time; two frames back to back; a 0xFFFFFFFF length. */
  static uint8_t big[1 + 4 + 4096];
  const uint8_t zero[] = {3, 0, 0, 0, 0};
  const uint8_t huge[] = {15, 0xff, 0xff, 0xff, 0xff, 1, 2, 3};
  uint8_t two[1 + 2 * (4 + 17)];
  put(dir, "frame", "edge-len0", zero, sizeof zero);
  put(dir, "frame", "edge-len-ffffffff", huge, sizeof huge);
  big[0] = 0;
  sb_frame_write_header(big + 1, 4096);
  sbtest_fill(big + 5, 4096, 7);
  put(dir, "frame", "edge-max-bytewise", big, sizeof big);
  memset(two, 0x5a, sizeof two);
  two[0] = 15;
  sb_frame_write_header(two + 1, 17);
  sb_frame_write_header(two + 1 + 4 + 17, 17);
  put(dir, "frame", "edge-two-frames", two, sizeof two);
  /* msg: empty; ping with an unknown field 15; truncated varint; an inner
   * length of 2^31; 64 empty session entries (budget path). */
  const uint8_t unknown[] = {0x08, 0x01, 0x22, 0x09, 0x08, 0x88, 0x27, 0x52,
                             0x04, 0x0a, 0x02, 0x68, 0x69, 0x78, 0x01};
  const uint8_t trunc[] = {0x08, 0xff};
  const uint8_t inner[] = {0x08, 0x01, 0x22, 0x80, 0x80, 0x80, 0x80, 0x08};
  uint8_t many[8 + 128];
  size_t m = 0;
  many[m++] = 0x08, many[m++] = 0x01, many[m++] = 0x2a, many[m++] = 123;
  many[m++] = 0x92, many[m++] = 0x01, many[m++] = 120;
  for (int i = 0; i < 60; i++)
    many[m++] = 0x0a, many[m++] = 0x00;
  put(dir, "msg", "edge-empty", trunc, 0);
  put(dir, "msg", "edge-unknown-field", unknown, sizeof unknown);
  put(dir, "msg", "edge-truncated-varint", trunc, sizeof trunc);
  put(dir, "msg", "edge-inner-2e31", inner, sizeof inner);
  put(dir, "msg", "edge-many-entries", many, m);
  /* channel: records [op][len16][bytes]: two sealed pings, the second
   * with a flipped bit; raw garbage injected; a sealed ping then
   * TAG_FINAL then another sealed ping; the unknown-field ping sealed. */
  uint8_t rec[128];
  const uint8_t ping[] = {0x08, 0x01, 0x22, 0x09, 0x08, 0x88, 0x27, 0x52,
                          0x02, 0x0a, 0x00, 0x10, 0x01};
  size_t r = rec_add(rec, 0, 0, ping, sizeof ping);
  r = rec_add(rec, r, 1 | 5 << 2, ping, sizeof ping);
  put(dir, "channel", "edge-flip-second", rec, r);
  r = rec_add(rec, 0, 2, (const uint8_t *)"\x10\0\0\0GARB", 8);
  put(dir, "channel", "edge-raw-inject", rec, r);
  r = rec_add(rec, 0, 0, ping, sizeof ping);
  r = rec_add(rec, r, 3, NULL, 0);
  r = rec_add(rec, r, 0, ping, sizeof ping);
  put(dir, "channel", "edge-after-final", rec, r);
  r = rec_add(rec, 0, 0, unknown, sizeof unknown);
  put(dir, "channel", "edge-unknown-field", rec, r);
}

SB_HELPER(fuzz_seeds) {
  if (argc < 1)
    return 2;
  const char *dir = argv[0];
  Sbwire__V1__Envelope env = SBWIRE__V1__ENVELOPE__INIT;
  Sbwire__V1__Request req = SBWIRE__V1__REQUEST__INIT;
  Sbwire__V1__Response rsp = SBWIRE__V1__RESPONSE__INIT;
  env.request_id = 1;
  env.body_case = SBWIRE__V1__ENVELOPE__BODY_REQUEST;
  env.request = &req;
  req.deadline_ms = 5000;
  req.session_id = 1;

  Sbwire__V1__PingRequest ping = SBWIRE__V1__PING_REQUEST__INIT;
  ping.payload.data = (uint8_t *)"ping";
  ping.payload.len = 4;
  req.body_case = SBWIRE__V1__REQUEST__BODY_PING;
  req.ping = &ping;
  emit(dir, "req-ping", &env);
  Sbwire__V1__SessionInfoRequest si = SBWIRE__V1__SESSION_INFO_REQUEST__INIT;
  req.body_case = SBWIRE__V1__REQUEST__BODY_SESSION_INFO;
  req.session_info = &si;
  emit(dir, "req-info", &env);
  Sbwire__V1__MessageBoxRequest mb = SBWIRE__V1__MESSAGE_BOX_REQUEST__INIT;
  mb.title = "Title";
  mb.text = "Text ✓";
  mb.buttons = SBWIRE__V1__BUTTONS__BUTTONS_YES_NO;
  mb.icon = SBWIRE__V1__ICON__ICON_QUESTION;
  mb.timeout_ms = 1000;
  req.body_case = SBWIRE__V1__REQUEST__BODY_MESSAGE_BOX;
  req.message_box = &mb;
  emit(dir, "req-msgbox", &env);
  Sbwire__V1__NotifyRequest nt = SBWIRE__V1__NOTIFY_REQUEST__INIT;
  nt.title = "t";
  nt.text = "x";
  req.body_case = SBWIRE__V1__REQUEST__BODY_NOTIFY;
  req.notify = &nt;
  emit(dir, "req-notify", &env);
  Sbwire__V1__ClipboardSetRequest cs = SBWIRE__V1__CLIPBOARD_SET_REQUEST__INIT;
  req.transfer_id = 1;
  req.total_size = 5000;
  req.body_case = SBWIRE__V1__REQUEST__BODY_CLIPBOARD_SET;
  req.clipboard_set = &cs;
  emit(dir, "req-clipset-transfer", &env);
  req.transfer_id = 0;
  req.total_size = 0;
  Sbwire__V1__ScreenshotRequest sh = SBWIRE__V1__SCREENSHOT_REQUEST__INIT;
  Sbwire__V1__Region rg = SBWIRE__V1__REGION__INIT;
  rg.x = -10;
  rg.y = 5;
  rg.width = 100;
  rg.height = 50;
  sh.target_case = SBWIRE__V1__SCREENSHOT_REQUEST__TARGET_REGION;
  sh.region = &rg;
  req.body_case = SBWIRE__V1__REQUEST__BODY_SCREENSHOT;
  req.screenshot = &sh;
  emit(dir, "req-screenshot-region", &env);
  Sbwire__V1__CancelRequest cn = SBWIRE__V1__CANCEL_REQUEST__INIT;
  cn.target_request_id = 3;
  req.body_case = SBWIRE__V1__REQUEST__BODY_CANCEL;
  req.cancel = &cn;
  emit(dir, "req-cancel", &env);
  Sbwire__V1__ClipboardGetRequest cg = SBWIRE__V1__CLIPBOARD_GET_REQUEST__INIT;
  cg.format = SBWIRE__V1__CLIPBOARD_FORMAT__CLIPBOARD_FORMAT_IMAGE_PNG;
  req.body_case = SBWIRE__V1__REQUEST__BODY_CLIPBOARD_GET;
  req.clipboard_get = &cg;
  emit(dir, "req-clipget", &env);
  cs.data.data = (uint8_t *)"text";
  cs.data.len = 4;
  req.body_case = SBWIRE__V1__REQUEST__BODY_CLIPBOARD_SET;
  req.clipboard_set = &cs;
  emit(dir, "req-clipset-inline", &env);
  sh.target_case = SBWIRE__V1__SCREENSHOT_REQUEST__TARGET_MONITOR;
  sh.monitor = 1;
  req.body_case = SBWIRE__V1__REQUEST__BODY_SCREENSHOT;
  req.screenshot = &sh;
  emit(dir, "req-screenshot-monitor", &env);
  Sbwire__V1__SessionListRequest slr = SBWIRE__V1__SESSION_LIST_REQUEST__INIT;
  req.body_case = SBWIRE__V1__REQUEST__BODY_SESSION_LIST;
  req.session_list = &slr;
  emit(dir, "req-sessions", &env);

  env.body_case = SBWIRE__V1__ENVELOPE__BODY_RESPONSE;
  env.response = &rsp;
  Sbwire__V1__SessionListResponse sl = SBWIRE__V1__SESSION_LIST_RESPONSE__INIT;
  Sbwire__V1__SessionEntry e = SBWIRE__V1__SESSION_ENTRY__INIT;
  Sbwire__V1__SessionEntry *ep[1] = {&e};
  e.session_id = 1;
  e.state = "connected";
  e.user = "DOM\\user";
  sl.n_sessions = 1;
  sl.sessions = ep;
  rsp.body_case = SBWIRE__V1__RESPONSE__BODY_SESSION_LIST;
  rsp.session_list = &sl;
  emit(dir, "rsp-sessions", &env);
  Sbwire__V1__ScreenshotResponse sr = SBWIRE__V1__SCREENSHOT_RESPONSE__INIT;
  sr.width = 1280;
  sr.height = 800;
  rsp.transfer_id = 1;
  rsp.total_size = 3000000;
  rsp.body_case = SBWIRE__V1__RESPONSE__BODY_SCREENSHOT;
  rsp.screenshot = &sr;
  emit(dir, "rsp-screenshot", &env);
  rsp.transfer_id = 0;
  rsp.total_size = 0;
  Sbwire__V1__PingResponse pr = SBWIRE__V1__PING_RESPONSE__INIT;
  pr.payload.data = (uint8_t *)"pong";
  pr.payload.len = 4;
  rsp.body_case = SBWIRE__V1__RESPONSE__BODY_PING;
  rsp.ping = &pr;
  emit(dir, "rsp-ping", &env);
  Sbwire__V1__SessionInfoResponse ir = SBWIRE__V1__SESSION_INFO_RESPONSE__INIT;
  ir.session_id = 2;
  ir.user = "user";
  ir.domain = "DOM";
  ir.locked = 1;
  ir.idle_ms = 12345;
  ir.state = "active";
  rsp.body_case = SBWIRE__V1__RESPONSE__BODY_SESSION_INFO;
  rsp.session_info = &ir;
  emit(dir, "rsp-info", &env);
  Sbwire__V1__MessageBoxResponse mr = SBWIRE__V1__MESSAGE_BOX_RESPONSE__INIT;
  mr.pressed = SBWIRE__V1__BUTTON__BUTTON_NO;
  mr.timed_out = 0;
  rsp.body_case = SBWIRE__V1__RESPONSE__BODY_MESSAGE_BOX;
  rsp.message_box = &mr;
  emit(dir, "rsp-msgbox", &env);
  Sbwire__V1__NotifyResponse nr = SBWIRE__V1__NOTIFY_RESPONSE__INIT;
  nr.shown = 1;
  rsp.body_case = SBWIRE__V1__RESPONSE__BODY_NOTIFY;
  rsp.notify = &nr;
  emit(dir, "rsp-notify", &env);
  Sbwire__V1__ClipboardGetResponse gr = SBWIRE__V1__CLIPBOARD_GET_RESPONSE__INIT;
  gr.data.data = (uint8_t *)"clip";
  gr.data.len = 4;
  rsp.body_case = SBWIRE__V1__RESPONSE__BODY_CLIPBOARD_GET;
  rsp.clipboard_get = &gr;
  emit(dir, "rsp-clipget", &env);
  Sbwire__V1__ClipboardSetResponse sr2 = SBWIRE__V1__CLIPBOARD_SET_RESPONSE__INIT;
  rsp.body_case = SBWIRE__V1__RESPONSE__BODY_CLIPBOARD_SET;
  rsp.clipboard_set = &sr2;
  emit(dir, "rsp-clipset", &env);
  Sbwire__V1__CancelResponse cr = SBWIRE__V1__CANCEL_RESPONSE__INIT;
  rsp.body_case = SBWIRE__V1__RESPONSE__BODY_CANCEL;
  rsp.cancel = &cr;
  emit(dir, "rsp-cancel", &env);
  Sbwire__V1__Event ev = SBWIRE__V1__EVENT__INIT;
  Sbwire__V1__SessionStateEvent ss = SBWIRE__V1__SESSION_STATE_EVENT__INIT;
  ss.session_id = 3;
  ss.locked = 1;
  ev.body_case = SBWIRE__V1__EVENT__BODY_SESSION_STATE;
  ev.session_state = &ss;
  env.request_id = 0;
  env.body_case = SBWIRE__V1__ENVELOPE__BODY_EVENT;
  env.event = &ev;
  emit(dir, "event-state", &env);
  env.request_id = 1;

  Sbwire__V1__Error er = SBWIRE__V1__ERROR__INIT;
  er.status = SBWIRE__V1__STATUS__STATUS_BUSY;
  er.detail = "busy";
  env.body_case = SBWIRE__V1__ENVELOPE__BODY_ERROR;
  env.error = &er;
  emit(dir, "error-busy", &env);
  Sbwire__V1__TransferChunk ch = SBWIRE__V1__TRANSFER_CHUNK__INIT;
  ch.transfer_id = 1;
  ch.offset = 0;
  ch.data.data = (uint8_t *)"chunkdata";
  ch.data.len = 9;
  ch.last = 1;
  env.body_case = SBWIRE__V1__ENVELOPE__BODY_CHUNK;
  env.chunk = &ch;
  emit(dir, "chunk", &env);
  uint8_t pk[32] = {1}, nonce[32] = {2};
  Sbwire__V1__Hello h = SBWIRE__V1__HELLO__INIT;
  h.version = SB_PROTOCOL_VERSION;
  h.kx_public_key.data = pk;
  h.kx_public_key.len = 32;
  h.nonce.data = nonce;
  h.nonce.len = 32;
  h.role = SBWIRE__V1__ROLE__ROLE_CLIENT;
  env.request_id = 0;
  env.body_case = SBWIRE__V1__ENVELOPE__BODY_HELLO;
  env.hello = &h;
  emit(dir, "hello", &env);
  h.role = SBWIRE__V1__ROLE__ROLE_SERVER;
  emit(dir, "hello-server", &env);
  uint8_t th[32] = {3};
  Sbwire__V1__Confirm cf = SBWIRE__V1__CONFIRM__INIT;
  cf.transcript_hash.data = th;
  cf.transcript_hash.len = 32;
  env.body_case = SBWIRE__V1__ENVELOPE__BODY_CONFIRM;
  env.confirm = &cf;
  emit(dir, "confirm", &env);
  emit_edges(dir);
  return 0;
}
