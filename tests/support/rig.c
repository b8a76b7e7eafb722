/* SPDX-License-Identifier: MIT */
#include "rig.h"

#include "sbtest.h"

sb_server_t *sbt_serve(const char *tag, char *ep, size_t cap, int max,
                       sb_server_conn_fn fn) {
  return sbt_serve_arg(tag, ep, cap, max, fn, NULL);
}

sb_server_t *sbt_serve_arg(const char *tag, char *ep, size_t cap, int max,
                           sb_server_conn_fn fn, void *arg) {
  sb_server_t *srv = NULL;
  sb_server_opts_t o;
  memset(&o, 0, sizeof o);
  sbtest_endpoint(tag, ep, cap);
  o.endpoint = ep;
  o.listen.sddl = "D:P(A;;GA;;;SY)(A;;GA;;;BA)(A;;GA;;;WD)";
  o.listen.mode = 0600;
  o.listen.gid = -1;
  o.max_connections = max;
  o.on_conn = fn;
  o.arg = arg;
  CHECK_OK(sb_server_start(&srv, &o));
  return srv;
}

int sbt_wait_server(sb_server_t *srv, int active, uint64_t refused, int ms) {
  for (int i = 0; i < ms / 10; i++) {
    if ((active < 0 || sb_server_active(srv) == active) &&
        sb_server_refused(srv) >= refused)
      return 1;
    sb_sleep_ms(10);
  }
  return 0;
}

void sbt_hold(void *arg, sb_stream_t *s) {
  uint8_t b;
  size_t n;
  (void)arg;
  while (sb_stream_read(s, &b, 1, &n, -1) == 0)
    ;
}

sb_rpc_t *sbt_connect_rpc(const char *ep, const uint8_t *key,
                          sb_rpc_request_fn fn, sb_stream_t **s) {
  sb_channel_t *ch = NULL;
  sb_rpc_t *rpc = NULL;
  sb_channel_opts_t o;
  memset(&o, 0, sizeof o);
  o.role = SB_ROLE_CLIENT;
  o.psk = key;
  CHECK_OK(sb_stream_connect(s, ep, sbtest_ms(5000)));
  sb_io_t io = sb_stream_io(*s);
  CHECK_OK(sb_channel_new(&ch, &io, &o));
  CHECK_OK(sb_channel_handshake(ch));
  sb_rpc_opts_t ro = {fn, NULL, NULL, *s, 0, fn == NULL};
  CHECK_OK(sb_rpc_start(&rpc, ch, &ro));
  return rpc;
}

int sbt_answer_ping(sb_rpc_t *rpc, sb_rpc_incoming_t *in) {
  Sbwire__V1__Response rsp = SBWIRE__V1__RESPONSE__INIT;
  Sbwire__V1__PingResponse p = SBWIRE__V1__PING_RESPONSE__INIT;
  p.payload = in->req->ping->payload;
  rsp.body_case = SBWIRE__V1__RESPONSE__BODY_PING;
  rsp.ping = &p;
  return sb_rpc_respond(rpc, in, &rsp, NULL, 0);
}

void sbt_pong(void *arg, sb_rpc_t *rpc, sb_rpc_incoming_t *in) {
  (void)arg;
  (void)sbt_answer_ping(rpc, in);
}

void sbt_clip_set(Sbwire__V1__Request *req, Sbwire__V1__ClipboardSetRequest *cs,
                  uint64_t tid, uint64_t total, const char *text) {
  *req = (Sbwire__V1__Request)SBWIRE__V1__REQUEST__INIT;
  *cs = (Sbwire__V1__ClipboardSetRequest)SBWIRE__V1__CLIPBOARD_SET_REQUEST__INIT;
  req->transfer_id = tid;
  req->total_size = total;
  if (text) {
    cs->data.data = (uint8_t *)text;
    cs->data.len = strlen(text);
  }
  req->body_case = SBWIRE__V1__REQUEST__BODY_CLIPBOARD_SET;
  req->clipboard_set = cs;
}

int sbt_answer_cancel(sb_rpc_t *rpc, sb_rpc_incoming_t *in) {
  Sbwire__V1__Response rsp = SBWIRE__V1__RESPONSE__INIT;
  Sbwire__V1__CancelResponse c = SBWIRE__V1__CANCEL_RESPONSE__INIT;
  rsp.body_case = SBWIRE__V1__RESPONSE__BODY_CANCEL;
  rsp.cancel = &c;
  return sb_rpc_respond(rpc, in, &rsp, NULL, 0);
}

void sbt_shot_all(Sbwire__V1__Request *req, Sbwire__V1__ScreenshotRequest *s) {
  *req = (Sbwire__V1__Request)SBWIRE__V1__REQUEST__INIT;
  *s = (Sbwire__V1__ScreenshotRequest)SBWIRE__V1__SCREENSHOT_REQUEST__INIT;
  s->target_case = SBWIRE__V1__SCREENSHOT_REQUEST__TARGET_VIRTUAL_SCREEN;
  s->virtual_screen = 1;
  req->body_case = SBWIRE__V1__REQUEST__BODY_SCREENSHOT;
  req->screenshot = s;
}

void sbt_chunk_env(Sbwire__V1__Envelope *env, Sbwire__V1__TransferChunk *c,
                   uint64_t id, uint64_t off, const uint8_t *data, size_t len,
                   int last) {
  *env = (Sbwire__V1__Envelope)SBWIRE__V1__ENVELOPE__INIT;
  *c = (Sbwire__V1__TransferChunk)SBWIRE__V1__TRANSFER_CHUNK__INIT;
  c->transfer_id = id;
  c->offset = off;
  c->data.data = (uint8_t *)data;
  c->data.len = len;
  c->last = last;
  env->request_id = id;
  env->body_case = SBWIRE__V1__ENVELOPE__BODY_CHUNK;
  env->chunk = c;
}
