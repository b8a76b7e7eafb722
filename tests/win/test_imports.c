/* SPDX-License-Identifier: MIT */
/* The built executables import only KnownDLLs. The loader resolves a
 * static (or delay-load) import of any other DLL by searching the
 * program's own folder first, before main() runs: a DLL of that name
 * planted there would run as whoever runs the exe (SYSTEM, for
 * sbservice). KnownDLLs are mapped from \KnownDlls, never searched for.
 * The import tables are read from the files themselves, as the loader
 * would read them. */
#include <windows.h>

#include <stdio.h>
#include <string.h>

#include "sbtest.h"
#include "sessionbridge.h"

/* HKLM\SYSTEM\CurrentControlSet\Control\Session Manager\KnownDLLs of
 * Windows 10/11 (x64), plus ntdll (always mapped first). Wine keeps no
 * such key, so the list is here. */
static const char *const known[] = {
    "advapi32.dll", "clbcatq.dll",  "combase.dll",  "comdlg32.dll",
    "coml2.dll",    "difxapi.dll",  "gdi32.dll",    "gdiplus.dll",
    "imagehlp.dll", "imm32.dll",    "kernel32.dll", "msctf.dll",
    "msvcrt.dll",   "normaliz.dll", "nsi.dll",      "ole32.dll",
    "oleaut32.dll", "psapi.dll",    "rpcrt4.dll",   "sechost.dll",
    "setupapi.dll", "shcore.dll",   "shell32.dll",  "shlwapi.dll",
    "user32.dll",   "wldap32.dll",  "ws2_32.dll",   "ntdll.dll",
};

/* A name the test pretends is not known (to see the walk fail). */
static const char *unknown_too;

static int is_known(const char *name) {
  if (unknown_too && _stricmp(name, unknown_too) == 0)
    return 0;
  for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
    if (_stricmp(name, known[i]) == 0)
      return 1;
  return 0;
}

typedef struct {
  uint8_t *img;
  size_t size;
  IMAGE_NT_HEADERS64 *nt;
  IMAGE_SECTION_HEADER *sec;
  unsigned nsec;
} pe_t;

/* File offset of an RVA, or 0 when no section holds it. */
static size_t rva_off(const pe_t *pe, DWORD rva) {
  for (unsigned i = 0; i < pe->nsec; i++) {
    IMAGE_SECTION_HEADER *s = &pe->sec[i];
    DWORD len = s->SizeOfRawData;
    if (rva >= s->VirtualAddress && rva < s->VirtualAddress + len)
      return rva - s->VirtualAddress + s->PointerToRawData;
  }
  return 0;
}

static void pe_load(pe_t *pe, const char *path) {
  FILE *f = fopen(path, "rb");
  CHECK(f != NULL);
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  CHECK(n > 0 && n < 64L * 1024 * 1024);
  fseek(f, 0, SEEK_SET);
  pe->img = sb_malloc((size_t)n);
  CHECK(pe->img != NULL);
  CHECK_EQ(fread(pe->img, 1, (size_t)n, f), (size_t)n);
  fclose(f);
  pe->size = (size_t)n;
  IMAGE_DOS_HEADER *dos = (IMAGE_DOS_HEADER *)pe->img;
  CHECK(dos->e_magic == IMAGE_DOS_SIGNATURE);
  CHECK((size_t)dos->e_lfanew + sizeof *pe->nt < pe->size);
  pe->nt = (IMAGE_NT_HEADERS64 *)(pe->img + dos->e_lfanew);
  CHECK(pe->nt->Signature == IMAGE_NT_SIGNATURE);
  CHECK(pe->nt->OptionalHeader.Magic == IMAGE_NT_OPTIONAL_HDR64_MAGIC);
  pe->sec = IMAGE_FIRST_SECTION(pe->nt);
  pe->nsec = pe->nt->FileHeader.NumberOfSections;
  CHECK((uint8_t *)(pe->sec + pe->nsec) <= pe->img + pe->size);
}

static const char *name_at(const pe_t *pe, DWORD rva) {
  size_t off = rva_off(pe, rva);
  CHECK(off != 0 && off < pe->size);
  CHECK(memchr(pe->img + off, 0, pe->size - off) != NULL);
  return (const char *)pe->img + off;
}

/* Every DLL the image imports, normal and delay-load; returns how many
 * are not KnownDLLs (each printed). */
static int foreign_imports(const char *exe) {
  char path[600];
  pe_t pe;
  int bad = 0, total = 0;
  snprintf(path, sizeof path, "%s\\%s", SB_TEST_BIN_DIR, exe);
  memset(&pe, 0, sizeof pe);
  pe_load(&pe, path);
  IMAGE_DATA_DIRECTORY *dd = pe.nt->OptionalHeader.DataDirectory;
  DWORD rva = dd[IMAGE_DIRECTORY_ENTRY_IMPORT].VirtualAddress;
  if (rva) {
    size_t off = rva_off(&pe, rva);
    CHECK(off != 0);
    for (IMAGE_IMPORT_DESCRIPTOR *d = (void *)(pe.img + off);
         (uint8_t *)(d + 1) <= pe.img + pe.size && d->Name; d++) {
      const char *n = name_at(&pe, d->Name);
      total++;
      if (!is_known(n)) {
        printf("%s imports %s, which is not a KnownDLL\n", exe, n);
        bad++;
      }
    }
  }
  rva = dd[IMAGE_DIRECTORY_ENTRY_DELAY_IMPORT].VirtualAddress;
  if (rva) {
    size_t off = rva_off(&pe, rva);
    CHECK(off != 0);
    for (IMAGE_DELAYLOAD_DESCRIPTOR *d = (void *)(pe.img + off);
         (uint8_t *)(d + 1) <= pe.img + pe.size && d->DllNameRVA; d++) {
      const char *n = name_at(&pe, d->DllNameRVA);
      total++;
      /* Delay-loaded DLLs are searched for like any other at first call. */
      if (!is_known(n)) {
        printf("%s delay-loads %s, which is not a KnownDLL\n", exe, n);
        bad++;
      }
    }
  }
  CHECK(total >= 1); /* kernel32 at least: the walk read something */
  sb_free(pe.img);
  return bad;
}

SB_TEST(imports_known_dlls_only) {
  int bad = 0;
  bad += foreign_imports("sbservice.exe");
  bad += foreign_imports("sbagent.exe");
  bad += foreign_imports("sbctl.exe");
  CHECK_EQ(bad, 0);
}

/* The walk reads the real names: with kernel32.dll taken off the list,
 * each of the three exes fails on exactly that one import. */
SB_TEST(imports_walk_finds_each_dll) {
  unknown_too = "KERNEL32.dll";
  CHECK_EQ(foreign_imports("sbservice.exe"), 1);
  CHECK_EQ(foreign_imports("sbagent.exe"), 1);
  CHECK_EQ(foreign_imports("sbctl.exe"), 1);
  unknown_too = "USER32.dll";
  CHECK_EQ(foreign_imports("sbservice.exe"), 0);
  CHECK_EQ(foreign_imports("sbagent.exe"), 1);
}
