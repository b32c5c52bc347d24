# The rvf command line under valgrind memcheck (tests/cli/valgrind-cli.sh, RELIABILITY.md): every
# command on generated stores, a bit-flipped copy and the reference corpus when ../shared is
# present; zero errors, zero definite/indirect leaks. Label "valgrind" (not "native": the
# sanitizer build's binaries cannot run under valgrind). Exit 77 = valgrind not installed.
add_test(NAME cli_valgrind
         COMMAND bash ${CMAKE_SOURCE_DIR}/tests/cli/valgrind-cli.sh $<TARGET_FILE:rvf_cli>)
set_tests_properties(cli_valgrind PROPERTIES LABELS valgrind SKIP_RETURN_CODE 77 TIMEOUT 3600
                     ENVIRONMENT "RVF_TMP=${CMAKE_CURRENT_BINARY_DIR}/tmp-cli-valgrind;RVF_SHARED=${CMAKE_SOURCE_DIR}/../shared")

# `rvf verify` on bit-flipped copies of a CLI-built store, one per segment kind: exit 3, the
# segment named (type and offset), the others still verified; a damaged manifest is a fallback.
add_test(NAME cli_verify_bitflip
         COMMAND bash ${CMAKE_SOURCE_DIR}/tests/cli/verify-bitflip.sh $<TARGET_FILE:rvf_cli>)
set_tests_properties(cli_verify_bitflip PROPERTIES LABELS native
                     ENVIRONMENT "RVF_TMP=${CMAKE_CURRENT_BINARY_DIR}/tmp-cli-verify-bitflip")
