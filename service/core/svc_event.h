/* SPDX-License-Identifier: MIT */
/* Kinds of service events that have an Event Log ID of their own on
 * Windows (service/win/messages.mc). A log line of a kind is written with
 * sb_svc_log_kind instead of sb_log: it goes to the same sinks, and the
 * Windows sink reports it under that kind's Event ID (any other warning
 * or error under a generic one). Portable: POSIX sinks ignore the kind. */
#ifndef SB_SVC_EVENT_H
#define SB_SVC_EVENT_H

#include "sessionbridge.h"

typedef enum {
  SB_EV_NONE = 0,
  SB_EV_STARTED,
  SB_EV_STOPPED,
  SB_EV_START_FAILED,
  SB_EV_GROUND_REFUSED,
  SB_EV_DATA_FOLDER_REFUSED,
  SB_EV_DATA_FOLDER_TAKEN_BACK,
  SB_EV_AGENT_LAUNCH_FAILED,
  SB_EV_AGENT_REFUSED,
  SB_EV_COUNT_
} sb_svc_event_kind_t;

/* sb_log(level, ...) with the kind attached for the sinks. */
void sb_svc_log_kind(sb_svc_event_kind_t kind, sb_log_level_t level,
                     const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
/* The kind of the line being logged on this thread (for a sink), or
 * SB_EV_NONE. */
sb_svc_event_kind_t sb_svc_log_current_kind(void);

#endif
