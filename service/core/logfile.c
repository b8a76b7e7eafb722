/* SPDX-License-Identifier: MIT */
#include "logfile.h"

#include <stdio.h>
#include <string.h>

#include "datafile.h"

struct sb_logfile {
  sb_datafile_t *f;
  char path[512];
  size_t max_bytes;
  uint64_t size;
  sb_mutex_t *lock;
};

/* Open the log as itself (datafile.h: no link followed, no hard link
 * written to). A link or hard link planted in its place is removed (the
 * name, never what it points to) and a fresh file made, once. */
static int reopen(sb_logfile_t *lf) {
  int err = sb_datafile_open_append(&lf->f, lf->path, &lf->size);
  if (err == SB_EINSECURE && sb_datafile_remove(lf->path) == 0)
    err = sb_datafile_open_append(&lf->f, lf->path, &lf->size);
  if (err)
    lf->f = NULL;
  return err;
}

int sb_logfile_open(sb_logfile_t **out, const char *path, size_t max_bytes) {
  sb_logfile_t *lf;
  int err;
  if (!out || !path || strlen(path) + 3 > sizeof lf->path)
    return SB_EINVAL;
  lf = sb_calloc(1, sizeof *lf);
  if (!lf)
    return SB_ENOMEM;
  snprintf(lf->path, sizeof lf->path, "%s", path);
  lf->max_bytes = max_bytes ? max_bytes : 1024 * 1024;
  if ((err = sb_mutex_new(&lf->lock)) != 0 || (err = reopen(lf)) != 0) {
    if (lf->lock)
      sb_mutex_free(lf->lock);
    sb_free(lf);
    return err;
  }
  *out = lf;
  return 0;
}

/* Keep one previous file: NAME -> NAME.1 (replacing the older one). */
static void rotate(sb_logfile_t *lf) {
  char old[sizeof lf->path + 2];
  sb_datafile_close(lf->f);
  lf->f = NULL;
  snprintf(old, sizeof old, "%s.1", lf->path);
  sb_datafile_remove(old);
  /* A NAME that is not a plain file is not renamed; reopen then removes
   * it and starts a new one. */
  sb_datafile_rename(lf->path, old);
  reopen(lf);
}

void sb_logfile_write(sb_logfile_t *lf, sb_log_level_t level,
                      const char *msg) {
  char ts[32], line[1200];
  if (!lf)
    return;
  sb_wall_time(ts, sizeof ts);
  int n = snprintf(line, sizeof line, "%s %-5s [%u] %s\n", ts,
                   sb_log_level_name(level), sb_getpid(), msg);
  if (n < 0)
    return;
  if ((size_t)n >= sizeof line) { /* cut, still one line */
    n = (int)sizeof line - 1;
    line[n - 1] = '\n';
  }
  sb_mutex_lock(lf->lock);
  if (lf->f && lf->size >= lf->max_bytes)
    rotate(lf);
  /* One write per line, straight to the file (no buffer to flush): the
   * file holds everything up to a crash. */
  if (lf->f && sb_datafile_write(lf->f, line, (size_t)n) == 0)
    lf->size += (uint64_t)n;
  sb_mutex_unlock(lf->lock);
}

void sb_logfile_close(sb_logfile_t *lf) {
  if (!lf)
    return;
  sb_datafile_close(lf->f);
  sb_mutex_free(lf->lock);
  sb_free(lf);
}
