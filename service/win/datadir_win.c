/* SPDX-License-Identifier: MIT */
/* The data folder (%ProgramData%\sessionbridge) and its control key,
 * made or taken back on every start and by `sbservice install`.
 *
 * %ProgramData% lets any user create a folder, and the creator owns it:
 * an owner may always rewrite the DACL, so replacing only the DACL of a
 * folder someone else made leaves it theirs. And a folder can be a
 * junction or symbolic link to somewhere else, which SYSTEM would then
 * write into. So:
 *   - the folder is opened as itself (FILE_FLAG_OPEN_REPARSE_POINT |
 *     FILE_FLAG_BACKUP_SEMANTICS) and refused if it is a reparse point or
 *     not a folder (no repair: an administrator must look at it);
 *   - through that handle its owner is set to Administrators together
 *     with a protected DACL (SYSTEM and Administrators only), then read
 *     back and judged (acl_win.c);
 *   - a folder that was not ours before (its owner or DACL failed the
 *     judge) may hold anything its owner put there: the key is replaced
 *     by a new one and the logs are removed;
 *   - an existing key is kept only if it is a plain file of one link
 *     whose owner and DACL are exactly ours; otherwise its 32 bytes are
 *     written into a new file created with our descriptor, which then
 *     replaces it (contents kept, ACL ours). A key that is a link, has a
 *     second hard link or is not 32 bytes is replaced by a new key. */
#include "svcwin.h"

#include <aclapi.h>
#include <sddl.h>
#include <stdarg.h>
#include <stdio.h>
#include <wchar.h>

#include "datafile.h"

/* Errors are the "data folder refused" event, warnings "taken back". */
static void say(int verbose, sb_log_level_t level, const char *fmt, ...) {
  char msg[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  if (verbose)
    printf("%s%s\n", level == SB_LOG_ERROR ? "error: " : "", msg);
  else
    sb_svc_log_kind(level >= SB_LOG_ERROR  ? SB_EV_DATA_FOLDER_REFUSED
                    : level >= SB_LOG_WARN ? SB_EV_DATA_FOLDER_TAKEN_BACK
                                           : SB_EV_NONE,
                    level, "%s", msg);
}

int sb_win_data_sd(int folder, PSECURITY_DESCRIPTOR *out) {
  if (!out)
    return SB_EINVAL;
  *out = NULL;
  return ConvertStringSecurityDescriptorToSecurityDescriptorW(
             folder ? SB_DATA_DIR_SDDL : SB_KEY_FILE_SDDL, SDDL_REVISION_1,
             out, NULL)
             ? 0
             : SB_EOS;
}

/* Owner and DACL of sd onto the object behind h (protected: nothing is
 * inherited from %ProgramData%). */
static DWORD apply_sd(HANDLE h, PSECURITY_DESCRIPTOR sd) {
  PSID owner = NULL;
  PACL dacl = NULL;
  BOOL present = FALSE, defaulted = FALSE;
  if (!GetSecurityDescriptorOwner(sd, &owner, &defaulted) ||
      !GetSecurityDescriptorDacl(sd, &present, &dacl, &defaulted))
    return GetLastError();
  return SetSecurityInfo(h, SE_FILE_OBJECT,
                         OWNER_SECURITY_INFORMATION |
                             DACL_SECURITY_INFORMATION |
                             PROTECTED_DACL_SECURITY_INFORMATION,
                         owner, NULL, dacl, NULL);
}

/* The object behind h judged (owner + DACL). */
static int judge_handle(HANDLE h, char *why, size_t cap) {
  PSECURITY_DESCRIPTOR sd = NULL;
  char self[192];
  DWORD e = GetSecurityInfo(h, SE_FILE_OBJECT,
                            OWNER_SECURITY_INFORMATION |
                                DACL_SECURITY_INFORMATION,
                            NULL, NULL, NULL, NULL, &sd);
  if (e != ERROR_SUCCESS) {
    snprintf(why, cap, "cannot read its security (error %lu)",
             (unsigned long)e);
    return SB_EINSECURE;
  }
  if (sb_win_self_sid(self, sizeof self) != 0)
    self[0] = 0;
  int err = sb_win_sd_judge(sd, self, why, cap);
  LocalFree(sd);
  return err;
}

int sb_win_path_is_reparse(const WCHAR *path, HANDLE h) {
  /* Wine reports a Unix symlink to a folder as a reparse point only
   * through the path; Windows through the handle opened with
   * FILE_FLAG_OPEN_REPARSE_POINT too. Either is refused. */
  DWORD a = GetFileAttributesW(path);
  if (a != INVALID_FILE_ATTRIBUTES && (a & FILE_ATTRIBUTE_REPARSE_POINT))
    return 1;
  FILE_ATTRIBUTE_TAG_INFO tag;
  if (h && h != INVALID_HANDLE_VALUE &&
      GetFileInformationByHandleEx(h, FileAttributeTagInfo, &tag,
                                   sizeof tag) &&
      (tag.FileAttributes & FILE_ATTRIBUTE_REPARSE_POINT))
    return 1;
  return 0;
}

/* The folder itself, for reading and replacing its owner and DACL. No
 * FILE_SHARE_DELETE: it cannot be renamed or deleted while we hold it. */
static int open_dir(const WCHAR *dir, const char *dir8, int verbose,
                    HANDLE *out) {
  FILE_ATTRIBUTE_TAG_INFO tag;
  *out = INVALID_HANDLE_VALUE;
  if (sb_win_path_is_reparse(dir, NULL)) {
    say(verbose, SB_LOG_ERROR,
        "the data folder %s is a junction or symbolic link (a reparse "
        "point): refused; an administrator must remove it",
        dir8);
    return SB_EINSECURE;
  }
  HANDLE h = CreateFileW(dir,
                         READ_CONTROL | WRITE_DAC | WRITE_OWNER |
                             FILE_READ_ATTRIBUTES,
                         FILE_SHARE_READ | FILE_SHARE_WRITE, NULL,
                         OPEN_EXISTING,
                         FILE_FLAG_OPEN_REPARSE_POINT |
                             FILE_FLAG_BACKUP_SEMANTICS,
                         NULL);
  if (h == INVALID_HANDLE_VALUE) {
    say(verbose, SB_LOG_ERROR,
        "cannot open the data folder %s to set its owner and DACL: error "
        "%lu (a folder another user made and locked: an administrator "
        "must remove it)",
        dir8, (unsigned long)GetLastError());
    return SB_EINSECURE;
  }
  if (!GetFileInformationByHandleEx(h, FileAttributeTagInfo, &tag,
                                    sizeof tag) ||
      (tag.FileAttributes & FILE_ATTRIBUTE_REPARSE_POINT) ||
      !(tag.FileAttributes & FILE_ATTRIBUTE_DIRECTORY) ||
      sb_win_path_is_reparse(dir, h)) {
    say(verbose, SB_LOG_ERROR,
        "the data folder %s is a reparse point or not a folder: refused; "
        "an administrator must remove it",
        dir8);
    CloseHandle(h);
    return SB_EINSECURE;
  }
  *out = h;
  return 0;
}

/* Write 32 bytes as the key: into NAME.new, created with our
 * descriptor (and given it again through the handle: Wine does not keep
 * the one given at creation), flushed, then renamed over NAME. */
static int write_key(const char *key8, const uint8_t *key,
                     PSECURITY_DESCRIPTOR sd) {
  char tmp8[620];
  WCHAR tmp[MAX_PATH];
  SECURITY_ATTRIBUTES sa = {sizeof sa, sd, FALSE};
  DWORD n = 0;
  int err = 0;
  if ((size_t)snprintf(tmp8, sizeof tmp8, "%s.new", key8) >= sizeof tmp8 ||
      !MultiByteToWideChar(CP_UTF8, 0, tmp8, -1, tmp, MAX_PATH))
    return SB_ETOOBIG;
  sb_datafile_remove(tmp8);
  HANDLE h = CreateFileW(tmp, GENERIC_WRITE | READ_CONTROL | WRITE_DAC |
                                  WRITE_OWNER,
                         0, &sa, CREATE_NEW,
                         FILE_ATTRIBUTE_NORMAL | FILE_FLAG_OPEN_REPARSE_POINT,
                         NULL);
  if (h == INVALID_HANDLE_VALUE)
    return SB_EACCES;
  if (apply_sd(h, sd) != ERROR_SUCCESS ||
      !WriteFile(h, key, SB_PSK_SIZE, &n, NULL) || n != SB_PSK_SIZE ||
      !FlushFileBuffers(h))
    err = SB_EIO;
  CloseHandle(h);
  if (!err)
    err = sb_datafile_rename(tmp8, key8);
  if (err)
    sb_datafile_remove(tmp8);
  return err;
}

/* Whether the key's owner is Administrators or SYSTEM and its DACL is
 * exactly ours (protected; SYSTEM and Administrators full, nothing
 * else). */
static int key_sd_is_ours(HANDLE h) {
  PSECURITY_DESCRIPTOR sd = NULL;
  LPWSTR s = NULL;
  int ours = 0;
  if (GetSecurityInfo(h, SE_FILE_OBJECT,
                      OWNER_SECURITY_INFORMATION | DACL_SECURITY_INFORMATION,
                      NULL, NULL, NULL, NULL, &sd) != ERROR_SUCCESS)
    return 0;
  if (ConvertSecurityDescriptorToStringSecurityDescriptorW(
          sd, SDDL_REVISION_1,
          OWNER_SECURITY_INFORMATION | DACL_SECURITY_INFORMATION, &s, NULL))
    ours = wcscmp(s, L"O:BAD:P(A;;FA;;;SY)(A;;FA;;;BA)") == 0 ||
           wcscmp(s, L"O:BAD:PAI(A;;FA;;;SY)(A;;FA;;;BA)") == 0 ||
           wcscmp(s, L"O:SYD:P(A;;FA;;;SY)(A;;FA;;;BA)") == 0 ||
           wcscmp(s, L"O:SYD:PAI(A;;FA;;;SY)(A;;FA;;;BA)") == 0;
  if (s)
    LocalFree(s);
  LocalFree(sd);
  return ours;
}

/* What is at the key's name: 1 = a plain key file whose 32 bytes are in
 * key (and *ours says whether its descriptor is exactly ours); 0 =
 * nothing, or something that is not a key (a link, a second hard link,
 * another size: replaced by a new key, *why says what); <0 = error. */
static int read_old_key(const char *key8, uint8_t *key, int *ours,
                        const char **why) {
  WCHAR w[MAX_PATH];
  FILE_ATTRIBUTE_TAG_INFO tag;
  BY_HANDLE_FILE_INFORMATION bi;
  uint8_t buf[SB_PSK_SIZE + 1];
  DWORD got = 0;
  *ours = 0;
  *why = NULL;
  if (!MultiByteToWideChar(CP_UTF8, 0, key8, -1, w, MAX_PATH))
    return SB_EINVAL;
  if (sb_win_path_is_reparse(w, NULL)) {
    *why = "a reparse point";
    return 0;
  }
  HANDLE h = CreateFileW(w, GENERIC_READ | READ_CONTROL, FILE_SHARE_READ,
                         NULL, OPEN_EXISTING,
                         FILE_ATTRIBUTE_NORMAL | FILE_FLAG_OPEN_REPARSE_POINT,
                         NULL);
  if (h == INVALID_HANDLE_VALUE) {
    DWORD e = GetLastError();
    return e == ERROR_FILE_NOT_FOUND ? 0 : SB_EACCES;
  }
  int rc = 1;
  if (!GetFileInformationByHandleEx(h, FileAttributeTagInfo, &tag,
                                    sizeof tag) ||
      !GetFileInformationByHandle(h, &bi)) {
    rc = SB_EACCES;
  } else if (tag.FileAttributes &
             (FILE_ATTRIBUTE_REPARSE_POINT | FILE_ATTRIBUTE_DIRECTORY)) {
    *why = "a reparse point or a folder";
    rc = 0;
  } else if (bi.nNumberOfLinks != 1) {
    *why = "a file with another hard link";
    rc = 0;
  } else if (!ReadFile(h, buf, sizeof buf, &got, NULL)) {
    rc = SB_EIO;
  } else if (got != SB_PSK_SIZE) {
    *why = "not 32 bytes long";
    rc = 0;
  } else {
    memcpy(key, buf, SB_PSK_SIZE);
    *ours = key_sd_is_ours(h);
  }
  sb_memzero(buf, sizeof buf);
  CloseHandle(h);
  return rc;
}

static int ensure_key(const char *key8, int fresh, int verbose) {
  PSECURITY_DESCRIPTOR sd = NULL;
  uint8_t *key = sb_secret_alloc(SB_PSK_SIZE);
  const char *why = NULL;
  int ours = 0, have = 0, err;
  if (!key)
    return SB_ENOMEM;
  if ((err = sb_win_data_sd(0, &sd)) != 0)
    goto out;
  if (!fresh && (have = read_old_key(key8, key, &ours, &why)) < 0) {
    err = have;
    say(verbose, SB_LOG_ERROR, "cannot read the control key %s: %s", key8,
        sb_strerror(err));
    goto out;
  }
  if (have && ours)
    goto out; /* a plain key, exactly our descriptor: kept as it is */
  if (!have)
    sb_random(key, SB_PSK_SIZE);
  if ((err = write_key(key8, key, sd)) != 0) {
    say(verbose, SB_LOG_ERROR, "cannot write the control key %s: %s", key8,
        sb_strerror(err));
    goto out;
  }
  if (have)
    say(verbose, SB_LOG_INFO,
        "control key %s rewritten with owner Administrators and a DACL of "
        "SYSTEM and Administrators only (contents kept)",
        key8);
  else if (why)
    say(verbose, SB_LOG_WARN,
        "control key %s was %s: replaced by a new key (clients need the new "
        "one)",
        key8, why);
  else
    say(verbose, SB_LOG_INFO,
        "created control key %s (SYSTEM and Administrators only)%s", key8,
        fresh ? "; the folder was not ours, so any key in it is not trusted"
              : "");
out:
  sb_secret_free(key, SB_PSK_SIZE);
  if (sd)
    LocalFree(sd);
  return err;
}

int sb_win_prepare_data(int verbose) {
  char dir8[512], key8[600], path8[620], why[400];
  WCHAR dir[MAX_PATH];
  PSECURITY_DESCRIPTOR sd = NULL;
  HANDLE h = INVALID_HANDLE_VALUE;
  int err, created, foreign = 0;
  if ((err = sb_path_data_dir(dir8, sizeof dir8)) != 0 ||
      (err = sb_path_control_key(key8, sizeof key8)) != 0)
    return err;
  if (!MultiByteToWideChar(CP_UTF8, 0, dir8, -1, dir, MAX_PATH))
    return SB_ETOOBIG;
  if ((err = sb_win_data_sd(1, &sd)) != 0)
    return err;
  SECURITY_ATTRIBUTES sa = {sizeof sa, sd, FALSE};
  created = CreateDirectoryW(dir, &sa);
  if (!created && GetLastError() != ERROR_ALREADY_EXISTS) {
    say(verbose, SB_LOG_ERROR, "cannot create the data folder %s: error %lu",
        dir8, (unsigned long)GetLastError());
    err = SB_EACCES;
    goto out;
  }
  if ((err = open_dir(dir, dir8, verbose, &h)) != 0)
    goto out;
  /* Judged before it is taken back: a folder that was not ours may hold
   * a key or log links its owner planted. */
  if (!created && judge_handle(h, why, sizeof why) != 0) {
    foreign = 1;
    say(verbose, SB_LOG_WARN,
        "the data folder %s was not ours (%s): taking it back (owner "
        "Administrators, SYSTEM and Administrators only) and replacing its "
        "key and logs",
        dir8, why);
  }
  DWORD e = apply_sd(h, sd);
  if (e != ERROR_SUCCESS) {
    say(verbose, SB_LOG_ERROR,
        "cannot set the owner and DACL of the data folder %s: error %lu",
        dir8, (unsigned long)e);
    err = SB_EINSECURE;
    goto out;
  }
  /* Read back through the same handle: what is there now must pass. */
  if ((err = judge_handle(h, why, sizeof why)) != 0) {
    say(verbose, SB_LOG_ERROR, "the data folder %s is still not safe: %s",
        dir8, why);
    goto out;
  }
  if (created && verbose)
    printf("created data directory %s (owner Administrators; SYSTEM and "
           "Administrators only)\n",
           dir8);
  if (foreign) {
    static const char *const logs[] = {"sessionbridge.log",
                                       "sessionbridge.log.1"};
    for (size_t i = 0; i < 2; i++) {
      snprintf(path8, sizeof path8, "%s\\%s", dir8, logs[i]);
      sb_datafile_remove(path8);
    }
    sb_datafile_remove(key8);
  }
  err = ensure_key(key8, foreign, verbose);
out:
  if (h != INVALID_HANDLE_VALUE)
    CloseHandle(h);
  LocalFree(sd);
  return err;
}
