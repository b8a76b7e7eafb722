/* SPDX-License-Identifier: MIT */
#include "ctl_rig.h"

#include <stdio.h>
#include <string.h>

#include "rig.h"
#include "sbtest.h"
#include "sbtest_run.h"

static const uint8_t agent_key[SB_PSK_SIZE] = {0xa6, 0x21};
static const uint8_t control_key[SB_PSK_SIZE] = {0xc0, 0x21};

static struct {
  sb_mutex_t *lock;
  sbt_ctl_mode_t mode;
  int size_unknown;
  uint8_t set[4096]; /* the last clipboard_set's bytes (the first 4096) */
  size_t set_len;
} A;

uint8_t sbt_ctl_byte(uint64_t at) { return (uint8_t)(at * 13 + (at >> 10)); }

static void send_chunk(sb_rpc_t *rpc, uint64_t id, int i) {
  static uint8_t buf[SBT_CTL_PIECE];
  Sbwire__V1__Envelope env;
  Sbwire__V1__TransferChunk c;
  uint64_t off = (uint64_t)i * SBT_CTL_PIECE;
  for (size_t k = 0; k < SBT_CTL_PIECE; k++)
    buf[k] = sbt_ctl_byte(off + k);
  sbt_chunk_env(&env, &c, id, off, buf, SBT_CTL_PIECE,
                i == SBT_CTL_PIECES - 1);
  CHECK_OK(sb_rpc_send_raw(rpc, &env));
}

/* The agent: a download declared in the answer's own envelope, its first
 * piece, and the rest or an Error. Raw envelopes, so that the test, not
 * the library, decides what goes out. */
static void agent_fn(void *arg, sb_rpc_t *rpc, sb_rpc_incoming_t *in) {
  Sbwire__V1__Envelope env = SBWIRE__V1__ENVELOPE__INIT;
  Sbwire__V1__Response rsp = SBWIRE__V1__RESPONSE__INIT;
  Sbwire__V1__ScreenshotResponse s = SBWIRE__V1__SCREENSHOT_RESPONSE__INIT;
  Sbwire__V1__ClipboardGetResponse cg =
      SBWIRE__V1__CLIPBOARD_GET_RESPONSE__INIT;
  (void)arg;
  switch (in->req->body_case) {
  case SBWIRE__V1__REQUEST__BODY_SCREENSHOT:
    s.width = 5;
    s.height = 4;
    rsp.body_case = SBWIRE__V1__RESPONSE__BODY_SCREENSHOT;
    rsp.screenshot = &s;
    break;
  case SBWIRE__V1__REQUEST__BODY_CLIPBOARD_GET:
    cg.format = in->req->clipboard_get->format;
    rsp.body_case = SBWIRE__V1__RESPONSE__BODY_CLIPBOARD_GET;
    rsp.clipboard_get = &cg;
    break;
  case SBWIRE__V1__REQUEST__BODY_CLIPBOARD_SET: {
    Sbwire__V1__ClipboardSetResponse cs =
        SBWIRE__V1__CLIPBOARD_SET_RESPONSE__INIT;
    const ProtobufCBinaryData *d = &in->req->clipboard_set->data;
    const uint8_t *p = in->data ? in->data : d->data;
    size_t len = in->data ? in->len : d->len;
    sb_mutex_lock(A.lock);
    A.set_len = len;
    memcpy(A.set, p, len < sizeof A.set ? len : sizeof A.set);
    sb_mutex_unlock(A.lock);
    rsp.body_case = SBWIRE__V1__RESPONSE__BODY_CLIPBOARD_SET;
    rsp.clipboard_set = &cs;
    sb_rpc_respond(rpc, in, &rsp, NULL, 0);
    return;
  }
  default:
    sb_rpc_respond_error(rpc, in, SB_EINVAL, "not asked of this agent");
    return;
  }
  sb_mutex_lock(A.lock);
  sbt_ctl_mode_t mode = A.mode;
  int unknown = A.size_unknown;
  sb_mutex_unlock(A.lock);
  rsp.transfer_id = in->id;
  rsp.total_size = unknown ? 0 : (uint64_t)SBT_CTL_PIECES * SBT_CTL_PIECE;
  rsp.size_unknown = unknown;
  env.request_id = in->id;
  env.body_case = SBWIRE__V1__ENVELOPE__BODY_RESPONSE;
  env.response = &rsp;
  CHECK_OK(sb_rpc_send_raw(rpc, &env));
  send_chunk(rpc, in->id, 0);
  if (mode == SBT_CTL_ENDS_EARLY) {
    Sbwire__V1__Envelope ee = SBWIRE__V1__ENVELOPE__INIT;
    Sbwire__V1__Error e = SBWIRE__V1__ERROR__INIT;
    e.status = SBWIRE__V1__STATUS__STATUS_INTERNAL;
    e.detail = SBT_CTL_DETAIL;
    ee.request_id = in->id;
    ee.body_case = SBWIRE__V1__ENVELOPE__BODY_ERROR;
    ee.error = &e;
    CHECK_OK(sb_rpc_send_raw(rpc, &ee));
  } else {
    for (int i = 1; i < SBT_CTL_PIECES; i++)
      send_chunk(rpc, in->id, i);
  }
  sb_rpc_incoming_free(in);
}

size_t sbt_ctl_last_set(uint8_t *buf, size_t cap) {
  sb_mutex_lock(A.lock);
  size_t n = A.set_len, k = n;
  if (k > cap)
    k = cap;
  if (k > sizeof A.set)
    k = sizeof A.set;
  memcpy(buf, A.set, k);
  sb_mutex_unlock(A.lock);
  return n;
}

void sbt_ctl_size_unknown(int on) {
  sb_mutex_lock(A.lock);
  A.size_unknown = on;
  sb_mutex_unlock(A.lock);
}

void sbt_ctl_mode(sbt_ctl_mode_t mode) {
  sb_mutex_lock(A.lock);
  A.mode = mode;
  sb_mutex_unlock(A.lock);
}

void sbt_ctl_start(sbt_ctl_rig_t *t, const char *tag, sbt_ctl_mode_t mode) {
  FILE *f;
  memset(t, 0, sizeof *t);
  CHECK_OK(sb_mutex_new(&A.lock));
  A.mode = mode;
  sbt_router_rig_start(&t->r, tag, 8, agent_key, control_key, agent_fn);
  snprintf(t->key, sizeof t->key, "%s/%s-control.key", sbtest_tmpdir(), tag);
  snprintf(t->log, sizeof t->log, "%s/%s-sbctl.out", sbtest_tmpdir(), tag);
  CHECK((f = fopen(t->key, "wb")) != NULL);
  CHECK_EQ(fwrite(control_key, 1, sizeof control_key, f), sizeof control_key);
  CHECK_EQ(fclose(f), 0);
  sbtest_bin_path("sbctl", t->sbctl, sizeof t->sbctl);
}

int sbt_ctl_run(sbt_ctl_rig_t *t, const char *const *args, char *out,
                size_t cap) {
  const char *argv[24];
  char script[512];
  size_t n = 0, first, got = 0;
  FILE *f;
  if (t->prelude) {
    /* $0 is sbctl, "$@" its arguments. */
    snprintf(script, sizeof script, "%s; exec \"$0\" \"$@\"", t->prelude);
    argv[n++] = "-c";
    argv[n++] = script;
    argv[n++] = t->sbctl;
  }
  argv[n++] = "--pipe";
  argv[n++] = t->r.control_ep;
  argv[n++] = "--key";
  argv[n++] = t->key;
  argv[n++] = "--session";
  argv[n++] = "1";
  first = n;
  for (; *args; args++) {
    CHECK(n < 23);
    argv[n++] = *args;
  }
  argv[n] = NULL;
  int rc = sbtest_run_program_env(t->prelude ? "/bin/sh" : t->sbctl, argv,
                                  NULL, NULL, t->log, sbtest_ms(20000));
  if ((f = fopen(t->log, "rb")) != NULL) {
    got = fread(out, 1, cap - 1, f);
    fclose(f);
  }
  out[got] = '\0';
  fprintf(stderr, "%s%ssbctl", t->prelude ? t->prelude : "",
          t->prelude ? "; " : "");
  for (size_t i = first; i < n; i++)
    fprintf(stderr, " %s", argv[i]);
  fprintf(stderr, ": exit %d\n%.400s\n", rc, out);
  return rc;
}

void sbt_ctl_stop(sbt_ctl_rig_t *t) {
  sbt_router_rig_stop(&t->r);
  sb_mutex_free(A.lock);
  memset(&A, 0, sizeof A);
}

int sbt_ctl_file_whole(const char *path) {
  return sbt_ctl_fp_whole(fopen(path, "rb"));
}

int sbt_ctl_fp_whole(FILE *f) {
  uint64_t at = 0;
  int c, ok = f != NULL;
  while (ok && (c = fgetc(f)) != EOF)
    ok = (uint8_t)c == sbt_ctl_byte(at++);
  if (f)
    fclose(f);
  return ok && at == (uint64_t)SBT_CTL_PIECES * SBT_CTL_PIECE;
}

void sbt_ctl_write(const char *path, const char *s) {
  FILE *f = fopen(path, "wb");
  CHECK(f != NULL);
  CHECK_EQ(fwrite(s, 1, strlen(s), f), strlen(s));
  CHECK_EQ(fclose(f), 0);
}

int sbt_ctl_file_is(const char *path, const char *s) {
  char buf[256];
  FILE *f = fopen(path, "rb");
  if (!f)
    return 0;
  size_t n = fread(buf, 1, sizeof buf, f);
  fclose(f);
  return n == strlen(s) && memcmp(buf, s, n) == 0;
}
