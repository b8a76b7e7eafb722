#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Every hostile-input scenario (tests/scenarios/*.sb, threats.md §3) run
# through `sbctl raw` against the native console service; after each one
# a legitimate client must still get a pong, and the service must still
# be running.
set -u
BIN=${1:?usage: scenarios_native.sh BIN_DIR}
SRC=$(cd "$(dirname "$0")/../scenarios" && pwd)
RT=$(mktemp -d)
chmod 700 "$RT"
export SB_DATA_DIR="$RT/rt"
"$BIN/sbservice" run --console --runtime-dir "$SB_DATA_DIR" 2>"$RT/service.err" &
SVC=$!
fail() { echo "FAIL: $*"; kill "$SVC" 2>/dev/null; exit 1; }
for _ in $(seq 1 100); do
  "$BIN/sbctl" sessions 2>/dev/null | grep -qE '^1 +connected' && break
  sleep 0.1
done
n=0
for s in "$SRC"/*.sb; do
  name=$(basename "$s" .sb)
  out=$("$BIN/sbctl" raw "$s" 2>&1); rc=$?
  if [ $rc -ne 0 ]; then
    echo "$out"
    fail "$name: sbctl raw exit $rc"
  fi
  kill -0 "$SVC" 2>/dev/null || fail "$name: the service died"
  "$BIN/sbctl" ping --session 1 >/dev/null 2>&1 || fail "$name: no pong afterwards"
  echo "ok: $name ($(echo "$out" | grep -c 'expect .*: ok') expectations)"
  n=$((n + 1))
done
kill -TERM "$SVC"; wait "$SVC" || fail "service exit code $?"
grep -c "handshake failed\|dropping connection\|refused" "$SB_DATA_DIR/sessionbridge.log" |
  xargs echo "log lines about refused or dropped peers:"
rm -rf "$RT"
echo "PASS: $n scenarios, the service answered a ping after each"
