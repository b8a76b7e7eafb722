#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Installs the Debian 12 packages that building and testing need.
# Idempotent: only packages that are missing are installed, so a second run
# costs one dpkg query.
set -euo pipefail

pkgs=(
  build-essential cmake pkg-config git
  libsodium-dev libprotobuf-c-dev protobuf-c-compiler zlib1g-dev
  libdeflate-dev libspng-dev libpng-dev
  clang llvm valgrind
  gcc-mingw-w64-x86-64-win32 g++-mingw-w64-x86-64-win32
  wine wine64 xvfb xauth xdotool xclip imagemagick x11-apps x11-xserver-utils x11-utils
  autoconf automake libtool make dpkg-dev
  procps psmisc python3 file abigail-tools
  wixl msitools
)

missing=()
for p in "${pkgs[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  SUDO=sudo
else
  SUDO=
fi
echo "install-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
