# Shared by the oracle scripts: each runs sbtasks.exe (one agent task, no
# service) under Wine on an X display and checks the result with a tool
# nobody here wrote (xclip, xdotool, ImageMagick).
# Exit codes: 0 pass, 1 fail, 77 skip (with the reason on stdout).
# Uses the caller's WINEPREFIX and DISPLAY (Xvfb); starts no X server and no
# wineserver, and ends only the processes it started, by PID.
set -u
SBTASKS=${1:?usage: $0 path/to/sbtasks.exe}
export WINEDEBUG=${WINEDEBUG:--all} WINEDLLOVERRIDES=${WINEDLLOVERRIDES:-mscoree,mshtml=}
TMP=$(mktemp -d)
KEEPER=
PIDS=()

skip() { echo "SKIP: $*"; exit 77; }
fail() { echo "FAIL: $*"; exit 1; }
pass() { echo "ok: $*"; }

cleanup() {
  for p in "${PIDS[@]}" $KEEPER; do
    kill "$p" 2>/dev/null
  done
  wait 2>/dev/null
  rm -rf "$TMP"
}
trap cleanup EXIT

need() {
  [ -n "${DISPLAY:-}" ] || skip "no DISPLAY (the oracles need Xvfb)"
  command -v wine >/dev/null || skip "wine missing"
  [ -f "$SBTASKS" ] || skip "$SBTASKS not built"
  xdpyinfo >/dev/null 2>&1 || skip "cannot reach the X display $DISPLAY"
  for tool in "$@"; do
    command -v "$tool" >/dev/null || skip "$tool missing"
  done
}

# sbtasks under Wine: stdout only (every wine call prints a "wine32 is
# missing" line on stderr), CR LF from the console turned into LF.
T() { wine "$SBTASKS" "$@" 2>"$TMP/stderr"; }
terr() { tr -d '\r' < "$TMP/stderr" | grep -v -e wine32 -e multiarch -e add-architecture; }

# Keep a Wine program on the desktop for the whole script: Wine's desktop
# process, which owns the X11 side of the clipboard, ends with the last
# Windows program and takes the text with it (the way an X11 selection
# goes with its owner; xclip stays in the background for the same reason).
keep_desktop() {
  wine "$SBTASKS" keep-desktop 120000 >/dev/null 2>&1 &
  KEEPER=$!
  sleep "${1:-1}"
}

ms_since() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }
