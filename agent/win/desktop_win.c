/* Putting the agent's threads on the interactive desktop. Windows starts
 * the agent on winsta0\default (the service asks for it in lpDesktop);
 * Wine leaves a service's child on the service's window station, where
 * there is no shell tray. Each UI thread calls this before it makes a
 * window; on Windows it changes nothing. */
#include <windows.h>

#include "desktop_win.h"

void sb_agent_attach_desktop(void) {
  WCHAR cur[64];
  DWORD n = 0;
  HWINSTA ws = GetProcessWindowStation();
  if (!GetUserObjectInformationW(ws, UOI_NAME, cur, sizeof cur, &n) ||
      lstrcmpiW(cur, L"WinSta0") != 0) {
    HWINSTA interactive =
        OpenWindowStationW(L"WinSta0", FALSE, WINSTA_ALL_ACCESS);
    if (!interactive || !SetProcessWindowStation(interactive))
      return;
  }
  HDESK d = OpenDesktopW(L"Default", 0, FALSE, GENERIC_ALL);
  if (d)
    SetThreadDesktop(d);
}
