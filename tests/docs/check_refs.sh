#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Every document the code, tests and docs cite is in the repository: no
# path outside it (the notes folder beside the clone, /work/...), every
# NAME.md named exists (at the top or in docs/), and every "threats.md 3.N" / "§3.N" names an item
# docs/threats.md has.
set -u
SRC=${1:?usage: check_refs.sh SOURCE_DIR}
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cd "$SRC" || exit 1
source "$HERE/files.sh"
# Only text we wrote: sources, scripts, docs, scenarios.
keep=()
for f in "${files[@]}"; do
  [ "$f" = tests/docs/check_refs.sh ] && continue
  case "$f" in
    *.c|*.h|*.sh|*.md|*.txt|*.cmake|*.in|*.sb|*.py|*.proto|.ci/*|Makefile|*/Makefile) keep+=("$f") ;;
  esac
done
# Documents of other projects, named as such where they are cited.
external=" attacksurface.md "
bad=0
out=$(grep -n -e '\.\./shared' -e '/work/' -- "${keep[@]}" | grep -v '^tests/docs/check_refs.sh:')
if [ -n "$out" ]; then
  echo "FAIL: references outside the repository:"; echo "$out"; bad=1
fi
n=0
while IFS= read -r ref; do
  name=${ref#*:}
  n=$((n + 1))
  case "$external" in *" $name "*) continue ;; esac
  [ -f "$name" ] || [ -f "docs/$name" ] || { echo "FAIL: ${ref%%:*} cites $name, which is not in the repository"; bad=1; }
done < <(grep -o -- '[A-Za-z0-9_-]*\.md\b' "${keep[@]}" | grep -v ':\.md$' | sort -u)
items=$(awk '/^## 3\./{s=1; next} /^## /{s=0} s && /^[0-9]+\. /{sub(/\..*/, ""); print}' docs/threats.md | tr '\n' ' ')
m=0
while IFS= read -r num; do
  m=$((m + 1))
  case " $items " in *" $num "*) ;; *) echo "FAIL: threats.md 3.$num is cited but docs/threats.md has no item $num"; bad=1 ;; esac
done < <(grep -oh -- 'threats\.md §\?3\.[0-9]\+' "${keep[@]}" | sed 's/.*3\.//' | sort -un)
[ $bad -eq 0 ] || exit 1
echo "ok: $n (file, document) citations, all in the repository; $m distinct threats.md items cited, all present; nothing outside the repository"
