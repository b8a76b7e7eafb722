# SPDX-License-Identifier: MIT
# Shared helpers for scripts/*.sh: build directories, Wine and Xvfb.
# Sourced, not run.

SB_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SB_BUILD=${SB_BUILD:-$SB_ROOT/build}
JOBS=${JOBS:-$(nproc)}

sb_log() { printf '== %s\n' "$*" >&2; }

sb_configure_native() { # dir [extra cmake args]
  local dir=$1; shift
  cmake -S "$SB_ROOT" -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null
  cmake --build "$dir" -j"$JOBS" >&2
}

sb_configure_win() { # dir
  local dir=$1 deps
  deps=$("$SB_ROOT/scripts/build-win-deps.sh")
  cmake -S "$SB_ROOT" -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_TOOLCHAIN_FILE="$SB_ROOT/cmake/toolchain-mingw-w64.cmake" \
    -DSB_WIN_DEPS="$deps" -DSB_TEST_HOOKS=ON >/dev/null
  cmake --build "$dir" -j"$JOBS" >&2
}

# Start a private Xvfb and a persistent wineserver with our own prefix.
# Sets DISPLAY, WINEPREFIX, WINEDEBUG; sb_wine_stop undoes it.
#   sb_wine_start [WxHxDEPTH [XVFB_ARG...]]
#       the screen, 1280x800x24 unless given (scripts/bench.sh takes
#       3840x2160x24), and more Xvfb arguments (tests/e2e/monitors_wine.sh
#       gives -noreset, so RandR monitors outlive the client that set them)
sb_wine_start() {
  local size=${1:-1280x800x24}
  shift || true
  export WINEPREFIX=${WINEPREFIX_SB:-$SB_BUILD/wineprefix}
  export WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml="
  local n
  for n in $(seq 90 140); do
    if [ ! -e "/tmp/.X$n-lock" ] && [ ! -e "/tmp/.X11-unix/X$n" ]; then
      break
    fi
  done
  Xvfb ":$n" -screen 0 "$size" "$@" -nolisten tcp >/dev/null 2>&1 &
  SB_XVFB_PID=$!
  export DISPLAY=":$n"
  for _ in $(seq 1 50); do
    [ -e "/tmp/.X11-unix/X$n" ] && break
    sleep 0.1
  done
  # Wine raises its processes' descriptor limit to the hard limit, but
  # wineserver keeps the soft one it starts with (often 1024) and holds a
  # few descriptors for every thread of every Wine process: the 512
  # threads of channel_pipe_256_clients ran it out (thread creation failed
  # with EAGAIN, and tests running beside it timed out).
  ulimit -Sn "$(ulimit -Hn)" 2>/dev/null || true
  # A persistent server left by an earlier, interrupted run of ours would
  # make the wait below hang: end it (this prefix is ours alone).
  wineserver -k >/dev/null 2>&1 || true
  if [ ! -f "$WINEPREFIX/system.reg" ]; then
    sb_log "creating Wine prefix $WINEPREFIX (first time only)"
    wineboot -i >/dev/null 2>&1 || true
  fi
  wineserver -w
  wineserver -p >/dev/null 2>&1 &
  SB_WINESERVER_PID=$!
  sleep 0.5
  # A crashing program must fail at once with its backtrace on stderr:
  # by default winedbg opens a crash dialog on the Xvfb display that
  # nobody closes, so a test that crashed hung until its timeout and
  # printed nothing. This is also the first program in the prefix, which
  # starts Wine's own services, so the first test does not pay for that.
  wine reg add 'HKCU\Software\Wine\WineDbg' /v ShowCrashDialog \
    /t REG_DWORD /d 0 /f >/dev/null 2>&1 || true
}

# The X window id of a window with this title on $DISPLAY (a message box),
# waited for up to 10 s; fails if none appeared.
sb_find_window() {
  local w
  for _ in $(seq 1 100); do
    w=$(xdotool search --name "$1" 2>/dev/null | head -n1 || true)
    [ -n "$w" ] && { echo "$w"; return 0; }
    sleep 0.1
  done
  return 1
}

sb_wine_stop() {
  if [ -n "${WINEPREFIX:-}" ]; then
    wineserver -k >/dev/null 2>&1 || true
  fi
  [ -n "${SB_WINESERVER_PID:-}" ] && kill "$SB_WINESERVER_PID" 2>/dev/null || true
  [ -n "${SB_XVFB_PID:-}" ] && kill "$SB_XVFB_PID" 2>/dev/null || true
  SB_XVFB_PID= SB_WINESERVER_PID=
}
