#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Two monitors under Wine (issue 13), checked against ImageMagick's view of
# the X screen. Xvfb cannot place two X screens side by side, and Wine 8's
# XRandR handler counts CRTCs (Xvfb has one), so: one wide Xvfb screen
# (3200x1080, -noreset so the monitors outlive the xrandr that made them),
# split into two RandR 1.5 monitors (1920x1080 at 0,0 and 1280x1024 at
# 1920,0), which the X server's Xinerama reports as two heads, and Wine's
# Xinerama handler (UseXRandR = N) as two monitors (docs/wine.md). Runs in
# a prefix and an Xvfb of its own, so the other tests keep their one
# 1280x800 monitor.
#   monitors_wine.sh BIN_DIR
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/../../scripts/lib.sh"
need Xvfb xrandr xdpyinfo import convert compare identify display
# Our own prefix and display, whatever the suite set.
sb_wine_stop_own() {
  W "$BIN/sbservice.exe" uninstall >/dev/null 2>&1 || true
  sb_wine_stop
  rm -rf "${TMP:-/nonexistent}"
}
export WINEPREFIX_SB="$SB_BUILD/wineprefix-monitors"
sb_wine_start 3200x1080x24 -noreset >/dev/null 2>&1
trap sb_wine_stop_own EXIT
fail() { echo "FAIL: $*"; exit 1; }
TMP=$(mktemp -d)
xrandr -q >/dev/null 2>&1
xrandr --setmonitor sbA 1920/508x1080/286+0+0 screen >/dev/null 2>&1 &&
  xrandr --setmonitor sbB 1280/339x1024/271+1920+0 none >/dev/null 2>&1 ||
  fail "xrandr --setmonitor"
heads=$(xdpyinfo -ext XINERAMA 2>/dev/null | grep -c 'head #')
[ "$heads" = 2 ] || fail "the X server reports $heads Xinerama heads, not 2"
start_on_monitors 200

mons=$(W "$BIN/sbctl.exe" --json monitors --session 1) || fail "monitors"
echo "monitors: $mons"
case "$mons" in
  *'"virtual_screen":{"x":0,"y":0,"width":3200,"height":1080}'*) ;;
  *) fail "virtual screen is not 3200x1080 at 0,0: $mons" ;;
esac
case "$mons" in
  *'{"index":0,"x":0,"y":0,"width":1920,"height":1080,"primary":true,'*'{"index":1,"x":1920,"y":0,"width":1280,"height":1024,"primary":false,'*) ;;
  *) fail "monitors [$mons], want 1920x1080 at 0,0 (primary) and 1280x1024 at 1920,0" ;;
esac
pass "two monitors: 1920x1080 at 0,0 (primary), 1280x1024 at 1920,0"

# A picture that differs everywhere, set as the root once the agent is up
# (Wine's desktop process paints the root black when it starts).
convert -seed 7 -size 3200x1080 plasma:fractal -depth 8 "$TMP/root.png" ||
  fail "convert"
display -window root "$TMP/root.png" >/dev/null 2>&1 || true
import -window root "$TMP/ref.png" || fail "import"
# shot NAME WANT_SIZE CROP [sbctl screenshot options]: the capture equals
# import's picture cropped to the same rectangle (within 1 %, as the
# one-monitor oracle allows).
shot() {
  local name=$1 want=$2 crop=$3 size diff total
  shift 3
  # Its exit code and error kept (W would drop both).
  wine "$BIN/sbctl.exe" screenshot --session 1 "$@" \
    -o "$(winepath -w "$TMP/$name.png" 2>/dev/null)" </dev/null \
    >"$TMP/$name.out" 2>"$TMP/$name.err" ||
    fail "screenshot $*: exit $?: $(tr -d '\r' < "$TMP/$name.err" | grep -v -e wine32 -e multiarch -e add-architecture | head -n 3)"
  size=$(identify -format '%wx%h' "$TMP/$name.png" 2>/dev/null)
  [ "$size" = "$want" ] || fail "$name: $size, want $want"
  convert "$TMP/ref.png" -crop "$crop" +repage "$TMP/$name-ref.png" || fail "crop $crop"
  diff=$(ae_px "$TMP/$name.png" "$TMP/$name-ref.png")
  total=$(( ${want%x*} * ${want#*x} ))
  [ "$diff" -le $(( total / 100 )) ] || fail "$name differs from import -crop $crop in $diff of $total pixels"
  echo "  $name: $size, $diff px differ from import -crop $crop; $(tr -d '\r' < "$TMP/$name.out" | head -n1)"
}
shot mon0 1920x1080 1920x1080+0+0 --monitor 0
shot mon1 1280x1024 1280x1024+1920+0 --monitor 1
grep -q "at 1920,0" "$TMP/mon1.out" || fail "--monitor 1: origin not 1920,0: $(cat "$TMP/mon1.out")"
shot all 3200x1080 3200x1080+0+0
pass "--monitor 0 and 1 equal import's crops of their rectangles; the default captures both (3200x1080)"
echo PASS
