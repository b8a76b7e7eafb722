/* SPDX-License-Identifier: MIT */
/* The service log file: every line is on disk at once (a crash loses
 * nothing), and it rotates to .1 at its size limit. */
#include "logfile.h"
#include "sbtest.h"
#include "sbtest_platform.h"

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

static long read_all(const char *path, char *buf, size_t cap) {
  FILE *f = fopen(path, "rb");
  if (!f)
    return -1;
  size_t n = fread(buf, 1, cap - 1, f);
  fclose(f);
  buf[n] = 0;
  return (long)n;
}

/* A log name that is a second hard link to another file (planted while
 * the folder was someone else's) is not written through: the link is
 * removed and a new log made; the other file keeps its bytes. The same
 * for the rotation's .1 and for a rotation onto a link. */
SB_TEST(logfile_hard_link_not_written_through) {
  char path[400], victim[400], buf[256];
  sb_logfile_t *lf;
  snprintf(path, sizeof path, "%s/hl.log", sbtest_tmpdir());
  snprintf(victim, sizeof victim, "%s/victim", sbtest_tmpdir());
  FILE *f = fopen(victim, "wb");
  CHECK(f != NULL);
  fputs("precious\n", f);
  fclose(f);
  CHECK_EQ(sbtest_hardlink(victim, path), 0);
  CHECK_OK(sb_logfile_open(&lf, path, 4000));
  sb_logfile_write(lf, SB_LOG_INFO, "a line for the log");
  sb_logfile_close(lf);
  CHECK_EQ(read_all(victim, buf, sizeof buf), 9);
  CHECK(strcmp(buf, "precious\n") == 0);
  CHECK(read_all(path, buf, sizeof buf) > 0);
  CHECK(strstr(buf, "a line for the log") != NULL);
  remove(path);
  remove(victim);
}
