/* Message boxes. Each box runs MessageBoxW on its own thread; the calling
 * task thread watches the clock and the cancel flag and closes the box
 * itself, because MessageBoxTimeout is undocumented on Windows and
 * ignored by Wine (wine.md: a 1.5 s timeout stayed up for 19 s). */
#include <windows.h>

#include <process.h>

#include "desktop_win.h"
#include "sessionbridge.h"
#include "tasks.h"

/* How long to keep trying to close a box that should go (it may not be on
 * screen yet when the request is only just made). */
#define CLOSE_TRY_MS 5000

/* Shared by the task thread and the box thread; the last one to let go
 * frees it (the task may return before a closed box is fully gone). */
typedef struct {
  WCHAR *title;
  WCHAR *text;
  UINT style;
  int result;
  DWORD error; /* GetLastError() when MessageBoxW failed */
  DWORD tid;
  volatile LONG refs;
} box_t;

static void box_release(box_t *b) {
  if (InterlockedDecrement(&b->refs) == 0) {
    sb_free(b->title);
    sb_free(b->text);
    sb_free(b);
  }
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

static unsigned __stdcall box_main(void *arg) {
  sb_agent_attach_desktop();
  box_t *b = arg;
  /* MB_SETFOREGROUND|MB_TOPMOST: a box the user cannot find is worse
   * than none. */
  b->result = MessageBoxW(NULL, b->text, b->title,
                          b->style | MB_SETFOREGROUND | MB_TOPMOST);
  if (b->result == 0)
    b->error = GetLastError();
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

/* Close the box from outside its thread by pressing its "escape"
 * button: Cancel if it has one, else No, else OK (the answer is ignored:
 * the caller reports a timeout or a cancel). The dialog only honours
 * commands for buttons it really has. */
static int close_box(box_t *b) {
  static const int ids[] = {IDCANCEL, IDNO, IDOK};
  HWND hwnd = NULL;
  EnumThreadWindows(b->tid, find_dialog, (LPARAM)&hwnd);
  if (!hwnd)
    return 0;
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
  static const UINT btn[] = {MB_OK,    MB_OK,          MB_OKCANCEL,
                             MB_YESNO, MB_YESNOCANCEL, MB_RETRYCANCEL};
  static const UINT ico[] = {0, MB_ICONINFORMATION, MB_ICONWARNING,
                             MB_ICONERROR, MB_ICONQUESTION};
  return btn[buttons >= 0 && buttons <= 5 ? buttons : 0] |
         ico[icon >= 0 && icon <= 4 ? icon : 0];
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
  if (!b->title || !b->text) {
    box_release(b);
    return SB_EUTF8;
  }
  b->style = style_of(buttons, icon);
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
      if (expired)
        *timed_out = 1;
      else
        err = SB_ECANCELED;
      /* Keep pressing until the box has taken it (it may not exist yet
       * if the thread only just started), then answer: tearing the
       * window down can take Wine two more seconds without a window
       * manager, and the caller should hear the timeout when it
       * happened. */
      uint64_t give_up = sb_now_ms() + CLOSE_TRY_MS;
      while (!close_box(b) && WaitForSingleObject(th, 50) != WAIT_OBJECT_0) {
        if (sb_now_ms() >= give_up) {
          /* A box we cannot find cannot be closed; answer anyway. The
           * thread keeps its reference and frees the box when it ends. */
          sb_log(SB_LOG_WARN, "message box: no window to close after %d ms",
                 CLOSE_TRY_MS);
          break;
        }
      }
      WaitForSingleObject(th, 200);
      break;
    }
  }
  CloseHandle(th);
  box_release(b);
  return err;
}
