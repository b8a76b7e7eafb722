/* SPDX-License-Identifier: MIT */
/* The service core under a fake OS seam whose session enumeration
 * fails: the sessions it knew stay, their agents are neither killed nor
 * relaunched. (An empty successful enumeration, by contrast, ends them:
 * shown last, so the test tells the two apart.) */
#include <stdio.h>
#include <string.h>

#include "sbtest.h"
#include "service.h"
#include "sessionbridge.h"

struct sb_agent_proc {
  uint32_t pid;
};

static struct {
  sb_mutex_t *lock;
  int fail;  /* enum_sessions returns SB_EOS */
  int empty; /* enum_sessions succeeds with no session */
  int enums, failed_enums, launches, kills;
  struct sb_agent_proc procs[16];
} F;

static int fake_enum(void *ctx, sb_os_session_t *out, size_t cap,
                     size_t *count) {
  (void)ctx;
  sb_mutex_lock(F.lock);
  int fail = F.fail, empty = F.empty;
  F.enums++;
  F.failed_enums += fail;
  sb_mutex_unlock(F.lock);
  if (fail)
    return SB_EOS;
  *count = 0;
  if (empty || cap < 1)
    return 0;
  memset(&out[0], 0, sizeof out[0]);
  out[0].session_id = 5;
  out[0].logon_id = 0x3e70001;
  out[0].has_user = 1;
  out[0].locked = -1;
  snprintf(out[0].user, sizeof out[0].user, "DOM\\alice");
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
  (void)ctx, (void)session, (void)b;
  sb_mutex_lock(F.lock);
  int i = F.launches++;
  sb_mutex_unlock(F.lock);
  if (i >= 16)
    return SB_ELIMIT;
  F.procs[i].pid = 4000u + (uint32_t)i;
  *out = &F.procs[i];
  *pid = F.procs[i].pid;
  return 0;
}

/* An agent "exits" once it has been killed. */
static int fake_exited(void *ctx, sb_agent_proc_t *p, uint32_t *code) {
  (void)ctx;
  *code = 1;
  return p->pid == 0;
}

static void fake_kill(void *ctx, sb_agent_proc_t *p) {
  (void)ctx;
  sb_mutex_lock(F.lock);
  F.kills++;
  sb_mutex_unlock(F.lock);
  p->pid = 0;
}

static void fake_free(void *ctx, sb_agent_proc_t *p) { (void)ctx, (void)p; }

static int refuse_peer(void *ctx, sb_stream_t *s, uint32_t pid, uint32_t id) {
  (void)ctx, (void)s, (void)pid, (void)id;
  return SB_EPEER;
}

static int refuse_control(void *ctx, sb_stream_t *s) {
  (void)ctx, (void)s;
  return SB_EACCES;
}

static int snapshot_one(sb_service_t *svc, sb_smgr_info_t *out) {
  sb_smgr_info_t info[4];
  size_t n = sb_service_snapshot(svc, info, 4);
  if (n == 1)
    *out = info[0];
  return (int)n;
}

static int counter(int *c) {
  sb_mutex_lock(F.lock);
  int v = *c;
  sb_mutex_unlock(F.lock);
  return v;
}

SB_TEST(service_enum_failure_keeps_sessions) {
  sb_service_t *svc = NULL;
  sb_service_config_t cfg;
  sb_svc_platform_t plat;
  sb_smgr_config_t sc = {500, 30000, 60000, 60000, 1000, 10000};
  sb_smgr_info_t s;
  memset(&s, 0, sizeof s);
  char ep[256], prefix[256], key[512];
  uint8_t psk[32];
  FILE *f;

  memset(&F, 0, sizeof F);
  CHECK_OK(sb_init());
  CHECK_OK(sb_mutex_new(&F.lock));
  sbtest_endpoint("enumctl", ep, sizeof ep);
  sbtest_endpoint("enumagent", prefix, sizeof prefix);
  snprintf(key, sizeof key, "%s/enum.key", sbtest_tmpdir());
  sb_random(psk, sizeof psk);
  f = fopen(key, "wb");
  CHECK(f != NULL);
  CHECK_EQ(fwrite(psk, 1, sizeof psk, f), sizeof psk);
  fclose(f);

  memset(&plat, 0, sizeof plat);
  plat.enum_sessions = fake_enum;
  plat.agent_sddl = fake_sddl;
  plat.launch_agent = fake_launch;
  plat.agent_exited = fake_exited;
  plat.agent_kill = fake_kill;
  plat.agent_free = fake_free;
  plat.check_agent_peer = refuse_peer;
  plat.check_control_peer = refuse_control;
  memset(&cfg, 0, sizeof cfg);
  cfg.agent_path = "sbagent";
  cfg.control_endpoint = ep;
  cfg.control_key_path = key;
  cfg.agent_prefix = prefix;
  cfg.enum_interval_ms = 20;
  cfg.smgr = &sc;
  CHECK_OK(sb_service_start(&svc, &cfg, &plat));

  /* The session is found and its agent launched, once. The launch is
   * recorded (pid) a moment after the platform's launch returns: wait for
   * the record, not only the call. */
  for (int i = 0; i < sbtest_ms(5000) / 10; i++) {
    if (counter(&F.launches) >= 1 && snapshot_one(svc, &s) == 1 && s.pid)
      break;
    sb_sleep_ms(10);
  }
  CHECK_EQ(counter(&F.launches), 1);
  CHECK_EQ(snapshot_one(svc, &s), 1);
  CHECK_EQ(s.session_id, 5);
  uint32_t pid = s.pid;
  CHECK(pid != 0);

  /* Enumeration fails, many times over: nothing changes. */
  sb_mutex_lock(F.lock);
  F.fail = 1;
  sb_mutex_unlock(F.lock);
  for (int i = 0; i < sbtest_ms(5000) / 10 && counter(&F.failed_enums) < 10;
       i++)
    sb_sleep_ms(10);
  CHECK(counter(&F.failed_enums) >= 10);
  CHECK_EQ(snapshot_one(svc, &s), 1);
  CHECK_EQ(s.session_id, 5);
  CHECK_EQ(s.pid, pid);
  CHECK_EQ(s.launches, 1);
  CHECK_EQ(counter(&F.launches), 1);
  CHECK_EQ(counter(&F.kills), 0);

  /* A successful enumeration without the session does end it. */
  sb_mutex_lock(F.lock);
  F.fail = 0;
  F.empty = 1;
  sb_mutex_unlock(F.lock);
  for (int i = 0; i < sbtest_ms(5000) / 10 && counter(&F.kills) < 1; i++)
    sb_sleep_ms(10);
  CHECK(counter(&F.kills) >= 1);
  for (int i = 0; i < sbtest_ms(5000) / 10 && snapshot_one(svc, &s) != 0;
       i++)
    sb_sleep_ms(10);
  CHECK_EQ(snapshot_one(svc, &s), 0);
  CHECK_EQ(counter(&F.launches), 1);
  sb_service_stop(svc, NULL, NULL);
  sb_mutex_free(F.lock);
}
