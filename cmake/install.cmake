# SPDX-License-Identifier: MIT
# Install rules and package files (included from CMakeLists.txt when
# SB_INSTALL is on). A consumer then uses either
#   find_package(sessionbridge) + target_link_libraries(x sessionbridge::sessionbridge)
# or
#   pkg-config --cflags --libs sessionbridge
# The stable tier (client.h, version.h, error.h, export.h, alloc.h's
# sb_free) is what the shared library exports; the advanced tier's headers
# (channel, rpc, msg, transport...) are installed for the static library
# only and are not part of the ABI promise (docs/api.md).
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(SB_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/sessionbridge)

set(sb_lib_targets)
if(SB_BUILD_SHARED)
  list(APPEND sb_lib_targets sessionbridge_shared)
endif()
if(SB_BUILD_STATIC OR NOT SB_BUILD_SHARED)
  list(APPEND sb_lib_targets sessionbridge)
endif()
install(TARGETS ${sb_lib_targets} EXPORT sessionbridgeTargets
        RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})

# bootstrap.h is internal (sb__): how our service hands our agent its key;
# no embedder builds either end of it, so it is not installed.
install(DIRECTORY ${PROJECT_SOURCE_DIR}/common/include/
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
        FILES_MATCHING PATTERN "*.h" PATTERN "bootstrap.h" EXCLUDE)
install(FILES ${PROJECT_BINARY_DIR}/include/sessionbridge/version.h
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/sessionbridge)
# msg.h (advanced tier) includes the generated protobuf-c header.
install(FILES ${PROJECT_BINARY_DIR}/proto/sessionbridge.pb-c.h
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})

if(SB_BUILD_PROGRAMS)
  install(TARGETS sbservice sbagent sbctl RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
endif()
install(FILES ${PROJECT_SOURCE_DIR}/LICENSE
              ${PROJECT_SOURCE_DIR}/THIRD-PARTY-NOTICES.md
              ${PROJECT_SOURCE_DIR}/README.md
              ${PROJECT_SOURCE_DIR}/CHANGELOG.md
              ${PROJECT_SOURCE_DIR}/SECURITY.md
        DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/docs/
        DESTINATION ${CMAKE_INSTALL_DOCDIR}
        FILES_MATCHING PATTERN "*.md" PATTERN "*.png")
install(DIRECTORY ${PROJECT_SOURCE_DIR}/examples/
        DESTINATION ${CMAKE_INSTALL_DOCDIR}/examples)

install(EXPORT sessionbridgeTargets NAMESPACE sessionbridge::
        DESTINATION ${SB_CMAKE_DIR})
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/sessionbridgeConfig.cmake.in
  ${PROJECT_BINARY_DIR}/sessionbridgeConfig.cmake
  INSTALL_DESTINATION ${SB_CMAKE_DIR})
# 0.x: a minor version may break the API (docs/api.md); from 1.0 on, the
# same major version is compatible.
if(PROJECT_VERSION_MAJOR EQUAL 0)
  set(sb_compat SameMinorVersion)
else()
  set(sb_compat SameMajorVersion)
endif()
write_basic_package_version_file(${PROJECT_BINARY_DIR}/sessionbridgeConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY ${sb_compat})
install(FILES ${PROJECT_BINARY_DIR}/sessionbridgeConfig.cmake
              ${PROJECT_BINARY_DIR}/sessionbridgeConfigVersion.cmake
        DESTINATION ${SB_CMAKE_DIR})

# pkg-config: the prefix is found relative to the .pc file, so the
# package works from wherever it was installed or copied to.
file(RELATIVE_PATH sb_pc_to_prefix
     /prefix/${CMAKE_INSTALL_LIBDIR}/pkgconfig /prefix)
string(REGEX REPLACE "/$" "" sb_pc_to_prefix "${sb_pc_to_prefix}")
if(WIN32)
  set(SB_PC_LIBS_PRIVATE "-lsodium -lprotobuf-c -ladvapi32 -luserenv -lwtsapi32 -lshell32")
else()
  set(SB_PC_LIBS_PRIVATE "-lsodium -lprotobuf-c -pthread")
endif()
configure_file(${PROJECT_SOURCE_DIR}/cmake/sessionbridge.pc.in
               ${PROJECT_BINARY_DIR}/sessionbridge.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/sessionbridge.pc
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
