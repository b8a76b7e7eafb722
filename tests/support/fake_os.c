/* SPDX-License-Identifier: MIT */
#include "fake_os.h"

#include <stdio.h>
#include <string.h>

#include "sbtest.h"

#define MAX_AGENTS 16

struct sb_agent_proc {
  uint32_t pid;
  int killed;
};

static struct {
  sb_mutex_t *lock;
  sb_os_session_t session; /* what enumerations list */
  int fail, empty;
  sbt_fakeos_counts_t n;
  struct sb_agent_proc procs[MAX_AGENTS];
  char endpoint[SB_BOOTSTRAP_ENDPOINT_MAX + 1]; /* of the first launch */
  int inproc;                  /* sbt_fakeos_inproc_agents */
  uint8_t psk[SB_PSK_SIZE];    /* the first launch's key (inproc only) */
} F;

static int fake_enum(void *ctx, sb_os_session_t *out, size_t cap,
                     size_t *count) {
  (void)ctx;
  *count = 0;
  sb_mutex_lock(F.lock);
  int fail = F.fail, empty = F.empty;
  F.n.enums++;
  F.n.failed_enums += fail;
  if (!fail && !empty && cap >= 1) {
    out[0] = F.session;
    *count = 1;
  }
  sb_mutex_unlock(F.lock);
  return fail ? SB_EOS : 0;
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
  int i = F.n.launches++;
  int inproc = F.inproc;
  if (i == 0)
    snprintf(F.endpoint, sizeof F.endpoint, "%s", b->endpoint);
  if (i == 0 && inproc)
    memcpy(F.psk, b->psk, SB_PSK_SIZE);
  sb_mutex_unlock(F.lock);
  if (i >= MAX_AGENTS)
    return SB_ELIMIT;
  /* The service checks an agent's peer pid against the launch's. */
  F.procs[i].pid = inproc ? sb_getpid() : 4000u + (uint32_t)i;
  F.procs[i].killed = 0;
  *out = &F.procs[i];
  *pid = F.procs[i].pid;
  return 0;
}

/* Running until killed, exited from then on. */
static int fake_exited(void *ctx, sb_agent_proc_t *p, uint32_t *code) {
  (void)ctx;
  sb_mutex_lock(F.lock);
  int killed = p->killed;
  sb_mutex_unlock(F.lock);
  if (!killed)
    return 0;
  *code = 1;
  return 1;
}

static void fake_kill(void *ctx, sb_agent_proc_t *p) {
  (void)ctx;
  sb_mutex_lock(F.lock);
  F.n.kills++;
  p->killed = 1;
  sb_mutex_unlock(F.lock);
}

static void fake_free(void *ctx, sb_agent_proc_t *p) { (void)ctx, (void)p; }

static int refuse_peer(void *ctx, sb_stream_t *s, uint32_t pid, uint32_t id) {
  (void)ctx, (void)s, (void)pid, (void)id;
  sb_mutex_lock(F.lock);
  int inproc = F.inproc;
  sb_mutex_unlock(F.lock);
  return inproc ? 0 : SB_EPEER;
}

static int allow_control(void *ctx, sb_stream_t *s) {
  (void)ctx, (void)s;
  return 0;
}

/* What the service's session manager waits and retries (the same for
 * every test on the fake OS). */
static const sb_smgr_config_t smgr_config = {500,   30000, 60000,
                                             60000, 1000,  10000};

void sbt_fakeos_init(sbt_fakeos_t *r, const char *tag,
                     const sb_os_session_t *session) {
  char name[64];
  FILE *f;
  memset(r, 0, sizeof *r);
  memset(&F, 0, sizeof F);
  CHECK_OK(sb_init());
  CHECK_OK(sb_mutex_new(&F.lock));
  F.session = *session;
  snprintf(name, sizeof name, "%sctl", tag);
  sbtest_endpoint(name, r->ep, sizeof r->ep);
  snprintf(name, sizeof name, "%sagent", tag);
  sbtest_endpoint(name, r->prefix, sizeof r->prefix);
  snprintf(r->key, sizeof r->key, "%s/%s.key", sbtest_tmpdir(), tag);
  sb_random(r->psk, sizeof r->psk);
  f = fopen(r->key, "wb");
  CHECK(f != NULL);
  CHECK_EQ(fwrite(r->psk, 1, sizeof r->psk, f), sizeof r->psk);
  fclose(f);
}

void sbt_fakeos_config(const sbt_fakeos_t *r, sb_service_config_t *cfg) {
  memset(cfg, 0, sizeof *cfg);
  cfg->agent_path = "sbagent";
  cfg->control_endpoint = r->ep;
  cfg->control_key_path = r->key;
  cfg->agent_prefix = r->prefix;
  /* Enumerations every 20 ms, so a test sees one soon after a change. */
  cfg->enum_interval_ms = 20;
  cfg->smgr = &smgr_config;
}

void sbt_fakeos_serve(sbt_fakeos_t *r, const sb_service_config_t *cfg) {
  sb_svc_platform_t plat;
  memset(&plat, 0, sizeof plat);
  plat.enum_sessions = fake_enum;
  plat.agent_sddl = fake_sddl;
  plat.launch_agent = fake_launch;
  plat.agent_exited = fake_exited;
  plat.agent_kill = fake_kill;
  plat.agent_free = fake_free;
  plat.check_agent_peer = refuse_peer;
  plat.check_control_peer = allow_control;
  CHECK_OK(sb_service_start(&r->svc, cfg, &plat));
}

void sbt_fakeos_start(sbt_fakeos_t *r, const char *tag,
                      const sb_os_session_t *session) {
  sb_service_config_t cfg;
  sbt_fakeos_init(r, tag, session);
  sbt_fakeos_config(r, &cfg);
  sbt_fakeos_serve(r, &cfg);
  /* The session is known (enumerated) before the test goes on. */
  size_t n = 0;
  for (int i = 0; i < sbtest_ms(5000) / 10 && n != 1; i++) {
    sb_smgr_info_t info[2];
    if ((n = sb_service_snapshot(r->svc, info, 2)) != 1)
      sb_sleep_ms(10);
  }
  CHECK_EQ(n, 1);
}

void sbt_fakeos_stop(sbt_fakeos_t *r) {
  sb_service_stop(r->svc, NULL, NULL);
  r->svc = NULL;
  sb_memzero(r->psk, sizeof r->psk);
  sb_memzero(F.psk, sizeof F.psk);
  sb_mutex_free(F.lock);
}

void sbt_fakeos_set_state(const char *state) {
  sb_mutex_lock(F.lock);
  snprintf(F.session.state, sizeof F.session.state, "%s", state);
  sb_mutex_unlock(F.lock);
}

void sbt_fakeos_set_enum(int fail, int empty) {
  sb_mutex_lock(F.lock);
  F.fail = fail;
  F.empty = empty;
  sb_mutex_unlock(F.lock);
}

sbt_fakeos_counts_t sbt_fakeos_counts(void) {
  sb_mutex_lock(F.lock);
  sbt_fakeos_counts_t n = F.n;
  sb_mutex_unlock(F.lock);
  return n;
}

void sbt_fakeos_agent_endpoint(char *buf, size_t cap) {
  sb_mutex_lock(F.lock);
  snprintf(buf, cap, "%s", F.endpoint);
  sb_mutex_unlock(F.lock);
}

void sbt_fakeos_inproc_agents(int on) {
  sb_mutex_lock(F.lock);
  F.inproc = on;
  sb_mutex_unlock(F.lock);
}

void sbt_fakeos_agent_key(uint8_t key[SB_PSK_SIZE]) {
  sb_mutex_lock(F.lock);
  memcpy(key, F.psk, SB_PSK_SIZE);
  sb_mutex_unlock(F.lock);
}
