/* SPDX-License-Identifier: MIT */
/* The session manager driven by synthetic event sequences: what Wine
 * cannot produce (several sessions, logons, user switches) is exercised
 * here on the state machine itself. */
#include "sbtest.h"
#include "session_mgr.h"
#include "sessionbridge.h"

static sb_smgr_action_t acts[16];

static size_t tick(sb_smgr_t *m, uint64_t now) {
  return sb_smgr_tick(m, now, acts, 16);
}

static void init(sb_smgr_t *m) {
  sb_smgr_config_t cfg = {500, 30000, 60000, 15000, 1000, 10000};
  sb_smgr_init(m, &cfg);
}

/* Logon, launch, connect: returns the pid used. */
static uint32_t bring_up(sb_smgr_t *m, uint64_t now, uint32_t id,
                         uint64_t luid, uint32_t pid) {
  sb_smgr_logon(m, now, id, luid, "DOM\\user");
  CHECK_EQ(tick(m, now), 1);
  CHECK_EQ(acts[0].type, SB_SMGR_ACT_LAUNCH);
  CHECK_EQ(acts[0].session_id, id);
  sb_smgr_launched(m, now, id, luid, pid);
  sb_smgr_connected(m, now + 10, id, pid);
  CHECK_EQ(sb_smgr_find(m, id)->state, SB_SMGR_CONNECTED);
  return pid;
}

SB_TEST(smgr_launch_and_connect) {
  sb_smgr_t m;
  init(&m);
  bring_up(&m, 0, 1, 100, 4242);
  CHECK_EQ(tick(&m, 20), 0); /* nothing more to do */
  CHECK_EQ(sb_smgr_find(&m, 1)->launches, 1);
  /* Enumeration repeats the logon: still one session, one agent. */
  sb_smgr_logon(&m, 30, 1, 100, "DOM\\user");
  CHECK_EQ(tick(&m, 40), 0);
}

SB_TEST(smgr_user_switch_same_id) {
  sb_smgr_t m;
  init(&m);
  bring_up(&m, 0, 1, 100, 11);
  /* A new logon reuses session id 1 with a new LUID. */
  sb_smgr_logon(&m, 1000, 1, 200, "DOM\\bob");
  CHECK_EQ(tick(&m, 1000), 2);
  int kills = 0, launches = 0;
  for (int i = 0; i < 2; i++) {
    if (acts[i].type == SB_SMGR_ACT_KILL) {
      kills++;
      CHECK_EQ(acts[i].pid, 11);
      CHECK_EQ(acts[i].logon_id, 100);
    } else {
      launches++;
      CHECK_EQ(acts[i].logon_id, 200);
    }
  }
  CHECK_EQ(kills, 1);
  CHECK_EQ(launches, 1);
  /* The live session is bob's. */
  CHECK_EQ(sb_smgr_find(&m, 1)->logon_id, 200);
  sb_smgr_launched(&m, 1001, 1, 200, 22);
  /* The old agent's exit must not disturb the new session. */
  sb_smgr_exited(&m, 1002, 1, 11, 1);
  CHECK_EQ(sb_smgr_find(&m, 1)->state, SB_SMGR_LAUNCHING);
  CHECK_EQ(sb_smgr_find(&m, 1)->crashes, 0);
  CHECK_EQ(sb_smgr_agents_running(&m), 1);
}

SB_TEST(smgr_logoff_during_launch) {
  sb_smgr_t m;
  init(&m);
  sb_smgr_logon(&m, 0, 2, 7, "u");
  CHECK_EQ(tick(&m, 0), 1);
  /* Logoff arrives while the launch is in flight. */
  sb_smgr_logoff(&m, 5, 2);
  CHECK(sb_smgr_find(&m, 2) == NULL);
  sb_smgr_launched(&m, 6, 2, 7, 77);
  /* The freshly launched agent is killed, never left running. */
  CHECK_EQ(tick(&m, 7), 1);
  CHECK_EQ(acts[0].type, SB_SMGR_ACT_KILL);
  CHECK_EQ(acts[0].pid, 77);
  sb_smgr_exited(&m, 8, 2, 77, 1);
  CHECK_EQ(sb_smgr_agents_running(&m), 0);
  CHECK_EQ(tick(&m, 100000), 0); /* and not relaunched */
}

SB_TEST(smgr_crash_loop_backoff_capped) {
  sb_smgr_t m;
  uint64_t now = 0;
  uint64_t last_delay = 0;
  init(&m);
  bring_up(&m, now, 1, 1, 1000);
  for (uint32_t i = 1; i <= 20; i++) {
    uint32_t pid = 1000 + i - 1;
    sb_smgr_exited(&m, now, 1, pid, 0xC0000005u);
    const sb_smgr_session_t *s = sb_smgr_find(&m, 1);
    CHECK_EQ(s->state, SB_SMGR_BACKOFF);
    uint64_t delay = s->next_launch_at - now;
    CHECK(delay >= last_delay);
    CHECK(delay <= 30000);
    if (i == 1)
      CHECK_EQ(delay, 500);
    if (i == 2)
      CHECK_EQ(delay, 1000);
    last_delay = delay;
    /* No launch before its time, however often we tick: no spin. */
    for (uint64_t t = now; t < now + delay; t += delay / 4 + 1)
      CHECK_EQ(tick(&m, t), 0);
    now += delay;
    CHECK_EQ(tick(&m, now), 1);
    CHECK_EQ(acts[0].type, SB_SMGR_ACT_LAUNCH);
    sb_smgr_launched(&m, now, 1, 1, pid + 1);
  }
  CHECK_EQ(last_delay, 30000);
  CHECK_EQ(sb_smgr_find(&m, 1)->launches, 21);
}

SB_TEST(smgr_healthy_run_resets_backoff) {
  sb_smgr_t m;
  init(&m);
  bring_up(&m, 0, 1, 1, 10);
  for (int i = 0; i < 5; i++) { /* grow the backoff */
    sb_smgr_exited(&m, 0, 1, 10 + (uint32_t)i, 1);
    uint64_t at = sb_smgr_find(&m, 1)->next_launch_at;
    CHECK_EQ(tick(&m, at), 1);
    sb_smgr_launched(&m, at, 1, 1, 11 + (uint32_t)i);
  }
  CHECK(sb_smgr_find(&m, 1)->crashes >= 5);
  sb_smgr_connected(&m, 100000, 1, 15);
  sb_smgr_exited(&m, 100000 + 60000, 1, 15, 1);
  CHECK_EQ(sb_smgr_find(&m, 1)->crashes, 1);
  CHECK_EQ(sb_smgr_find(&m, 1)->next_launch_at - 160000, 500);
}

SB_TEST(smgr_logoff_exit_code_no_relaunch) {
  sb_smgr_t m;
  init(&m);
  bring_up(&m, 0, 1, 1, 10);
  sb_smgr_exited(&m, 5, 1, 10, SB_SMGR_EXIT_LOGOFF);
  CHECK_EQ(tick(&m, 1000000), 0);
  sb_smgr_logoff(&m, 1000001, 1);
  CHECK(sb_smgr_find(&m, 1) == NULL);
}

SB_TEST(smgr_permanent_error_no_relaunch) {
  sb_smgr_t m;
  init(&m);
  bring_up(&m, 0, 1, 1, 10);
  sb_smgr_exited(&m, 5, 1, 10, SB_SMGR_EXIT_PERMANENT);
  CHECK_EQ(sb_smgr_find(&m, 1)->state, SB_SMGR_FAILED);
  CHECK_EQ(tick(&m, 1000000), 0);
}

SB_TEST(smgr_no_token_retried) {
  sb_smgr_t m;
  init(&m);
  sb_smgr_logon(&m, 0, 1, 1, "u");
  for (int i = 0; i < 5; i++) {
    uint64_t now = (uint64_t)i * 1000;
    CHECK_EQ(tick(&m, now), 1);
    sb_smgr_launch_failed(&m, now, 1, 1, SB_ENOTOKEN);
    /* Retried at a fixed short interval, not counted as a crash. */
    CHECK_EQ(sb_smgr_find(&m, 1)->crashes, 0);
    CHECK_EQ(sb_smgr_find(&m, 1)->next_launch_at, now + 1000);
  }
  CHECK_EQ(tick(&m, 5000), 1);
  sb_smgr_launched(&m, 5000, 1, 1, 9);
  sb_smgr_connected(&m, 5001, 1, 9);
  CHECK_EQ(sb_smgr_find(&m, 1)->state, SB_SMGR_CONNECTED);
}

SB_TEST(smgr_lock_keeps_agent) {
  sb_smgr_t m;
  init(&m);
  bring_up(&m, 0, 1, 1, 10);
  sb_smgr_lock(&m, 1, 1);
  CHECK_EQ(tick(&m, 10), 0);
  CHECK_EQ(sb_smgr_find(&m, 1)->locked, 1);
  CHECK_EQ(sb_smgr_find(&m, 1)->state, SB_SMGR_CONNECTED);
  sb_smgr_lock(&m, 1, 0);
  CHECK_EQ(sb_smgr_find(&m, 1)->locked, 0);
}

SB_TEST(smgr_stop_kills_all_and_launches_none) {
  sb_smgr_t m;
  init(&m);
  bring_up(&m, 0, 1, 1, 10);
  bring_up(&m, 0, 2, 2, 20);
  sb_smgr_logon(&m, 0, 3, 3, "c"); /* not launched yet */
  sb_smgr_stop(&m);
  CHECK_EQ(tick(&m, 1), 2);
  CHECK_EQ(acts[0].type, SB_SMGR_ACT_KILL);
  CHECK_EQ(acts[1].type, SB_SMGR_ACT_KILL);
  sb_smgr_exited(&m, 2, 1, 10, 1);
  sb_smgr_exited(&m, 2, 2, 20, 1);
  CHECK_EQ(sb_smgr_agents_running(&m), 0);
  CHECK_EQ(tick(&m, 100000), 0);
  sb_smgr_logon(&m, 100001, 4, 4, "d");
  CHECK_EQ(tick(&m, 100002), 0);
}

SB_TEST(smgr_rdp_sessions_each_get_an_agent) {
  sb_smgr_t m;
  init(&m);
  for (uint32_t id = 1; id <= 5; id++)
    sb_smgr_logon(&m, 0, id, 100 + id, "rdp user");
  CHECK_EQ(tick(&m, 0), 5);
  for (int i = 0; i < 5; i++) {
    CHECK_EQ(acts[i].type, SB_SMGR_ACT_LAUNCH);
    sb_smgr_launched(&m, 1, acts[i].session_id, acts[i].logon_id,
                     1000 + acts[i].session_id);
  }
  /* Session 3 logs off; the others are untouched. */
  sb_smgr_logoff(&m, 2, 3);
  CHECK_EQ(tick(&m, 3), 1);
  CHECK_EQ(acts[0].type, SB_SMGR_ACT_KILL);
  CHECK_EQ(acts[0].pid, 1003);
  CHECK_EQ(sb_smgr_agents_running(&m), 5);
  sb_smgr_exited(&m, 4, 3, 1003, SB_SMGR_EXIT_LOGOFF);
  CHECK_EQ(sb_smgr_agents_running(&m), 4);
}

SB_TEST(smgr_connect_timeout_kills_silent_agent) {
  sb_smgr_t m;
  init(&m);
  sb_smgr_logon(&m, 0, 1, 1, "u");
  CHECK_EQ(tick(&m, 0), 1);
  sb_smgr_launched(&m, 0, 1, 1, 50);
  CHECK_EQ(tick(&m, 14999), 0);
  CHECK_EQ(tick(&m, 15000), 1);
  CHECK_EQ(acts[0].type, SB_SMGR_ACT_KILL);
  sb_smgr_exited(&m, 15001, 1, 50, 1);
  CHECK_EQ(sb_smgr_find(&m, 1)->state, SB_SMGR_BACKOFF);
}

SB_TEST(smgr_session_id_reuse) {
  sb_smgr_t m;
  init(&m);
  bring_up(&m, 0, 1, 100, 11);
  /* Alice logs off; her agent ends with the logoff exit code. */
  sb_smgr_logoff(&m, 1000, 1);
  CHECK(sb_smgr_find(&m, 1) == NULL);
  CHECK_EQ(tick(&m, 1001), 1);
  CHECK_EQ(acts[0].type, SB_SMGR_ACT_KILL);
  sb_smgr_exited(&m, 1002, 1, 11, SB_SMGR_EXIT_LOGOFF);
  CHECK_EQ(sb_smgr_agents_running(&m), 0);
  /* Much later Bob gets the same session id with a new logon. */
  sb_smgr_logon(&m, 50000, 1, 300, "DOM\\bob");
  CHECK_EQ(tick(&m, 50000), 1);
  CHECK_EQ(acts[0].type, SB_SMGR_ACT_LAUNCH);
  CHECK_EQ(acts[0].logon_id, 300);
  /* Stale results for Alice's logon must not touch Bob's session. */
  sb_smgr_launched(&m, 50001, 1, 100, 99);
  sb_smgr_exited(&m, 50001, 1, 11, 1);
  sb_smgr_connected(&m, 50001, 1, 11);
  CHECK_EQ(sb_smgr_find(&m, 1)->logon_id, 300);
  CHECK_EQ(sb_smgr_find(&m, 1)->launches, 0);
  CHECK_EQ(sb_smgr_find(&m, 1)->crashes, 0);
  sb_smgr_launched(&m, 50002, 1, 300, 33);
  sb_smgr_connected(&m, 50003, 1, 33);
  CHECK_EQ(sb_smgr_find(&m, 1)->state, SB_SMGR_CONNECTED);
  CHECK_EQ(sb_smgr_find(&m, 1)->launches, 1);
  CHECK_EQ(sb_smgr_agents_running(&m), 1);
}

SB_TEST(smgr_late_enumeration_after_logoff) {
  sb_smgr_t m;
  init(&m);
  bring_up(&m, 0, 1, 100, 11);
  sb_smgr_logoff(&m, 1000, 1);
  /* WTS still lists the dying session: it must not come back, nor get a
   * second agent, while its old agent is being killed... */
  sb_smgr_logon(&m, 1500, 1, 100, "DOM\\user");
  CHECK(sb_smgr_find(&m, 1) == NULL);
  CHECK_EQ(tick(&m, 1500), 1);
  CHECK_EQ(acts[0].type, SB_SMGR_ACT_KILL);
  sb_smgr_exited(&m, 1600, 1, 11, SB_SMGR_EXIT_LOGOFF);
  /* ...nor after it is gone. */
  sb_smgr_logon(&m, 3000, 1, 100, "DOM\\user");
  CHECK(sb_smgr_find(&m, 1) == NULL);
  CHECK_EQ(tick(&m, 3000), 0);
  /* A real new logon on that id is not held back. */
  sb_smgr_logon(&m, 3100, 1, 101, "DOM\\user");
  CHECK_EQ(tick(&m, 3100), 1);
  CHECK_EQ(acts[0].type, SB_SMGR_ACT_LAUNCH);
  CHECK_EQ(acts[0].logon_id, 101);
}

SB_TEST(smgr_disconnect_keeps_agent) {
  sb_smgr_t m;
  sb_smgr_info_t info[4];
  init(&m);
  bring_up(&m, 0, 2, 5, 50);
  sb_smgr_connection(&m, 2, 0, 1); /* RDP client went away */
  CHECK_EQ(tick(&m, 100), 0);
  CHECK_EQ(sb_smgr_find(&m, 2)->state, SB_SMGR_CONNECTED);
  CHECK_EQ(sb_smgr_snapshot(&m, 100, info, 4), 1);
  CHECK_EQ(info[0].disconnected, 1);
  CHECK_EQ(info[0].remote, 1);
  CHECK_EQ(info[0].pid, 50);
  sb_smgr_connection(&m, 2, 1, 0); /* reconnected at the console */
  CHECK_EQ(sb_smgr_snapshot(&m, 200, info, 4), 1);
  CHECK_EQ(info[0].disconnected, 0);
  CHECK_EQ(info[0].remote, 0);
  CHECK_EQ(sb_smgr_agents_running(&m), 1);
}

SB_TEST(smgr_snapshot_lists_live_sessions) {
  sb_smgr_t m;
  sb_smgr_info_t info[4];
  init(&m);
  bring_up(&m, 0, 1, 1, 10);
  bring_up(&m, 0, 2, 2, 20);
  sb_smgr_lock(&m, 2, 1);
  sb_smgr_logoff(&m, 5, 1); /* stopping: not listed */
  sb_smgr_exited(&m, 10, 2, 20, 0xC0000005u);
  CHECK_EQ(sb_smgr_snapshot(&m, 110, info, 4), 1);
  CHECK_EQ(info[0].session_id, 2);
  CHECK(strcmp(info[0].state, "backoff") == 0);
  CHECK(strcmp(info[0].user, "DOM\\user") == 0);
  CHECK_EQ(info[0].pid, 0);
  CHECK_EQ(info[0].launches, 1);
  CHECK_EQ(info[0].locked, 1);
  CHECK_EQ(info[0].last_exit_code, 0xC0000005u);
  CHECK_EQ(info[0].next_launch_in_ms, 400);
  /* cap is honoured */
  CHECK_EQ(sb_smgr_snapshot(&m, 110, info, 0), 0);
}

SB_TEST(smgr_launch_recheck_after_logoff) {
  sb_smgr_t m;
  init(&m);
  sb_smgr_logon(&m, 0, 3, 9, "u");
  CHECK_EQ(tick(&m, 0), 1);
  CHECK_EQ(sb_smgr_launch_wanted(&m, 3, 9), 1);
  CHECK_EQ(sb_smgr_launch_wanted(&m, 3, 8), 0);
  /* The logoff lands between the action and CreateProcessAsUser: the
   * caller sees it is no longer wanted and reports a cancelled launch. */
  sb_smgr_logoff(&m, 1, 3);
  CHECK_EQ(sb_smgr_launch_wanted(&m, 3, 9), 0);
  sb_smgr_launch_failed(&m, 2, 3, 9, SB_ECANCELED);
  CHECK_EQ(sb_smgr_agents_running(&m), 0);
  CHECK_EQ(tick(&m, 100000), 0);
  /* Service stop also withdraws a pending launch. */
  sb_smgr_logon(&m, 200000, 4, 10, "v");
  CHECK_EQ(tick(&m, 200000), 1);
  sb_smgr_stop(&m);
  CHECK_EQ(sb_smgr_launch_wanted(&m, 4, 10), 0);
}
