#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Every source file we wrote says its licence in its first three lines
# (SPDX-License-Identifier: MIT), so a file copied out of the tree into
# another project still carries it. Data (test vectors, fuzz corpora,
# scenario scripts, images, the ABI baseline) and prose (*.md, LICENSE) are
# not sources and are left out.
set -u
SRC=${1:?usage: check_spdx.sh SOURCE_DIR}
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cd "$SRC" || exit 1
source "$HERE/files.sh"
bad=0
n=0
for f in "${files[@]}"; do
  [ -f "$f" ] || continue
  case "$f" in
    tests/fuzz/corpus/*|tests/fuzz/regressions/*|tests/vectors/*) continue ;;
  esac
  case "$f" in
    *.c|*.h|*.proto|*.rc|*.mc|*.sh|*.py|*.cmake|*.in|*.manifest|*.wxs|*.gp) ;;
    CMakeLists.txt|*/CMakeLists.txt|Makefile|*/Makefile|.ci/run|.clang-format) ;;
    *) continue ;;
  esac
  n=$((n + 1))
  if ! head -n 3 -- "$f" | grep -q 'SPDX-License-Identifier: MIT'; then
    echo "FAIL: $f has no 'SPDX-License-Identifier: MIT' in its first three lines"
    bad=1
  fi
done
if [ "$n" -eq 0 ]; then
  echo "FAIL: no source files found under $SRC"; exit 1
fi
[ "$bad" -eq 0 ] && echo "ok: $n source files carry the SPDX line"
exit "$bad"
