#!/usr/bin/env bash
# Another program holds the clipboard: a set waits and succeeds once it is
# released (held 700 ms), and answers EBUSY when it is held too long (3 s),
# after about a second rather than hanging.
source "$(dirname "$0")/lib.sh"
need xclip
keep_desktop
hold() { # ms file: start a holder and wait until it has the clipboard
  wine "$SBTASKS" clipboard-hold "$1" > "$2" 2>/dev/null &
  holder=$!
  PIDS+=($holder)
  for _ in $(seq 1 100); do grep -q held "$2" && return 0; sleep 0.02; done
  fail "the holder did not open the clipboard"
}
hold 700 "$TMP/hold1"
t0=$(date +%s%N)
T clipboard-set 'after the holder' || fail "set while held 700 ms: $(terr)"
ms=$(ms_since $t0)
# The set started after the holder had the clipboard, so it cannot have
# finished before the holder let go (less the polling slack above).
[ "$ms" -ge 600 ] || fail "set finished after $ms ms although the clipboard was held 700 ms"
[ "$(timeout 5 xclip -o -selection clipboard)" = 'after the holder' ] || fail "text not in X11"
pass "held 700 ms: set waited and succeeded after $ms ms"
wait $holder
hold 3000 "$TMP/hold2"
t0=$(date +%s%N)
T clipboard-set 'never' && fail "set succeeded while the clipboard was held"
ms=$(ms_since $t0)
terr | grep -q EBUSY || fail "held 3 s: [$(terr)]"
[ "$ms" -lt 2900 ] || fail "EBUSY only after $ms ms"
# X11 cannot read the clipboard while it is held either: wait for the
# holder to let go.
wait $holder
[ "$(timeout 5 xclip -o -selection clipboard)" = 'after the holder' ] || fail "a refused set changed the clipboard"
pass "held 3 s: EBUSY after $ms ms, clipboard unchanged"
echo PASS
