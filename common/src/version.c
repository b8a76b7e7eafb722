/* SPDX-License-Identifier: MIT */
#include "sessionbridge/version.h"

unsigned sb_version(void) { return SB_VERSION_HEX; }

const char *sb_version_string(void) { return SB_VERSION_STRING; }
