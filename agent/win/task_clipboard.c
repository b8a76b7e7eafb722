/* SPDX-License-Identifier: MIT */
/* Clipboard text (CF_UNICODETEXT in Windows, UTF-8 on the wire) and
 * bitmaps (CF_DIB in Windows, converted by GDI; PNG on the wire).
 *
 * Every clipboard call runs on a worker thread of its own, never on the
 * task thread, because a clipboard call can block for as long as another
 * program likes: GetClipboardData on delay-rendered data sends
 * WM_RENDERFORMAT to the owner and waits for it (in RDP the owner is
 * rdpclip, fetching from the client over the network), and EmptyClipboard
 * sends WM_DESTROYCLIPBOARD to the old owner. The task thread waits for
 * the worker until the request's deadline (less a margin to send the
 * answer) or a Cancel, then abandons it:
 *   - it tells the worker's window to close the clipboard. A thread
 *     blocked in SendMessage still runs the messages other threads send
 *     to its own windows, so the worker closes the clipboard from inside
 *     the stuck call and the rest of the session can use it again;
 *   - it answers TIMEOUT or CANCELLED at once and lets the worker go: the
 *     worker frees what it made when (if ever) the call returns, and
 *     nothing joins it, so the agent's shutdown never waits on it.
 * Only the worker's own thread can close what it opened (CloseClipboard
 * acts on the calling thread's open), hence the window.
 *
 * While an abandoned worker still waits on an owner, no new call starts
 * on that same owner: it answers BUSY at once. A second reader stuck on
 * the owner could not be closed (measured under Wine 8: the second
 * worker, blocked behind the first, never took the close request and
 * kept the clipboard held until the owner went away), and on Windows
 * each retry would only add a thread that waits forever. */
#include <string.h>
#include <windows.h>

#include <process.h>

#include "desktop_win.h"
#include "sb_dib.h"
#include "sb_png.h"
#include "sessionbridge.h"
#include "tasks.h"

/* Another program may hold the clipboard for a moment (Wine's X11 bridge
 * does while it syncs, clipboard managers do on every change): retry for
 * a second before saying BUSY. By the clock, not by a count of tries:
 * under Wine a Sleep(25) can last far longer. */
#define OPEN_RETRY_MS 1000
#define OPEN_WAIT_MS 25
/* Sent by the task thread to the worker's window: close the clipboard. */
#define WM_SB_ABANDON (WM_APP + 1)
/* How long the task thread waits for the worker to take that message:
 * a worker that is not blocked in a clipboard call closes the clipboard
 * by itself within moments (it checks `abandoned` after every step). */
#define ABANDON_SEND_MS 200
/* The most formats one set puts on the clipboard: the data and the three
 * of a sensitive set. */
#define MAX_FORMATS 4

typedef struct cb_work cb_work_t;
struct cb_work {
  int (*fn)(cb_work_t *w); /* runs on the worker */
  HWND hwnd;               /* the worker's window: opens and owns */
  volatile LONG refs;      /* task thread + worker; the last frees */
  volatile LONG abandoned; /* set by the task thread, read by both */
  volatile LONG opened;    /* the worker has the clipboard open */
  HWND owner;              /* the clipboard's owner when the call began */
  int finished, registered; /* under stuck_lock */
  int err;
  /* set: formats and memory, the system's once SetClipboardData took it */
  UINT fmt[MAX_FORMATS];
  HGLOBAL mem[MAX_FORMATS];
  int nfmt;
  /* get: results, sb_malloc'd; freed by the worker when abandoned */
  uint8_t *data;
  size_t len;
  uint32_t width, height;
  int empty;
  const char *why;
};

/* Abandoned workers still inside a clipboard call, by the owner each
 * waits on (NULL when it was not waiting on one). Process-wide: every
 * task thread of the agent shares the one clipboard. */
#define MAX_STUCK 8
static SRWLOCK stuck_lock = SRWLOCK_INIT;
static struct {
  cb_work_t *w;
  HWND owner;
  uint64_t since;
} stuck[MAX_STUCK];
static int n_stuck;

/* The task thread gives up on w: remember it until it returns (unless it
 * already did). */
static void stuck_add(cb_work_t *w) {
  AcquireSRWLockExclusive(&stuck_lock);
  if (!w->finished && n_stuck < MAX_STUCK) {
    stuck[n_stuck].w = w;
    stuck[n_stuck].owner = w->owner;
    stuck[n_stuck].since = sb_now_ms();
    n_stuck++;
    w->registered = 1;
  }
  ReleaseSRWLockExclusive(&stuck_lock);
}

/* The worker's call returned (it runs on the worker). */
static void stuck_done(cb_work_t *w) {
  AcquireSRWLockExclusive(&stuck_lock);
  w->finished = 1;
  for (int i = 0; w->registered && i < n_stuck; i++)
    if (stuck[i].w == w) {
      stuck[i] = stuck[--n_stuck];
      break;
    }
  w->registered = 0;
  ReleaseSRWLockExclusive(&stuck_lock);
}

/* 0, or SB_EBUSY when a new call would only wait behind an abandoned one:
 * one is still stuck on the clipboard's present owner, or MAX_STUCK are
 * stuck at all. */
static int stuck_check(void) {
  HWND owner = GetClipboardOwner();
  int err = 0;
  AcquireSRWLockShared(&stuck_lock);
  if (n_stuck >= MAX_STUCK) {
    sb_log(SB_LOG_WARN, "clipboard: %d abandoned calls are still waiting on "
                        "their owners: not starting another",
           n_stuck);
    err = SB_EBUSY;
  }
  for (int i = 0; !err && owner && i < n_stuck; i++)
    if (stuck[i].owner == owner) {
      DWORD pid = 0;
      GetWindowThreadProcessId(owner, &pid);
      sb_log(SB_LOG_WARN,
             "clipboard: an abandoned call has waited %llu ms on the "
             "clipboard's owner (pid %lu), which still owns it: not "
             "starting another behind it",
             (unsigned long long)(sb_now_ms() - stuck[i].since),
             (unsigned long)pid);
      err = SB_EBUSY;
    }
  ReleaseSRWLockShared(&stuck_lock);
  return err;
}

static void work_free_results(cb_work_t *w) {
  if (w->data) {
    /* Clipboard contents are secret (protocol.md). */
    sb_memzero(w->data, w->len);
    sb_free(w->data);
    w->data = NULL;
  }
  for (int i = 0; i < w->nfmt; i++)
    if (w->mem[i]) {
      GlobalFree(w->mem[i]);
      w->mem[i] = NULL;
    }
}

static void work_release(cb_work_t *w) {
  if (InterlockedDecrement(&w->refs) == 0) {
    work_free_results(w);
    sb_free(w);
  }
}

static int is_abandoned(cb_work_t *w) {
  return InterlockedCompareExchange(&w->abandoned, 0, 0) != 0;
}

static void close_clipboard(cb_work_t *w) {
  if (InterlockedExchange(&w->opened, 0))
    CloseClipboard();
}

static LRESULT CALLBACK worker_proc(HWND hwnd, UINT msg, WPARAM wp,
                                    LPARAM lp) {
  if (msg == WM_SB_ABANDON) {
    cb_work_t *w = (cb_work_t *)GetWindowLongPtrW(hwnd, GWLP_USERDATA);
    /* Called on the worker's thread, possibly from inside its stuck
     * GetClipboardData or EmptyClipboard: the clipboard is this thread's
     * to close. The stuck call then fails when it returns. */
    if (w)
      close_clipboard(w);
    return 1;
  }
  return DefWindowProcW(hwnd, msg, wp, lp);
}

static const WCHAR worker_class[] = L"sessionbridge clipboard worker";

static int register_class(void) {
  WNDCLASSW wc;
  memset(&wc, 0, sizeof wc);
  wc.lpfnWndProc = worker_proc;
  wc.hInstance = GetModuleHandleW(NULL);
  wc.lpszClassName = worker_class;
  if (!RegisterClassW(&wc) && GetLastError() != ERROR_CLASS_ALREADY_EXISTS)
    return SB_EOS;
  return 0;
}

static int open_clipboard(cb_work_t *w) {
  /* Under Wine the first window call starts the desktop process, whose
   * clipboard manager bridges the Windows clipboard to X11 selections; on
   * Windows it is a no-op. */
  GetDesktopWindow();
  uint64_t give_up = sb_now_ms() + OPEN_RETRY_MS;
  for (;;) {
    if (is_abandoned(w))
      return SB_ETIMEDOUT;
    if (OpenClipboard(w->hwnd)) {
      /* Before `opened`: the task thread reads it once it sees that. */
      w->owner = GetClipboardOwner();
      InterlockedExchange(&w->opened, 1);
      /* The task thread looks at `opened` after setting `abandoned`:
       * one of the two sees the other, so an open that raced the
       * abandonment is closed here. */
      if (is_abandoned(w)) {
        close_clipboard(w);
        return SB_ETIMEDOUT;
      }
      return 0;
    }
    if (sb_now_ms() >= give_up)
      break;
    Sleep(OPEN_WAIT_MS);
  }
  sb_log(SB_LOG_WARN, "clipboard: still held by another program after %d ms",
         OPEN_RETRY_MS);
  return SB_EBUSY;
}

static unsigned __stdcall worker_main(void *arg) {
  cb_work_t *w = arg;
  uint64_t start = sb_now_ms();
  sb_agent_attach_desktop();
  w->hwnd = CreateWindowExW(0, worker_class, L"sessionbridge clipboard", 0, 0,
                            0, 0, 0, HWND_MESSAGE, NULL,
                            GetModuleHandleW(NULL), NULL);
  if (!w->hwnd) {
    w->err = SB_EOS;
  } else {
    SetWindowLongPtrW(w->hwnd, GWLP_USERDATA, (LONG_PTR)w);
    w->err = w->fn(w);
    close_clipboard(w);
    DestroyWindow(w->hwnd);
  }
  stuck_done(w);
  /* Nobody will read the results of an abandoned call. */
  if (is_abandoned(w)) {
    sb_log(SB_LOG_INFO,
           "clipboard: an abandoned call returned after %llu ms (%s)",
           (unsigned long long)(sb_now_ms() - start), sb_err_name(w->err));
    work_free_results(w);
  }
  work_release(w);
  return 0;
}

/* The time the worker gets: the deadline less what the answer needs to
 * get back to the caller before the deadline (a tenth, at most 250 ms). */
static uint32_t budget(const sb_task_ctl_t *ctl) {
  uint32_t d = ctl ? ctl->deadline_ms : 0, margin;
  if (!d)
    return 0;
  margin = d / 10 < 250 ? d / 10 : 250;
  return d - margin ? d - margin : 1;
}

/* Run w->fn on a worker; w->err when it finished in time, else
 * SB_ETIMEDOUT or SB_ECANCELED with the worker abandoned (its results are
 * then the worker's to free). The caller keeps its reference to w. */
static int run_worker(cb_work_t *w, sb_task_ctl_t *ctl) {
  uint64_t start = sb_now_ms();
  uint32_t limit = budget(ctl);
  HANDLE th;
  int err;
  if ((err = register_class()) != 0 || (err = stuck_check()) != 0)
    return err;
  InterlockedIncrement(&w->refs); /* the worker's */
  th = (HANDLE)_beginthreadex(NULL, 0, worker_main, w, 0, NULL);
  if (!th) {
    InterlockedDecrement(&w->refs);
    return SB_EOS;
  }
  for (;;) {
    if (WaitForSingleObject(th, 20) == WAIT_OBJECT_0) {
      err = w->err;
      break;
    }
    int expired = limit && sb_now_ms() - start >= (uint64_t)limit;
    int cancel = ctl && ctl->cancel;
    if (expired || cancel) {
      DWORD_PTR r;
      err = cancel ? SB_ECANCELED : SB_ETIMEDOUT;
      InterlockedExchange(&w->abandoned, 1);
      /* `opened` first: once it is set, so is w->owner. */
      int open = InterlockedCompareExchange(&w->opened, 0, 0) != 0;
      stuck_add(w);
      if (open &&
          !SendMessageTimeoutW(w->hwnd, WM_SB_ABANDON, 0, 0, SMTO_NORMAL,
                               ABANDON_SEND_MS, &r))
        sb_log(SB_LOG_WARN, "clipboard: the worker did not take the close "
                            "request within %d ms",
               ABANDON_SEND_MS);
      sb_log(SB_LOG_WARN,
             "clipboard: %s after %llu ms; the call is abandoned and the "
             "clipboard closed",
             cancel ? "cancelled" : "no answer",
             (unsigned long long)(sb_now_ms() - start));
      break;
    }
  }
  CloseHandle(th);
  return err;
}

/* ---- get ---- */

static int get_text_fn(cb_work_t *w) {
  HANDLE h;
  const WCHAR *p;
  WCHAR *copy = NULL;
  SIZE_T cap, n = 0;
  int need, err;
  if ((err = open_clipboard(w)) != 0)
    return err;
  /* This is the call that can block on a delay-rendering owner. */
  h = GetClipboardData(CF_UNICODETEXT);
  if (is_abandoned(w))
    return SB_ETIMEDOUT;
  if (!h) {
    /* No text on the clipboard (nothing, or only other formats). */
    w->empty = 1;
    return 0;
  }
  p = GlobalLock(h);
  if (!p)
    return SB_EOS;
  /* The global block may be larger than the text: stop at its NUL, and
   * never read past the block. Every UTF-16 unit is at least one UTF-8
   * byte: refuse before copying or converting. */
  cap = GlobalSize(h) / sizeof(WCHAR);
  while (n < cap && p[n] && n <= SB_CLIPBOARD_MAX)
    n++;
  if (n > SB_CLIPBOARD_MAX) {
    GlobalUnlock(h);
    return SB_ETOOBIG;
  }
  /* Copied out so the clipboard is given back before the conversion. */
  copy = n ? sb_malloc(n * sizeof(WCHAR)) : NULL;
  if (copy)
    memcpy(copy, p, n * sizeof(WCHAR));
  GlobalUnlock(h);
  close_clipboard(w);
  if (n == 0) {
    w->empty = 1;
    return 0;
  }
  if (!copy)
    return SB_ENOMEM;
  err = 0;
  need = WideCharToMultiByte(CP_UTF8, 0, copy, (int)n, NULL, 0, NULL, NULL);
  if (need <= 0)
    err = SB_EUTF8;
  else if ((size_t)need > SB_CLIPBOARD_MAX)
    err = SB_ETOOBIG;
  else if (!(w->data = sb_malloc((size_t)need + 1)))
    err = SB_ENOMEM;
  else if (WideCharToMultiByte(CP_UTF8, 0, copy, (int)n, (char *)w->data, need,
                               NULL, NULL) != need) {
    sb_free(w->data);
    w->data = NULL;
    err = SB_EUTF8;
  } else {
    w->data[need] = 0;
    w->len = (size_t)need;
  }
  sb_memzero(copy, n * sizeof(WCHAR));
  sb_free(copy);
  return err;
}

/* The bitmap as PNG. sb_dib_check proves that the header, masks, colour
 * table and rows lie inside the n bytes copied (GDI would trust the header
 * and read past a short block); GDI then converts the pixels, whatever
 * their depth, masks or palette, with SetDIBits into a 32-bit top-down DIB
 * section: the one fixed format the encoder takes. */
static int dib_to_png(cb_work_t *w, const uint8_t *dib, size_t n) {
  sb_dib_layout_t lay;
  BITMAPINFO bi;
  HDC dc = NULL;
  HBITMAP bmp = NULL;
  void *bits = NULL;
  int err;
  if ((err = sb_dib_check(dib, n, &lay, &w->why)) != 0)
    return err;
  memset(&bi, 0, sizeof bi);
  bi.bmiHeader.biSize = sizeof bi.bmiHeader;
  bi.bmiHeader.biWidth = (LONG)lay.width;
  bi.bmiHeader.biHeight = -(LONG)lay.height; /* top-down */
  bi.bmiHeader.biPlanes = 1;
  bi.bmiHeader.biBitCount = 32;
  bi.bmiHeader.biCompression = BI_RGB;
  err = SB_ENOMEM;
  if (!(dc = CreateCompatibleDC(NULL)) ||
      !(bmp = CreateDIBSection(dc, &bi, DIB_RGB_COLORS, &bits, NULL, 0)) ||
      !bits)
    goto out;
  if (SetDIBits(dc, bmp, 0, lay.height, dib + lay.bits,
                (const BITMAPINFO *)dib, DIB_RGB_COLORS) != (int)lay.height) {
    err = SB_EFIELD;
    w->why = "Windows could not convert the bitmap";
    goto out;
  }
  GdiFlush(); /* the section's memory is complete before it is read */
  err = sb_png_encode_bgra(bits, lay.width, lay.height, (size_t)lay.width * 4,
                           &w->data, &w->len);
  if (!err && w->len > SB_CLIPBOARD_MAX) {
    err = SB_ETOOBIG;
    w->why = "the image is over 16 MiB as PNG";
  } else if (!err) {
    w->width = lay.width;
    w->height = lay.height;
  }
out:
  if (bmp) {
    /* Clipboard contents are secret (protocol.md): the pixels too. */
    if (bits)
      sb_memzero(bits, (size_t)lay.width * 4 * lay.height);
    DeleteObject(bmp);
  }
  if (dc)
    DeleteDC(dc);
  return err;
}

static int get_image_fn(cb_work_t *w) {
  HANDLE h;
  const uint8_t *p = NULL;
  uint8_t *copy = NULL;
  SIZE_T n = 0;
  int err;
  if ((err = open_clipboard(w)) != 0)
    return err;
  h = GetClipboardData(CF_DIB);
  if (is_abandoned(w))
    return SB_ETIMEDOUT;
  if (!h) {
    w->empty = 1;
    return 0;
  }
  p = GlobalLock(h);
  n = p ? GlobalSize(h) : 0;
  /* Copied out so the clipboard is given back before the slow part; the
   * header, masks and table add at most a few KiB to the pixels. */
  if (p && n > (SIZE_T)SB_SCREENSHOT_MAX + 65536u) {
    err = SB_ETOOBIG;
    w->why = "the bitmap is larger than 64 MiB of pixels";
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
  close_clipboard(w);
  if (!err)
    err = dib_to_png(w, copy, n);
  if (copy)
    sb_memzero(copy, n);
  sb_free(copy);
  return err;
}

static cb_work_t *work_new(int (*fn)(cb_work_t *)) {
  cb_work_t *w = sb_calloc(1, sizeof *w);
  if (w) {
    w->fn = fn;
    w->refs = 1;
  }
  return w;
}

int sb_task_clipboard_get_text(uint8_t **data, size_t *len, int *empty,
                               sb_task_ctl_t *ctl) {
  cb_work_t *w;
  int err;
  if (!data || !len || !empty)
    return SB_EINVAL;
  *data = NULL;
  *len = 0;
  *empty = 0;
  if (!(w = work_new(get_text_fn)))
    return SB_ENOMEM;
  err = run_worker(w, ctl);
  if (!err && !is_abandoned(w)) {
    *data = w->data;
    *len = w->len;
    *empty = w->empty;
    w->data = NULL;
  }
  work_release(w);
  return err;
}

int sb_task_clipboard_get_image(uint8_t **png, size_t *len, uint32_t *width,
                                uint32_t *height, int *empty, const char **why,
                                sb_task_ctl_t *ctl) {
  cb_work_t *w;
  int err;
  if (!png || !len || !width || !height || !empty || !why)
    return SB_EINVAL;
  *png = NULL;
  *len = 0;
  *width = *height = 0;
  *empty = 0;
  *why = NULL;
  if (!(w = work_new(get_image_fn)))
    return SB_ENOMEM;
  err = run_worker(w, ctl);
  if (!is_abandoned(w)) {
    *why = w->why; /* static strings */
    if (!err) {
      *png = w->data;
      *len = w->len;
      *width = w->width;
      *height = w->height;
      *empty = w->empty;
      w->data = NULL;
    }
  }
  work_release(w);
  return err;
}

/* ---- set ---- */

/* Replace the clipboard's content with the prepared formats, all inside
 * one open/empty/set/close, so no reader ever sees the data without the
 * formats that keep it out of history. The worker's window owns the
 * clipboard while we change it: EmptyClipboard after OpenClipboard(NULL)
 * leaves no owner, which the documentation says makes SetClipboardData
 * fail, and Wine lets two NULL openers in at once. The data stays after
 * the window goes (only delayed rendering needs it). */
static int put_fn(cb_work_t *w) {
  int err;
  if ((err = open_clipboard(w)) != 0)
    return err;
  if (!EmptyClipboard() || is_abandoned(w)) {
    err = is_abandoned(w) ? SB_ETIMEDOUT : SB_EOS;
    goto fail;
  }
  for (int i = 0; i < w->nfmt; i++) {
    if (!SetClipboardData(w->fmt[i], w->mem[i])) {
      err = is_abandoned(w) ? SB_ETIMEDOUT : SB_EOS;
      goto fail;
    }
    w->mem[i] = NULL; /* the system's now */
  }
  close_clipboard(w);
  return 0;
fail:
  if (err == SB_EOS)
    sb_log(SB_LOG_WARN, "clipboard: cannot set the clipboard: error %lu",
           (unsigned long)GetLastError());
  close_clipboard(w);
  return err;
}

static int add_format(cb_work_t *w, UINT fmt, HGLOBAL mem) {
  if (!fmt || w->nfmt >= MAX_FORMATS) {
    GlobalFree(mem);
    return SB_EOS;
  }
  w->fmt[w->nfmt] = fmt;
  w->mem[w->nfmt++] = mem;
  return 0;
}

/* The formats Windows 10/11 look for before they copy clipboard data into
 * the clipboard history or the cloud clipboard (Microsoft's "Clipboard
 * Formats" page): the first excludes the data whatever its value; the
 * other two are DWORDs, 0 meaning "no". */
static int add_sensitive(cb_work_t *w) {
  static const WCHAR *const names[] = {
      L"ExcludeClipboardContentFromMonitorProcessing",
      L"CanIncludeInClipboardHistory", L"CanUploadToCloudClipboard"};
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
    HGLOBAL mem = GlobalAlloc(GMEM_MOVEABLE | GMEM_ZEROINIT, sizeof(DWORD));
    int err;
    if (!mem)
      return SB_ENOMEM;
    if ((err = add_format(w, RegisterClipboardFormatW(names[i]), mem)) != 0)
      return err;
  }
  return 0;
}

/* Takes mem (freed on failure). */
static int put(UINT format, HGLOBAL mem, int sensitive, sb_task_ctl_t *ctl) {
  cb_work_t *w = work_new(put_fn);
  int err;
  if (!w) {
    GlobalFree(mem);
    return SB_ENOMEM;
  }
  if ((err = add_format(w, format, mem)) != 0 ||
      (sensitive && (err = add_sensitive(w)) != 0)) {
    work_release(w);
    return err;
  }
  err = run_worker(w, ctl);
  work_release(w);
  return err;
}

int sb_task_clipboard_set_text(const uint8_t *data, size_t len, int sensitive,
                               sb_task_ctl_t *ctl) {
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
  return put(CF_UNICODETEXT, mem, sensitive, ctl);
fail:
  GlobalFree(mem);
  return err;
}

int sb_task_clipboard_set_image(const uint8_t *png, size_t len, int sensitive,
                                const char **why, sb_task_ctl_t *ctl) {
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
  return put(CF_DIB, mem, sensitive, ctl);
}
