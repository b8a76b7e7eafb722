#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Issue 4 under Wine + Xvfb, through the real service and agent, each task
# checked against an oracle nobody here wrote: xclip for the clipboard,
# ImageMagick for screenshots, xdotool for message boxes.
#
# Usage: tasks_wine.sh BIN_DIR TASK, TASK one of clipboard, screenshot,
# message, notify, agent_kill: each is its own CTest case (so one failing
# oracle does not hide the others), with its own install, start and
# uninstall of the service.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/../../scripts/lib.sh" # sb_find_window
TASK=${2:?usage: tasks_wine.sh BIN_DIR clipboard|screenshot|dpi|message|notify|agent_kill}

# Clipboard: sbctl -> X11, X11 -> sbctl, non-ASCII both ways.
task_clipboard() {
text='Grüße aus Session 0 ✓ — 日本語'
W "$BIN/sbctl.exe" clipboard set --session 1 "$text" || fail "clipboard set"
got=$(timeout 5 xclip -o -selection clipboard)
[ "$got" = "$text" ] || fail "xclip read [$got], want [$text]"
pass "clipboard set -> xclip -o: $got"
printf 'from X11: ünïcödé ✓' | xclip -i -selection clipboard >/dev/null 2>&1
sleep 0.3
got=$(W "$BIN/sbctl.exe" clipboard get --session 1)
[ "$got" = 'from X11: ünïcödé ✓' ] || fail "clipboard get [$got]"
pass "xclip -i -> clipboard get: $got"
# 3 MiB through a chunked transfer, read back by xclip.
head -c 2400000 /dev/urandom | base64 -w 0 > "$TMP/big.txt"
wine "$BIN/sbctl.exe" clipboard set --session 1 - < "$TMP/big.txt" 2>/dev/null || fail "big set"
timeout 20 xclip -o -selection clipboard > "$TMP/big.out"
cmp -s "$TMP/big.txt" "$TMP/big.out" || fail "3 MiB clipboard differs"
pass "$(stat -c %s "$TMP/big.txt") bytes through a chunked transfer, equal in X11"
head -c 16777217 /dev/zero | tr '\0' a > "$TMP/over.txt"
wine "$BIN/sbctl.exe" clipboard set --session 1 - < "$TMP/over.txt" 2>"$TMP/over.err" >/dev/null; rc=$?
grep -q TOO_LARGE "$TMP/over.err" && [ $rc -ne 0 ] || fail "16 MiB + 1 accepted (rc $rc)"
pass "16 MiB + 1 refused: $(tr -d '\r' < "$TMP/over.err" | grep -v wine32 | head -n1)"

# Another program holds the clipboard (sbtasks.exe clipboard-hold keeps it
# open): a set waits and succeeds once it is let go, or answers BUSY after
# about a second rather than hanging, leaving the text as it was.
hold() { # ms: start a holder, wait until it has the clipboard
  wine "$BIN/sbtasks.exe" clipboard-hold "$1" > "$TMP/hold" 2>/dev/null &
  holder=$!
  for _ in $(seq 1 200); do grep -q held "$TMP/hold" && return 0; sleep 0.02; done
  fail "the holder did not open the clipboard"
}
hold 700
t0=$(date +%s%N)
W "$BIN/sbctl.exe" clipboard set --session 1 'after the holder' || fail "set while held 700 ms"
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
wait $holder
[ "$ms" -ge 500 ] || fail "set done after $ms ms although the clipboard was held 700 ms"
[ "$(timeout 5 xclip -o -selection clipboard)" = 'after the holder' ] || fail "text not in X11"
pass "clipboard held 700 ms by another program: set waited, done after $ms ms"
hold 4000
t0=$(date +%s%N)
wine "$BIN/sbctl.exe" clipboard set --session 1 'never' >/dev/null 2>"$TMP/busy.err"; rc=$?
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
wait $holder
[ $rc -eq 3 ] && grep -q BUSY "$TMP/busy.err" || fail "held 4 s: rc $rc [$(tr -d '\r' < "$TMP/busy.err")]"
[ "$ms" -lt 3900 ] || fail "BUSY only after $ms ms"
[ "$(timeout 5 xclip -o -selection clipboard)" = 'after the holder' ] || fail "a refused set changed the clipboard"
pass "clipboard held 4 s: BUSY after $ms ms, text unchanged: $(tr -d '\r' < "$TMP/busy.err" | grep BUSY | head -n1)"

# An image: ImageMagick draws one and xclip offers it as image/bmp, which
# Wine's X11 bridge turns into CF_DIB; the PNG sbctl writes must have the
# same pixels as ImageMagick reads in that BMP.
get_image() { # NAME OPTION...: $TMP/NAME.bmp via X11 and sbctl to $TMP/NAME.png
  local name=$1 diff
  shift
  # xclip stays behind to serve the selection: its output must not hold
  # the test's pipe open.
  xclip -selection clipboard -t image/bmp -i "$TMP/$name.bmp" </dev/null \
    >/dev/null 2>&1 || fail "xclip $name"
  # Wine learns of a new X11 selection owner asynchronously: until it has,
  # Windows programs still see the previous clipboard (seen once in a
  # loaded fresh-clone run: the noise get returned the earlier 97x61
  # image). Wait until the image has the new picture's size, then compare
  # every pixel.
  local want got i
  want=$(identify -format '%wx%h' "$TMP/$name.bmp")
  for i in $(seq 1 40); do
    W "$BIN/sbctl.exe" clipboard get --session 1 "$@" || fail "clipboard get --image ($name)"
    got=$(identify -format '%wx%h' "$TMP/$name.png" 2>/dev/null)
    [ "$got" = "$want" ] && break
    sleep 0.25
  done
  [ "$got" = "$want" ] || fail "$name: the clipboard image is [$got], not the $want just copied"
  diff=$(compare -metric AE "$TMP/$name.bmp" "$TMP/$name.png" null: 2>&1 | cut -d' ' -f1)
  [ "$diff" = 0 ] || fail "$name: the clipboard image differs from the BMP in $diff px"
}
convert -size 97x61 gradient:'#ff0000-#0000ff' -fill '#00ff00' \
  -draw 'rectangle 10,10 40,30' -depth 8 -type TrueColor \
  BMP3:"$TMP/src.bmp" || fail "convert"
get_image src --image -o "$(winepath -w "$TMP/src.png" 2>/dev/null)"
size=$(identify -format '%wx%h' "$TMP/src.png") || fail "identify"
[ "$size" = 97x61 ] || fail "image is $size, not 97x61"
pass "xclip -t image/bmp -> clipboard get --image: 97x61 PNG, 0 px differ from the BMP"
# Noise does not compress: a 1.4 MB PNG, past the inline limit, so it
# comes as a chunked transfer (and the options in the other order).
convert -size 800x600 xc: +noise Random -depth 8 -type TrueColor \
  BMP3:"$TMP/noise.bmp" || fail "convert noise"
get_image noise -o "$(winepath -w "$TMP/noise.png" 2>/dev/null)" --image
bytes=$(stat -c %s "$TMP/noise.png")
[ "$bytes" -gt 524288 ] || fail "noise PNG only $bytes bytes: not a transfer"
pass "800x600 noise image: $bytes-byte PNG by chunked transfer, 0 px differ"
# The other way: sbctl puts ImageMagick's PNGs on the clipboard (RGB,
# palette, greyscale at 8 and 1 bits, RGBA) and X11 reads back image/bmp
# from Wine's bridge: the same pixels (alpha is dropped, so the RGBA one
# is compared with its colour channels, alpha switched off).
convert -size 61x37 gradient:'#00ff00-#ff00ff' -depth 8 PNG24:"$TMP/set24.png" &&
  convert -size 61x37 gradient:'#00ff00-#ff00ff' -colors 12 PNG8:"$TMP/set8.png" &&
  convert -size 61x37 gradient:white-black -type Grayscale -depth 8 \
    PNG:"$TMP/setgrey.png" &&
  convert -size 61x37 gradient:'#ff000080-#0000ffff' PNG32:"$TMP/set32.png" &&
  convert -size 61x37 pattern:checkerboard -monochrome PNG:"$TMP/setmono.png" ||
  fail "convert set PNGs"
for f in set24 set8 setgrey setmono set32; do
  W "$BIN/sbctl.exe" clipboard set --session 1 --image \
    "$(winepath -w "$TMP/$f.png" 2>/dev/null)" || fail "clipboard set --image $f"
  timeout 10 xclip -o -selection clipboard -t image/bmp > "$TMP/$f.bmp" ||
    fail "xclip -o -t image/bmp ($f)"
  ref="$TMP/$f.png"
  if [ $f = set32 ]; then
    convert "$TMP/$f.png" -alpha off "$TMP/$f-rgb.png"
    ref="$TMP/$f-rgb.png"
  fi
  diff=$(compare -metric AE "$ref" "$TMP/$f.bmp" null: 2>&1 | cut -d' ' -f1)
  [ "$diff" = 0 ] || fail "$f: the bitmap X11 reads differs from the PNG in $diff px"
done
pass "clipboard set --image: RGB, palette, grey, 1-bit and RGBA PNGs read back from X11 as image/bmp, 0 px differ"
printf 'not a png' > "$TMP/bad.png"
wine "$BIN/sbctl.exe" clipboard set --session 1 --image \
  "$(winepath -w "$TMP/bad.png" 2>/dev/null)" >/dev/null 2>"$TMP/bad.err"; rc=$?
[ $rc -eq 3 ] && grep -q INVALID "$TMP/bad.err" || fail "bad PNG: rc $rc [$(tr -d '\r' < "$TMP/bad.err")]"
timeout 10 xclip -o -selection clipboard -t image/bmp > "$TMP/after.bmp" &&
  cmp -s "$TMP/after.bmp" "$TMP/set32.bmp" || fail "a refused PNG changed the clipboard"
pass "not a PNG: $(tr -d '\r' < "$TMP/bad.err" | grep INVALID | head -n1); clipboard unchanged"
# Bitmaps another Windows program puts on the clipboard as CF_DIB
# (sbcliptool put-dib: ImageMagick's BMP without its file header). GDI
# converts every format; the PNG must have the pixels ImageMagick reads
# in the same BMP (alpha dropped, so the reference has alpha off).
convert -size 53x29 gradient:'#ff0000-#0000ff' -colors 20 -type Palette \
    BMP3:"$TMP/dib8.bmp" &&
  convert -size 53x29 pattern:checkerboard -monochrome BMP3:"$TMP/dib1.bmp" &&
  convert -size 53x29 gradient:'#ff000080-#00ff00ff' -depth 8 \
    BMP:"$TMP/dib32.bmp" &&
  convert -size 53x29 gradient:'#ffffff-#000000' -define bmp:subtype=RGB565 \
    BMP:"$TMP/dib16.bmp" || fail "convert DIBs"
for f in dib8 dib1 dib32 dib16; do
  WR "$BIN/sbcliptool.exe" put-dib "$(winepath -w "$TMP/$f.bmp" 2>/dev/null)" ||
    fail "sbcliptool put-dib $f"
  W "$BIN/sbctl.exe" clipboard get --session 1 --image \
    -o "$(winepath -w "$TMP/$f.png" 2>/dev/null)" || fail "clipboard get --image ($f)"
  convert "$TMP/$f.bmp" -alpha off "$TMP/$f-ref.png"
  diff=$(compare -metric AE "$TMP/$f-ref.png" "$TMP/$f.png" null: 2>&1 | cut -d' ' -f1)
  [ "$diff" = 0 ] || fail "$f: the PNG differs from the BMP in $diff px"
done
pass "CF_DIB at 8 bits (palette), 1 bit, 32 bits (V5, alpha) and 16 bits (565) converted by GDI: 0 px differ from ImageMagick's reading of each BMP"
# Hostile bitmaps: each header claims more than its bytes hold, or a kind
# not read. Each is refused (exit 3, INVALID or TOO_LARGE, with the
# reason), the agent lives on (same pid), and a good bitmap after them
# still reads right.
pid0=$(agent_pid)
count=$(W "$BIN/sbcliptool.exe" put-hostile count) || fail "put-hostile count"
[ "${count:-0}" -ge 10 ] || fail "only [$count] hostile DIBs"
for i in $(seq 0 $((count - 1))); do
  name=$(WR "$BIN/sbcliptool.exe" put-hostile "$i") || fail "put-hostile $i"
  wine "$BIN/sbctl.exe" clipboard get --session 1 --image \
    -o "$(winepath -w "$TMP/hostile.png" 2>/dev/null)" >/dev/null 2>"$TMP/hostile.err"; rc=$?
  [ $rc -eq 3 ] && grep -qE 'INVALID|TOO_LARGE' "$TMP/hostile.err" ||
    fail "hostile DIB $i ($name): rc $rc [$(tr -d '\r' < "$TMP/hostile.err")]"
  echo "  hostile DIB $i ($name): $(tr -d '\r' < "$TMP/hostile.err" | head -n1)"
done
[ "$(agent_pid)" = "$pid0" ] || fail "the agent changed (pid $pid0 -> $(agent_pid)): it died on a hostile DIB"
WR "$BIN/sbcliptool.exe" put-dib "$(winepath -w "$TMP/dib8.bmp" 2>/dev/null)" &&
  W "$BIN/sbctl.exe" clipboard get --session 1 --image \
    -o "$(winepath -w "$TMP/after-hostile.png" 2>/dev/null)" || fail "good DIB after the hostile ones"
diff=$(compare -metric AE "$TMP/dib8-ref.png" "$TMP/after-hostile.png" null: 2>&1 | cut -d' ' -f1)
[ "$diff" = 0 ] || fail "after the hostile DIBs: $diff px differ"
pass "$count hostile CF_DIBs refused with a reason, agent pid $pid0 unchanged, a good one after them reads right"
# Text only on the clipboard: no image, said as such (exit 3, EMPTY).
W "$BIN/sbctl.exe" clipboard set --session 1 'text, no image' || fail "set text"
rm -f "$TMP/none.png"
wine "$BIN/sbctl.exe" clipboard get --session 1 --image \
  -o "$(winepath -w "$TMP/none.png" 2>/dev/null)" >/dev/null 2>"$TMP/none.err"; rc=$?
[ $rc -eq 3 ] && grep -q EMPTY "$TMP/none.err" && [ ! -e "$TMP/none.png" ] ||
  fail "no image: rc $rc [$(tr -d '\r' < "$TMP/none.err")]"
pass "text only: clipboard get --image says $(tr -d '\r' < "$TMP/none.err")"
}

# A clipboard owner that never renders (sbcliptool own-unrendered: a
# delay-rendered CF_UNICODETEXT and no message loop). A get must answer
# TIMEOUT within its deadline, the agent must keep answering, and once
# the owner is gone the clipboard must be free for a set (the agent's
# abandoned reader closed it at the deadline), and the service must stop.
task_clipboard_hang() {
wine "$BIN/sbcliptool.exe" own-unrendered 20000 > "$TMP/own" 2>/dev/null &
owner=$!
for _ in $(seq 1 200); do grep -q owned "$TMP/own" && break; sleep 0.02; done
grep -q owned "$TMP/own" || fail "the owner did not take the clipboard"
# Wine's own X11 bridge reads a new clipboard at once and, on this owner,
# holds the clipboard open until it gives up after 5 s (measured: another
# program's OpenClipboard succeeded 5.1 s after the owner took it, with
# no reader of ours involved). Past that, the agent's read is the one
# stuck on the owner, which is what this test is about.
for _ in $(seq 1 100); do
  W "$BIN/sbcliptool.exe" formats > "$TMP/fmts0" && break
done
pass "Wine's bridge let go of the clipboard: $(tail -n1 "$TMP/fmts0")"
# What starting sbctl under Wine and its handshake cost, before the
# request (and its deadline) begins: a ping's whole run.
t0=$(date +%s%N)
W "$BIN/sbctl.exe" ping --session 1 | grep -q pong || fail "ping"
base=$(( ($(date +%s%N) - t0) / 1000000 ))
t0=$(date +%s%N)
wine "$BIN/sbctl.exe" --timeout 1500 clipboard get --session 1 >/dev/null 2>"$TMP/hang.err"; rc=$?
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
err=$(tr -d '\r' < "$TMP/hang.err" | grep -v -e wine32 -e multiarch -e add-architecture | head -n1)
[ $rc -eq 3 ] && grep -q TIMEOUT "$TMP/hang.err" || fail "never-rendered get: rc $rc [$err]"
# The agent's own answer (the service's would say the agent did not
# answer): it gave up at the deadline less its margin (150 ms here), in
# time for its answer to be the one the caller gets.
grep -q 'the call was abandoned' "$TMP/hang.err" || fail "the TIMEOUT is not the agent's: [$err]"
# sbctl's start and handshake under Wine are part of $ms; a second of
# slack for a loaded machine.
[ "$ms" -lt $(( 1500 + base + 1000 )) ] || fail "TIMEOUT only after $ms ms (deadline 1500 ms, a ping takes $base ms)"
pass "owner never renders: clipboard get --timeout 1500 -> TIMEOUT after $ms ms (a whole ping run: $base ms): $err"
# The owner still lives and the read it never answered is still stuck in
# the agent, yet the clipboard is not held: another program opens it at
# once (the agent's worker closed it from inside the stuck call).
W "$BIN/sbcliptool.exe" formats > "$TMP/fmts" || fail "the clipboard stays held after the abandoned read"
waited=$(awk '/^opened after/ { print $3 }' "$TMP/fmts")
[ -n "$waited" ] && [ "$waited" -lt 500 ] || fail "the clipboard was still held after the abandoned read: $(tr '\n' ' ' < "$TMP/fmts")"
kill -0 $owner 2>/dev/null || fail "the owner went before the clipboard was free"
pass "another program opens the clipboard while the owner lives: $(tr '\n' ' ' < "$TMP/fmts")"
t0=$(date +%s%N)
W "$BIN/sbctl.exe" ping --session 1 | grep -q pong || fail "no ping answer after the abandoned read"
pass "the agent answers a ping after the abandoned read ($(( ($(date +%s%N) - t0) / 1000000 )) ms)"
# While the owner lives, a set must not hang either: it answers within
# its deadline (BUSY at once: the abandoned read still waits on this
# owner, and no call starts behind it). What Wine does is printed.
t0=$(date +%s%N)
wine "$BIN/sbctl.exe" --timeout 3000 clipboard set --session 1 'owner alive' >/dev/null 2>"$TMP/alive.err"; rc=$?
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
[ "$ms" -lt $(( 3000 + base + 1000 )) ] || fail "set while the owner lives took $ms ms"
kill -0 $owner 2>/dev/null || fail "the owner went before the set was answered"
pass "set while the owner lives: rc $rc after $ms ms $(tr -d '\r' < "$TMP/alive.err" | grep -o 'sbctl: .*' | head -n1)"
wait $owner
t0=$(date +%s%N)
W "$BIN/sbctl.exe" --timeout 5000 clipboard set --session 1 'after the owner' || fail "set after the owner went"
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
[ "$(timeout 5 xclip -o -selection clipboard)" = 'after the owner' ] || fail "text not in X11 after the owner went"
[ "$(W "$BIN/sbctl.exe" clipboard get --session 1)" = 'after the owner' ] || fail "get after the owner went"
pass "owner gone: clipboard set done in $ms ms, read back by xclip and by clipboard get"
t0=$(date +%s%N)
W "$BIN/sbservice.exe" stop | grep -q STOPPED || fail "service stop"
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
alive 'sbagent.exe' && fail "an agent outlived the service stop"
pass "service stopped in $ms ms, no agent left"
}

# A never-rendering owner (sbcliptool own-unrendered MS) in $owner, waited
# for until Wine's own X11 bridge let go of the clipboard (it reads a new
# clipboard at once and waits 5 s on this owner, holding it open): past
# that, the agent's read is the one left waiting on the owner.
own_unrendered() {
  wine "$BIN/sbcliptool.exe" own-unrendered "$1" > "$TMP/own" 2>/dev/null &
  owner=$!
  # A failing check must not leave the owner holding the clipboard for
  # the tests after this one.
  trap 'kill $owner 2>/dev/null' EXIT
  for _ in $(seq 1 200); do grep -q owned "$TMP/own" && break; sleep 0.02; done
  grep -q owned "$TMP/own" || fail "the owner did not take the clipboard"
  for _ in $(seq 1 100); do
    W "$BIN/sbcliptool.exe" formats > "$TMP/fmts0" && break
  done
}
# The owner goes (as a hung program that is ended would).
end_owner() {
  kill "$owner" 2>/dev/null
  wait "$owner" 2>/dev/null
  for _ in $(seq 1 100); do
    [ -z "$(our_pids 'sbcliptool.exe own-unrendered')" ] && return 0
    sleep 0.1
  done
  fail "the owner did not end"
}
# The agent's log (in the user's temp folder) and how many lines in it
# match a pattern.
agent_log() { find "$WINEPREFIX/drive_c/users" -name 'sbagent-1.log' | head -n1; }
# Only what this run wrote: the file is appended to by every run.
log_mark() { log_from=$(( $(wc -l < "$(agent_log)") + 1 )); }
new_log() { tail -n +"$log_from" "$(agent_log)"; }
log_count() {
  local n
  n=$(new_log | grep -c -- "$1")
  echo "${n:-0}"
}
# Wait up to 5 s for more than N lines matching a pattern; prints the ms.
wait_log() { # pattern n
  local t0
  t0=$(date +%s%N)
  for _ in $(seq 1 100); do
    [ "$(log_count "$1")" -gt "$2" ] && { echo $(( ($(date +%s%N) - t0) / 1000000 )); return 0; }
    sleep 0.05
  done
  return 1
}
# The clipboard can be opened by another program at once, while the owner
# still lives.
expect_free() { # what
  W "$BIN/sbcliptool.exe" formats > "$TMP/fmts" || fail "the clipboard stays held $1"
  local waited
  waited=$(awk '/^opened after/ { print $3 }' "$TMP/fmts")
  [ -n "$waited" ] && [ "$waited" -lt 500 ] || fail "the clipboard was held $1: $(tr '\n' ' ' < "$TMP/fmts")"
  kill -0 "$owner" 2>/dev/null || fail "the owner went before the clipboard was checked $1"
  echo "$waited"
}

# Cancel through the service (issue 14, and issue 10's Cancel end to
# end): a control client asks for the text of a never-rendering owner,
# then cancels it from the same connection, or closes the connection.
# The caller gets CANCELLED at once, the agent abandons its stuck read
# and closes the clipboard (another program opens it while the owner
# lives), answers pings, answers a further read on the same owner BUSY
# at once instead of stacking a second stuck reader, and once the owner
# is gone a set succeeds.
task_clipboard_cancel() {
log_mark
t0=$(date +%s%N)
W "$BIN/sbctl.exe" ping --session 1 | grep -q pong || fail "ping"
base=$(( ($(date +%s%N) - t0) / 1000000 ))
own_unrendered 60000
before=$(log_count 'clipboard: cancelled after')
cat > "$TMP/cancel.sb" <<'EOS'
handshake
send request id=1 deadline=20000 session=1 clipboard-get
stall 1000
send request id=3 cancel target=1
recv 3000
recv 3000
send request id=5 session=1 ping
recv 3000
EOS
t0=$(date +%s%N)
wine "$BIN/sbctl.exe" raw - < "$TMP/cancel.sb" 2>/dev/null | tr -d '\r' > "$TMP/cancel.out"
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
cat "$TMP/cancel.out"
grep -q '<- error id=1 STATUS_CANCELLED' "$TMP/cancel.out" || fail "the stuck get was not answered CANCELLED"
grep -q '<- response id=3 cancel' "$TMP/cancel.out" || fail "the Cancel was not answered"
grep -q '<- response id=5 ping' "$TMP/cancel.out" || fail "no ping answer on the same connection after the Cancel"
# The run is sbctl's start and handshake (a ping's whole run: $base ms),
# the 1000 ms stall, and the answers: the 20 s deadline played no part.
[ "$ms" -lt $(( 1000 + base + 2000 )) ] || fail "the Cancel was answered only after $ms ms in all (a ping run takes $base ms)"
waited=$(wait_log 'clipboard: cancelled after' "$before") || fail "the agent did not abandon its read on the Cancel: $(tail -n3 "$(agent_log)")"
new_log | grep 'clipboard: cancelled after' | tail -n1
new_log | grep -q 'did not take the close request' && fail "the agent's worker did not close the clipboard: $(new_log | tail -n3)"
pass "Cancel of a get stuck on a never-rendering owner: CANCELLED, the run took $ms ms (stall 1000 ms, a ping run $base ms); the agent abandoned the read"
waited=$(expect_free "after the Cancel")
pass "another program opens the clipboard after $waited ms while the owner lives"
# A further read on the owner that has not answered the first: BUSY at
# once, and the clipboard stays free.
t0=$(date +%s%N)
wine "$BIN/sbctl.exe" --timeout 5000 clipboard get --session 1 >/dev/null 2>"$TMP/busy.err"; rc=$?
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
[ $rc -eq 3 ] && grep -q BUSY "$TMP/busy.err" || fail "a second read on the same owner: rc $rc [$(tr -d '\r' < "$TMP/busy.err")]"
[ "$ms" -lt $(( base + 2000 )) ] || fail "BUSY only after $ms ms"
waited=$(expect_free "after the second read")
pass "a second read on the owner: BUSY after $ms ms, clipboard still free ($waited ms)"
W "$BIN/sbctl.exe" ping --session 1 | grep -q pong || fail "no ping after the cancelled read"
end_owner
t0=$(date +%s%N)
W "$BIN/sbctl.exe" --timeout 5000 clipboard set --session 1 'after the cancel' || fail "set after the owner went"
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
[ "$(timeout 5 xclip -o -selection clipboard)" = 'after the cancel' ] || fail "text not in X11 after the owner went"
pass "owner gone: set done in $ms ms, xclip reads it"

# The control connection closes while the get is stuck: the router
# cancels it at the agent.
own_unrendered 60000
before=$(log_count 'clipboard: cancelled after')
cat > "$TMP/close.sb" <<'EOS'
handshake
send request id=1 deadline=20000 session=1 clipboard-get
stall 1000
shutdown
EOS
wine "$BIN/sbctl.exe" raw - < "$TMP/close.sb" 2>/dev/null | tr -d '\r' > "$TMP/close.out"
waited=$(wait_log 'clipboard: cancelled after' "$before") || fail "the agent did not abandon its read when the caller left: $(tail -n3 "$(agent_log)")"
new_log | grep 'clipboard: cancelled after' | tail -n1
new_log | grep -q 'did not take the close request' && fail "the agent's worker did not close the clipboard: $(new_log | tail -n3)"
free=$(expect_free "after the caller left")
W "$BIN/sbctl.exe" ping --session 1 | grep -q pong || fail "no ping after the caller left"
pass "caller's connection closed mid-read: the agent abandoned it (seen in its log within $waited ms of sbctl's exit), another program opens the clipboard after $free ms, pings answered"
end_owner
W "$BIN/sbctl.exe" --timeout 5000 clipboard set --session 1 'after the close' || fail "set after the second owner went"
[ "$(timeout 5 xclip -o -selection clipboard)" = 'after the close' ] || fail "text not in X11 after the second owner went"
pass "owner gone: set done, xclip reads it"
}

# The service stopped (SCM stop, as sc stop does) while a get is stuck on
# a never-rendering owner: it must reach STOPPED, with no agent left and
# no "did not exit" in its log, and the caller must get an answer. The
# time is printed; the only bound is a generous 30 s (not a performance
# claim).
task_clipboard_stop() {
own_unrendered 90000
wine "$BIN/sbctl.exe" --timeout 60000 clipboard get --session 1 >/dev/null 2>"$TMP/stuck.err" &
getter=$!
sleep 1.5
kill -0 $getter 2>/dev/null || fail "the get did not wait on the owner: $(tr -d '\r' < "$TMP/stuck.err")"
W "$BIN/sbctl.exe" ping --session 1 | grep -q pong || fail "no ping while the get is stuck"
lines=$(wc -l < "$LOG")
t0=$(date +%s%N)
W sc stop sessionbridge >/dev/null
state=""
for _ in $(seq 1 300); do
  state=$(W sc query sessionbridge | awk '/STATE/ { print $4 }')
  [ "$state" = STOPPED ] && break
  sleep 0.1
done
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
[ "$state" = STOPPED ] || fail "the service is $state $ms ms after sc stop"
for _ in $(seq 1 50); do alive 'sbagent.exe' || break; sleep 0.1; done
alive 'sbagent.exe' && fail "an agent outlived the service stop"
tail -n +"$((lines + 1))" "$LOG" | grep -q 'did not exit' && fail "the service waited for an agent: $(tail -n +"$((lines + 1))" "$LOG" | grep 'did not exit')"
for _ in $(seq 1 100); do kill -0 $getter 2>/dev/null || break; sleep 0.1; done
kill -0 $getter 2>/dev/null && fail "the caller got no answer after the service stopped"
wait $getter; rc=$?
err=$(tr -d '\r' < "$TMP/stuck.err" | grep -v -e wine32 -e multiarch -e add-architecture | head -n1)
[ $rc -ne 0 ] || fail "the stuck get succeeded?"
# The service tells its callers it stops before it ends the agents (it
# used to end them first, and the caller saw AGENT_LOST).
echo "$err" | grep -q 'CANCELLED.*the service is stopping' ||
  fail "the caller was not told the service stops: $err"
pass "sc stop with a clipboard get stuck on a never-rendering owner: STOPPED after $ms ms, no agent left; the caller got rc $rc: $err"
end_owner
W "$BIN/sbservice.exe" start | grep -q RUNNING || fail "restart"
wait_connected 100 >/dev/null || fail "agent not connected after the restart"
W "$BIN/sbctl.exe" clipboard set --session 1 'after the stop' || fail "set after the restart"
pass "restarted: a set goes through"
}

# clipboard set --sensitive: the text and the three formats that keep it
# out of clipboard history and the cloud clipboard, read back with
# EnumClipboardFormats; a plain set has none of them.
task_clipboard_sensitive() {
W "$BIN/sbctl.exe" clipboard set --session 1 --sensitive 'hunter2' || fail "set --sensitive"
W "$BIN/sbcliptool.exe" formats > "$TMP/fmts" || fail "sbcliptool formats"
cat "$TMP/fmts"
grep -q '^13 ' "$TMP/fmts" || fail "no CF_UNICODETEXT"
grep -q ' ExcludeClipboardContentFromMonitorProcessing' "$TMP/fmts" || fail "no ExcludeClipboardContentFromMonitorProcessing"
grep -q ' CanIncludeInClipboardHistory =0$' "$TMP/fmts" || fail "no CanIncludeInClipboardHistory=0"
grep -q ' CanUploadToCloudClipboard =0$' "$TMP/fmts" || fail "no CanUploadToCloudClipboard=0"
[ "$(W "$BIN/sbctl.exe" clipboard get --session 1)" = hunter2 ] || fail "sensitive text not read back"
pass "set --sensitive: CF_UNICODETEXT + the three exclusion formats on the clipboard, text reads back"
convert -size 8x8 xc:'#102030' -depth 8 PNG24:"$TMP/x.png" || fail convert
W "$BIN/sbctl.exe" clipboard set --session 1 --image --sensitive "$(winepath -w "$TMP/x.png" 2>/dev/null)" || fail "set --image --sensitive"
W "$BIN/sbcliptool.exe" formats > "$TMP/fmts1" || fail "sbcliptool formats"
grep -q '^8 ' "$TMP/fmts1" && grep -q ' CanIncludeInClipboardHistory =0$' "$TMP/fmts1" &&
  grep -q ' CanUploadToCloudClipboard =0$' "$TMP/fmts1" &&
  grep -q ' ExcludeClipboardContentFromMonitorProcessing' "$TMP/fmts1" || fail "image set --sensitive: $(cat "$TMP/fmts1")"
pass "set --image --sensitive: CF_DIB + the three exclusion formats"
W "$BIN/sbctl.exe" clipboard set --session 1 'plain' || fail "plain set"
W "$BIN/sbcliptool.exe" formats > "$TMP/fmts2" || fail "sbcliptool formats"
grep -q -e ExcludeClipboard -e CanInclude -e CanUpload "$TMP/fmts2" && fail "a plain set carries exclusion formats: $(cat "$TMP/fmts2")"
pass "a plain set carries none of them"
}

# Screenshot: something known on screen, compared with import.
task_screenshot() {
# The root window painted a known colour (x11-xserver-utils, installed by
# scripts/install-deps.sh), so the capture must hold it, not just agree
# with import.
xsetroot -solid '#3366cc' || fail "xsetroot"
W "$BIN/sbctl.exe" screenshot --session 1 -o "$(winepath -w "$TMP/shot.png" 2>/dev/null)" || fail screenshot
import -window root "$TMP/ref.png" || fail "import"
size=$(identify -format '%wx%h' "$TMP/shot.png")
want=$(xdpyinfo 2>/dev/null | awk '/dimensions:/ {print $2}')
[ -n "$want" ] || want=$(identify -format '%wx%h' "$TMP/ref.png")
[ "$size" = "$want" ] || fail "screenshot $size, screen $want"
diff=$(ae_px "$TMP/shot.png" "$TMP/ref.png")
total=$(( ${size%x*} * ${size#*x} ))
echo "differing pixels: $diff of $total"
[ "$diff" -le $(( total / 100 )) ] || fail "screenshot differs in $diff pixels"
px=$(convert "$TMP/shot.png" -format '%[pixel:p{5,5}]' info:)
case "$px" in
  'srgb(51,102,204)'|'#3366CC'|'#3366cc') ;;
  *) fail "screenshot pixel (5,5) is $px, the root was painted #3366cc" ;;
esac
pass "screenshot ${size} PNG equals import -window root within 1% ($diff px); root colour $px found"

# The monitor list against X11's own view, and the same pixels through
# --monitor 0 and --compression small (libpng-independent: ImageMagick
# decodes them).
mons=$(W "$BIN/sbctl.exe" --json monitors --session 1) || fail "monitors"
echo "monitors: $mons"
case "$mons" in
  *'"monitors":[{"index":0,"x":0,"y":0,"width":'"${want%x*}"',"height":'"${want#*x}"',"primary":true,"dpi":'*) ;;
  *) fail "monitors [$mons], want one primary ${want} monitor at 0,0" ;;
esac
case "$mons" in
  *'"dpi_awareness":"unaware"'*|*'"dpi_awareness":"system"'*) fail "the agent is not per-monitor DPI aware: $mons" ;;
esac
W "$BIN/sbctl.exe" screenshot --session 1 --monitor 0 --compression small \
  -o "$(winepath -w "$TMP/mon0.png" 2>/dev/null)" > "$TMP/mon0.out" || fail "screenshot --monitor 0 --compression small"
grep -q "at 0,0" "$TMP/mon0.out" || fail "origin not reported: $(cat "$TMP/mon0.out")"
mdiff=$(ae_px "$TMP/mon0.png" "$TMP/ref.png")
[ "$mdiff" -le $(( total / 100 )) ] || fail "--monitor 0 --compression small differs from import in $mdiff pixels"
pass "monitors: $(echo "$mons" | head -c 160); --monitor 0 --compression small equals import ($mdiff px)"

# Something that is not one colour: a message box open on the screen. The
# whole screen and a region around the box must equal what import sees,
# and the box must be in the picture (pixels that are not the root colour).
W "$BIN/sbctl.exe" message --session 1 --title 'sb-shot' --text 'in the picture' \
  --timeout-ms 15000 >/dev/null &
m=$!
wid=$(sb_find_window 'sb-shot') || fail "box for the screenshot not found"
sleep 0.5 # Wine draws the box after mapping it
W "$BIN/sbctl.exe" screenshot --session 1 -o "$(winepath -w "$TMP/box.png" 2>/dev/null)" || fail "screenshot with a box"
import -window root "$TMP/boxref.png" || fail import
eval "$(xdotool getwindowgeometry --shell "$wid")"
rx=$X ry=$Y rw=$WIDTH rh=$HEIGHT
W "$BIN/sbctl.exe" screenshot --session 1 --region "$rx,$ry,$rw,$rh" \
  -o "$(winepath -w "$TMP/region.png" 2>/dev/null)" || fail "region screenshot"
import -window root -crop "${rw}x${rh}+${rx}+${ry}" +repage "$TMP/regionref.png" || fail "import crop"
xdotool key --window "$wid" Return 2>/dev/null
wait $m
convert -size "$size" xc:'#3366cc' "$TMP/plain.png"
boxpx=$(ae_px "$TMP/box.png" "$TMP/plain.png")
[ "$boxpx" -ge $(( rw * rh / 4 )) ] || fail "the box is not in the screenshot ($boxpx px differ from the bare root)"
diff=$(ae_px "$TMP/box.png" "$TMP/boxref.png")
[ "$diff" -le $(( total / 100 )) ] || fail "screenshot with a box differs from import in $diff pixels"
[ "$(identify -format '%wx%h' "$TMP/region.png")" = "${rw}x${rh}" ] || fail "region size"
rdiff=$(ae_px "$TMP/region.png" "$TMP/regionref.png")
[ "$rdiff" -le $(( rw * rh / 100 )) ] || fail "region differs from import in $rdiff pixels"
pass "a box on screen: screenshot equals import ($diff px differ; $boxpx px are the box), --region $rx,$ry,$rw,$rh equals import -crop ($rdiff px)"
}

# Message boxes: a click, a timeout, two at once with a ping between.
task_message() {
W "$BIN/sbctl.exe" message --session 1 --title 'sb-click' --text 'press No' \
  --buttons yesno > "$TMP/click.out" &
m=$!
wid=$(sb_find_window 'sb-click') || fail "box not found by title"
xdotool key --window "$wid" n 2>/dev/null
wait $m
[ "$(cat "$TMP/click.out")" = no ] || fail "click answer [$(cat "$TMP/click.out")]"
pass "xdotool pressed No -> sbctl printed no"
# Enter typed at a question answers with the harmless button.
W "$BIN/sbctl.exe" message --session 1 --title 'sb-enter' --text 'Restart now?' \
  --buttons yesno > "$TMP/enter.out" &
m=$!
wid=$(sb_find_window 'sb-enter') || fail "box not found by title"
sleep 0.5
xdotool key --window "$wid" Return 2>/dev/null
wait $m
[ "$(cat "$TMP/enter.out")" = no ] || fail "Return answered [$(cat "$TMP/enter.out")], not no"
pass "xdotool typed Return at a yes/no box -> no (the default is the harmless button)"
t0=$(date +%s%N)
got=$(W "$BIN/sbctl.exe" message --session 1 --title 'sb-timeout' --text x --timeout-ms 1000)
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
[ "$got" = timeout ] || fail "timeout answer [$got]"
[ $ms -ge 900 ] && [ $ms -le 4000 ] || fail "timeout after $ms ms"
pass "no click, --timeout-ms 1000 -> timeout after $ms ms"
W "$BIN/sbctl.exe" message --session 1 --title 'sb-two-a' --text a --timeout-ms 3000 > "$TMP/a.out" &
a=$!
W "$BIN/sbctl.exe" message --session 1 --title 'sb-two-b' --text b --timeout-ms 3000 > "$TMP/b.out" &
b=$!
sleep 0.5
W "$BIN/sbctl.exe" ping --session 1 | grep -q pong || fail "ping while two boxes are open"
for _ in $(seq 1 50); do
  [ "$(xdotool search --name 'sb-two-' 2>/dev/null | wc -l)" -ge 2 ] && break
  sleep 0.1
done
[ "$(xdotool search --name 'sb-two-' 2>/dev/null | wc -l)" -ge 2 ] || fail "two boxes not open at once"
pa=$(xdotool getwindowgeometry "$(sb_find_window sb-two-a)" | awk '/Position/ { print $2 }')
pb=$(xdotool getwindowgeometry "$(sb_find_window sb-two-b)" | awk '/Position/ { print $2 }')
[ -n "$pa" ] && [ "$pa" != "$pb" ] || fail "two boxes at the same position ($pa, $pb)"
pass "two boxes cascaded: at $pa and $pb"
wait $a $b
[ "$(cat "$TMP/a.out")" = timeout ] && [ "$(cat "$TMP/b.out")" = timeout ] || fail "two boxes"
pass "two boxes open at once, a ping answered in between, both timed out"
}

# Notification: shown; malformed ones get clear errors.
task_notify() {
# Wine's tray takes the icon and the balloon and never sends a balloon
# callback (measured: none within --wait-ms 3000), so the honest answer
# is "accepted", never "shown".
got=$(W "$BIN/sbctl.exe" notify --session 1 --title Backup --text finished --wait-ms 3000)
[ "$got" = accepted ] || [ "$got" = shown ] || fail "notify answered [$got]"
pass "notify with --wait-ms 3000 under Wine: $got"
xdotool search --name 'Wine System Tray' >/dev/null 2>&1 && echo "(icon in the Wine System Tray window; Wine draws no balloon)"
wine "$BIN/sbctl.exe" notify --session 1 --title '' --text '' >/dev/null 2>"$TMP/n1"; rc=$?
grep -q 'INVALID' "$TMP/n1" && [ $rc -eq 3 ] || fail "empty notify"
wine "$BIN/sbctl.exe" notify --session 1 --title t --text "$(head -c 5000 /dev/zero | tr '\0' x)" >/dev/null 2>"$TMP/n2"; rc=$?
grep -q 'TOO_LARGE' "$TMP/n2" && [ $rc -eq 3 ] || fail "oversized notify"
pass "empty -> INVALID, 5000-byte text -> TOO_LARGE"
}

# Fault injection: the agent killed while a box is open. The request ends
# with a clear error at once (not at its 20 s deadline) and the agent is
# relaunched.
task_agent_kill() {
old=$(agent_pid)
wine "$BIN/sbctl.exe" message --session 1 --title 'sb-kill' --text x \
  --timeout-ms 20000 >/dev/null 2>"$TMP/kill.err" &
m=$!
for _ in $(seq 1 100); do
  xdotool search --name 'sb-kill' >/dev/null 2>&1 && break
  sleep 0.1
done
t0=$(date +%s%N)
kill_agents
wait $m; rc=$?
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
tr -d '\r' < "$TMP/kill.err" | grep -v -e wine32 -e multiarch -e add-architecture
[ $rc -eq 3 ] && grep -q 'AGENT_LOST' "$TMP/kill.err" || fail "killed agent: rc $rc"
[ $ms -lt 10000 ] || fail "the request took $ms ms to fail"
wait_connected 200 "$old" >/dev/null || fail "agent not relaunched"
pass "agent killed mid-request: AGENT_LOST after $ms ms, agent relaunched"
}

# DPI (issue 13): Wine takes the system DPI from HKCU\Control Panel\Desktop
# LogPixels when a process starts. Set to 144 (150 %), an agent started
# after it must report 144 for the monitor and still capture the screen in
# its physical pixels (the size xdpyinfo gives, the pixels import sees);
# with the value taken away again, a new agent reports 96 once more.
task_dpi() {
local key='HKCU\Control Panel\Desktop' old want mons diff
want=$(xdpyinfo 2>/dev/null | awk '/dimensions:/ {print $2}')
[ -n "$want" ] || fail "xdpyinfo gave no screen size"
if wine reg query "$key" /v LogPixels >/dev/null 2>&1; then
  fail "LogPixels is already set in this prefix; the test would not know what to restore"
fi
# Whatever happens next, the prefix's other users get 96 back.
trap 'wine reg delete "$key" /v LogPixels /f >/dev/null 2>&1' EXIT
wine reg add "$key" /v LogPixels /t REG_DWORD /d 144 /f >/dev/null 2>&1 || fail "reg add LogPixels"
old=$(agent_pid)
kill_agents || fail "no agent to restart"
wait_connected 200 "$old" >/dev/null || fail "agent not relaunched"
mons=$(W "$BIN/sbctl.exe" --json monitors --session 1) || fail "monitors"
echo "monitors at LogPixels 144: $mons"
case "$mons" in
  *'"width":'"${want%x*}"',"height":'"${want#*x}"',"primary":true,"dpi":144'*) ;;
  *) fail "monitors [$mons], want the ${want} monitor at 144 dpi" ;;
esac
xsetroot -solid '#cc6633' || fail "xsetroot"
W "$BIN/sbctl.exe" screenshot --session 1 -o "$(winepath -w "$TMP/dpi.png" 2>/dev/null)" || fail screenshot
import -window root "$TMP/ref.png" || fail "import"
size=$(identify -format '%wx%h' "$TMP/dpi.png")
[ "$size" = "$want" ] || fail "screenshot at 144 dpi is $size, the screen is $want pixels"
diff=$(ae_px "$TMP/dpi.png" "$TMP/ref.png")
[ "$diff" -le $(( ${want%x*} * ${want#*x} / 100 )) ] || fail "screenshot at 144 dpi differs from import in $diff pixels"
pass "LogPixels 144: monitors report dpi 144; screenshot $size (physical pixels), $diff px differ from import"
wine reg delete "$key" /v LogPixels /f >/dev/null 2>&1 || fail "reg delete LogPixels"
old=$(agent_pid)
kill_agents || fail "no agent to restart"
wait_connected 200 "$old" >/dev/null || fail "agent not relaunched"
mons=$(W "$BIN/sbctl.exe" --json monitors --session 1) || fail "monitors"
case "$mons" in
  *'"dpi":96'*) ;;
  *) fail "LogPixels removed, yet monitors say [$mons]" ;;
esac
pass "LogPixels removed: a new agent reports dpi 96 again"
}

declare -F "task_$TASK" >/dev/null || { echo "unknown task $TASK"; exit 2; }
need xclip xdotool import compare identify
cleanup_service
W "$BIN/sbservice.exe" install >/dev/null || fail install
W "$BIN/sbservice.exe" start | grep -q RUNNING || fail start
wait_connected 100 >/dev/null || fail "agent not connected"
TMP=$(mktemp -d)
"task_$TASK"
W "$BIN/sbservice.exe" uninstall >/dev/null
rm -rf "$TMP"
echo PASS
