/* Notifications: a tray icon with a balloon (Shell_NotifyIconW NIF_INFO).
 * The icon belongs to a hidden window owned by the calling thread; it is
 * removed after a few seconds so icons do not pile up. Wine shows the
 * icon in its "Wine System Tray" window but draws no balloon. */
#include <windows.h>

#include <process.h>
#include <shellapi.h>

#include "desktop_win.h"
#include "sessionbridge.h"
#include "tasks.h"

#define SHOW_MS 4000

/* UTF-8 into a fixed WCHAR field, cut to fit: the shell shows at most 63
 * title and 255 text characters, and a longer one must be shortened, not
 * dropped (a too-small buffer makes MultiByteToWideChar fail outright). */
static int copy_w(WCHAR *dst, size_t cap, const char *src) {
  int n;
  WCHAR *w;
  dst[0] = 0;
  if (!src || !src[0])
    return 0;
  n = MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, src, -1, NULL, 0);
  if (n <= 0)
    return SB_EUTF8;
  w = sb_malloc((size_t)n * sizeof(WCHAR));
  if (!w)
    return SB_ENOMEM;
  MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, src, -1, w, n);
  lstrcpynW(dst, w, (int)cap);
  sb_free(w);
  return 0;
}

typedef struct {
  WCHAR title[64];
  WCHAR text[256];
  DWORD info_flags;
  int result;
  HANDLE ready; /* set once the icon and balloon are up (or failed) */
  volatile LONG refs;
} note_t;

static void note_release(note_t *n) {
  if (InterlockedDecrement(&n->refs) == 0) {
    CloseHandle(n->ready);
    sb_free(n);
  }
}

/* Owns the hidden window and the icon for their whole life: shows them,
 * reports, keeps them up for a while pumping messages so the shell's
 * callbacks are answered, then takes them down. The request is answered
 * as soon as the balloon is up, not when it goes. */
static unsigned __stdcall note_main(void *arg) {
  note_t *n = arg;
  NOTIFYICONDATAW nid;
  HWND hwnd;
  sb_agent_attach_desktop();
  hwnd = CreateWindowExW(0, L"STATIC", L"sessionbridge notification", 0, 0, 0,
                         0, 0, NULL, NULL, GetModuleHandleW(NULL), NULL);
  n->result = SB_EOS;
  if (!hwnd) {
    sb_log(SB_LOG_WARN, "notify: cannot create the icon's window: error %lu",
           (unsigned long)GetLastError());
    goto done;
  }
  memset(&nid, 0, sizeof nid);
  nid.cbSize = sizeof nid;
  nid.hWnd = hwnd;
  nid.uID = 1;
  nid.uFlags = NIF_ICON | NIF_TIP;
  nid.hIcon = LoadIconW(NULL, (LPCWSTR)IDI_INFORMATION);
  lstrcpynW(nid.szTip, n->title, sizeof nid.szTip / sizeof nid.szTip[0]);
  if (!Shell_NotifyIconW(NIM_ADD, &nid)) {
    sb_log(SB_LOG_WARN,
           "notify: Shell_NotifyIconW(NIM_ADD) failed: error 0x%lx (tray "
           "window %s)",
           (unsigned long)GetLastError(),
           FindWindowW(L"Shell_TrayWnd", NULL) ? "present" : "absent");
    goto done;
  }
  nid.uVersion = NOTIFYICON_VERSION_4;
  Shell_NotifyIconW(NIM_SETVERSION, &nid);
  nid.uFlags = NIF_INFO;
  lstrcpynW(nid.szInfoTitle, n->title,
            sizeof nid.szInfoTitle / sizeof nid.szInfoTitle[0]);
  lstrcpynW(nid.szInfo, n->text, sizeof nid.szInfo / sizeof nid.szInfo[0]);
  nid.dwInfoFlags = n->info_flags;
  n->result = Shell_NotifyIconW(NIM_MODIFY, &nid) ? 0 : SB_EOS;
  SetEvent(n->ready);
  uint64_t end = sb_now_ms() + SHOW_MS;
  while (n->result == 0 && sb_now_ms() < end) {
    MSG msg;
    while (PeekMessageW(&msg, NULL, 0, 0, PM_REMOVE)) {
      TranslateMessage(&msg);
      DispatchMessageW(&msg);
    }
    Sleep(50);
  }
  nid.uFlags = 0;
  Shell_NotifyIconW(NIM_DELETE, &nid);
done:
  if (hwnd)
    DestroyWindow(hwnd);
  SetEvent(n->ready);
  note_release(n);
  return 0;
}

int sb_task_notify(const char *title, const char *text, int icon) {
  static const DWORD flags[] = {NIIF_NONE, NIIF_INFO, NIIF_WARNING, NIIF_ERROR,
                                NIIF_INFO};
  note_t *n;
  HANDLE th;
  int err;
  if ((err = sb_task_notify_check(title, text)) != 0)
    return err;
  n = sb_calloc(1, sizeof *n);
  if (!n)
    return SB_ENOMEM;
  if ((err = copy_w(n->title, sizeof n->title / sizeof n->title[0], title)) ||
      (err = copy_w(n->text, sizeof n->text / sizeof n->text[0], text))) {
    sb_free(n);
    return err;
  }
  n->info_flags = flags[icon >= 0 && icon <= 4 ? icon : 0];
  n->ready = CreateEventW(NULL, TRUE, FALSE, NULL);
  n->refs = 2;
  th = n->ready ? (HANDLE)_beginthreadex(NULL, 0, note_main, n, 0, NULL) : NULL;
  if (!th) {
    if (n->ready)
      CloseHandle(n->ready);
    sb_free(n);
    return SB_EOS;
  }
  CloseHandle(th);
  err = WaitForSingleObject(n->ready, 5000) == WAIT_OBJECT_0 ? n->result
                                                             : SB_ETIMEDOUT;
  note_release(n);
  return err;
}
