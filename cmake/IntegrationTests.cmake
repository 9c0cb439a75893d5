# Integration tests: consumers built against an *installed* calltrace.
# Included from tests/CMakeLists.txt:
#
#   include(IntegrationTests)        # (cmake/ is on CMAKE_MODULE_PATH)
#
# It defines the target ct_tracecheck (tests/tools/ct_tracecheck.c, the trace
# checker; other tests can use it as $<TARGET_FILE:ct_tracecheck>) unless a
# target of that name exists already, and registers these ctest tests, all
# labelled "integration":
#
#   integration.install          cmake --install <build> --prefix <build>/integration/stage
#                                (fixture ct_installed)
#   integration.cmake_consumer   integration/cmake-consumer via find_package(CallTrace)
#   integration.make_consumer    integration/make-consumer via pkg-config --cflags/--libs
#   integration.make_consumer_static   the same with pkg-config --static --libs
#   integration.relocated        the stage copied elsewhere; both consumers built from the copy
#
# The consumers use the same C/C++ compilers as this build, and with
# CALLTRACE_SANITIZE the same -fsanitize link flag (the archive needs its runtime).
# Work directories are under <build>/integration/.

include_guard(DIRECTORY)

if(NOT TARGET ct_tracecheck)
  add_executable(ct_tracecheck "${PROJECT_SOURCE_DIR}/tests/tools/ct_tracecheck.c")
  target_compile_options(ct_tracecheck PRIVATE ${CT_WARNINGS})
  target_link_libraries(ct_tracecheck PRIVATE cjson)
endif()

find_program(CALLTRACE_BASH bash)
mark_as_advanced(CALLTRACE_BASH)
if(NOT CALLTRACE_BASH)
  message(WARNING "bash not found: the integration tests are not registered")
  return()
endif()

set(_ct_int_dir "${CMAKE_BINARY_DIR}/integration")
set(_ct_int_stage "${_ct_int_dir}/stage")
set(_ct_int_driver "${PROJECT_SOURCE_DIR}/integration/run-consumer.sh")
set(_ct_int_env
  "CMAKE=${CMAKE_COMMAND}"
  "CC=${CMAKE_C_COMPILER}"
  "CXX=${CMAKE_CXX_COMPILER}"
  "CT_TRACECHECK=$<TARGET_FILE:ct_tracecheck>")
if(CALLTRACE_SANITIZE)
  list(APPEND _ct_int_env "CT_CONSUMER_LDFLAGS=-fsanitize=${CALLTRACE_SANITIZE}")
endif()

add_test(NAME integration.install
  COMMAND "${CALLTRACE_BASH}" "${_ct_int_driver}" install
          "${CMAKE_BINARY_DIR}" "${_ct_int_stage}" "$<CONFIG>")
set_tests_properties(integration.install PROPERTIES
  FIXTURES_SETUP ct_installed
  ENVIRONMENT "${_ct_int_env}")

foreach(_ct_case IN ITEMS
    "cmake_consumer|cmake"
    "make_consumer|make"
    "make_consumer_static|make|--static"
    "relocated|relocated")
  string(REPLACE "|" ";" _ct_case "${_ct_case}")
  list(POP_FRONT _ct_case _ct_name _ct_mode)
  add_test(NAME integration.${_ct_name}
    COMMAND "${CALLTRACE_BASH}" "${_ct_int_driver}" ${_ct_mode}
            "${_ct_int_stage}" "${_ct_int_dir}/${_ct_name}" ${_ct_case})
  set_tests_properties(integration.${_ct_name} PROPERTIES
    FIXTURES_REQUIRED ct_installed
    LABELS integration
    TIMEOUT 300
    ENVIRONMENT "${_ct_int_env}")
endforeach()
set_tests_properties(integration.install PROPERTIES LABELS integration)

unset(_ct_case)
unset(_ct_name)
unset(_ct_mode)
unset(_ct_int_env)
unset(_ct_int_driver)
unset(_ct_int_stage)
unset(_ct_int_dir)
