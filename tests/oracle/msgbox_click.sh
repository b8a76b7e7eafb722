#!/usr/bin/env bash
# xdotool finds the box by its title and answers it: Return on an OK box
# -> ok; "n" on a Yes/No box -> no; Escape on OK/Cancel -> cancel.
source "$(dirname "$0")/lib.sh"
need xdotool
answer() { # title buttons key want
  local title="sb-oracle-$1-$$" w=
  wine "$SBTASKS" msgbox "$title" "press $3" --buttons "$2" --timeout-ms 20000 \
    > "$TMP/out" 2>/dev/null &
  local pid=$!
  PIDS+=($pid)
  local t0=$(date +%s%N)
  for _ in $(seq 1 100); do
    w=$(xdotool search --name "$title" 2>/dev/null | head -n1)
    [ -n "$w" ] && break
    sleep 0.1
  done
  [ -n "$w" ] || fail "no window named $title"
  local found=$(ms_since $t0)
  sleep 0.2 # the dialog takes keys once its controls exist
  xdotool key --window "$w" "$3"
  wait $pid
  local got=$(tr -d '\r' < "$TMP/out")
  [ "$got" = "$4" ] || fail "$1: pressed $3, sbtasks printed [$got], want $4"
  pass "$1: found in $found ms, xdotool key $3 -> $got ($(ms_since $t0) ms in all)"
}
answer ok 1 Return ok
answer yesno 3 n no
answer okcancel 2 Escape cancel
echo PASS
