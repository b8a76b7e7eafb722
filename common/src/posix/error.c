/* SPDX-License-Identifier: MIT */
/* errno -> SB_E* at the POSIX edge. */
#include <errno.h>

#include "error.h"
#include "internal.h"

int sb__translate_os_error(int e) {
  switch (e) {
  case 0:
    return 0;
  case EINVAL:
    return SB_EINVAL;
  case ENOMEM:
  case ENOBUFS:
    return SB_ENOMEM;
  case ETIMEDOUT:
    return SB_ETIMEDOUT;
  case EPIPE:
  case ECONNRESET:
    return SB_EPIPE;
  case ECONNREFUSED:
    return SB_ECONNREFUSED;
  case ENOENT:
  case ENOTDIR:
    return SB_ENOENT;
  case EEXIST:
  case EADDRINUSE:
    return SB_EEXIST;
  case EACCES:
  case EPERM:
    return SB_EACCES;
  case EAGAIN:
#if EWOULDBLOCK != EAGAIN
  case EWOULDBLOCK:
#endif
    return SB_EAGAIN;
  case EMFILE:
  case ENFILE:
    return SB_ELIMIT;
  case ENAMETOOLONG:
    return SB_ETOOBIG;
  case EIO:
    return SB_EIO;
  default:
    return SB_EOS;
  }
}
