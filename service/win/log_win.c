/* SPDX-License-Identifier: MIT */
/* Where the service's log lines go: a timestamped file in the data
 * directory (flushed per line, rotated by size) for everything, and the
 * Event Log for warnings, errors and start/stop. Console mode also echoes
 * to stderr. */
#include <stdio.h>

#include "logfile.h"
#include "svcwin.h"

static sb_logfile_t *logfile;
static HANDLE event_source;
static int echo_console;

void sb_winlog_event(WORD type, const char *msg) {
  WCHAR w[1024];
  LPCWSTR strs[1] = {w};
  if (!event_source ||
      !MultiByteToWideChar(CP_UTF8, 0, msg, -1, w, sizeof w / sizeof w[0]))
    return;
  ReportEventW(event_source, type, 0, 1, NULL, 1, 0, strs, NULL);
}

static void sink(void *arg, sb_log_level_t level, const char *msg) {
  (void)arg;
  sb_logfile_write(logfile, level, msg);
  if (echo_console)
    fprintf(stderr, "sbservice: %s: %s\n", sb_log_level_name(level), msg);
  if (level >= SB_LOG_WARN)
    sb_winlog_event(level == SB_LOG_ERROR ? EVENTLOG_ERROR_TYPE
                                          : EVENTLOG_WARNING_TYPE,
                    msg);
}

void sb_winlog_open(int console) {
  echo_console = console;
  event_source = RegisterEventSourceW(NULL, SB_SVC_NAME_W);
  sb_log_set_sink(sink, NULL, SB_LOG_INFO);
}

/* Only once sb_win_prepare_data has made the folder ours: opening the log
 * in a folder not yet checked could follow a link planted there. */
void sb_winlog_open_file(void) {
  char dir[512], path[600];
  int err;
  if (logfile || sb_path_data_dir(dir, sizeof dir) != 0)
    return;
  snprintf(path, sizeof path, "%s\\sessionbridge.log", dir);
  if ((err = sb_logfile_open(&logfile, path, 1024 * 1024)) != 0)
    sb_log(SB_LOG_WARN, "cannot open the log file %s: %s", path,
           sb_strerror(err));
}

void sb_winlog_close(void) {
  sb_log_set_sink(NULL, NULL, SB_LOG_INFO);
  sb_logfile_close(logfile);
  logfile = NULL;
  if (event_source)
    DeregisterEventSource(event_source);
  event_source = NULL;
}
