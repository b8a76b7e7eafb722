# SPDX-License-Identifier: MIT
# The MSI (packaging/win/sessionbridge.wxs), built by wixl and finished by
# msibuild, both from Debian's msitools when it is installed
# (scripts/install-deps.sh installs it), through
# packaging/win/build-msi.sh, which says what msibuild adds.
#
# The MSI is a release artefact: its programs must not carry the test
# hooks (SB_TEST_HOOKS). A build with the hooks on (scripts/test.sh's
# Windows build) makes its MSI in a nested build of the same sources with
# the hooks and the tests off, in <build>/release/ (SB_MSI_BIN is that
# build's bin/, which e2e_msi_wine installs and upgrades from).
if(WIN32)
  find_program(SB_WIXL wixl)
  find_program(SB_MSIBUILD msibuild)
  set(SB_WXS ${PROJECT_SOURCE_DIR}/packaging/win/sessionbridge.wxs)
  set(SB_BUILD_MSI ${PROJECT_SOURCE_DIR}/packaging/win/build-msi.sh)
  if(SB_WIXL AND SB_MSIBUILD AND SB_TEST_HOOKS)
    set(SB_RELEASE_DIR ${PROJECT_BINARY_DIR}/release)
    set(SB_MSI ${SB_RELEASE_DIR}/sessionbridge-${PROJECT_VERSION}.msi)
    set(SB_MSI_BIN ${SB_RELEASE_DIR}/bin)
    add_custom_target(msi ALL
      COMMAND ${CMAKE_COMMAND} -S ${PROJECT_SOURCE_DIR} -B ${SB_RELEASE_DIR}
              -DCMAKE_TOOLCHAIN_FILE=${CMAKE_TOOLCHAIN_FILE}
              -DCMAKE_BUILD_TYPE=${CMAKE_BUILD_TYPE}
              -DSB_WIN_DEPS=${SB_WIN_DEPS}
              -DSB_TEST_HOOKS=OFF -DSB_BUILD_TESTS=OFF -DSB_BUILD_SHARED=OFF
              -DSB_INSTALL=OFF
      COMMAND ${CMAKE_COMMAND} --build ${SB_RELEASE_DIR} --target msi
      COMMENT "release build without test hooks: ${SB_MSI}"
      VERBATIM)
  elseif(SB_WIXL AND SB_MSIBUILD)
    set(SB_MSI ${PROJECT_BINARY_DIR}/sessionbridge-${PROJECT_VERSION}.msi)
    set(SB_MSI_BIN ${PROJECT_BINARY_DIR}/bin)
    add_custom_command(OUTPUT ${SB_MSI}
      COMMAND bash ${SB_BUILD_MSI} ${SB_WIXL} ${SB_MSIBUILD} ${PROJECT_VERSION}
              ${PROJECT_BINARY_DIR}/bin ${SB_WXS} ${SB_MSI}
      DEPENDS sbservice sbagent sbctl ${SB_WXS} ${SB_BUILD_MSI}
      COMMENT "wixl: ${SB_MSI}")
    add_custom_target(msi ALL DEPENDS ${SB_MSI})
  else()
    message(STATUS "wixl or msibuild not found: no MSI target (Debian packages wixl, msitools)")
  endif()
endif()
