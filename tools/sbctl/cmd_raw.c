/* sbctl raw: the developer harness. Runs a scenario file (one step per
 * line) against an endpoint: raw bytes before or instead of a handshake,
 * the real handshake (there is no bypass), hand-built envelopes, and
 * corruption of the next sealed frame (flip a bit, change the length,
 * replay, drop, send two at once, reflect the server's frame back, send
 * after TAG_FINAL). It prints what came back, decoded, and checks
 * `expect` steps. Exit 0 when every expectation held, 3 when one did
 * not, 2 when the endpoint cannot be reached, 1 for a bad scenario.
 *
 * Steps:
 *   connect                      open the endpoint (implied by the others)
 *   send-hex HEX                 raw bytes
 *   send-slow HEX                raw bytes, one per write, 2 ms apart
 *   hello VERSION                a plaintext Hello with that version
 *   handshake [wrong-key]        the real handshake (with --key, or a
 *                                random key); prints its result
 *   request ID KIND [k=v ...]    KIND: ping info notify message sessions
 *                                clipboard-set cancel; keys: session=
 *                                deadline= payload=HEX title= text=
 *                                buttons=N total=N target=N
 *   chunk ID OFFSET HEX LAST     a transfer chunk
 *   response ID                  a (ping) response to request ID
 *   sealed-hex HEX               seal arbitrary plaintext bytes
 *   corrupt flip-bit N | length DELTA | replay | drop | join
 *                                applies to the next sealed frame(s)
 *   close-final                  send TAG_FINAL
 *   after-final                  a ping sealed before TAG_FINAL, sent after
 *   reflect                      read one raw frame and send it back
 *   shutdown                     close our writing side
 *   stall MS
 *   expect closed [MS] | expect error STATUS [MS] | expect response [MS]
 *   | expect handshake-failed
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "sbctl.h"

typedef struct {
  sb_stream_t *s;
  sb_channel_t *ch;
  const char *endpoint;
  uint8_t key[32];
  /* Sealed frames are captured here, then corrupted and written. */
  uint8_t *cap;
  size_t cap_len, cap_size;
  int capturing;
  int flip_bit;     /* -1: none */
  int len_delta;
  int replay, drop, join;
  uint8_t *held; /* for join / after-final */
  size_t held_len;
  int hs_failed;
  int failures;
  uint64_t next_id;
} raw_t;

static int cap_write(void *ctx, const void *buf, size_t len, int timeout_ms) {
  raw_t *r = ctx;
  if (!r->capturing)
    return sb_stream_write(r->s, buf, len, timeout_ms);
  if (r->cap_len + len > r->cap_size) {
    size_t n = (r->cap_len + len) * 2;
    uint8_t *p = realloc(r->cap, n);
    if (!p)
      return SB_ENOMEM;
    r->cap = p;
    r->cap_size = n;
  }
  memcpy(r->cap + r->cap_len, buf, len);
  r->cap_len += len;
  return 0;
}

static int cap_read(void *ctx, void *buf, size_t len, size_t *n, int ms) {
  raw_t *r = ctx;
  return sb_stream_read(r->s, buf, len, n, ms);
}

static int hexval(int c) {
  return isdigit(c) ? c - '0' : tolower(c) - 'a' + 10;
}

static size_t unhex(const char *h, uint8_t *out, size_t cap) {
  size_t n = 0;
  while (h[0] && h[1] && n < cap && isxdigit((unsigned char)h[0]) &&
         isxdigit((unsigned char)h[1])) {
    out[n++] = (uint8_t)(hexval(h[0]) << 4 | hexval(h[1]));
    h += 2;
  }
  return n;
}

static int ensure_connected(raw_t *r) {
  if (r->s)
    return 0;
  int err = sb_stream_connect(&r->s, r->endpoint, 5000);
  if (err)
    printf("connect %s: %s\n", r->endpoint, sb_strerror(err));
  return err;
}

/* Write what the channel sealed, with the pending corruption applied. */
static int flush(raw_t *r) {
  int err = 0;
  uint8_t *p = r->cap;
  size_t n = r->cap_len;
  r->cap_len = 0;
  if (!n)
    return 0;
  if (r->flip_bit >= 0 && (size_t)r->flip_bit / 8 < n)
    p[r->flip_bit / 8] ^= (uint8_t)(1u << (r->flip_bit % 8));
  if (r->len_delta && n >= 4)
    p[0] = (uint8_t)(p[0] + r->len_delta);
  if (r->drop) {
    printf("  (frame of %zu bytes dropped)\n", n);
  } else if (r->join) {
    uint8_t *h = realloc(r->held, r->held_len + n);
    if (!h)
      return SB_ENOMEM;
    memcpy(h + r->held_len, p, n);
    r->held = h;
    r->held_len += n;
    if (--r->join == 0) {
      err = sb_stream_write(r->s, r->held, r->held_len, 5000);
      printf("  (%zu bytes of frames in one write)\n", r->held_len);
      r->held_len = 0;
    }
    return err;
  } else {
    err = sb_stream_write(r->s, p, n, 5000);
    if (!err && r->replay)
      err = sb_stream_write(r->s, p, n, 5000);
  }
  r->flip_bit = -1;
  r->len_delta = 0;
  r->replay = r->drop = 0;
  return err;
}

static void print_env(const sb_envelope_t *e) {
  switch (e->body_case) {
  case SBWIRE__V1__ENVELOPE__BODY_RESPONSE:
    printf("  <- response id=%llu body=%d\n", (unsigned long long)e->request_id,
           (int)e->response->body_case);
    break;
  case SBWIRE__V1__ENVELOPE__BODY_ERROR:
    printf("  <- error id=%llu %s: %s\n", (unsigned long long)e->request_id,
           sb_status_name(e->error->status), e->error->detail);
    break;
  default:
    printf("  <- envelope id=%llu body=%d\n", (unsigned long long)e->request_id,
           (int)e->body_case);
  }
}

/* Wait for the connection to end: raw reads before a handshake, channel
 * reads after. Prints whatever arrives meanwhile. */
static int wait_closed(raw_t *r, int ms) {
  uint64_t end = sb_now_ms() + (uint64_t)ms;
  for (;;) {
    uint64_t now = sb_now_ms();
    int left = now >= end ? 0 : (int)(end - now);
    if (r->ch) {
      sb_msg_t *m = NULL;
      int err = sb_channel_recv_envelope(r->ch, &m, left, NULL);
      if (err == SB_ETIMEDOUT && !sb_channel_error(r->ch))
        return 0;
      if (err) {
        printf("  <- connection ended: %s\n", sb_err_name(err));
        return 1;
      }
      print_env(sb_msg_envelope(m));
      sb_msg_free(m);
    } else {
      uint8_t buf[512];
      size_t n;
      int err = sb_stream_read(r->s, buf, sizeof buf, &n, left);
      if (err == SB_ETIMEDOUT)
        return 0;
      if (err) {
        printf("  <- connection ended: %s\n", sb_err_name(err));
        return 1;
      }
      printf("  <- %zu raw bytes\n", n);
    }
  }
}

static int expect_env(raw_t *r, const char *status, int ms) {
  sb_msg_t *m = NULL;
  if (!r->ch) {
    printf("  no channel to read from\n");
    return 0;
  }
  int err = sb_channel_recv_envelope(r->ch, &m, ms, NULL);
  if (err) {
    printf("  <- %s\n", sb_err_name(err));
    return 0;
  }
  const sb_envelope_t *e = sb_msg_envelope(m);
  print_env(e);
  int ok = status ? e->body_case == SBWIRE__V1__ENVELOPE__BODY_ERROR &&
                        strstr(sb_status_name(e->error->status), status)
                  : e->body_case == SBWIRE__V1__ENVELOPE__BODY_RESPONSE;
  sb_msg_free(m);
  return ok;
}

static const char *kv(char **args, int n, const char *key, const char *def) {
  size_t k = strlen(key);
  for (int i = 0; i < n; i++)
    if (!strncmp(args[i], key, k) && args[i][k] == '=')
      return args[i] + k + 1;
  return def;
}

static int send_request(raw_t *r, char **a, int n) {
  Sbwire__V1__Envelope env = SBWIRE__V1__ENVELOPE__INIT;
  Sbwire__V1__Request req = SBWIRE__V1__REQUEST__INIT;
  Sbwire__V1__PingRequest ping = SBWIRE__V1__PING_REQUEST__INIT;
  Sbwire__V1__SessionInfoRequest info = SBWIRE__V1__SESSION_INFO_REQUEST__INIT;
  Sbwire__V1__NotifyRequest nt = SBWIRE__V1__NOTIFY_REQUEST__INIT;
  Sbwire__V1__MessageBoxRequest mb = SBWIRE__V1__MESSAGE_BOX_REQUEST__INIT;
  Sbwire__V1__SessionListRequest sl = SBWIRE__V1__SESSION_LIST_REQUEST__INIT;
  Sbwire__V1__ClipboardSetRequest cs = SBWIRE__V1__CLIPBOARD_SET_REQUEST__INIT;
  Sbwire__V1__CancelRequest cn = SBWIRE__V1__CANCEL_REQUEST__INIT;
  static uint8_t payload[70000];
  if (n < 2)
    return SB_EINVAL;
  env.request_id = strtoull(a[0], NULL, 10);
  env.body_case = SBWIRE__V1__ENVELOPE__BODY_REQUEST;
  env.request = &req;
  req.session_id = (uint32_t)atoi(kv(a, n, "session", "1"));
  req.deadline_ms = (uint32_t)strtoul(kv(a, n, "deadline", "5000"), NULL, 10);
  const char *kind = a[1];
  if (!strcmp(kind, "ping")) {
    ping.payload.data = payload;
    ping.payload.len = unhex(kv(a, n, "payload", ""), payload, sizeof payload);
    req.body_case = SBWIRE__V1__REQUEST__BODY_PING;
    req.ping = &ping;
  } else if (!strcmp(kind, "info")) {
    req.body_case = SBWIRE__V1__REQUEST__BODY_SESSION_INFO;
    req.session_info = &info;
  } else if (!strcmp(kind, "notify")) {
    nt.title = (char *)kv(a, n, "title", "");
    nt.text = (char *)kv(a, n, "text", "");
    req.body_case = SBWIRE__V1__REQUEST__BODY_NOTIFY;
    req.notify = &nt;
  } else if (!strcmp(kind, "message")) {
    mb.title = (char *)kv(a, n, "title", "t");
    mb.text = (char *)kv(a, n, "text", "x");
    mb.buttons = (Sbwire__V1__Buttons)atoi(kv(a, n, "buttons", "1"));
    req.body_case = SBWIRE__V1__REQUEST__BODY_MESSAGE_BOX;
    req.message_box = &mb;
  } else if (!strcmp(kind, "sessions")) {
    req.body_case = SBWIRE__V1__REQUEST__BODY_SESSION_LIST;
    req.session_list = &sl;
  } else if (!strcmp(kind, "clipboard-set")) {
    cs.transfer_id = env.request_id;
    cs.total_size = strtoull(kv(a, n, "total", "0"), NULL, 10);
    req.body_case = SBWIRE__V1__REQUEST__BODY_CLIPBOARD_SET;
    req.clipboard_set = &cs;
  } else if (!strcmp(kind, "cancel")) {
    cn.target_request_id = strtoull(kv(a, n, "target", "0"), NULL, 10);
    req.body_case = SBWIRE__V1__REQUEST__BODY_CANCEL;
    req.cancel = &cn;
  } else {
    return SB_EINVAL;
  }
  int err = sb_channel_send_envelope(r->ch, &env);
  return err ? err : flush(r);
}

static int run_line(raw_t *r, char *line) {
  char *a[32];
  int n = 0;
  for (char *t = strtok(line, " \t\r\n"); t && n < 32; t = strtok(NULL, " \t\r\n"))
    a[n++] = t;
  if (n == 0 || a[0][0] == '#')
    return 0;
  printf("> %s", a[0]);
  for (int i = 1; i < n; i++)
    printf(" %s", a[i]);
  printf("\n");
  const char *cmd = a[0];
  if (strcmp(cmd, "stall") && strcmp(cmd, "expect") && ensure_connected(r))
    return -2;
  static uint8_t buf[1 << 20];
  if (!strcmp(cmd, "connect"))
    return 0;
  if (!strcmp(cmd, "send-hex") && n == 2)
    return sb_stream_write(r->s, buf, unhex(a[1], buf, sizeof buf), 5000);
  if (!strcmp(cmd, "send-slow") && n == 2) {
    size_t len = unhex(a[1], buf, sizeof buf);
    for (size_t i = 0; i < len; i++) {
      int err = sb_stream_write(r->s, buf + i, 1, 5000);
      if (err)
        return err;
      sb_sleep_ms(2);
    }
    return 0;
  }
  if (!strcmp(cmd, "hello") && n == 2) {
    Sbwire__V1__Envelope env = SBWIRE__V1__ENVELOPE__INIT;
    Sbwire__V1__Hello h = SBWIRE__V1__HELLO__INIT;
    uint8_t pk[32], nonce[32];
    size_t len;
    sb_random(pk, sizeof pk);
    sb_random(nonce, sizeof nonce);
    h.version = (uint32_t)atoi(a[1]);
    h.kx_public_key.data = pk;
    h.kx_public_key.len = 32;
    h.nonce.data = nonce;
    h.nonce.len = 32;
    h.role = SBWIRE__V1__ROLE__ROLE_CLIENT;
    env.body_case = SBWIRE__V1__ENVELOPE__BODY_HELLO;
    env.hello = &h;
    if (sb_msg_pack_to(&env, buf + 4, sizeof buf - 4, &len))
      return SB_EINVAL;
    sb_frame_write_header(buf, (uint32_t)len);
    return sb_stream_write(r->s, buf, len + 4, 5000);
  }
  if (!strcmp(cmd, "handshake")) {
    uint8_t key[32];
    sb_io_t io = {r, cap_read, cap_write};
    sb_channel_opts_t o = {SB_ROLE_CLIENT, key, 8000, 8000};
    memcpy(key, r->key, 32);
    if (n == 2 && !strcmp(a[1], "wrong-key"))
      sb_random(key, sizeof key);
    int err = sb_channel_new(&r->ch, &io, &o);
    sb_memzero(key, sizeof key);
    if (!err)
      err = sb_channel_handshake(r->ch);
    printf("  handshake: %s\n", sb_err_name(err));
    if (err) {
      r->hs_failed = 1;
      sb_channel_free(r->ch);
      r->ch = NULL;
    }
    r->capturing = 1; /* from now on every sealed frame goes through flush */
    return 0;
  }
  if (!strcmp(cmd, "request"))
    return r->ch ? send_request(r, a + 1, n - 1) : SB_ESTATE;
  if (!strcmp(cmd, "chunk") && n == 5 && r->ch) {
    Sbwire__V1__Envelope env = SBWIRE__V1__ENVELOPE__INIT;
    Sbwire__V1__TransferChunk c = SBWIRE__V1__TRANSFER_CHUNK__INIT;
    env.request_id = c.transfer_id = strtoull(a[1], NULL, 10);
    c.offset = strtoull(a[2], NULL, 10);
    c.data.data = buf;
    c.data.len = unhex(a[3], buf, sizeof buf);
    c.last = atoi(a[4]);
    env.body_case = SBWIRE__V1__ENVELOPE__BODY_CHUNK;
    env.chunk = &c;
    int err = sb_channel_send_envelope(r->ch, &env);
    return err ? err : flush(r);
  }
  if (!strcmp(cmd, "response") && n == 2 && r->ch) {
    Sbwire__V1__Envelope env = SBWIRE__V1__ENVELOPE__INIT;
    Sbwire__V1__Response rsp = SBWIRE__V1__RESPONSE__INIT;
    Sbwire__V1__PingResponse p = SBWIRE__V1__PING_RESPONSE__INIT;
    env.request_id = strtoull(a[1], NULL, 10);
    rsp.body_case = SBWIRE__V1__RESPONSE__BODY_PING;
    rsp.ping = &p;
    env.body_case = SBWIRE__V1__ENVELOPE__BODY_RESPONSE;
    env.response = &rsp;
    int err = sb_channel_send_envelope(r->ch, &env);
    return err ? err : flush(r);
  }
  if (!strcmp(cmd, "sealed-hex") && n == 2 && r->ch) {
    int err = sb_channel_send(r->ch, buf, unhex(a[1], buf, sizeof buf));
    return err ? err : flush(r);
  }
  if (!strcmp(cmd, "corrupt") && n >= 2) {
    if (!strcmp(a[1], "flip-bit") && n == 3)
      r->flip_bit = atoi(a[2]);
    else if (!strcmp(a[1], "length") && n == 3)
      r->len_delta = atoi(a[2]);
    else if (!strcmp(a[1], "replay"))
      r->replay = 1;
    else if (!strcmp(a[1], "drop"))
      r->drop = 1;
    else if (!strcmp(a[1], "join"))
      r->join = 2;
    else
      return SB_EINVAL;
    return 0;
  }
  if (!strcmp(cmd, "close-final") && r->ch) {
    int err = sb_channel_close(r->ch);
    return err ? err : flush(r);
  }
  if (!strcmp(cmd, "after-final") && r->ch) {
    uint8_t p[] = {0x08, 0x63, 0x22, 0x02, 0x52, 0x00}; /* id 99, ping */
    int err = sb_channel_send(r->ch, p, sizeof p);
    if (err)
      return err;
    uint8_t *ping = malloc(r->cap_len);
    size_t ping_len = r->cap_len;
    if (!ping)
      return SB_ENOMEM;
    memcpy(ping, r->cap, ping_len);
    r->cap_len = 0;
    err = sb_channel_close(r->ch);
    if (!err)
      err = flush(r);
    if (!err)
      err = sb_stream_write(r->s, ping, ping_len, 5000);
    free(ping);
    return err;
  }
  if (!strcmp(cmd, "reflect")) {
    /* Read one whole raw frame from the server and send it back. */
    size_t have = 0, need = 4, got;
    while (have < need) {
      int err = sb_stream_read(r->s, buf + have, need - have, &got, 5000);
      if (err)
        return err;
      have += got;
      if (have == 4)
        need = 4 + (buf[0] | buf[1] << 8 | (size_t)buf[2] << 16);
    }
    printf("  (reflecting a %zu-byte frame)\n", have);
    return sb_stream_write(r->s, buf, have, 5000);
  }
  if (!strcmp(cmd, "shutdown")) {
    sb_stream_close(r->s);
    r->s = NULL;
    return 0;
  }
  if (!strcmp(cmd, "stall") && n == 2) {
    sb_sleep_ms((unsigned)atoi(a[1]));
    return 0;
  }
  if (!strcmp(cmd, "expect") && n >= 2) {
    int ms = n >= 3 && isdigit((unsigned char)a[n - 1][0]) ? atoi(a[n - 1])
                                                            : 3000;
    int ok;
    if (!strcmp(a[1], "closed"))
      ok = r->s ? wait_closed(r, ms) : 1;
    else if (!strcmp(a[1], "error") && n >= 3)
      ok = expect_env(r, a[2], ms);
    else if (!strcmp(a[1], "response"))
      ok = expect_env(r, NULL, ms);
    else if (!strcmp(a[1], "handshake-failed"))
      ok = r->hs_failed;
    else
      return SB_EINVAL;
    printf("  expect %s: %s\n", a[1], ok ? "ok" : "FAILED");
    if (!ok)
      r->failures++;
    return 0;
  }
  printf("  bad step\n");
  return SB_EINVAL;
}

int sbctl_cmd_raw(sbctl_t *c, int argc, char **argv) {
  raw_t r;
  char endpoint[256], keypath[512], line[4096];
  FILE *f;
  int rc = EXIT_OK;
  if (argc != 1) {
    fprintf(stderr, "sbctl raw: usage: sbctl raw [--pipe P] [--key K] "
                    "SCENARIO|-\n");
    return EXIT_USAGE;
  }
  memset(&r, 0, sizeof r);
  r.flip_bit = -1;
  if (!c->endpoint && sb_path_control_endpoint(endpoint, sizeof endpoint) == 0)
    c->endpoint = endpoint;
  if (!c->key_path && sb_path_control_key(keypath, sizeof keypath) == 0)
    c->key_path = keypath;
  r.endpoint = c->endpoint;
  /* Without a key only raw steps make sense; the handshake then fails. */
  if (sb_key_file_read(c->key_path, r.key) != 0)
    sb_random(r.key, sizeof r.key);
  f = strcmp(argv[0], "-") ? fopen(argv[0], "r") : stdin;
  if (!f) {
    fprintf(stderr, "sbctl raw: cannot open %s\n", argv[0]);
    return EXIT_USAGE;
  }
  while (fgets(line, sizeof line, f)) {
    int err = run_line(&r, line);
    if (err == -2) {
      rc = EXIT_CONNECT;
      break;
    }
    if (err) {
      /* A failing step is reported; a later expect decides. */
      printf("  step result: %s\n", sb_err_name(err));
      if (err == SB_EINVAL) {
        rc = EXIT_USAGE;
        break;
      }
    }
  }
  if (f != stdin)
    fclose(f);
  sb_memzero(r.key, sizeof r.key);
  sb_channel_free(r.ch);
  if (r.s)
    sb_stream_close(r.s);
  free(r.cap);
  free(r.held);
  if (rc == EXIT_OK && r.failures) {
    printf("%d expectation(s) failed\n", r.failures);
    rc = EXIT_REMOTE;
  }
  return rc;
}
