/* SPDX-License-Identifier: MIT */
/* sbctl raw, the developer harness, against an in-process server: a real
 * sb_server whose connections run the server handshake and an sb_rpc
 * that echoes pings, answers notifications and session lists, and holds
 * message boxes open until their deadline (so requests stay outstanding).
 * Each scenario of tests/scenarios is run through the sbctl binary and its
 * exit code checked; after each one a legitimate client on a new
 * connection must still get its ping answered. */
#include "rig.h"
#include "sbtest.h"
#include "sbtest_run.h"
#include "sessionbridge.h"

#define HELD_MAX 64

typedef struct {
  sb_rpc_incoming_t *in;
  sb_rpc_t *rpc;
  uint64_t due;
} held_t;

static struct {
  sb_mutex_t *lock;
  held_t held[HELD_MAX];
  uint8_t key[32];
  char key_path[512];
  char ep[256];
  char sbctl[512];
  sb_server_t *srv;
} T;

static void respond_body(sb_rpc_t *rpc, sb_rpc_incoming_t *in) {
  Sbwire__V1__Response rsp = SBWIRE__V1__RESPONSE__INIT;
  Sbwire__V1__PingResponse p = SBWIRE__V1__PING_RESPONSE__INIT;
  Sbwire__V1__NotifyResponse nt = SBWIRE__V1__NOTIFY_RESPONSE__INIT;
  Sbwire__V1__SessionListResponse sl = SBWIRE__V1__SESSION_LIST_RESPONSE__INIT;
  switch (in->req->body_case) {
  case SBWIRE__V1__REQUEST__BODY_PING:
    p.payload = in->req->ping->payload;
    rsp.body_case = SBWIRE__V1__RESPONSE__BODY_PING;
    rsp.ping = &p;
    break;
  case SBWIRE__V1__REQUEST__BODY_NOTIFY:
    nt.shown = 1;
    rsp.body_case = SBWIRE__V1__RESPONSE__BODY_NOTIFY;
    rsp.notify = &nt;
    break;
  case SBWIRE__V1__REQUEST__BODY_SESSION_LIST:
    rsp.body_case = SBWIRE__V1__RESPONSE__BODY_SESSION_LIST;
    rsp.session_list = &sl;
    break;
  default:
    sb_rpc_respond_error(rpc, in, SB_EOS, "not in this test server");
    return;
  }
  sb_rpc_respond(rpc, in, &rsp, NULL, 0);
}

/* Runs on the rpc reader thread: answer at once, except message boxes,
 * which wait (in T.held) for their deadline like an unanswered dialog. */
static void on_request(void *arg, sb_rpc_t *rpc, sb_rpc_incoming_t *in) {
  (void)arg;
  if (in->req->body_case != SBWIRE__V1__REQUEST__BODY_MESSAGE_BOX) {
    respond_body(rpc, in);
    return;
  }
  sb_mutex_lock(T.lock);
  for (int i = 0; i < HELD_MAX; i++)
    if (!T.held[i].in) {
      T.held[i].in = in;
      T.held[i].rpc = rpc;
      T.held[i].due = sb_now_ms() + in->req->deadline_ms;
      in = NULL;
      break;
    }
  sb_mutex_unlock(T.lock);
  if (in)
    sb_rpc_respond_error(rpc, in, SB_EBUSY, "test server full");
}

/* Answer (TIMEOUT) or, when the connection is going away, forget the
 * message boxes of rpc that are due. */
static void expire_held(sb_rpc_t *rpc, int all) {
  uint64_t now = sb_now_ms();
  sb_mutex_lock(T.lock);
  for (int i = 0; i < HELD_MAX; i++) {
    held_t *h = &T.held[i];
    if (!h->in || h->rpc != rpc || (!all && now < h->due))
      continue;
    if (all)
      sb_rpc_incoming_free(h->in);
    else
      sb_rpc_respond_error(rpc, h->in, SB_ETIMEDOUT, NULL);
    h->in = NULL;
  }
  sb_mutex_unlock(T.lock);
}

static void on_conn(void *arg, sb_stream_t *s) {
  sb_io_t io = sb_stream_io(s);
  sb_channel_opts_t o = {SB_ROLE_SERVER, T.key, 2000, 2000};
  sb_channel_t *ch = NULL;
  sb_rpc_t *rpc = NULL;
  (void)arg;
  if (sb_channel_new(&ch, &io, &o))
    return;
  if (sb_channel_handshake(ch)) {
    sb_channel_free(ch);
    return;
  }
  sb_rpc_opts_t ro = {on_request, NULL, NULL, s, 0, 0};
  if (sb_rpc_start(&rpc, ch, &ro)) {
    sb_channel_free(ch);
    return;
  }
  while (!sb_rpc_closed(rpc)) {
    expire_held(rpc, 0);
    sb_sleep_ms(10);
  }
  expire_held(rpc, 1);
  sb_rpc_stop(rpc);
}

static void start(void) {
  FILE *f;
  memset(&T, 0, sizeof T);
  CHECK_OK(sb_init());
  CHECK_OK(sb_mutex_new(&T.lock));
  sb_random(T.key, sizeof T.key);
  snprintf(T.key_path, sizeof T.key_path, "%s/raw.key", sbtest_tmpdir());
  f = fopen(T.key_path, "wb");
  CHECK(f != NULL);
  CHECK_EQ(fwrite(T.key, 1, sizeof T.key, f), sizeof T.key);
  fclose(f);
  sbtest_bin_path("sbctl", T.sbctl, sizeof T.sbctl);
  T.srv = sbt_serve("raw", T.ep, sizeof T.ep, 16, on_conn);
}

static void stop(void) {
  sb_server_stop(T.srv);
  sb_mutex_free(T.lock);
}

/* A legitimate client on a new connection: handshake, ping, pong. */
static void check_ping(void) {
  sb_stream_t *s;
  sb_channel_t *ch;
  sb_rpc_t *rpc;
  sb_rpc_result_t res;
  Sbwire__V1__Request req = SBWIRE__V1__REQUEST__INIT;
  Sbwire__V1__PingRequest p = SBWIRE__V1__PING_REQUEST__INIT;
  CHECK_OK(sb_stream_connect(&s, T.ep, sbtest_ms(5000)));
  sb_io_t io = sb_stream_io(s);
  sb_channel_opts_t o = {SB_ROLE_CLIENT, T.key, sbtest_ms(5000),
                         sbtest_ms(5000)};
  CHECK_OK(sb_channel_new(&ch, &io, &o));
  CHECK_OK(sb_channel_handshake(ch));
  sb_rpc_opts_t ro = {NULL, NULL, NULL, s, 0, 0};
  CHECK_OK(sb_rpc_start(&rpc, ch, &ro));
  p.payload.data = (uint8_t *)"still here";
  p.payload.len = 10;
  req.session_id = 1;
  req.body_case = SBWIRE__V1__REQUEST__BODY_PING;
  req.ping = &p;
  CHECK_OK(sb_rpc_call(rpc, &req, (uint32_t)sbtest_ms(5000), NULL, 0, &res));
  CHECK_OK(sb_rpc_result_err(&res, NULL));
  CHECK_EQ(res.env->response->ping->payload.len, 10);
  sb_rpc_result_free(&res);
  sb_rpc_stop(rpc);
  sb_stream_close(s);
}

/* sbctl --pipe EP --key K raw FILE; returns its exit code. */
static int run_raw(const char *scenario) {
  const char *args[] = {"--pipe", T.ep, "--key", T.key_path, "raw", scenario,
                        NULL};
  printf("--- %s\n", scenario);
  return sbtest_run_program(T.sbctl, args, sbtest_ms(40000));
}

static void run_scenarios(const char *const *names) {
  char path[600];
  start();
  for (; *names; names++) {
    snprintf(path, sizeof path, "%s/tests/scenarios/%s.sb", SB_SOURCE_DIR,
             *names);
    int rc = run_raw(path);
    if (rc != 0) {
      fprintf(stderr, "scenario %s: exit %d\n", *names, rc);
      CHECK_EQ(rc, 0);
    }
    check_ping();
  }
  stop();
}

static void write_file(const char *path, const char *text) {
  FILE *f = fopen(path, "wb");
  CHECK(f != NULL);
  fputs(text, f);
  fclose(f);
}

SB_TEST(raw_scenarios_framing) {
  static const char *const s[] = {
      "01-length-zero", "01b-length-16-after-handshake",
      "02-max-frame-plus-one", "03-length-ffffffff",
      "04-header-one-byte-per-write", "05-three-header-bytes-then-eof",
      "06-short-body-then-eof", "07-stalled-frame", "09-two-frames-one-write",
      "10-garbage-before-hello", NULL};
  run_scenarios(s);
}

SB_TEST(raw_scenarios_crypto) {
  static const char *const s[] = {
      "11-unsupported-version", "12-wrong-psk", "13-bit-flip",
      "14-length-byte-flip", "15-replayed-frame", "15b-deleted-frame",
      "15c-swapped-frames", "16-session-replayed", "17-reflected-frame",
      "18-frame-after-final", "42-no-handshake-no-service", NULL};
  run_scenarios(s);
}

SB_TEST(raw_scenarios_decode) {
  static const char *const s[] = {
      "19-upload-cut-off", "20-random-payload", "21-unknown-field",
      "23-packed-elements", "24-inner-length-2e31", "25-truncated-varint",
      "26-enum-out-of-range", "26b-oneof-unset", "27-invalid-notify",
      "28-screenshot-overflow", "29-chunk-beyond-total", "29b-total-over-cap",
      "30-clipboard-cap", "31-unknown-request-id", "31c-even-request-id",
      NULL};
  run_scenarios(s);
}

/* Cases that need requests to stay outstanding (held message boxes) or
 * an immediate echo: only this server provides both. */
SB_TEST(raw_scenarios_limits) {
  static const char *const s[] = {"local/31b-request-id-in-flight",
                                  "local/32-seventeenth-request",
                                  "local/33-peer-never-reads", NULL};
  run_scenarios(s);
}

/* Exit codes: 0 when every expectation held, 3 when one failed, 2 when the
 * endpoint is unreachable, 1 for a bad scenario line. */
SB_TEST(raw_exit_codes) {
  char ok[600], failing[600], bad[600], nokey[600];
  start();
  snprintf(ok, sizeof ok, "%s/ok.sb", sbtest_tmpdir());
  snprintf(failing, sizeof failing, "%s/failing.sb", sbtest_tmpdir());
  snprintf(bad, sizeof bad, "%s/bad.sb", sbtest_tmpdir());
  snprintf(nokey, sizeof nokey, "%s/nokey.sb", sbtest_tmpdir());
  write_file(ok, "# every kind of step that needs no failure\n"
                 "handshake\n"
                 "send request id=1 ping payload=616263\n"
                 "expect-response ping\n"
                 "send request id=auto notify title=a%20b text=\n"
                 "recv 2000\n"
                 "send request id=5 info\n"
                 "expect error 2000\n"
                 "expect-nothing 100\n"
                 "close-final\n"
                 "expect-closed 2000\n");
  write_file(failing, "handshake\n"
                      "send request id=1 ping\n"
                      "expect-error BUSY 2000\n");
  write_file(bad, "handshake\n"
                  "send request id=1 pnig\n"
                  "expect-response\n");
  write_file(nokey, "handshake wrong-key\n"
                    "expect-handshake-failed\n"
                    "expect-response 500\n");
  CHECK_EQ(run_raw(ok), 0);
  CHECK_EQ(run_raw(failing), 3);
  CHECK_EQ(run_raw(bad), 1);
  CHECK_EQ(run_raw(nokey), 3);
  check_ping();
  /* Nobody listening. */
  const char *args[] = {"--pipe", "", "--key", T.key_path, "raw", ok, NULL};
  char gone[300];
  sbtest_endpoint("raw-nobody", gone, sizeof gone);
  args[1] = gone;
  CHECK_EQ(sbtest_run_program(T.sbctl, args, sbtest_ms(20000)), 2);
  stop();
}
