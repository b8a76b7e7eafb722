/* The connection server: hundreds of concurrent connections each served
 * on its own thread (silent ones hold only their own), the cap refuses
 * past it and recovers, and stop interrupts live connections. */
#include "sbtest.h"
#include "sessionbridge.h"

static void hold(void *arg, sb_stream_t *s) {
  uint8_t b;
  size_t n;
  (void)arg;
  /* Holds the connection until the client leaves or stop interrupts. */
  while (sb_stream_read(s, &b, 1, &n, -1) == 0)
    ;
}

/* Echo everything back until the client leaves or stop interrupts. */
static void echo(void *arg, sb_stream_t *s) {
  uint8_t buf[512];
  size_t n;
  (void)arg;
  while (sb_stream_read(s, buf, sizeof buf, &n, -1) == 0)
    if (sb_stream_write(s, buf, n, sbtest_ms(5000)) != 0)
      break;
}

static sb_server_t *start_fn(const char *tag, char *ep, size_t cap, int max,
                             sb_server_conn_fn fn) {
  sb_server_t *srv;
  sb_server_opts_t o;
  memset(&o, 0, sizeof o);
  sbtest_endpoint(tag, ep, cap);
  o.endpoint = ep;
  o.listen.sddl = "D:P(A;;GA;;;SY)(A;;GA;;;BA)(A;;GA;;;WD)";
  o.listen.mode = 0600;
  o.listen.gid = -1;
  o.max_connections = max;
  o.on_conn = fn;
  CHECK_OK(sb_server_start(&srv, &o));
  return srv;
}

static sb_server_t *start(const char *tag, char *ep, size_t cap, int max) {
  return start_fn(tag, ep, cap, max, hold);
}

static int wait_active(sb_server_t *srv, int n) {
  for (int i = 0; i < sbtest_ms(3000) / 10; i++) {
    if (sb_server_active(srv) == n)
      return 1;
    sb_sleep_ms(10);
  }
  return 0;
}

SB_TEST(server_cap_refuses_and_recovers) {
  char ep[256];
  sb_stream_t *c[6];
  uint8_t b;
  size_t n;
  sb_server_t *srv = start("cap", ep, sizeof ep, 4);
  for (int i = 0; i < 4; i++)
    CHECK_OK(sb_stream_connect(&c[i], ep, sbtest_ms(5000)));
  CHECK(wait_active(srv, 4));
  /* The fifth is accepted and closed at once. */
  CHECK_OK(sb_stream_connect(&c[4], ep, sbtest_ms(5000)));
  CHECK_ERR(sb_stream_read(c[4], &b, 1, &n, sbtest_ms(3000)), SB_EOF);
  CHECK(sb_server_refused(srv) >= 1);
  /* One leaves; a new client fits again. */
  sb_stream_close(c[0]);
  CHECK(wait_active(srv, 3));
  CHECK_OK(sb_stream_connect(&c[5], ep, sbtest_ms(5000)));
  CHECK(wait_active(srv, 4));
  sb_server_stop(srv);
  for (int i = 1; i < 6; i++)
    sb_stream_close(c[i]);
}

SB_TEST(server_stop_interrupts_connections) {
  char ep[256];
  sb_stream_t *c[3];
  sb_server_t *srv = start("stop", ep, sizeof ep, 0);
  for (int i = 0; i < 3; i++)
    CHECK_OK(sb_stream_connect(&c[i], ep, sbtest_ms(5000)));
  CHECK(wait_active(srv, 3));
  uint64_t t0 = sb_now_ms();
  sb_server_stop(srv); /* would hang if the held reads were not woken */
  CHECK(sb_now_ms() - t0 < (uint64_t)sbtest_ms(3000));
  for (int i = 0; i < 3; i++)
    sb_stream_close(c[i]);
}

SB_TEST(server_500_connections_capped) {
  /* threats.md §3.34: 500 connections from one client are refused past
   * the cap, and a new client still gets in once they go. */
  char ep[256];
  enum { N = 500, CAP = 64 };
  static sb_stream_t *c[N];
  int ok = 0;
  sb_server_t *srv = start("many", ep, sizeof ep, CAP);
  for (int i = 0; i < N; i++)
    if (sb_stream_connect(&c[i], ep, sbtest_ms(2000)) == 0)
      ok++;
  CHECK(wait_active(srv, CAP));
  CHECK(sb_server_refused(srv) >= (uint64_t)(ok - CAP) / 2);
  for (int i = 0; i < N; i++)
    if (c[i])
      sb_stream_close(c[i]);
  CHECK(wait_active(srv, 0));
  sb_stream_t *late;
  CHECK_OK(sb_stream_connect(&late, ep, sbtest_ms(5000)));
  CHECK(wait_active(srv, 1));
  sb_stream_close(late);
  sb_server_stop(srv);
}

enum { ECHO_CLIENTS = 256, SILENT_CLIENTS = 8, WORKERS = 8, ROUNDS = 3 };

typedef struct {
  sb_stream_t **c;
  int first, count;
  int failures;
} echo_job_t;

/* Each worker does ROUNDS echo exchanges on each of its connections, all
 * of them open at once, so the server holds every one concurrently. */
static void echo_worker(void *arg) {
  echo_job_t *j = arg;
  for (int r = 0; r < ROUNDS; r++) {
    for (int i = j->first; i < j->first + j->count; i++) {
      uint8_t msg[64], got[64];
      size_t off = 0, n;
      sbtest_fill(msg, sizeof msg, (uint32_t)(i * 31 + r));
      if (sb_stream_write(j->c[i], msg, sizeof msg, sbtest_ms(5000)) != 0) {
        j->failures++;
        continue;
      }
      while (off < sizeof got &&
             sb_stream_read(j->c[i], got + off, sizeof got - off, &n,
                            sbtest_ms(5000)) == 0)
        off += n;
      if (off != sizeof got || memcmp(got, msg, sizeof got) != 0)
        j->failures++;
    }
  }
}

SB_TEST(server_256_concurrent_echo_with_silent_clients) {
  char ep[256];
  enum { TOTAL = ECHO_CLIENTS + SILENT_CLIENTS };
  static sb_stream_t *c[TOTAL];
  echo_job_t jobs[WORKERS];
  sb_thread_t *t[WORKERS];
  sb_server_t *srv = start_fn("echo256", ep, sizeof ep, TOTAL + 16, echo);
  /* The silent ones connect first and never send: if the server served
   * connections in turn, or on a bounded pool, they would starve every
   * client behind them. */
  for (int i = 0; i < TOTAL; i++)
    CHECK_OK(sb_stream_connect(&c[i], ep, sbtest_ms(5000)));
  CHECK(wait_active(srv, TOTAL));
  uint64_t t0 = sb_now_ms();
  for (int w = 0; w < WORKERS; w++) {
    jobs[w].c = c;
    jobs[w].first = SILENT_CLIENTS + w * (ECHO_CLIENTS / WORKERS);
    jobs[w].count = ECHO_CLIENTS / WORKERS;
    jobs[w].failures = 0;
    CHECK_OK(sb_thread_create(&t[w], echo_worker, &jobs[w], 0));
  }
  for (int w = 0; w < WORKERS; w++) {
    sb_thread_join(t[w]);
    CHECK_EQ(jobs[w].failures, 0);
  }
  printf("%d echo clients x %d rounds beside %d silent ones: %llu ms\n",
         ECHO_CLIENTS, ROUNDS, SILENT_CLIENTS,
         (unsigned long long)(sb_now_ms() - t0));
  CHECK_EQ(sb_server_active(srv), TOTAL);
  CHECK_EQ(sb_server_refused(srv), 0);
  /* The echo clients leave; their threads finish and are reaped while the
   * silent ones are still held. */
  for (int i = SILENT_CLIENTS; i < TOTAL; i++)
    sb_stream_close(c[i]);
  CHECK(wait_active(srv, SILENT_CLIENTS));
  /* Stop wakes the silent connections' blocked reads. */
  t0 = sb_now_ms();
  sb_server_stop(srv);
  CHECK(sb_now_ms() - t0 < (uint64_t)sbtest_ms(3000));
  for (int i = 0; i < SILENT_CLIENTS; i++) {
    uint8_t b;
    size_t n;
    CHECK_ERR(sb_stream_read(c[i], &b, 1, &n, sbtest_ms(2000)), SB_EOF);
    sb_stream_close(c[i]);
  }
}

SB_TEST(server_cap_closes_fifth_promptly) {
  char ep[256];
  sb_stream_t *c[5];
  uint8_t b;
  size_t n;
  sb_server_t *srv = start_fn("cap4", ep, sizeof ep, 4, echo);
  for (int i = 0; i < 4; i++)
    CHECK_OK(sb_stream_connect(&c[i], ep, sbtest_ms(5000)));
  CHECK(wait_active(srv, 4));
  uint64_t t0 = sb_now_ms();
  CHECK_OK(sb_stream_connect(&c[4], ep, sbtest_ms(5000)));
  CHECK_ERR(sb_stream_read(c[4], &b, 1, &n, sbtest_ms(3000)), SB_EOF);
  /* Promptly: not after the accept loop's idle timeout (1 s). */
  CHECK(sb_now_ms() - t0 < (uint64_t)sbtest_ms(500));
  CHECK_EQ(sb_server_refused(srv), 1);
  CHECK_EQ(sb_server_active(srv), 4);
  /* The four held connections still work. */
  for (int i = 0; i < 4; i++) {
    CHECK_OK(sb_stream_write(c[i], "e", 1, sbtest_ms(1000)));
    CHECK_OK(sb_stream_read(c[i], &b, 1, &n, sbtest_ms(2000)));
    CHECK_EQ(b, 'e');
  }
  sb_server_stop(srv);
  for (int i = 0; i < 5; i++)
    sb_stream_close(c[i]);
}

/* The server closes a connection as soon as on_conn returns, not when the
 * accept loop next gets round to reaping it. */
static void say_bye(void *arg, sb_stream_t *s) {
  (void)arg;
  sb_stream_write(s, "bye", 3, sbtest_ms(1000));
}

SB_TEST(server_closes_when_handler_returns) {
  char ep[256];
  sb_stream_t *c;
  uint8_t buf[8];
  size_t n, off = 0;
  sb_server_t *srv = start_fn("bye", ep, sizeof ep, 0, say_bye);
  CHECK_OK(sb_stream_connect(&c, ep, sbtest_ms(5000)));
  while (off < 3) {
    CHECK_OK(sb_stream_read(c, buf + off, sizeof buf - off, &n,
                            sbtest_ms(2000)));
    off += n;
  }
  CHECK_MEM(buf, "bye", 3);
  uint64_t t0 = sb_now_ms();
  CHECK_ERR(sb_stream_read(c, buf, 1, &n, sbtest_ms(3000)), SB_EOF);
  CHECK(sb_now_ms() - t0 < (uint64_t)sbtest_ms(500));
  CHECK(wait_active(srv, 0));
  sb_stream_close(c);
  sb_server_stop(srv);
}
