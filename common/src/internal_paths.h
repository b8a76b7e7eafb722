/* SPDX-License-Identifier: MIT */
#ifndef SB_INTERNAL_PATHS_H
#define SB_INTERNAL_PATHS_H

#include <stddef.h>

char sb__path_sep(void);
/* Read at most cap bytes of a file (the key file): Windows with
 * CreateFileW/ReadFile (no CRT buffer left holding the bytes, a reparse
 * point not followed), POSIX with open/read. 0, or SB_EACCES when it
 * cannot be opened. */
int sb__read_small_file(const char *path, unsigned char *buf, size_t cap,
                        size_t *n);

#endif
