# The writer lock against the reference runtime (@ruvector/rvf-node): tool_lock holds our lock,
# lock-refnode.mjs checks that each side refuses the other's lock and respects its release.
add_executable(tool_lock ${CMAKE_CURRENT_SOURCE_DIR}/runtime/tool_lock.c)
target_link_libraries(tool_lock PRIVATE rvf_runtime)
target_include_directories(tool_lock PRIVATE ${CMAKE_SOURCE_DIR}/runtime/src
                                             ${CMAKE_SOURCE_DIR}/tests)
add_test(NAME lock_refnode
         COMMAND node ${CMAKE_SOURCE_DIR}/tests/runtime/lock-refnode.mjs $<TARGET_FILE:tool_lock>)
set_tests_properties(lock_refnode PROPERTIES
  LABELS wasm
  SKIP_RETURN_CODE 77
  TIMEOUT 60
  ENVIRONMENT "RVF_TMP=${CMAKE_CURRENT_BINARY_DIR}/tmp-lock_refnode;RVF_SOURCE=${CMAKE_SOURCE_DIR}")
