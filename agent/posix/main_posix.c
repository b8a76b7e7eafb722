/* SPDX-License-Identifier: MIT */
/* sbagent on POSIX: launched by `sbservice run --console` with its
 * bootstrap on an inherited pipe fd. Logs go to stderr (the service's). */
#include <stdio.h>

#include "agent.h"

static void to_stderr(void *arg, sb_log_level_t level, const char *msg) {
  (void)arg;
  fprintf(stderr, "sbagent[%u] %s: %s\n", sb_getpid(), sb_log_level_name(level),
          msg);
}

int main(int argc, char **argv) {
  sb_log_set_sink(to_stderr, NULL, SB_LOG_INFO);
  return sb_agent_main(argc, argv);
}
