/* SPDX-License-Identifier: MIT */
/* Error codes of libsessionbridge.
 *
 * Every function of the library returns 0 or one negative SB_E* code. The
 * codes come from one table (SB_ERRNO_MAP) so that the enum, sb_strerror()
 * and sb_err_name() can never disagree. OS errors (errno, GetLastError) are
 * translated at the platform edge, inside the library, so both
 * platforms report the same code for the same failure. */
#ifndef SESSIONBRIDGE_ERROR_H
#define SESSIONBRIDGE_ERROR_H

#include "sessionbridge/export.h"

#ifdef __cplusplus
extern "C" {
#endif

#define SB_ERRNO_MAP(XX)                                                      \
  XX(EINVAL, -1, "invalid argument")                                          \
  XX(ENOMEM, -2, "out of memory")                                             \
  XX(ETOOBIG, -3, "length over the limit")                                    \
  XX(ESHORT, -4, "frame shorter than the minimum")                            \
  XX(EPROTO, -5, "protocol violation")                                        \
  XX(EDECODE, -6, "message could not be decoded")                             \
  XX(EUNKNOWNFIELD, -7, "message has unknown fields")                         \
  XX(EONEOF, -8, "required oneof is not set")                                 \
  XX(EENUM, -9, "enum value out of range")                                    \
  XX(EUTF8, -10, "string is not valid UTF-8 or has an embedded NUL")          \
  XX(EFIELD, -11, "field value out of range")                                 \
  XX(EBUDGET, -12, "decode memory budget exceeded")                           \
  XX(EVERSION, -13, "unsupported protocol version")                           \
  XX(EAUTH, -14, "peer failed authentication")                                \
  XX(ECRYPTO, -15, "frame failed decryption or was out of order")             \
  XX(ETIMEDOUT, -16, "operation timed out")                                   \
  XX(EOF, -17, "connection closed cleanly by the peer")                       \
  XX(ETRUNC, -18, "connection ended without a final frame")                   \
  XX(ECLOSED, -19, "channel already closed")                                  \
  XX(EPIPE, -20, "broken pipe")                                               \
  XX(ECONNREFUSED, -21, "connection refused")                                 \
  XX(ENOENT, -22, "no such file or endpoint")                                 \
  XX(EEXIST, -23, "endpoint name already exists")                             \
  XX(EACCES, -24, "access denied")                                            \
  XX(EPEER, -25, "peer identity check failed")                                \
  XX(EBUSY, -26, "too many outstanding requests")                             \
  XX(ELIMIT, -27, "connection limit reached")                                 \
  XX(ECANCELED, -28, "operation cancelled")                                   \
  XX(EIO, -29, "input/output error")                                          \
  XX(ESTATE, -30, "operation not valid in this state")                        \
  XX(ENOSESSION, -31, "no such session")                                      \
  XX(ENOAGENT, -32, "session has no connected agent")                         \
  XX(ELOCKED, -33, "session is locked")                                       \
  XX(EREMOTE, -34, "peer answered with an error")                             \
  XX(EOS, -35, "operating system call failed")                               \
  XX(EAGAIN, -36, "temporarily unavailable, try again")                       \
  XX(ENOTOKEN, -37, "the session's user token is not available yet")       \
  XX(EUNSUPPORTED, -38, "this build has no backend for the task")            \
  XX(EDISCONNECTED, -39, "the session has no client connected")              \
  XX(EINSECURE, -40, "a path or object a non-administrator can write")

typedef enum {
#define SB__ERR_ENUM(name, val, msg) SB_##name = (val),
  SB_ERRNO_MAP(SB__ERR_ENUM)
#undef SB__ERR_ENUM
  SB_ERRNO_LAST_ = -41
} sb_errno_t;

/* Human-readable message for an SB_E* code ("unknown error" otherwise). */
SB_EXTERN const char *sb_strerror(int err);
/* Symbolic name of an SB_E* code, e.g. "SB_ETIMEDOUT". */
SB_EXTERN const char *sb_err_name(int err);

#ifdef __cplusplus
}
#endif
#endif
