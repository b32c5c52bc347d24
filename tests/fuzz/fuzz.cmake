# Fuzz targets (FUZZING.md; include()d by tests/CMakeLists.txt, so CMAKE_CURRENT_SOURCE_DIR is
# tests/). One program per decoder family, tests/fuzz/fuzz_<name>.c, built two ways:
#   RVF_FUZZ empty (every ordinary build): linked with fuzz_replay.c; the test fuzz_replay_<name>
#     runs the committed corpus tests/fuzz/corpus/<name>/ (label native, so `make test` also runs
#     it under ASan+UBSan).
#   RVF_FUZZ=libfuzzer (clang; `make fuzz` configures build-fuzz/ so): linked with libFuzzer, the
#     kernel and runtime get coverage instrumentation, and the same test replays with -runs=0.
# fuzz_seedgen writes the seed inputs the corpora were minimised from (FUZZING.md).
set(RVF_FUZZ "" CACHE STRING "Fuzz engine for tests/fuzz: empty (corpus replay) or libfuzzer")
set(RVF_FUZZ_TARGETS seghdr manifest vecseg metaseg filter roaring journal witness indexseg
                     layera hotseg quantseg sketchseg refdialect store)
if(NOT EMSCRIPTEN)
  set(RVF_FUZZ_DIR ${CMAKE_CURRENT_SOURCE_DIR}/fuzz)
  add_library(rvf_fuzz_fix STATIC ${RVF_FUZZ_DIR}/fuzz_fix.c)
  target_link_libraries(rvf_fuzz_fix PUBLIC rvf_runtime m)
  target_include_directories(rvf_fuzz_fix PUBLIC ${RVF_FUZZ_DIR} ${CMAKE_SOURCE_DIR}/runtime/src)
  if(RVF_FUZZ STREQUAL "libfuzzer")
    if(NOT CMAKE_C_COMPILER_ID MATCHES "Clang")
      message(FATAL_ERROR "RVF_FUZZ=libfuzzer needs clang (-DCMAKE_C_COMPILER=clang)")
    endif()
    foreach(lib rvf_kernel rvf_runtime rvf_fuzz_fix)
      target_compile_options(${lib} PRIVATE -fsanitize=fuzzer-no-link)
    endforeach()
  elseif(RVF_FUZZ)
    message(FATAL_ERROR "RVF_FUZZ must be empty or libfuzzer, not '${RVF_FUZZ}'")
  endif()
  set(RVF_FUZZ_PROGRAMS "")
  foreach(t ${RVF_FUZZ_TARGETS})
    set(corpus ${RVF_FUZZ_DIR}/corpus/${t})
    if(RVF_FUZZ STREQUAL "libfuzzer")
      add_executable(fuzz_${t} ${RVF_FUZZ_DIR}/fuzz_${t}.c)
      target_compile_options(fuzz_${t} PRIVATE -fsanitize=fuzzer)
      target_link_options(fuzz_${t} PRIVATE -fsanitize=fuzzer)
      add_test(NAME fuzz_replay_${t} COMMAND fuzz_${t} -runs=0 ${corpus})
    else()
      add_executable(fuzz_${t} ${RVF_FUZZ_DIR}/fuzz_${t}.c ${RVF_FUZZ_DIR}/fuzz_replay.c)
      target_compile_definitions(fuzz_${t} PRIVATE RVF_FUZZ_CORPUS="${corpus}")
      add_test(NAME fuzz_replay_${t} COMMAND fuzz_${t} ${corpus})
    endif()
    target_link_libraries(fuzz_${t} PRIVATE rvf_fuzz_fix)
    set_tests_properties(fuzz_replay_${t} PROPERTIES LABELS native TIMEOUT 120)
    list(APPEND RVF_FUZZ_PROGRAMS fuzz_${t})
  endforeach()
  add_executable(fuzz_seedgen ${RVF_FUZZ_DIR}/fuzz_seedgen.c)
  target_link_libraries(fuzz_seedgen PRIVATE rvf_fuzz_fix)
  add_custom_target(rvf_fuzz DEPENDS ${RVF_FUZZ_PROGRAMS} fuzz_seedgen)
endif()
