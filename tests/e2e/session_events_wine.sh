#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Session-change subscription under Wine, against the real service:
# `sbctl events` subscribes, the agent is killed, and the subscriber must
# hear agent-down for the old agent and then agent-up for its relaunch
# (Wine sends no logon/lock notifications; those are tested natively
# through the platform seam, session_events_in_order).
source "$(dirname "$0")/lib.sh"
need
cleanup_service
W "$BIN/sbservice.exe" install >/dev/null || fail install
W "$BIN/sbservice.exe" start | grep -q RUNNING || fail start
wait_connected 100 >/dev/null || fail "agent not connected"
TMP=$(mktemp -d)
old=$(agent_pid)
[ -n "$old" ] || fail "no agent pid"
wine "$BIN/sbctl.exe" events --count 2 --for-ms 60000 > "$TMP/ev.out" 2>/dev/null </dev/null &
sub=$!
for _ in $(seq 1 100); do grep -q subscribed "$TMP/ev.out" && break; sleep 0.1; done
grep -q subscribed "$TMP/ev.out" || fail "sbctl events did not subscribe"
t0=$(date +%s%N)
kill_agents || fail "no agent process to kill"
wait $sub; rc=$?
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
tr -d '\r' < "$TMP/ev.out" | tee "$TMP/ev.txt"
[ $rc -eq 0 ] || fail "sbctl events: exit $rc"
sed -n 2p "$TMP/ev.txt" | grep -qx "session 1 agent-down pid $old" || fail "first event is not agent-down of pid $old"
new=$(sed -n 3p "$TMP/ev.txt" | sed -n 's/^session 1 agent-up pid \([0-9]*\)$/\1/p')
[ -n "$new" ] && [ "$new" != "$old" ] || fail "second event is not agent-up of a new agent"
[ "$(agent_pid)" = "$new" ] || fail "sessions shows agent $(agent_pid), the event said $new"
pass "agent $old killed: agent-down, then agent-up of $new, $ms ms after the kill"
W "$BIN/sbservice.exe" uninstall >/dev/null
rm -rf "$TMP"
echo PASS
