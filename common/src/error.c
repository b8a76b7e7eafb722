/* SPDX-License-Identifier: MIT */
#include "error.h"

const char *sb_strerror(int err) {
  switch (err) {
  case 0:
    return "success";
#define SB__ERR_MSG(name, val, msg)                                           \
  case val:                                                                   \
    return msg;
    SB_ERRNO_MAP(SB__ERR_MSG)
#undef SB__ERR_MSG
  default:
    return "unknown error";
  }
}

const char *sb_err_name(int err) {
  switch (err) {
  case 0:
    return "OK";
#define SB__ERR_NAME(name, val, msg)                                          \
  case val:                                                                   \
    return "SB_" #name;
    SB_ERRNO_MAP(SB__ERR_NAME)
#undef SB__ERR_NAME
  default:
    return "SB_EUNKNOWN";
  }
}
