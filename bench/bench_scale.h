/* SPDX-License-Identifier: MIT */
/* Group 4 of the benchmark: the service core at scale (bench_scale.c). */
#ifndef SB_BENCH_SCALE_H
#define SB_BENCH_SCALE_H

#include <stdint.h>

typedef struct {
  int agents, clients, per_client, idle; /* in */
  double pings_per_s, p50_ms, p99_ms;    /* out: closed loop, saturated */
  int errors;
  /* Then the same clients paced to half the saturated rate (open loop),
   * latency counted from each ping's scheduled send time. */
  int paced_per_client;                   /* in */
  double paced_rate, paced_p50_ms, paced_p99_ms; /* out */
  int paced_errors;
  long rss_start_kib;  /* servers up, nothing connected */
  long rss_agents_kib; /* + the agents */
  long rss_idle_kib;   /* + `idle` idle control connections */
  long rss_loaded_kib; /* agents + all clients connected, after the load */
  double per_idle_kib;
} sb_bench_scale_t;

/* Fork the service side (router + agent and control servers) into a child
 * so its RSS is the service's alone. Call before this process starts any
 * thread (a fork is only clean then); it waits, idle, for
 * sb_bench_scale. dir: a private directory for the sockets. */
int sb_bench_scale_fork(const char *dir, int agents);
/* Run the agents and clients in this process against it, then end the
 * child. 0 on success. */
int sb_bench_scale(sb_bench_scale_t *r);

#endif
