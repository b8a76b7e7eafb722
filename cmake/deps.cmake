# SPDX-License-Identifier: MIT
# Locates libsodium, the protobuf-c runtime, libdeflate (the PNG encoder),
# libspng and the zlib it inflates with (the PNG decoder), and libpng (the
# tests' PNG decoder, an oracle independent of libspng).
# Native: the system's -dev packages through pkg-config.
# Windows: the static cross-built copies from scripts/build-win-deps.sh,
# passed in as SB_WIN_DEPS (a prefix with include/ and lib/).
if(WIN32)
  if(NOT SB_WIN_DEPS)
    message(FATAL_ERROR "Set -DSB_WIN_DEPS=<prefix> (scripts/build-win-deps.sh prints it)")
  endif()
  add_library(sb_sodium STATIC IMPORTED)
  set_target_properties(sb_sodium PROPERTIES
    IMPORTED_LOCATION ${SB_WIN_DEPS}/lib/libsodium.a
    INTERFACE_INCLUDE_DIRECTORIES ${SB_WIN_DEPS}/include
    INTERFACE_COMPILE_DEFINITIONS SODIUM_STATIC)
  add_library(sb_protobufc STATIC IMPORTED)
  set_target_properties(sb_protobufc PROPERTIES
    IMPORTED_LOCATION ${SB_WIN_DEPS}/lib/libprotobuf-c.a
    INTERFACE_INCLUDE_DIRECTORIES ${SB_WIN_DEPS}/include)
  add_library(sb_zlib STATIC IMPORTED)
  set_target_properties(sb_zlib PROPERTIES
    IMPORTED_LOCATION ${SB_WIN_DEPS}/lib/libz.a
    INTERFACE_INCLUDE_DIRECTORIES ${SB_WIN_DEPS}/include)
  add_library(sb_deflate STATIC IMPORTED)
  set_target_properties(sb_deflate PROPERTIES
    IMPORTED_LOCATION ${SB_WIN_DEPS}/lib/libdeflate.a
    INTERFACE_INCLUDE_DIRECTORIES ${SB_WIN_DEPS}/include)
  add_library(sb_spng_a STATIC IMPORTED)
  set_target_properties(sb_spng_a PROPERTIES
    IMPORTED_LOCATION ${SB_WIN_DEPS}/lib/libspng.a
    INTERFACE_INCLUDE_DIRECTORIES ${SB_WIN_DEPS}/include
    INTERFACE_COMPILE_DEFINITIONS SPNG_STATIC)
  add_library(sb_spng INTERFACE)
  target_link_libraries(sb_spng INTERFACE sb_spng_a sb_zlib)
  add_library(sb_png_a STATIC IMPORTED)
  set_target_properties(sb_png_a PROPERTIES
    IMPORTED_LOCATION ${SB_WIN_DEPS}/lib/libpng.a
    INTERFACE_INCLUDE_DIRECTORIES ${SB_WIN_DEPS}/include)
  add_library(sb_libpng INTERFACE)
  target_link_libraries(sb_libpng INTERFACE sb_png_a sb_zlib)
else()
  find_package(PkgConfig REQUIRED)
  pkg_check_modules(SODIUM REQUIRED IMPORTED_TARGET libsodium)
  pkg_check_modules(PROTOBUFC REQUIRED IMPORTED_TARGET libprotobuf-c)
  add_library(sb_sodium INTERFACE)
  target_link_libraries(sb_sodium INTERFACE PkgConfig::SODIUM)
  add_library(sb_protobufc INTERFACE)
  target_link_libraries(sb_protobufc INTERFACE PkgConfig::PROTOBUFC)
  pkg_check_modules(ZLIB REQUIRED IMPORTED_TARGET zlib)
  add_library(sb_zlib INTERFACE)
  target_link_libraries(sb_zlib INTERFACE PkgConfig::ZLIB)
  pkg_check_modules(DEFLATE REQUIRED IMPORTED_TARGET libdeflate)
  add_library(sb_deflate INTERFACE)
  target_link_libraries(sb_deflate INTERFACE PkgConfig::DEFLATE)
  pkg_check_modules(SPNG REQUIRED IMPORTED_TARGET spng)
  add_library(sb_spng INTERFACE)
  target_link_libraries(sb_spng INTERFACE PkgConfig::SPNG)
  pkg_check_modules(LIBPNG REQUIRED IMPORTED_TARGET libpng16)
  add_library(sb_libpng INTERFACE)
  target_link_libraries(sb_libpng INTERFACE PkgConfig::LIBPNG)
endif()
