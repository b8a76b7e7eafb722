#ifndef SB_PLATFORM_WIN_H
#define SB_PLATFORM_WIN_H

#include <windows.h>

#include "platform.h"

/* Data directory: SYSTEM and Administrators only, protected from
 * inheritance, inherited by its files (the control key and the logs). */
#define SB_DATA_DIR_SDDL L"D:PAI(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)"
/* The control key file itself. */
#define SB_KEY_FILE_SDDL L"D:P(A;;FA;;;SY)(A;;FA;;;BA)"

/* The Windows OS seam of the service (platform_win.c). */
typedef struct {
  WCHAR agent_path[MAX_PATH];
  HANDLE job; /* agents live in it and end with the service */
  int console; /* run --console: not LocalSystem, may need a fallback */
} sb_win_platform_t;

int sb_win_platform_init(sb_win_platform_t *p, const WCHAR *agent_path,
                         int console, sb_svc_platform_t *out);
void sb_win_platform_free(sb_win_platform_t *p);

#endif
