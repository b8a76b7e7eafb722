/* SPDX-License-Identifier: MIT */
/* sbctl's -o file when the write itself fails half way (POSIX: the
 * failures are made with ulimit -f, a device, a FIFO whose reader leaves,
 * a symbolic link). sbctl exits 4 and says it cannot write the file; what
 * it leaves behind depends on what the name is:
 *   - a regular file (new, or an older one it truncated) is removed: no
 *     truncated PNG is left for a script to take for a picture;
 *   - anything else is not sbctl's to delete: a device (for root,
 *     /dev/full), a FIFO, or a symbolic link such as /dev/stdout (which
 *     names a regular file when stdout is redirected to one). Only the
 *     name's own type counts, never what a link points to.
 * The download itself arrives whole (tests/support/ctl_rig.c); the
 * early-ended one is tests/test_sbctl_output.c. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "ctl_rig.h"
#include "sbtest.h"

/* 64 KiB (ulimit -f counts 512-byte blocks), less than the 300 KiB
 * download; SIGXFSZ ignored, so the write fails (EFBIG) instead of the
 * signal ending sbctl before it could do anything. */
#define FSIZE_LIMIT "ulimit -f 128; trap '' XFSZ"

static int exists(const char *path, mode_t type) {
  struct stat st;
  return lstat(path, &st) == 0 && (st.st_mode & S_IFMT) == type;
}

/* sbctl screenshot -o path fails to write (exit 4, saying so); what it
 * said of the file is in out. */
static void write_fails(sbt_ctl_rig_t *t, const char *path, char *out,
                        size_t cap) {
  const char *args[] = {"screenshot", "-o", path, NULL};
  CHECK_EQ(sbt_ctl_run(t, args, out, cap), 4);
  CHECK(strstr(out, "cannot write") != NULL);
}

#define REMOVED "(the part written was removed)"
#define LEFT "(not a regular file: left as it is)"


/* A regular file sbctl could not finish is removed, whether it made it
 * or truncated an older one. */
SB_TEST(sbctl_output_write_fails_removes_file) {
  sbt_ctl_rig_t t;
  char fresh[600], old[600], out[4096];
  snprintf(fresh, sizeof fresh, "%s/fresh.png", sbtest_tmpdir());
  snprintf(old, sizeof old, "%s/old.png", sbtest_tmpdir());
  sbt_ctl_start(&t, "wrfail", SBT_CTL_WHOLE);
  t.prelude = FSIZE_LIMIT;
  write_fails(&t, fresh, out, sizeof out);
  CHECK(!exists(fresh, S_IFREG));
  CHECK(strstr(out, REMOVED) != NULL);
  sbt_ctl_write(old, "an older picture");
  write_fails(&t, old, out, sizeof out);
  CHECK(!exists(old, S_IFREG));
  CHECK(strstr(out, REMOVED) != NULL);
  /* Without the limit the same file is written whole. */
  t.prelude = NULL;
  {
    const char *args[] = {"screenshot", "-o", fresh, NULL};
    CHECK_EQ(sbt_ctl_run(&t, args, out, sizeof out), 0);
    CHECK(sbt_ctl_file_whole(fresh));
  }
  sbt_ctl_stop(&t);
}

/* A device that refuses the write (a private copy of /dev/full, so a
 * broken sbctl deletes nothing of the system's) is left. */
SB_TEST(sbctl_output_device_not_removed) {
  sbt_ctl_rig_t t;
  char dev[600], out[4096];
  int fd;
  snprintf(dev, sizeof dev, "%s/full", sbtest_tmpdir());
  if (mknod(dev, S_IFCHR | 0600, makedev(1, 7)) != 0) {
    fprintf(stderr, "mknod %s: %s\n", dev, strerror(errno));
    sbtest_skip("cannot make a device node here (needs root and a "
                "filesystem that allows devices)");
  }
  /* The test means something only if opening it works and writing to it
   * fails, as /dev/full does: else sbctl never gets to its removal. */
  fd = open(dev, O_WRONLY);
  if (fd < 0 || write(fd, "x", 1) != -1 || errno != ENOSPC) {
    fprintf(stderr, "%s: %s\n", dev, strerror(errno));
    if (fd >= 0)
      close(fd);
    (void)unlink(dev);
    sbtest_skip("the device node cannot be opened for writing here, or "
                "does not refuse the write");
  }
  close(fd);
  sbt_ctl_start(&t, "devfull", SBT_CTL_WHOLE);
  write_fails(&t, dev, out, sizeof out);
  CHECK(exists(dev, S_IFCHR));
  CHECK(strstr(out, LEFT) != NULL);
  sbt_ctl_stop(&t);
  CHECK_EQ(unlink(dev), 0);
}

/* ---- a FIFO whose reader leaves after a little ---- */

typedef struct {
  const char *path;
  size_t got;
} reader_t;

static void read_a_little(void *arg) {
  reader_t *r = arg;
  char buf[1024];
  /* Non-blocking open, so a sbctl that never opens the FIFO cannot hang
   * the test here; then wait (up to 20 s) for the first bytes. Not
   * inherited: a sbctl started just after would hold a read end itself,
   * and its writes would block instead of failing. */
  int fd = open(r->path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  CHECK(fd >= 0);
  for (int i = 0; i < sbtest_ms(20000) / 10 && r->got < 1000; i++) {
    ssize_t n = read(fd, buf, sizeof buf);
    if (n > 0)
      r->got += (size_t)n;
    else
      sb_sleep_ms(10);
  }
  close(fd); /* sbctl's next write gets EPIPE */
}

/* The reader of a FIFO goes away mid-write: sbctl cannot write the rest,
 * and the FIFO stays. SIGPIPE is ignored for sbctl (as a parent that
 * ignores it passes on): with it at its default, the kernel ends sbctl
 * at that write and there is no removal to check. */
SB_TEST(sbctl_output_fifo_not_removed) {
  sbt_ctl_rig_t t;
  sb_thread_t *th;
  char fifo[600], out[4096];
  reader_t r;
  snprintf(fifo, sizeof fifo, "%s/shot.fifo", sbtest_tmpdir());
  CHECK_EQ(mkfifo(fifo, 0600), 0);
  r.path = fifo;
  r.got = 0;
  sbt_ctl_start(&t, "fifo", SBT_CTL_WHOLE);
  t.prelude = "trap '' PIPE";
  CHECK_OK(sb_thread_create(&th, read_a_little, &r, 0));
  write_fails(&t, fifo, out, sizeof out);
  sb_thread_join(th);
  CHECK(r.got >= 1000); /* sbctl did write to it */
  CHECK(exists(fifo, S_IFIFO));
  CHECK(strstr(out, LEFT) != NULL);
  sbt_ctl_stop(&t);
  CHECK_EQ(unlink(fifo), 0);
}

/* -o /dev/stdout: a download that ends early writes nothing there and
 * leaves the link. A write through such a link that fails (stdout is a
 * regular file here, and ulimit -f stops it) leaves the link too: a link
 * of the test's own, to the same place as /dev/stdout (/proc/self/fd/1),
 * so that a broken sbctl removes nothing of the system's. */
SB_TEST(sbctl_output_link_not_removed) {
  sbt_ctl_rig_t t;
  char out[4096], link[600];
  struct stat st;
  if (lstat("/dev/stdout", &st) != 0 || !S_ISLNK(st.st_mode) ||
      lstat("/proc/self/fd/1", &st) != 0)
    sbtest_skip("no /dev/stdout link to /proc/self/fd/1 here");
  snprintf(link, sizeof link, "%s/stdout-link", sbtest_tmpdir());
  CHECK_EQ(symlink("/proc/self/fd/1", link), 0);
  sbt_ctl_start(&t, "stdout", SBT_CTL_ENDS_EARLY);
  {
    const char *args[] = {"screenshot", "-o", "/dev/stdout", NULL};
    CHECK_EQ(sbt_ctl_run(&t, args, out, sizeof out), 3);
    CHECK(strstr(out, SBT_CTL_DETAIL) != NULL);
    CHECK(exists("/dev/stdout", S_IFLNK));
  }
  sbt_ctl_mode(SBT_CTL_WHOLE);
  t.prelude = FSIZE_LIMIT;
  write_fails(&t, link, out, sizeof out);
  CHECK(exists(link, S_IFLNK));
  CHECK(strstr(out, LEFT) != NULL);
  sbt_ctl_stop(&t);
  CHECK_EQ(unlink(link), 0);
}
