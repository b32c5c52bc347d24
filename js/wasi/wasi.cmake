# js/wasi/wasi.cmake: the runtime and the rvf command-line program as one WASI command module,
# ${CMAKE_BINARY_DIR}/js/wasi/rvf-wasi.wasm, for edge runtimes (wasmtime, Node's node:wasi, ...).
# The same sources as native: kernel/src (scalar + the wasm128 variant, -msimd128), runtime/src
# and native-host/{rvf,cli_input,cli_filter}.c, compiled by clang --target=wasm32-wasi against
# Debian's wasi-libc (headers /usr/include/wasm32-wasi only: -nostdlibinc, never /usr/include;
# xxhash.h from the build-local xxhash-include folder) and linked with its emulated signal,
# getpid and process-clock libraries. No pthreads: the HNSW build runs on the calling thread
# (-DRVF_HNSW_THREADS=0, as Emscripten builds do). rvf_wasi_posix.c supplies kill() and
# gethostname(), which WASI lacks (the writer lock's liveness check).
#
#   rvf_wasi_wasm   the module (part of ALL); `rvf-wasi.wasm CMD ARGS` is `rvf CMD ARGS` with the
#                   paths inside the directories the host preopens
#   js_wasi         the Node test (js/wasi/wasi.test.mjs, label wasm); it runs each command through
#                   js/wasi/run-wasi.mjs (node:wasi, one command per process), which is also the
#                   way to run the module by hand
#
# Included by js/wasm/wasm.cmake (RVF_BUILD_WASM); skipped when clang, wasm-ld or wasi-libc is
# missing (Debian: clang lld wasi-libc libclang-rt-14-dev-wasm32).
find_program(RVF_WASI_CLANG NAMES clang clang-18 clang-17 clang-16 clang-15 clang-14)
find_program(RVF_WASI_LD NAMES wasm-ld wasm-ld-18 wasm-ld-17 wasm-ld-16 wasm-ld-15 wasm-ld-14)
find_program(RVF_WASI_NODE node)
if(NOT RVF_WASI_CLANG OR NOT RVF_WASI_LD OR NOT EXISTS /usr/lib/wasm32-wasi/libc.a
   OR NOT EXISTS /usr/include/wasm32-wasi/stdio.h)
  message(STATUS "clang, wasm-ld or wasi-libc not found: the WASI build (rvf-wasi.wasm) is skipped")
  return()
endif()
if(RVF_SANITIZE)
  message(STATUS "RVF_SANITIZE is set: the WASI build is left to the plain build")
  return()
endif()

set(RVF_WASI_DIR ${CMAKE_SOURCE_DIR}/js/wasi)
set(RVF_WASI_OUT ${CMAKE_BINARY_DIR}/js/wasi)
set(RVF_WASI_WASM ${RVF_WASI_OUT}/rvf-wasi.wasm)
file(MAKE_DIRECTORY ${RVF_WASI_OUT}/obj)

# Sources: the kernel as the native library lists it minus the x86 variants, plus wasm128; the
# runtime; the CLI; the POSIX shim.
get_target_property(rvf_wasi_ksrcs rvf_kernel SOURCES)
set(rvf_wasi_kernel "")
foreach(src ${rvf_wasi_ksrcs})
  if(NOT IS_ABSOLUTE ${src})
    set(src ${CMAKE_SOURCE_DIR}/${src})
  endif()
  if(NOT src MATCHES "rvfk_x86_")
    list(APPEND rvf_wasi_kernel ${src})
  endif()
endforeach()
list(APPEND rvf_wasi_kernel ${RVF_KERNEL_WASM128})
list(REMOVE_DUPLICATES rvf_wasi_kernel)
file(GLOB rvf_wasi_runtime CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/runtime/src/*.c)
list(APPEND rvf_wasi_runtime ${CMAKE_SOURCE_DIR}/native-host/rvf.c
     ${CMAKE_SOURCE_DIR}/native-host/cli_input.c ${CMAKE_SOURCE_DIR}/native-host/cli_filter.c
     ${RVF_WASI_DIR}/rvf_wasi_posix.c)
file(GLOB rvf_wasi_headers CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/kernel/include/*
     ${CMAKE_SOURCE_DIR}/kernel/src/*.h ${CMAKE_SOURCE_DIR}/runtime/include/*.h
     ${CMAKE_SOURCE_DIR}/runtime/src/*.h ${CMAKE_SOURCE_DIR}/native-host/*.h ${RVF_WASI_DIR}/*.h)

set(rvf_wasi_target --target=wasm32-wasi --sysroot=/usr)
set(rvf_wasi_common ${rvf_wasi_target} -nostdlibinc -isystem /usr/include/wasm32-wasi -std=c11
    -O3 -DNDEBUG -msimd128 -fno-math-errno ${RVF_WARNINGS} -DRVF_SIMD=$<IF:$<BOOL:${RVF_SIMD}>,1,0>
    -I${CMAKE_SOURCE_DIR}/kernel/include)
set(rvf_wasi_kernel_flags -ffreestanding -ffp-contract=off -Wconversion
    -I${CMAKE_SOURCE_DIR}/kernel/src)
set(rvf_wasi_runtime_flags -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -D_WASI_EMULATED_SIGNAL
    -D_WASI_EMULATED_GETPID -D_WASI_EMULATED_PROCESS_CLOCKS -DRVF_HNSW_THREADS=0
    -include ${RVF_WASI_DIR}/rvf_wasi_posix.h -I${CMAKE_SOURCE_DIR}/runtime/include
    -I${CMAKE_SOURCE_DIR}/runtime/src -I${CMAKE_SOURCE_DIR}/native-host
    -I${CMAKE_BINARY_DIR}/xxhash-include)

set(rvf_wasi_objs "")
foreach(src ${rvf_wasi_kernel} ${rvf_wasi_runtime})
  get_filename_component(name ${src} NAME_WE)
  set(obj ${RVF_WASI_OUT}/obj/${name}.o)
  if(src MATCHES "/kernel/src/")
    set(flags ${rvf_wasi_kernel_flags})
  else()
    set(flags ${rvf_wasi_runtime_flags})
  endif()
  add_custom_command(
    OUTPUT ${obj}
    COMMAND ${RVF_WASI_CLANG} ${rvf_wasi_common} ${flags} -c ${src} -o ${obj}
    DEPENDS ${src} ${rvf_wasi_headers} ${CMAKE_BINARY_DIR}/xxhash-include/xxhash.h
    COMMENT "wasi: clang wasm32-wasi ${name}.c"
    VERBATIM)
  list(APPEND rvf_wasi_objs ${obj})
endforeach()

# No debug sections (--strip-debug; not -s, which would also drop the target_features section
# that clang's wasm-opt pass reads to allow SIMD); 1 MiB of stack (wasm-ld's default is 64 KiB);
# the memory grows on demand up to 4 GiB.
add_custom_command(
  OUTPUT ${RVF_WASI_WASM}
  COMMAND ${RVF_WASI_CLANG} ${rvf_wasi_target} -O3 -Wl,--strip-debug ${rvf_wasi_objs} -o ${RVF_WASI_WASM}
          -Wl,-z,stack-size=1048576 -Wl,--max-memory=4294967296 -lwasi-emulated-signal
          -lwasi-emulated-getpid -lwasi-emulated-process-clocks
  DEPENDS ${rvf_wasi_objs}
  COMMENT "wasi: link js/wasi/rvf-wasi.wasm"
  VERBATIM)
add_custom_target(rvf_wasi_wasm ALL DEPENDS ${RVF_WASI_WASM})

if(NOT RVF_BUILD_TESTS OR NOT TARGET rvf_cli OR NOT RVF_WASI_NODE)
  return()
endif()
add_test(NAME js_wasi COMMAND ${RVF_WASI_NODE} --test ${RVF_WASI_DIR}/wasi.test.mjs)
set_tests_properties(js_wasi PROPERTIES LABELS wasm
  ENVIRONMENT "RVF_WASI=${RVF_WASI_WASM};RVF_CLI=$<TARGET_FILE:rvf_cli>;RVF_TMP=${CMAKE_BINARY_DIR}/tests/tmp-js_wasi")
