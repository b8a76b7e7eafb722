/* SPDX-License-Identifier: MIT */
/* The service log file: every line is on disk at once (a crash loses
 * nothing), and it rotates to .1 at its size limit. */
#include "logfile.h"
#include "sbtest.h"

static long file_size(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f)
    return -1;
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fclose(f);
  return n;
}

SB_TEST(logfile_flushed_per_line_and_rotated) {
  char path[400], old[410];
  sb_logfile_t *lf;
  snprintf(path, sizeof path, "%s/svc.log", sbtest_tmpdir());
  snprintf(old, sizeof old, "%s.1", path);
  CHECK_OK(sb_logfile_open(&lf, path, 2000));
  sb_logfile_write(lf, SB_LOG_INFO, "first line");
  /* Read by another handle before close: already written out. */
  long n1 = file_size(path);
  CHECK(n1 > (long)strlen("first line"));
  for (int i = 0; i < 100; i++)
    sb_logfile_write(lf, SB_LOG_WARN, "filling the log towards rotation");
  CHECK(file_size(old) > 1500);
  CHECK(file_size(path) < 2100);
  sb_logfile_close(lf);
  FILE *f = fopen(path, "rb");
  char line[200];
  CHECK(f && fgets(line, sizeof line, f));
  fclose(f);
  /* "YYYY-MM-DD HH:MM:SS.mmm level [pid] message" */
  CHECK(line[4] == '-' && line[10] == ' ' && line[19] == '.');
  CHECK(strstr(line, "warn") && strstr(line, "filling the log"));
  remove(old);
  remove(path);
}
