# The kernel test suite (test_kernel_scalar.c, test_kernel_simd.c) built with Emscripten and run
# under Node, twice: with -msimd128 (the wasm128 variant is compiled in, dispatched and checked
# against scalar) and without (scalar only: the browser's fallback build). xxHash's habit: the
# whole suite runs once per variant, including the WASM SIMD build.
#
# The kernel sources are compiled directly with emcc (the rvf_kernel list minus the x86 files,
# plus rvfk_wasm128.c), with the kernel's flags: -ffreestanding -ffp-contract=off -Wconversion.
# The output is one .js per program with the wasm embedded (-sSINGLE_FILE=1): Debian's Emscripten
# 3.1.6 loader cannot fetch a .wasm by path under Node 20. Tests are labelled "wasm".
find_program(RVF_EMCC emcc)
find_program(RVF_NODE node)
if(NOT RVF_EMCC OR NOT RVF_NODE)
  message(STATUS "emcc or node not found: the Emscripten kernel tests (wasm_test_kernel_*) are skipped")
  return()
endif()
if(RVF_SANITIZE)
  message(STATUS "RVF_SANITIZE is set: the Emscripten kernel tests are left to the plain build")
  return()
endif()

# Debian's emcc runs its JS optimizer with the system node, which needs the packaged modules.
set(RVF_EMCC_ENV "")
if(EXISTS /usr/share/nodejs)
  set(RVF_EMCC_ENV NODE_PATH=/usr/share/nodejs)
endif()
set(RVF_EMCC_RUN ${CMAKE_COMMAND} -E env ${RVF_EMCC_ENV} ${RVF_EMCC})

# The kernel's source list, as the native library has it, without the x86 variants.
get_target_property(rvf_em_srcs rvf_kernel SOURCES)
set(rvf_em_kernel_srcs "")
foreach(src ${rvf_em_srcs})
  if(NOT IS_ABSOLUTE ${src})
    set(src ${CMAKE_SOURCE_DIR}/${src})
  endif()
  if(NOT src MATCHES "rvfk_x86_")
    list(APPEND rvf_em_kernel_srcs ${src})
  endif()
endforeach()
list(APPEND rvf_em_kernel_srcs ${RVF_KERNEL_WASM128})
list(REMOVE_DUPLICATES rvf_em_kernel_srcs)

file(GLOB rvf_em_headers ${CMAKE_SOURCE_DIR}/kernel/include/* ${CMAKE_SOURCE_DIR}/kernel/src/*.h
     ${CMAKE_SOURCE_DIR}/tests/rvf_test.h)
set(rvf_em_common -std=c11 -O2 -ffp-contract=off -fno-math-errno ${RVF_WARNINGS}
    -DRVF_SIMD=$<IF:$<BOOL:${RVF_SIMD}>,1,0>
    -I${CMAKE_SOURCE_DIR}/kernel/include -I${CMAKE_SOURCE_DIR}/kernel/src)
set(rvf_em_link -O2 -sSINGLE_FILE=1 -sENVIRONMENT=node -sEXIT_RUNTIME=1 -sALLOW_MEMORY_GROWTH=1)

foreach(mode simd128 nosimd)
  set(mode_flags "")
  if(mode STREQUAL "simd128")
    set(mode_flags -msimd128)
  endif()
  set(dir ${CMAKE_CURRENT_BINARY_DIR}/emscripten/${mode})
  file(MAKE_DIRECTORY ${dir})

  set(kernel_objs "")
  foreach(src ${rvf_em_kernel_srcs})
    get_filename_component(name ${src} NAME_WE)
    set(obj ${dir}/${name}.o)
    add_custom_command(
      OUTPUT ${obj}
      COMMAND ${RVF_EMCC_RUN} ${rvf_em_common} ${mode_flags} -ffreestanding -Wconversion -c ${src} -o ${obj}
      DEPENDS ${src} ${rvf_em_headers}
      COMMENT "emcc (${mode}) ${name}.c"
      VERBATIM)
    list(APPEND kernel_objs ${obj})
  endforeach()

  foreach(test test_kernel_scalar test_kernel_simd)
    set(src ${CMAKE_CURRENT_SOURCE_DIR}/kernel/${test}.c)
    # .cjs: the repository's package.json says "type": "module", and emcc's output is CommonJS
    set(js ${dir}/${test}.cjs)
    add_custom_command(
      OUTPUT ${js}
      COMMAND ${RVF_EMCC_RUN} ${rvf_em_common} ${mode_flags} -I${CMAKE_CURRENT_SOURCE_DIR}
              ${src} ${kernel_objs} ${rvf_em_link} -o ${dir}/${test}.js
      COMMAND ${CMAKE_COMMAND} -E rename ${dir}/${test}.js ${js}
      DEPENDS ${src} ${kernel_objs} ${rvf_em_headers}
      COMMENT "emcc (${mode}) ${test}.js"
      VERBATIM)
    add_custom_target(wasm_${test}_${mode}_build ALL DEPENDS ${js})
    add_test(NAME wasm_${test}_${mode} COMMAND ${RVF_NODE} ${js})
    set_tests_properties(wasm_${test}_${mode} PROPERTIES LABELS wasm)
  endforeach()
endforeach()
