/* SPDX-License-Identifier: MIT */
/* sbctl, run as its own process, against a router whose agent is a fake
 * that answers every screenshot and image clipboard_get with a download
 * of SBT_CTL_PIECES pieces of SBT_CTL_PIECE bytes (a pattern, not a real
 * PNG: sbctl writes the bytes as they come). The download arrives whole,
 * or ends early: after its first piece the agent sends an Error
 * (protocol.md, Transfers, "A download that ends early") with the detail
 * SBT_CTL_DETAIL. For the tests of what sbctl does with its -o file. */
#ifndef SBT_CTL_RIG_H
#define SBT_CTL_RIG_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "router_rig.h"

#define SBT_CTL_PIECE (100 * 1024)
#define SBT_CTL_PIECES 3
#define SBT_CTL_DETAIL "the capture failed half way (ctl_rig)"

typedef enum { SBT_CTL_WHOLE, SBT_CTL_ENDS_EARLY } sbt_ctl_mode_t;

typedef struct {
  sbt_router_rig_t r;
  char sbctl[512];
  char key[600]; /* the control key's file */
  char log[600]; /* sbctl's stdout and stderr, each run */
  /* POSIX: shell commands run before sbctl (it is then started by
   * /bin/sh -c "PRELUDE; exec sbctl ..."), to set a limit or a signal's
   * disposition for sbctl alone (ulimit -f, trap '' PIPE); NULL: none. */
  const char *prelude;
} sbt_ctl_rig_t;

/* Start the router and its fake agent (answering as mode says), and
 * write the control key for sbctl. */
void sbt_ctl_start(sbt_ctl_rig_t *t, const char *tag, sbt_ctl_mode_t mode);
/* How the agent answers from now on. */
void sbt_ctl_mode(sbt_ctl_mode_t mode);
/* From now on the agent declares its downloads of unknown size
 * (protocol 3: Response.size_unknown, ended by the last chunk), as the
 * agent sends a screenshot it still encodes; 0: of their size (the
 * default). */
void sbt_ctl_size_unknown(int on);
/* The agent also takes every clipboard_set (answering it done): the
 * bytes of the last one (inline or uploaded) into buf[cap], their number
 * returned (0 before one). */
size_t sbt_ctl_last_set(uint8_t *buf, size_t cap);
/* Run sbctl --pipe EP --key KEY --session 1 ARGS... (args ended by NULL,
 * at most 12); its output (stdout and stderr) into out[cap], NUL-ended
 * (bytes past cap - 1 dropped). Returns its exit code (-1: did not run or
 * ran 20 s, scaled). */
int sbt_ctl_run(sbt_ctl_rig_t *t, const char *const *args, char *out,
                size_t cap);
void sbt_ctl_stop(sbt_ctl_rig_t *t);

/* The byte at offset `at` of the agent's download. */
uint8_t sbt_ctl_byte(uint64_t at);
/* 1 if path holds exactly the agent's whole download. */
int sbt_ctl_file_whole(const char *path);
/* The same for a file already open (NULL: 0); closes f. */
int sbt_ctl_fp_whole(FILE *f);
/* Write the string s to path (created or truncated); fails the test on
 * error. */
void sbt_ctl_write(const char *path, const char *s);
/* 1 if path holds exactly the string s. */
int sbt_ctl_file_is(const char *path, const char *s);

#endif
