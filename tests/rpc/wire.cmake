# SPDX-License-Identifier: Apache-2.0
# Wire-layer unit tests (no libvaccel needed), one file per src/rpc source they test.
add_executable(test_rpc_wire
  ${CMAKE_CURRENT_LIST_DIR}/test_frame.cpp
  ${CMAKE_CURRENT_LIST_DIR}/test_address.cpp
  ${CMAKE_CURRENT_LIST_DIR}/test_message.cpp
  ${CMAKE_CURRENT_LIST_DIR}/test_message_parts.cpp
  ${CMAKE_CURRENT_LIST_DIR}/test_proto.cpp
  ${CMAKE_CURRENT_LIST_DIR}/test_fd_passing.cpp)
target_link_libraries(test_rpc_wire PRIVATE vaccel-rpc-wire GTest::gtest_main)
gtest_discover_tests(test_rpc_wire PROPERTIES LABELS rpc DISCOVERY_TIMEOUT 30)
