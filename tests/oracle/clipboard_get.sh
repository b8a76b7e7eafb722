#!/usr/bin/env bash
# `xclip -i -selection clipboard` sets text -> sbtasks clipboard-get
# prints it (non-ASCII included).
source "$(dirname "$0")/lib.sh"
need xclip
keep_desktop
for text in 'from X11' 'from X11: ünïcödé ✓ 日本語 😀'; do
  printf '%s' "$text" | xclip -i -selection clipboard
  # xclip forks a server that owns the selection; Wine's desktop sees the
  # new owner shortly after.
  got=
  t0=$(date +%s%N)
  for _ in $(seq 1 20); do
    got=$(T clipboard-get) || fail "clipboard-get: $(terr)"
    [ "$got" = "$text" ] && break
    sleep 0.1
  done
  [ "$got" = "$text" ] || fail "clipboard-get printed [$got], want [$text]"
  pass "xclip -i -> get in $(ms_since $t0) ms: $got"
done
echo PASS
