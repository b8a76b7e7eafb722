/* SPDX-License-Identifier: MIT */
/* Probes the end-to-end scripts use to read back what Wine does not
 * enforce: the service's configured image path, an object's DACL, and
 * whether a rogue client with a wrong key gets anywhere. Run as
 * `sbtest --helper NAME args`. */
#include <windows.h>

#include <aclapi.h>
#include <sddl.h>
#include <stdio.h>

#include "sbtest.h"
#include "sessionbridge.h"

/* The image path exactly as the SCM stores it (must be quoted). */
SB_HELPER(svc_image_path) {
  SC_HANDLE scm = NULL, svc = NULL;
  BYTE buf[8192];
  DWORD n = 0, err = 0;
  (void)argc;
  (void)argv;
  /* Right after install, a freshly made Wine prefix can still be busy
   * starting its services: retry for a few seconds. */
  for (int i = 0; i < 50; i++) {
    scm = OpenSCManagerW(NULL, NULL, SC_MANAGER_CONNECT);
    svc = scm ? OpenServiceW(scm, L"sessionbridge", SERVICE_QUERY_CONFIG)
              : NULL;
    if (svc && QueryServiceConfigW(svc, (QUERY_SERVICE_CONFIGW *)buf,
                                   sizeof buf, &n))
      break;
    err = GetLastError();
    if (svc)
      CloseServiceHandle(svc);
    if (scm)
      CloseServiceHandle(scm);
    svc = scm = NULL;
    Sleep(100);
  }
  if (!svc) {
    printf("cannot query the service configuration: error %lu\n",
           (unsigned long)err);
    return 3;
  }
  QUERY_SERVICE_CONFIGW *c = (QUERY_SERVICE_CONFIGW *)buf;
  printf("%ls\n", c->lpBinaryPathName);
  printf("start=%lu account=%ls\n", (unsigned long)c->dwStartType,
         c->lpServiceStartName ? c->lpServiceStartName : L"(null)");
  CloseServiceHandle(svc);
  CloseServiceHandle(scm);
  return 0;
}

/* The DACL of a file or directory as SDDL. */
SB_HELPER(file_dacl) {
  PSECURITY_DESCRIPTOR sd = NULL;
  LPSTR str = NULL;
  if (argc < 1)
    return 2;
  if (GetNamedSecurityInfoA(argv[0], SE_FILE_OBJECT, DACL_SECURITY_INFORMATION,
                            NULL, NULL, NULL, NULL, &sd) != ERROR_SUCCESS ||
      !ConvertSecurityDescriptorToStringSecurityDescriptorA(
          sd, SDDL_REVISION_1, DACL_SECURITY_INFORMATION, &str, NULL))
    return 3;
  printf("%s\n", str);
  LocalFree(str);
  LocalFree(sd);
  return 0;
}

/* The DACL of a named pipe, read through a client handle. */
SB_HELPER(pipe_dacl) {
  PSECURITY_DESCRIPTOR sd = NULL;
  LPSTR str = NULL;
  WCHAR name[256];
  if (argc < 1)
    return 2;
  MultiByteToWideChar(CP_UTF8, 0, argv[0], -1, name, 256);
  HANDLE h = CreateFileW(name, READ_CONTROL | GENERIC_READ, 0, NULL,
                         OPEN_EXISTING,
                         SECURITY_SQOS_PRESENT | SECURITY_IDENTIFICATION,
                         NULL);
  if (h == INVALID_HANDLE_VALUE)
    return 3;
  if (GetSecurityInfo(h, SE_KERNEL_OBJECT, DACL_SECURITY_INFORMATION, NULL,
                      NULL, NULL, NULL, &sd) != ERROR_SUCCESS ||
      !ConvertSecurityDescriptorToStringSecurityDescriptorA(
          sd, SDDL_REVISION_1, DACL_SECURITY_INFORMATION, &str, NULL)) {
    CloseHandle(h);
    return 4;
  }
  printf("%s\n", str);
  LocalFree(str);
  LocalFree(sd);
  CloseHandle(h);
  return 0;
}

/* A process the service did not launch tries the agent pipe with a key it
 * guessed: the handshake must fail (exit 0 when refused). */
SB_HELPER(rogue_agent) {
  sb_stream_t *s;
  sb_channel_t *ch;
  uint8_t key[32];
  if (argc < 1)
    return 2;
  sb_random(key, sizeof key);
  if (sb_stream_connect(&s, argv[0], 5000) != 0)
    return 3;
  sb_io_t io = sb_stream_io(s);
  sb_channel_opts_t o = {SB_ROLE_CLIENT, key, 5000, 5000};
  if (sb_channel_new(&ch, &io, &o) != 0)
    return 4;
  int err = sb_channel_handshake(ch);
  printf("rogue handshake: %s\n", sb_err_name(err));
  sb_channel_free(ch);
  sb_stream_close(s);
  return err == SB_EAUTH || err == SB_ETRUNC || err == SB_EOF ? 0 : 1;
}
