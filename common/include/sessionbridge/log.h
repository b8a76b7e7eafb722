/* SPDX-License-Identifier: MIT */
/* Log sink. The library never prints: it hands each line to the sink the
 * application installed (the service routes it to the Event Log or syslog
 * and to its log file). Keys and payload contents are never logged. */
#ifndef SESSIONBRIDGE_LOG_H
#define SESSIONBRIDGE_LOG_H

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
  SB_LOG_DEBUG = 0,
  SB_LOG_INFO = 1,
  SB_LOG_WARN = 2,
  SB_LOG_ERROR = 3
} sb_log_level_t;

typedef void (*sb_log_fn)(void *arg, sb_log_level_t level, const char *msg);

/* Install a sink (NULL: discard). min_level filters before formatting. */
void sb_log_set_sink(sb_log_fn fn, void *arg, sb_log_level_t min_level);
#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
void sb_log(sb_log_level_t level, const char *fmt, ...);
const char *sb_log_level_name(sb_log_level_t level);

#ifdef __cplusplus
}
#endif
#endif
