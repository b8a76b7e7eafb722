/* SPDX-License-Identifier: MIT */
/* Well-known locations shared by the service, the agent and sbctl, so
 * they cannot disagree about where the control key or endpoint is.
 *   Windows: data dir %ProgramData%\sessionbridge, control endpoint
 *            \\.\pipe\ProtectedPrefix\Administrators\sessionbridge\control
 *   POSIX:   runtime dir /run/sessionbridge as root, else
 *            $XDG_RUNTIME_DIR/sessionbridge (or /tmp/sessionbridge-<uid>);
 *            the data dir is the runtime dir.
 * SB_DATA_DIR in the environment overrides the runtime dir on POSIX (how
 * sbservice --runtime-dir reaches the library); on Windows only in a test
 * build (CMake SB_TEST_HOOKS), never in the release or MSI build. */
#ifndef SESSIONBRIDGE_PATHS_H
#define SESSIONBRIDGE_PATHS_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SB_SERVICE_NAME "sessionbridge"
#define SB_CONTROL_ENDPOINT_NAME "sessionbridge-control"
/* The control pipe on Windows (sb_path_control_endpoint). */
#define SB_CONTROL_ENDPOINT_WIN                                                \
  "\\\\.\\pipe\\ProtectedPrefix\\Administrators\\sessionbridge\\control"
#define SB_CONTROL_KEY_FILE "control.key"

int sb_path_data_dir(char *buf, size_t cap);
int sb_path_control_key(char *buf, size_t cap);
int sb_path_control_endpoint(char *buf, size_t cap);
/* Read a 32-byte key file (exactly 32 bytes). SB_ENOENT: no such file;
 * SB_EACCES: it cannot be opened, or is a link (never followed);
 * SB_EPROTO: it is not 32 bytes. */
int sb_key_file_read(const char *path, unsigned char key[32]);

#ifdef __cplusplus
}
#endif
#endif
