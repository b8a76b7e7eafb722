/* SPDX-License-Identifier: MIT */
/* sbctl raw: the developer harness. Runs a scenario (one step per line,
 * `#` starts a comment) against an endpoint and prints every step and
 * what came back, decoded. Exit 0 when every expect step held, 3 when one
 * did not, 2 when the endpoint cannot be reached, 1 for a bad scenario.
 * There is no way around the handshake: envelopes are only ever sent
 * sealed by a real client channel that authenticated with --key.
 *
 * Raw bytes (before, instead of or besides the handshake):
 *   connect | reconnect          open the endpoint (implied by any step that
 *                                needs it) | close it and open a new one
 *   send-hex HEX                 bytes as they are
 *   send-slow HEX [MS]           one byte per write, MS (2) apart
 *   hello VERSION                a plaintext Hello of that version
 *   replay-transcript            everything written on the previous
 *                                connection (handshake included)
 *   shutdown                     close our end
 * Sealed (after `handshake [wrong-key]`, the real client handshake):
 *   send ENVELOPE                a hand-built envelope (grammar in raw.h):
 *                                request id=1 ping payload=616263,
 *                                chunk id=5 offset=0 data=00ff last=1,
 *                                response id=2 ping, error id=2 status=BUSY
 *   sealed-hex HEX               arbitrary plaintext
 *   sealed-repeat HEX UNIT N     plaintext HEX followed by UNIT N times
 *                                (large hostile messages, e.g. case 23)
 *   close-final                  TAG_FINAL
 *   after-final ENVELOPE         seal ENVELOPE, send TAG_FINAL, then it
 *   corrupt flip-bit N | set-length N | length DELTA | replay | drop |
 *           reorder | join | reflect | slow MS
 *                                applies to the next sealed frame: flip
 *                                bit N of it (header included), write N
 *                                or add DELTA to its length, send it
 *                                twice, not at all, after the frame that
 *                                follows it, in one write with the one
 *                                that follows it, replaced by the last
 *                                frame the server sent, one byte per write
 *   reflect                      send the last server frame back now
 * Time and checks:
 *   stall MS | recv [MS] | repeat N STEP...
 *   expect-closed [MS] | expect-error STATUS [MS] |
 *   expect-response [KIND] [MS] | expect-nothing MS |
 *   expect-handshake-failed      (`expect closed` etc. also work)
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "raw.h"
#include "sbctl.h"

#define RAW_WRITE_MS 5000
#define RAW_EXPECT_MS 3000
#define RAW_BAD_STEP (-1000) /* the scenario is wrong, not the peer */
#define RAW_NO_CONNECT (-1001)

typedef struct {
  uint8_t *p;
  size_t len, cap;
} buf_t;

typedef struct {
  sb_stream_t *s;
  sb_channel_t *ch;
  const char *endpoint;
  uint8_t key[32];
  int capturing; /* after the handshake every sealed frame is captured */
  buf_t cap;     /* the sealed frame being sent */
  buf_t wrote;   /* transcript of this connection */
  buf_t prev;    /* transcript of the previous connection */
  buf_t rd;      /* server bytes not yet split into frames */
  buf_t last;    /* the last whole frame the server sent */
  buf_t held;    /* a frame held back for reorder / join */
  /* Modifiers for the next sealed frame. */
  long flip_bit, set_len, len_delta, slow_ms;
  int replay, drop, reorder, join, reflect_next;
  int held_for_reorder;
  int hs_failed;
  int failures;
  uint64_t next_id;
} raw_t;

static int buf_add(buf_t *b, const void *p, size_t n) {
  if (b->len + n > b->cap) {
    size_t c = (b->len + n) * 2;
    uint8_t *q = realloc(b->p, c);
    if (!q)
      return SB_ENOMEM;
    b->p = q;
    b->cap = c;
  }
  memcpy(b->p + b->len, p, n);
  b->len += n;
  return 0;
}

static void buf_free(buf_t *b) {
  free(b->p);
  memset(b, 0, sizeof *b);
}

static void reset_mods(raw_t *r) {
  r->flip_bit = r->set_len = -1;
  r->len_delta = r->slow_ms = 0;
  r->replay = r->drop = r->reorder = r->reflect_next = 0;
}

/* Every byte to the server goes through here, so a session can be
 * replayed on a new connection (case 16). */
static int wire_write(raw_t *r, const uint8_t *p, size_t n, long slow_ms) {
  int err = buf_add(&r->wrote, p, n);
  if (err)
    return err;
  if (!slow_ms)
    return sb_stream_write(r->s, p, n, RAW_WRITE_MS);
  for (size_t i = 0; i < n && !err; i++) {
    err = sb_stream_write(r->s, p + i, 1, RAW_WRITE_MS);
    sb_sleep_ms((unsigned)slow_ms);
  }
  return err;
}

static int cap_write(void *ctx, const void *buf, size_t len, int timeout_ms) {
  raw_t *r = ctx;
  (void)timeout_ms;
  if (!r->capturing)
    return wire_write(r, buf, len, 0);
  return buf_add(&r->cap, buf, len);
}

/* Reads for the channel; keeps a copy of the last whole server frame so
 * it can be reflected back (case 17). */
static int cap_read(void *ctx, void *buf, size_t len, size_t *n, int ms) {
  raw_t *r = ctx;
  int err = sb_stream_read(r->s, buf, len, n, ms);
  if (err || buf_add(&r->rd, buf, *n))
    return err;
  while (r->rd.len >= 4) {
    size_t flen = 4 + ((size_t)r->rd.p[0] | (size_t)r->rd.p[1] << 8 |
                       (size_t)r->rd.p[2] << 16 | (size_t)r->rd.p[3] << 24);
    if (flen > 4 + SB_FRAME_MAX) {
      r->rd.len = 0; /* not frames: nothing sensible to reflect */
      break;
    }
    if (r->rd.len < flen)
      break;
    r->last.len = 0;
    if (buf_add(&r->last, r->rd.p, flen))
      break;
    memmove(r->rd.p, r->rd.p + flen, r->rd.len - flen);
    r->rd.len -= flen;
  }
  return 0;
}

static int ensure_connected(raw_t *r) {
  if (r->s)
    return 0;
  int err = sb_stream_connect(&r->s, r->endpoint, RAW_WRITE_MS);
  if (err)
    printf("  connect %s: %s\n", r->endpoint, sb_strerror(err));
  return err;
}

static void disconnect(raw_t *r) {
  sb_channel_free(r->ch);
  r->ch = NULL;
  if (r->s)
    sb_stream_close(r->s);
  r->s = NULL;
  r->capturing = 0;
  /* The transcript of this connection becomes the replayable one. */
  buf_free(&r->prev);
  r->prev = r->wrote;
  memset(&r->wrote, 0, sizeof r->wrote);
  r->rd.len = r->last.len = r->held.len = 0;
  r->held_for_reorder = r->join = 0;
  reset_mods(r);
}

/* Write the sealed frame the channel just produced, with the pending
 * modifiers applied. */
static int flush(raw_t *r) {
  int err = 0;
  uint8_t *p = r->cap.p;
  size_t n = r->cap.len;
  r->cap.len = 0;
  if (!n)
    return 0;
  if (r->reflect_next) {
    if (!r->last.len) {
      printf("  (no server frame to reflect; nothing sent)\n");
      goto done;
    }
    p = r->last.p;
    n = r->last.len;
    printf("  (sending the server's last %zu-byte frame instead)\n", n);
  }
  if (r->flip_bit >= 0 && (size_t)r->flip_bit / 8 < n)
    p[r->flip_bit / 8] ^= (uint8_t)(1u << (r->flip_bit % 8));
  if ((r->set_len >= 0 || r->len_delta) && n >= 4) {
    uint32_t l = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
                 (uint32_t)p[3] << 24;
    l = r->set_len >= 0 ? (uint32_t)r->set_len : l + (uint32_t)r->len_delta;
    sb_frame_write_header(p, l);
  }
  if (r->drop) {
    printf("  (frame of %zu bytes dropped)\n", n);
    goto done;
  }
  if (r->reorder) {
    r->held.len = 0;
    err = buf_add(&r->held, p, n);
    r->held_for_reorder = 1;
    printf("  (frame of %zu bytes held back)\n", n);
    goto done;
  }
  if (r->join) {
    err = buf_add(&r->held, p, n);
    if (!err && --r->join == 0) {
      printf("  (%zu bytes of frames in one write)\n", r->held.len);
      err = wire_write(r, r->held.p, r->held.len, 0);
      r->held.len = 0;
    }
    goto done;
  }
  err = wire_write(r, p, n, r->slow_ms);
  if (!err && r->replay) {
    printf("  (frame of %zu bytes sent twice)\n", n);
    err = wire_write(r, p, n, 0);
  }
  if (!err && r->held_for_reorder) {
    printf("  (held frame of %zu bytes sent after it)\n", r->held.len);
    err = wire_write(r, r->held.p, r->held.len, 0);
    r->held.len = 0;
    r->held_for_reorder = 0;
  }
done:
  reset_mods(r);
  return err;
}

/* One envelope, or the end of the connection, within ms. Returns 0 with
 * *out set, SB_ETIMEDOUT, or the error that ended the connection. Before a
 * handshake, raw bytes are read and shown instead (*out stays NULL). */
static int recv_one(raw_t *r, int ms, sb_msg_t **out) {
  *out = NULL;
  if (!r->s)
    return SB_EOF;
  if (r->ch) {
    int err = sb_channel_recv_envelope(r->ch, out, ms, NULL);
    if (!err)
      raw_env_print(sb_msg_envelope(*out));
    else if (err != SB_ETIMEDOUT || sb_channel_error(r->ch))
      printf("  <- connection ended: %s\n",
             sb_err_name(err == SB_ETIMEDOUT ? sb_channel_error(r->ch) : err));
    return err == SB_ETIMEDOUT && sb_channel_error(r->ch)
               ? sb_channel_error(r->ch)
               : err;
  }
  uint8_t b[512];
  size_t n;
  int err = sb_stream_read(r->s, b, sizeof b, &n, ms);
  if (err == SB_ETIMEDOUT)
    return err;
  if (err) {
    printf("  <- connection ended: %s\n", sb_err_name(err));
    return err;
  }
  printf("  <- %zu raw bytes:", n);
  for (size_t i = 0; i < n && i < 24; i++)
    printf(" %02x", b[i]);
  printf("%s\n", n > 24 ? " ..." : "");
  return 0;
}

/* The connection must end within ms; whatever arrives first is shown. */
static int wait_closed(raw_t *r, int ms) {
  uint64_t end = sb_now_ms() + (uint64_t)ms;
  for (;;) {
    uint64_t now = sb_now_ms();
    sb_msg_t *m;
    int err = recv_one(r, now >= end ? 0 : (int)(end - now), &m);
    sb_msg_free(m);
    if (err == SB_ETIMEDOUT)
      return 0;
    if (err)
      return 1;
  }
}

/* Next envelope that is not an event: a response (of kind, if given) or
 * an error (with status, if given). */
static int expect_env(raw_t *r, int want_error, const char *what, int ms) {
  sb_msg_t *m = NULL;
  int ok = 0;
  if (!r->ch) {
    printf("  no channel to read from\n");
    return 0;
  }
  uint64_t end = sb_now_ms() + (uint64_t)ms;
  for (;;) {
    uint64_t now = sb_now_ms();
    int err = recv_one(r, now >= end ? 0 : (int)(end - now), &m);
    if (err) {
      if (err == SB_ETIMEDOUT)
        printf("  <- nothing within %d ms\n", ms);
      return 0;
    }
    if (sb_msg_envelope(m)->body_case != SBWIRE__V1__ENVELOPE__BODY_EVENT)
      break;
    sb_msg_free(m);
  }
  const sb_envelope_t *e = sb_msg_envelope(m);
  if (want_error)
    ok = e->body_case == SBWIRE__V1__ENVELOPE__BODY_ERROR &&
         (!what || strstr(sb_status_name(e->error->status), what));
  else
    ok = e->body_case == SBWIRE__V1__ENVELOPE__BODY_RESPONSE &&
         (!what || !strcmp(raw_response_name(e->response->body_case), what));
  sb_msg_free(m);
  return ok;
}

static int send_env(raw_t *r, char **a, int n, int after_final) {
  raw_env_t e;
  int err;
  if (!r->ch) {
    printf("  no handshake yet: nothing can be sealed\n");
    return RAW_BAD_STEP;
  }
  if (raw_env_parse(&e, a, n, &r->next_id))
    return RAW_BAD_STEP;
  err = sb_channel_send_envelope(r->ch, &e.env);
  raw_env_free(&e);
  if (err || !after_final)
    return err ? err : flush(r);
  /* Hold the sealed envelope, let TAG_FINAL go first, then send it. */
  buf_t env = r->cap;
  memset(&r->cap, 0, sizeof r->cap);
  err = sb_channel_close(r->ch);
  if (!err)
    err = flush(r);
  if (!err)
    err = wire_write(r, env.p, env.len, 0);
  buf_free(&env);
  return err;
}

static int step_corrupt(raw_t *r, char **a, int n) {
  const char *what = n >= 2 ? a[1] : "";
  long v = n >= 3 ? strtol(a[2], NULL, 0) : 0;
  if (!strcmp(what, "flip-bit") && n == 3)
    r->flip_bit = v;
  else if (!strcmp(what, "set-length") && n == 3)
    r->set_len = v;
  else if (!strcmp(what, "length") && n == 3)
    r->len_delta = v;
  else if (!strcmp(what, "slow") && n == 3)
    r->slow_ms = v;
  else if (!strcmp(what, "replay") && n == 2)
    r->replay = 1;
  else if (!strcmp(what, "drop") && n == 2)
    r->drop = 1;
  else if (!strcmp(what, "reorder") && n == 2)
    r->reorder = 1;
  else if (!strcmp(what, "join") && n == 2)
    r->join = 2;
  else if (!strcmp(what, "reflect") && n == 2)
    r->reflect_next = 1;
  else
    return RAW_BAD_STEP;
  return 0;
}

static int step_hello(raw_t *r, const char *version) {
  Sbwire__V1__Envelope env = SBWIRE__V1__ENVELOPE__INIT;
  Sbwire__V1__Hello h = SBWIRE__V1__HELLO__INIT;
  uint8_t pk[32], nonce[32], b[SB_HANDSHAKE_FRAME_MAX + 4];
  size_t len;
  sb_random(pk, sizeof pk);
  sb_random(nonce, sizeof nonce);
  h.version = (uint32_t)strtoul(version, NULL, 0);
  h.kx_public_key.data = pk;
  h.kx_public_key.len = sizeof pk;
  h.nonce.data = nonce;
  h.nonce.len = sizeof nonce;
  h.role = SBWIRE__V1__ROLE__ROLE_CLIENT;
  env.body_case = SBWIRE__V1__ENVELOPE__BODY_HELLO;
  env.hello = &h;
  if (sb_msg_pack_to(&env, b + 4, sizeof b - 4, &len))
    return RAW_BAD_STEP;
  sb_frame_write_header(b, (uint32_t)len);
  return wire_write(r, b, len + 4, 0);
}

static int step_handshake(raw_t *r, int wrong_key) {
  uint8_t key[32];
  sb_io_t io = {r, cap_read, cap_write};
  sb_channel_opts_t o = {SB_ROLE_CLIENT, key, 8000, 8000};
  if (r->ch) {
    printf("  already handshaken\n");
    return RAW_BAD_STEP;
  }
  memcpy(key, r->key, sizeof key);
  if (wrong_key)
    sb_random(key, sizeof key);
  int err = sb_channel_new(&r->ch, &io, &o);
  sb_memzero(key, sizeof key);
  if (!err)
    err = sb_channel_handshake(r->ch);
  printf("  handshake: %s\n", sb_err_name(err));
  r->hs_failed = err != 0;
  if (err) {
    sb_channel_free(r->ch);
    r->ch = NULL;
  }
  r->capturing = 1; /* from now on every sealed frame goes through flush */
  return 0;
}

static int step_expect(raw_t *r, const char *what, char **a, int n) {
  /* A trailing number is the time limit. */
  int ms = RAW_EXPECT_MS;
  if (n >= 1 && isdigit((unsigned char)a[n - 1][0])) {
    ms = atoi(a[n - 1]);
    n--;
  }
  int ok;
  if (!strcmp(what, "closed") && n == 0)
    ok = r->s ? wait_closed(r, ms) : 1;
  else if (!strcmp(what, "error") && n <= 1)
    ok = expect_env(r, 1, n ? a[0] : NULL, ms);
  else if (!strcmp(what, "response") && n <= 1)
    ok = expect_env(r, 0, n ? a[0] : NULL, ms);
  else if (!strcmp(what, "nothing") && n == 0) {
    sb_msg_t *m = NULL;
    int err = recv_one(r, ms, &m);
    sb_msg_free(m);
    ok = err == SB_ETIMEDOUT;
  } else if (!strcmp(what, "handshake-failed") && n == 0)
    ok = r->hs_failed;
  else
    return RAW_BAD_STEP;
  printf("  expect %s: %s\n", what, ok ? "ok" : "FAILED");
  if (!ok)
    r->failures++;
  return 0;
}

static int run_line(raw_t *r, char *line);

/* `repeat N STEP...`: the step text is copied for each run because
 * parsing it decodes escapes in place. */
static int step_repeat(raw_t *r, char **a, int n) {
  char text[4096] = "";
  long times = n >= 3 ? strtol(a[1], NULL, 10) : 0;
  if (times <= 0 || times > 100000)
    return RAW_BAD_STEP;
  for (int i = 2; i < n; i++) {
    strncat(text, a[i], sizeof text - strlen(text) - 2);
    strcat(text, " ");
  }
  for (long i = 0; i < times; i++) {
    char copy[4096];
    memcpy(copy, text, sizeof copy);
    int err = run_line(r, copy);
    if (err)
      return err;
  }
  return 0;
}

static int run_line(raw_t *r, char *line) {
  static uint8_t b[1 << 20];
  char *words[64], **a = words;
  int n = 0, err;
  for (char *t = strtok(line, " \t\r\n"); t && n < 64;
       t = strtok(NULL, " \t\r\n"))
    words[n++] = t;
  if (n == 0 || a[0][0] == '#')
    return 0;
  const char *cmd = a[0];
  char joined[64];
  /* `expect closed` is `expect-closed`. */
  if (!strcmp(cmd, "expect") && n >= 2) {
    snprintf(joined, sizeof joined, "expect-%s", a[1]);
    cmd = joined;
    a[1] = a[0];
    a++;
    n--;
  }
  if (strcmp(cmd, "repeat")) {
    printf("> %s", cmd);
    for (int i = 1; i < n; i++)
      printf(" %.60s%s", a[i], strlen(a[i]) > 60 ? "..." : "");
    printf("\n");
  }
  if (!strncmp(cmd, "expect-", 7))
    return step_expect(r, cmd + 7, a + 1, n - 1);
  if (!strcmp(cmd, "stall") && n == 2) {
    sb_sleep_ms((unsigned)atoi(a[1]));
    return 0;
  }
  if (!strcmp(cmd, "repeat"))
    return step_repeat(r, a, n);
  if (!strcmp(cmd, "corrupt"))
    return step_corrupt(r, a, n);
  if (!strcmp(cmd, "reconnect"))
    disconnect(r);
  if (!strcmp(cmd, "shutdown") && n == 1) {
    disconnect(r);
    return 0;
  }
  if (ensure_connected(r))
    return RAW_NO_CONNECT;
  if (!strcmp(cmd, "connect") || !strcmp(cmd, "reconnect"))
    return 0;
  if (!strcmp(cmd, "send-hex") && n == 2)
    return wire_write(r, b, raw_unhex(a[1], b, sizeof b), 0);
  if (!strcmp(cmd, "send-slow") && (n == 2 || n == 3))
    return wire_write(r, b, raw_unhex(a[1], b, sizeof b),
                      n == 3 ? atol(a[2]) : 2);
  if (!strcmp(cmd, "hello") && n == 2)
    return step_hello(r, a[1]);
  if (!strcmp(cmd, "replay-transcript") && n == 1) {
    printf("  (%zu bytes of the previous connection)\n", r->prev.len);
    return r->prev.len ? wire_write(r, r->prev.p, r->prev.len, 0) : 0;
  }
  if (!strcmp(cmd, "handshake") && n <= 2)
    return step_handshake(r, n == 2 && !strcmp(a[1], "wrong-key"));
  if (!strcmp(cmd, "send"))
    return send_env(r, a + 1, n - 1, 0);
  if (!strcmp(cmd, "after-final"))
    return send_env(r, a + 1, n - 1, 1);
  if (!strcmp(cmd, "sealed-hex") && n == 2) {
    if (!r->ch)
      return RAW_BAD_STEP;
    err = sb_channel_send(r->ch, b, raw_unhex(a[1], b, sizeof b));
    return err ? err : flush(r);
  }
  if (!strcmp(cmd, "sealed-repeat") && n == 4) {
    size_t len = raw_unhex(a[1], b, sizeof b);
    size_t ulen = strlen(a[2]) / 2;
    long times = atol(a[3]);
    if (!r->ch || !ulen || times < 0 ||
        (size_t)times > (sizeof b - len) / ulen)
      return RAW_BAD_STEP;
    for (long i = 0; i < times; i++)
      len += raw_unhex(a[2], b + len, ulen);
    err = sb_channel_send(r->ch, b, len);
    return err ? err : flush(r);
  }
  if (!strcmp(cmd, "close-final") && n == 1) {
    if (!r->ch)
      return RAW_BAD_STEP;
    err = sb_channel_close(r->ch);
    return err ? err : flush(r);
  }
  if (!strcmp(cmd, "reflect") && n == 1) {
    if (!r->last.len) {
      printf("  no server frame seen yet (recv first)\n");
      return RAW_BAD_STEP;
    }
    printf("  (reflecting a %zu-byte frame)\n", r->last.len);
    return wire_write(r, r->last.p, r->last.len, 0);
  }
  if (!strcmp(cmd, "recv") && n <= 2) {
    sb_msg_t *m = NULL;
    err = recv_one(r, n == 2 ? atoi(a[1]) : RAW_EXPECT_MS, &m);
    sb_msg_free(m);
    if (err == SB_ETIMEDOUT)
      printf("  <- nothing\n");
    return 0;
  }
  printf("  bad step\n");
  return RAW_BAD_STEP;
}

int sbctl_cmd_raw(sbctl_t *c, int argc, char **argv) {
  raw_t r;
  char endpoint[256], keypath[512];
  static char line[1 << 16];
  FILE *f = NULL;
  int rc = EXIT_OK;
  memset(&r, 0, sizeof r);
  reset_mods(&r);
  r.next_id = 1;
  if (argc != 1) {
    fprintf(stderr, "sbctl raw: usage: sbctl raw [--pipe P] [--key K] "
                    "SCENARIO|-\n");
    rc = EXIT_USAGE;
    goto out;
  }
  /* The low tier needs libsodium set up (the client API does this in
   * sb_client_open for the other commands). */
  if (sb_init() != 0) {
    fprintf(stderr, "sbctl: cannot initialise the crypto library\n");
    rc = EXIT_LOCAL;
    goto out;
  }
  if (!c->endpoint && sb_path_control_endpoint(endpoint, sizeof endpoint) == 0)
    c->endpoint = endpoint;
  if (!c->key_path && sb_path_control_key(keypath, sizeof keypath) == 0)
    c->key_path = keypath;
  r.endpoint = c->endpoint;
  /* Without a readable key only raw steps make sense: the handshake then
   * runs with a random key and fails, as an attacker's would. */
  if (!c->key_path || sb_key_file_read(c->key_path, r.key) != 0) {
    printf("(no key read from %s: the handshake will fail)\n",
           c->key_path ? c->key_path : "?");
    sb_random(r.key, sizeof r.key);
  }
  f = strcmp(argv[0], "-") ? sbctl_fopen(argv[0], "r") : stdin;
  if (!f) {
    fprintf(stderr, "sbctl raw: cannot open %s\n", argv[0]);
    rc = EXIT_USAGE;
    goto out;
  }
  while (fgets(line, sizeof line, f)) {
    int err = run_line(&r, line);
    if (err == RAW_NO_CONNECT) {
      rc = EXIT_CONNECT;
      break;
    }
    if (err == RAW_BAD_STEP) {
      printf("  bad scenario line\n");
      rc = EXIT_USAGE;
      break;
    }
    /* A step the peer made fail (it closed on us) is shown; a later
     * expect step decides whether that was the point. */
    if (err)
      printf("  step result: %s\n", sb_err_name(err));
  }
  if (rc == EXIT_OK && r.failures) {
    printf("%d expectation(s) failed\n", r.failures);
    rc = EXIT_REMOTE;
  }
out:
  if (f && f != stdin)
    fclose(f);
  sb_memzero(r.key, sizeof r.key);
  disconnect(&r);
  buf_free(&r.cap);
  buf_free(&r.prev);
  buf_free(&r.rd);
  buf_free(&r.last);
  buf_free(&r.held);
  return rc;
}
