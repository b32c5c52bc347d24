# rvf compact --tiers [--cold sq8|pq|binary] end to end (tests/cli/cli-tiers.sh).
add_test(NAME cli_tiers COMMAND bash ${CMAKE_SOURCE_DIR}/tests/cli/cli-tiers.sh $<TARGET_FILE:rvf_cli>)
set_tests_properties(cli_tiers PROPERTIES LABELS native ENVIRONMENT
                     "RVF_TMP=${CMAKE_CURRENT_BINARY_DIR}/tmp-cli-tiers")
