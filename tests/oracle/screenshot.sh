#!/usr/bin/env bash
# A window of a known colour on the X screen; sbtasks screenshot compared
# with ImageMagick: size = the X screen's, the whole screen within 1% of
# `import -window root`, and the window's region exactly its colour.
source "$(dirname "$0")/lib.sh"
need import compare identify display
want=$(xdpyinfo | awk '/dimensions:/ {print $2}')
display -geometry +100+120 -size 200x150 'xc:#ff8000' &
PIDS+=($!)
for _ in $(seq 1 50); do
  xwininfo -root -children 2>/dev/null | grep -q 'ImageMagick: #ff8000' && break
  sleep 0.1
done
sleep 0.3
t0=$(date +%s%N)
T screenshot "$(winepath -w "$TMP/shot.png" 2>/dev/null)" > "$TMP/out" || fail "screenshot: $(terr)"
pass "screenshot in $(ms_since $t0) ms: $(tr -d '\r' < "$TMP/out")"
import -window root "$TMP/ref.png" || fail import
size=$(identify -format '%wx%h' "$TMP/shot.png") || fail "not a PNG ImageMagick can read"
[ "$size" = "$want" ] || fail "screenshot $size, X screen $want"
diff=$(compare -metric AE "$TMP/shot.png" "$TMP/ref.png" null: 2>&1 | cut -d' ' -f1)
total=$(( ${size%x*} * ${size#*x} ))
[ "${diff%.*}" -le $(( total / 100 )) ] || fail "differs from import in $diff of $total pixels"
pass "${size} = X screen; differs from import -window root in $diff of $total pixels"
px=$(identify -format '%[pixel:p{150,180}]' "$TMP/shot.png")
[ "$px" = 'srgb(255,128,0)' ] || fail "pixel (150,180) is $px, the window is #ff8000"
T screenshot "$(winepath -w "$TMP/region.png" 2>/dev/null)" --region 100,120,200,150 >/dev/null || fail "region: $(terr)"
import -window root -crop 200x150+100+120 "$TMP/rref.png" || fail "import -crop"
[ "$(identify -format '%wx%h' "$TMP/region.png")" = 200x150 ] || fail "region size"
rdiff=$(compare -metric AE "$TMP/region.png" "$TMP/rref.png" null: 2>&1 | cut -d' ' -f1)
[ "${rdiff%.*}" -eq 0 ] || fail "region differs from the window in $rdiff pixels"
pass "region 200x150+100+120 is exactly the #ff8000 window (AE $rdiff)"
T screenshot "$(winepath -w "$TMP/off.png" 2>/dev/null)" --region -500,-500,10,10 >/dev/null && fail "off-screen region accepted"
terr | grep -q EFIELD || fail "off-screen region: [$(terr)]"
pass "off-screen region refused with EFIELD"
echo PASS
