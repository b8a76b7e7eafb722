# SPDX-License-Identifier: MIT
# Helpers for the end-to-end scripts (sourced). They run under the Wine
# prefix, display and wineserver that scripts/test.sh started.
set -u
BIN=${1:?usage: script BIN_DIR}
W() { wine "$@" </dev/null 2>/dev/null | tr -d '\r'; }
# Run a wine program and return its exit code (stdout kept).
WR() { wine "$@" 2>/dev/null | tr -d '\r'; return "${PIPESTATUS[0]}"; }
fail() { echo "FAIL: $*"; cleanup_service; exit 1; }
pass() { echo "ok: $*"; }
DATA="$WINEPREFIX/drive_c/ProgramData/sessionbridge"
LOG="$DATA/sessionbridge.log"
cleanup_service() {
  W "$BIN/sbservice.exe" uninstall >/dev/null 2>&1 || true
}
# need [TOOL...]: skip (77) without Wine's prefix and display, or
# without one of the tools.
need() {
  local tool
  if [ -z "${WINEPREFIX:-}" ] || [ -z "${DISPLAY:-}" ]; then
    echo "SKIP: needs WINEPREFIX and DISPLAY (run through scripts/test.sh)"
    exit 77
  fi
  for tool in "$@"; do
    command -v "$tool" >/dev/null || { echo "SKIP: $tool missing"; exit 77; }
  done
}
# The agent pid of session 1 as the service reports it.
agent_pid() { W "$BIN/sbctl.exe" sessions | awk '$1 == 1 { print $5 }'; }
# Wait until sbctl sessions shows session 1 connected (with an agent pid
# other than $2, if given); prints ms waited.
wait_connected() {
  local t0 t1 not=${2:-}
  t0=$(date +%s%N)
  for _ in $(seq 1 ${1:-100}); do
    if W "$BIN/sbctl.exe" sessions |
      awk -v not="$not" '$1 == 1 && $2 == "connected" && $5 != not { f = 1 } END { exit !f }'; then
      t1=$(date +%s%N)
      echo $(( (t1 - t0) / 1000000 ))
      return 0
    fi
    sleep 0.1
  done
  return 1
}
# The monitors xrandr --setmonitor made count for Wine only through its
# Xinerama handler (UseXRandR = N), which it reads when a process starts:
# set it, restart the wineserver, install and start the service, and
# wait up to $1 tenths of a second for its agent in session 1.
start_on_monitors() {
  wine reg add 'HKCU\Software\Wine\X11 Driver' /v UseXRandR /t REG_SZ /d N /f \
    >/dev/null 2>&1 || fail "reg add UseXRandR"
  wineserver -k >/dev/null 2>&1 || true
  wineserver -w >/dev/null 2>&1 || true
  wineserver -p >/dev/null 2>&1 &
  SB_WINESERVER_PID=$!
  sleep 0.5
  W "$BIN/sbservice.exe" install >/dev/null || fail install
  W "$BIN/sbservice.exe" start | grep -q RUNNING || fail start
  wait_connected "$1" >/dev/null || fail "agent not connected"
}
# Pids of live (not zombie) processes of OUR Wine prefix whose command
# line matches: other prefixes on the machine (another test run) are not
# ours to see or kill.
our_pids() {
  local pid
  for pid in $(pgrep -f -- "$1"); do
    [ "$(ps -o stat= -p "$pid" 2>/dev/null | cut -c1)" = Z ] && continue
    tr '\0' '\n' < "/proc/$pid/environ" 2>/dev/null |
      grep -qx "WINEPREFIX=$WINEPREFIX" && echo "$pid"
  done
}
alive() { [ -n "$(our_pids "$1")" ]; }
kill_agents() {
  local p
  p=$(our_pids 'sbagent.exe')
  [ -n "$p" ] || return 1
  kill -9 $p 2>/dev/null
}
# Pixels that differ between two pictures, as a whole number: ImageMagick
# prints large counts as 1.30515e+06, whose part before the dot is 1.
# "error" when compare printed no count (a size mismatch, a bad file).
ae_px() {
  compare -metric AE "$1" "$2" null: 2>&1 |
    awk '$1 ~ /^[0-9][0-9.]*(e[+][0-9]+)?$/ { printf "%.0f\n", $1; ok = 1; exit }
         END { if (!ok) print "error" }'
}
