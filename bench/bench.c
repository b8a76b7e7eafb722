/* sessionbridge benchmark: figures, not pass/fail. Every comparison is a
 * ratio measured in the same run, runs interleaved, medians and p99.
 *   1. RTT of an authenticated ping through sb_rpc over a Unix socket vs
 *      the same payload ping-ponged over a plain Unix socket (64 B, 4 KiB)
 *   3. bulk: a 32 MiB download through the channel (chunked transfer) vs
 *      a raw socket copy vs libsodium secretstream push+pull in memory
 *   4. scale: N concurrent clients pinging one server; RSS per idle
 *      handshaken connection
 * Usage: bench [--quick] [--json] */
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "sessionbridge.h"

static const uint8_t psk[32] = {7, 7, 7};
static int quick;
static size_t bulk_len = 32u << 20;
static uint8_t *bulk;

static uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int cmp_u64(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return x < y ? -1 : x > y;
}

static double pct(uint64_t *v, size_t n, double p) {
  qsort(v, n, sizeof *v, cmp_u64);
  return (double)v[(size_t)(p * (double)(n - 1))] / 1000.0; /* us */
}

static long rss_kib(void) {
  FILE *f = fopen("/proc/self/status", "r");
  char line[256];
  long kib = -1;
  while (f && fgets(line, sizeof line, f))
    if (!strncmp(line, "VmRSS:", 6))
      kib = atol(line + 6);
  if (f)
    fclose(f);
  return kib;
}

/* ---- server: ping echo and a bulk download ---- */

static void handler(void *arg, sb_rpc_t *rpc, sb_rpc_incoming_t *in) {
  Sbwire__V1__Response rsp = SBWIRE__V1__RESPONSE__INIT;
  (void)arg;
  if (in->req->body_case == SBWIRE__V1__REQUEST__BODY_PING) {
    Sbwire__V1__PingResponse p = SBWIRE__V1__PING_RESPONSE__INIT;
    p.payload = in->req->ping->payload;
    rsp.body_case = SBWIRE__V1__RESPONSE__BODY_PING;
    rsp.ping = &p;
    sb_rpc_respond(rpc, in, &rsp, NULL, 0);
  } else {
    Sbwire__V1__ScreenshotResponse s = SBWIRE__V1__SCREENSHOT_RESPONSE__INIT;
    rsp.body_case = SBWIRE__V1__RESPONSE__BODY_SCREENSHOT;
    rsp.screenshot = &s;
    sb_rpc_respond(rpc, in, &rsp, bulk, bulk_len);
  }
}

static void on_conn(void *arg, sb_stream_t *s) {
  sb_io_t io = sb_stream_io(s);
  sb_channel_opts_t o = {SB_ROLE_SERVER, psk, 10000, 10000};
  sb_channel_t *ch;
  sb_rpc_t *rpc;
  (void)arg;
  if (sb_channel_new(&ch, &io, &o) || sb_channel_handshake(ch))
    return;
  sb_rpc_opts_t ro = {handler, NULL, NULL, s, 0};
  if (sb_rpc_start(&rpc, ch, &ro))
    return;
  while (!sb_rpc_closed(rpc))
    sb_sleep_ms(20);
  sb_rpc_stop(rpc);
}

typedef struct {
  sb_stream_t *s;
  sb_rpc_t *rpc;
} client_t;

static int client_open(const char *ep, client_t *c) {
  sb_channel_t *ch;
  sb_channel_opts_t o = {SB_ROLE_CLIENT, psk, 10000, 10000};
  if (sb_stream_connect(&c->s, ep, 10000))
    return -1;
  sb_io_t io = sb_stream_io(c->s);
  if (sb_channel_new(&ch, &io, &o) || sb_channel_handshake(ch))
    return -1;
  sb_rpc_opts_t ro = {NULL, NULL, NULL, c->s, 0};
  return sb_rpc_start(&c->rpc, ch, &ro);
}

static void client_close(client_t *c) {
  sb_rpc_stop(c->rpc);
  sb_stream_close(c->s);
}

static int ping(client_t *c, uint8_t *payload, size_t len) {
  Sbwire__V1__Request req = SBWIRE__V1__REQUEST__INIT;
  Sbwire__V1__PingRequest p = SBWIRE__V1__PING_REQUEST__INIT;
  sb_rpc_result_t res;
  p.payload.data = payload;
  p.payload.len = len;
  req.body_case = SBWIRE__V1__REQUEST__BODY_PING;
  req.ping = &p;
  int err = sb_rpc_call(c->rpc, &req, 10000, NULL, 0, &res);
  if (!err)
    sb_rpc_result_free(&res);
  return err;
}

/* ---- raw floor: the same payload over a plain socketpair ---- */

typedef struct {
  int fd;
  size_t len;
  int n;
} echo_t;

static void *raw_echo(void *arg) {
  echo_t *e = arg;
  static uint8_t buf[1 << 16];
  for (int i = 0; i < e->n; i++) {
    size_t got = 0;
    while (got < e->len) {
      ssize_t r = read(e->fd, buf + got, e->len - got);
      if (r <= 0)
        return NULL;
      got += (size_t)r;
    }
    if (write(e->fd, buf, e->len) != (ssize_t)e->len)
      return NULL;
  }
  return NULL;
}

static void rtt(const char *ep, size_t len, int n, double *ours_p50,
                double *ours_p99, double *raw_p50, double *raw_p99) {
  uint64_t *a = calloc((size_t)n, sizeof *a), *b = calloc((size_t)n, sizeof *b);
  uint8_t payload[4096], back[4096];
  client_t c;
  int sv[2];
  pthread_t t;
  memset(payload, 0x5a, sizeof payload);
  client_open(ep, &c);
  socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
  echo_t e = {sv[1], len, n};
  pthread_create(&t, NULL, raw_echo, &e);
  for (int i = 0; i < 200; i++) /* warm up */
    ping(&c, payload, len);
  /* Interleaved: one of ours, one raw, so drift hits both alike. */
  for (int i = 0; i < n; i++) {
    uint64_t t0 = now_ns();
    ping(&c, payload, len);
    a[i] = now_ns() - t0;
    t0 = now_ns();
    if (write(sv[0], payload, len) != (ssize_t)len)
      break;
    size_t got = 0;
    while (got < len) {
      ssize_t r = read(sv[0], back + got, len - got);
      if (r <= 0)
        break;
      got += (size_t)r;
    }
    b[i] = now_ns() - t0;
  }
  pthread_join(t, NULL);
  close(sv[0]);
  close(sv[1]);
  client_close(&c);
  *ours_p50 = pct(a, (size_t)n, 0.5);
  *ours_p99 = pct(a, (size_t)n, 0.99);
  *raw_p50 = pct(b, (size_t)n, 0.5);
  *raw_p99 = pct(b, (size_t)n, 0.99);
  free(a);
  free(b);
}

static double bulk_channel(const char *ep) {
  client_t c;
  Sbwire__V1__Request req = SBWIRE__V1__REQUEST__INIT;
  Sbwire__V1__ScreenshotRequest s = SBWIRE__V1__SCREENSHOT_REQUEST__INIT;
  sb_rpc_result_t res;
  s.target_case = SBWIRE__V1__SCREENSHOT_REQUEST__TARGET_VIRTUAL_SCREEN;
  s.virtual_screen = 1;
  req.body_case = SBWIRE__V1__REQUEST__BODY_SCREENSHOT;
  req.screenshot = &s;
  client_open(ep, &c);
  uint64_t t0 = now_ns();
  int err = sb_rpc_call(c.rpc, &req, 60000, NULL, 0, &res);
  uint64_t dt = now_ns() - t0;
  if (!err && res.len != bulk_len)
    err = -1;
  if (!err)
    sb_rpc_result_free(&res);
  client_close(&c);
  return err ? 0 : (double)bulk_len / (double)dt; /* GB/s */
}

static void *raw_sink(void *arg) {
  int fd = *(int *)arg;
  static uint8_t buf[1 << 16];
  while (read(fd, buf, sizeof buf) > 0)
    ;
  return NULL;
}

static double bulk_raw(void) {
  int sv[2];
  pthread_t t;
  socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
  pthread_create(&t, NULL, raw_sink, &sv[1]);
  uint64_t t0 = now_ns();
  size_t off = 0;
  while (off < bulk_len) {
    ssize_t w = write(sv[0], bulk + off, bulk_len - off > 65536 ? 65536
                                                              : bulk_len - off);
    if (w <= 0)
      break;
    off += (size_t)w;
  }
  close(sv[0]);
  pthread_join(t, NULL);
  uint64_t dt = now_ns() - t0;
  close(sv[1]);
  return (double)bulk_len / (double)dt;
}

static double bulk_secretstream(void) {
  enum { CHUNK = 256 * 1024 };
  crypto_secretstream_xchacha20poly1305_state tx, rx;
  uint8_t key[32], hdr[24];
  uint8_t *c = malloc(CHUNK + 17), *m = malloc(CHUNK);
  unsigned long long clen, mlen;
  unsigned char tag;
  randombytes_buf(key, sizeof key);
  uint64_t t0 = now_ns();
  crypto_secretstream_xchacha20poly1305_init_push(&tx, hdr, key);
  crypto_secretstream_xchacha20poly1305_init_pull(&rx, hdr, key);
  for (size_t off = 0; off < bulk_len; off += CHUNK) {
    crypto_secretstream_xchacha20poly1305_push(&tx, c, &clen, bulk + off, CHUNK,
                                               NULL, 0, 0);
    crypto_secretstream_xchacha20poly1305_pull(&rx, m, &mlen, &tag, c, clen,
                                               NULL, 0);
  }
  uint64_t dt = now_ns() - t0;
  free(c);
  free(m);
  return (double)bulk_len / (double)dt;
}

typedef struct {
  const char *ep;
  int n;
  uint64_t *lat;
} scale_t;

static void *scale_client(void *arg) {
  scale_t *s = arg;
  client_t c;
  uint8_t payload[64] = {1};
  if (client_open(s->ep, &c))
    return NULL;
  for (int i = 0; i < s->n; i++) {
    uint64_t t0 = now_ns();
    ping(&c, payload, sizeof payload);
    s->lat[i] = now_ns() - t0;
  }
  client_close(&c);
  return NULL;
}

int main(int argc, char **argv) {
  int json = 0;
  char ep[256];
  sb_server_t *srv;
  sb_server_opts_t so;
  for (int i = 1; i < argc; i++) {
    quick |= !strcmp(argv[i], "--quick");
    json |= !strcmp(argv[i], "--json");
  }
  if (sb_init())
    return 1;
  bulk = malloc(bulk_len);
  randombytes_buf(bulk, bulk_len);
  snprintf(ep, sizeof ep, "/tmp/sbbench-%d/bench.sock", (int)getpid());
  char dir[200];
  snprintf(dir, sizeof dir, "/tmp/sbbench-%d", (int)getpid());
  mkdir(dir, 0700);
  memset(&so, 0, sizeof so);
  so.endpoint = ep;
  so.listen.mode = 0600;
  so.listen.gid = -1;
  so.max_connections = 1024;
  so.on_conn = on_conn;
  if (sb_server_start(&srv, &so)) {
    fprintf(stderr, "cannot start the server\n");
    return 1;
  }
  int n = quick ? 2000 : 20000;
  double o64, o64p, r64, r64p, o4k, o4kp, r4k, r4kp;
  rtt(ep, 64, n, &o64, &o64p, &r64, &r64p);
  rtt(ep, 4096, n, &o4k, &o4kp, &r4k, &r4kp);
  printf("1. round trip (us)      p50      p99   ratio p50 (ours / raw)\n");
  printf("   ours 64 B        %8.1f %8.1f   %.2f\n", o64, o64p, o64 / r64);
  printf("   raw  64 B        %8.1f %8.1f\n", r64, r64p);
  printf("   ours 4 KiB       %8.1f %8.1f   %.2f\n", o4k, o4kp, o4k / r4k);
  printf("   raw  4 KiB       %8.1f %8.1f\n", r4k, r4kp);

  double ch = 0, raw = 0, ss = 0;
  int reps = quick ? 1 : 3;
  for (int i = 0; i < reps; i++) { /* best of, interleaved */
    double a = bulk_channel(ep), b = bulk_raw(), c = bulk_secretstream();
    ch = a > ch ? a : ch;
    raw = b > raw ? b : raw;
    ss = c > ss ? c : ss;
  }
  printf("3. bulk 32 MiB (GB/s)  channel %.2f   raw socket %.2f   "
         "secretstream in memory %.2f   time ratio channel/secretstream %.2f\n",
         ch, raw, ss, ss / ch);

  /* Scale: concurrent clients, then idle connections for RSS. */
  int clients = quick ? 32 : 256, per = quick ? 50 : 200;
  pthread_t *th = calloc((size_t)clients, sizeof *th);
  scale_t *sc = calloc((size_t)clients, sizeof *sc);
  uint64_t *all = calloc((size_t)clients * (size_t)per, sizeof *all);
  uint64_t t0 = now_ns();
  for (int i = 0; i < clients; i++) {
    sc[i].ep = ep;
    sc[i].n = per;
    sc[i].lat = all + (size_t)i * (size_t)per;
    pthread_create(&th[i], NULL, scale_client, &sc[i]);
  }
  for (int i = 0; i < clients; i++)
    pthread_join(th[i], NULL);
  double secs = (double)(now_ns() - t0) / 1e9;
  size_t total = (size_t)clients * (size_t)per;
  double s50 = pct(all, total, 0.5) / 1000.0, s99 = pct(all, total, 0.99) / 1000.0;
  printf("4. scale: %d clients x %d pings: %.0f pings/s, p50 %.2f ms, p99 %.2f "
         "ms\n",
         clients, per, (double)total / secs, s50, s99);
  int idle = quick ? 64 : 256;
  client_t *ic = calloc((size_t)idle, sizeof *ic);
  sb_sleep_ms(300);
  long before = rss_kib();
  for (int i = 0; i < idle; i++)
    client_open(ep, &ic[i]);
  sb_sleep_ms(500);
  long after = rss_kib();
  /* Both ends live in this process: halve for the server side alone
   * would undercount client buffers; report the honest total per pair
   * and the per-connection share of it. */
  double per_conn = (double)(after - before) / idle / 2.0;
  printf("   RSS with %d idle connections: %ld -> %ld KiB, %.1f KiB per "
         "connection (both ends in this process, halved)\n",
         idle, before, after, per_conn);
  for (int i = 0; i < idle; i++)
    client_close(&ic[i]);
  sb_server_stop(srv);
  rmdir(dir);
  if (json)
    printf("{\"rtt_ratio_raw_64B\": %.3f, \"rtt_ratio_raw_4KiB\": %.3f, "
           "\"rtt_p50_us_64B\": %.1f, \"raw_p50_us_64B\": %.1f, "
           "\"rtt_ratio_dbus_64B\": null, \"bulk_gbps\": %.3f, "
           "\"raw_socket_gbps\": %.3f, \"secretstream_gbps\": %.3f, "
           "\"bulk_ratio_secretstream\": %.3f, \"scale_p99_ms\": %.3f, "
           "\"scale_pings_per_s\": %.0f, \"rss_per_idle_conn_kib\": %.1f}\n",
           o64 / r64, o4k / r4k, o64, r64, ch, raw, ss, ss / ch, s99,
           (double)total / secs, per_conn);
  free(bulk);
  return 0;
}
