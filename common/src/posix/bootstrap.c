/* SPDX-License-Identifier: MIT */
/* Bootstrap pipe on POSIX: a pipe whose read end the agent inherits. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "alloc.h"
#include "bootstrap.h"
#include "error.h"
#include "internal.h"

int sb__bootstrap_pipe(sb_handle_t *child_end, sb_handle_t *parent_end) {
  int fds[2];
  if (!child_end || !parent_end)
    return SB_EINVAL;
  /* Only the read end survives exec; the write end stays with us. */
  if (pipe(fds) != 0)
    return sb__translate_os_error(errno);
  if (fcntl(fds[1], F_SETFD, FD_CLOEXEC) != 0) {
    int err = sb__translate_os_error(errno);
    close(fds[0]);
    close(fds[1]);
    return err;
  }
  *child_end = fds[0];
  *parent_end = fds[1];
  return 0;
}

int sb__bootstrap_send(sb_handle_t parent_end, const sb_bootstrap_t *b) {
  uint8_t buf[SB_BOOTSTRAP_SIZE];
  size_t off = 0;
  int err = sb__bootstrap_encode(b, buf);
  while (!err && off < sizeof buf) {
    ssize_t n = write((int)parent_end, buf + off, sizeof buf - off);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      err = n < 0 ? sb__translate_os_error(errno) : SB_EPIPE;
    else
      off += (size_t)n;
  }
  sb_memzero(buf, sizeof buf);
  close((int)parent_end);
  return err;
}

int sb__bootstrap_receive(const char *handle_text, sb_bootstrap_t *b) {
  uint8_t buf[SB_BOOTSTRAP_SIZE];
  size_t off = 0;
  char *end;
  long fd;
  int err = 0;
  if (!handle_text || !b)
    return SB_EINVAL;
  errno = 0;
  fd = strtol(handle_text, &end, 10);
  if (errno || *end || fd < 0 || fd > 65535)
    return SB_EINVAL;
  while (off < sizeof buf) {
    ssize_t n = read((int)fd, buf + off, sizeof buf - off);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0) {
      err = n < 0 ? sb__translate_os_error(errno) : SB_ETRUNC;
      break;
    }
    off += (size_t)n;
  }
  close((int)fd);
  if (!err)
    err = sb__bootstrap_decode(buf, b);
  sb_memzero(buf, sizeof buf);
  return err;
}

void sb__handle_close(sb_handle_t h) {
  if (h >= 0)
    close((int)h);
}
