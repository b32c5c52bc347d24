# tile-sim/tile-sim.cmake: the Cognitum tile simulator's hubs and their tests (tile-sim/README.md).
# Included by tests/CMakeLists.txt when RVF_BUILD_WASM is on (kernel/tile/tile.cmake defines
# rvf_tile_native, RVF_TILE_WASM and RVF_NODE).
#   rvf_tile_hub       the native hub: tile processes running the natively built microkernel
#   tile_sim_native    label native: the §15.5 acceptance run through the native hub (push fp16
#                      with faults, push i8/SQ, pull/HNSW with faults) against rvf_query
#   tile_sim_node      label wasm: the same run through the Node hub and rvf_tile.wasm
#   tile_sim_boot      label wasm: rvf embed-kernel, then the Node hub boots a tile from the store
#                      file alone (WASM_SEG, SHAKE-256 checked) and answers like rvf query
add_executable(rvf_tile_hub ${CMAKE_SOURCE_DIR}/tile-sim/hub.c)
target_link_libraries(rvf_tile_hub PRIVATE rvf_tile_native rvf_runtime m)
target_compile_definitions(rvf_tile_hub PRIVATE _POSIX_C_SOURCE=200809L _DEFAULT_SOURCE)
add_test(NAME tile_sim_native COMMAND rvf_tile_hub)
set_tests_properties(tile_sim_native PROPERTIES LABELS native TIMEOUT 300)

if(RVF_TILE_WASM AND RVF_NODE)
  add_test(NAME tile_sim_node COMMAND ${RVF_NODE} ${CMAKE_SOURCE_DIR}/tile-sim/hub.mjs --wasm ${RVF_TILE_WASM})
  set_tests_properties(tile_sim_node PROPERTIES LABELS wasm TIMEOUT 300)
  if(TARGET rvf_cli)
    add_test(NAME tile_sim_boot
             COMMAND ${RVF_NODE} ${CMAKE_SOURCE_DIR}/tests/tile/tile-boot.mjs $<TARGET_FILE:rvf_cli>
                     ${RVF_TILE_WASM} ${CMAKE_CURRENT_BINARY_DIR}/tmp-tile-boot)
    set_tests_properties(tile_sim_boot PROPERTIES LABELS wasm TIMEOUT 120)
  endif()
endif()

# rvf_embed_wasm (the runtime half of rvf embed-kernel): header bytes, hash, commit, compaction
add_executable(test_embed_wasm ${CMAKE_SOURCE_DIR}/tests/tile/test_embed_wasm.c)
target_link_libraries(test_embed_wasm PRIVATE rvf_runtime)
target_include_directories(test_embed_wasm PRIVATE ${CMAKE_SOURCE_DIR}/tests)
target_compile_definitions(test_embed_wasm PRIVATE _POSIX_C_SOURCE=200809L _DEFAULT_SOURCE)
add_test(NAME test_embed_wasm COMMAND test_embed_wasm ${CMAKE_CURRENT_BINARY_DIR}/tmp-embed-wasm)
set_tests_properties(test_embed_wasm PROPERTIES LABELS native)
