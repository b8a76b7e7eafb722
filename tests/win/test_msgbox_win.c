/* SPDX-License-Identifier: MIT */
/* Message boxes made safe to answer, checked on the boxes themselves in
 * the test process: a click that races the timeout is the answer, the
 * default button of a question is the harmless one, long text keeps the
 * box on screen, and boxes open together are cascaded. The same through
 * the service with xdotool is e2e_task_message_wine. */
#include <windows.h>

#include <process.h>

#include "sbtest.h"
#include "sessionbridge.h"
#include "tasks.h"

typedef struct {
  const char *title;
  const char *text;
  int buttons;
  uint32_t timeout_ms;
  int err, pressed, timed_out;
  uint64_t ms;
} box_run_t;

static unsigned __stdcall box_thread(void *arg) {
  box_run_t *r = arg;
  uint64_t t0 = sb_now_ms();
  r->err = sb_task_message_box(r->title, r->text, r->buttons, 4, r->timeout_ms,
                               NULL, &r->pressed, &r->timed_out);
  r->ms = sb_now_ms() - t0;
  return 0;
}

static HANDLE run_box(box_run_t *r) {
  HANDLE th = (HANDLE)_beginthreadex(NULL, 0, box_thread, r, 0, NULL);
  CHECK(th != NULL);
  return th;
}

static HWND find_box(const char *title) {
  WCHAR w[64];
  MultiByteToWideChar(CP_UTF8, 0, title, -1, w, 64);
  for (int i = 0; i < 500; i++) {
    HWND h = FindWindowW(L"#32770", w);
    if (h && IsWindowVisible(h))
      return h;
    Sleep(10);
  }
  sbtest_fail(__FILE__, __LINE__, "no box with this title", title);
  return NULL;
}

/* The box thread, stalled inside its modal loop once it has taken our
 * click off its queue: the click is sent before the timeout, but the box
 * only acts on it after the timeout has passed and the task has asked it
 * to close. */
static HHOOK stall_hook;
static volatile LONG stalled;

static LRESULT CALLBACK stall_proc(int code, WPARAM wp, LPARAM lp) {
  MSG *m = (MSG *)lp;
  (void)wp;
  if (code >= 0 && m->message == WM_COMMAND &&
      LOWORD(m->wParam) == IDYES && !InterlockedExchange(&stalled, 1))
    Sleep(800);
  return CallNextHookEx(NULL, code, wp, lp);
}

SB_TEST(task_msgbox_click_races_timeout) {
  box_run_t r = {"sb-race", "Yes arrives late", 3, 3000, 0, 0, 0, 0};
  uint64_t t0 = sb_now_ms();
  HANDLE th = run_box(&r);
  HWND box = find_box(r.title);
  DWORD tid = GetWindowThreadProcessId(box, NULL);
  stalled = 0;
  /* The dialog's modal loop passes every message it takes to the
   * WH_MSGFILTER hooks (MSGF_DIALOGBOX) before it dispatches it. */
  stall_hook = SetWindowsHookExW(WH_MSGFILTER, stall_proc,
                                GetModuleHandleW(NULL), tid);
  CHECK(stall_hook != NULL);
  /* Yes, 400 ms before the 3000 ms timeout (the box takes a while to
   * appear under Wine); the box thread takes it and then stalls 800 ms,
   * past the timeout. */
  uint64_t now = sb_now_ms();
  CHECK(now - t0 < 2500);
  Sleep((DWORD)(2600 - (now - t0)));
  PostMessageW(box, WM_COMMAND, MAKEWPARAM(IDYES, BN_CLICKED),
               (LPARAM)GetDlgItem(box, IDYES));
  CHECK(WaitForSingleObject(th, 20000) == WAIT_OBJECT_0);
  UnhookWindowsHookEx(stall_hook);
  CloseHandle(th);
  fprintf(stderr, "stalled %d pressed %d timed_out %d after %llu ms\n",
          (int)stalled, r.pressed, r.timed_out, (unsigned long long)r.ms);
  CHECK(stalled);
  CHECK_OK(r.err);
  /* The click, not a timeout, though the answer came after it. */
  CHECK_EQ(r.timed_out, 0);
  CHECK_EQ(r.pressed, SBWIRE__V1__BUTTON__BUTTON_YES);
  CHECK(r.ms >= 3000);
}

/* The default button of each question is the one that does nothing. */
SB_TEST(task_msgbox_safe_default) {
  static const struct {
    int buttons;
    int def;
  } cases[] = {{3, IDNO}, {4, IDCANCEL}, {2, IDCANCEL}, {5, IDCANCEL},
               {1, IDOK}};
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    box_run_t r = {"sb-default", "x", cases[i].buttons, 8000, 0, 0, 0, 0};
    HANDLE th = run_box(&r);
    HWND box = find_box(r.title);
    LRESULT def = SendMessageW(box, DM_GETDEFID, 0, 0);
    CHECK_EQ(HIWORD(def), DC_HASDEFID);
    CHECK_EQ(LOWORD(def), cases[i].def);
    /* Enter answers with the default: the harmless button. */
    PostMessageW(box, WM_COMMAND, MAKEWPARAM(LOWORD(def), BN_CLICKED), 0);
    CHECK(WaitForSingleObject(th, 10000) == WAIT_OBJECT_0);
    CloseHandle(th);
    CHECK_EQ(r.timed_out, 0);
    CHECK_EQ(r.pressed, cases[i].def == IDNO       ? 4
                        : cases[i].def == IDCANCEL ? 2
                                                   : 1);
  }
}

/* 400 lines: the box is cut to fit, its buttons on the work area. */
SB_TEST(task_msgbox_long_text_fits) {
  static char text[400 * 12 + 1];
  size_t n = 0;
  for (int i = 0; i < 400; i++)
    n += (size_t)snprintf(text + n, sizeof text - n, "line %4d\n", i);
  box_run_t r = {"sb-long", text, 1, 8000, 0, 0, 0, 0};
  HANDLE th = run_box(&r);
  HWND box = find_box(r.title);
  RECT rc;
  MONITORINFO mi;
  mi.cbSize = sizeof mi;
  CHECK(GetWindowRect(box, &rc));
  CHECK(GetMonitorInfoW(MonitorFromWindow(box, MONITOR_DEFAULTTONEAREST), &mi));
  fprintf(stderr, "box %ldx%ld, work area bottom %ld\n", rc.right - rc.left,
          rc.bottom - rc.top, mi.rcWork.bottom);
  CHECK(rc.bottom <= mi.rcWork.bottom);
  CHECK(rc.top >= mi.rcWork.top);
  PostMessageW(box, WM_COMMAND, MAKEWPARAM(IDOK, BN_CLICKED), 0);
  CHECK(WaitForSingleObject(th, 10000) == WAIT_OBJECT_0);
  CloseHandle(th);
  CHECK_EQ(r.pressed, 1);
}

/* Two boxes at once do not cover each other exactly. */
SB_TEST(task_msgbox_cascaded) {
  box_run_t a = {"sb-cascade-a", "a", 1, 8000, 0, 0, 0, 0};
  box_run_t b = {"sb-cascade-b", "a", 1, 8000, 0, 0, 0, 0};
  HANDLE ta = run_box(&a);
  HWND wa = find_box(a.title);
  HANDLE tb = run_box(&b);
  HWND wb = find_box(b.title);
  RECT ra, rb;
  Sleep(200); /* placed in WM_INITDIALOG, before it is shown */
  CHECK(GetWindowRect(wa, &ra) && GetWindowRect(wb, &rb));
  fprintf(stderr, "a at %ld,%ld; b at %ld,%ld\n", ra.left, ra.top, rb.left,
          rb.top);
  CHECK(ra.left != rb.left && ra.top != rb.top);
  PostMessageW(wa, WM_COMMAND, MAKEWPARAM(IDOK, BN_CLICKED), 0);
  PostMessageW(wb, WM_COMMAND, MAKEWPARAM(IDOK, BN_CLICKED), 0);
  CHECK(WaitForSingleObject(ta, 10000) == WAIT_OBJECT_0);
  CHECK(WaitForSingleObject(tb, 10000) == WAIT_OBJECT_0);
  CloseHandle(ta);
  CloseHandle(tb);
}

/* A box that is not the foreground window flashes its taskbar button;
 * one that is does not. The check runs when the box is up (a message the
 * box posts itself); here it is sent again after the test has moved the
 * foreground, and the FlashWindowEx calls are counted (Wine has no
 * taskbar to look at). */
long sb__msgbox_flashes(void);
#define WM_SB_CHECK_FOREGROUND (WM_APP + 0x11)

SB_TEST(task_msgbox_flash_when_not_foreground) {
  box_run_t r = {"sb-flash", "flash?", 1, 8000, 0, 0, 0, 0};
  HANDLE th = run_box(&r);
  HWND box = find_box(r.title);
  Sleep(300); /* its own check has run */
  int box_fg = GetForegroundWindow() == box;
  fprintf(stderr, "flashes after the box came up: %ld (foreground: %s)\n",
          sb__msgbox_flashes(), box_fg ? "the box" : "elsewhere");
  /* The box has the foreground: no flash. */
  if (box_fg) {
    long before = sb__msgbox_flashes();
    SendMessageW(box, WM_SB_CHECK_FOREGROUND, 0, 0);
    CHECK_EQ(sb__msgbox_flashes(), before);
  } else {
    fprintf(stderr, "the box did not get the foreground: the no-flash "
                    "half is not checked\n");
  }
  /* Another window takes it: the box flashes. */
  HWND other = CreateWindowExW(0, L"STATIC", L"sb-flash-other",
                               WS_POPUP | WS_VISIBLE, 0, 0, 50, 50, NULL,
                               NULL, GetModuleHandleW(NULL), NULL);
  CHECK(other != NULL);
  SetForegroundWindow(other);
  int moved = GetForegroundWindow() == other;
  if (moved) {
    long before = sb__msgbox_flashes();
    SendMessageW(box, WM_SB_CHECK_FOREGROUND, 0, 0);
    CHECK_EQ(sb__msgbox_flashes(), before + 1);
  }
  PostMessageW(box, WM_COMMAND, IDOK, 0);
  CHECK(WaitForSingleObject(th, 10000) == WAIT_OBJECT_0);
  CloseHandle(th);
  DestroyWindow(other);
  CHECK_OK(r.err);
  if (!moved)
    sbtest_skip("the test could not move the foreground away from the "
                "box here");
}
