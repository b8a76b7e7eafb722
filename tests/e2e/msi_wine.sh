#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The MSI under Wine's msiexec: a quiet per-machine install into Program
# Files registers and starts the service (ServiceInstall/ServiceControl),
# whose agent answers in session 1; a major upgrade (the same files as the
# next patch version, built here from the same .wxs by the same
# packaging/win/build-msi.sh) keeps the service running and the control
# key; uninstall leaves no service, no Event Log source, no program files
# and no data folder. What Wine's msiexec does differently from Windows
# is in docs/building.md ("The MSI").
source "$(dirname "$0")/lib.sh"
MSI=${2:?msi}
WXS=${3:?wxs}
WIXL=${4:?wixl}
MSIBUILD=${5:?msibuild}
BUILD_MSI=${6:?build-msi.sh}
need
cleanup_service
PF="$WINEPREFIX/drive_c/Program Files/sessionbridge"
EL='HKLM\SYSTEM\CurrentControlSet\Services\EventLog\Application\sessionbridge'
UN='HKLM\Software\Microsoft\Windows\CurrentVersion\Uninstall'
CTL='C:\Program Files\sessionbridge\sbctl.exe'
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
msi_fail() { W msiexec /x "$MSI" /qn >/dev/null 2>&1 || true; fail "$@"; }
# msiexec with a verbose log; on failure the log's last lines and wine's
# stderr are printed, so a CI failure carries its cause. Unix sees the
# exit code modulo 256: 67 is 1603 (install failed), 91 is 1627 (function
# failed), 194 is 3010 (done, restart needed: a file was in use).
msi() { # name msiexec-args...
  local name=$1 rc=0
  shift
  wine msiexec "$@" /qn /l*v "$(winepath -w "$T/$name.log" 2>/dev/null)" \
    </dev/null >/dev/null 2>"$T/$name.err" || rc=$?
  if [ $rc -ne 0 ]; then
    echo "msiexec $* exited $rc; the end of its log:"
    tr -d '\000\r' <"$T/$name.log" | grep -v '^Property(' | tail -n 25
    echo "wine's stderr:"
    tail -n 25 "$T/$name.err"
    echo "the service log:"
    tail -n 15 "$LOG" 2>/dev/null | tr -d '\r'
  fi
  return $rc
}
# The product codes of every sessionbridge product installed: a run
# stopped between the upgrade and the uninstall leaves the newer one,
# which "msiexec /x" of this MSI does not remove and which refuses this
# MSI's install as a downgrade (exit 1603).
products() {
  W reg query "$UN" /s |
    awk '/^HKEY/ { key = $0 } /DisplayName.*REG_SZ.*sessionbridge$/ { n = split(key, p, "\\"); print p[n] }'
}
state() { W sc query sessionbridge | awk '/STATE/ { print $4 }'; }
ping_ok() {
  for _ in $(seq 1 100); do
    W "$CTL" ping --session 1 | grep -q "^pong from session 1" && return 0
    sleep 0.1
  done
  return 1
}
# Windows Installer stops the service and waits for STOPPED (up to 30 s)
# before it replaces or deletes files. Wine 8's msiexec sends the stop and
# goes straight on: while our service was still stopping (ending its
# agent), an upgrade's new start found it STOP_PENDING and failed the
# install (exit 1627, seen in CI), or its exe was still in use (exit
# 3010); an uninstall deleted the files around a service that still held
# its log open, and left the exes and the log. So the test stops it first
# and waits, as Windows would.
stop_and_wait() { # what-for
  local _
  W sc stop sessionbridge >/dev/null
  for _ in $(seq 1 300); do
    [ "$(state)" = STOPPED ] && ! alive 'Program Files.sessionbridge.sb(service|agent)' &&
      return 0
    sleep 0.1
  done
  msi_fail "the service did not stop before the $1: $(state)"
}
key_sum() { sha256sum "$DATA/control.key" | cut -d' ' -f1; }
versions() { W reg query "$UN" /s | awk '/DisplayName.*sessionbridge/ { n++ } END { print n + 0 }'; }

# A previous run's products, if any, and its data: a fresh machine.
for p in $(products); do W msiexec /x "$p" /qn >/dev/null 2>&1 || true; done
[ "$(versions)" = 0 ] || fail "a sessionbridge product is installed and cannot be removed: $(products)"
rm -rf "$DATA"

msi install /i "$MSI" || msi_fail "msiexec /i: exit $?"
for f in sbservice.exe sbagent.exe sbctl.exe; do
  [ -f "$PF/$f" ] || msi_fail "$f not installed in Program Files"
done
[ "$(state)" = RUNNING ] || msi_fail "service not RUNNING after install: $(W sc query sessionbridge)"
ping_ok || msi_fail "no pong from session 1 through $CTL"
W reg query "$EL" | grep -q 'EventMessageFile.*Program Files\\sessionbridge\\sbservice.exe' ||
  msi_fail "Event Log source not registered"
[ -f "$DATA/control.key" ] || msi_fail "the service made no key on first start"
k1=$(key_sum)
# Wine's msiexec registers ImagePath unquoted; the service quotes it.
img=$(W reg query 'HKLM\SYSTEM\CurrentControlSet\Services\sessionbridge' /v ImagePath)
echo "$img" | grep -q 'ImagePath.*"C:\\Program Files\\sessionbridge\\sbservice.exe"' ||
  msi_fail "ImagePath not quoted: $img"
pass "install: files in Program Files, service RUNNING, pong from session 1, Event Log source, key made on first start"

# The next version: same UpgradeCode, new ProductCode (Id="*").
IFS=. read -r ma mi pa <<<"$(basename "$MSI" .msi | sed 's/^sessionbridge-//')"
next="$ma.$mi.$((pa + 1))"
bash "$BUILD_MSI" "$WIXL" "$MSIBUILD" "$next" "$BIN" "$WXS" "$T/next.msi" ||
  msi_fail "build-msi.sh $next"
stop_and_wait upgrade
msi upgrade /i "$T/next.msi" || msi_fail "upgrade: exit $?"
[ "$(state)" = RUNNING ] || msi_fail "service not RUNNING after upgrade"
ping_ok || msi_fail "no pong after upgrade"
[ "$(key_sum)" = "$k1" ] || msi_fail "upgrade changed the control key"
[ "$(versions)" = 1 ] || msi_fail "$(versions) sessionbridge products after the upgrade"
W reg query "$UN" /s | grep -q "DisplayVersion.*$next" || msi_fail "upgrade did not register $next"
pass "major upgrade to $next: one product, service RUNNING, pong, key kept"

stop_and_wait uninstall
msi uninstall /x "$T/next.msi" || msi_fail "msiexec /x: exit $?"
W sc query sessionbridge | grep -q STATE && fail "service still registered after uninstall"
W reg query "$EL" 2>/dev/null | grep -q EventMessageFile && fail "Event Log source left"
[ "$(versions)" = 0 ] || fail "product still registered"
left=$(ls -A "$PF" 2>/dev/null || true)
[ -n "$left" ] && fail "uninstall left in Program Files\\sessionbridge: $left"
# The data folder: the files the service made are the MSI's RemoveFile
# rows (packaging/win/build-msi.sh), the folder its RemoveFolder.
[ -e "$DATA" ] && fail "uninstall left the data folder: $(ls -A "$DATA" | tr '\n' ' ')"
pass "uninstall: no service, no Event Log source, no product, no program files, no data folder"
echo "PASS"
