/* SPDX-License-Identifier: MIT */
/* SB_EXTERN marks what libsessionbridge exports: the stable tier
 * (client.h, version.h, error.h, sb_free). The shared library is built
 * with hidden visibility (ELF) and explicit dllexport (Windows), so
 * nothing else leaks out of it and the ABI check sees exactly this set.
 *   building sessionbridge.dll / .so   SB_BUILDING_SHARED (set by CMake)
 *   using the static library           SB_STATIC (set by CMake and by
 *                                      pkg-config --static; define it
 *                                      yourself otherwise)
 *   using the shared library           nothing: dllimport on Windows */
#ifndef SESSIONBRIDGE_EXPORT_H
#define SESSIONBRIDGE_EXPORT_H

#if defined(_WIN32)
#if defined(SB_BUILDING_SHARED)
#define SB_EXTERN __declspec(dllexport)
#elif defined(SB_STATIC)
#define SB_EXTERN
#else
#define SB_EXTERN __declspec(dllimport)
#endif
#elif defined(__GNUC__) && __GNUC__ >= 4
#define SB_EXTERN __attribute__((visibility("default")))
#else
#define SB_EXTERN
#endif

#endif
