/* SPDX-License-Identifier: MIT */
#include "version.h"

const char *sb_service_version(void) { return SB_SERVICE_VERSION; }
