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

#include "fake_os.h"
#include "sbtest.h"
#include "service.h"
#include "sessionbridge.h"

/* Put s into the block at *at and return where it went. */
static char *put(char **at, const char *s) {
  char *p = *at;
  size_t n = strlen(s) + 1;
  memcpy(p, s, n);
  *at += n;
  return p;
}

SB_TEST(service_config_strings_are_copied) {
  sbt_fakeos_t os;
  const sb_os_session_t session = {.session_id = 7,
                                   .logon_id = 0x3e70007,
                                   .has_user = 1,
                                   .locked = 0,
                                   .user = "DOM\\carol"};
  sb_service_config_t cfg;
  size_t block_len = 4096;
  char *block, *at;
  char endpoint[SB_BOOTSTRAP_ENDPOINT_MAX + 1];
  sb_client_t *c = NULL;
  sb_session_t *list = NULL;
  size_t count = 0;

  sbt_fakeos_init(&os, "cfg", &session);
  /* The session shows only once the config is gone. */
  sbt_fakeos_set_enum(0, 1);

  /* Every string of the config in one heap block, as a caller that
   * builds its config dynamically would have it. */
  CHECK(strlen(os.ep) + strlen(os.prefix) + strlen(os.key) + 64 < block_len);
  block = malloc(block_len);
  CHECK(block != NULL);
  at = block;
  sbt_fakeos_config(&os, &cfg);
  cfg.agent_path = put(&at, "sbagent");
  cfg.control_endpoint = put(&at, os.ep);
  cfg.control_key_path = put(&at, os.key);
  cfg.agent_prefix = put(&at, os.prefix);
  sbt_fakeos_serve(&os, &cfg);
  /* The caller is done with its config: wiped (sb_memzero, which the
   * compiler cannot drop as a dead store before free), then freed. */
  sb_memzero(block, block_len);
  free(block);
  memset(&cfg, 0, sizeof cfg);
  sbt_fakeos_set_enum(0, 0);

  /* The agent launched after that is named from the service's own copy
   * of agent_prefix. */
  for (int i = 0; i < sbtest_ms(5000) / 10; i++) {
    if (sbt_fakeos_counts().launches >= 1)
      break;
    sb_sleep_ms(10);
  }
  CHECK(sbt_fakeos_counts().launches >= 1);
  sbt_fakeos_agent_endpoint(endpoint, sizeof endpoint);
  fprintf(stderr, "agent endpoint: %s\n", endpoint);
  CHECK(strncmp(endpoint, os.prefix, strlen(os.prefix)) == 0);
  CHECK(strstr(endpoint, "-7-") != NULL);

  /* And the control endpoint still serves. */
  CHECK_OK(sb_client_open(&c, os.ep, os.key, (uint32_t)sbtest_ms(5000)));
  CHECK_OK(sb_client_sessions(c, (uint32_t)sbtest_ms(5000), &list, &count));
  CHECK_EQ(count, 1);
  CHECK_EQ(list[0].session_id, 7);
  sb_free(list);
  sb_client_close(c);
  sbt_fakeos_stop(&os);
}
