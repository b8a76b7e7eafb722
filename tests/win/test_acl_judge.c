/* SPDX-License-Identifier: MIT */
/* The ACL judge on built descriptors: what Wine cannot show on disk
 * (owners other than its one user, Users / Authenticated Users ACEs,
 * WRITE_DAC, WRITE_OWNER, DELETE, inherited and inherit-only ACEs, deny
 * ACEs, a NULL DACL). Each row is an SDDL string and the verdict. */
#include <windows.h>

#include <sddl.h>
#include <stdio.h>
#include <string.h>

#include "platform_win.h"
#include "sbtest.h"
#include "sessionbridge.h"

#define TI "S-1-5-80-956008885-3418522649-1831038044-1853292631-2271478464"
#define ME "S-1-5-21-1111-2222-3333-1000"

typedef struct {
  const char *sddl;
  int refused;
  const char *why; /* a part of the reason when refused */
} row_t;

static const row_t rows[] = {
    /* Program Files as Windows ships it. */
    {"O:" TI "D:PAI(A;;FA;;;" TI ")(A;OICIIO;GA;;;" TI ")(A;;FA;;;SY)"
     "(A;OICIIO;GA;;;SY)(A;;FA;;;BA)(A;OICIIO;GA;;;BA)(A;;0x1200a9;;;BU)"
     "(A;OICIIO;GXGR;;;BU)(A;OICIIO;GA;;;CO)",
     0, NULL},
    /* What the MSI leaves on its folder: inherited from Program Files. */
    {"O:BAD:AI(A;ID;FA;;;SY)(A;ID;FA;;;BA)(A;ID;0x1200a9;;;BU)"
     "(A;OICIIOID;GA;;;CO)",
     0, NULL},
    /* The data folder as the service makes it. */
    {"O:BAD:PAI(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)", 0, NULL},
    /* Everyone may read and execute (Wine's 0755). */
    {"O:SYD:(A;;FA;;;SY)(A;;0x1200a9;;;WD)", 0, NULL},
    /* A deny ACE never makes a verdict worse; an allow after it counts. */
    {"O:BAD:(D;;FA;;;BU)(A;;FA;;;BA)", 0, NULL},
    {"O:BAD:(D;;FA;;;BU)(A;;FA;;;BU)", 1, "S-1-5-32-545"},
    /* Inherit-only: grants nothing on this object. */
    {"O:BAD:(A;;FA;;;BA)(A;OICIIO;FA;;;BU)", 0, NULL},

    /* A folder made under C:\ by an admin: Authenticated Users Modify,
     * inherited. */
    {"O:BAD:AI(A;ID;FA;;;BA)(A;ID;FA;;;SY)(A;OICIID;0x1301bf;;;AU)", 1,
     "S-1-5-11"},
    /* Users with only "create files / write data" on a folder. */
    {"O:BAD:(A;;FA;;;BA)(A;;0x100002;;;BU)", 1, "S-1-5-32-545"},
    /* ... only "create folders / append data" (ProgramData's grant). */
    {"O:BAD:(A;;FA;;;BA)(A;;0x100004;;;BU)", 1, "0x100004"},
    /* ... only "delete child". */
    {"O:BAD:(A;;FA;;;BA)(A;;0x100040;;;BU)", 1, "0x100040"},
    /* WRITE_DAC, WRITE_OWNER, DELETE alone. */
    {"O:BAD:(A;;FA;;;BA)(A;;WD;;;BU)", 1, "S-1-5-32-545"},
    {"O:BAD:(A;;FA;;;BA)(A;;WO;;;IU)", 1, "S-1-5-4"},
    {"O:BAD:(A;;FA;;;BA)(A;;SD;;;AU)", 1, "S-1-5-11"},
    /* Generic write / all. */
    {"O:BAD:(A;;GW;;;BU)", 1, "S-1-5-32-545"},
    {"O:BAD:(A;;GA;;;WD)", 1, "S-1-1-0"},
    /* Wine's 0777: the "other" bits become Everyone 0x1301ff. */
    {"O:SYD:(A;;FA;;;SY)(A;;0x1301ff;;;WD)", 1, "0x1301ff"},
    /* A user owns it: may rewrite the DACL whatever it says. */
    {"O:BUD:(A;;FA;;;SY)(A;;FA;;;BA)", 1, "owner S-1-5-32-545"},
    {"O:S-1-5-21-9-9-9-1001D:(A;;FA;;;SY)", 1, "owner S-1-5-21-9-9-9-1001"},
    /* Someone else's account, even with the same RID as ours. */
    {"O:BAD:(A;;FA;;;S-1-5-21-1111-2222-4444-1000)", 1, "4444"},
};

static int judge(const char *sddl, const char *self, char *why,
                 size_t cap) {
  PSECURITY_DESCRIPTOR sd = NULL;
  CHECK(ConvertStringSecurityDescriptorToSecurityDescriptorA(
      sddl, SDDL_REVISION_1, &sd, NULL));
  int err = sb_win_sd_judge(sd, self, why, cap);
  LocalFree(sd);
  return err;
}

SB_TEST(acl_judge_table) {
  char why[512];
  int bad = 0;
  for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
    int err = judge(rows[i].sddl, "S-1-5-18", why, sizeof why);
    int ok = rows[i].refused
                 ? err == SB_EINSECURE && strstr(why, rows[i].why) != NULL
                 : err == 0;
    if (!ok) {
      printf("row %u: %s -> %s (%s)\n", (unsigned)i, rows[i].sddl,
             sb_strerror(err), why);
      bad++;
    }
  }
  CHECK_EQ(bad, 0);
}

/* The account the service runs as is trusted, as owner and in an ACE (it
 * could do the same itself); any other account is not. */
SB_TEST(acl_judge_self) {
  char why[512];
  const char *sddl = "O:" ME "D:(A;;FA;;;SY)(A;;FA;;;" ME ")";
  CHECK_OK(judge(sddl, ME, why, sizeof why));
  CHECK_ERR(judge(sddl, "S-1-5-18", why, sizeof why), SB_EINSECURE);
  CHECK(strstr(why, "owner " ME) != NULL);
  CHECK_ERR(judge(sddl, NULL, why, sizeof why), SB_EINSECURE);
  CHECK_ERR(judge(sddl, "", why, sizeof why), SB_EINSECURE);
}

/* A NULL DACL grants everyone everything. (Built by hand: Wine's SDDL
 * parser makes NO_ACCESS_CONTROL an empty DACL, which grants nothing.) */
SB_TEST(acl_judge_null_dacl) {
  SECURITY_DESCRIPTOR sd;
  BYTE sid[SECURITY_MAX_SID_SIZE];
  DWORD n = sizeof sid;
  char why[256];
  CHECK(InitializeSecurityDescriptor(&sd, SECURITY_DESCRIPTOR_REVISION));
  CHECK(CreateWellKnownSid(WinBuiltinAdministratorsSid, NULL, sid, &n));
  CHECK(SetSecurityDescriptorOwner(&sd, sid, FALSE));
  CHECK(SetSecurityDescriptorDacl(&sd, TRUE, NULL, FALSE));
  CHECK_ERR(sb_win_sd_judge(&sd, NULL, why, sizeof why), SB_EINSECURE);
  CHECK(strstr(why, "no DACL") != NULL);
  /* An empty DACL (nothing granted) passes. */
  ACL empty;
  CHECK(InitializeAcl(&empty, sizeof empty, ACL_REVISION));
  CHECK(SetSecurityDescriptorDacl(&sd, TRUE, &empty, FALSE));
  CHECK_OK(sb_win_sd_judge(&sd, NULL, why, sizeof why));
}

SB_TEST(acl_judge_args) {
  char why[8];
  CHECK_ERR(sb_win_sd_judge(NULL, NULL, why, sizeof why), SB_EINVAL);
  CHECK_ERR(sb_win_path_judge(NULL, 1, why, sizeof why), SB_EINVAL);
  CHECK(sb_strerror(SB_EINSECURE) != NULL);
  CHECK(strcmp(sb_err_name(SB_EINSECURE), "SB_EINSECURE") == 0);
}
