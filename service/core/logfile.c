/* SPDX-License-Identifier: MIT */
#include "logfile.h"

#include <stdio.h>
#include <string.h>

struct sb_logfile {
  FILE *f;
  char path[512];
  size_t max_bytes;
  size_t size;
  sb_mutex_t *lock;
};

static int reopen(sb_logfile_t *lf) {
  lf->f = fopen(lf->path, "ab");
  if (!lf->f)
    return SB_EACCES;
  fseek(lf->f, 0, SEEK_END);
  long pos = ftell(lf->f);
  lf->size = pos > 0 ? (size_t)pos : 0;
  return 0;
}

int sb_logfile_open(sb_logfile_t **out, const char *path, size_t max_bytes) {
  sb_logfile_t *lf;
  int err;
  if (!out || !path || strlen(path) >= sizeof lf->path)
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
  fclose(lf->f);
  lf->f = NULL;
  snprintf(old, sizeof old, "%s.1", lf->path);
  remove(old);
  rename(lf->path, old);
  reopen(lf);
}

void sb_logfile_write(sb_logfile_t *lf, sb_log_level_t level,
                      const char *msg) {
  char ts[32];
  if (!lf)
    return;
  sb_wall_time(ts, sizeof ts);
  sb_mutex_lock(lf->lock);
  if (lf->f && lf->size >= lf->max_bytes)
    rotate(lf);
  if (lf->f) {
    int n = fprintf(lf->f, "%s %-5s [%u] %s\n", ts, sb_log_level_name(level),
                    sb_getpid(), msg);
    /* Flushed per line: the file must hold everything up to a crash. */
    fflush(lf->f);
    if (n > 0)
      lf->size += (size_t)n;
  }
  sb_mutex_unlock(lf->lock);
}

void sb_logfile_close(sb_logfile_t *lf) {
  if (!lf)
    return;
  if (lf->f)
    fclose(lf->f);
  sb_mutex_free(lf->lock);
  sb_free(lf);
}
