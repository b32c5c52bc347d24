# run-tile-diff.cmake: write the trace with the native library, then replay it in Node.
# cmake -DTRACE=tile_trace -DNODE=node -DSCRIPT=tile-diff.mjs -DWASM=rvf_tile.wasm -DOUT=tile.trace -P run-tile-diff.cmake
execute_process(COMMAND ${TRACE} ${OUT} 300 RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "tile_trace failed (${rc})")
endif()
execute_process(COMMAND ${NODE} ${SCRIPT} ${WASM} ${OUT} RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "tile-diff.mjs: the wasm module disagrees with the native library (${rc})")
endif()
