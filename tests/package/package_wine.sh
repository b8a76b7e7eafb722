#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The package as another project uses it, for Windows: the win64 build
# installed into a temporary prefix (sessionbridge.dll, its import library,
# headers, cmake and pkg-config files, the programs), then
# examples/ask_screenshot cross-built outside the tree with mingw-w64,
# with find_package(sessionbridge) and with pkg-config, and both run under
# Wine against the real service installed from that prefix: xdotool
# answers Yes in the box, and the PNG the example writes must be the
# whole 1280x800 screen (ImageMagick's identify says so).
set -u
BUILD=${1:?usage: package_wine.sh BUILD_DIR SOURCE_DIR}
SRC=${2:?usage: package_wine.sh BUILD_DIR SOURCE_DIR}
# Inside the build folder, not /tmp: the service refuses to run from a
# folder a non-administrator can write (its ACL judge checks every folder
# up to the root, and /tmp is world-writable), as it would from a
# user-writable folder on Windows.
T=$(mktemp -d "$BUILD/package-wine.XXXXXX")
chmod 755 "$T"
P=$T/prefix
cmake --install "$BUILD" --prefix "$P" >"$T/install.log" 2>&1 || { cat "$T/install.log"; echo "FAIL: cmake --install"; exit 1; }
set -- "$P/bin"
source "$SRC/tests/e2e/lib.sh"
source "$SRC/scripts/lib.sh" # sb_find_window
need
for tool in xdotool identify x86_64-w64-mingw32-gcc pkg-config; do
  command -v $tool >/dev/null || { echo "SKIP: $tool missing"; exit 77; }
done
for f in bin/sessionbridge.dll lib/libsessionbridge.dll.a lib/libsessionbridge.a \
         include/sessionbridge/client.h lib/pkgconfig/sessionbridge.pc \
         lib/cmake/sessionbridge/sessionbridgeConfig.cmake bin/sbservice.exe \
         bin/sbagent.exe bin/sbctl.exe; do
  [ -f "$P/$f" ] || fail "$f not installed"
done
pass "installed: sessionbridge.dll + libsessionbridge.dll.a + libsessionbridge.a, headers, package files, programs"

# find_package, cross
cmake -S "$SRC/examples/ask_screenshot" -B "$T/fp" -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_TOOLCHAIN_FILE="$SRC/cmake/toolchain-mingw-w64.cmake" \
  -DCMAKE_PREFIX_PATH="$P" >"$T/fp.log" 2>&1 &&
  cmake --build "$T/fp" >>"$T/fp.log" 2>&1 || { cat "$T/fp.log"; fail "find_package build"; }
# pkg-config, cross: only the installed .pc (PKG_CONFIG_LIBDIR replaces
# the system's directories).
mkdir -p "$T/pc"
cp "$SRC/examples/ask_screenshot/ask_screenshot.c" "$SRC/examples/ask_screenshot/Makefile" "$T/pc/"
flags=$(PKG_CONFIG_LIBDIR="$P/lib/pkgconfig" pkg-config --cflags --libs sessionbridge) || fail "pkg-config"
PKG_CONFIG_LIBDIR="$P/lib/pkgconfig" make -s -C "$T/pc" CC=x86_64-w64-mingw32-gcc EXE=.exe \
  CFLAGS="-Wall -Wextra -Werror" >"$T/pc.log" 2>&1 || { cat "$T/pc.log"; fail "pkg-config build"; }
for b in fp pc; do
  x86_64-w64-mingw32-objdump -p "$T/$b/ask_screenshot.exe" | grep -q "DLL Name: sessionbridge.dll" ||
    fail "$b: the example does not import sessionbridge.dll"
  # Windows finds a program's DLLs next to it first.
  cp "$P/bin/sessionbridge.dll" "$T/$b/"
done
pass "find_package and pkg-config ($flags) cross builds import sessionbridge.dll"

cleanup_service
W "$BIN/sbservice.exe" install >/dev/null || fail install
W "$BIN/sbservice.exe" start | grep -q RUNNING || fail start
wait_connected 100 >/dev/null || fail "agent not connected"
for b in fp pc; do
  out=$(winepath -w "$T/$b.png" 2>/dev/null)
  wine "$T/$b/ask_screenshot.exe" --session 1 --wait-ms 30000 "$out" \
    >"$T/$b.out" 2>"$T/$b.err" </dev/null &
  pid=$!
  wid=$(sb_find_window 'Backup service') || { kill $pid; fail "$b: no box titled 'Backup service'"; }
  xdotool key --window "$wid" y 2>/dev/null
  wait $pid; rc=$?
  tr -d '\r' < "$T/$b.out"
  [ $rc -eq 0 ] || { tr -d '\r' < "$T/$b.err" | grep -v -e wine32 -e multiarch; fail "$b: exit $rc"; }
  size=$(identify -format '%wx%h' "$T/$b.png" 2>/dev/null)
  [ "$size" = 1280x800 ] || fail "$b: screenshot is [$size], want 1280x800"
  pass "$b: the user pressed Yes, $b.png is a $size PNG of the screen"
done
W "$BIN/sbservice.exe" uninstall >/dev/null
rm -rf "$T"
echo PASS
