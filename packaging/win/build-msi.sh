#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Builds the MSI: wixl (Debian msitools) from sessionbridge.wxs, then the
# rows wixl 0.101 cannot express, added with msibuild (same package).
#
#   build-msi.sh WIXL MSIBUILD VERSION BINDIR WXS OUT
#
# The added rows are RemoveFile entries: the files the service itself
# makes in its data folder (%ProgramData%\sessionbridge), deleted by
# Windows Installer when the product is uninstalled (InstallMode 2, "on
# remove"). wixl has a RemoveFolder element but no RemoveFile element.
# They belong to the "data" component, whose GUID never changes, and the
# old product of a major upgrade is removed after the new one is installed
# (RemoveExistingProducts after InstallFinalize, in the .wxs): the old
# product's removal then only drops its claim on a component the new one
# holds too, so an upgrade deletes nothing here and keeps the key. Names
# are exact, not wildcards: Windows Installer takes "*" and "?", Wine's
# msiexec does not, and these are all the names the service writes
# (service/win/datadir_win.c, service/win/log_win.c). FileName is
# "short|long": the column is a Filename type.
set -eu
WIXL=${1:?wixl}
MSIBUILD=${2:?msibuild}
VERSION=${3:?version}
BINDIR=${4:?bin dir}
WXS=${5:?wxs}
OUT=${6:?output msi}

# wixl takes source paths relative to where it runs.
(cd "$BINDIR" && "$WIXL" -a x64 -D Version="$VERSION" -D SourceDir=. \
  -o "$OUT.tmp" "$WXS")
rows=(
  "datakey|control.key|control.key"
  "datakeynew|ctlkey.new|control.key.new"
  "datalog|sblog.log|sessionbridge.log"
  "datalog1|sblog.1|sessionbridge.log.1"
)
for r in "${rows[@]}"; do
  IFS='|' read -r id short long <<<"$r"
  [ "$short" = "$long" ] && name=$long || name="$short|$long"
  "$MSIBUILD" "$OUT.tmp" -q "INSERT INTO \`RemoveFile\` (\`FileKey\`, \
\`Component_\`, \`FileName\`, \`DirProperty\`, \`InstallMode\`) VALUES \
('$id', 'data', '$name', 'DATADIR', 2)"
done
mv "$OUT.tmp" "$OUT"
