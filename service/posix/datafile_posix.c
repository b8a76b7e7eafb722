/* SPDX-License-Identifier: MIT */
/* datafile.h on POSIX: O_NOFOLLOW refuses a symlink at open, fstat then
 * refuses anything but a regular file with one link; unlink and rename
 * act on the name itself and never follow a link. */
#include "datafile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sessionbridge.h"

struct sb_datafile {
  int fd;
};

int sb_datafile_open_append(sb_datafile_t **out, const char *path,
                            uint64_t *size) {
  struct stat st;
  sb_datafile_t *f;
  int fd;
  if (!out || !path || !size)
    return SB_EINVAL;
  *out = NULL;
  fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC,
            0600);
  if (fd < 0)
    return errno == ELOOP ? SB_EINSECURE : SB_EACCES;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_nlink != 1) {
    close(fd);
    return SB_EINSECURE;
  }
  if (!(f = sb_calloc(1, sizeof *f))) {
    close(fd);
    return SB_ENOMEM;
  }
  f->fd = fd;
  *size = (uint64_t)st.st_size;
  *out = f;
  return 0;
}

int sb_datafile_write(sb_datafile_t *f, const void *buf, size_t n) {
  const char *p = buf;
  if (!f || (!buf && n))
    return SB_EINVAL;
  while (n > 0) {
    ssize_t w = write(f->fd, p, n);
    if (w < 0 && errno == EINTR)
      continue;
    if (w <= 0)
      return SB_EIO;
    p += w;
    n -= (size_t)w;
  }
  return 0;
}

void sb_datafile_close(sb_datafile_t *f) {
  if (!f)
    return;
  close(f->fd);
  sb_free(f);
}

int sb_datafile_remove(const char *path) {
  if (!path)
    return SB_EINVAL;
  if (unlink(path) == 0)
    return 0;
  return errno == ENOENT ? SB_ENOENT : SB_EACCES;
}

int sb_datafile_rename(const char *from, const char *to) {
  struct stat st;
  if (!from || !to)
    return SB_EINVAL;
  if (lstat(from, &st) != 0)
    return errno == ENOENT ? SB_ENOENT : SB_EACCES;
  if (!S_ISREG(st.st_mode))
    return SB_EINSECURE;
  return rename(from, to) == 0 ? 0 : SB_EACCES;
}
