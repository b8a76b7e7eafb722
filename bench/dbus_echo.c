/* SPDX-License-Identifier: MIT */
/* sbbench-dbus-echo: the D-Bus side of the benchmark's comparison. Owns
 * org.sessionbridge.BenchEcho on the bus in DBUS_SESSION_BUS_ADDRESS (the
 * private dbus-daemon scripts/bench.sh starts) and answers Echo(ay) with
 * the same bytes, which is what our ping does. It runs as its own process
 * so a D-Bus round trip crosses client -> daemon -> service -> daemon ->
 * client, as it would for a Linux developer's service. Benchmark only. */
#include <dbus/dbus.h>
#include <stdio.h>
#include <string.h>

#include "dbus_bench.h"

static DBusHandlerResult on_message(DBusConnection *c, DBusMessage *m,
                                    void *arg) {
  DBusMessage *reply;
  DBusMessageIter it, sub;
  const unsigned char *data = NULL;
  int len = 0;
  (void)arg;
  if (dbus_message_is_method_call(m, SB_BENCH_DBUS_IFACE, "Quit")) {
    *(int *)arg = 1;
    reply = dbus_message_new_method_return(m);
    dbus_connection_send(c, reply, NULL);
    dbus_message_unref(reply);
    return DBUS_HANDLER_RESULT_HANDLED;
  }
  if (!dbus_message_is_method_call(m, SB_BENCH_DBUS_IFACE, "Echo"))
    return DBUS_HANDLER_RESULT_NOT_YET_HANDLED;
  /* Read the array without copying, the way a careful service would. */
  if (dbus_message_iter_init(m, &it) &&
      dbus_message_iter_get_arg_type(&it) == DBUS_TYPE_ARRAY) {
    dbus_message_iter_recurse(&it, &sub);
    dbus_message_iter_get_fixed_array(&sub, &data, &len);
  }
  reply = dbus_message_new_method_return(m);
  dbus_message_append_args(reply, DBUS_TYPE_ARRAY, DBUS_TYPE_BYTE, &data, len,
                           DBUS_TYPE_INVALID);
  dbus_connection_send(c, reply, NULL);
  dbus_message_unref(reply);
  return DBUS_HANDLER_RESULT_HANDLED;
}

int main(void) {
  DBusError err;
  DBusConnection *c;
  int quit = 0;
  dbus_error_init(&err);
  c = dbus_bus_get_private(DBUS_BUS_SESSION, &err);
  if (!c) {
    fprintf(stderr, "sbbench-dbus-echo: %s\n", err.message);
    return 1;
  }
  if (dbus_bus_request_name(c, SB_BENCH_DBUS_NAME, DBUS_NAME_FLAG_DO_NOT_QUEUE,
                            &err) != DBUS_REQUEST_NAME_REPLY_PRIMARY_OWNER) {
    fprintf(stderr, "sbbench-dbus-echo: cannot own %s\n", SB_BENCH_DBUS_NAME);
    return 1;
  }
  dbus_connection_add_filter(c, on_message, &quit, NULL);
  while (!quit && dbus_connection_read_write_dispatch(c, -1))
    ;
  dbus_connection_flush(c);
  dbus_connection_close(c);
  dbus_connection_unref(c);
  return 0;
}
