/* SPDX-License-Identifier: MIT */
/* Putting the agent's threads on the interactive desktop. Windows starts
 * the agent on winsta0\default (the service asks for it in lpDesktop);
 * Wine leaves a service's child on the service's window station, where
 * there is no shell tray. Each UI thread calls this before it makes a
 * window; on Windows it changes nothing. */
#include <windows.h>

#include "desktop_win.h"

#include <string.h>

void sb_agent_attach_desktop(void) {
  WCHAR cur[64];
  DWORD n = 0;
  HWINSTA ws = GetProcessWindowStation();
  if (!GetUserObjectInformationW(ws, UOI_NAME, cur, sizeof cur, &n) ||
      lstrcmpiW(cur, L"WinSta0") != 0) {
    HWINSTA interactive =
        OpenWindowStationW(L"WinSta0", FALSE, WINSTA_ALL_ACCESS);
    if (!interactive)
      return;
    if (!SetProcessWindowStation(interactive)) {
      CloseWindowStation(interactive);
      return;
    }
  }
  /* One Default desktop handle for the process, opened on the first call
   * and given to every thread that asks: opening one per call leaked a
   * handle each time (a desktop handle in use by a thread cannot be
   * closed, so they could not simply be closed after use). */
  static HDESK shared;
  HDESK d = InterlockedCompareExchangePointer((PVOID *)&shared, NULL, NULL);
  if (!d) {
    HDESK mine = OpenDesktopW(L"Default", 0, FALSE, GENERIC_ALL);
    if (!mine)
      return;
    d = InterlockedCompareExchangePointer((PVOID *)&shared, mine, NULL);
    if (d)
      CloseDesktop(mine); /* another thread's won */
    else
      d = mine;
  }
  SetThreadDesktop(d);
}

int sb_agent_wcopy(wchar_t *dst, size_t cap, const wchar_t *src) {
  size_t n = 0;
  while (n + 1 < cap && src[n])
    n++;
  int cut = src[n] != 0;
  /* A high surrogate (D800-DBFF) whose low half did not fit is dropped
   * with it: half a pair is not a character and shows as garbage. */
  if (cut && n > 0 && src[n - 1] >= 0xD800 && src[n - 1] <= 0xDBFF)
    n--;
  memcpy(dst, src, n * sizeof *dst);
  dst[n] = 0;
  return cut;
}
