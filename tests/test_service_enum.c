/* SPDX-License-Identifier: MIT */
/* The service core under a fake OS seam whose session enumeration
 * fails: the sessions it knew stay, their agents are neither killed nor
 * relaunched. (An empty successful enumeration, by contrast, ends them:
 * shown last, so the test tells the two apart.) */
#include <stdio.h>
#include <string.h>

#include "fake_os.h"
#include "sbtest.h"
#include "service.h"
#include "sessionbridge.h"

static int snapshot_one(sb_service_t *svc, sb_smgr_info_t *out) {
  sb_smgr_info_t info[4];
  size_t n = sb_service_snapshot(svc, info, 4);
  if (n == 1)
    *out = info[0];
  return (int)n;
}

SB_TEST(service_enum_failure_keeps_sessions) {
  sbt_fakeos_t os;
  /* No state listed: only the enumeration's failure is under test. */
  const sb_os_session_t session = {.session_id = 5,
                                   .logon_id = 0x3e70001,
                                   .has_user = 1,
                                   .locked = -1,
                                   .user = "DOM\\alice"};
  sb_smgr_info_t s;
  memset(&s, 0, sizeof s);
  sbt_fakeos_start(&os, "enum", &session);
  sb_service_t *svc = os.svc;

  /* The session is found and its agent launched, once. The launch is
   * recorded (pid) a moment after the platform's launch returns: wait for
   * the record, not only the call. */
  for (int i = 0; i < sbtest_ms(5000) / 10; i++) {
    if (sbt_fakeos_counts().launches >= 1 && snapshot_one(svc, &s) == 1 &&
        s.pid)
      break;
    sb_sleep_ms(10);
  }
  CHECK_EQ(sbt_fakeos_counts().launches, 1);
  CHECK_EQ(snapshot_one(svc, &s), 1);
  CHECK_EQ(s.session_id, 5);
  uint32_t pid = s.pid;
  CHECK(pid != 0);

  /* Enumeration fails, many times over: nothing changes. */
  sbt_fakeos_set_enum(1, 0);
  for (int i = 0;
       i < sbtest_ms(5000) / 10 && sbt_fakeos_counts().failed_enums < 10; i++)
    sb_sleep_ms(10);
  CHECK(sbt_fakeos_counts().failed_enums >= 10);
  CHECK_EQ(snapshot_one(svc, &s), 1);
  CHECK_EQ(s.session_id, 5);
  CHECK_EQ(s.pid, pid);
  CHECK_EQ(s.launches, 1);
  CHECK_EQ(sbt_fakeos_counts().launches, 1);
  CHECK_EQ(sbt_fakeos_counts().kills, 0);

  /* A successful enumeration without the session does end it. */
  sbt_fakeos_set_enum(0, 1);
  for (int i = 0; i < sbtest_ms(5000) / 10 && sbt_fakeos_counts().kills < 1;
       i++)
    sb_sleep_ms(10);
  CHECK(sbt_fakeos_counts().kills >= 1);
  for (int i = 0; i < sbtest_ms(5000) / 10 && snapshot_one(svc, &s) != 0; i++)
    sb_sleep_ms(10);
  CHECK_EQ(snapshot_one(svc, &s), 0);
  CHECK_EQ(sbt_fakeos_counts().launches, 1);
  sbt_fakeos_stop(&os);
}
