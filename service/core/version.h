/* SPDX-License-Identifier: MIT */
#ifndef SB_SERVICE_VERSION_H
#define SB_SERVICE_VERSION_H

/* From project(VERSION) in CMakeLists.txt (cmake/winres.cmake). */
#define SB_SERVICE_VERSION SB_VERSION
const char *sb_service_version(void);

#endif
