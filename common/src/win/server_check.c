/* SPDX-License-Identifier: MIT */
/* (Moved from sbctl into the client API, so every client gets it.)
 * Before sending anything on the control pipe: is its server the
 * sessionbridge service? The pipe lives in the protected namespace (only
 * SYSTEM and elevated administrators can create it), and on top of that
 * the server's pid (GetNamedPipeServerProcessId) must be the running
 * service's (QueryServiceStatusEx). A service that is not running (a
 * console run: sbservice run --console) has no pid to compare; the
 * namespace alone then vouches for the server. */
#include <windows.h>

#include <stdio.h>

#include "internal.h"
#include "sessionbridge/error.h"
#include "sessionbridge/transport.h"

int sb__check_control_server(sb_stream_t *s, char *why, size_t cap) {
  SERVICE_STATUS_PROCESS st;
  DWORD n = 0;
  uint32_t server = 0;
  int err = sb_stream_server_pid(s, &server);
  if (err) {
    snprintf(why, cap, "cannot learn the control pipe's server: %s",
             sb_strerror(err));
    return SB_EPEER;
  }
  SC_HANDLE scm = OpenSCManagerW(NULL, NULL, SC_MANAGER_CONNECT);
  SC_HANDLE svc = scm ? OpenServiceW(scm, L"sessionbridge",
                                     SERVICE_QUERY_STATUS)
                      : NULL;
  int running = svc &&
                QueryServiceStatusEx(svc, SC_STATUS_PROCESS_INFO, (BYTE *)&st,
                                     sizeof st, &n) &&
                st.dwCurrentState != SERVICE_STOPPED && st.dwProcessId != 0;
  if (svc)
    CloseServiceHandle(svc);
  if (scm)
    CloseServiceHandle(scm);
  if (running && st.dwProcessId != server) {
    snprintf(why, cap,
             "the control pipe is served by pid %u, not by the sessionbridge "
             "service (pid %lu)",
             server, (unsigned long)st.dwProcessId);
    return SB_EPEER;
  }
  return 0;
}
