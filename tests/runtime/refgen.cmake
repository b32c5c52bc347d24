# Reference files generated at test time: refnode-gen.mjs writes stores with @ruvector/rvf-node
# 0.2.3 (and 0.1.8 as rvf-node-018) and checks what tool_query reads from them, so the
# compatibility suite needs no ../shared corpus.
add_executable(tool_query ${CMAKE_SOURCE_DIR}/tests/runtime/tool_query.c)
target_link_libraries(tool_query PRIVATE rvf_runtime m)

find_program(RVF_NODE node)
if(RVF_NODE)
  add_test(NAME refnode_gen
           COMMAND ${RVF_NODE} ${CMAKE_SOURCE_DIR}/tests/runtime/refnode-gen.mjs
                   $<TARGET_FILE:tool_query>
           WORKING_DIRECTORY ${CMAKE_SOURCE_DIR})
  set_tests_properties(refnode_gen PROPERTIES
    LABELS wasm SKIP_RETURN_CODE 77 TIMEOUT 300
    ENVIRONMENT "RVF_TMP=${CMAKE_CURRENT_BINARY_DIR}/tmp-refnode_gen")
endif()
