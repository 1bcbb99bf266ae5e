# SPDX-License-Identifier: Apache-2.0
# vaccel_add_plugin(<name> SOURCES <files...> [LIBS <libs...>])
# Builds and installs libvaccel-<name>.so, the way every bundled plugin is built: linked to the
# core library, C++20, and hidden visibility so that only the vaccel_plugin descriptor is exported
# (engine and helper symbols stay private, so several plugins sharing helper code can be loaded in
# one process without interposing each other).  Included by each plugin's CMakeLists.txt, so a
# plugin still builds when the others are switched off.
# Every plugin sees the plugin kit's headers (this folder: boundary.hpp, status.hpp, ...); the
# image ones also link vaccel-plugin-image.
include_guard(GLOBAL)
set(VACCEL_PLUGIN_KIT_DIR ${CMAKE_CURRENT_LIST_DIR} CACHE INTERNAL "plugin kit headers")

function(vaccel_add_plugin name)
  cmake_parse_arguments(PLUGIN "" "" "SOURCES;LIBS" ${ARGN})
  set(target vaccel-${name})
  add_library(${target} SHARED ${PLUGIN_SOURCES})
  target_link_libraries(${target} PRIVATE vaccel ${PLUGIN_LIBS})
  target_include_directories(${target} PRIVATE ${VACCEL_PLUGIN_KIT_DIR})
  target_compile_features(${target} PRIVATE cxx_std_20)
  set_target_properties(${target} PROPERTIES OUTPUT_NAME ${target}
                        CXX_VISIBILITY_PRESET hidden VISIBILITY_INLINES_HIDDEN ON)
  install(TARGETS ${target} LIBRARY DESTINATION ${VACCEL_PLUGIN_INSTALL_DIR})
endfunction()
