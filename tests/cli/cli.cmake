# The rvf command line, driven end to end by tests/cli/cli-test.sh (bash + python3): every
# command's happy path, bad inputs (exit status, one-line message, store bytes unchanged) and the
# reference corpus when ../shared is present.
add_test(NAME cli COMMAND bash ${CMAKE_SOURCE_DIR}/tests/cli/cli-test.sh $<TARGET_FILE:rvf_cli>)
set_tests_properties(cli PROPERTIES LABELS native ENVIRONMENT
                     "RVF_TMP=${CMAKE_CURRENT_BINARY_DIR}/tmp-cli;RVF_SHARED=${CMAKE_SOURCE_DIR}/../shared")
