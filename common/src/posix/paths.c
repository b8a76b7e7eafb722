/* SPDX-License-Identifier: MIT */
#include <stdio.h>
#include <stdlib.h>
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "error.h"
#include "internal_paths.h"
#include "paths.h"
#include "transport.h"

char sb__path_sep(void) { return '/'; }

int sb_path_data_dir(char *buf, size_t cap) {
  const char *over = getenv("SB_DATA_DIR");
  const char *xdg = getenv("XDG_RUNTIME_DIR");
  int n;
  if (over && *over)
    n = snprintf(buf, cap, "%s", over);
  else if (geteuid() == 0)
    n = snprintf(buf, cap, "/run/sessionbridge");
  else if (xdg && *xdg)
    n = snprintf(buf, cap, "%s/sessionbridge", xdg);
  else
    n = snprintf(buf, cap, "/tmp/sessionbridge-%ld", (long)geteuid());
  return n < 0 || (size_t)n >= cap ? SB_ETOOBIG : 0;
}

int sb_path_control_endpoint(char *buf, size_t cap) {
  return sb_endpoint_default(SB_CONTROL_ENDPOINT_NAME, buf, cap);
}

int sb__read_small_file(const char *path, unsigned char *buf, size_t cap,
                        size_t *n) {
  size_t got = 0;
  *n = 0;
  int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) /* a symlink (ELOOP) is refused like a forbidden file */
    return errno == ENOENT ? SB_ENOENT : SB_EACCES;
  while (got < cap) {
    ssize_t r = read(fd, buf + got, cap - got);
    if (r < 0 && errno == EINTR)
      continue;
    if (r < 0) {
      close(fd);
      return SB_EIO;
    }
    if (r == 0)
      break;
    got += (size_t)r;
  }
  close(fd);
  *n = got;
  return 0;
}
