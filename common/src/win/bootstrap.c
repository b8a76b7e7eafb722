/* SPDX-License-Identifier: MIT */
/* Bootstrap pipe on Windows: an anonymous pipe whose read end the agent
 * inherits (listed alone in PROC_THREAD_ATTRIBUTE_HANDLE_LIST). */
#include <windows.h>

#include <stdlib.h>

#include "alloc.h"
#include "bootstrap.h"
#include "error.h"
#include "internal.h"

int sb__bootstrap_pipe(sb_handle_t *child_end, sb_handle_t *parent_end) {
  SECURITY_ATTRIBUTES sa = {sizeof sa, NULL, TRUE};
  HANDLE r, w;
  if (!child_end || !parent_end)
    return SB_EINVAL;
  if (!CreatePipe(&r, &w, &sa, SB_BOOTSTRAP_SIZE))
    return sb__translate_os_error((int)GetLastError());
  /* Our end must not leak into any child. */
  if (!SetHandleInformation(w, HANDLE_FLAG_INHERIT, 0)) {
    int err = sb__translate_os_error((int)GetLastError());
    CloseHandle(r);
    CloseHandle(w);
    return err;
  }
  *child_end = (sb_handle_t)r;
  *parent_end = (sb_handle_t)w;
  return 0;
}

int sb__bootstrap_send(sb_handle_t parent_end, const sb_bootstrap_t *b) {
  uint8_t buf[SB_BOOTSTRAP_SIZE];
  DWORD off = 0, n;
  int err = sb__bootstrap_encode(b, buf);
  while (!err && off < sizeof buf) {
    if (!WriteFile((HANDLE)parent_end, buf + off, (DWORD)sizeof buf - off, &n,
                   NULL) ||
        n == 0)
      err = sb__translate_os_error((int)GetLastError());
    else
      off += n;
  }
  sb_memzero(buf, sizeof buf);
  CloseHandle((HANDLE)parent_end);
  return err;
}

int sb__bootstrap_receive(const char *handle_text, sb_bootstrap_t *b) {
  uint8_t buf[SB_BOOTSTRAP_SIZE];
  DWORD off = 0, n;
  char *end;
  unsigned long long v;
  HANDLE h;
  int err = 0;
  if (!handle_text || !b)
    return SB_EINVAL;
  v = strtoull(handle_text, &end, 10);
  if (*end || v == 0 || v > 0xFFFFFFFFull)
    return SB_EINVAL;
  h = (HANDLE)(uintptr_t)v;
  while (off < sizeof buf) {
    if (!ReadFile(h, buf + off, (DWORD)sizeof buf - off, &n, NULL) || n == 0) {
      err = GetLastError() == ERROR_BROKEN_PIPE
                ? SB_ETRUNC
                : sb__translate_os_error((int)GetLastError());
      break;
    }
    off += n;
  }
  CloseHandle(h);
  if (!err)
    err = sb__bootstrap_decode(buf, b);
  sb_memzero(buf, sizeof buf);
  return err;
}

void sb__handle_close(sb_handle_t h) {
  if (h != SB_INVALID_HANDLE && h != 0)
    CloseHandle((HANDLE)h);
}
