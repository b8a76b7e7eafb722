/* Group 4 of the benchmark: the service core at scale (bench_scale.c). */
#ifndef SB_BENCH_SCALE_H
#define SB_BENCH_SCALE_H

#include <stdint.h>

typedef struct {
  int agents, clients, per_client, idle; /* in */
  double pings_per_s, p50_ms, p99_ms;    /* out */
  int errors;
  long rss_start_kib;  /* servers up, nothing connected */
  long rss_agents_kib; /* + the agents */
  long rss_idle_kib;   /* + `idle` idle control connections */
  long rss_loaded_kib; /* agents + all clients connected, after the load */
  double per_idle_kib;
} sb_bench_scale_t;

/* Runs the service side (router + agent and control servers) in a forked
 * child so its RSS is the service's alone, and the agents and clients in
 * this process. dir: a private directory for the sockets. 0 on success. */
int sb_bench_scale(const char *dir, sb_bench_scale_t *r);

#endif
