/* SPDX-License-Identifier: MIT */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>

static sb_log_fn sink;
static void *sink_arg;
static sb_log_level_t sink_min = SB_LOG_INFO;

void sb_log_set_sink(sb_log_fn fn, void *arg, sb_log_level_t min_level) {
  sink = fn;
  sink_arg = arg;
  sink_min = min_level;
}

void sb_log(sb_log_level_t level, const char *fmt, ...) {
  char line[1024];
  va_list ap;
  if (!sink || level < sink_min)
    return;
  va_start(ap, fmt);
  vsnprintf(line, sizeof line, fmt, ap);
  va_end(ap);
  sink(sink_arg, level, line);
}

const char *sb_log_level_name(sb_log_level_t level) {
  switch (level) {
  case SB_LOG_DEBUG:
    return "debug";
  case SB_LOG_INFO:
    return "info";
  case SB_LOG_WARN:
    return "warn";
  case SB_LOG_ERROR:
    return "error";
  }
  return "?";
}
