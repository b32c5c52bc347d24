# The runtime in WebAssembly: runtime/src + kernel/src + js/wasm/rvf_wasm.c compiled with emcc
# -O3 into two ES modules, the SIMD build (-msimd128, the kernel's wasm128 variant) and the
# fallback (scalar), written to ${CMAKE_BINARY_DIR}/js/dist:
#   rvf-simd.mjs + rvf-simd.wasm, rvf-fallback.mjs + rvf-fallback.wasm
# js/src/loader.js picks one with WebAssembly.validate and passes the .wasm bytes itself
# (-sENVIRONMENT=web,worker: the same module runs in Node, browsers and workers). The exported C
# functions are js/wasm/exports.txt. Included by the top-level CMakeLists.txt; the Node tests
# (js/test/*.test.mjs, label wasm) are registered here when tests are built.

# The WASI command module (js/wasi/wasi.cmake) needs clang and wasi-libc, not Emscripten.
include(${CMAKE_SOURCE_DIR}/js/wasi/wasi.cmake)
find_program(RVF_EMCC emcc)
find_program(RVF_NODE node)
if(NOT RVF_EMCC OR NOT RVF_NODE)
  message(STATUS "emcc or node not found: the runtime's WebAssembly modules (js/) are skipped")
  return()
endif()
if(RVF_SANITIZE)
  message(STATUS "RVF_SANITIZE is set: the runtime's WebAssembly modules are left to the plain build")
  return()
endif()

set(RVF_JS_DIR ${CMAKE_SOURCE_DIR}/js)
set(RVF_JS_DIST ${CMAKE_BINARY_DIR}/js/dist)
file(MAKE_DIRECTORY ${RVF_JS_DIST})

# Debian's emcc runs its JS optimizer with the system node, which needs the packaged modules.
set(rvf_js_env "")
if(EXISTS /usr/share/nodejs)
  set(rvf_js_env NODE_PATH=/usr/share/nodejs)
endif()
set(rvf_js_emcc ${CMAKE_COMMAND} -E env ${rvf_js_env} ${RVF_EMCC})

# Exports: one C function per line of exports.txt, '#' starts a comment.
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${RVF_JS_DIR}/wasm/exports.txt)
file(STRINGS ${RVF_JS_DIR}/wasm/exports.txt rvf_js_export_lines ENCODING UTF-8)
set(rvf_js_exports "")
foreach(line ${rvf_js_export_lines})
  string(STRIP "${line}" line)
  if(line AND NOT line MATCHES "^#")
    list(APPEND rvf_js_exports "_${line}")
  endif()
endforeach()
string(JOIN "," rvf_js_exports ${rvf_js_exports})

# Sources: the kernel as the native library lists it, minus the x86 variants, plus wasm128
# (active only under -msimd128); every runtime source; the shim.
get_target_property(rvf_js_ksrcs rvf_kernel SOURCES)
set(rvf_js_kernel "")
foreach(src ${rvf_js_ksrcs})
  if(NOT IS_ABSOLUTE ${src})
    set(src ${CMAKE_SOURCE_DIR}/${src})
  endif()
  if(NOT src MATCHES "rvfk_x86_")
    list(APPEND rvf_js_kernel ${src})
  endif()
endforeach()
list(APPEND rvf_js_kernel ${RVF_KERNEL_WASM128})
list(REMOVE_DUPLICATES rvf_js_kernel)
file(GLOB rvf_js_runtime CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/runtime/src/*.c)
list(APPEND rvf_js_runtime ${RVF_JS_DIR}/wasm/rvf_wasm.c)
# The drop-in exports of @ruvector/rvf-wasm (js/src/compat.js): the tile microkernel's 14 and
# the store/inspection ones of rvf_compat.c.
list(APPEND rvf_js_runtime ${CMAKE_SOURCE_DIR}/kernel/tile/rvf_tile.c ${RVF_JS_DIR}/wasm/rvf_compat.c)
file(GLOB rvf_js_headers CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/kernel/include/* ${CMAKE_SOURCE_DIR}/kernel/src/*.h
     ${CMAKE_SOURCE_DIR}/runtime/include/*.h ${CMAKE_SOURCE_DIR}/runtime/src/*.h ${RVF_JS_DIR}/wasm/*.h)

# Flags as natively: the kernel freestanding with -ffp-contract=off; the runtime with the
# POSIX feature macros; only xxhash.h from the system (the build-local xxhash-include folder).
set(rvf_js_common -std=c11 -O3 -DNDEBUG -fno-math-errno ${RVF_WARNINGS}
    -DRVF_SIMD=$<IF:$<BOOL:${RVF_SIMD}>,1,0> -I${CMAKE_SOURCE_DIR}/kernel/include)
set(rvf_js_kernel_flags -ffreestanding -ffp-contract=off -Wconversion -I${CMAKE_SOURCE_DIR}/kernel/src)
set(rvf_js_runtime_flags -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -I${CMAKE_SOURCE_DIR}/runtime/include
    -I${CMAKE_SOURCE_DIR}/runtime/src -I${CMAKE_BINARY_DIR}/xxhash-include -I${RVF_JS_DIR}/wasm)
# MODULARIZE + EXPORT_ES6: a factory createRvfModule(opts); WASM_BIGINT: u64 arguments are
# BigInts; 4 GiB: JS reads pointers as unsigned (>>> 0).
set(rvf_js_link -O3 -sMODULARIZE=1 -sEXPORT_ES6=1 -sEXPORT_NAME=createRvfModule
    -sENVIRONMENT=web,worker -sALLOW_MEMORY_GROWTH=1 -sMAXIMUM_MEMORY=4GB -sWASM_BIGINT=1
    -sEXPORTED_FUNCTIONS=${rvf_js_exports})

set(rvf_js_outputs "")
foreach(variant simd fallback)
  set(vflags "")
  if(variant STREQUAL "simd")
    set(vflags -msimd128)
  endif()
  set(dir ${CMAKE_BINARY_DIR}/js/obj-${variant})
  file(MAKE_DIRECTORY ${dir})
  set(objs "")
  foreach(src ${rvf_js_kernel} ${rvf_js_runtime})
    get_filename_component(name ${src} NAME_WE)
    set(obj ${dir}/${name}.o)
    if(src MATCHES "/kernel/(src|tile)/")
      set(flags ${rvf_js_kernel_flags})
    else()
      set(flags ${rvf_js_runtime_flags})
    endif()
    add_custom_command(
      OUTPUT ${obj}
      COMMAND ${rvf_js_emcc} ${rvf_js_common} ${vflags} ${flags} -c ${src} -o ${obj}
      DEPENDS ${src} ${rvf_js_headers} ${CMAKE_BINARY_DIR}/xxhash-include/xxhash.h
      COMMENT "emcc (${variant}) ${name}.c"
      VERBATIM)
    list(APPEND objs ${obj})
  endforeach()
  set(out ${RVF_JS_DIST}/rvf-${variant}.mjs)
  add_custom_command(
    OUTPUT ${out} ${RVF_JS_DIST}/rvf-${variant}.wasm
    COMMAND ${rvf_js_emcc} ${vflags} ${objs} ${rvf_js_link} -o ${out}
    DEPENDS ${objs} ${RVF_JS_DIR}/wasm/exports.txt
    COMMENT "emcc (${variant}) js/dist/rvf-${variant}.mjs + .wasm"
    VERBATIM)
  list(APPEND rvf_js_outputs ${out})
endforeach()
add_custom_target(rvf_js_wasm ALL DEPENDS ${rvf_js_outputs})

# Sizes of both builds, raw and gzip (the `make js` target prints them).
add_custom_target(js-size
  COMMAND ${RVF_NODE} ${RVF_JS_DIR}/scripts/size.mjs ${RVF_JS_DIST}
  DEPENDS rvf_js_wasm
  VERBATIM)

# The esbuild bundle (js/scripts/bundle.mjs): rvf.mjs + rvf.d.mts next to the builds, which it
# loads from its own folder. Needs the root's npm dev dependencies (npm ci, make deps).
if(EXISTS ${CMAKE_SOURCE_DIR}/node_modules/esbuild/package.json)
  file(GLOB rvf_js_bundle_inputs CONFIGURE_DEPENDS ${RVF_JS_DIR}/src/*.js ${RVF_JS_DIR}/gen/*.mjs)
  add_custom_command(
    OUTPUT ${RVF_JS_DIST}/rvf.mjs ${RVF_JS_DIST}/rvf.d.mts
    COMMAND ${RVF_NODE} ${RVF_JS_DIR}/scripts/bundle.mjs ${RVF_JS_DIST}
    DEPENDS ${rvf_js_bundle_inputs} ${RVF_JS_DIR}/scripts/bundle.mjs
    COMMENT "esbuild js/dist/rvf.mjs"
    VERBATIM)
  add_custom_target(rvf_js_bundle ALL DEPENDS ${RVF_JS_DIST}/rvf.mjs ${rvf_js_outputs})
else()
  message(STATUS "esbuild not installed (npm ci): the js bundle (rvf.mjs) is skipped")
endif()

if(NOT RVF_BUILD_TESTS OR NOT TARGET rvf_cli)
  return()
endif()
# One ctest test per js/test/*.test.mjs; each runs both builds. RVF_CLI is the native rvf
# program the tests compare against.
file(GLOB rvf_js_tests CONFIGURE_DEPENDS ${RVF_JS_DIR}/test/*.test.mjs)
foreach(t ${rvf_js_tests})
  get_filename_component(name ${t} NAME)
  string(REGEX REPLACE "\\.test\\.mjs$" "" name ${name})
  add_test(NAME js_${name} COMMAND ${RVF_NODE} --test ${t})
  set_tests_properties(js_${name} PROPERTIES LABELS wasm
    ENVIRONMENT "RVF_WASM_DIR=${RVF_JS_DIST};RVF_CLI=$<TARGET_FILE:rvf_cli>;RVF_TMP=${CMAKE_BINARY_DIR}/tests/tmp-js_${name};RVF_SHARED=${CMAKE_SOURCE_DIR}/../shared")
endforeach()
