#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Issue 3 under Wine: the real service installed with the SCM, its agent
# launched into session 1, requests routed, relaunch after kills, stop and
# uninstall leaving nothing; plus read-backs of what Wine does not enforce.
source "$(dirname "$0")/lib.sh"
need
cleanup_service

out=$(W "$BIN/sbservice.exe" install) || fail "install: $out"
echo "$out"
echo "$out" | grep -q "installed service sessionbridge" || fail "install message"

# Read back the configuration: quoted image path, LocalSystem, auto start.
cfg=$(W "$BIN/sbtest.exe" --helper svc_image_path)
echo "$cfg"
echo "$cfg" | head -n1 | grep -qE '^".*sbservice\.exe"$' || fail "image path not quoted: $cfg"
echo "$cfg" | grep -q "start=2 account=LocalSystem" || fail "not auto start as LocalSystem: $cfg"
pass "image path quoted, LocalSystem, auto start"

# The data directory and key: SYSTEM and Administrators only. Wine does
# not store file DACLs (it derives them from Unix permission bits), so the
# exact ACL is asserted on the descriptor install builds
# (sddl_data_dir_and_key_built); here we read back what Wine reports and
# require at least that nobody else can write.
# True if an allow ACE for Everyone/Users/Authenticated/Interactive grants
# any write, delete or ACL-change right.
others_can_write() {
  local ace rights
  for ace in $(echo "$1" | grep -oE '\(A;[^;]*;[^;]*;;;(WD|BU|AU|IU)\)'); do
    rights=$(echo "$ace" | cut -d';' -f3)
    case "$rights" in
      FA|GA|GW|*FW*|*WD*|*WO*|*SD*) return 0 ;;
      0x*) [ $(( rights & 0x400D0116 )) -ne 0 ] && return 0 ;;
    esac
  done
  return 1
}
for f in 'C:\ProgramData\sessionbridge' 'C:\ProgramData\sessionbridge\control.key'; do
  dacl=$(W "$BIN/sbtest.exe" --helper file_dacl "$f")
  echo "DACL of $f: $dacl"
  if [ "${dacl#D:P}" != "$dacl" ]; then
    echo "$dacl" | grep -qE ';;;(WD|BU|AU|IU|S-1-5-21-[0-9-]+)\)' && fail "ACL of $f"
  else
    echo "note: Wine reports a DACL derived from Unix mode bits (not stored)"
    others_can_write "$dacl" && fail "others may write $f"
  fi
done
pass "data dir and key: no write access for anyone but SY/BA (as Wine can show)"

W "$BIN/sbservice.exe" start | grep -q RUNNING || fail "start"
# A hang guard, not a speed claim: the figure is printed (2.0 to 3.7 s
# measured on a loaded host, well under 1 s idle).
ms=$(wait_connected 150) || fail "agent not connected within 15 s"
echo "agent connected ${ms} ms after start returned"
pass "service RUNNING, agent in session 1 connected in ${ms} ms"

W "$BIN/sbservice.exe" status | grep -q "RUNNING (pid" || fail "status"
W "$BIN/sbctl.exe" sessions
W "$BIN/sbctl.exe" ping --session 1 | grep -q "pong from session 1" || fail "ping"
info=$(W "$BIN/sbctl.exe" --json info --session 1)
echo "$info"
echo "$info" | grep -q '"session":1,' || fail "info"
pass "sessions, ping, info answer"
WR "$BIN/sbctl.exe" ping --session 9 >/dev/null; rc=$?
[ $rc -eq 3 ] || fail "ping to a missing session: rc $rc"
pass "missing session: clear error, exit 3"

# Both pipes' DACLs read back from the running service.
cdacl=$(W "$BIN/sbtest.exe" --helper pipe_dacl '\\.\pipe\ProtectedPrefix\Administrators\sessionbridge\control')
echo "control pipe DACL: $cdacl"
[ "$cdacl" = "D:P(D;;GA;;;NU)(A;;GA;;;SY)(A;;GA;;;BA)" ] || fail "control DACL"
apipe=$(grep -o 'pipe \\\\\.\\pipe\\sessionbridge-agent-[^)]*' "$LOG" | tail -n1 | cut -c6-)
adacl=$(W "$BIN/sbtest.exe" --helper pipe_dacl "$apipe")
echo "agent pipe $apipe DACL: $adacl"
echo "$adacl" | grep -qE '^D:P\(D;;GA;;;NU\)\(A;;GA;;;SY\)\(A;;0x12019b;;;S-1-5-[0-9-]+\)$' ||
  fail "agent DACL"
pass "pipe DACLs as built"

# A client with the wrong control key is refused and logged; the rest
# keeps working.
head -c 32 /dev/urandom > "$WINEPREFIX/drive_c/wrong.key"
WR "$BIN/sbctl.exe" --key 'C:\wrong.key' ping --session 1 >/dev/null; rc=$?
[ $rc -eq 2 ] || fail "wrong key: rc $rc"
# A process the service did not launch, on the agent pipe.
W "$BIN/sbtest.exe" --helper rogue_agent "$apipe" || fail "rogue agent got in"
sleep 0.3
grep -q "control client: handshake failed" "$LOG" || fail "wrong key not logged"
grep -q "rejected agent pipe client (not the agent we launched)" "$LOG" || fail "rogue agent not logged"
W "$BIN/sbctl.exe" ping --session 1 | grep -q pong || fail "ping after refusals"
pass "wrong key and rogue agent refused and logged; service still answers"

# threats.md 3.34: 500 connections to the live agent pipe from a process
# the service did not launch: each dropped at accept, before the service
# sends a byte; the agent keeps serving meanwhile.
# Straight to a file, not through tr: $! of a pipeline is its last
# command, so wait would see tr's status and never the helper's.
wine "$BIN/sbtest.exe" --helper flood "$apipe" 500 2>/dev/null > "$WINEPREFIX/flood.out" &
fl=$!
for i in 1 2 3; do
  W "$BIN/sbctl.exe" ping --session 1 | grep -q pong || fail "ping $i during the flood"
done
wait $fl || fail "flood: $(tr -d '\r' < "$WINEPREFIX/flood.out")"
tr -d '\r' < "$WINEPREFIX/flood.out"
W "$BIN/sbctl.exe" ping --session 1 | grep -q pong || fail "ping after the flood"
grep -o "rejected agent pipe client (not the agent we launched).*" "$LOG" | tail -n 2
pass "500 connections from a stranger dropped unanswered; pings answered during and after"

# Kill the agent: relaunched, backoff visible in the log.
old=$(agent_pid)
kill_agents || fail "no agent process to kill"
ms=$(wait_connected 100 "$old") || fail "agent not relaunched"
grep -q "relaunch in 500 ms" "$LOG" || fail "no backoff line"
pass "agent relaunched ${ms} ms after kill"
# Kill it repeatedly: the service neither spins nor dies.
old=$(agent_pid)
for i in $(seq 1 10); do kill_agents; sleep 0.2; done
grep -o "relaunch in [0-9]* ms" "$LOG" | tail -n 3
W "$BIN/sbservice.exe" status | grep -q RUNNING || fail "service died"
ms=$(wait_connected 200 "$old") || fail "agent not back after the kill loop"
W "$BIN/sbctl.exe" ping --session 1 | grep -q pong || fail "ping after kill loop"
launches=$(W "$BIN/sbctl.exe" --json sessions | grep -o '"launches":[0-9]*' | cut -d: -f2)
echo "launches so far: $launches"
pass "10 kills survived, agent back in ${ms} ms"

W "$BIN/sbservice.exe" stop | grep -q STOPPED || fail "stop"
sleep 0.5
alive 'sbagent.exe' && fail "agent still running after stop"
pass "stop ended the agent"

out=$(W "$BIN/sbservice.exe" uninstall)
echo "$out"
WR "$BIN/sbservice.exe" status >/dev/null; rc=$?
[ $rc -eq 4 ] || fail "service still installed (status rc $rc)"
wine reg query 'HKLM\SYSTEM\CurrentControlSet\Services\EventLog\Application\sessionbridge' >/dev/null 2>&1 &&
  fail "Event Log source left behind"
[ -e "$DATA" ] && fail "data directory left behind"
pass "uninstall left no service, no Event Log source, no data directory"
echo "PASS"
