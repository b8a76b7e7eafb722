#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Fault injection on the native console service (threats.md §3.38-39):
# the agent killed 100 times during a stream of requests (every request is
# answered or fails with a clear error, none hangs, the service never
# dies), then the service stopped and restarted (the old agent ends, a new
# one with a new key and a new pipe connects, the old pipe is gone).
set -u
BIN=${1:?usage: faults_native.sh BIN_DIR}
KILLS=${SB_FAULT_KILLS:-100}
RT=$(mktemp -d)
chmod 700 "$RT"
export SB_DATA_DIR="$RT/rt"
fail() { echo "FAIL: $*"; tail -n 20 "$SB_DATA_DIR/sessionbridge.log"; kill "$SVC" 2>/dev/null; exit 1; }
agent_pid() { "$BIN/sbctl" --timeout 3000 sessions 2>/dev/null | awk '$1 == 1 && $2 == "connected" { print $5 }'; }
wait_agent() { # wait for a connected agent other than $1
  for _ in $(seq 1 300); do
    p=$(agent_pid)
    [ -n "$p" ] && [ "$p" != "${1:-}" ] && { echo "$p"; return 0; }
    sleep 0.02
  done
  return 1
}
start_service() {
  "$BIN/sbservice" run --console --runtime-dir "$SB_DATA_DIR" --backoff-ms 20,200 \
    2>>"$RT/service.err" &
  SVC=$!
}

start_service
pid=$(wait_agent) || fail "no agent"

# A stream of pings while the agent is killed over and over.
(
  ok=0 err=0 hung=0
  while [ ! -e "$RT/stop" ]; do
    timeout 10 "$BIN/sbctl" --timeout 3000 ping --session 1 >/dev/null 2>"$RT/last.err"
    case $? in
      0) ok=$((ok + 1)) ;;
      3) err=$((err + 1)) ;; # NO_AGENT / AGENT_LOST / TIMEOUT: a clear error
      124) hung=$((hung + 1)) ;;
      *) err=$((err + 1)) ;;
    esac
    sleep 0.01
  done
  echo "$ok $err $hung" > "$RT/pings"
) &
PINGER=$!

kills=0
for i in $(seq 1 "$KILLS"); do
  kill -9 "$pid" 2>/dev/null && kills=$((kills + 1))
  kill -0 "$SVC" 2>/dev/null || fail "service died after $kills kills"
  pid=$(wait_agent "$pid") || fail "agent not back after kill $i"
done
touch "$RT/stop"
wait "$PINGER"
read -r ok err hung < "$RT/pings"
echo "kills survived: $kills; pings answered: $ok, failed cleanly: $err, hung: $hung"
[ "$hung" -eq 0 ] || fail "$hung requests hung"
[ "$ok" -gt 0 ] || fail "no ping answered"
"$BIN/sbctl" ping --session 1 | grep -q pong || fail "ping after the kills"
echo "ok: service survived $kills agent kills"

# Restart: the old agent ends with the service; the new one gets a new
# pipe and key; the old pipe no longer exists.
old_pipe=$(grep -o "(pipe [^)]*)" "$SB_DATA_DIR/sessionbridge.log" | tail -n1 | sed 's/(pipe \(.*\))/\1/')
kill -TERM "$SVC"; wait "$SVC" || fail "service exit code $?"
kill -0 "$pid" 2>/dev/null && fail "old agent survived the stop"
[ -e "$old_pipe" ] && fail "old agent pipe still exists"
start_service
new=$(wait_agent "$pid") || fail "no agent after restart"
new_pipe=$(grep -o "(pipe [^)]*)" "$SB_DATA_DIR/sessionbridge.log" | tail -n1 | sed 's/(pipe \(.*\))/\1/')
[ "$new_pipe" != "$old_pipe" ] || fail "pipe name reused"
"$BIN/sbctl" ping --session 1 | grep -q pong || fail "ping after restart"
echo "ok: restart ended the old agent (pid $pid), new agent $new on a new pipe"
kill -TERM "$SVC"; wait "$SVC"
rm -rf "$RT"
echo PASS
