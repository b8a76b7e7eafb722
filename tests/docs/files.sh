# SPDX-License-Identifier: MIT
# Sourced by the docs checks: the files of the source tree in `files`
# (git's list in a checkout, else every file outside build/).
if [ -d .git ] || [ -f .git ]; then
  mapfile -t files < <(git ls-files)
else
  mapfile -t files < <(find . -path ./build -prune -o -type f -print | sed 's|^\./||')
fi
