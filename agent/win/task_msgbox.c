/* SPDX-License-Identifier: MIT */
/* Message boxes. Each box runs MessageBoxW on its own thread; the calling
 * task thread watches the clock and the cancel flag and closes the box
 * itself, because MessageBoxTimeout is undocumented on Windows and
 * ignored by Wine (a 1.5 s timeout stayed up for 19 s).
 *
 * Made safe to answer by accident:
 *  - the default button of a question is the one that does nothing (No,
 *    Cancel): a user typing Enter into another window that the box
 *    takes the focus from must not answer "Yes";
 *  - no focus stealing beyond what Windows grants: MB_SETFOREGROUND asks
 *    (Windows refuses a process that may not take the foreground), and a
 *    box that did not get it flashes its taskbar button instead;
 *  - text is cut to what a box can show (buttons stay on screen), and
 *    boxes open at the same time are cascaded, not stacked exactly;
 *  - the box thread subclasses its dialog (a WH_CBT hook on its own
 *    thread) so the task thread ends it with a result no button has:
 *    a click that got there first is the answer, even if the timeout
 *    expired while it was on its way. */
#include <windows.h>

#include <process.h>

#include "desktop_win.h"
#include "sessionbridge.h"
#include "tasks.h"

/* How long to keep trying to close a box that should go (it may not be on
 * screen yet when the request is only just made). */
#define CLOSE_TRY_MS 5000
/* What a box shows at most: more would push the buttons off screen. */
#define TEXT_MAX_UNITS 2000
#define TEXT_MAX_LINES 30
/* Cascade step for boxes open at the same time. */
#define CASCADE_PX 32
#define MAX_SLOTS 8
/* Dialog results no button has: ended by us for a timeout or a cancel. */
#define ID_SB_ENDED 0x5B00
/* Messages of our subclass of the dialog. */
#define WM_SB_END (WM_APP + 0x10)
#define WM_SB_CHECK_FOREGROUND (WM_APP + 0x11)

/* Taskbar flashes asked for (FlashWindowEx calls): what a test reads,
 * since Wine shows no taskbar. */
static volatile LONG flashes;
long sb__msgbox_flashes(void);
long sb__msgbox_flashes(void) {
  return InterlockedCompareExchange(&flashes, 0, 0);
}

/* Shared by the task thread and the box thread; the last one to let go
 * frees it (the task may return before a closed box is fully gone). */
typedef struct {
  WCHAR *title;
  WCHAR *text;
  UINT style;
  int result;
  DWORD error; /* GetLastError() when MessageBoxW failed */
  DWORD tid;
  int slot;    /* cascade position, -1 none */
  int def_id;  /* the harmless button, made the default */
  HHOOK hook;  /* box thread's CBT hook, until the dialog is subclassed */
  WNDPROC old_proc;
  volatile LONG subclassed;
  /* What ended the box first, as its thread saw it: a button id, or
   * ID_SB_ENDED for our own close. Known before the window is torn down
   * (which can take Wine seconds without a window manager). */
  volatile LONG first;
  volatile LONG refs;
} box_t;

/* Which cascade positions open boxes hold. */
static volatile LONG slots_used;

static int slot_take(void) {
  for (int i = 0; i < MAX_SLOTS; i++) {
    LONG bit = 1L << i, old = slots_used;
    if (!(old & bit) &&
        InterlockedCompareExchange(&slots_used, old | bit, old) == old)
      return i;
    if (old & bit)
      continue;
    i--; /* lost a race for this bit: look at it again */
  }
  return -1;
}

static void slot_give(int slot) {
  if (slot >= 0)
    InterlockedAnd(&slots_used, ~(1L << slot));
}

static void box_release(box_t *b) {
  if (InterlockedDecrement(&b->refs) == 0) {
    slot_give(b->slot);
    sb_free(b->title);
    sb_free(b->text);
    sb_free(b);
  }
}

/* Cut a box's text to TEXT_MAX_UNITS units and TEXT_MAX_LINES lines,
 * never inside a surrogate pair, ending with an ellipsis line when cut.
 * In place: the text only gets shorter (the ellipsis needs 3 units of
 * the room the cut made). */
static void shorten(WCHAR *w) {
  static const WCHAR more[] = L"\r\n\x2026";
  size_t n = 0, lines = 1, cut = 0;
  for (; w[n]; n++) {
    if (w[n] == L'\n' && ++lines > TEXT_MAX_LINES) {
      cut = n;
      break;
    }
    if (n == TEXT_MAX_UNITS - 3) {
      cut = n;
      break;
    }
  }
  if (!cut || !w[cut])
    return;
  if (cut > 0 && w[cut - 1] >= 0xD800 && w[cut - 1] <= 0xDBFF)
    cut--;
  memcpy(w + cut, more, sizeof more);
}

/* Invalid UTF-8 is refused rather than shown with replacement marks: the
 * user would be asked a question nobody wrote. */
static WCHAR *to_wide(const char *s) {
  int n = MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, s, -1, NULL, 0);
  WCHAR *w = n > 0 ? sb_malloc((size_t)n * sizeof(WCHAR)) : NULL;
  if (w && !MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, s, -1, w, n)) {
    sb_free(w);
    w = NULL;
  }
  return w;
}

static int button_of(int id) {
  switch (id) {
  case IDOK:
    return 1;
  case IDCANCEL:
    return 2;
  case IDYES:
    return 3;
  case IDNO:
    return 4;
  case IDRETRY:
    return 5;
  default:
    return 0;
  }
}

/* The box thread's own box (hooks and window procedures get no
 * argument of ours). */
static _Thread_local box_t *tls_box;

static LRESULT CALLBACK box_proc(HWND hwnd, UINT msg, WPARAM wp, LPARAM lp) {
  box_t *b = tls_box;
  WNDPROC old = b ? b->old_proc : NULL;
  if (!old)
    return DefWindowProcW(hwnd, msg, wp, lp);
  switch (msg) {
  case WM_INITDIALOG: {
    /* MessageBox centres itself here; then we move it down and right by
     * its cascade slot, staying on the monitor's work area. */
    LRESULT r = CallWindowProcW(old, hwnd, msg, wp, lp);
    RECT rc;
    MONITORINFO mi;
    mi.cbSize = sizeof mi;
    if (b->slot > 0 && GetWindowRect(hwnd, &rc) &&
        GetMonitorInfoW(MonitorFromWindow(hwnd, MONITOR_DEFAULTTONEAREST),
                        &mi)) {
      int dx = b->slot * CASCADE_PX;
      int x = rc.left + dx, y = rc.top + dx;
      if (x + (rc.right - rc.left) > mi.rcWork.right)
        x = mi.rcWork.right - (rc.right - rc.left);
      if (y + (rc.bottom - rc.top) > mi.rcWork.bottom)
        y = mi.rcWork.bottom - (rc.bottom - rc.top);
      if (x < mi.rcWork.left)
        x = mi.rcWork.left;
      if (y < mi.rcWork.top)
        y = mi.rcWork.top;
      SetWindowPos(hwnd, NULL, x, y, 0, 0,
                   SWP_NOSIZE | SWP_NOZORDER | SWP_NOACTIVATE);
    }
    /* MB_DEFBUTTONn asks for the default; Wine's MessageBox leaves
     * DM_GETDEFID (what Enter presses) on the first button, so it is
     * set here as well, with the keyboard focus inside the box. */
    if (b->def_id && GetDlgItem(hwnd, b->def_id)) {
      SendMessageW(hwnd, DM_SETDEFID, (WPARAM)b->def_id, 0);
      SetFocus(GetDlgItem(hwnd, b->def_id));
      r = FALSE; /* we placed the focus */
    }
    /* Once the modal loop runs (the box is on screen). */
    PostMessageW(hwnd, WM_SB_CHECK_FOREGROUND, 0, 0);
    return r;
  }
  case WM_SB_CHECK_FOREGROUND:
    /* Windows lets a process take the foreground only in a few cases (a
     * service's child rarely qualifies): without it, keystrokes go to
     * the user's window, and the box says so by flashing its taskbar
     * button until it is activated, as Windows itself does. */
    if (GetForegroundWindow() != hwnd) {
      FLASHWINFO fi;
      memset(&fi, 0, sizeof fi);
      fi.cbSize = sizeof fi;
      fi.hwnd = hwnd;
      fi.dwFlags = FLASHW_ALL | FLASHW_TIMERNOFG;
      FlashWindowEx(&fi);
      InterlockedIncrement(&flashes);
    }
    return 0;
  case WM_COMMAND:
    /* A button (click, Enter, Esc, the close box): the box's answer,
     * unless our close got there first. */
    if (HIWORD(wp) == BN_CLICKED && button_of(LOWORD(wp)))
      InterlockedCompareExchange(&b->first, LOWORD(wp), 0);
    return CallWindowProcW(old, hwnd, msg, wp, lp);
  case WM_SB_END:
    /* On the box's own thread, as EndDialog must be; after any click
     * already queued, which then is the answer. */
    if (InterlockedCompareExchange(&b->first, ID_SB_ENDED, 0) == 0)
      EndDialog(hwnd, ID_SB_ENDED);
    return 0;
  case WM_NCDESTROY:
    SetWindowLongPtrW(hwnd, GWLP_WNDPROC, (LONG_PTR)old);
    b->old_proc = NULL;
    return CallWindowProcW(old, hwnd, msg, wp, lp);
  default:
    return CallWindowProcW(old, hwnd, msg, wp, lp);
  }
}

/* Subclass the first dialog this thread creates (the box), then unhook. */
static LRESULT CALLBACK cbt_proc(int code, WPARAM wp, LPARAM lp) {
  box_t *b = tls_box;
  if (code == HCBT_CREATEWND && b && b->hook) {
    WCHAR cls[16];
    HWND hwnd = (HWND)wp;
    if (GetClassNameW(hwnd, cls, 16) && lstrcmpW(cls, L"#32770") == 0) {
      HHOOK h = b->hook;
      b->old_proc =
          (WNDPROC)SetWindowLongPtrW(hwnd, GWLP_WNDPROC, (LONG_PTR)box_proc);
      InterlockedExchange(&b->subclassed, b->old_proc != NULL);
      b->hook = NULL;
      UnhookWindowsHookEx(h);
      return CallNextHookEx(NULL, code, wp, lp);
    }
  }
  return CallNextHookEx(NULL, code, wp, lp);
}

static unsigned __stdcall box_main(void *arg) {
  sb_agent_attach_desktop();
  box_t *b = arg;
  tls_box = b;
  b->hook = SetWindowsHookExW(WH_CBT, cbt_proc, NULL, GetCurrentThreadId());
  if (!b->hook)
    sb_log(SB_LOG_WARN, "message box: no CBT hook (error %lu): the box is "
                        "not cascaded and is closed by pressing a button",
           (unsigned long)GetLastError());
  /* MB_SETFOREGROUND asks for the foreground (Windows decides) and
   * MB_TOPMOST keeps the box above other windows: a box the user cannot
   * find is worse than none. */
  b->result = MessageBoxW(NULL, b->text, b->title,
                          b->style | MB_SETFOREGROUND | MB_TOPMOST);
  if (b->result == 0)
    b->error = GetLastError();
  if (b->hook)
    UnhookWindowsHookEx(b->hook);
  tls_box = NULL;
  box_release(b);
  return 0;
}

static BOOL CALLBACK find_dialog(HWND hwnd, LPARAM lp) {
  WCHAR cls[16];
  if (GetClassNameW(hwnd, cls, 16) && lstrcmpW(cls, L"#32770") == 0) {
    *(HWND *)lp = hwnd;
    return FALSE;
  }
  return TRUE;
}

/* Close the box from outside its thread. Through our subclass: the box
 * ends with ID_SB_ENDED, after any click already queued (which then is
 * the answer). Without the subclass (no hook), by pressing its "escape"
 * button: Cancel if it has one, else No, else OK (*pressed_by_us then
 * says the answer is ours). The dialog only honours commands for
 * buttons it really has. */
static int close_box(box_t *b, int *pressed_by_us) {
  static const int ids[] = {IDCANCEL, IDNO, IDOK};
  HWND hwnd = NULL;
  EnumThreadWindows(b->tid, find_dialog, (LPARAM)&hwnd);
  if (!hwnd)
    return 0;
  if (InterlockedCompareExchange(&b->subclassed, 0, 0)) {
    PostMessageW(hwnd, WM_SB_END, 0, 0);
    return 1;
  }
  *pressed_by_us = 1;
  for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++) {
    HWND button = GetDlgItem(hwnd, ids[i]);
    if (button) {
      PostMessageW(hwnd, WM_COMMAND, MAKEWPARAM(ids[i], BN_CLICKED),
                   (LPARAM)button);
      return 1;
    }
  }
  return 0;
}

static UINT style_of(int buttons, int icon) {
  /* The default is the button that changes nothing: Cancel, or No. */
  static const UINT btn[] = {MB_OK,
                             MB_OK,
                             MB_OKCANCEL | MB_DEFBUTTON2,
                             MB_YESNO | MB_DEFBUTTON2,
                             MB_YESNOCANCEL | MB_DEFBUTTON3,
                             MB_RETRYCANCEL | MB_DEFBUTTON2};
  static const UINT ico[] = {0, MB_ICONINFORMATION, MB_ICONWARNING,
                             MB_ICONERROR, MB_ICONQUESTION};
  return btn[buttons >= 0 && buttons <= 5 ? buttons : 0] |
         ico[icon >= 0 && icon <= 4 ? icon : 0];
}


int sb_task_message_box(const char *title, const char *text, int buttons,
                        int icon, uint32_t timeout_ms, sb_task_ctl_t *ctl,
                        int *pressed, int *timed_out) {
  box_t *b;
  HANDLE th;
  int err = 0;
  uint64_t start = sb_now_ms();
  uint32_t limit = timeout_ms;
  if (!pressed || !timed_out)
    return SB_EINVAL;
  *pressed = 0;
  *timed_out = 0;
  /* The box's own timeout and the request's deadline: the first wins. */
  if (ctl && ctl->deadline_ms && (!limit || ctl->deadline_ms < limit))
    limit = ctl->deadline_ms;
  /* Same desktop as the box thread, or its window cannot be found. */
  sb_agent_attach_desktop();
  b = sb_calloc(1, sizeof *b);
  if (!b)
    return SB_ENOMEM;
  b->refs = 1;
  b->title = to_wide(title ? title : "");
  b->text = to_wide(text ? text : "");
  b->slot = -1;
  if (!b->title || !b->text) {
    box_release(b);
    return SB_EUTF8;
  }
  shorten(b->text);
  /* A title is one line: MessageBox cuts it at the caption's width. */
  if (lstrlenW(b->title) > 255)
    sb_agent_wcopy(b->title, 256, b->title);
  b->style = style_of(buttons, icon);
  b->def_id = (b->style & MB_DEFMASK) == MB_DEFBUTTON3 ? IDCANCEL
              : (b->style & MB_DEFMASK) != MB_DEFBUTTON2 ? 0
              : (b->style & MB_TYPEMASK) == MB_YESNO     ? IDNO
                                                         : IDCANCEL;
  b->slot = slot_take();
  b->refs = 2;
  th = (HANDLE)_beginthreadex(NULL, 0, box_main, b, 0, (unsigned *)&b->tid);
  if (!th) {
    b->refs = 1;
    box_release(b);
    return SB_EOS;
  }
  for (;;) {
    if (WaitForSingleObject(th, 50) == WAIT_OBJECT_0) {
      if (b->result == 0) {
        sb_log(SB_LOG_WARN, "message box: MessageBoxW failed: error %lu",
               (unsigned long)b->error);
        err = SB_EOS;
      }
      *pressed = button_of(b->result);
      break;
    }
    int expired = limit && sb_now_ms() - start >= (uint64_t)limit;
    if (expired || (ctl && ctl->cancel)) {
      int by_us = 0;
      /* Keep asking until the box has taken it (it may not exist yet
       * if the thread only just started). */
      uint64_t give_up = sb_now_ms() + CLOSE_TRY_MS;
      while (!close_box(b, &by_us) &&
             WaitForSingleObject(th, 50) != WAIT_OBJECT_0) {
        if (sb_now_ms() >= give_up) {
          /* A box we cannot find cannot be closed; answer anyway. The
           * thread keeps its reference and frees the box when it ends. */
          sb_log(SB_LOG_WARN, "message box: no window to close after %d ms",
                 CLOSE_TRY_MS);
          break;
        }
      }
      /* Its answer: ours, or a click that was on its way before our
       * request reached the box (then the click is the answer). */
      LONG first = 0;
      for (int i = 0; i < 20 && !by_us; i++) {
        first = InterlockedCompareExchange(&b->first, 0, 0);
        if (first || WaitForSingleObject(th, 50) == WAIT_OBJECT_0)
          break;
      }
      if (!first && !by_us && WaitForSingleObject(th, 0) == WAIT_OBJECT_0)
        first = b->result;
      if (!by_us && first != ID_SB_ENDED && button_of((int)first)) {
        *pressed = button_of((int)first);
        break;
      }
      if (expired)
        *timed_out = 1;
      else
        err = SB_ECANCELED;
      break;
    }
  }
  CloseHandle(th);
  box_release(b);
  return err;
}
