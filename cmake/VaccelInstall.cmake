# SPDX-License-Identifier: Apache-2.0
# Install rules for libvaccel and its development files (included from the top-level
# CMakeLists.txt).  After `cmake --install <build> --prefix P`:
#   P/lib/libvaccel.so*                 the runtime      (plugins and examples install themselves:
#   P/include/vaccel.h, vaccel/...      public headers    P/lib/libvaccel-<name>.so, P/bin/<example>)
#   P/lib/pkgconfig/vaccel.pc           cc app.c $(pkg-config --cflags --libs vaccel)
#   P/lib/cmake/vaccel/                 find_package(vaccel) -> target vaccel::vaccel
# The pkg-config file is relocatable (paths relative to ${pcfiledir}), so it stays right for any
# --prefix given at install time and under DESTDIR.
if(NOT TARGET vaccel)
  message(STATUS "install rules skipped: core library target 'vaccel' not defined")
  return()
endif()

include(CMakePackageConfigHelpers)

set(VACCEL_CMAKE_INSTALL_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/vaccel)
set(VACCEL_PKGCONFIG_INSTALL_DIR ${CMAKE_INSTALL_LIBDIR}/pkgconfig)

install(TARGETS vaccel EXPORT vaccelTargets
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})

# The whole public include/ tree: C headers and the header-only C++ layer.
install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/ DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
  FILES_MATCHING PATTERN "*.h" PATTERN "*.hpp")

# ---- CMake package ------------------------------------------------------------------------------
install(EXPORT vaccelTargets NAMESPACE vaccel:: DESTINATION ${VACCEL_CMAKE_INSTALL_DIR})
configure_package_config_file(${CMAKE_CURRENT_LIST_DIR}/vaccelConfig.cmake.in
  ${CMAKE_BINARY_DIR}/cmake/vaccelConfig.cmake
  INSTALL_DESTINATION ${VACCEL_CMAKE_INSTALL_DIR}
  PATH_VARS VACCEL_PLUGIN_INSTALL_DIR CMAKE_INSTALL_INCLUDEDIR)
# 0.x: a new minor version may break the API (as 0.7 -> 0.8 did).
write_basic_package_version_file(${CMAKE_BINARY_DIR}/cmake/vaccelConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_BINARY_DIR}/cmake/vaccelConfig.cmake
              ${CMAKE_BINARY_DIR}/cmake/vaccelConfigVersion.cmake
  DESTINATION ${VACCEL_CMAKE_INSTALL_DIR})

# ---- pkg-config -----------------------------------------------------------------------------------
if(IS_ABSOLUTE "${CMAKE_INSTALL_LIBDIR}" OR IS_ABSOLUTE "${CMAKE_INSTALL_INCLUDEDIR}")
  message(WARNING "vaccel.pc: absolute CMAKE_INSTALL_LIBDIR/INCLUDEDIR, the file will not be relocatable")
  set(VACCEL_PC_PREFIX "${CMAKE_INSTALL_PREFIX}")
else()
  file(RELATIVE_PATH VACCEL_PC_UP "/${VACCEL_PKGCONFIG_INSTALL_DIR}" "/")
  string(REGEX REPLACE "/$" "" VACCEL_PC_UP "${VACCEL_PC_UP}")
  set(VACCEL_PC_PREFIX "\${pcfiledir}/${VACCEL_PC_UP}")
endif()
configure_file(${CMAKE_CURRENT_LIST_DIR}/vaccel.pc.in ${CMAKE_BINARY_DIR}/vaccel.pc @ONLY)
install(FILES ${CMAKE_BINARY_DIR}/vaccel.pc DESTINATION ${VACCEL_PKGCONFIG_INSTALL_DIR})
