# SHAKE-256 differential test against @noble/hashes (include()d by tests/CMakeLists.txt, so
# CMAKE_CURRENT_SOURCE_DIR is tests/). tool_hash --bench prints throughput; it is not a test.
add_executable(tool_hash ${CMAKE_SOURCE_DIR}/tests/runtime/tool_hash.c)
target_link_libraries(tool_hash PRIVATE rvf_runtime)
target_include_directories(tool_hash PRIVATE ${CMAKE_SOURCE_DIR}/runtime/src
                                             ${CMAKE_SOURCE_DIR}/tests)
add_test(NAME hash_noble
         COMMAND node ${CMAKE_SOURCE_DIR}/tests/runtime/hash-noble.mjs $<TARGET_FILE:tool_hash>
         WORKING_DIRECTORY ${CMAKE_SOURCE_DIR})
set_tests_properties(hash_noble PROPERTIES LABELS wasm)
