#!/usr/bin/env bash
# sbtasks clipboard-set -> `xclip -o -selection clipboard` prints the same
# text: ASCII, non-ASCII (2-, 3- and 4-byte UTF-8), and 2 MB from stdin.
source "$(dirname "$0")/lib.sh"
need xclip
keep_desktop
for text in 'plain ASCII text' 'Grüße aus Session 1 ✓ — 日本語 😀'; do
  t0=$(date +%s%N)
  T clipboard-set "$text" || fail "clipboard-set: $(terr)"
  got=$(timeout 5 xclip -o -selection clipboard) || fail "xclip -o failed"
  [ "$got" = "$text" ] || fail "xclip read [$got], want [$text]"
  pass "set -> xclip -o in $(ms_since $t0) ms: $got"
done
head -c 1500000 /dev/urandom | base64 -w 0 > "$TMP/big.txt"
T clipboard-set - < "$TMP/big.txt" || fail "clipboard-set - (2 MB): $(terr)"
timeout 20 xclip -o -selection clipboard > "$TMP/big.out"
cmp -s "$TMP/big.txt" "$TMP/big.out" || fail "2 MB read by xclip differs"
pass "$(stat -c %s "$TMP/big.txt") bytes from stdin, equal in X11"
# Over the limit: refused, and X11 still has what was there.
head -c 16777217 /dev/zero | tr '\0' a > "$TMP/over.txt"
T clipboard-set - < "$TMP/over.txt" >/dev/null && fail "16 MiB + 1 accepted"
terr | grep -q ETOOBIG || fail "16 MiB + 1: [$(terr)]"
timeout 20 xclip -o -selection clipboard > "$TMP/after.out"
cmp -s "$TMP/big.txt" "$TMP/after.out" || fail "a refused set changed the clipboard"
pass "16 MiB + 1 refused with ETOOBIG, X11 clipboard unchanged"
echo PASS
