# SPDX-License-Identifier: MIT
# Version and Windows resources, from the one project() version.
#  - SB_VERSION (a string) for every target: what --version prints.
#  - sb_win_resources(target DESCRIPTION ... [MANIFEST file] [EXTRA rc...]):
#    a VERSIONINFO resource (ProductName "sessionbridge", the exe's
#    description, FileVersion/ProductVersion) compiled with windres, plus
#    an application manifest when one is given. No-op off Windows.
add_compile_definitions(SB_VERSION="${PROJECT_VERSION}")
if(WIN32)
  enable_language(RC)
endif()

function(sb_win_resources target)
  if(NOT WIN32)
    return()
  endif()
  cmake_parse_arguments(R "" "DESCRIPTION;MANIFEST" "EXTRA" ${ARGN})
  set(SB_RC_DESCRIPTION "${R_DESCRIPTION}")
  set(SB_RC_ORIGINAL "${target}.exe")
  set(SB_RC_VERSION_COMMAS
      "${PROJECT_VERSION_MAJOR},${PROJECT_VERSION_MINOR},${PROJECT_VERSION_PATCH},0")
  set(SB_RC_VERSION "${PROJECT_VERSION}")
  set(SB_RC_MANIFEST "")
  if(R_MANIFEST)
    # 1 = CREATEPROCESS_MANIFEST_RESOURCE_ID, 24 = RT_MANIFEST
    set(SB_RC_MANIFEST "1 24 \"${R_MANIFEST}\"")
  endif()
  set(SB_RC_EXTRA "")
  foreach(x ${R_EXTRA})
    string(APPEND SB_RC_EXTRA "#include \"${x}\"\n")
  endforeach()
  set(rc ${CMAKE_CURRENT_BINARY_DIR}/${target}_version.rc)
  configure_file(${PROJECT_SOURCE_DIR}/packaging/win/version.rc.in ${rc} @ONLY)
  target_sources(${target} PRIVATE ${rc})
  if(R_MANIFEST)
    set_source_files_properties(${rc} PROPERTIES OBJECT_DEPENDS ${R_MANIFEST})
  endif()
endfunction()
