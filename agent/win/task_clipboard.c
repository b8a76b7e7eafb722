/* Clipboard text: CF_UNICODETEXT in Windows, UTF-8 on the wire. */
#include <windows.h>

#include "sessionbridge.h"
#include "tasks.h"

/* Another program may hold the clipboard for a moment (Wine's X11 bridge
 * does while it syncs): retry for about a second before saying BUSY. */
static int open_clipboard(void) {
  for (int i = 0; i < 40; i++) {
    if (OpenClipboard(NULL))
      return 0;
    Sleep(25);
  }
  return SB_EBUSY;
}

int sb_task_clipboard_get_text(uint8_t **data, size_t *len, int *empty) {
  int err;
  *data = NULL;
  *len = 0;
  *empty = 0;
  if ((err = open_clipboard()) != 0)
    return err;
  HANDLE h = GetClipboardData(CF_UNICODETEXT);
  if (!h) {
    CloseClipboard();
    *empty = 1;
    return 0;
  }
  const WCHAR *w = GlobalLock(h);
  if (!w) {
    CloseClipboard();
    return SB_EOS;
  }
  /* The global block may be larger than the text: stop at its NUL, and
   * never read past the block. */
  SIZE_T cap = GlobalSize(h) / sizeof(WCHAR);
  SIZE_T n = 0;
  while (n < cap && w[n])
    n++;
  int need = n ? WideCharToMultiByte(CP_UTF8, 0, w, (int)n, NULL, 0, NULL,
                                     NULL)
               : 0;
  if (n && need <= 0) {
    err = SB_EUTF8;
    goto out;
  }
  if ((size_t)need > SB_CLIPBOARD_MAX) {
    err = SB_ETOOBIG;
    goto out;
  }
  *data = sb_malloc((size_t)need + 1);
  if (!*data) {
    err = SB_ENOMEM;
    goto out;
  }
  if (n)
    WideCharToMultiByte(CP_UTF8, 0, w, (int)n, (char *)*data, need, NULL,
                        NULL);
  *len = (size_t)need;
  *empty = n == 0;
  err = 0;
out:
  GlobalUnlock(h);
  CloseClipboard();
  return err;
}

int sb_task_clipboard_set_text(const uint8_t *data, size_t len) {
  HGLOBAL mem = NULL;
  int wlen = 0, err;
  if (len > SB_CLIPBOARD_MAX)
    return SB_ETOOBIG;
  /* Convert and allocate everything first: once the clipboard is
   * emptied, nothing may fail, so a bad request never leaves the user's
   * clipboard half-changed. */
  if (len) {
    wlen = MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS,
                               (const char *)data, (int)len, NULL, 0);
    if (wlen <= 0)
      return SB_EUTF8;
  }
  mem = GlobalAlloc(GMEM_MOVEABLE, ((size_t)wlen + 1) * sizeof(WCHAR));
  if (!mem)
    return SB_ENOMEM;
  WCHAR *w = GlobalLock(mem);
  if (len)
    MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, (const char *)data,
                        (int)len, w, wlen);
  w[wlen] = 0;
  GlobalUnlock(mem);
  if ((err = open_clipboard()) != 0) {
    GlobalFree(mem);
    return err;
  }
  if (!EmptyClipboard() || !SetClipboardData(CF_UNICODETEXT, mem)) {
    CloseClipboard();
    GlobalFree(mem);
    return SB_EOS;
  }
  /* The system owns mem now. */
  CloseClipboard();
  return 0;
}
