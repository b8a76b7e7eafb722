/* SPDX-License-Identifier: MIT */
/* sbctl's file names on Windows are UTF-8 (sbctl_utf8_argv takes the
 * wide command line): -o and clipboard set --image with a name outside
 * the ANSI code page ("Grüße ✓") write and read that very file. The C
 * runtime's fopen read the UTF-8 bytes in the ANSI code page: the
 * screenshot went to a file of another name ("GrÃ¼ÃŸe ...") and the
 * image to set was not found. sbctl is started with a wide command line
 * (CreateProcessW), as a Unicode console or script starts it; the files
 * are checked by their wide names. */
#include <windows.h>

#include <stdio.h>
#include <string.h>

#include "ctl_rig.h"
#include "sbtest.h"

/* "Grüße ✓" in UTF-8. */
#define NAME_UTF8 "Gr\xc3\xbc\xc3\x9f" "e \xe2\x9c\x93"

static wchar_t *wide(const char *s, wchar_t *buf, int cap) {
  CHECK(MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, s, -1, buf, cap) >
        0);
  return buf;
}

/* Run sbctl --pipe EP --key KEY --session 1 ARGS (UTF-8) with a wide
 * command line, its stdout and stderr into t->log; its exit code (-1:
 * did not start or ran past 20 s, scaled). Only the log's handle is
 * inherited. */
static int run_wide(sbt_ctl_rig_t *t, const char *const *args) {
  const char *all[24] = {t->sbctl, "--pipe", t->r.control_ep, "--key",
                         t->key,   "--session", "1"};
  static wchar_t cmd[8192];
  wchar_t w[1024];
  size_t n = 7, off = 0;
  SECURITY_ATTRIBUTES sa = {sizeof sa, NULL, TRUE};
  STARTUPINFOEXW si;
  PROCESS_INFORMATION pi;
  SIZE_T size = 0;
  DWORD code = (DWORD)-1;
  int rc = -1;
  for (; *args; args++) {
    CHECK(n < 23);
    all[n++] = *args;
  }
  for (size_t i = 0; i < n; i++) {
    int k = _snwprintf(cmd + off, sizeof cmd / sizeof cmd[0] - off,
                       L"%s\"%ls\"", i ? L" " : L"",
                       wide(all[i], w, (int)(sizeof w / sizeof w[0])));
    CHECK(k > 0);
    off += (size_t)k;
  }
  HANDLE out = CreateFileA(t->log, GENERIC_WRITE, FILE_SHARE_READ, &sa,
                           CREATE_ALWAYS, FILE_ATTRIBUTE_NORMAL, NULL);
  CHECK(out != INVALID_HANDLE_VALUE);
  memset(&si, 0, sizeof si);
  InitializeProcThreadAttributeList(NULL, 1, 0, &size);
  si.lpAttributeList = malloc(size);
  CHECK(si.lpAttributeList != NULL);
  CHECK(InitializeProcThreadAttributeList(si.lpAttributeList, 1, 0, &size));
  CHECK(UpdateProcThreadAttribute(si.lpAttributeList, 0,
                                  PROC_THREAD_ATTRIBUTE_HANDLE_LIST, &out,
                                  sizeof out, NULL, NULL));
  si.StartupInfo.cb = sizeof si;
  si.StartupInfo.dwFlags = STARTF_USESTDHANDLES;
  si.StartupInfo.hStdOutput = out;
  si.StartupInfo.hStdError = out;
  fflush(stdout);
  if (CreateProcessW(NULL, cmd, NULL, NULL, TRUE, EXTENDED_STARTUPINFO_PRESENT,
                     NULL, NULL, &si.StartupInfo, &pi)) {
    if (WaitForSingleObject(pi.hProcess, (DWORD)sbtest_ms(20000)) ==
            WAIT_OBJECT_0 &&
        GetExitCodeProcess(pi.hProcess, &code))
      rc = (int)code;
    else
      TerminateProcess(pi.hProcess, 1);
    CloseHandle(pi.hThread);
    CloseHandle(pi.hProcess);
  }
  DeleteProcThreadAttributeList(si.lpAttributeList);
  free(si.lpAttributeList);
  CloseHandle(out);
  {
    char log[1024];
    FILE *f = fopen(t->log, "rb");
    size_t got = f ? fread(log, 1, sizeof log - 1, f) : 0;
    if (f)
      fclose(f);
    log[got] = '\0';
    fprintf(stderr, "sbctl (wide command line): exit %d\n%s\n", rc, log);
  }
  return rc;
}

/* The whole download is in the file of that wide name. */
static int whole_w(const wchar_t *path) {
  return sbt_ctl_fp_whole(_wfopen(path, L"rb"));
}

SB_TEST(sbctl_output_utf8_names) {
  sbt_ctl_rig_t t;
  char shot[600], img[600];
  wchar_t wshot[600], wimg[600];
  static const uint8_t picture[] = "not really a PNG: the agent here takes it";
  uint8_t got[sizeof picture];
  FILE *f;
  snprintf(shot, sizeof shot, "%s\\shot " NAME_UTF8 ".png", sbtest_tmpdir());
  snprintf(img, sizeof img, "%s\\in " NAME_UTF8 ".png", sbtest_tmpdir());
  wide(shot, wshot, 600);
  wide(img, wimg, 600);
  sbt_ctl_start(&t, "utf8", SBT_CTL_WHOLE);

  /* -o: the file of that name is written. */
  {
    const char *args[] = {"screenshot", "-o", shot, NULL};
    CHECK_EQ(run_wide(&t, args), 0);
    CHECK(whole_w(wshot));
  }
  /* clipboard set --image: the file of that name is read and sent. */
  CHECK((f = _wfopen(wimg, L"wb")) != NULL);
  CHECK_EQ(fwrite(picture, 1, sizeof picture, f), sizeof picture);
  CHECK_EQ(fclose(f), 0);
  {
    const char *args[] = {"clipboard", "set", "--image", img, NULL};
    CHECK_EQ(run_wide(&t, args), 0);
    CHECK_EQ(sbt_ctl_last_set(got, sizeof got), sizeof picture);
    CHECK_MEM(got, picture, sizeof picture);
  }
  sbt_ctl_stop(&t);
  CHECK(DeleteFileW(wshot));
  CHECK(DeleteFileW(wimg));
}
