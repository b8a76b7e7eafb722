#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Runs one sbtest case under Wine: wine_test.sh WINE SBTEST_EXE NAME.
# sbtest prints "START NAME" before the test's first line of code. Wine
# occasionally fails to start a process, about once in several hundred
# starts here (docs/building.md): wine exited non-zero and silent before
# sbtest's main (seen in CI after 0.01 s and after 125 ms), so the test
# never ran and its result says nothing about our code. Such a start (no
# START line) is reported with its exit code and time, and made once more;
# a second one fails the case. If SB_WINE_RESTARTS names a file, each
# restart is appended to it, and scripts/test.sh prints them in its
# summary. A test that started is never run again: its exit code is the
# case's result.
wine=${1:?wine} exe=${2:?sbtest.exe} name=${3:?test name}
out=$(mktemp)
trap 'rm -f "$out"' EXIT
for attempt in 1 2; do
  t0=$(date +%s%N)
  # Into a file, shown as it grows, not through a pipe: a Windows process
  # the test started (a message box's, Wine's desktop) inherits the
  # output, and a pipe reader would wait for it to close long after
  # sbtest has ended (seen: router_cancel_message_box printed PASS, then
  # timed out).
  "$wine" "$exe" "$name" >"$out" 2>&1 &
  pid=$!
  tail -s 0.1 -n +1 --pid="$pid" -f "$out"
  wait "$pid"
  rc=$?
  ms=$(( ($(date +%s%N) - t0) / 1000000 ))
  if grep -q "^START $name" "$out"; then
    exit "$rc"
  fi
  echo "wine_test.sh: sbtest.exe $name did not reach main (wine exit $rc after $ms ms, attempt $attempt)"
  if [ "$attempt" = 1 ] && [ -n "${SB_WINE_RESTARTS:-}" ]; then
    echo "$name: wine exit $rc after $ms ms before main" >>"$SB_WINE_RESTARTS"
  fi
done
exit 1
