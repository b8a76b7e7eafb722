#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# sessionbridge from source inside another CMake project, once with
# add_subdirectory() and once with FetchContent: the library and
# sessionbridge::sessionbridge are there, the example links and runs, and
# nothing of ours leaks into the parent (no -Werror on its code, none of
# our tests in its ctest, none of our programs built).
set -u
SRC=${1:?usage: embed_native.sh SOURCE_DIR MODE}
MODE=${2:?usage: embed_native.sh SOURCE_DIR add_subdirectory|fetchcontent}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
cmake -S "$SRC/tests/package/consumer" -B "$T/b" -DSB_SOURCE="$SRC" \
  -DSB_EMBED_WITH="$MODE" -DCMAKE_C_FLAGS="-Wall -Wextra" >"$T/cfg.log" 2>&1 ||
  { cat "$T/cfg.log"; fail "configure"; }
cmake --build "$T/b" -j"${JOBS:-2}" >"$T/build.log" 2>&1 || { tail -n 30 "$T/build.log"; fail "build"; }
grep -q "unused parameter" "$T/build.log" || fail "the parent's warning was not even shown"
echo "ok: the parent's file built with its warning (our -Werror stayed ours)"
"$T/b/ask_screenshot" >/dev/null 2>&1; rc=$?
[ $rc -eq 1 ] || fail "ask_screenshot without arguments: exit $rc, want 1 (usage)"
ldd "$T/b/ask_screenshot" | grep -q libsessionbridge.so.0 || fail "not linked to libsessionbridge.so.0"
echo "ok: the example links sessionbridge::sessionbridge (libsessionbridge.so.0) and runs"
n=$(cd "$T/b" && ctest -N | sed -n 's/^Total Tests: //p')
[ "$n" = 1 ] || fail "the parent's ctest lists $n tests, want only its own 1"
for p in sbservice sbagent sbctl sbtest; do
  find "$T/b" -name "$p" -type f | grep -q . && fail "$p was built"
done
echo "ok: our tests and programs stayed out ($MODE)"
echo PASS
