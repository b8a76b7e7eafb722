/* SPDX-License-Identifier: MIT */
/* Connection server: accepts on an endpoint and runs a callback for each
 * connection on its own thread. A cap bounds concurrent connections (past
 * it, new clients are accepted and closed at once, so the listener keeps
 * an instance free for legitimate peers). */
#ifndef SESSIONBRIDGE_SERVER_H
#define SESSIONBRIDGE_SERVER_H

#include "transport.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct sb_server sb_server_t;

/* Runs on the connection's thread. The stream is closed after it
 * returns. */
typedef void (*sb_server_conn_fn)(void *arg, sb_stream_t *stream);

typedef struct {
  const char *endpoint;
  sb_listen_opts_t listen;
  int max_connections; /* 0: 256 */
  sb_server_conn_fn on_conn;
  void *arg;
} sb_server_opts_t;

int sb_server_start(sb_server_t **out, const sb_server_opts_t *opts);
/* Number of connections being served now. */
int sb_server_active(sb_server_t *s);
/* Connections refused because of the cap, since start. */
uint64_t sb_server_refused(sb_server_t *s);
sb_listener_t *sb_server_listener(sb_server_t *s);
/* Stop accepting, interrupt every connection's stream, join all threads. */
void sb_server_stop(sb_server_t *s);

#ifdef __cplusplus
}
#endif
#endif
