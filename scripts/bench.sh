#!/usr/bin/env bash
# Builds natively and runs the benchmark (bench/bench.c): figures and
# ratios measured in one run, no pass/fail. --quick: a reduced run (a few
# seconds); --json: end with one JSON object.
# Not yet: the D-Bus comparison and the Wine group of issue 6
# (rtt_ratio_dbus_64B is null).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
"$SB_ROOT/scripts/install-deps.sh"
sb_configure_native "$SB_BUILD/native" -DSB_BENCH=ON
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), kernel $(uname -r)"
exec "$SB_BUILD/native/bin/sbbench" "$@"
