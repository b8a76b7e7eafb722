#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Builds the libFuzzer targets (clang, ASan/UBSan) and runs each for the
# given number of seconds (default 60) on its seed corpus. Prints the exec
# count of each run; findings go to build/fuzz/findings/<target>/ and make
# the script fail. Usage: scripts/fuzz.sh [SECONDS] [TARGET...]
set -euo pipefail
source "$(dirname "$0")/lib.sh"
"$SB_ROOT/scripts/install-deps.sh"

secs=${1:-60}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(frame msg channel dib png png_enc)

dir="$SB_BUILD/fuzz"
CC=clang cmake -S "$SB_ROOT" -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DSB_FUZZ=ON -DCMAKE_C_COMPILER=clang >/dev/null
cmake --build "$dir" -j"$JOBS" --target $(printf 'fuzz_%s ' "${targets[@]}") >&2

fail=0
for t in "${targets[@]}"; do
  work="$dir/corpus/$t"
  findings="$dir/findings/$t"
  mkdir -p "$work" "$findings"
  cp -n "$SB_ROOT/tests/fuzz/corpus/$t/"* "$work/" 2>/dev/null || true
  log="$dir/fuzz-$t.log"
  rc=0
  "$dir/bin/fuzz_$t" -max_total_time="$secs" -print_final_stats=1 \
    -artifact_prefix="$findings/" -rss_limit_mb=2048 -timeout=10 \
    "$work" >"$log" 2>&1 || rc=$?
  execs=$(grep -E '^stat::number_of_executed_units' "$log" | awk '{print $2}')
  cov=$(grep -oE 'cov: [0-9]+' "$log" | tail -n1 | awk '{print $2}')
  printf 'fuzz_%-8s %6ss  execs=%-10s cov=%-6s findings=%s\n' "$t" "$secs" \
    "${execs:-?}" "${cov:-?}" "$(ls "$findings" | wc -l)"
  if [ $rc -ne 0 ]; then
    fail=1
    tail -n 30 "$log" >&2
  fi
done
exit $fail
