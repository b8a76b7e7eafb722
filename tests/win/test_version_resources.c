/* SPDX-License-Identifier: MIT */
/* The three executables carry a VERSIONINFO resource and print the same
 * version with --version, all from project(VERSION); the agent's
 * manifest asks for per-monitor DPI awareness (v2) and asInvoker. The
 * resources are read from the built files the way Explorer and the
 * Windows notification area read them. */
#include <windows.h>

#include <stdio.h>
#include <string.h>

#include "sbtest.h"
#include "sessionbridge.h"

static void exe_path(const char *exe, WCHAR *out, size_t cap) {
  char p[600];
  snprintf(p, sizeof p, "%s\\%s", SB_TEST_BIN_DIR, exe);
  CHECK(MultiByteToWideChar(CP_UTF8, 0, p, -1, out, (int)cap) > 0);
}

/* One resource's bytes (a copy, NUL-terminated); NULL if absent. */
static char *resource(const char *exe, LPCWSTR type, LPCWSTR name,
                      DWORD *size) {
  WCHAR path[600];
  exe_path(exe, path, 600);
  HMODULE m = LoadLibraryExW(path, NULL,
                             LOAD_LIBRARY_AS_DATAFILE |
                                 LOAD_LIBRARY_AS_IMAGE_RESOURCE);
  CHECK(m != NULL);
  char *copy = NULL;
  HRSRC r = FindResourceW(m, name, type);
  if (r) {
    HGLOBAL g = LoadResource(m, r);
    *size = SizeofResource(m, r);
    copy = sb_malloc(*size + 1);
    CHECK(copy != NULL);
    memcpy(copy, LockResource(g), *size);
    copy[*size] = 0;
  }
  FreeLibrary(m);
  return copy;
}

/* A VERSIONINFO string value, from the raw VS_VERSIONINFO block. The
 * block is UTF-16: find the key, then its value after the padding. */
static int version_string(const char *blk, DWORD size, const WCHAR *key,
                          char *out, size_t cap) {
  size_t klen = wcslen(key);
  for (DWORD off = 0; off + (klen + 1) * 2 <= size; off += 2) {
    if (memcmp(blk + off, key, (klen + 1) * 2) != 0)
      continue;
    DWORD v = off + (DWORD)(klen + 1) * 2;
    v = (v + 3) & ~3u; /* values are 32-bit aligned */
    if (v >= size)
      return 0;
    WideCharToMultiByte(CP_UTF8, 0, (const WCHAR *)(blk + v),
                        (int)((size - v) / 2), out, (int)cap, NULL, NULL);
    out[cap - 1] = 0;
    return 1;
  }
  return 0;
}

static void check_versioninfo(const char *exe, const char *desc) {
  DWORD size = 0;
  char v[128];
  char *blk = resource(exe, RT_VERSION, MAKEINTRESOURCEW(1), &size);
  CHECK(blk != NULL);
  CHECK(version_string(blk, size, L"ProductName", v, sizeof v));
  CHECK(strcmp(v, "sessionbridge") == 0);
  CHECK(version_string(blk, size, L"ProductVersion", v, sizeof v));
  CHECK(strcmp(v, SB_VERSION) == 0);
  CHECK(version_string(blk, size, L"FileVersion", v, sizeof v));
  CHECK(strcmp(v, SB_VERSION) == 0);
  CHECK(version_string(blk, size, L"FileDescription", v, sizeof v));
  CHECK(strcmp(v, desc) == 0);
  CHECK(version_string(blk, size, L"OriginalFilename", v, sizeof v));
  CHECK(strcmp(v, exe) == 0);
  /* The fixed part's numbers: FILEVERSION major.minor from SB_VERSION. */
  VS_FIXEDFILEINFO *fi = NULL;
  for (DWORD off = 0; off + sizeof *fi <= size; off += 4)
    if (*(DWORD *)(blk + off) == 0xFEEF04BD) {
      fi = (VS_FIXEDFILEINFO *)(blk + off);
      break;
    }
  CHECK(fi != NULL);
  snprintf(v, sizeof v, "%lu.%lu.%lu",
           (unsigned long)HIWORD(fi->dwFileVersionMS),
           (unsigned long)LOWORD(fi->dwFileVersionMS),
           (unsigned long)HIWORD(fi->dwFileVersionLS));
  CHECK(strcmp(v, SB_VERSION) == 0);
  sb_free(blk);
}

SB_TEST(version_resources_all_exes) {
  check_versioninfo("sbservice.exe", "sessionbridge service");
  check_versioninfo("sbagent.exe", "sessionbridge agent");
  check_versioninfo("sbctl.exe", "sessionbridge control tool");
}

SB_TEST(version_flag_all_exes) {
  static const char *const exes[] = {"sbservice", "sbagent", "sbctl"};
  for (int i = 0; i < 3; i++) {
    char cmd[700], line[128] = "", want[128];
    snprintf(cmd, sizeof cmd, "\"%s\\%s.exe\" --version", SB_TEST_BIN_DIR,
             exes[i]);
    FILE *p = _popen(cmd, "r");
    CHECK(p != NULL);
    if (!fgets(line, sizeof line, p))
      line[0] = 0;
    CHECK_EQ(_pclose(p), 0);
    line[strcspn(line, "\r\n")] = 0;
    snprintf(want, sizeof want, "%s %s", exes[i], SB_VERSION);
    if (strcmp(line, want) != 0)
      printf("%s --version printed \"%s\", not \"%s\"\n", exes[i], line,
             want);
    CHECK(strcmp(line, want) == 0);
  }
}

SB_TEST(version_agent_manifest_dpi) {
  DWORD size = 0;
  char *m = resource("sbagent.exe", RT_MANIFEST, MAKEINTRESOURCEW(1), &size);
  CHECK(m != NULL);
  CHECK(strstr(m, "<dpiAwareness") != NULL);
  CHECK(strstr(m, ">PerMonitorV2, PerMonitor<") != NULL);
  CHECK(strstr(m, ">true/pm<") != NULL);
  CHECK(strstr(m, "level=\"asInvoker\"") != NULL);
  sb_free(m);
  /* The service and sbctl: asInvoker, and no DPI setting (no windows). */
  m = resource("sbservice.exe", RT_MANIFEST, MAKEINTRESOURCEW(1), &size);
  CHECK(m != NULL);
  CHECK(strstr(m, "level=\"asInvoker\"") != NULL);
  CHECK(strstr(m, "dpiAware") == NULL);
  sb_free(m);
}
