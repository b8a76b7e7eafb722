/* Clipboard text (CF_UNICODETEXT in Windows, UTF-8 on the wire) and
 * bitmaps (CF_DIB in Windows, PNG on the wire). */
#include <string.h>
#include <windows.h>

#include "sb_dib.h"
#include "sb_png.h"
#include "sessionbridge.h"
#include "tasks.h"

/* Another program may hold the clipboard for a moment (Wine's X11 bridge
 * does while it syncs, clipboard managers do on every change): retry for
 * about a second before saying BUSY. */
#define OPEN_TRIES 40
#define OPEN_WAIT_MS 25

static int open_clipboard(HWND owner) {
  /* Under Wine the first window call starts the desktop process, whose
   * clipboard manager bridges the Windows clipboard to X11 selections; on
   * Windows it is a no-op. */
  GetDesktopWindow();
  for (int i = 0; i < OPEN_TRIES; i++) {
    if (OpenClipboard(owner))
      return 0;
    Sleep(OPEN_WAIT_MS);
  }
  sb_log(SB_LOG_WARN, "clipboard: still held by another program after %d ms",
         OPEN_TRIES * OPEN_WAIT_MS);
  return SB_EBUSY;
}

int sb_task_clipboard_get_text(uint8_t **data, size_t *len, int *empty) {
  HANDLE h;
  const WCHAR *w = NULL;
  SIZE_T cap, n = 0;
  int need = 0, err;
  if (!data || !len || !empty)
    return SB_EINVAL;
  *data = NULL;
  *len = 0;
  *empty = 0;
  if ((err = open_clipboard(NULL)) != 0)
    return err;
  h = GetClipboardData(CF_UNICODETEXT);
  if (!h) {
    /* No text on the clipboard (nothing, or only other formats). */
    *empty = 1;
    err = 0;
    goto out;
  }
  w = GlobalLock(h);
  if (!w) {
    err = SB_EOS;
    goto out;
  }
  /* The global block may be larger than the text: stop at its NUL, and
   * never read past the block. */
  cap = GlobalSize(h) / sizeof(WCHAR);
  while (n < cap && w[n])
    n++;
  if (n == 0) {
    *empty = 1;
    err = 0;
    goto out;
  }
  /* Every UTF-16 unit is at least one UTF-8 byte: refuse before asking for
   * the converted size, which must fit in an int. */
  if (n > SB_CLIPBOARD_MAX) {
    err = SB_ETOOBIG;
    goto out;
  }
  need = WideCharToMultiByte(CP_UTF8, 0, w, (int)n, NULL, 0, NULL, NULL);
  if (need <= 0) {
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
  if (WideCharToMultiByte(CP_UTF8, 0, w, (int)n, (char *)*data, need, NULL,
                          NULL) != need) {
    sb_free(*data);
    *data = NULL;
    err = SB_EUTF8;
    goto out;
  }
  (*data)[need] = 0;
  *len = (size_t)need;
  err = 0;
out:
  if (w)
    GlobalUnlock(h);
  CloseClipboard();
  return err;
}

/* Replace the clipboard's content with mem in format; mem is the
 * system's on success and freed on failure. */
static int put_on_clipboard(UINT format, HGLOBAL mem) {
  int err;
  /* A window to own the clipboard while we change it: EmptyClipboard
   * after OpenClipboard(NULL) leaves no owner, which the documentation
   * says makes SetClipboardData fail, and Wine lets two NULL openers in at
   * once, so a program holding the clipboard would not keep us out. The
   * data stays after the window goes (only delayed rendering needs it). */
  HWND owner = CreateWindowExW(0, L"STATIC", L"sessionbridge clipboard", 0,
                               0, 0, 0, 0, HWND_MESSAGE, NULL,
                               GetModuleHandleW(NULL), NULL);
  if (!owner) {
    GlobalFree(mem);
    return SB_EOS;
  }
  if ((err = open_clipboard(owner)) != 0)
    goto fail;
  if (!EmptyClipboard() || !SetClipboardData(format, mem)) {
    sb_log(SB_LOG_WARN, "clipboard: cannot set format %u: error %lu",
           format, (unsigned long)GetLastError());
    CloseClipboard();
    err = SB_EOS;
    goto fail;
  }
  /* The system owns mem now. */
  CloseClipboard();
  DestroyWindow(owner);
  return 0;
fail:
  DestroyWindow(owner);
  GlobalFree(mem);
  return err;
}

int sb_task_clipboard_set_text(const uint8_t *data, size_t len) {
  HGLOBAL mem = NULL;
  WCHAR *w;
  int wlen = 0, err;
  if ((err = sb_task_clipboard_text_check(data, len)) != 0)
    return err;
  /* Convert and allocate everything first: once the clipboard is emptied,
   * nothing may fail, so a bad request never leaves the user's clipboard
   * half-changed. */
  if (len) {
    wlen = MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS,
                               (const char *)data, (int)len, NULL, 0);
    if (wlen <= 0)
      return SB_EUTF8;
  }
  mem = GlobalAlloc(GMEM_MOVEABLE, ((size_t)wlen + 1) * sizeof(WCHAR));
  if (!mem)
    return SB_ENOMEM;
  w = GlobalLock(mem);
  if (!w) {
    err = SB_EOS;
    goto fail;
  }
  if (len &&
      MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, (const char *)data,
                          (int)len, w, wlen) != wlen) {
    GlobalUnlock(mem);
    err = SB_EUTF8;
    goto fail;
  }
  w[wlen] = 0;
  GlobalUnlock(mem);
  return put_on_clipboard(CF_UNICODETEXT, mem);
fail:
  GlobalFree(mem);
  return err;
}

int sb_task_clipboard_get_image(uint8_t **png, size_t *len, uint32_t *width,
                                uint32_t *height, int *empty,
                                const char **why) {
  HANDLE h;
  const uint8_t *p = NULL;
  uint8_t *copy = NULL;
  SIZE_T n = 0;
  int err;
  if (!png || !len || !width || !height || !empty || !why)
    return SB_EINVAL;
  *png = NULL;
  *len = 0;
  *width = *height = 0;
  *empty = 0;
  *why = NULL;
  if ((err = open_clipboard(NULL)) != 0)
    return err;
  h = GetClipboardData(CF_DIB);
  if (!h) {
    *empty = 1;
    CloseClipboard();
    return 0;
  }
  p = GlobalLock(h);
  n = p ? GlobalSize(h) : 0;
  /* Copied out so the clipboard is given back before the slow part; the
   * header, masks and table add at most a few KiB to the pixels. */
  if (p && n > (SIZE_T)SB_SCREENSHOT_MAX + 65536u) {
    err = SB_ETOOBIG;
    *why = "the bitmap is larger than 64 MiB of pixels";
  } else if (p) {
    copy = sb_malloc(n ? n : 1);
    if (copy)
      memcpy(copy, p, n);
    err = copy ? 0 : SB_ENOMEM;
  } else {
    err = SB_EOS;
  }
  if (p)
    GlobalUnlock(h);
  CloseClipboard();
  if (!err)
    err = sb_dib_to_png(copy, n, png, len, width, height, why);
  sb_free(copy);
  return err;
}

int sb_task_clipboard_set_image(const uint8_t *png, size_t len,
                                const char **why) {
  uint8_t *bgra = NULL, *p;
  uint32_t w, h;
  size_t n;
  HGLOBAL mem;
  int err;
  if (!png || !why)
    return SB_EINVAL;
  *why = NULL;
  /* Decode and build the bitmap first: a PNG that cannot be read leaves
   * the clipboard as it was. The bitmap is written straight into the
   * memory the clipboard will own. */
  if ((err = sb_png_decode_bgra(png, len, &bgra, &w, &h, why)) != 0)
    return err;
  n = sb_dib_size(w, h); /* non-zero: the decoder bounded w and h */
  mem = n ? GlobalAlloc(GMEM_MOVEABLE, n) : NULL;
  p = mem ? GlobalLock(mem) : NULL;
  if (!p) {
    if (mem)
      GlobalFree(mem);
    sb_free(bgra);
    return n ? SB_ENOMEM : SB_ETOOBIG;
  }
  sb_dib_write(bgra, w, h, p);
  GlobalUnlock(mem);
  sb_free(bgra);
  return put_on_clipboard(CF_DIB, mem);
}
