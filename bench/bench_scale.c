/* SPDX-License-Identifier: MIT */
/* Scale: the service core (router + agent and control servers, as
 * service.c wires them, with fake session hooks) in a child process; in
 * this process, simulated agents that handshake as agents and answer
 * pings, and control clients that ping sessions through the router.
 *
 * The service runs in a forked child so that /proc/<pid>/status VmRSS is
 * the service's alone: clients in the same process would blur the cost of
 * a connection. It is forked before this process starts any thread. */
#include "bench_scale.h"

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "router.h"
#include "sessionbridge.h"

static const uint8_t agent_psk[SB_PSK_SIZE] = {0xa6, 1, 2, 3};
static const uint8_t control_psk[SB_PSK_SIZE] = {0xc0, 4, 5, 6};
static int n_sessions;

/* ---- the service side (child) ---- */

static sb_router_t *router;
static atomic_uint next_session;

static int list_sessions(void *arg, sb_router_session_t *out, size_t cap,
                         size_t *count) {
  (void)arg;
  *count = 0;
  for (int i = 0; i < n_sessions && *count < cap; i++) {
    memset(&out[i], 0, sizeof out[i]);
    out[i].session_id = (uint32_t)i + 1;
    snprintf(out[i].state, sizeof out[i].state, "active");
    (*count)++;
  }
  return 0;
}

static int session_exists(void *arg, uint32_t id) {
  (void)arg;
  return id >= 1 && id <= (uint32_t)n_sessions;
}

/* The real service knows the session from the pipe it launched the agent
 * on; here the agents connect one after another, so the order of accept
 * numbers them 1..n. */
static void on_agent(void *arg, sb_stream_t *s) {
  uint32_t sid = atomic_fetch_add(&next_session, 1) + 1;
  (void)arg;
  sb_router_serve_agent(router, sid, 1000 + sid, s, agent_psk);
}

static void on_control(void *arg, sb_stream_t *s) {
  (void)arg;
  sb_router_serve_control(router, s, control_psk);
}

static sb_server_t *serve(const char *ep, sb_server_conn_fn fn) {
  sb_server_t *srv;
  sb_server_opts_t so;
  memset(&so, 0, sizeof so);
  so.endpoint = ep;
  so.listen.mode = 0600;
  so.listen.gid = -1;
  so.max_connections = 4096;
  so.on_conn = fn;
  return sb_server_start(&srv, &so) ? NULL : srv;
}

static void service_child(const char *agent_ep, const char *control_ep,
                          int ready_fd, int quit_fd) {
  sb_router_hooks_t h;
  char c = 'R';
  memset(&h, 0, sizeof h);
  h.list_sessions = list_sessions;
  h.session_exists = session_exists;
  sb_log_set_sink(NULL, NULL, SB_LOG_ERROR); /* quiet: figures only */
  if (sb_router_new(&router, &h) || !serve(agent_ep, on_agent) ||
      !serve(control_ep, on_control))
    c = 'E';
  if (write(ready_fd, &c, 1) != 1)
    _exit(1);
  /* Serve until the parent closes the pipe (or dies), then leave at once:
   * an orderly teardown of a thousand threads measures nothing. */
  while (read(quit_fd, &c, 1) > 0)
    ;
  _exit(0);
}

/* ---- the clients (parent) ---- */

static uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static long rss_of(pid_t pid) {
  char path[64], line[256];
  long kib = -1;
  snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
  FILE *f = fopen(path, "r");
  while (f && fgets(line, sizeof line, f))
    if (!strncmp(line, "VmRSS:", 6))
      kib = atol(line + 6);
  if (f)
    fclose(f);
  return kib;
}

typedef struct {
  sb_stream_t *s;
  sb_rpc_t *rpc;
} conn_t;

static void agent_handler(void *arg, sb_rpc_t *rpc, sb_rpc_incoming_t *in) {
  Sbwire__V1__Response rsp = SBWIRE__V1__RESPONSE__INIT;
  Sbwire__V1__PingResponse p = SBWIRE__V1__PING_RESPONSE__INIT;
  (void)arg;
  if (in->req->body_case != SBWIRE__V1__REQUEST__BODY_PING) {
    sb_rpc_respond_error(rpc, in, SB_EINVAL, "bench agent: ping only");
    return;
  }
  p.payload = in->req->ping->payload;
  rsp.body_case = SBWIRE__V1__RESPONSE__BODY_PING;
  rsp.ping = &p;
  sb_rpc_respond(rpc, in, &rsp, NULL, 0);
}

static int conn_open(conn_t *c, const char *ep, const uint8_t *psk,
                     sb_rpc_request_fn handler) {
  sb_channel_t *ch = NULL;
  sb_channel_opts_t o = {SB_ROLE_CLIENT, psk, 10000, 10000};
  memset(c, 0, sizeof *c);
  if (sb_stream_connect(&c->s, ep, 10000))
    return -1;
  sb_io_t io = sb_stream_io(c->s);
  if (sb_channel_new(&ch, &io, &o) || sb_channel_handshake(ch)) {
    sb_channel_free(ch);
    sb_stream_close(c->s);
    c->s = NULL;
    return -1;
  }
  sb_rpc_opts_t ro = {handler, NULL, NULL, c->s, 0, 0};
  if (sb_rpc_start(&c->rpc, ch, &ro)) {
    sb_channel_free(ch);
    sb_stream_close(c->s);
    c->s = NULL;
    return -1;
  }
  return 0;
}

static void conn_close(conn_t *c) {
  if (!c->s)
    return;
  sb_rpc_stop(c->rpc);
  sb_stream_close(c->s);
  c->s = NULL;
}

static int ping_session(conn_t *c, uint32_t session) {
  Sbwire__V1__Request req = SBWIRE__V1__REQUEST__INIT;
  Sbwire__V1__PingRequest p = SBWIRE__V1__PING_REQUEST__INIT;
  uint8_t payload[64];
  sb_rpc_result_t res;
  memset(payload, 0x33, sizeof payload);
  p.payload.data = payload;
  p.payload.len = sizeof payload;
  req.session_id = session;
  req.body_case = SBWIRE__V1__REQUEST__BODY_PING;
  req.ping = &p;
  const char *detail = NULL;
  int err = sb_rpc_call(c->rpc, &req, 10000, NULL, 0, &res);
  if (!err) {
    err = sb_rpc_result_err(&res, &detail);
    /* A failed ping is counted; say why, the figure alone hides it. */
    if (err)
      fprintf(stderr, "bench: ping to session %u: %s (%s)\n", session,
              sb_err_name(err), detail ? detail : "");
    sb_rpc_result_free(&res);
  } else {
    fprintf(stderr, "bench: ping to session %u: %s\n", session,
            sb_err_name(err));
  }
  return err;
}

typedef struct {
  const char *ep;
  int index, n, clients;
  uint64_t *lat;
  int errors;
  /* The paced phase: np pings, one every interval_ns (set by the main
   * thread between the barriers), this client's first at paced_t0 plus
   * its share (index / clients) of one interval, so the sends interleave. */
  int np;
  uint64_t *plat;
  int perrors;
  const uint64_t *interval_ns, *paced_t0;
  pthread_barrier_t *start, *done, *pstart, *pdone, *close;
} client_arg_t;

static void sleep_until(uint64_t t) {
  uint64_t now = now_ns();
  if (t > now) {
    struct timespec ts = {(time_t)((t - now) / 1000000000u),
                          (long)((t - now) % 1000000000u)};
    nanosleep(&ts, NULL);
  }
}

/* Open loop: ping k is due at t0 + offset + k * interval whatever became
 * of ping k-1, and its latency runs from when it was due. A client that
 * falls behind sends at once and is charged the wait, so a stall cannot
 * hide itself by delaying the pings that would have seen it. */
static void paced_pings(client_arg_t *a, conn_t *c, int ok) {
  uint64_t iv = *a->interval_ns;
  uint64_t due = *a->paced_t0 + iv * (uint64_t)a->index / (uint64_t)a->clients;
  for (int i = 0; i < a->np; i++, due += iv) {
    sleep_until(due);
    if (!ok || ping_session(c, 1 + (uint32_t)((a->index + i) % n_sessions)))
      a->perrors++;
    a->plat[i] = now_ns() - due;
  }
}

static void *control_client(void *arg) {
  client_arg_t *a = arg;
  conn_t c;
  int ok = conn_open(&c, a->ep, control_psk, NULL) == 0;
  /* Everyone connects first, so the timed part is pings only. */
  pthread_barrier_wait(a->start);
  for (int i = 0; ok && i < a->n; i++) {
    uint64_t t0 = now_ns();
    if (ping_session(&c, 1 + (uint32_t)((a->index + i) % n_sessions)))
      a->errors++;
    a->lat[i] = now_ns() - t0;
  }
  if (!ok)
    a->errors += a->n;
  pthread_barrier_wait(a->done);
  pthread_barrier_wait(a->pstart);
  paced_pings(a, &c, ok);
  pthread_barrier_wait(a->pdone);
  /* Stay connected until the loaded RSS has been read. */
  pthread_barrier_wait(a->close);
  if (ok)
    conn_close(&c);
  return NULL;
}

static int cmp_u64(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return x < y ? -1 : x > y;
}

static pid_t child = -1;
static int ready_rd = -1, quit_wr = -1;
static char agent_ep[256], control_ep[256];

int sb_bench_scale_fork(const char *dir, int agents) {
  int ready[2], quit[2];
  snprintf(agent_ep, sizeof agent_ep, "%s/agent.sock", dir);
  snprintf(control_ep, sizeof control_ep, "%s/control.sock", dir);
  n_sessions = agents;
  if (pipe(ready) || pipe(quit))
    return -1;
  fflush(NULL);
  child = fork();
  if (child < 0)
    return -1;
  if (child == 0) {
    close(ready[0]);
    close(quit[1]);
    service_child(agent_ep, control_ep, ready[1], quit[0]);
  }
  close(ready[1]);
  close(quit[0]);
  ready_rd = ready[0];
  quit_wr = quit[1];
  return 0;
}

int sb_bench_scale(sb_bench_scale_t *r) {
  char c;
  int rc = -1;
  pid_t pid = child;
  if (pid < 0)
    return -1;
  if (read(ready_rd, &c, 1) != 1 || c != 'R') {
    fprintf(stderr, "bench: the scale service did not start\n");
    goto out;
  }
  r->rss_start_kib = rss_of(pid);

  conn_t *agents = calloc((size_t)r->agents, sizeof *agents);
  for (int i = 0; i < r->agents; i++)
    if (conn_open(&agents[i], agent_ep, agent_psk, agent_handler))
      fprintf(stderr, "bench: agent %d could not connect\n", i + 1);
  sb_sleep_ms(300); /* the router registers each link after its handshake */
  r->rss_agents_kib = rss_of(pid);

  /* Idle connections first, in a fresh service, so heap the load left
   * behind does not hide their cost. */
  conn_t *idle = calloc((size_t)r->idle, sizeof *idle);
  for (int i = 0; i < r->idle; i++)
    conn_open(&idle[i], control_ep, control_psk, NULL);
  sb_sleep_ms(500);
  r->rss_idle_kib = rss_of(pid);
  r->per_idle_kib =
      (double)(r->rss_idle_kib - r->rss_agents_kib) / (double)r->idle;
  for (int i = 0; i < r->idle; i++)
    conn_close(&idle[i]);
  free(idle);

  pthread_barrier_t start, done, pstart, pdone, closeb;
  pthread_barrier_init(&start, NULL, (unsigned)r->clients + 1);
  pthread_barrier_init(&done, NULL, (unsigned)r->clients + 1);
  pthread_barrier_init(&pstart, NULL, (unsigned)r->clients + 1);
  pthread_barrier_init(&pdone, NULL, (unsigned)r->clients + 1);
  pthread_barrier_init(&closeb, NULL, (unsigned)r->clients + 1);
  size_t total = (size_t)r->clients * (size_t)r->per_client;
  size_t ptotal = (size_t)r->clients * (size_t)r->paced_per_client;
  uint64_t *lat = calloc(total, sizeof *lat);
  uint64_t *plat = calloc(ptotal ? ptotal : 1, sizeof *plat);
  uint64_t interval_ns = 0, paced_t0 = 0;
  client_arg_t *ca = calloc((size_t)r->clients, sizeof *ca);
  pthread_t *th = calloc((size_t)r->clients, sizeof *th);
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setstacksize(&attr, 256 * 1024);
  for (int i = 0; i < r->clients; i++) {
    ca[i] = (client_arg_t){control_ep,
                           i,
                           r->per_client,
                           r->clients,
                           lat + (size_t)i * (size_t)r->per_client,
                           0,
                           r->paced_per_client,
                           plat + (size_t)i * (size_t)r->paced_per_client,
                           0,
                           &interval_ns,
                           &paced_t0,
                           &start,
                           &done,
                           &pstart,
                           &pdone,
                           &closeb};
    pthread_create(&th[i], &attr, control_client, &ca[i]);
  }
  pthread_attr_destroy(&attr);
  pthread_barrier_wait(&start);
  uint64_t t0 = now_ns();
  pthread_barrier_wait(&done);
  double secs = (double)(now_ns() - t0) / 1e9;
  r->rss_loaded_kib = rss_of(pid);
  r->pings_per_s = (double)total / secs;
  /* Half the rate just measured, spread evenly over the clients; the
   * barrier publishes interval_ns and paced_t0 to them. */
  r->paced_rate = r->pings_per_s / 2;
  interval_ns = (uint64_t)((double)r->clients / r->paced_rate * 1e9);
  paced_t0 = now_ns() + 20000000u;
  pthread_barrier_wait(&pstart);
  pthread_barrier_wait(&pdone);
  pthread_barrier_wait(&closeb);
  for (int i = 0; i < r->clients; i++) {
    pthread_join(th[i], NULL);
    r->errors += ca[i].errors;
    r->paced_errors += ca[i].perrors;
  }
  qsort(lat, total, sizeof *lat, cmp_u64);
  r->p50_ms = (double)lat[total / 2] / 1e6;
  r->p99_ms = (double)lat[(size_t)(0.99 * (double)(total - 1))] / 1e6;
  if (ptotal) {
    qsort(plat, ptotal, sizeof *plat, cmp_u64);
    r->paced_p50_ms = (double)plat[ptotal / 2] / 1e6;
    r->paced_p99_ms = (double)plat[(size_t)(0.99 * (double)(ptotal - 1))] / 1e6;
  }
  for (int i = 0; i < r->agents; i++)
    conn_close(&agents[i]);
  free(agents);
  free(lat);
  free(plat);
  free(ca);
  free(th);
  pthread_barrier_destroy(&start);
  pthread_barrier_destroy(&done);
  pthread_barrier_destroy(&pstart);
  pthread_barrier_destroy(&pdone);
  pthread_barrier_destroy(&closeb);
  rc = 0;
out:
  close(quit_wr); /* the child exits */
  close(ready_rd);
  waitpid(pid, NULL, 0);
  child = -1;
  unlink(agent_ep);
  unlink(control_ep);
  return rc;
}
