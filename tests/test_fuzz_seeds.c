/* `sbtest --helper fuzz_seeds DIR` writes the seed corpus of the fuzz
 * targets (tests/fuzz/corpus/{frame,msg,channel}): one valid envelope of
 * every kind, framed and unframed, and channel scripts that seal them. */
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
  rec[0] = 0;
  rec[1] = (uint8_t)len;
  rec[2] = (uint8_t)(len >> 8);
  memcpy(rec + 3, buf, len);
  put(dir, "channel", name, rec, 3 + len);
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
  cs.transfer_id = 1;
  cs.total_size = 5000;
  req.body_case = SBWIRE__V1__REQUEST__BODY_CLIPBOARD_SET;
  req.clipboard_set = &cs;
  emit(dir, "req-clipset-transfer", &env);
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
  sr.transfer_id = 1;
  sr.total_size = 3000000;
  rsp.body_case = SBWIRE__V1__RESPONSE__BODY_SCREENSHOT;
  rsp.screenshot = &sr;
  emit(dir, "rsp-screenshot", &env);

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
  h.version = 1;
  h.kx_public_key.data = pk;
  h.kx_public_key.len = 32;
  h.nonce.data = nonce;
  h.nonce.len = 32;
  h.role = SBWIRE__V1__ROLE__ROLE_CLIENT;
  env.request_id = 0;
  env.body_case = SBWIRE__V1__ENVELOPE__BODY_HELLO;
  env.hello = &h;
  emit(dir, "hello", &env);
  return 0;
}
