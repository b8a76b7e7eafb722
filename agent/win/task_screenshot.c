/* Screenshots with GDI: the virtual screen, one monitor, or a region,
 * BitBlt into a 32-bit top-down DIB, encoded as PNG by agent/core/png.c. */
#include <windows.h>

#include "sb_png.h"
#include "sessionbridge.h"
#include "tasks.h"

typedef struct {
  uint32_t want;
  uint32_t seen;
  RECT rect;
} monitor_find_t;

static BOOL CALLBACK monitor_cb(HMONITOR m, HDC dc, LPRECT r, LPARAM lp) {
  monitor_find_t *f = (monitor_find_t *)lp;
  (void)m;
  (void)dc;
  if (f->seen++ == f->want) {
    f->rect = *r;
    return FALSE;
  }
  return TRUE;
}

/* The rectangle to capture, in virtual-screen coordinates, clipped to the
 * virtual screen. Sizes are checked before anything is allocated. */
static int target_rect(const sb_task_shot_t *req, RECT *out) {
  RECT vs = {GetSystemMetrics(SM_XVIRTUALSCREEN),
             GetSystemMetrics(SM_YVIRTUALSCREEN), 0, 0};
  vs.right = vs.left + GetSystemMetrics(SM_CXVIRTUALSCREEN);
  vs.bottom = vs.top + GetSystemMetrics(SM_CYVIRTUALSCREEN);
  RECT want = vs;
  if (req->target == 1) {
    monitor_find_t f = {req->monitor, 0, {0, 0, 0, 0}};
    EnumDisplayMonitors(NULL, NULL, monitor_cb, (LPARAM)&f);
    if (f.seen <= req->monitor)
      return SB_EFIELD; /* no such monitor */
    want = f.rect;
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
  uint64_t bytes = (uint64_t)(out->right - out->left) *
                   (uint64_t)(out->bottom - out->top) * 4u;
  if (bytes > SB_SCREENSHOT_MAX)
    return SB_ETOOBIG;
  return 0;
}

int sb_task_screenshot(const sb_task_shot_t *req, uint8_t **png, size_t *len,
                       uint32_t *width, uint32_t *height) {
  RECT r;
  HDC screen = NULL, mem = NULL;
  HBITMAP bmp = NULL;
  HGDIOBJ old = NULL;
  void *bits = NULL;
  int err;
  if (!req || !png || !len || !width || !height)
    return SB_EINVAL;
  *png = NULL;
  *len = 0;
  *width = 0;
  *height = 0;
  if ((err = target_rect(req, &r)) != 0)
    return err;
  int w = r.right - r.left, h = r.bottom - r.top;
  BITMAPINFO bi;
  memset(&bi, 0, sizeof bi);
  bi.bmiHeader.biSize = sizeof bi.bmiHeader;
  bi.bmiHeader.biWidth = w;
  bi.bmiHeader.biHeight = -h; /* top-down */
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
  if (!BitBlt(mem, 0, 0, w, h, screen, r.left, r.top, SRCCOPY | CAPTUREBLT))
    goto out;
  GdiFlush();
  err = sb_png_encode_bgra(bits, (uint32_t)w, (uint32_t)h, (size_t)w * 4, png,
                           len);
  if (!err) {
    *width = (uint32_t)w;
    *height = (uint32_t)h;
  }
out:
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
