/* SPDX-License-Identifier: MIT */
/* sb_service_start copies its config's strings: a caller that frees or
 * reuses the memory they were in once the service has started (the SCM
 * entry point builds them in buffers of its own) leaves the service
 * working. The strings here live in one heap block that is overwritten
 * and freed right after the start; the service then launches an agent
 * (whose pipe name is built from agent_prefix) and answers a control
 * client (on control_endpoint, with the key read from control_key_path).
 * On a service that kept the caller's pointers the agent's pipe name lacks
 * the prefix, wiped by then (and under ASan the read is a use-after-free). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sbtest.h"
#include "service.h"
#include "sessionbridge.h"

struct sb_agent_proc {
  uint32_t pid;
};

static struct {
  sb_mutex_t *lock;
  int ready; /* the session shows only once the config is gone */
  int launches;
  char endpoint[SB_BOOTSTRAP_ENDPOINT_MAX + 1]; /* of the first launch */
  struct sb_agent_proc proc;
} F;

static int one_session(void *ctx, sb_os_session_t *out, size_t cap,
                       size_t *count) {
  (void)ctx;
  *count = 0;
  sb_mutex_lock(F.lock);
  int ready = F.ready;
  sb_mutex_unlock(F.lock);
  if (!ready || cap < 1)
    return 0;
  memset(&out[0], 0, sizeof out[0]);
  out[0].session_id = 7;
  out[0].logon_id = 0x3e70007;
  out[0].has_user = 1;
  out[0].locked = 0;
  snprintf(out[0].user, sizeof out[0].user, "DOM\\carol");
  *count = 1;
  return 0;
}

static int fake_sddl(void *ctx, uint32_t session, char *buf, size_t cap) {
  (void)ctx, (void)session;
  snprintf(buf, cap, "D:P(A;;GA;;;SY)");
  return 0;
}

static int fake_launch(void *ctx, uint32_t session, const sb_bootstrap_t *b,
                       sb_agent_proc_t **out, uint32_t *pid) {
  (void)ctx, (void)session;
  sb_mutex_lock(F.lock);
  if (F.launches++ == 0)
    snprintf(F.endpoint, sizeof F.endpoint, "%s", b->endpoint);
  sb_mutex_unlock(F.lock);
  F.proc.pid = 5000;
  *out = &F.proc;
  *pid = F.proc.pid;
  return 0;
}

static int fake_exited(void *ctx, sb_agent_proc_t *p, uint32_t *code) {
  (void)ctx;
  *code = 1;
  return p->pid == 0;
}

static void fake_kill(void *ctx, sb_agent_proc_t *p) {
  (void)ctx;
  p->pid = 0;
}

static void fake_free(void *ctx, sb_agent_proc_t *p) { (void)ctx, (void)p; }

static int refuse_peer(void *ctx, sb_stream_t *s, uint32_t pid, uint32_t id) {
  (void)ctx, (void)s, (void)pid, (void)id;
  return SB_EPEER;
}

static int accept_control(void *ctx, sb_stream_t *s) {
  (void)ctx, (void)s;
  return 0;
}

/* Put s into the block at *at and return where it went. */
static char *put(char **at, const char *s) {
  char *p = *at;
  size_t n = strlen(s) + 1;
  memcpy(p, s, n);
  *at += n;
  return p;
}

SB_TEST(service_config_strings_are_copied) {
  sb_service_t *svc = NULL;
  sb_service_config_t cfg;
  sb_svc_platform_t plat;
  sb_smgr_config_t sc = {500, 30000, 60000, 60000, 1000, 10000};
  char ep[256], prefix[256], key[512];
  uint8_t psk[32];
  size_t block_len = 4096;
  char *block, *at;
  sb_client_t *c = NULL;
  sb_session_t *list = NULL;
  size_t count = 0;
  FILE *f;

  memset(&F, 0, sizeof F);
  CHECK_OK(sb_init());
  CHECK_OK(sb_mutex_new(&F.lock));
  sbtest_endpoint("cfgctl", ep, sizeof ep);
  sbtest_endpoint("cfgagent", prefix, sizeof prefix);
  snprintf(key, sizeof key, "%s/cfg.key", sbtest_tmpdir());
  sb_random(psk, sizeof psk);
  f = fopen(key, "wb");
  CHECK(f != NULL);
  CHECK_EQ(fwrite(psk, 1, sizeof psk, f), sizeof psk);
  fclose(f);

  memset(&plat, 0, sizeof plat);
  plat.enum_sessions = one_session;
  plat.agent_sddl = fake_sddl;
  plat.launch_agent = fake_launch;
  plat.agent_exited = fake_exited;
  plat.agent_kill = fake_kill;
  plat.agent_free = fake_free;
  plat.check_agent_peer = refuse_peer;
  plat.check_control_peer = accept_control;

  /* Every string of the config in one heap block, as a caller that
   * builds its config dynamically would have it. */
  CHECK(strlen(ep) + strlen(prefix) + strlen(key) + 64 < block_len);
  block = malloc(block_len);
  CHECK(block != NULL);
  at = block;
  memset(&cfg, 0, sizeof cfg);
  cfg.agent_path = put(&at, "sbagent");
  cfg.control_endpoint = put(&at, ep);
  cfg.control_key_path = put(&at, key);
  cfg.agent_prefix = put(&at, prefix);
  cfg.enum_interval_ms = 20;
  cfg.smgr = &sc;
  CHECK_OK(sb_service_start(&svc, &cfg, &plat));
  /* The caller is done with its config: wiped (sb_memzero, which the
   * compiler cannot drop as a dead store before free), then freed. */
  sb_memzero(block, block_len);
  free(block);
  memset(&cfg, 0, sizeof cfg);
  sb_mutex_lock(F.lock);
  F.ready = 1;
  sb_mutex_unlock(F.lock);

  /* The agent launched after that is named from the service's own copy
   * of agent_prefix. */
  for (int i = 0; i < sbtest_ms(5000) / 10; i++) {
    sb_mutex_lock(F.lock);
    int n = F.launches;
    sb_mutex_unlock(F.lock);
    if (n >= 1)
      break;
    sb_sleep_ms(10);
  }
  sb_mutex_lock(F.lock);
  CHECK(F.launches >= 1);
  fprintf(stderr, "agent endpoint: %s\n", F.endpoint);
  CHECK(strncmp(F.endpoint, prefix, strlen(prefix)) == 0);
  CHECK(strstr(F.endpoint, "-7-") != NULL);
  sb_mutex_unlock(F.lock);

  /* And the control endpoint still serves. */
  CHECK_OK(sb_client_open(&c, ep, key, (uint32_t)sbtest_ms(5000)));
  CHECK_OK(sb_client_sessions(c, (uint32_t)sbtest_ms(5000), &list, &count));
  CHECK_EQ(count, 1);
  CHECK_EQ(list[0].session_id, 7);
  sb_free(list);
  sb_client_close(c);
  sb_service_stop(svc, NULL, NULL);
  sb_mutex_free(F.lock);
}
