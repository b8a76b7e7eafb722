/* SPDX-License-Identifier: MIT */
/* datafile.h on Windows. Every name is opened with
 * FILE_FLAG_OPEN_REPARSE_POINT, so a symbolic link, junction or mount
 * point is opened as itself, never followed; the handle's attributes
 * (FileAttributeTagInfo) then refuse a reparse point or a directory, and
 * the link count (a second hard link would let a user who once could
 * write the folder aim our appends at another file) refuses hard links.
 * Deleting and renaming go through the same checked handle
 * (SetFileInformationByHandle), so they act on what was checked.
 *
 * Wine follows a Unix symlink even with the flag and reports the
 * target's attributes on the handle; only GetFileAttributesW on the path
 * shows FILE_ATTRIBUTE_REPARSE_POINT there, and only for a symlink to a
 * folder. The path is asked first for that reason: on Windows the handle
 * check is the one that counts. */
#include <windows.h>

#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "datafile.h"
#include "sessionbridge.h"

struct sb_datafile {
  HANDLE h;
};

static int widen(const char *path, WCHAR *w) {
  return path && MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, path, -1,
                                     w, MAX_PATH) > 0;
}

/* 0 for a plain file of one link; SB_EINSECURE otherwise. */
static int check_handle(HANDLE h, uint64_t *size) {
  FILE_ATTRIBUTE_TAG_INFO tag;
  BY_HANDLE_FILE_INFORMATION bi;
  if (!GetFileInformationByHandleEx(h, FileAttributeTagInfo, &tag,
                                    sizeof tag) ||
      !GetFileInformationByHandle(h, &bi))
    return SB_EACCES;
  if (tag.FileAttributes &
      (FILE_ATTRIBUTE_REPARSE_POINT | FILE_ATTRIBUTE_DIRECTORY))
    return SB_EINSECURE;
  if (bi.nNumberOfLinks != 1)
    return SB_EINSECURE;
  if (size)
    *size = ((uint64_t)bi.nFileSizeHigh << 32) | bi.nFileSizeLow;
  return 0;
}

static int path_is_link(const WCHAR *w) {
  DWORD a = GetFileAttributesW(w);
  return a != INVALID_FILE_ATTRIBUTES &&
         (a & (FILE_ATTRIBUTE_REPARSE_POINT | FILE_ATTRIBUTE_DIRECTORY));
}

int sb_datafile_open_append(sb_datafile_t **out, const char *path,
                            uint64_t *size) {
  WCHAR w[MAX_PATH];
  sb_datafile_t *f;
  int err;
  if (!out || !size || !widen(path, w))
    return SB_EINVAL;
  *out = NULL;
  if (path_is_link(w))
    return SB_EINSECURE;
  /* FILE_APPEND_DATA without FILE_WRITE_DATA: every write lands at the
   * end. Readers (an admin's editor, the tests) may read, not delete. */
  HANDLE h = CreateFileW(w, FILE_APPEND_DATA | FILE_READ_ATTRIBUTES |
                                SYNCHRONIZE,
                         FILE_SHARE_READ | FILE_SHARE_WRITE, NULL,
                         OPEN_ALWAYS,
                         FILE_ATTRIBUTE_NORMAL | FILE_FLAG_OPEN_REPARSE_POINT,
                         NULL);
  if (h == INVALID_HANDLE_VALUE)
    return SB_EACCES;
  if ((err = check_handle(h, size)) != 0) {
    CloseHandle(h);
    return err;
  }
  if (!(f = sb_calloc(1, sizeof *f))) {
    CloseHandle(h);
    return SB_ENOMEM;
  }
  f->h = h;
  *out = f;
  return 0;
}

int sb_datafile_write(sb_datafile_t *f, const void *buf, size_t n) {
  const char *p = buf;
  if (!f || (!buf && n))
    return SB_EINVAL;
  while (n > 0) {
    DWORD chunk = n > 65536 ? 65536 : (DWORD)n, w = 0;
    if (!WriteFile(f->h, p, chunk, &w, NULL) || w == 0)
      return SB_EIO;
    p += w;
    n -= w;
  }
  return 0;
}

void sb_datafile_close(sb_datafile_t *f) {
  if (!f)
    return;
  CloseHandle(f->h);
  sb_free(f);
}

/* The name itself, for DELETE, checked. */
static int open_for_delete(const WCHAR *w, HANDLE *out) {
  *out = CreateFileW(w, DELETE | FILE_READ_ATTRIBUTES | SYNCHRONIZE,
                     FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE,
                     NULL, OPEN_EXISTING,
                     FILE_ATTRIBUTE_NORMAL | FILE_FLAG_OPEN_REPARSE_POINT,
                     NULL);
  if (*out == INVALID_HANDLE_VALUE) {
    DWORD e = GetLastError();
    return e == ERROR_FILE_NOT_FOUND || e == ERROR_PATH_NOT_FOUND
               ? SB_ENOENT
               : SB_EACCES;
  }
  return 0;
}

int sb_datafile_remove(const char *path) {
  WCHAR w[MAX_PATH];
  HANDLE h;
  FILE_DISPOSITION_INFO di = {TRUE};
  int err;
  if (!widen(path, w))
    return SB_EINVAL;
  /* A link is deleted as itself (the handle is the link's), so no check
   * of what it is: removing a planted link is what is wanted. */
  if ((err = open_for_delete(w, &h)) != 0)
    return err;
  BOOL ok = SetFileInformationByHandle(h, FileDispositionInfo, &di, sizeof di);
  CloseHandle(h);
  return ok ? 0 : SB_EACCES;
}

int sb_datafile_rename(const char *from, const char *to) {
  WCHAR wf[MAX_PATH], wt[MAX_PATH];
  HANDLE h;
  int err;
  if (!widen(from, wf) || !widen(to, wt))
    return SB_EINVAL;
  if (path_is_link(wf))
    return SB_EINSECURE;
  if ((err = open_for_delete(wf, &h)) != 0)
    return err;
  if ((err = check_handle(h, NULL)) != 0) {
    CloseHandle(h);
    return err;
  }
  size_t len = wcslen(wt) * sizeof(WCHAR);
  size_t cap = sizeof(FILE_RENAME_INFO) + len;
  FILE_RENAME_INFO *ri = sb_calloc(1, cap);
  if (!ri) {
    CloseHandle(h);
    return SB_ENOMEM;
  }
  ri->ReplaceIfExists = TRUE;
  ri->FileNameLength = (DWORD)len;
  memcpy(ri->FileName, wt, len);
  BOOL ok = SetFileInformationByHandle(h, FileRenameInfo, ri, (DWORD)cap);
  sb_free(ri);
  CloseHandle(h);
  return ok ? 0 : SB_EACCES;
}
