#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Cross-builds static libsodium, the protobuf-c runtime, libdeflate (the
# agent's PNG encoder), libspng (the agent's PNG decoder) with zlib (which
# libspng inflates with), and libpng (the tests' independent PNG decoder)
# for x86_64-w64-mingw32 from Debian's source packages, and caches the result outside the clone so that
# a fresh clone does not rebuild them.
#
# Debian ships no mingw builds of these libraries. The sources come from a
# private apt configuration that reuses the machine's own Debian entries as
# deb-src entries, so no mirror host name is written into the repository.
#
# Prints the prefix directory (include/, lib/) on stdout.
set -euo pipefail

HOST=x86_64-w64-mingw32
CACHE_ROOT="${XDG_CACHE_HOME:-$HOME/.cache}/sessionbridge"
APTDIR="$CACHE_ROOT/apt"
SRCDIR="$CACHE_ROOT/src"
mkdir -p "$APTDIR/lists/partial" "$APTDIR/sources" "$SRCDIR"

log() { echo "build-win-deps: $*" >&2; }

# Turn every "Types: deb" stanza of the machine's configuration into deb-src.
make_apt_conf() {
  rm -f "$APTDIR"/sources/*
  local n=0
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -e "$f" ] || continue
    n=$((n + 1))
    sed -e 's/^Types:.*/Types: deb-src/' "$f" > "$APTDIR/sources/src$n.sources"
  done
  if [ -f /etc/apt/sources.list ]; then
    grep -E '^deb ' /etc/apt/sources.list | sed -e 's/^deb /deb-src /' \
      > "$APTDIR/sources/src-list.list" || true
  fi
}

APT_OPTS=(-o Dir::Etc::SourceList=/dev/null
          -o "Dir::Etc::SourceParts=$APTDIR/sources"
          -o "Dir::State::Lists=$APTDIR/lists")

src_versions() { # package -> every version the source index lists, newest first
  apt-cache "${APT_OPTS[@]}" showsrc "$1" 2>/dev/null |
    awk '/^Version:/ {print $2}' | sort -Vru
}
src_version() { src_versions "$1" | head -n1; }

# Download a source package, newest listed version first, falling back to
# older ones: an index can list a version its archive does not serve (seen
# here: zlib's security update answered 404 while bookworm's was there).
# Prints the version fetched.
fetch_src() {
  local v
  for v in $(src_versions "$1"); do
    if apt-get "${APT_OPTS[@]}" source --download-only "$1=$v" >&2; then
      echo "$v"
      return 0
    fi
    log "$1 $v could not be downloaded; trying an older version"
  done
  log "no version of $1 could be downloaded"
  return 1
}

make_apt_conf
if [ -z "$(ls -A "$APTDIR/lists" 2>/dev/null | grep -v partial || true)" ] ||
   [ -z "$(src_version libsodium)" ]; then
  log "updating private deb-src index"
  apt-get "${APT_OPTS[@]}" update -qq >&2
fi

SODIUM_VER=$(src_version libsodium)
PBC_VER=$(src_version protobuf-c)
ZLIB_VER=$(src_version zlib)
DEFLATE_VER=$(src_version libdeflate)
SPNG_VER=$(src_version libspng)
PNG_VER=$(src_version libpng1.6)
[ -n "$SODIUM_VER" ] && [ -n "$PBC_VER" ] && [ -n "$ZLIB_VER" ] &&
  [ -n "$DEFLATE_VER" ] && [ -n "$SPNG_VER" ] && [ -n "$PNG_VER" ] ||
  { log "no source versions found"; exit 1; }
# Bumped when this recipe changes what it builds (2: Debian patches applied;
# 3: libdeflate, libspng and libpng added).
RECIPE=3
KEY="r${RECIPE}_sodium-${SODIUM_VER}_pbc-${PBC_VER}_zlib-${ZLIB_VER#*:}_deflate-${DEFLATE_VER}_spng-${SPNG_VER}_png-${PNG_VER}_$(${HOST}-gcc -dumpversion)"
PREFIX="$CACHE_ROOT/win64-$KEY"

if [ -f "$PREFIX/.complete" ]; then
  echo "$PREFIX"
  exit 0
fi

log "building $KEY into $PREFIX"
rm -rf "$PREFIX" "$SRCDIR"/work
mkdir -p "$SRCDIR/work" "$PREFIX/include" "$PREFIX/lib"
cd "$SRCDIR/work"
# The key names the newest versions listed; VERSIONS says what was built.
# dpkg-source unpacks each package the way Debian builds it, with its
# patches applied (libsodium's security update is one: the plain upstream
# tarball would lack the fix). It warns that it cannot verify the .dsc's
# signature (no Debian keyring here); apt-get has already checked every
# file's hash against the signed index.
for pkg in libsodium protobuf-c zlib libdeflate libspng libpng1.6; do
  v=$(fetch_src "$pkg") || exit 1
  dpkg-source -x "${pkg}_${v#*:}.dsc" "src-$pkg" >&2
  echo "$pkg $v" >> "$PREFIX/VERSIONS"
done

# libsodium: the Debian tarball has no configure script.
sdir=src-libsodium
( cd "$sdir"
  [ -x configure ] || ./autogen.sh -s >&2
  ./configure --host=$HOST --prefix="$PREFIX" --disable-shared --enable-static \
      --disable-dependency-tracking >&2
  make -j"$(nproc)" >&2
  make install >&2 )

# protobuf-c: only the runtime (one file) is needed; the code generator stays
# the native protoc-c.
pdir=src-protobuf-c
mkdir -p "$PREFIX/include/protobuf-c"
cp "$pdir/protobuf-c/protobuf-c.h" "$PREFIX/include/protobuf-c/"
${HOST}-gcc -O2 -c "$pdir/protobuf-c/protobuf-c.c" -I"$pdir" -o protobuf-c.o
${HOST}-ar rcs "$PREFIX/lib/libprotobuf-c.a" protobuf-c.o

# zlib: Debian's dfsg tarball has no win32/ makefile; the library proper is
# these files (the gz* file API is not needed).
zdir=src-zlib
zobjs=()
for f in adler32 compress crc32 deflate infback inffast inflate inftrees trees uncompr zutil; do
  ${HOST}-gcc -O2 -c "$zdir/$f.c" -o "zlib-$f.o"
  zobjs+=("zlib-$f.o")
done
${HOST}-ar rcs "$PREFIX/lib/libz.a" "${zobjs[@]}"
cp "$zdir/zlib.h" "$zdir/zconf.h" "$PREFIX/include/"

# libdeflate: the library is lib/*.c plus the x86 CPU-feature detection
# (its Makefile does the same; the gzip front-end programs are not needed).
ddir=src-libdeflate
dobjs=()
for f in "$ddir"/lib/*.c "$ddir"/lib/x86/*.c; do
  o="deflate-$(basename "$(dirname "$f")")-$(basename "$f" .c).o"
  ${HOST}-gcc -O2 -c "$f" -I"$ddir" -o "$o"
  dobjs+=("$o")
done
${HOST}-ar rcs "$PREFIX/lib/libdeflate.a" "${dobjs[@]}"
cp "$ddir/libdeflate.h" "$PREFIX/include/"

# libspng: one file; SPNG_STATIC drops the dllimport decoration. It
# inflates with the zlib built above.
sgdir=src-libspng
${HOST}-gcc -O2 -DSPNG_STATIC -c "$sgdir/spng/spng.c" -I"$PREFIX/include" -o spng.o
${HOST}-ar rcs "$PREFIX/lib/libspng.a" spng.o
cp "$sgdir/spng/spng.h" "$PREFIX/include/"

# libpng (tests only: an oracle that shares no code with libspng). The
# library files with the prebuilt default configuration, as its
# makefile.gcc does.
pngdir=src-libpng1.6
cp "$pngdir/scripts/pnglibconf.h.prebuilt" "$pngdir/pnglibconf.h"
pobjs=()
for f in png pngerror pngget pngmem pngpread pngread pngrio pngrtran pngrutil \
         pngset pngtrans pngwio pngwrite pngwtran pngwutil; do
  ${HOST}-gcc -O2 -c "$pngdir/$f.c" -I"$pngdir" -I"$PREFIX/include" -o "png-$f.o"
  pobjs+=("png-$f.o")
done
${HOST}-ar rcs "$PREFIX/lib/libpng.a" "${pobjs[@]}"
cp "$pngdir/png.h" "$pngdir/pngconf.h" "$pngdir/pnglibconf.h" "$PREFIX/include/"

touch "$PREFIX/.complete"
log "done"
echo "$PREFIX"
