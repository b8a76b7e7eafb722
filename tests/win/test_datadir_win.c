/* SPDX-License-Identifier: MIT */
/* The data folder and its key (service/win/datadir_win.c): the
 * descriptors the code builds, read back; and under Wine what Wine can
 * show of taking a folder back. Wine keeps no file descriptors: it
 * reports one made from the Unix mode ("other" bits as an Everyone ACE)
 * and turns a DACL it is given into mode bits, so "Everyone may write"
 * and "Everyone is gone" are visible; owners are not (always the Wine
 * user). A folder that is a symlink is in e2e_ground_wine (made with ln). */
#include "svcwin.h" /* windows.h first */

#include <aclapi.h>
#include <sddl.h>

#include "sbtest.h"
#include "sessionbridge.h"

static char dir8[600], key8[700];

static void use_data_dir(const char *name) {
  snprintf(dir8, sizeof dir8, "%s\\%s", sbtest_tmpdir(), name);
  snprintf(key8, sizeof key8, "%s\\control.key", dir8);
  _putenv_s("SB_DATA_DIR", dir8);
  /* A build without SB_TEST_HOOKS (the release one) ignores SB_DATA_DIR
   * and would work on the real %ProgramData% folder: never that. */
  char got[MAX_PATH];
  if (sb_path_data_dir(got, sizeof got) != 0 || strcmp(got, dir8) != 0)
    sbtest_skip("this build ignores SB_DATA_DIR (configure with "
                "-DSB_TEST_HOOKS=ON, as scripts/test.sh does)");
}

static void write_file(const char *path, const void *data, DWORD n) {
  HANDLE h = CreateFileA(path, GENERIC_WRITE, 0, NULL, CREATE_ALWAYS,
                         FILE_ATTRIBUTE_NORMAL, NULL);
  DWORD w = 0;
  CHECK(h != INVALID_HANDLE_VALUE);
  CHECK(WriteFile(h, data, n, &w, NULL) && w == n);
  CloseHandle(h);
}

static DWORD read_file(const char *path, void *buf, DWORD cap) {
  HANDLE h = CreateFileA(path, GENERIC_READ, FILE_SHARE_READ, NULL,
                         OPEN_EXISTING, FILE_ATTRIBUTE_NORMAL, NULL);
  DWORD n = 0;
  if (h == INVALID_HANDLE_VALUE)
    return 0;
  CHECK(ReadFile(h, buf, cap, &n, NULL));
  CloseHandle(h);
  return n;
}

/* Whether the object's DACL, as read back, has an allow ACE for
 * Everyone with any right in mask. */
static int everyone_has(const char *path, DWORD mask) {
  PSECURITY_DESCRIPTOR sd = NULL;
  PACL dacl = NULL;
  int found = 0;
  CHECK_EQ(GetNamedSecurityInfoA(path, SE_FILE_OBJECT,
                                 DACL_SECURITY_INFORMATION, NULL, NULL,
                                 &dacl, NULL, &sd),
           ERROR_SUCCESS);
  for (DWORD i = 0; dacl && i < dacl->AceCount; i++) {
    ACCESS_ALLOWED_ACE *a = NULL;
    LPSTR s = NULL;
    CHECK(GetAce(dacl, i, (void **)&a));
    if (a->Header.AceType != ACCESS_ALLOWED_ACE_TYPE)
      continue;
    CHECK(ConvertSidToStringSidA((PSID)&a->SidStart, &s));
    if (strcmp(s, "S-1-1-0") == 0 && (a->Mask & mask))
      found = 1;
    LocalFree(s);
  }
  LocalFree(sd);
  return found;
}

static void set_dacl(const char *path, const char *sddl) {
  PSECURITY_DESCRIPTOR sd = NULL;
  PACL dacl = NULL;
  BOOL present = FALSE, def = FALSE;
  CHECK(ConvertStringSecurityDescriptorToSecurityDescriptorA(
      sddl, SDDL_REVISION_1, &sd, NULL));
  CHECK(GetSecurityDescriptorDacl(sd, &present, &dacl, &def));
  CHECK_EQ(SetNamedSecurityInfoA((LPSTR)path, SE_FILE_OBJECT,
                                 DACL_SECURITY_INFORMATION, NULL, NULL, dacl,
                                 NULL),
           ERROR_SUCCESS);
  LocalFree(sd);
}

static void sd_reads_back(int folder, const char *want_dacl) {
  PSECURITY_DESCRIPTOR sd = NULL;
  PSID owner = NULL;
  BOOL def = FALSE;
  LPSTR s = NULL, back = NULL;
  SECURITY_DESCRIPTOR_CONTROL ctl = 0;
  DWORD rev = 0;
  char why[200];
  CHECK_OK(sb_win_data_sd(folder, &sd));
  CHECK(GetSecurityDescriptorOwner(sd, &owner, &def) && owner);
  CHECK(ConvertSidToStringSidA(owner, &s));
  CHECK(strcmp(s, "S-1-5-32-544") == 0); /* Administrators */
  CHECK(GetSecurityDescriptorControl(sd, &ctl, &rev));
  CHECK(ctl & SE_DACL_PROTECTED);
  CHECK(ConvertSecurityDescriptorToStringSecurityDescriptorA(
      sd, SDDL_REVISION_1, DACL_SECURITY_INFORMATION, &back, NULL));
  if (strcmp(back, want_dacl) != 0)
    fprintf(stderr, "DACL %s, want %s\n", back, want_dacl);
  CHECK(strcmp(back, want_dacl) == 0);
  /* And the judge passes it with no "self" to lean on. */
  CHECK_OK(sb_win_sd_judge(sd, "", why, sizeof why));
  LocalFree(back);
  LocalFree(s);
  LocalFree(sd);
}

SB_TEST(datadir_sd_owner_admins_protected) {
  sd_reads_back(1, "D:PAI(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)");
  sd_reads_back(0, "D:P(A;;FA;;;SY)(A;;FA;;;BA)");
}

SB_TEST(datadir_key_rewritten_contents_kept) {
  uint8_t want[32], got[40];
  use_data_dir("rewrite");
  CHECK(CreateDirectoryA(dir8, NULL));
  sbtest_fill(want, sizeof want, 12);
  write_file(key8, want, sizeof want);
  /* A key Everyone may write (Wine makes the file 0666 and reports the
   * "other" bits as an Everyone ACE; it drops the "other" write bit when
   * given a DACL without Everyone, but keeps read): it must be rewritten
   * with our DACL, keeping its bytes. */
  set_dacl(key8, "D:(A;;FA;;;WD)");
  if (!everyone_has(key8, FILE_WRITE_DATA))
    sbtest_skip("this Wine does not report a file given Everyone full "
                "control as writable by Everyone");
  CHECK_OK(sb_win_prepare_data(0));
  CHECK_EQ(read_file(key8, got, sizeof got), 32);
  CHECK_MEM(got, want, 32);
  CHECK(!everyone_has(key8, FILE_WRITE_DATA | FILE_APPEND_DATA | DELETE |
                                WRITE_DAC | WRITE_OWNER));
  CHECK(!everyone_has(dir8, FILE_WRITE_DATA | FILE_ADD_SUBDIRECTORY |
                                FILE_DELETE_CHILD));
  /* Again: the same key. */
  CHECK_OK(sb_win_prepare_data(0));
  CHECK_EQ(read_file(key8, got, sizeof got), 32);
  CHECK_MEM(got, want, 32);
}

SB_TEST(datadir_hard_linked_key_replaced) {
  uint8_t want[32], got[40], other_got[40];
  char other[700];
  use_data_dir("hardlink");
  CHECK(CreateDirectoryA(dir8, NULL));
  snprintf(other, sizeof other, "%s\\elsewhere", sbtest_tmpdir());
  sbtest_fill(want, sizeof want, 13);
  write_file(other, want, sizeof want);
  CHECK(CreateHardLinkA(key8, other, NULL));
  CHECK_OK(sb_win_prepare_data(0));
  /* The key is a new file with new bytes; the other name untouched. */
  CHECK_EQ(read_file(key8, got, sizeof got), 32);
  CHECK(memcmp(got, want, 32) != 0);
  CHECK_EQ(read_file(other, other_got, sizeof other_got), 32);
  CHECK_MEM(other_got, want, 32);
}

SB_TEST(datadir_loosened_folder_key_and_logs_replaced) {
  uint8_t planted[32], got[40];
  char log[700], why[300];
  use_data_dir("loose");
  CHECK(CreateDirectoryA(dir8, NULL));
  /* Everyone full control: Wine makes the folder 0777. */
  set_dacl(dir8, "D:(A;OICI;FA;;;WD)");
  WCHAR w[MAX_PATH];
  MultiByteToWideChar(CP_UTF8, 0, dir8, -1, w, MAX_PATH);
  if (sb_win_path_judge(w, 0, why, sizeof why) != SB_EINSECURE)
    sbtest_skip("this Wine does not report a folder given Everyone full "
                "control as writable by Everyone");
  /* What anyone could have put there: a key they know, a log. */
  sbtest_fill(planted, sizeof planted, 14);
  write_file(key8, planted, sizeof planted);
  snprintf(log, sizeof log, "%s\\sessionbridge.log", dir8);
  write_file(log, "planted\n", 8);
  CHECK_OK(sb_win_prepare_data(0));
  CHECK_OK(sb_win_path_judge(w, 0, why, sizeof why));
  CHECK_EQ(read_file(key8, got, sizeof got), 32);
  CHECK(memcmp(got, planted, 32) != 0);
  CHECK(GetFileAttributesA(log) == INVALID_FILE_ATTRIBUTES);
}
