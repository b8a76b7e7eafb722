/* SPDX-License-Identifier: MIT */
/* GetLastError() -> SB_E* at the Windows edge. */
#include <windows.h>

#include "error.h"
#include "internal.h"

int sb__translate_os_error(int os_error) {
  switch ((DWORD)os_error) {
  case ERROR_SUCCESS:
    return 0;
  case ERROR_INVALID_PARAMETER:
  case ERROR_INVALID_HANDLE:
  case ERROR_INVALID_NAME:
    return SB_EINVAL;
  case ERROR_NOT_ENOUGH_MEMORY:
  case ERROR_OUTOFMEMORY:
    return SB_ENOMEM;
  case ERROR_SEM_TIMEOUT:
  case WAIT_TIMEOUT:
  case ERROR_TIMEOUT:
    return SB_ETIMEDOUT;
  case ERROR_BROKEN_PIPE:
  case ERROR_NO_DATA:
  case ERROR_PIPE_NOT_CONNECTED:
    return SB_EPIPE;
  case ERROR_FILE_NOT_FOUND:
  case ERROR_PATH_NOT_FOUND:
    return SB_ENOENT;
  case ERROR_ALREADY_EXISTS:
  case ERROR_FILE_EXISTS:
    return SB_EEXIST;
  case ERROR_ACCESS_DENIED:
  case ERROR_PRIVILEGE_NOT_HELD:
    return SB_EACCES;
  case ERROR_PIPE_BUSY:
    return SB_EBUSY;
  case ERROR_OPERATION_ABORTED:
    return SB_ECANCELED;
  case ERROR_NO_TOKEN:
    return SB_ENOTOKEN;
  case ERROR_MORE_DATA:
    return SB_ETOOBIG;
  default:
    return SB_EOS;
  }
}
