/* SPDX-License-Identifier: MIT */
/* The ACL judge: may anyone but the trusted change this file or folder?
 *
 * sbservice runs as LocalSystem and starts sbagent.exe into every user's
 * session. If a standard user can write either exe, or any folder on the
 * way to them (a folder's FILE_ADD_FILE / FILE_DELETE_CHILD lets one
 * replace the file inside; WRITE_DAC or WRITE_OWNER lets one grant that to
 * oneself), that user runs code as SYSTEM. So the service refuses to run
 * from such a place (at start, and again before every agent launch).
 *
 * Trusted: SYSTEM, Administrators, TrustedInstaller, and the account the
 * service itself runs as (LocalSystem on Windows; under Wine the Wine
 * user, which owns every file there): an ACE for ourselves grants nothing
 * we could not do already. An owner must be trusted too: an owner may
 * always rewrite the DACL (implicit WRITE_DAC). Deny ACEs are ignored
 * (a judge that cannot be fooled by ACE order), and so are inherit-only
 * ACEs, which grant nothing on the object itself. */
#include "platform_win.h"

#include <aclapi.h>
#include <sddl.h>
#include <stdio.h>
#include <wchar.h>

#include "sessionbridge.h"

/* The rights that let a holder change what runs: write/append data (for
 * a folder: add a file / a subfolder), write extended attributes, delete
 * a child, delete, write the DACL, take ownership, and the generic forms
 * of write and all. */
#define SB_WRITE_RIGHTS                                                        \
  (FILE_WRITE_DATA | FILE_APPEND_DATA | FILE_WRITE_EA | FILE_DELETE_CHILD |   \
   DELETE | WRITE_DAC | WRITE_OWNER | GENERIC_WRITE | GENERIC_ALL)

static const char *const trusted_sids[] = {
    "S-1-5-18",     /* LocalSystem */
    "S-1-5-32-544", /* BUILTIN\Administrators */
    /* NT SERVICE\TrustedInstaller */
    "S-1-5-80-956008885-3418522649-1831038044-1853292631-2271478464",
};

static int sid_string(PSID sid, char *out, size_t cap) {
  LPSTR s = NULL;
  if (!sid || !ConvertSidToStringSidA(sid, &s)) {
    snprintf(out, cap, "(unreadable SID)");
    return 0;
  }
  snprintf(out, cap, "%s", s);
  LocalFree(s);
  return 1;
}

static int is_trusted(PSID sid, const char *self) {
  char s[192];
  if (!sid || !IsValidSid(sid) || !sid_string(sid, s, sizeof s))
    return 0;
  for (size_t i = 0; i < sizeof trusted_sids / sizeof trusted_sids[0]; i++)
    if (strcmp(s, trusted_sids[i]) == 0)
      return 1;
  return self && self[0] && strcmp(s, self) == 0;
}

int sb_win_sd_judge(PSECURITY_DESCRIPTOR sd, const char *self_sid, char *why,
                    size_t cap) {
  PSID owner = NULL;
  BOOL defaulted = FALSE, present = FALSE;
  PACL dacl = NULL;
  char s[192];
  if (!sd || !why || cap == 0)
    return SB_EINVAL;
  why[0] = 0;
  if (!GetSecurityDescriptorOwner(sd, &owner, &defaulted) || !owner) {
    snprintf(why, cap, "no owner");
    return SB_EINSECURE;
  }
  if (!is_trusted(owner, self_sid)) {
    sid_string(owner, s, sizeof s);
    snprintf(why, cap, "owner %s (an owner can always rewrite the DACL)", s);
    return SB_EINSECURE;
  }
  if (!GetSecurityDescriptorDacl(sd, &present, &dacl, &defaulted)) {
    snprintf(why, cap, "unreadable DACL");
    return SB_EINSECURE;
  }
  if (!present || !dacl) {
    snprintf(why, cap, "no DACL (everyone has full access)");
    return SB_EINSECURE;
  }
  for (DWORD i = 0; i < dacl->AceCount; i++) {
    ACE_HEADER *h = NULL;
    if (!GetAce(dacl, i, (void **)&h))
      continue;
    if (h->AceFlags & INHERIT_ONLY_ACE)
      continue;
    /* Every allow form carries its mask right after the header; the
     * object forms have no meaning on files and are refused outright. */
    if (h->AceType == ACCESS_ALLOWED_OBJECT_ACE_TYPE ||
        h->AceType == ACCESS_ALLOWED_CALLBACK_OBJECT_ACE_TYPE) {
      snprintf(why, cap, "ACE %lu is an object ACE", (unsigned long)i);
      return SB_EINSECURE;
    }
    if (h->AceType != ACCESS_ALLOWED_ACE_TYPE &&
        h->AceType != ACCESS_ALLOWED_CALLBACK_ACE_TYPE)
      continue;
    ACCESS_ALLOWED_ACE *a = (ACCESS_ALLOWED_ACE *)h;
    PSID who = (PSID)&a->SidStart;
    if (!(a->Mask & SB_WRITE_RIGHTS) || is_trusted(who, self_sid))
      continue;
    sid_string(who, s, sizeof s);
    snprintf(why, cap, "ACE (A;;0x%lx;;;%s) lets %s write, delete or "
                       "re-permission it",
             (unsigned long)a->Mask, s, s);
    return SB_EINSECURE;
  }
  return 0;
}

int sb_win_self_sid(char *out, size_t cap) {
  HANDLE t = NULL;
  BYTE buf[256];
  DWORD n = 0;
  int ok = OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &t) &&
           GetTokenInformation(t, TokenUser, buf, sizeof buf, &n) &&
           sid_string(((TOKEN_USER *)buf)->User.Sid, out, cap);
  if (t)
    CloseHandle(t);
  return ok ? 0 : SB_EOS;
}

/* One object's descriptor (owner + DACL), judged. */
static int judge_one(const WCHAR *path, const char *self, char *why,
                     size_t cap) {
  PSECURITY_DESCRIPTOR sd = NULL;
  char inner[400];
  DWORD e = GetNamedSecurityInfoW(
      path, SE_FILE_OBJECT,
      OWNER_SECURITY_INFORMATION | DACL_SECURITY_INFORMATION, NULL, NULL,
      NULL, NULL, &sd);
  if (e != ERROR_SUCCESS) {
    snprintf(why, cap, "%ls: cannot read its security (error %lu)", path,
             (unsigned long)e);
    return SB_EINSECURE;
  }
  int err = sb_win_sd_judge(sd, self, inner, sizeof inner);
  LocalFree(sd);
  if (err)
    snprintf(why, cap, "%ls: %s", path, inner);
  return err;
}

int sb_win_path_judge(const WCHAR *path, int parents, char *why,
                      size_t cap) {
  WCHAR p[MAX_PATH];
  char self[192];
  int err;
  if (!path || !why || cap == 0 || wcslen(path) >= MAX_PATH)
    return SB_EINVAL;
  if (sb_win_self_sid(self, sizeof self) != 0)
    self[0] = 0;
  wcscpy(p, path);
  if ((err = judge_one(p, self, why, cap)) != 0 || !parents)
    return err;
  /* Every folder up to the root of the volume: whoever may rename or
   * replace a folder on the path may replace what is below it. */
  for (;;) {
    WCHAR *slash = wcsrchr(p, L'\\');
    if (!slash)
      break;
    if (slash == p + 2 && p[1] == L':') { /* "C:\" */
      slash[1] = 0;
      return judge_one(p, self, why, cap);
    }
    *slash = 0;
    if (!p[0])
      break;
    if ((err = judge_one(p, self, why, cap)) != 0)
      return err;
  }
  return 0;
}
