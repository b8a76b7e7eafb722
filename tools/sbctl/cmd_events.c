/* SPDX-License-Identifier: MIT */
/* events: subscribe to session changes and print them as they come. */
#include <stdlib.h>
#include <string.h>

#include "sbctl.h"

static const char *change_name(sb_session_change_t c) {
  switch (c) {
  case SB_SESSION_LOGON:
    return "logon";
  case SB_SESSION_LOGOFF:
    return "logoff";
  case SB_SESSION_LOCK:
    return "lock";
  case SB_SESSION_UNLOCK:
    return "unlock";
  case SB_SESSION_AGENT_UP:
    return "agent-up";
  case SB_SESSION_AGENT_DOWN:
    return "agent-down";
  }
  return "unknown";
}

/* sbctl events [--count N] [--for-ms MS]: prints "subscribed" once the
 * service has the subscription (scripts wait for that line), then one
 * line per change until N changes were printed or MS passed (default:
 * until interrupted). Exit 0, or 3 when --count was not reached in time. */
int sbctl_cmd_events(sbctl_t *c, int argc, char **argv) {
  long count = -1, for_ms = -1, seen = 0;
  int rc;
  for (int i = 0; i < argc; i++) {
    long v;
    if (i + 1 >= argc) {
      fprintf(stderr, "sbctl events: %s needs a value\n", argv[i]);
      return EXIT_USAGE;
    }
    if ((rc = sbctl_number("events", argv[i], argv[i + 1], 1, 86400000, &v)))
      return rc;
    if (strcmp(argv[i], "--count") == 0)
      count = v;
    else if (strcmp(argv[i], "--for-ms") == 0)
      for_ms = v;
    else {
      fprintf(stderr, "sbctl events: unknown option %s\n", argv[i]);
      return EXIT_USAGE;
    }
    i++;
  }
  if ((rc = sbctl_connect(c)))
    return rc;
  if ((rc = sbctl_result(c, sb_client_subscribe(c->client, 1, c->timeout_ms))))
    return rc;
  printf(c->json ? "{\"subscribed\":true}\n" : "subscribed\n");
  fflush(stdout);
  for (long waited = 0; count < 0 || seen < count;) {
    sb_session_event_t *ev = NULL;
    /* Wait in slices so --for-ms is kept without a deadline over the
     * API's 600 s. */
    long slice = for_ms < 0 ? 60000 : for_ms - waited;
    if (slice <= 0)
      break;
    if (slice > 60000)
      slice = 60000;
    int err = sb_client_next_event(c->client, (uint32_t)slice, &ev);
    if (err == SB_ETIMEDOUT) {
      waited += slice;
      continue;
    }
    if (err)
      return sbctl_result(c, err);
    if (c->json) {
      printf("{\"session\":%u,\"change\":\"%s\",\"locked\":%s,\"user\":",
             ev->session_id, change_name(ev->change),
             ev->locked ? "true" : "false");
      sbctl_json_str(stdout, ev->user);
      printf(",\"agent_pid\":%u,\"lost\":%u}\n", ev->agent_pid, ev->lost);
    } else {
      printf("session %u %s", ev->session_id, change_name(ev->change));
      if (ev->agent_pid)
        printf(" pid %u", ev->agent_pid);
      if (*ev->user)
        printf(" user %s", ev->user);
      if (ev->lost)
        printf(" (%u events lost before)", ev->lost);
      printf("\n");
    }
    fflush(stdout);
    sb_free(ev);
    seen++;
  }
  if (count > 0 && seen < count) {
    fprintf(stderr, "sbctl events: %ld of %ld changes in %ld ms\n", seen,
            count, for_ms);
    return EXIT_REMOTE;
  }
  return EXIT_OK;
}
