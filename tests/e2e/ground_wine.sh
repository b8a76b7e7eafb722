#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The service proves its own ground (issue 12), live under Wine. Wine keeps
# no file security descriptors: it reports one made from the Unix mode,
# with the "other" bits as an Everyone ACE (0755 -> 0x1200a9, 0777 ->
# 0x1301ff). So a folder chmod 0777 here is, as far as the service can
# see, a folder Everyone may write: the service must refuse to start from
# it and say which path and which ACE; from 0755 it starts. The same for
# the agent exe, the data folder, and an agent exe that becomes writable
# after start (checked before each launch). The judge's other cases
# (owners, Users / Authenticated Users, WRITE_DAC...) are acl_judge_table.
source "$(dirname "$0")/lib.sh"
need
cleanup_service

if [ "${SB_TEST_HOOKS:-OFF}" != ON ]; then
  echo "SKIP: this build ignores SB_DATA_DIR (configure with -DSB_TEST_HOOKS=ON, as scripts/test.sh does)"
  exit 77
fi
G=$(mktemp -d "$BIN/../ground.XXXXXX")
trap 'chmod -R u+w "$G"; rm -rf "$G"' EXIT
mkdir "$G/app" "$G/data"
cp "$BIN/sbservice.exe" "$BIN/sbagent.exe" "$BIN/sbctl.exe" "$G/app/"
chmod 0755 "$G" "$G/app" "$G/data" "$G/app/"*.exe
winpath() { echo "Z:${1//\//\\}"; }
export SB_DATA_DIR
SB_DATA_DIR=$(winpath "$G/data")

# Runs the console service for at most $1 s; prints what it said.
run() {
  timeout "$1" wine "$G/app/sbservice.exe" run --console </dev/null 2>&1 |
    tr -d '\r'
  return "${PIPESTATUS[0]}"
}

refused() { # what, path part, run output, rc
  echo "$3" | grep -q "refuses to run" || fail "$1: no refusal: $3"
  echo "$3" | grep -qF "$2" || fail "$1: the refusal does not name $2: $3"
  echo "$3" | grep -q "S-1-1-0" || fail "$1: the refusal does not name the ACE: $3"
  [ "$4" -ne 0 ] && [ "$4" -ne 124 ] || fail "$1: exit $4 (ran on)"
  pass "$1: refused ($(echo "$3" | grep -m1 -o 'refuses to run.*' | cut -c1-160))"
}

# A data folder that is a symbolic link (to a folder we would otherwise
# accept): refused before anything is written through it. Wine shows a
# Unix symlink to a folder as FILE_ATTRIBUTE_REPARSE_POINT through
# GetFileAttributesW (a handle opened with FILE_FLAG_OPEN_REPARSE_POINT
# still follows it there).
ln -s data "$G/datalink"
out=$(SB_DATA_DIR=$(winpath "$G/datalink") run 20) && rc=0 || rc=$?
echo "$out" | grep -q "junction or symbolic link" || fail "symlinked data folder: no refusal: $out"
[ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] || fail "symlinked data folder: exit $rc (ran on)"
[ ! -e "$G/data/control.key" ] || fail "symlinked data folder: a key was written through the link"
pass "data folder a symlink: refused ($(echo "$out" | grep -m1 -o 'the data folder.*' | cut -c1-120))"
rm "$G/datalink"

chmod 0777 "$G/app"
out=$(run 20) && rc=0 || rc=$?
refused "program folder 0777" 'app:' "$out" $rc
chmod 0755 "$G/app"

chmod 0777 "$G/app/sbagent.exe"
out=$(run 20) && rc=0 || rc=$?
refused "agent exe 0777" 'sbagent.exe:' "$out" $rc
chmod 0755 "$G/app/sbagent.exe"

# A data folder someone else made writable is not refused but repaired:
# the service sets its protected DACL (Wine turns a DACL it is given into
# the Unix mode, dropping the "other" bits), then checks it and starts.
chmod 0777 "$G/data"
out=$(run 8) && rc=0 || rc=$?
echo "$out" | grep -q "running in the console" || fail "data folder 0777: did not start after repair: $out"
mode=$(stat -c %a "$G/data")
[ $(( 0$mode & 02 )) -eq 0 ] || fail "data folder still $mode after start"
[ $(( 0$(stat -c %a "$G/data/control.key") & 02 )) -eq 0 ] || fail "key open to others"
pass "data folder 0777: repaired to $mode, key $(stat -c %a "$G/data/control.key"), then started"
chmod 0755 "$G/data"

# All 0755: it starts and launches the agent. Then the agent exe becomes
# writable and the agent is killed: the relaunch is refused.
log="$G/console.log"
timeout 40 wine "$G/app/sbservice.exe" run --console </dev/null >"$log" 2>&1 &
svc=$!
pid=
for _ in $(seq 1 150); do
  pid=$(tr -d '\r' <"$log" | sed -n 's/.*launched agent pid \([0-9]*\).*/\1/p' | head -n1)
  [ -n "$pid" ] && break
  sleep 0.1
done
grep -q "running in the console" "$log" || { cat "$log"; fail "0755: did not start"; }
[ -n "$pid" ] || { cat "$log"; fail "0755: no agent launched"; }
pass "all 0755: started, agent pid $pid launched"
chmod 0777 "$G/app/sbagent.exe"
wine taskkill /F /PID "$pid" >/dev/null 2>&1 || true
for _ in $(seq 1 100); do
  grep -q "refusing to launch the agent" "$log" && break
  sleep 0.1
done
grep -q "refusing to launch the agent" "$log" || { tr -d '\r' <"$log"; fail "swapped agent exe launched"; }
tr -d '\r' <"$log" | grep -m1 "refusing to launch" | grep -q "S-1-1-0" || fail "launch refusal does not name the ACE"
pass "agent exe made writable after start: relaunch refused ($(tr -d '\r' <"$log" | grep -m1 -o 'refusing to launch.*' | cut -c1-140))"
kill "$svc" 2>/dev/null || true
wait "$svc" 2>/dev/null || true
chmod 0755 "$G/app/sbagent.exe"
echo "PASS"
