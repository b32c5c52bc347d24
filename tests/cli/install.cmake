# `make install` end to end: cmake --install into a prefix and into a DESTDIR staging tree, then
# native-host/example.c built against each installed tree (pkg-config; static and shared) and run.
# LABELS cli; not defined in a sanitizer build, whose libraries need the sanitizer runtimes that a
# plain `cc` link of the example does not bring.
if(TARGET rvf_shared AND TARGET rvf_static AND NOT RVF_SANITIZE)
  include(GNUInstallDirs)
  if(TARGET rvf_cli)
    set(RVF_INSTALL_TEST_CLI 1)
  else()
    set(RVF_INSTALL_TEST_CLI 0)
  endif()
  add_test(NAME cli_install
           COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/cli/install-test.sh ${CMAKE_BINARY_DIR}
                   ${CMAKE_SOURCE_DIR} ${CMAKE_C_COMPILER} ${PROJECT_VERSION}
                   ${CMAKE_INSTALL_LIBDIR} ${RVF_INSTALL_TEST_CLI})
  set_tests_properties(cli_install PROPERTIES LABELS cli SKIP_RETURN_CODE 77)
endif()

# The example itself, in every build (also under ASan+UBSan: no leak, no undefined behaviour);
# its output is checked by cli_install.
if(TARGET rvf_example)
  add_test(NAME cli_example COMMAND rvf_example)
  set_tests_properties(cli_example PROPERTIES LABELS native)
endif()
