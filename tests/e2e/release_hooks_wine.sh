#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# SB_DATA_DIR is a test hook (CMake SB_TEST_HOOKS): the test build's
# programs take their data folder from it, the release build's (the
# MSI's, built without the hooks in <build>/release) ignore it, so an
# elevated install, uninstall or service cannot be pointed at a folder
# chosen by whoever set the environment.
source "$(dirname "$0")/lib.sh"
REL=${2:?release bin dir}
need

# The release programs do not hold the variable's name at all; the test
# build's do (so this check can see it when it is there).
for exe in sbservice sbagent sbctl; do
  [ -f "$REL/$exe.exe" ] || fail "no release $exe.exe in $REL"
  if grep -qa SB_DATA_DIR "$REL/$exe.exe"; then
    fail "release $exe.exe holds SB_DATA_DIR"
  fi
done
grep -qa SB_DATA_DIR "$BIN/sbctl.exe" ||
  fail "the test build's sbctl.exe holds no SB_DATA_DIR: this check could not see it"
pass "SB_DATA_DIR in the test build's sbctl.exe, in none of the release exes"

# Live: with SB_DATA_DIR set, the test build's sbctl looks for its key
# there, the release one in %ProgramData%\sessionbridge.
where='Z:\nowhere-sb-release-check'
t=$(SB_DATA_DIR="$where" wine "$BIN/sbctl.exe" ping --session 1 2>&1 </dev/null | tr -d '\r')
r=$(SB_DATA_DIR="$where" wine "$REL/sbctl.exe" ping --session 1 2>&1 </dev/null | tr -d '\r')
echo "$t" | grep -qF "$where" || fail "the test build did not use SB_DATA_DIR: $t"
echo "$r" | grep -qF "$where" && fail "the release build used SB_DATA_DIR: $r"
pass "release sbctl ignores SB_DATA_DIR ($(echo "$r" | head -n1 | cut -c1-120))"
echo "PASS"
