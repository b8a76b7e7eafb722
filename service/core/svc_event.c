/* SPDX-License-Identifier: MIT */
#include "svc_event.h"

#include <stdarg.h>
#include <stdio.h>

/* Set only for the duration of one sb_log call on this thread, so the
 * sink that call reaches can read it; every other line reads NONE. */
static _Thread_local sb_svc_event_kind_t current;

void sb_svc_log_kind(sb_svc_event_kind_t kind, sb_log_level_t level,
                     const char *fmt, ...) {
  char msg[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  current = kind > SB_EV_NONE && kind < SB_EV_COUNT_ ? kind : SB_EV_NONE;
  sb_log(level, "%s", msg);
  current = SB_EV_NONE;
}

sb_svc_event_kind_t sb_svc_log_current_kind(void) { return current; }
