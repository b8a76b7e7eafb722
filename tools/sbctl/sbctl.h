/* SPDX-License-Identifier: MIT */
/* sbctl: the admin CLI. Each command (cmd_*.c) checks its arguments,
 * makes one call of the client API (sessionbridge/client.h, the same
 * stable tier other services embed; nothing else of the library) and
 * prints the answer. Only the developer harness, sbctl raw (cmd_raw.c),
 * works on the low tier, as it must to send what no client would. Exit codes: 0 success, 1 usage, 2 cannot reach or authenticate
 * to the service, 3 the service or agent answered with an error, 4 local
 * failure (e.g. writing the output file). */
#ifndef SBCTL_H
#define SBCTL_H

#include <stdint.h>
#include <stdio.h>

#include "sessionbridge/client.h"

enum { EXIT_OK = 0, EXIT_USAGE = 1, EXIT_CONNECT = 2, EXIT_REMOTE = 3,
       EXIT_LOCAL = 4 };

typedef struct {
  const char *endpoint;
  const char *key_path;
  int json;
  uint32_t timeout_ms;
  long session; /* -1: not given */
  sb_client_t *client;
} sbctl_t;

/* sb_client_open. Prints the reason on failure and returns an exit code. */
int sbctl_connect(sbctl_t *c);
void sbctl_disconnect(sbctl_t *c);
/* The exit code for err, the return of an sb_client_* call (0: EXIT_OK);
 * prints the error (as JSON too with --json). */
int sbctl_result(sbctl_t *c, int err);
/* The session given with --session (checked by sbctl_need_session). */
uint32_t sbctl_session(const sbctl_t *c);
int sbctl_need_session(sbctl_t *c, const char *cmd);
/* A whole number lo..hi given to option opt of command cmd ("" for the
 * global options) into *out; anything else is reported: EXIT_USAGE. */
int sbctl_number(const char *cmd, const char *opt, const char *v, long lo,
                 long hi, long *out);
/* JSON string output with escaping. */
void sbctl_json_str(FILE *f, const char *s);

/* Platform: the arguments as UTF-8, and binary stdio. */
char **sbctl_utf8_argv(int *argc, char **argv);
void sbctl_stdio_binary(void);
/* Platform: fopen of a UTF-8 path (the arguments are UTF-8 on every
 * platform, sbctl_utf8_argv; Windows' fopen would read the bytes in the
 * ANSI code page and name another file). */
FILE *sbctl_fopen(const char *path, const char *mode);
/* Platform: remove path if the name itself is a regular file (not a
 * symbolic link or other reparse point, whatever it points to; not a
 * device, pipe or directory). 1 if removed, else 0. What a failed write
 * leaves at -o is removed only so. */
int sbctl_remove_plain(const char *path);

int sbctl_cmd_sessions(sbctl_t *c, int argc, char **argv);
int sbctl_cmd_ping(sbctl_t *c, int argc, char **argv);
int sbctl_cmd_info(sbctl_t *c, int argc, char **argv);
int sbctl_cmd_message(sbctl_t *c, int argc, char **argv);
int sbctl_cmd_notify(sbctl_t *c, int argc, char **argv);
int sbctl_cmd_clipboard(sbctl_t *c, int argc, char **argv);
int sbctl_cmd_screenshot(sbctl_t *c, int argc, char **argv);
int sbctl_cmd_monitors(sbctl_t *c, int argc, char **argv);
int sbctl_cmd_events(sbctl_t *c, int argc, char **argv);
int sbctl_cmd_raw(sbctl_t *c, int argc, char **argv);


#endif
