# SPDX-License-Identifier: Apache-2.0
# vaccel-vsock-bridge unit tests (label "rpc"): a fake vhost-user front-end, no QEMU.
if(TARGET vaccel-vsock-bridge-core)
  add_library(vsock-fake-frontend STATIC ${CMAKE_CURRENT_LIST_DIR}/vsock_fake_frontend.cpp)
  target_link_libraries(vsock-fake-frontend PUBLIC vaccel-vsock-bridge-core GTest::gtest Threads::Threads)
  foreach(t test_vsock_bridge test_vsock_bridge_hostile)
    add_executable(${t} ${CMAKE_CURRENT_LIST_DIR}/${t}.cpp)
    target_link_libraries(${t} PRIVATE vsock-fake-frontend GTest::gtest_main)
    vaccel_discover_tests(${t} LABELS rpc vsock TIMEOUT 60)
  endforeach()
endif()
