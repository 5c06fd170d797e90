# One static library per module, `pharos_<name>`, whose link dependencies are exactly the
# modules it may import. The layer number is recorded so a module can only depend on modules
# of a lower layer; tests/arch re-checks this from the sources (CMake and #includes).
#
#   pharos_module(store LAYER 2 SOURCES a.cpp b.cpp DEPS core EXTERNAL SQLite::SQLite3)
function(pharos_module name)
  cmake_parse_arguments(PM "" "LAYER" "SOURCES;DEPS;EXTERNAL" ${ARGN})
  if(NOT PM_LAYER)
    message(FATAL_ERROR "pharos_module(${name}): LAYER is required")
  endif()
  set_property(GLOBAL PROPERTY PHAROS_LAYER_${name} ${PM_LAYER})
  foreach(dep IN LISTS PM_DEPS)
    get_property(dep_layer GLOBAL PROPERTY PHAROS_LAYER_${dep})
    if(NOT DEFINED dep_layer OR dep_layer STREQUAL "")
      message(FATAL_ERROR "pharos_module(${name}): dependency '${dep}' is not declared before it")
    endif()
    if(NOT dep_layer LESS PM_LAYER)
      message(FATAL_ERROR "pharos_module(${name}) at layer ${PM_LAYER} may not depend on '${dep}' at layer ${dep_layer}")
    endif()
  endforeach()
  list(TRANSFORM PM_DEPS PREPEND pharos_ OUTPUT_VARIABLE dep_targets)
  add_library(pharos_${name} STATIC ${PM_SOURCES})
  target_include_directories(pharos_${name} PUBLIC ${PROJECT_SOURCE_DIR}/src)
  target_link_libraries(pharos_${name} PUBLIC ${dep_targets} ${PM_EXTERNAL})
endfunction()

# An optional backend of an adapter module (store/postgres, bus/nats, objects/s3): its own
# library in the module's folder, built when its PHAROS_WITH_* option is on and linked only by
# `app` (and tests), so the module itself never carries the backend's client library. Code
# that links it sees <DEFINE>=1.
#
#   pharos_backend(store postgres DEFINE PHAROS_HAVE_POSTGRES SOURCES … EXTERNAL PostgreSQL::PostgreSQL)
function(pharos_backend module backend)
  cmake_parse_arguments(PB "" "DEFINE" "SOURCES;DEPS;EXTERNAL" ${ARGN})
  set(target pharos_${module}_${backend})
  list(TRANSFORM PB_DEPS PREPEND pharos_ OUTPUT_VARIABLE dep_targets)
  add_library(${target} STATIC ${PB_SOURCES})
  target_link_libraries(${target} PUBLIC pharos_${module} ${dep_targets} ${PB_EXTERNAL})
  target_compile_definitions(${target} PUBLIC ${PB_DEFINE}=1)
  set_property(GLOBAL APPEND PROPERTY PHAROS_BACKENDS ${target})
endfunction()

# The backend libraries built for `module` (pharos_store_postgres, …), for app and tests.
function(pharos_backends_of module out)
  get_property(all GLOBAL PROPERTY PHAROS_BACKENDS)
  set(found)
  foreach(t IN LISTS all)
    if(t MATCHES "^pharos_${module}_")
      list(APPEND found ${t})
    endif()
  endforeach()
  set(${out} ${found} PARENT_SCOPE)
endfunction()

# One gtest binary per module: tests/<module>/*_test.cpp -> pharos_<module>_tests.
# STORE: the module keeps data in the store; its tests open it with tests/fakes/test_store.h
# and are registered again as pg.<module>.* to run on the test run's PostgreSQL server.
function(pharos_module_tests name)
  cmake_parse_arguments(PT "STORE" "" "DEPS;LABELS" ${ARGN})
  file(GLOB test_sources CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/*_test.cpp)
  add_executable(pharos_${name}_tests ${test_sources})
  # A module's tests cover its backends too; a STORE module's tests may run on PostgreSQL.
  pharos_backends_of(${name} backends)
  if(PT_STORE)
    pharos_backends_of(store store_backends)
    list(APPEND backends ${store_backends})
  endif()
  target_link_libraries(pharos_${name}_tests PRIVATE pharos_${name} pharos_test_fakes ${PT_DEPS}
                        ${backends} GTest::gtest GTest::gtest_main)
  target_precompile_headers(pharos_${name}_tests PRIVATE <gtest/gtest.h> <string> <vector>)
  # Test names start with the module ("bus.EmbeddedBusTest.AckDeletes"), so `ctest -R ^bus\.`
  # picks one module. Tests whose suite or name contains "Slow" or "Soak" carry the label
  # `slow` instead of `unit`: `ctest -LE slow` is the quick loop.
  gtest_discover_tests(pharos_${name}_tests
    DISCOVERY_MODE PRE_TEST TEST_PREFIX "${name}." TEST_FILTER "-*Slow*:*Soak*"
    PROPERTIES LABELS "unit;${PT_LABELS}")
  gtest_discover_tests(pharos_${name}_tests
    DISCOVERY_MODE PRE_TEST TEST_PREFIX "${name}." TEST_FILTER "*Slow*:*Soak*"
    PROPERTIES LABELS "slow;${PT_LABELS}")
  if(PT_STORE AND PHAROS_TEST_POSTGRES)
    gtest_discover_tests(pharos_${name}_tests
      DISCOVERY_MODE PRE_TEST TEST_PREFIX "pg.${name}." TEST_FILTER "-*Slow*:*Soak*"
      PROPERTIES LABELS "postgres;${PT_LABELS}" FIXTURES_REQUIRED test_postgres
                 ENVIRONMENT "PHAROS_TEST_POSTGRES_FILE=${PHAROS_TEST_POSTGRES_DIR}/conninfo")
  endif()
endfunction()
