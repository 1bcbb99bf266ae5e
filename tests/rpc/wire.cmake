# Wire-layer unit tests (no libvaccel needed).
add_executable(test_rpc_wire ${CMAKE_CURRENT_LIST_DIR}/test_wire.cpp)
target_link_libraries(test_rpc_wire PRIVATE vaccel-rpc-wire GTest::gtest_main)
gtest_discover_tests(test_rpc_wire PROPERTIES LABELS rpc DISCOVERY_TIMEOUT 30)
