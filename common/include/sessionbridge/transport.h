/* SPDX-License-Identifier: MIT */
/* Local transport: Windows named pipes and POSIX Unix domain sockets
 * behind one API. Endpoint names are platform paths:
 *   Windows: \\.\pipe\NAME           POSIX: /run/sessionbridge/NAME.sock
 * sb_endpoint_default() builds the conventional one for a short name.
 *
 * Streams are blocking with per-call deadlines; the server gives every
 * connection its own thread, so a slow or silent peer only ever holds its
 * own thread. */
#ifndef SESSIONBRIDGE_TRANSPORT_H
#define SESSIONBRIDGE_TRANSPORT_H

#include <stddef.h>
#include <stdint.h>

#include "io.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct sb_stream sb_stream_t;
typedef struct sb_listener sb_listener_t;

typedef struct {
  /* Windows: SDDL of the pipe's security descriptor. Required: there is
   * no default security. POSIX: ignored. */
  const char *sddl;
  /* POSIX: socket file mode (e.g. 0660) and owning group (-1: keep).
   * Windows: ignored. */
  unsigned mode;
  long gid;
  /* Windows: in/out buffer sizes of each instance (0: 64 KiB). */
  uint32_t buffer_size;
} sb_listen_opts_t;

/* Identity of the process at the other end, as the OS reports it. */
typedef struct {
  uint32_t pid;
  uint32_t session_id; /* Windows session; POSIX: 0 */
  long uid;            /* POSIX uid; Windows: -1 */
  long gid;
  /* Windows: the client's user SID as a string (from its token at
   * Identification level); POSIX: empty. */
  char sid[192];
} sb_peer_t;

/* Build the default endpoint path for a short name into buf. */
int sb_endpoint_default(const char *short_name, char *buf, size_t cap);

/* Create the endpoint. Windows: the first instance is created with
 * FILE_FLAG_FIRST_PIPE_INSTANCE, so an existing name (a squatter) fails
 * with SB_EEXIST; every instance has PIPE_REJECT_REMOTE_CLIENTS and the
 * explicit DACL; one instance always stays listening. POSIX: a pathname
 * socket whose directory must be owned by us and not writable by others;
 * an existing file at the path fails with SB_EEXIST unless it is a stale
 * socket of ours. */
int sb_listener_open(sb_listener_t **out, const char *endpoint,
                     const sb_listen_opts_t *opts);
/* Wait up to timeout_ms (-1: forever) for one client. SB_ETIMEDOUT when
 * none came; SB_ECANCELED after sb_listener_interrupt; SB_ELIMIT when the
 * process is out of descriptors (POSIX: the pending connection was taken
 * and closed, so it does not sit in the backlog; SB_EAGAIN if even that
 * was impossible, and the caller should back off). */
int sb_listener_accept(sb_listener_t *l, sb_stream_t **out, int timeout_ms);
/* Wake a blocked accept from another thread (for shutdown). */
void sb_listener_interrupt(sb_listener_t *l);
void sb_listener_close(sb_listener_t *l);

/* Connect to an endpoint. Windows: opened with SECURITY_SQOS_PRESENT |
 * SECURITY_IDENTIFICATION so a rogue server can never impersonate us;
 * waits up to timeout_ms for a free instance. */
int sb_stream_connect(sb_stream_t **out, const char *endpoint,
                      int timeout_ms);
int sb_stream_read(sb_stream_t *s, void *buf, size_t len, size_t *nread,
                   int timeout_ms);
int sb_stream_write(sb_stream_t *s, const void *buf, size_t len,
                    int timeout_ms);
/* The io interface over this stream, for sb_channel_new. */
sb_io_t sb_stream_io(sb_stream_t *s);
/* Who is at the other end (server side: the client; client side: pid of
 * the server only). */
int sb_stream_peer(sb_stream_t *s, sb_peer_t *out);
int sb_stream_server_pid(sb_stream_t *s, uint32_t *pid);
/* Server side: is the client SYSTEM or a member of Administrators
 * (Windows, from its token at Identification level), or root (POSIX)?
 * On Windows call it after data has been read from the pipe. */
int sb_stream_peer_is_admin(sb_stream_t *s, int *is_admin);
/* Make pending and future reads/writes fail with SB_ECANCELED; callable
 * from any thread. */
void sb_stream_interrupt(sb_stream_t *s);
void sb_stream_close(sb_stream_t *s);


#ifdef __cplusplus
}
#endif
#endif
