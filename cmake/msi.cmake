# SPDX-License-Identifier: MIT
# The MSI (packaging/win/sessionbridge.wxs), built by wixl from Debian's
# msitools when it is installed (scripts/install-deps.sh installs it).
# wixl takes source paths relative to where it runs, so it runs in bin/.
if(WIN32)
  find_program(SB_WIXL wixl)
  if(SB_WIXL)
    set(SB_MSI ${PROJECT_BINARY_DIR}/sessionbridge-${PROJECT_VERSION}.msi)
    set(SB_WXS ${PROJECT_SOURCE_DIR}/packaging/win/sessionbridge.wxs)
    add_custom_command(OUTPUT ${SB_MSI}
      COMMAND ${SB_WIXL} -a x64 -D Version=${PROJECT_VERSION} -D SourceDir=.
              -o ${SB_MSI} ${SB_WXS}
      WORKING_DIRECTORY ${PROJECT_BINARY_DIR}/bin
      DEPENDS sbservice sbagent sbctl ${SB_WXS}
      COMMENT "wixl: ${SB_MSI}")
    add_custom_target(msi ALL DEPENDS ${SB_MSI})
  else()
    message(STATUS "wixl not found: no MSI target (Debian package wixl)")
  endif()
endif()
