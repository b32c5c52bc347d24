# Tests of the tile microkernel (kernel/tile/, kernel/ABI.md). Included by tests/CMakeLists.txt
# when RVF_BUILD_WASM is on (kernel/tile/tile.cmake defines rvf_tile_native and RVF_TILE_WASM).
#   test_tile_native   C, label native: known answers for every export, every Fix, extended mode
#                      (also runs under ASan+UBSan)
#   tile_trace_native  label native: random call sequences through the native library (the
#                      sanitizer build's fuzz-like pass)
#   tile_size          label wasm: < 8192 bytes, exactly the 14 exports + memory, no imports
#   tile_diff          label wasm: the .wasm in Node against the native library on seeded random
#                      call sequences (tile_trace writes them, tests/wasm/tile-diff.mjs replays)
#   tile_ref_compat    label wasm: ours and @ruvector/rvf-wasm side by side, bit for bit on the
#                      inputs the reference accepts, the documented Fixes excluded (skipped when
#                      node_modules lacks the reference)
add_executable(test_tile_native ${CMAKE_SOURCE_DIR}/tests/tile/test_tile_native.c)
target_link_libraries(test_tile_native PRIVATE rvf_tile_native m)
target_include_directories(test_tile_native PRIVATE ${CMAKE_SOURCE_DIR}/tests)
add_test(NAME test_tile_native COMMAND test_tile_native)
set_tests_properties(test_tile_native PROPERTIES LABELS native)

# The differential test's native half; run alone (label native) it puts 600 random call sequences
# through the native library, which under RVF_SANITIZE means ASan + UBSan over every export.
add_executable(tile_trace ${CMAKE_SOURCE_DIR}/tests/tile/tile_trace.c)
target_link_libraries(tile_trace PRIVATE rvf_tile_native)
add_test(NAME tile_trace_native
         COMMAND tile_trace ${CMAKE_CURRENT_BINARY_DIR}/tile-native.trace 600 0x5A17)
set_tests_properties(tile_trace_native PROPERTIES LABELS native)

if(NOT RVF_TILE_WASM OR NOT RVF_NODE)
  message(STATUS "no rvf_tile.wasm or no node: the tile's wasm tests are skipped")
  return()
endif()

# d. size gate and freestanding proof: built -ffreestanding -nostdlib, the import section is empty
add_test(NAME tile_size
         COMMAND ${RVF_NODE} ${CMAKE_SOURCE_DIR}/scripts/check-tile.mjs ${RVF_TILE_WASM}
                 ${CMAKE_SOURCE_DIR}/kernel/tile/exports.txt --pre ${RVF_TILE_WASM_PRE})
set_tests_properties(tile_size PROPERTIES LABELS wasm)

# b. differential: native library vs the .wasm on seeded random call sequences
add_test(NAME tile_diff
         COMMAND ${CMAKE_COMMAND} -DTRACE=$<TARGET_FILE:tile_trace> -DNODE=${RVF_NODE}
                 -DSCRIPT=${CMAKE_SOURCE_DIR}/tests/wasm/tile-diff.mjs -DWASM=${RVF_TILE_WASM}
                 -DOUT=${CMAKE_CURRENT_BINARY_DIR}/tile.trace
                 -P ${CMAKE_SOURCE_DIR}/tests/wasm/run-tile-diff.cmake)
set_tests_properties(tile_diff PROPERTIES LABELS wasm)

# c. reference compatibility (exit 77 = skipped: @ruvector/rvf-wasm not installed)
add_test(NAME tile_ref_compat
         COMMAND ${RVF_NODE} ${CMAKE_SOURCE_DIR}/tests/wasm/tile-ref-compat.mjs ${RVF_TILE_WASM})
set_tests_properties(tile_ref_compat PROPERTIES LABELS wasm SKIP_RETURN_CODE 77)

# The JavaScript constants are generated from the C headers and must be current.
add_test(NAME js_constants_current COMMAND ${RVF_NODE} ${CMAKE_SOURCE_DIR}/scripts/gen-constants.mjs --check)
set_tests_properties(js_constants_current PROPERTIES LABELS wasm)

# What `make demo` runs: the microkernel's top-K over 2,000 fp16 vectors of 384 dims equals an
# exact brute force, bit for bit.
add_test(NAME demo_microkernel
         COMMAND ${RVF_NODE} ${CMAKE_SOURCE_DIR}/tile-sim/demo-microkernel.mjs ${RVF_TILE_WASM})
set_tests_properties(demo_microkernel PROPERTIES LABELS wasm)

# Every export called with arbitrary (seeded) pointers, lengths and values (RELIABILITY.md): no
# trap but the documented out-of-memory accesses, returns in the documented sets, no host byte
# written outside an export's output range.
add_test(NAME tile_export_fuzz
         COMMAND ${RVF_NODE} ${CMAKE_SOURCE_DIR}/tests/wasm/fuzz-tile-exports.mjs ${RVF_TILE_WASM}
                 40000)
set_tests_properties(tile_export_fuzz PROPERTIES LABELS wasm)
