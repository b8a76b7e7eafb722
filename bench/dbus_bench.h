/* SPDX-License-Identifier: MIT */
/* The benchmark's D-Bus client (dbus_client.c) and the names it shares
 * with sbbench-dbus-echo (dbus_echo.c). Built only when libdbus-1 is
 * found (SB_BENCH_HAVE_DBUS). */
#ifndef SB_BENCH_DBUS_H
#define SB_BENCH_DBUS_H

#include <stddef.h>
#include <stdint.h>

#define SB_BENCH_DBUS_NAME "org.sessionbridge.BenchEcho"
#define SB_BENCH_DBUS_PATH "/org/sessionbridge/BenchEcho"
#define SB_BENCH_DBUS_IFACE "org.sessionbridge.BenchEcho"

typedef struct sb_bench_dbus sb_bench_dbus_t;

/* Connect to the session bus of DBUS_SESSION_BUS_ADDRESS and wait up to
 * wait_ms for the echo service's name. NULL when there is no bus or no
 * service (the D-Bus column is then left out). */
sb_bench_dbus_t *sb_bench_dbus_open(int wait_ms);
/* One Echo(ay) method call, blocking for the reply; 0 on success. */
int sb_bench_dbus_echo(sb_bench_dbus_t *d, const uint8_t *payload, size_t len);
/* Ask the echo service to exit. */
void sb_bench_dbus_quit(sb_bench_dbus_t *d);
void sb_bench_dbus_close(sb_bench_dbus_t *d);

#endif
