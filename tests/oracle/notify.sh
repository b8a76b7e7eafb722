#!/usr/bin/env bash
# A notification is shown without error (under Wine: the icon lands in the
# "Wine System Tray" window; no balloon is drawn); malformed ones get clear
# errors: empty title and text -> EFIELD, 4097-byte text -> ETOOBIG.
source "$(dirname "$0")/lib.sh"
need xdotool
t0=$(date +%s%N)
got=$(T notify Backup 'finished ✓' | tr -d '\r')
[ "$got" = shown ] || fail "notify printed [$got]: $(terr)"
pass "notify -> shown in $(ms_since $t0) ms"
if xdotool search --name 'Wine System Tray' >/dev/null 2>&1; then
  pass "a 'Wine System Tray' window exists on the X screen"
fi
T notify '' '' >/dev/null && fail "empty notification accepted"
terr | grep -q EFIELD || fail "empty: [$(terr)]"
T notify t "$(head -c 4097 /dev/zero | tr '\0' x)" >/dev/null && fail "4097-byte text accepted"
terr | grep -q ETOOBIG || fail "oversized: [$(terr)]"
pass "empty -> EFIELD, 4097-byte text -> ETOOBIG"
echo PASS
