/* SPDX-License-Identifier: MIT */
/* Screenshots with GDI: the virtual screen, one monitor, or a region,
 * BitBlt a band of rows at a time into a 32-bit top-down DIB section and
 * handed to the PNG encoder (agent/core/png.c) band by band, so the
 * desktop is never held whole as BGRA. Also the monitor list and the
 * process's DPI awareness. */
#include <windows.h>

#include <string.h>

#include "sb_png.h"
#include "sessionbridge.h"
#include "tasks.h"

/* ---- DPI awareness ----
 * The functions are looked up at run time: SetProcessDpiAwarenessContext
 * and friends exist from Windows 10 1607/1703, GetDpiForMonitor and
 * SetProcessDpiAwareness (shcore.dll) from 8.1, and this build targets 8.
 * shcore.dll is loaded from System32 only. */
typedef HANDLE dpi_ctx_t; /* DPI_AWARENESS_CONTEXT */
#define CTX_PER_MONITOR_V2 ((dpi_ctx_t)-4)
#define CTX_PER_MONITOR ((dpi_ctx_t)-3)
#define CTX_SYSTEM ((dpi_ctx_t)-2)
typedef BOOL(WINAPI *set_ctx_fn)(dpi_ctx_t);
typedef dpi_ctx_t(WINAPI *get_thread_ctx_fn)(void);
typedef int(WINAPI *awareness_of_fn)(dpi_ctx_t);
typedef BOOL(WINAPI *ctx_equal_fn)(dpi_ctx_t, dpi_ctx_t);
typedef HRESULT(WINAPI *set_awareness_fn)(int);
typedef HRESULT(WINAPI *get_awareness_fn)(HANDLE, int *);
typedef HRESULT(WINAPI *dpi_for_monitor_fn)(HMONITOR, int, UINT *, UINT *);

static FARPROC user32_fn(const char *name) {
  HMODULE u = GetModuleHandleW(L"user32.dll"); /* linked: always loaded */
  return u ? GetProcAddress(u, name) : NULL;
}

static FARPROC shcore_fn(const char *name) {
  HMODULE s = LoadLibraryExW(L"shcore.dll", NULL,
                             LOAD_LIBRARY_SEARCH_SYSTEM32);
  /* Kept loaded: it is a system DLL and looked up again later. */
  return s ? GetProcAddress(s, name) : NULL;
}

static const char *current_awareness(void) {
  get_thread_ctx_fn get_ctx =
      (get_thread_ctx_fn)(void (*)(void))user32_fn("GetThreadDpiAwarenessContext");
  ctx_equal_fn equal =
      (ctx_equal_fn)(void (*)(void))user32_fn("AreDpiAwarenessContextsEqual");
  awareness_of_fn of = (awareness_of_fn)(void (*)(void))user32_fn(
      "GetAwarenessFromDpiAwarenessContext");
  if (get_ctx && equal && of) {
    dpi_ctx_t c = get_ctx();
    if (equal(c, CTX_PER_MONITOR_V2))
      return "per-monitor-v2";
    switch (of(c)) {
    case 2:
      return "per-monitor";
    case 1:
      return "system";
    default:
      return "unaware";
    }
  }
  get_awareness_fn get_aw =
      (get_awareness_fn)(void (*)(void))shcore_fn("GetProcessDpiAwareness");
  int a = 0;
  if (get_aw && get_aw(NULL, &a) == S_OK)
    return a == 2 ? "per-monitor" : a == 1 ? "system" : "unaware";
  return IsProcessDPIAware() ? "system" : "unaware";
}

const char *sb_task_dpi_aware(void) {
  /* Fails with ERROR_ACCESS_DENIED when the manifest (sbagent.exe has
   * one) or an earlier call set it already: then what is in force is
   * what we report. */
  set_ctx_fn set_ctx =
      (set_ctx_fn)(void (*)(void))user32_fn("SetProcessDpiAwarenessContext");
  if (!(set_ctx && (set_ctx(CTX_PER_MONITOR_V2) ||
                    GetLastError() == ERROR_ACCESS_DENIED))) {
    set_awareness_fn set_aw =
        (set_awareness_fn)(void (*)(void))shcore_fn("SetProcessDpiAwareness");
    if (!set_aw || FAILED(set_aw(2)))
      SetProcessDPIAware();
  }
  return current_awareness();
}

/* ---- monitors ---- */

typedef struct {
  sb_task_monitor_t *list;
  size_t max, n;
  dpi_for_monitor_fn dpi_for;
  UINT system_dpi;
} enum_t;

static BOOL CALLBACK monitor_cb(HMONITOR m, HDC dc, LPRECT r, LPARAM lp) {
  enum_t *e = (enum_t *)lp;
  MONITORINFOEXW mi;
  (void)dc;
  if (e->n >= e->max)
    return FALSE;
  sb_task_monitor_t *o = &e->list[e->n++];
  memset(o, 0, sizeof *o);
  o->x = r->left;
  o->y = r->top;
  o->width = (uint32_t)(r->right - r->left);
  o->height = (uint32_t)(r->bottom - r->top);
  memset(&mi, 0, sizeof mi);
  mi.cbSize = sizeof mi;
  if (GetMonitorInfoW(m, (MONITORINFO *)&mi)) {
    o->primary = (mi.dwFlags & MONITORINFOF_PRIMARY) != 0;
    if (!WideCharToMultiByte(CP_UTF8, 0, mi.szDevice, -1, o->device,
                             (int)sizeof o->device, NULL, NULL))
      o->device[0] = 0;
  }
  UINT dx = 0, dy = 0;
  /* 0: MDT_EFFECTIVE_DPI, what scaling the user chose for it. */
  if (e->dpi_for && e->dpi_for(m, 0, &dx, &dy) == S_OK && dx)
    o->dpi = dx;
  else
    o->dpi = e->system_dpi;
  return TRUE;
}

static void virtual_screen(RECT *vs) {
  vs->left = GetSystemMetrics(SM_XVIRTUALSCREEN);
  vs->top = GetSystemMetrics(SM_YVIRTUALSCREEN);
  vs->right = vs->left + GetSystemMetrics(SM_CXVIRTUALSCREEN);
  vs->bottom = vs->top + GetSystemMetrics(SM_CYVIRTUALSCREEN);
}

int sb_task_monitors(sb_task_monitor_t *list, size_t max, size_t *n,
                     int32_t vs[4], const char **awareness) {
  enum_t e;
  RECT v;
  if (!list || !n || !vs || !awareness)
    return SB_EINVAL;
  *n = 0;
  memset(&e, 0, sizeof e);
  e.list = list;
  e.max = max;
  e.dpi_for = (dpi_for_monitor_fn)(void (*)(void))shcore_fn("GetDpiForMonitor");
  HDC screen = GetDC(NULL);
  e.system_dpi = screen ? (UINT)GetDeviceCaps(screen, LOGPIXELSX) : 96;
  if (screen)
    ReleaseDC(NULL, screen);
  /* The callback stops the walk when the list is full: not a failure. */
  if (!EnumDisplayMonitors(NULL, NULL, monitor_cb, (LPARAM)&e) && e.n < max)
    return SB_EOS;
  virtual_screen(&v);
  vs[0] = v.left;
  vs[1] = v.top;
  vs[2] = v.right - v.left;
  vs[3] = v.bottom - v.top;
  *n = e.n;
  *awareness = current_awareness();
  return 0;
}

/* ---- capture ---- */

/* The rectangle to capture, in virtual-screen coordinates, clipped to the
 * virtual screen. Sizes are checked before anything is allocated. */
static int target_rect(const sb_task_shot_t *req, RECT *out) {
  RECT vs, want;
  virtual_screen(&vs);
  want = vs;
  if (req->target == 1) {
    sb_task_monitor_t mons[SB_MSG_MONITORS_MAX];
    size_t n = 0;
    int32_t v[4];
    const char *aw;
    int err = sb_task_monitors(mons, SB_MSG_MONITORS_MAX, &n, v, &aw);
    if (err)
      return err;
    if (req->monitor >= n)
      return SB_EFIELD; /* no such monitor */
    want.left = mons[req->monitor].x;
    want.top = mons[req->monitor].y;
    want.right = want.left + (LONG)mons[req->monitor].width;
    want.bottom = want.top + (LONG)mons[req->monitor].height;
  } else if (req->target == 2) {
    if (req->width == 0 || req->height == 0 || req->width > 65535 ||
        req->height > 65535)
      return SB_EFIELD;
    /* In 64 bits and clamped to the virtual screen before narrowing to
     * LONG, so x + width past INT32_MAX cannot wrap round onto it. */
    int64_t l = req->x, t = req->y;
    int64_t r = l + req->width, b = t + req->height;
    if (r <= vs.left || b <= vs.top || l >= vs.right || t >= vs.bottom)
      return SB_EFIELD; /* entirely off screen */
    want.left = (LONG)(l < vs.left ? vs.left : l);
    want.top = (LONG)(t < vs.top ? vs.top : t);
    want.right = (LONG)(r > vs.right ? vs.right : r);
    want.bottom = (LONG)(b > vs.bottom ? vs.bottom : b);
  }
  if (!IntersectRect(out, &want, &vs))
    return SB_EFIELD; /* entirely off screen */
  uint64_t px = (uint64_t)(out->right - out->left) *
                (uint64_t)(out->bottom - out->top);
  if (px > SB_SCREENSHOT_PIXELS_MAX)
    return SB_ETOOBIG;
  return 0;
}

/* Rows per band: about 512 KiB of BGRA (34 rows of a 4K screen), at
 * least one row. Under Wine every BitBlt from the screen is an X11
 * GetImage whose image Wine allocates and frees on each call: at 4 MiB a
 * band those blocks come from fresh pages every time, and a 4K capture
 * took 540-710 ms of BitBlt on the benchmark machine; at 512 KiB they
 * are reused, and it took 16-154 ms (docs/performance.md). On Windows a
 * BitBlt costs little more per call, and an 8K desktop still costs half
 * a MiB of bitmap, not 133 MB. */
enum { BAND_BYTES = 512 * 1024 };

/* Microseconds on the performance counter, for sb_task_shot_times_t. */
static uint64_t now_us(void) {
  static LARGE_INTEGER f;
  LARGE_INTEGER c;
  if (!f.QuadPart)
    QueryPerformanceFrequency(&f); /* never fails since XP */
  QueryPerformanceCounter(&c);
  return (uint64_t)(c.QuadPart / f.QuadPart * 1000000 +
                    c.QuadPart % f.QuadPart * 1000000 / f.QuadPart);
}

int sb_task_screenshot_at(const sb_task_shot_t *req, uint8_t **png,
                          size_t *len, uint32_t *width, uint32_t *height,
                          int32_t *x, int32_t *y) {
  RECT r;
  HDC screen = NULL, mem = NULL;
  HBITMAP bmp = NULL;
  HGDIOBJ old = NULL;
  void *bits = NULL;
  sb_png_enc_t *enc = NULL;
  int err;
  if (!req || !png || !len || !width || !height ||
      (req->compression != SB_PNG_FAST && req->compression != SB_PNG_SMALL) ||
      (req->sink && (!req->sink->begin || !req->sink->bytes)))
    return SB_EINVAL;
  *png = NULL;
  *len = 0;
  *width = 0;
  *height = 0;
  if ((err = target_rect(req, &r)) != 0)
    return err;
  int w = r.right - r.left, h = r.bottom - r.top;
  int band = BAND_BYTES / (w * 4);
  if (band < 1)
    band = 1;
  if (band > h)
    band = h;
  if ((err = sb_png_enc_new((uint32_t)w, (uint32_t)h, req->compression,
                            &enc)) != 0)
    return err;
  if (req->sink) {
    /* The picture's size and place go first: they are in the answer
     * that declares the download. */
    err = sb_png_enc_set_sink(enc, req->sink->piece_max, req->sink->bytes,
                              req->sink->arg);
    if (!err)
      err = req->sink->begin(req->sink->arg, (uint32_t)w, (uint32_t)h,
                             r.left, r.top);
    if (err)
      goto out;
  }
  BITMAPINFO bi;
  memset(&bi, 0, sizeof bi);
  bi.bmiHeader.biSize = sizeof bi.bmiHeader;
  bi.bmiHeader.biWidth = w;
  bi.bmiHeader.biHeight = -band; /* top-down */
  bi.bmiHeader.biPlanes = 1;
  bi.bmiHeader.biBitCount = 32;
  bi.bmiHeader.biCompression = BI_RGB;
  err = SB_EOS;
  screen = GetDC(NULL);
  if (!screen)
    goto out;
  mem = CreateCompatibleDC(screen);
  bmp = CreateDIBSection(screen, &bi, DIB_RGB_COLORS, &bits, NULL, 0);
  if (!mem || !bmp || !bits)
    goto out;
  old = SelectObject(mem, bmp);
  uint64_t t_cap = 0, t_rows = 0, t0 = now_us(), t1;
  for (int y0 = 0; y0 < h; y0 += band) {
    int rows = h - y0 < band ? h - y0 : band;
    /* CAPTUREBLT: layered windows too. Windows excluded from capture
     * (SetWindowDisplayAffinity) and protected video come out black;
     * GDI does not say where. */
    if (!BitBlt(mem, 0, 0, w, rows, screen, r.left, r.top + y0,
                SRCCOPY | CAPTUREBLT))
      goto out;
    GdiFlush(); /* the DIB's memory is complete before it is read */
    t1 = now_us();
    t_cap += t1 - t0;
    err = sb_png_enc_rows(enc, bits, (size_t)w * 4, (uint32_t)rows);
    t0 = now_us();
    t_rows += t0 - t1;
    if (err)
      goto out;
    err = SB_EOS;
  }
  err = req->sink ? sb_png_enc_finish_sink(enc, len)
                  : sb_png_enc_finish(enc, png, len);
  if (req->times) {
    req->times->capture_us = t_cap;
    req->times->rows_us = t_rows;
    req->times->finish_us = now_us() - t0;
  }
  if (!err) {
    *width = (uint32_t)w;
    *height = (uint32_t)h;
    if (x)
      *x = r.left;
    if (y)
      *y = r.top;
  }
out:
  sb_png_enc_free(enc);
  if (old)
    SelectObject(mem, old);
  if (bmp)
    DeleteObject(bmp);
  if (mem)
    DeleteDC(mem);
  if (screen)
    ReleaseDC(NULL, screen);
  return err;
}

int sb_task_screenshot(const sb_task_shot_t *req, uint8_t **png, size_t *len,
                       uint32_t *width, uint32_t *height) {
  return sb_task_screenshot_at(req, png, len, width, height, NULL, NULL);
}
