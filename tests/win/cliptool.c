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
 *   sbcliptool put-dib FILE
 *       Puts the bytes of FILE on the clipboard as CF_DIB, as any program
 *       of the session may (a BMP file's 14-byte file header, if there, is
 *       left out: the rest is a packed DIB), and exits.
 *   sbcliptool put-hostile N
 *       Puts hostile DIB number N (0..count-1) on the clipboard as CF_DIB;
 *       prints its name. "put-hostile count" prints how many there are.
 *       Each header claims more, or other, than its bytes hold: GDI
 *       trusts a DIB's header, so a reader that handed one to GDI
 *       unchecked would read past the block.
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

static int put_dib(const unsigned char *p, size_t n) {
  HGLOBAL mem = GlobalAlloc(GMEM_MOVEABLE, n ? n : 1);
  unsigned char *d = mem ? GlobalLock(mem) : NULL;
  DWORD t0 = GetTickCount();
  if (!d) {
    fprintf(stderr, "sbcliptool: no memory for %lu bytes\n", (unsigned long)n);
    return 1;
  }
  memcpy(d, p, n);
  GlobalUnlock(mem);
  while (!OpenClipboard(NULL)) {
    if (GetTickCount() - t0 > 10000) {
      fprintf(stderr, "sbcliptool: the clipboard stays held\n");
      GlobalFree(mem);
      return 1;
    }
    Sleep(10);
  }
  EmptyClipboard();
  if (!SetClipboardData(CF_DIB, mem)) {
    fprintf(stderr, "sbcliptool: SetClipboardData: %lu\n",
            (unsigned long)GetLastError());
    GlobalFree(mem);
    CloseClipboard();
    return 1;
  }
  CloseClipboard();
  return 0;
}

static int put_file(const char *path) {
  FILE *f = fopen(path, "rb");
  static unsigned char buf[64 << 20];
  size_t n;
  if (!f) {
    fprintf(stderr, "sbcliptool: cannot open %s\n", path);
    return 1;
  }
  n = fread(buf, 1, sizeof buf, f);
  fclose(f);
  if (n >= 14 && buf[0] == 'B' && buf[1] == 'M')
    return put_dib(buf + 14, n - 14);
  return put_dib(buf, n);
}

static void le32(unsigned char *p, unsigned long v) {
  p[0] = (unsigned char)v, p[1] = (unsigned char)(v >> 8),
  p[2] = (unsigned char)(v >> 16), p[3] = (unsigned char)(v >> 24);
}

/* A BITMAPINFOHEADER: size, width, height, 1 plane, bpp, compression,
 * colours used; the rest zero. */
static void hdr(unsigned char *p, unsigned long size, long w, long h,
                unsigned bpp, unsigned long comp, unsigned long used) {
  memset(p, 0, 40);
  le32(p, size);
  le32(p + 4, (unsigned long)w);
  le32(p + 8, (unsigned long)h);
  p[12] = 1;
  p[14] = (unsigned char)bpp;
  le32(p + 16, comp);
  le32(p + 32, used);
}

static const char *const hostile_names[] = {
    "4000x4000 at 32 bits, 16 bytes of rows",
    "header size 0xfffffff0",
    "8 bits, 2^32-1 colours used",
    "bitfields, masks cut off",
    "height INT32_MIN",
    "65535x65535 at 32 bits, 64 bytes",
    "RLE8 with garbage",
    "one byte",
    "OS/2 core header",
    "8 bits, a full table and one row short",
    "top-down 1000 rows, one byte short",
};

static int put_hostile(const char *which) {
  unsigned char b[2048];
  size_t n = sizeof b;
  unsigned long i;
  size_t count = sizeof hostile_names / sizeof hostile_names[0];
  if (strcmp(which, "count") == 0) {
    printf("%u\n", (unsigned)count);
    return 0;
  }
  i = strtoul(which, NULL, 10);
  if (i >= count) {
    fprintf(stderr, "sbcliptool: no hostile DIB %lu\n", i);
    return 2;
  }
  memset(b, 0x5a, sizeof b);
  switch (i) {
  case 0:
    hdr(b, 40, 4000, 4000, 32, 0, 0);
    n = 56;
    break;
  case 1:
    hdr(b, 0xfffffff0ul, 1, 1, 24, 0, 0);
    n = 44;
    break;
  case 2:
    hdr(b, 40, 1, 1, 8, 0, 0xfffffffful);
    n = 48;
    break;
  case 3:
    hdr(b, 40, 1, 1, 32, 3, 0);
    n = 48;
    break;
  case 4:
    hdr(b, 40, 1, (long)-2147483647 - 1, 24, 0, 0);
    n = 64;
    break;
  case 5:
    hdr(b, 40, 65535, 65535, 32, 0, 0);
    n = 104;
    break;
  case 6:
    hdr(b, 40, 64, 64, 8, 1, 0);
    le32(b + 20, 1000);
    n = 1064 + 40;
    break;
  case 7:
    n = 1;
    break;
  case 8:
    memset(b, 0, 12);
    b[0] = 12;
    b[4] = 1;
    b[6] = 1;
    b[8] = 1;
    b[10] = 24;
    n = 48; /* long enough that only the header kind refuses it */
    break;
  case 9:
    hdr(b, 40, 4, 2, 8, 0, 0);
    n = 40 + 1024 + 4;
    break;
  default:
    hdr(b, 40, 100, -1000, 24, 0, 0);
    n = 40 + 300 * 1000 - 1;
    if (n > sizeof b) { /* built in a larger block */
      static unsigned char big[40 + 300 * 1000];
      memset(big, 0x5a, sizeof big);
      memcpy(big, b, 40);
      printf("%s\n", hostile_names[i]);
      fflush(stdout);
      return put_dib(big, n);
    }
    break;
  }
  printf("%s\n", hostile_names[i]);
  fflush(stdout);
  return put_dib(b, n);
}

int main(int argc, char **argv) {
  if (argc == 3 && strcmp(argv[1], "own-unrendered") == 0)
    return own_unrendered((unsigned)strtoul(argv[2], NULL, 10));
  if (argc == 2 && strcmp(argv[1], "formats") == 0)
    return formats();
  if (argc == 3 && strcmp(argv[1], "put-dib") == 0)
    return put_file(argv[2]);
  if (argc == 3 && strcmp(argv[1], "put-hostile") == 0)
    return put_hostile(argv[2]);
  fprintf(stderr, "usage: sbcliptool own-unrendered MS | formats | "
                  "put-dib FILE | put-hostile N|count\n");
  return 2;
}
