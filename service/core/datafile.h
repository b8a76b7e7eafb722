/* SPDX-License-Identifier: MIT */
/* Files in the service's data folder (the log and its rotation), opened
 * as themselves: a symbolic link, junction or other reparse point is
 * never followed, and neither a link nor a file with a second hard link
 * is written to (as SYSTEM or root, appending through a planted link
 * would write into whatever file it names). Platform code:
 * service/win/datafile_win.c (CreateFileW with
 * FILE_FLAG_OPEN_REPARSE_POINT, then the handle's attributes),
 * service/posix/datafile_posix.c (O_NOFOLLOW, then fstat). */
#ifndef SB_DATAFILE_H
#define SB_DATAFILE_H

#include <stddef.h>
#include <stdint.h>

typedef struct sb_datafile sb_datafile_t;

/* Open (or create) a regular file for appending; *size is its length.
 * SB_EINSECURE when the name is a reparse point / symlink, a directory
 * or a file with more than one hard link; SB_EACCES when it cannot be
 * opened. */
int sb_datafile_open_append(sb_datafile_t **out, const char *path,
                            uint64_t *size);
int sb_datafile_write(sb_datafile_t *f, const void *buf, size_t n);
void sb_datafile_close(sb_datafile_t *f);
/* Delete the name itself (a link is removed, never its target).
 * SB_ENOENT when there is nothing of that name. */
int sb_datafile_remove(const char *path);
/* Rename a regular file (not a reparse point: SB_EINSECURE), replacing
 * what `to` names. */
int sb_datafile_rename(const char *from, const char *to);

#endif
