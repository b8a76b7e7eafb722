/* sbctl: the admin CLI. Each command is one file (cmd_*.c) that builds a
 * request, calls the service through the control channel and prints the
 * answer. Exit codes: 0 success, 1 usage, 2 cannot reach or authenticate
 * to the service, 3 the service or agent answered with an error, 4 local
 * failure (e.g. writing the output file). */
#ifndef SBCTL_H
#define SBCTL_H

#include <stdint.h>
#include <stdio.h>

#include "sessionbridge.h"

enum { EXIT_OK = 0, EXIT_USAGE = 1, EXIT_CONNECT = 2, EXIT_REMOTE = 3,
       EXIT_LOCAL = 4 };

typedef struct {
  const char *endpoint;
  const char *key_path;
  int json;
  uint32_t timeout_ms;
  long session; /* -1: not given */
  sb_stream_t *stream;
  sb_rpc_t *rpc;
} sbctl_t;

/* Connect, handshake and start the rpc. Prints the reason on failure and
 * returns an exit code. */
int sbctl_connect(sbctl_t *c);
void sbctl_disconnect(sbctl_t *c);
/* Call and map failures to printed messages + exit codes. On success
 * (returns EXIT_OK) res holds a Response. */
int sbctl_call(sbctl_t *c, Sbwire__V1__Request *req, const uint8_t *upload,
               size_t upload_len, sb_rpc_result_t *res);
int sbctl_need_session(sbctl_t *c, const char *cmd);
/* JSON string output with escaping. */
void sbctl_json_str(FILE *f, const char *s);

/* Platform: the arguments as UTF-8, and binary stdio. */
char **sbctl_utf8_argv(int *argc, char **argv);
void sbctl_stdio_binary(void);

int sbctl_cmd_sessions(sbctl_t *c, int argc, char **argv);
int sbctl_cmd_ping(sbctl_t *c, int argc, char **argv);
int sbctl_cmd_info(sbctl_t *c, int argc, char **argv);
int sbctl_cmd_message(sbctl_t *c, int argc, char **argv);
int sbctl_cmd_notify(sbctl_t *c, int argc, char **argv);
int sbctl_cmd_clipboard(sbctl_t *c, int argc, char **argv);
int sbctl_cmd_screenshot(sbctl_t *c, int argc, char **argv);
int sbctl_cmd_monitors(sbctl_t *c, int argc, char **argv);
int sbctl_cmd_raw(sbctl_t *c, int argc, char **argv);

/* Before the handshake on the default control endpoint: is the server
 * the sessionbridge service (Windows: its pid against the SCM's)? 0, or
 * SB_EPEER with *why. server_<platform>.c */
int sbctl_check_server(sb_stream_t *s, char *why, size_t cap);

#endif
