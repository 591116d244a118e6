# Memory-checker runs (docs/hardening.md), included by tests/fuzz/CMakeLists.txt.
#
# smoke.e2e.<version> (label smoke, only in a -DSMCP_SANITIZE=ON build): one
#   real profile_script per Scalene version through the ASan+UBSan server,
#   read back through the tools, a resource and a prompt; clean exit
#   required (scripts/e2e_smoke.py).
# valgrind.* (label valgrind, only without SMCP_SANITIZE and with valgrind
#   installed): the protocol suite and one end-to-end run with every server
#   under memcheck; any error or definite/indirect leak fails
#   (scripts/valgrind_run.sh). They skip (ctest "Not Run") unless
#   SMCP_VALGRIND=1, so a plain ctest run does not pay for valgrind;
#   scripts/hardening.sh valgrind sets it.
find_package(Python3 3.8 REQUIRED COMPONENTS Interpreter)

set(_smcp_pythons "2=${CMAKE_SOURCE_DIR}/.venv/bin/python" "1.5=/usr/bin/python3")
set(_smcp_smoke ${CMAKE_SOURCE_DIR}/scripts/e2e_smoke.py)

if(SMCP_SANITIZE)
  foreach(pv ${_smcp_pythons})
    string(REGEX MATCH "^[^=]+" ver "${pv}")
    string(REGEX REPLACE "^[^=]+=" "" py "${pv}")
    add_test(NAME smoke.e2e.${ver}
      COMMAND ${Python3_EXECUTABLE} -B ${_smcp_smoke} --binary $<TARGET_FILE:scalene-mcp>
              --plugin-dir ${CMAKE_BINARY_DIR}/plugins --python ${py})
    set_tests_properties(smoke.e2e.${ver} PROPERTIES LABELS smoke TIMEOUT 600
      SKIP_RETURN_CODE 77 ENVIRONMENT "SMCP_NO_DLCLOSE=1")
  endforeach()
  return()
endif()

find_program(SMCP_VALGRIND_EXE valgrind)
if(NOT SMCP_VALGRIND_EXE)
  return()
endif()

set(_vg_run ${CMAKE_SOURCE_DIR}/scripts/valgrind_run.sh)
set(_vg_supp ${CMAKE_SOURCE_DIR}/tests/valgrind.supp)
set(_vg_logs ${CMAKE_BINARY_DIR}/valgrind)

file(GLOB _vg_protocol RELATIVE ${CMAKE_SOURCE_DIR}/tests/protocol
     CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/tests/protocol/test_*.py)
foreach(t ${_vg_protocol})
  string(REGEX REPLACE "\\.py$" "" mod ${t})
  add_test(NAME valgrind.protocol.${mod}
    COMMAND bash ${_vg_run} ${_vg_logs}/protocol.${mod} ${_vg_supp}
            ${Python3_EXECUTABLE} -B -m unittest ${mod}
    WORKING_DIRECTORY ${CMAKE_SOURCE_DIR}/tests/protocol)
  set_tests_properties(valgrind.protocol.${mod} PROPERTIES LABELS valgrind TIMEOUT 900
    SKIP_RETURN_CODE 77
    ENVIRONMENT "SMCP_BINARY=$<TARGET_FILE:scalene-mcp>;SMCP_TEST_CONF_DIR=${SMCP_TEST_CONF_DIR};SMCP_TEST_PLUGIN_DIR=${TEST_PLUGIN_DIR};PYTHONDONTWRITEBYTECODE=1;SMCP_TEST_HANG_SEC=180")
endforeach()

foreach(pv ${_smcp_pythons})
  string(REGEX MATCH "^[^=]+" ver "${pv}")
  string(REGEX REPLACE "^[^=]+=" "" py "${pv}")
  add_test(NAME valgrind.e2e.${ver}
    COMMAND bash ${_vg_run} ${_vg_logs}/e2e.${ver} ${_vg_supp}
            ${Python3_EXECUTABLE} -B ${_smcp_smoke} --binary $<TARGET_FILE:scalene-mcp>
            --plugin-dir ${CMAKE_BINARY_DIR}/plugins --python ${py} --timeout 900)
  set_tests_properties(valgrind.e2e.${ver} PROPERTIES LABELS valgrind TIMEOUT 1200
    SKIP_RETURN_CODE 77)
endforeach()
