#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Runs every native test under valgrind memcheck, each in its own process:
# any memory error or definite leak fails. Usage: scripts/valgrind.sh BUILD_DIR
set -uo pipefail
dir=${1:?usage: valgrind.sh BUILD_DIR}
logs="$dir/valgrind"
mkdir -p "$logs"
rm -f "$logs"/*.log
list=$("$dir/bin/sbtest" --list)
# Every test timeout scaled (tests/sbtest.h, sbtest_ms): under memcheck a
# test runs 10 to 50 times slower, and a fresh-clone run beside other
# builds (load 7 to 8) missed 300 ms and 2 s waits that pass when idle.
export SB_TEST_TIMEOUT_MULT=${SB_TEST_TIMEOUT_MULT:-4}
run_one() {
  local t=$1 logs=$2 dir=$3
  if ! timeout 300 valgrind -q --error-exitcode=99 --leak-check=full \
      --errors-for-leak-kinds=definite --track-fds=no \
      "$dir/bin/sbtest" "$t" >"$logs/$t.log" 2>&1; then
    # 77 is a skip, not a failure.
    tail -n 1 "$logs/$t.log" | grep -q '^SKIP' && return 0
    echo "valgrind: $t FAILED (see $logs/$t.log)"
    return 1
  fi
}
export -f run_one
n=$(echo "$list" | wc -l)
failed=$(echo "$list" | xargs -P"$(nproc)" -I{} bash -c 'run_one "$@"' _ {} "$logs" "$dir" | tee /dev/stderr | grep -c FAILED)
echo "valgrind memcheck: $((n - failed))/$n tests clean"
[ "$failed" -eq 0 ]
