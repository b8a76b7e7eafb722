#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Big desktops under Wine (issue 13): an 8K desktop (7680x4320, one
# monitor, 33.2 M pixels) and three 4K monitors side by side (11520x2160,
# made like monitors_wine.sh makes its two: one wide Xvfb screen split
# into RandR 1.5 monitors, which Wine's Xinerama handler reports), each
# with a photo-like picture whose PNG is tens of MB. The whole-desktop
# screenshot through the real service, agent and sbctl must be the full
# size and equal `import -window root` pixel for pixel. Then a desktop
# whose PNG is over the 64 MiB cap (noise) must give sbctl TOO_LARGE with
# no file left behind, and the service must go on serving. The agent's
# peak resident memory must stay within 32 MiB of its idle one (it sends
# while it encodes). Prints the agent's own line for each screenshot,
# sbctl's wall time and the peak memory of the agent and the service.
#   bigdesk_wine.sh BIN_DIR
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/../../scripts/lib.sh"
need Xvfb xrandr xdpyinfo import convert compare identify display
T0=$(date +%s)
export WINEPREFIX_SB="$SB_BUILD/wineprefix-bigdesk"
TMP=$(mktemp -d)
down() {
  W "$BIN/sbservice.exe" uninstall >/dev/null 2>&1 || true
  sb_wine_stop
}
cleanup() { down; rm -rf "$TMP"; }
trap cleanup EXIT
fail() { echo "FAIL: $*"; exit 1; }
MiB=$((1024 * 1024))

# The pictures, made before any Wine runs. plasma:fractal at 8K takes
# long, so one 1920x1080 plasma is made and laid out six times, each copy
# different (mirrored, flipped, rolled by half its height): a row of the
# desktop then repeats no closer than 11520 pixels (34560 bytes, beyond
# deflate's 32 KiB window), so the PNG stays as big as a photo's would be,
# not a fraction of it. The rows repeat every 1080 rows, far out of the
# window too. The noise picture is laid out the same way.
strip() { # SEEDED_SOURCE... OUT: six differing copies of a 1920x1080 picture
  local out=${*: -1}
  convert "${@:1:$#-1}" \( -clone 0 -flop \) \( -clone 0 -flip \) \
    \( -clone 0 -flip -flop \) \( -clone 0 -roll +0+540 \) \
    \( -clone 0 -roll +0+540 -flop \) +append -depth 8 "$out"
}
strip -seed 13 -size 1920x1080 plasma:fractal -blur 0x1 "$TMP/photo-strip.ppm" ||
  fail "convert plasma"
strip -seed 5 -size 1920x1080 xc:gray +noise Random "$TMP/noise-strip.ppm" ||
  fail "convert noise"
# tile SRC_STRIP WxH OUT: the strip (cut to W) repeated down to H rows.
tile() {
  local w=${2%x*}
  convert "$1" -crop "${w}x1080+0+0" +repage -write mpr:s +delete \
    -size "$2" tile:mpr:s -depth 8 "$3"
}
tile "$TMP/photo-strip.ppm" 7680x4320 "$TMP/photo8k.ppm" || fail "tile 8K"
tile "$TMP/noise-strip.ppm" 7680x4320 "$TMP/noise8k.ppm" || fail "tile noise"
tile "$TMP/photo-strip.ppm" 11520x2160 "$TMP/photo3x4k.ppm" || fail "tile 3x4K"
echo "pictures made in $(( $(date +%s) - T0 )) s"

# up WxH [MONITOR_GEOMETRY...]: our Xvfb at that size, the monitors split
# out of it with xrandr (none: one monitor, the screen), Wine's Xinerama
# handler (so the monitors count; with none it reports the screen), the
# service installed and started, its agent in session 1 connected.
up() {
  local size=$1 m i=0 name
  shift
  sb_wine_start "${size}x24" -noreset >/dev/null 2>&1
  [ "$(xdpyinfo | awk '/dimensions:/ { print $2 }')" = "$size" ] ||
    fail "Xvfb did not start at $size"
  xrandr -q >/dev/null 2>&1
  for m in "$@"; do
    name=sbM$i
    # The first monitor takes the screen's output, the others none.
    xrandr --setmonitor "$name" "$m" "$([ $i = 0 ] && echo screen || echo none)" \
      >/dev/null 2>&1 || fail "xrandr --setmonitor $name $m"
    i=$((i + 1))
  done
  start_on_monitors 300
}
# Peak and current resident memory of our Wine process running $1, in MiB.
mem() {
  local p
  p=$(our_pids "$1" 2>/dev/null | head -n1)
  [ -n "$p" ] || { echo "$1: no process"; return 0; }
  awk -v n="$1" '/^VmHWM:/ { h = $2 } /^VmRSS:/ { r = $2 }
    END { printf "%s peak %.1f MiB (now %.1f MiB)", n, h / 1024, r / 1024 }' \
    "/proc/$p/status"
}
# VmHWM of our Wine process running $1, in KiB (0: none).
peak_kib() {
  local p
  p=$(our_pids "$1" 2>/dev/null | head -n1)
  [ -n "$p" ] || { echo 0; return 0; }
  awk '/^VmHWM:/ { print $2 }' "/proc/$p/status"
}
# The agent sends the PNG while it encodes it, through a few chunk
# buffers: its peak must not grow with the picture. Measured: 9-10 MiB
# over its idle peak for every desktop here, against 40-100 MiB when it
# held the PNG whole (63.6 MiB at 3x4K, 75.5 MiB at 8K, 123 MiB for the
# refused noise, from an idle 24 MiB). The bound is 32 MiB.
IDLE=0
bounded() { # WHAT
  local now
  now=$(peak_kib sbagent.exe)
  [ "$IDLE" -gt 0 ] && [ "$now" -gt 0 ] || fail "$1: no agent peak to read"
  [ $((now - IDLE)) -le $((32 * 1024)) ] ||
    fail "$1: the agent's peak memory grew by $(( (now - IDLE) / 1024 )) MiB (from $((IDLE / 1024)) to $((now / 1024)) MiB): it holds the picture, not a few chunks"
}
agent_log() { find "$WINEPREFIX/drive_c/users" -name 'sbagent-1.log' | head -n1; }
# The agent's line for the latest screenshot of WxH.
agent_line() {
  local f
  f=$(agent_log)
  [ -n "$f" ] || { echo "(no agent log)"; return 0; }
  tr -d '\r' < "$f" | grep "screenshot $1: capture" | tail -n1 |
    sed 's/^.*\] //'
}
# shot NAME [sbctl screenshot options]: sbctl's exit code in $RC, its
# stdout and stderr in $TMP/NAME.out and .err, its wall time in $MS.
shot() {
  local name=$1 t
  shift
  t=$(date +%s%N)
  RC=0
  SBCTL_TIMING=1 wine "$BIN/sbctl.exe" screenshot --session 1 "$@" \
    -o "$(winepath -w "$TMP/$name.png" 2>/dev/null)" </dev/null \
    >"$TMP/$name.out" 2>"$TMP/$name.err" || RC=$?
  MS=$(( ($(date +%s%N) - t) / 1000000 ))
}
err_of() { tr -d '\r' < "$TMP/$1.err" | grep -v -e wine32 -e multiarch -e add-architecture -e '^sbctl timing' | head -n 3; }
timing_of() { tr -d '\r' < "$TMP/$1.err" | sed -n 's/^sbctl timing: //p'; }
# whole NAME WxH PICTURE: the picture on the root, the default screenshot
# is WxH and equals import's view of the root exactly.
whole() {
  local name=$1 want=$2 pic=$3 size diff bytes
  # Once the agent is up: Wine's desktop process paints the root black
  # when it starts.
  display -window root "$pic" >/dev/null 2>&1 || true
  import -window root "$TMP/$name-ref.ppm" || fail "import"
  IDLE=$(peak_kib sbagent.exe)
  echo "  before: $(mem sbagent.exe)"
  shot "$name"
  [ $RC = 0 ] || fail "$name: screenshot: exit $RC: $(err_of "$name")"
  size=$(identify -format '%wx%h' "$TMP/$name.png" 2>/dev/null)
  [ "$size" = "$want" ] || fail "$name: $size, want $want"
  bytes=$(stat -c %s "$TMP/$name.png")
  # Tens of MB: many chunks, and the point of the test (a flat desktop
  # would be a few hundred KB).
  [ "$bytes" -ge $((8 * MiB)) ] || fail "$name: PNG of $bytes bytes, not a photo-like size"
  diff=$(ae_px "$TMP/$name.png" "$TMP/$name-ref.ppm")
  [ "$diff" = 0 ] || fail "$name differs from import -window root in $diff pixels"
  echo "  $name: $size, PNG $bytes bytes ($((bytes / MiB)) MiB), 0 px differ from import; sbctl ${MS} ms ($(timing_of "$name"))"
  echo "  agent: $(agent_line "$want")"
  echo "  after: $(mem sbagent.exe); $(mem sbservice.exe)"
  bounded "$name"
  rm -f "$TMP/$name.png" "$TMP/$name-ref.ppm"
}

echo "8K: one 7680x4320 monitor"
up 7680x4320
mons=$(W "$BIN/sbctl.exe" --json monitors --session 1) || fail "monitors"
case "$mons" in
  *'"virtual_screen":{"x":0,"y":0,"width":7680,"height":4320}'*) ;;
  *) fail "virtual screen is not 7680x4320 at 0,0: $mons" ;;
esac
whole shot8k 7680x4320 "$TMP/photo8k.ppm"
pass "8K: the 7680x4320 screenshot equals import -window root"

# Over the cap: noise makes a PNG of about 3 bytes a pixel. Shown with our
# encoder, not assumed: the two halves, taken after, add up to over 64 MiB.
display -window root "$TMP/noise8k.ppm" >/dev/null 2>&1 || true
shot noise
[ $RC != 0 ] || fail "noise: the screenshot succeeded ($(tr -d '\r' < "$TMP/noise.out"))"
err=$(err_of noise)
case "$err" in
  *TOO_LARGE*64\ MiB*) ;;
  *) fail "noise: exit $RC but not TOO_LARGE naming the 64 MiB cap: $err" ;;
esac
[ ! -e "$TMP/noise.png" ] || fail "noise: sbctl left $TMP/noise.png behind"
echo "  noise: exit $RC in ${MS} ms: $err"
echo "  after: $(mem sbagent.exe); $(mem sbservice.exe)"
# It encoded 64 MiB before giving up: none of it may have stayed held.
bounded noise
WR "$BIN/sbctl.exe" ping --session 1 </dev/null >/dev/null || fail "ping after TOO_LARGE: exit $?"
total=0
for half in 0 2160; do
  shot "noise$half" --region "0,$half,7680,2160"
  [ $RC = 0 ] || fail "noise half at $half after TOO_LARGE: exit $RC: $(err_of "noise$half")"
  [ "$(identify -format '%wx%h' "$TMP/noise$half.png")" = 7680x2160 ] ||
    fail "noise half at $half: not 7680x2160"
  total=$((total + $(stat -c %s "$TMP/noise$half.png")))
done
[ "$total" -gt $((64 * MiB)) ] ||
  fail "the noise desktop's PNG is only about $total bytes: not over the 64 MiB cap"
import -window root -crop 7680x2160+0+2160 +repage "$TMP/noise-ref.ppm" || fail import
diff=$(ae_px "$TMP/noise2160.png" "$TMP/noise-ref.ppm")
[ "$diff" = 0 ] || fail "noise lower half differs from import in $diff pixels"
echo "  noise halves after it: $total bytes together ($((total / MiB)) MiB), the lower one 0 px differ from import"
pass "8K noise: TOO_LARGE naming the cap, no file left, the service serves on"
rm -f "$TMP"/noise*.png "$TMP/noise-ref.ppm"
down

echo "3x4K: three 3840x2160 monitors side by side"
up 11520x2160 3840/1016x2160/572+0+0 3840/1016x2160/572+3840+0 \
  3840/1016x2160/572+7680+0
mons=$(W "$BIN/sbctl.exe" --json monitors --session 1) || fail "monitors"
case "$mons" in
  *'"virtual_screen":{"x":0,"y":0,"width":11520,"height":2160}'*) ;;
  *) fail "virtual screen is not 11520x2160 at 0,0: $mons" ;;
esac
case "$mons" in
  *'{"index":0,"x":0,"y":0,"width":3840,"height":2160,'*'{"index":1,"x":3840,"y":0,"width":3840,"height":2160,'*'{"index":2,"x":7680,"y":0,"width":3840,"height":2160,'*) ;;
  *) fail "monitors [$mons], want three 3840x2160 at 0, 3840 and 7680" ;;
esac
whole shot3x4k 11520x2160 "$TMP/photo3x4k.ppm"
pass "3x4K: the 11520x2160 screenshot of three monitors equals import -window root"
echo "run time $(( $(date +%s) - T0 )) s"
echo PASS
