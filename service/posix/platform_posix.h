/* SPDX-License-Identifier: MIT */
#ifndef SB_PLATFORM_POSIX_H
#define SB_PLATFORM_POSIX_H

#include "platform.h"

typedef struct {
  const char *agent_path;
} sb_posix_platform_t;

void sb_posix_platform_init(sb_posix_platform_t *p, const char *agent_path,
                            sb_svc_platform_t *out);

#endif
