/* SPDX-License-Identifier: MIT */
/* The D-Bus client of the benchmark: one blocking method call per round
 * trip (dbus_connection_send_with_reply_and_block), which is how a
 * synchronous D-Bus client does a request/response. */
#include <dbus/dbus.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "dbus_bench.h"

struct sb_bench_dbus {
  DBusConnection *c;
};

sb_bench_dbus_t *sb_bench_dbus_open(int wait_ms) {
  DBusError err;
  sb_bench_dbus_t *d;
  if (!getenv("DBUS_SESSION_BUS_ADDRESS"))
    return NULL;
  dbus_error_init(&err);
  d = calloc(1, sizeof *d);
  if (!d)
    return NULL;
  d->c = dbus_bus_get_private(DBUS_BUS_SESSION, &err);
  if (!d->c) {
    fprintf(stderr, "bench: D-Bus: %s\n", err.message);
    dbus_error_free(&err);
    free(d);
    return NULL;
  }
  dbus_connection_set_exit_on_disconnect(d->c, FALSE);
  /* The echo service is started by the script just before us. */
  for (int t = 0; t < wait_ms; t += 20) {
    if (dbus_bus_name_has_owner(d->c, SB_BENCH_DBUS_NAME, NULL))
      return d;
    usleep(20000);
  }
  fprintf(stderr, "bench: D-Bus: %s never appeared\n", SB_BENCH_DBUS_NAME);
  sb_bench_dbus_close(d);
  return NULL;
}

int sb_bench_dbus_echo(sb_bench_dbus_t *d, const uint8_t *payload, size_t len) {
  DBusMessage *m, *r;
  DBusError err;
  int n = (int)len, rc = -1;
  m = dbus_message_new_method_call(SB_BENCH_DBUS_NAME, SB_BENCH_DBUS_PATH,
                                   SB_BENCH_DBUS_IFACE, "Echo");
  if (!m)
    return -1;
  dbus_message_append_args(m, DBUS_TYPE_ARRAY, DBUS_TYPE_BYTE, &payload, n,
                           DBUS_TYPE_INVALID);
  dbus_error_init(&err);
  r = dbus_connection_send_with_reply_and_block(d->c, m, 10000, &err);
  dbus_message_unref(m);
  if (r) {
    const unsigned char *back = NULL;
    int blen = 0;
    /* Check the echo came back whole, as the ping check does. */
    if (dbus_message_get_args(r, &err, DBUS_TYPE_ARRAY, DBUS_TYPE_BYTE, &back,
                              &blen, DBUS_TYPE_INVALID) &&
        blen == n)
      rc = 0;
    dbus_message_unref(r);
  }
  dbus_error_free(&err);
  return rc;
}

void sb_bench_dbus_quit(sb_bench_dbus_t *d) {
  DBusMessage *m = dbus_message_new_method_call(
      SB_BENCH_DBUS_NAME, SB_BENCH_DBUS_PATH, SB_BENCH_DBUS_IFACE, "Quit");
  DBusMessage *r;
  if (!m)
    return;
  r = dbus_connection_send_with_reply_and_block(d->c, m, 2000, NULL);
  dbus_message_unref(m);
  if (r)
    dbus_message_unref(r);
}

void sb_bench_dbus_close(sb_bench_dbus_t *d) {
  if (!d)
    return;
  dbus_connection_close(d->c);
  dbus_connection_unref(d->c);
  free(d);
}
