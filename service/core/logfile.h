/* SPDX-License-Identifier: MIT */
/* The service's log file: one timestamped line per entry, flushed at
 * once (a crash loses nothing already logged), rotated to NAME.1 when it
 * passes a size. Portable (stdio). */
#ifndef SB_LOGFILE_H
#define SB_LOGFILE_H

#include <stddef.h>

#include "sessionbridge.h"

typedef struct sb_logfile sb_logfile_t;

int sb_logfile_open(sb_logfile_t **out, const char *path, size_t max_bytes);
void sb_logfile_write(sb_logfile_t *lf, sb_log_level_t level, const char *msg);
void sb_logfile_close(sb_logfile_t *lf);

#endif
