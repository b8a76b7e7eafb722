#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The whole story under Wine: install and start the sessionbridge service,
# see its agent come up in session 1, and have it do real work there.
# Sets up the machine and builds first (idempotent).
set -euo pipefail
source "$(dirname "$0")/lib.sh"

"$SB_ROOT/scripts/install-deps.sh"
sb_log "building win64 (mingw-w64)"
sb_configure_win "$SB_BUILD/win64"
BIN="$SB_BUILD/win64/bin"

export WINEPREFIX_SB="$SB_BUILD/wineprefix-demo"
sb_wine_start
cleanup() {
  wine "$BIN/sbservice.exe" uninstall >/dev/null 2>&1 || true
  sb_wine_stop
}
trap cleanup EXIT

# Run a Windows program; keep its errors but drop Wine's note that the
# 32-bit half is not installed (we build 64-bit only).
W() {
  wine "$@" </dev/null 2> >(grep -v -e wine32 -e multiarch -e 'add-architecture' >&2) |
    tr -d '\r'
}
STEP=setup
step() { STEP=$*; printf '\n\033[1m$ %s\033[0m\n' "$*"; }
failed() { echo "demo FAILED at: $STEP${1:+ ($1)}" >&2; exit 1; }
# Any failing command ends the demo and says where (set -e does the rest).
trap 'failed' ERR

step "sbservice install"
W "$BIN/sbservice.exe" install
step "sbservice start"
W "$BIN/sbservice.exe" start

# Wait for the agent of session 1 to connect.
t0=$(date +%s%N)
for _ in $(seq 1 100); do
  if W "$BIN/sbctl.exe" sessions 2>/dev/null | grep -qE '^1 .*connected'; then
    break
  fi
  sleep 0.1
done
t1=$(date +%s%N)
W "$BIN/sbctl.exe" sessions | grep -qE '^1 .*connected' ||
  failed "the agent of session 1 did not connect within 10 s"
echo "(agent connected $(( (t1 - t0) / 1000000 )) ms after start returned)"

step "sbctl sessions"
W "$BIN/sbctl.exe" sessions
step "sbctl ping --session 1"
W "$BIN/sbctl.exe" ping --session 1
step "sbctl info --session 1"
W "$BIN/sbctl.exe" info --session 1

SHOT="$SB_BUILD/demo-screenshot.png"
rm -f "$SHOT"
xsetroot -solid '#3366cc' 2>/dev/null || true
step "sbctl message --session 1 --title 'sessionbridge demo' --text 'Press OK' --buttons okcancel   (xdotool presses Return)"
# sbctl waits for the answer in the background while xdotool, playing the
# user, finds the box by its title; a screenshot taken meanwhile shows the
# box on the user's screen, then xdotool presses Return.
W "$BIN/sbctl.exe" message --session 1 --title 'sessionbridge demo' \
  --text 'Press OK' --buttons okcancel --timeout-ms 20000 > "$SB_BUILD/demo-answer.txt" &
answer=$!
wid=$(sb_find_window 'sessionbridge demo') ||
  failed "the message box never appeared on the display"
sleep 0.5 # let Wine draw the box before the capture
step "sbctl screenshot --session 1 -o $SHOT   (while the box is open)"
W "$BIN/sbctl.exe" screenshot --session 1 -o "$(winepath -w "$SHOT" 2>/dev/null)"
echo "screenshot written to $SHOT: $(identify -format '%m %wx%h' "$SHOT")"
xdotool key --window "$wid" Return
wait "$answer"
echo "answer: $(cat "$SB_BUILD/demo-answer.txt")"

step "sbctl clipboard set --session 1 'Grüße aus Session 0 ✓'; xclip -o -selection clipboard"
W "$BIN/sbctl.exe" clipboard set --session 1 'Grüße aus Session 0 ✓'
timeout 5 xclip -o -selection clipboard
echo
step "echo 'set by X11' | xclip -i -selection clipboard; sbctl clipboard get --session 1"
echo -n 'set by X11' | xclip -i -selection clipboard 2>/dev/null
sleep 0.3
W "$BIN/sbctl.exe" clipboard get --session 1
echo
CLIP="$SB_BUILD/demo-clipboard.png"
step "convert logo: BMP3:- | xclip -t image/bmp -i -selection clipboard; sbctl clipboard get --session 1 --image -o $CLIP"
convert logo: -resize 320x240 -depth 8 -type TrueColor BMP3:- |
  xclip -t image/bmp -i -selection clipboard >/dev/null 2>&1
W "$BIN/sbctl.exe" clipboard get --session 1 --image -o "$(winepath -w "$CLIP" 2>/dev/null)"
echo "clipboard image written to $CLIP: $(identify -format 'PNG %wx%h' "$CLIP")"
step "sbctl clipboard set --session 1 --image $SHOT; xclip -o -t image/bmp -selection clipboard | identify -"
W "$BIN/sbctl.exe" clipboard set --session 1 --image "$(winepath -w "$SHOT" 2>/dev/null)"
echo "X11 now holds: $(timeout 10 xclip -o -selection clipboard -t image/bmp | identify -format 'a %m image, %wx%h' -)"

step "sbservice stop"
W "$BIN/sbservice.exe" stop
step "sbservice uninstall"
W "$BIN/sbservice.exe" uninstall
trap - EXIT ERR
sb_wine_stop
echo
echo "demo finished: service installed and started, agent in session 1, a message box answered, clipboard both ways with X11 (text, and images: one read into $CLIP, the screenshot set), screenshot in $SHOT"
