#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The package as another project uses it, natively: cmake --install into a
# temporary prefix, then examples/ask_screenshot built outside the tree
# against it twice, with find_package(sessionbridge) and with pkg-config,
# and both run against `sbservice run --console`: they list the sessions,
# ping the agent, and ask their question, which the native agent answers
# with the status the desktop tasks have natively (no POSIX desktop
# backend yet, docs/protocol.md): exit 3 with that status named.
set -u
BUILD=${1:?usage: package_native.sh BUILD_DIR SOURCE_DIR}
SRC=${2:?usage: package_native.sh BUILD_DIR SOURCE_DIR}
T=$(mktemp -d)
chmod 700 "$T"
SVC=
fail() { echo "FAIL: $*"; [ -f "$T/service.err" ] && tail -n 20 "$T/service.err"; [ -n "$SVC" ] && kill "$SVC" 2>/dev/null; exit 1; }
pass() { echo "ok: $*"; }

cmake --install "$BUILD" --prefix "$T/prefix" >"$T/install.log" 2>&1 || { cat "$T/install.log"; fail "cmake --install"; }
P=$T/prefix
LIBDIR=$(dirname "$(find "$P" -name sessionbridge.pc | head -n1)")/..
for f in include/sessionbridge/client.h include/sessionbridge/version.h \
         include/sessionbridge/error.h include/sessionbridge/export.h; do
  [ -f "$P/$f" ] || fail "$f not installed"
done
# Internal headers (sb__, docs/api.md) stay in the source tree.
[ ! -e "$P/include/sessionbridge/bootstrap.h" ] || fail "internal header bootstrap.h installed"
! grep -rq 'sb__' "$P/include" || fail "an installed header declares sb__ names: $(grep -rl 'sb__' "$P/include")"
ls "$LIBDIR"/libsessionbridge.so.0 "$LIBDIR"/libsessionbridge.a \
   "$LIBDIR"/cmake/sessionbridge/sessionbridgeConfig.cmake >/dev/null ||
  fail "library or package files missing"
[ -f "$P/bin/sbservice" ] && [ -f "$P/bin/sbctl" ] || fail "programs not installed"
ls "$P"/share/doc/sessionbridge/LICENSE "$P"/share/doc/sessionbridge/api.md >/dev/null || fail "docs not installed"
pass "installed: headers, libsessionbridge.so.0 + .a, cmake and pkg-config files, programs, docs"

# find_package
cmake -S "$SRC/examples/ask_screenshot" -B "$T/fp" -DCMAKE_PREFIX_PATH="$P" \
  -DCMAKE_BUILD_TYPE=Release >"$T/fp.log" 2>&1 &&
  cmake --build "$T/fp" >>"$T/fp.log" 2>&1 || { cat "$T/fp.log"; fail "find_package build"; }
# It must use the installed shared library, not anything in the build tree.
ldd "$T/fp/ask_screenshot" | grep -q "$LIBDIR.*libsessionbridge.so.0\|$(cd "$LIBDIR" && pwd -P)/libsessionbridge.so.0" ||
  { ldd "$T/fp/ask_screenshot"; fail "find_package build does not load the installed .so"; }
pass "find_package(sessionbridge) build links the installed libsessionbridge.so.0"

# pkg-config: the example's own Makefile, in a copy of the example.
mkdir -p "$T/pc"
cp "$SRC/examples/ask_screenshot/ask_screenshot.c" "$SRC/examples/ask_screenshot/Makefile" "$T/pc/"
export PKG_CONFIG_PATH
PKG_CONFIG_PATH="$(dirname "$(find "$P" -name sessionbridge.pc)")"
flags=$(pkg-config --cflags --libs sessionbridge) || fail "pkg-config --cflags --libs sessionbridge"
make -s -C "$T/pc" CFLAGS="-Wall -Wextra -Werror" \
  LDFLAGS="-Wl,-rpath,$(cd "$LIBDIR" && pwd)" >"$T/pc.log" 2>&1 || { cat "$T/pc.log"; fail "pkg-config build"; }
pass "pkg-config build: $flags"

# Against the console service.
export SB_DATA_DIR="$T/rt"
"$P/bin/sbservice" run --console --runtime-dir "$SB_DATA_DIR" 2>"$T/service.err" &
SVC=$!
for _ in $(seq 1 100); do
  "$P/bin/sbctl" sessions 2>/dev/null | grep -qE '^1 +connected' && break
  sleep 0.1
done
"$P/bin/sbctl" sessions 2>/dev/null | grep -qE '^1 +connected' || fail "agent not connected"
for b in fp pc; do
  "$T/$b/ask_screenshot" --wait-ms 2000 "$T/$b.png" >"$T/$b.out" 2>"$T/$b.err"; rc=$?
  cat "$T/$b.out" "$T/$b.err"
  grep -q "^libsessionbridge [0-9.]* (built with [0-9.]*)" "$T/$b.out" || fail "$b: no version line"
  grep -q "^session 1: user '.*', agent connected" "$T/$b.out" || fail "$b: session 1 not listed"
  grep -q "^session 1 answers in [0-9]* ms" "$T/$b.out" || fail "$b: no ping"
  # The box is a desktop task: natively it is answered with the status
  # the portable core documents for a missing backend.
  [ $rc -eq 3 ] || fail "$b: exit $rc, want 3"
  grep -Eq "asking the user failed: (UNSUPPORTED|INTERNAL): " "$T/$b.err" || fail "$b: status not named"
  [ ! -e "$T/$b.png" ] || fail "$b: a screenshot was written"
  pass "$b: sessions, ping, and the question answered $(grep -Eo '(UNSUPPORTED|INTERNAL)' "$T/$b.err" | head -n1)"
done
# A wrong key: a local failure, exit 2, no status.
head -c 32 /dev/urandom > "$T/wrong.key"
"$T/fp/ask_screenshot" --key "$T/wrong.key" "$T/x.png" >/dev/null 2>"$T/wrong.err"; rc=$?
[ $rc -eq 2 ] && grep -q "handshake" "$T/wrong.err" || fail "wrong key: exit $rc $(cat "$T/wrong.err")"
pass "wrong key: exit 2, $(cat "$T/wrong.err")"
kill "$SVC"; wait "$SVC" 2>/dev/null
rm -rf "$T"
echo PASS
