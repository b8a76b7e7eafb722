# Locates libsodium, the protobuf-c runtime and zlib (PNG deflate).
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
endif()
