# kernel/tile/tile.cmake: the tile microkernel (RVF-BRIEF §11.1-§11.3, kernel/ABI.md).
#
#   rvf_tile_wasm      build/kernel/rvf_tile.wasm: clang --target=wasm32 -ffreestanding -nostdlib
#                      -msimd128 -> wasm-ld (exports from kernel/tile/exports.txt, no entry, no
#                      imports) -> wasm-opt -Oz. The linked file before wasm-opt is kept next to it
#                      as rvf_tile.pre.wasm.
#   tile-size          prints the size, sections and exports; fails at 8192 bytes or more, when the
#                      exports are not exactly exports.txt + memory, or with any import
#                      (scripts/check-tile.mjs; also the ctest test tile_size).
#   rvf_tile_native    the same rvf_tile.c as a native static library (addresses index a host
#                      array, rvf_tile_bind_memory), for the C tests and the differential test.
#
# The module links the kernel sources it needs: wasm-ld --gc-sections keeps only what the
# exports reach. With -DRVF_TILE the CRC32C uses a 64-byte nibble table.

set(RVF_TILE_DIR ${CMAKE_SOURCE_DIR}/kernel/tile)
set(RVF_TILE_EXPORTS_FILE ${RVF_TILE_DIR}/exports.txt)
set(RVF_TILE_C_SOURCES
  ${RVF_TILE_DIR}/rvf_tile.c
  ${CMAKE_SOURCE_DIR}/kernel/src/rvfk_numeric.c
  ${CMAKE_SOURCE_DIR}/kernel/src/rvfk_crc32c.c
  ${CMAKE_SOURCE_DIR}/kernel/src/rvfk_topk.c
  ${CMAKE_SOURCE_DIR}/kernel/src/rvfk_graph.c
  ${CMAKE_SOURCE_DIR}/kernel/src/rvfk_segment.c)
set(RVF_TILE_HEADERS
  ${CMAKE_SOURCE_DIR}/kernel/include/rvf_kernel.h
  ${CMAKE_SOURCE_DIR}/kernel/include/rvf_tile_abi.h
  ${CMAKE_SOURCE_DIR}/kernel/include/rvf_status.def
  ${CMAKE_SOURCE_DIR}/kernel/src/rvf_deps.h)

# ---- native library: one source, the tests' view of the exports ----
add_library(rvf_tile_native STATIC ${RVF_TILE_DIR}/rvf_tile.c)
target_include_directories(rvf_tile_native PUBLIC ${CMAKE_SOURCE_DIR}/kernel/include
                           PRIVATE ${CMAKE_SOURCE_DIR}/kernel/src)
target_compile_options(rvf_tile_native PRIVATE -ffreestanding -ffp-contract=off -fno-math-errno
                       -Wconversion)
target_link_libraries(rvf_tile_native PUBLIC rvf_kernel)

# ---- the module ----
find_program(RVF_CLANG NAMES clang clang-18 clang-17 clang-16 clang-15 clang-14)
find_program(RVF_WASM_LD NAMES wasm-ld wasm-ld-18 wasm-ld-17 wasm-ld-16 wasm-ld-15 wasm-ld-14)
find_program(RVF_WASM_OPT NAMES wasm-opt)
find_program(RVF_NODE node)
if(NOT RVF_CLANG OR NOT RVF_WASM_LD OR NOT RVF_WASM_OPT)
  message(WARNING "clang, wasm-ld or wasm-opt not found: the tile microkernel (rvf_tile.wasm) is not "
                  "built (Debian: apt-get install clang lld binaryen)")
  set(RVF_TILE_WASM "")
  return()
endif()

set(RVF_TILE_OUT_DIR ${CMAKE_BINARY_DIR}/kernel)
set(RVF_TILE_WASM ${RVF_TILE_OUT_DIR}/rvf_tile.wasm)
set(RVF_TILE_WASM_PRE ${RVF_TILE_OUT_DIR}/rvf_tile.pre.wasm)
set(RVF_TILE_OBJ_DIR ${RVF_TILE_OUT_DIR}/tile-obj)
file(MAKE_DIRECTORY ${RVF_TILE_OBJ_DIR})

# Same warnings as the native build (habit 13), -Wconversion as everywhere in kernel/, and always
# -Werror: the module is small and compiler-specific, warnings there are bugs.
set(RVF_TILE_CFLAGS --target=wasm32 -std=c11 -Oz -ffreestanding -nostdlib
    -msimd128 -mbulk-memory -msign-ext -ffp-contract=off -fno-math-errno
    -DRVF_TILE -Wall -Wextra -Wshadow -Wstrict-prototypes -Wcast-align -Wpointer-arith -Wundef
    -Wconversion -Werror
    -I${CMAKE_SOURCE_DIR}/kernel/include -I${CMAKE_SOURCE_DIR}/kernel/src)

set(rvf_tile_objs "")
foreach(src ${RVF_TILE_C_SOURCES})
  get_filename_component(name ${src} NAME_WE)
  set(obj ${RVF_TILE_OBJ_DIR}/${name}.o)
  add_custom_command(OUTPUT ${obj}
    COMMAND ${RVF_CLANG} ${RVF_TILE_CFLAGS} -c ${src} -o ${obj}
    DEPENDS ${src} ${RVF_TILE_HEADERS}
    COMMENT "tile: clang wasm32 ${name}.c" VERBATIM)
  list(APPEND rvf_tile_objs ${obj})
endforeach()

# exports.txt, one name per line (SQLite's habit), becomes --export=name flags.
file(STRINGS ${RVF_TILE_EXPORTS_FILE} rvf_tile_export_names REGEX "^[A-Za-z_][A-Za-z0-9_]*$")
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${RVF_TILE_EXPORTS_FILE})
set(rvf_tile_export_flags "")
foreach(name ${rvf_tile_export_names})
  list(APPEND rvf_tile_export_flags --export=${name})
endforeach()

# No entry point, no stack beyond 1 KB (the exports use none; --stack-first makes an overflow
# trap instead of corrupting data), --gc-sections drops every kernel function no export reaches.
add_custom_command(OUTPUT ${RVF_TILE_WASM_PRE}
  COMMAND ${RVF_WASM_LD} --no-entry --gc-sections --stack-first -z stack-size=1024
          --strip-all ${rvf_tile_export_flags} ${rvf_tile_objs} -o ${RVF_TILE_WASM_PRE}
  DEPENDS ${rvf_tile_objs} ${RVF_TILE_EXPORTS_FILE}
  COMMENT "tile: wasm-ld rvf_tile.pre.wasm" VERBATIM)
add_custom_command(OUTPUT ${RVF_TILE_WASM}
  COMMAND ${RVF_WASM_OPT} -Oz --converge --enable-simd --enable-bulk-memory --enable-sign-ext --strip-debug
          --strip-producers --strip-target-features ${RVF_TILE_WASM_PRE} -o ${RVF_TILE_WASM}
  DEPENDS ${RVF_TILE_WASM_PRE}
  COMMENT "tile: wasm-opt -Oz rvf_tile.wasm" VERBATIM)
add_custom_target(rvf_tile_wasm ALL DEPENDS ${RVF_TILE_WASM})

if(RVF_NODE)
  add_custom_target(tile-size
    COMMAND ${RVF_NODE} ${CMAKE_SOURCE_DIR}/scripts/check-tile.mjs ${RVF_TILE_WASM}
            ${RVF_TILE_EXPORTS_FILE} --pre ${RVF_TILE_WASM_PRE}
    DEPENDS rvf_tile_wasm
    COMMENT "tile: size, exports and imports of rvf_tile.wasm" VERBATIM)
else()
  message(WARNING "node not found: the tile-size check is not available")
endif()
