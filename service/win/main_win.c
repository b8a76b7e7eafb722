/* SPDX-License-Identifier: MIT */
/* sbservice.exe: started by the SCM with no arguments it runs as the
 * service; otherwise it is its own installer and console host. */
#include <stdio.h>
#include <string.h>

#include "svcwin.h"

static int usage(void) {
  fprintf(stderr,
          "usage: sbservice install | uninstall | start | stop | status | --version\n"
          "       sbservice run --console   (the service in the foreground)\n"
          "Started by the service control manager with no arguments, it "
          "runs as the sessionbridge service.\n");
  return 1;
}

int main(int argc, char **argv) {
  /* Only System32 for implicitly loaded DLLs: no planting next to us. */
  SetDefaultDllDirectories(LOAD_LIBRARY_SEARCH_SYSTEM32);
  if (sb_init() != 0)
    return 1;
  setvbuf(stdout, NULL, _IONBF, 0);
  if (argc == 1)
    return sb_scm_dispatch();
  if (argc == 2 && strcmp(argv[1], "--version") == 0) {
    printf("sbservice %s\n", SB_VERSION);
    return 0;
  }
  if (strcmp(argv[1], "install") == 0 && argc == 2)
    return sb_cmd_install();
  if (strcmp(argv[1], "uninstall") == 0 && argc == 2)
    return sb_cmd_uninstall();
  if (strcmp(argv[1], "start") == 0 && argc == 2)
    return sb_cmd_start();
  if (strcmp(argv[1], "stop") == 0 && argc == 2)
    return sb_cmd_stop();
  if (strcmp(argv[1], "status") == 0 && argc == 2)
    return sb_cmd_status();
  if (strcmp(argv[1], "run") == 0 && argc == 3 &&
      strcmp(argv[2], "--console") == 0)
    return sb_run_console();
  return usage();
}
