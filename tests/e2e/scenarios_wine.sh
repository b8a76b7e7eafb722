#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The hostile-input scenarios (tests/scenarios/*.sb) through sbctl.exe raw
# against the real service under Wine (named pipes, SCM service); after
# each one the service must still answer a ping.
source "$(dirname "$0")/lib.sh"
need
SRC=$(cd "$(dirname "$0")/../scenarios" && pwd)
cleanup_service
W "$BIN/sbservice.exe" install >/dev/null || fail install
W "$BIN/sbservice.exe" start | grep -q RUNNING || fail start
wait_connected 100 >/dev/null || fail "agent not connected"
n=0
for s in "$SRC"/*.sb; do
  name=$(basename "$s" .sb)
  wine "$BIN/sbctl.exe" raw - < "$s" > "$WINEPREFIX/raw.out" 2>/dev/null; rc=$?
  if [ "$rc" -ne 0 ]; then
    tr -d '\r' < "$WINEPREFIX/raw.out"
    fail "$name: sbctl raw exit $rc"
  fi
  W "$BIN/sbctl.exe" ping --session 1 | grep -q pong || fail "$name: no pong afterwards"
  n=$((n + 1))
done
W "$BIN/sbservice.exe" status | grep -q RUNNING || fail "service not running"
W "$BIN/sbservice.exe" uninstall >/dev/null
echo "PASS: $n scenarios under Wine, the service answered a ping after each"
