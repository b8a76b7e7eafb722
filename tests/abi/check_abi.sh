#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The ABI of the stable tier (docs/api.md, "ABI"): abidw dumps what
# libsessionbridge.so exports, seen through the stable headers only
# (client.h, version.h, error.h, export.h), and abidiff compares it with the
# baseline kept next to this script. Any difference fails: a changed
# signature, a struct member added, removed or moved, an enum value
# changed, a function added or removed.
#
#   check_abi.sh BUILD_DIR            compare (the CTest case abi_check)
#   check_abi.sh BUILD_DIR --update   rewrite the baseline (an intended
#                                     change; commit it with the change)
set -u
BUILD=${1:?usage: check_abi.sh BUILD_DIR [--update]}
HERE=$(cd "$(dirname "$0")" && pwd)
SRC=$(cd "$HERE/../.." && pwd)
BASE=$HERE/libsessionbridge.abi
LIB=$BUILD/lib/libsessionbridge.so.0
for t in abidw abidiff; do
  command -v $t >/dev/null || { echo "SKIP: $t missing (Debian: abigail-tools)"; exit 77; }
done
[ -f "$LIB" ] || { echo "FAIL: $LIB not built"; exit 1; }
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
mkdir -p "$T/h/sessionbridge"
cp "$SRC"/common/include/sessionbridge/{client,error,export}.h \
   "$BUILD/include/sessionbridge/version.h" "$T/h/sessionbridge/"
# No paths, locations or build-machine details: the dump must be the same
# on every machine that builds the same ABI.
abidw --headers-dir "$T/h" --no-corpus-path --no-comp-dir-path --no-show-locs \
  --no-elf-needed --drop-private-types --type-id-style hash "$LIB" > "$T/now.abi" ||
  { echo "FAIL: abidw"; exit 1; }
if [ "${2:-}" = --update ]; then
  cp "$T/now.abi" "$BASE"
  echo "baseline rewritten: $BASE"
  exit 0
fi
[ -f "$BASE" ] || { echo "FAIL: no baseline $BASE (run with --update)"; exit 1; }
abidiff --no-show-locs --harmless "$BASE" "$T/now.abi" > "$T/diff.txt"; rc=$?
cat "$T/diff.txt"
if [ $rc -ne 0 ]; then
  echo "FAIL: the stable ABI differs from tests/abi/libsessionbridge.abi (abidiff exit $rc)."
  echo "If the change is intended, see docs/api.md (ABI): check_abi.sh BUILD_DIR --update"
  exit 1
fi
n=$(grep -c '<elf-symbol name=.*is-defined=.yes' "$BASE")
echo "ok: the stable ABI equals the baseline ($n exported functions)"
