# The web demo (web-demo/) in a real browser: nginx serves the page, the npm package and a
# 20,000-word GloVe store; Debian's chromium, headless, driven by playwright-core, opens it
# progressively and its answers are checked against the native CLI (web-demo/test/e2e.test.mjs).
# Label browser; exit 77 (skipped) when chromium or nginx is not installed.
if(NOT RVF_BUILD_WASM OR NOT TARGET rvf_cli)
  return()
endif()
find_program(RVF_NODE node)
find_program(RVF_EMCC emcc)
if(NOT RVF_NODE OR NOT RVF_EMCC)
  message(STATUS "no node or emcc: the web demo's browser test is skipped")
  return()
endif()
add_test(NAME web_demo_e2e COMMAND ${RVF_NODE} ${CMAKE_SOURCE_DIR}/web-demo/test/e2e.test.mjs)
set_tests_properties(web_demo_e2e PROPERTIES LABELS browser TIMEOUT 300 SKIP_RETURN_CODE 77
  ENVIRONMENT "RVF_WASM_DIR=${CMAKE_BINARY_DIR}/js/dist;RVF_CLI=$<TARGET_FILE:rvf_cli>;RVF_TMP=${CMAKE_BINARY_DIR}/web-demo-test")
