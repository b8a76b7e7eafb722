/* SPDX-License-Identifier: MIT */
/* sbcliptool: the clipboard's other programs, for the Wine end-to-end
 * tests (tests/e2e/tasks_wine.sh). Not part of the product.
 *
 *   sbcliptool own-unrendered MS
 *       Owns the clipboard with a delay-rendered CF_UNICODETEXT
 *       (SetClipboardData(CF_UNICODETEXT, NULL)), prints "owned", then
 *       sleeps MS milliseconds without ever pumping messages: a reader's
 *       GetClipboardData sends WM_RENDERFORMAT to a thread that never
 *       answers, as a hung program (or rdpclip waiting on the network)
 *       would. Exits after MS.
 *   sbcliptool formats
 *       Lists the formats on the clipboard (EnumClipboardFormats), one a
 *       line: the number, the registered name if any, and for a format
 *       whose data is exactly a DWORD, "=value". The last line says how
 *       long OpenClipboard kept failing: "opened after N ms" (another
 *       program held the clipboard that long); gives up after 10 s.
 */
#include <windows.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int own_unrendered(unsigned ms) {
  HWND w = CreateWindowExW(0, L"STATIC", L"sbcliptool owner", 0, 0, 0, 0, 0,
                           HWND_MESSAGE, NULL, GetModuleHandleW(NULL), NULL);
  if (!w || !OpenClipboard(w)) {
    fprintf(stderr, "sbcliptool: cannot open the clipboard: %lu\n",
            (unsigned long)GetLastError());
    return 1;
  }
  EmptyClipboard();
  /* NULL data: the system asks us (WM_RENDERFORMAT) when someone reads. */
  SetClipboardData(CF_UNICODETEXT, NULL);
  CloseClipboard();
  printf("owned\n");
  fflush(stdout);
  Sleep(ms); /* and never a GetMessage or PeekMessage */
  return 0;
}

static int formats(void) {
  UINT f = 0;
  DWORD t0 = GetTickCount(), waited;
  while (!OpenClipboard(NULL)) {
    if (GetTickCount() - t0 > 10000) {
      fprintf(stderr, "sbcliptool: the clipboard stays held\n");
      return 1;
    }
    Sleep(10);
  }
  waited = GetTickCount() - t0;
  while ((f = EnumClipboardFormats(f)) != 0) {
    char name[256] = "";
    GetClipboardFormatNameA(f, name, sizeof name);
    printf("%u %s", f, name[0] ? name : "-");
    /* Only registered formats are read: a standard one may be
     * synthesized or delay-rendered, and reading it is not what this
     * listing is for. */
    if (f >= 0xC000) {
      HANDLE h = GetClipboardData(f);
      const DWORD *p = h ? GlobalLock(h) : NULL;
      if (p) {
        if (GlobalSize(h) == sizeof(DWORD))
          printf(" =%lu", (unsigned long)*p);
        GlobalUnlock(h);
      }
    }
    printf("\n");
  }
  CloseClipboard();
  printf("opened after %lu ms\n", (unsigned long)waited);
  return 0;
}

int main(int argc, char **argv) {
  if (argc == 3 && strcmp(argv[1], "own-unrendered") == 0)
    return own_unrendered((unsigned)strtoul(argv[2], NULL, 10));
  if (argc == 2 && strcmp(argv[1], "formats") == 0)
    return formats();
  fprintf(stderr, "usage: sbcliptool own-unrendered MS | formats\n");
  return 2;
}
