# Reference-dialect tests (rvf_refdialect.c): the corpus test may skip without ../shared, and
# the export interop test runs files we write through @ruvector/rvf-node.
set_tests_properties(test_refdialect test_corpus_store PROPERTIES SKIP_RETURN_CODE 77)

add_executable(tool_refexport ${CMAKE_CURRENT_SOURCE_DIR}/runtime/tool_refexport.c)
target_link_libraries(tool_refexport PRIVATE rvf_runtime m)
target_include_directories(tool_refexport PRIVATE ${CMAKE_SOURCE_DIR}/runtime/src
                                                  ${CMAKE_SOURCE_DIR}/tests)

find_program(RVF_NODE node)
if(RVF_NODE)
  add_test(NAME refnode_export
           COMMAND ${RVF_NODE} ${CMAKE_CURRENT_SOURCE_DIR}/runtime/refnode-export.mjs
                   $<TARGET_FILE:tool_refexport>
           WORKING_DIRECTORY ${CMAKE_SOURCE_DIR})
  set_tests_properties(refnode_export PROPERTIES
    LABELS wasm SKIP_RETURN_CODE 77
    ENVIRONMENT "RVF_TMP=${CMAKE_CURRENT_BINARY_DIR}/tmp-refnode_export")
endif()
