#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The MSI's tables, read back with msiinfo (msitools), for what Wine's
# msiexec cannot show and what a change to the .wxs or to
# packaging/win/build-msi.sh could silently undo:
#   - no custom action: nothing runs from the package as SYSTEM;
#   - the old product of a major upgrade is removed after InstallFinalize
#     (the upgrade then removes nothing: docs/building.md);
#   - RemoveFile rows, "on remove", for every file the service writes in
#     its data folder, and for the folder.
set -eu
MSI=${1:?msi}
MSIINFO=${2:-msiinfo}
fail() { echo "FAIL: $*"; exit 1; }
rows() { "$MSIINFO" export "$MSI" "$1" | tail -n +4 | tr -d '\r'; }

ca=$(rows CustomAction)
[ -z "$ca" ] || fail "custom actions in the MSI: $ca"
seq_of() { rows InstallExecuteSequence | awk -F'\t' -v a="$1" '$1 == a { print $3 }'; }
rep=$(seq_of RemoveExistingProducts)
fin=$(seq_of InstallFinalize)
[ -n "$rep" ] && [ -n "$fin" ] || fail "RemoveExistingProducts ($rep) or InstallFinalize ($fin) not sequenced"
[ "$rep" -gt "$fin" ] || fail "RemoveExistingProducts at $rep, not after InstallFinalize ($fin): an upgrade would delete the key"
echo "ok: no custom action; RemoveExistingProducts at $rep, after InstallFinalize ($fin)"

rf=$(rows RemoveFile)
for name in control.key control.key.new sessionbridge.log sessionbridge.log.1; do
  # FileName is "short|long" or just the name; component data, DATADIR,
  # InstallMode 2 (on remove).
  echo "$rf" | awk -F'\t' -v n="$name" '
    { split($3, p, "|"); long = (p[2] != "") ? p[2] : p[1] }
    long == n && $2 == "data" && $4 == "DATADIR" && $5 == 2 { found = 1 }
    END { exit !found }' || fail "no RemoveFile row (data, DATADIR, on remove) for $name"
done
echo "$rf" | awk -F'\t' '$3 == "" && $2 == "data" && $4 == "DATADIR" && $5 == 2 { f = 1 } END { exit !f }' ||
  fail "no RemoveFolder row for the data folder"
echo "ok: RemoveFile rows for the key, its .new, both logs and the folder"
dir=$(rows Directory | awk -F'\t' '$1 == "DATADIR" { print $2 "/" $3 }')
[ "$dir" = "CommonAppDataFolder/sessionbridge" ] || fail "DATADIR is $dir, not %ProgramData%\\sessionbridge"
echo "PASS"
