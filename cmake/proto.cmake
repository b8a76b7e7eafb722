# SPDX-License-Identifier: MIT
# Runs the native protoc-c at build time; nothing generated is committed.
find_program(PROTOC_C NAMES protoc-c protoc-gen-c REQUIRED)
set(SB_PROTO_SRC ${PROJECT_SOURCE_DIR}/proto/sessionbridge.proto)
set(SB_PROTO_OUT ${PROJECT_BINARY_DIR}/proto)
file(MAKE_DIRECTORY ${SB_PROTO_OUT})
add_custom_command(
  OUTPUT ${SB_PROTO_OUT}/sessionbridge.pb-c.c ${SB_PROTO_OUT}/sessionbridge.pb-c.h
  COMMAND ${PROTOC_C} --proto_path=${PROJECT_SOURCE_DIR}/proto
          --c_out=${SB_PROTO_OUT} ${SB_PROTO_SRC}
  DEPENDS ${SB_PROTO_SRC}
  COMMENT "protoc-c sessionbridge.proto")
set(SB_PROTO_C ${SB_PROTO_OUT}/sessionbridge.pb-c.c)
