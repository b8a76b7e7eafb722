/* SPDX-License-Identifier: MIT */
/* The service's data-folder files on POSIX (service/posix/datafile_posix.c):
 * a symlink in the log's place is never followed, for open, rotation and
 * delete. (Windows: the same checks through FILE_FLAG_OPEN_REPARSE_POINT;
 * Wine follows a Unix symlink to a file and reports the target, so only
 * the hard-link case, logfile_hard_link_not_written_through, runs there.) */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "datafile.h"
#include "logfile.h"
#include "sbtest.h"

static void put(const char *path, const char *s) {
  FILE *f = fopen(path, "wb");
  CHECK(f != NULL);
  fputs(s, f);
  fclose(f);
}

static int holds(const char *path, const char *s) {
  char buf[200] = {0};
  FILE *f = fopen(path, "rb");
  if (!f)
    return 0;
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  fclose(f);
  return n == strlen(s) && memcmp(buf, s, n) == 0;
}

SB_TEST(datafile_symlink_not_followed) {
  char log[400], old[410], victim[400];
  struct stat st;
  sb_datafile_t *df = NULL;
  uint64_t size = 0;
  snprintf(log, sizeof log, "%s/sl.log", sbtest_tmpdir());
  snprintf(old, sizeof old, "%s.1", log);
  snprintf(victim, sizeof victim, "%s/victim", sbtest_tmpdir());
  put(victim, "precious\n");
  CHECK_EQ(symlink(victim, log), 0);
  /* Open refuses the link itself. */
  CHECK_ERR(sb_datafile_open_append(&df, log, &size), SB_EINSECURE);
  CHECK(df == NULL);
  /* Rename refuses to move a link into the rotation's place. */
  CHECK_ERR(sb_datafile_rename(log, old), SB_EINSECURE);
  /* The log replaces the link with a file of its own. */
  sb_logfile_t *lf;
  CHECK_OK(sb_logfile_open(&lf, log, 40));
  sb_logfile_write(lf, SB_LOG_INFO, "one line that passes the size limit");
  /* .1 a link too: rotation removes the link, not its target. */
  CHECK_EQ(symlink(victim, old), 0);
  sb_logfile_write(lf, SB_LOG_INFO, "rotates now");
  sb_logfile_close(lf);
  CHECK(holds(victim, "precious\n"));
  CHECK_EQ(lstat(log, &st), 0);
  CHECK(S_ISREG(st.st_mode));
  CHECK_EQ(lstat(old, &st), 0);
  CHECK(S_ISREG(st.st_mode));
  CHECK_ERR(sb_datafile_remove(victim), 0);
  CHECK_ERR(sb_datafile_remove(victim), SB_ENOENT);
}
