/* SPDX-License-Identifier: MIT */
/* Internal helpers shared by the library's platform files. */
#ifndef SB_INTERNAL_H
#define SB_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "sessionbridge/frame.h"

typedef struct sb_channel sb_channel_t;

/* errno (POSIX) or GetLastError() (Windows) -> SB_E*. */
int sb__translate_os_error(int os_error);

/* A TAG_FINAL frame that carries msg: not something a correct peer sends
 * (the close is an empty TAG_FINAL); the tests send it to check that a
 * receiver refuses it (SB_EPROTO) instead of taking it for a clean end. */
int sb__channel_close_with(sb_channel_t *ch, const uint8_t *msg, size_t len);

/* Reading a big frame straight into place: while a frame's payload is
 * being received, sb__frame_parser_room gives where its missing bytes go
 * and how many are missing (NULL and 0 otherwise: no header yet, or the
 * frame is complete); a reader may read up to that many bytes there and
 * hand the count to sb__frame_parser_commit, which returns 1 when the
 * frame is then complete, 0 when more is needed (SB_EINVAL for more than
 * was missing). One read per frame instead of one per small buffer: on
 * Wine's named pipes every read is a wineserver round trip. */
uint8_t *sb__frame_parser_room(sb_frame_parser_t *p, size_t *room);
int sb__frame_parser_commit(sb_frame_parser_t *p, size_t n);

/* Before the handshake on the default control endpoint: is the server
 * the sessionbridge service (Windows: its pid against the SCM's)? 0, or
 * SB_EPEER with *why. common/src/<platform>/server_check.c */
struct sb_stream;
int sb__check_control_server(struct sb_stream *s, char *why, size_t cap);

/* For tests only (not part of any API tier): what a listener asked the OS
 * for, read back. */
#include "sessionbridge/transport.h"
/* Read back the security descriptor of a listener's pipe as SDDL (Windows;
 * POSIX: "mode=0660 uid=.. gid=.."), for tests and diagnostics. */
int sb__listener_describe(sb_listener_t *l, char *buf, size_t cap);
/* Flags the listener passed to the OS when creating pipe instances, for
 * tests that assert what Wine does not enforce (Windows: dwOpenMode of the
 * first instance and dwPipeMode). */
int sb__listener_flags(sb_listener_t *l, uint32_t *open_mode,
                      uint32_t *pipe_mode);
/* The anchor instance read back (Windows): the pid of the client
 * connected to it (the listener's own process, or 0 if it is not
 * occupied) and the number of instances of the name. POSIX has no
 * anchor: SB_EUNSUPPORTED. */
int sb__listener_anchor(sb_listener_t *l, uint32_t *client_pid,
                        uint32_t *instances);

#endif
