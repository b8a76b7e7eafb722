#!/usr/bin/env bash
# No answer with a 1000 ms timeout: sbtasks prints "timeout" after about a
# second, and the box is gone from the X screen.
source "$(dirname "$0")/lib.sh"
need xdotool
title="sb-oracle-timeout-$$"
t0=$(date +%s%N)
got=$(T msgbox "$title" "nobody answers" --timeout-ms 1000 | tr -d '\r')
ms=$(ms_since $t0)
[ "$got" = timeout ] || fail "printed [$got] ($(terr))"
[ "$ms" -ge 1000 ] && [ "$ms" -le 4000 ] || fail "timeout after $ms ms"
pass "no answer, --timeout-ms 1000 -> timeout after $ms ms (wine start included)"
sleep 0.5
xdotool search --name "$title" >/dev/null 2>&1 && fail "the box is still on screen"
pass "the box is gone"
echo PASS
