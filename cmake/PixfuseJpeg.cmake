# Optional libjpeg-turbo for pixfuse's JPEG decoding (include/pixfuse/io/jpeg_turbo.hpp).
#
#   include(PixfuseJpeg)
#   target_link_libraries(app PRIVATE pixfuse::pixfuse pixfuse::jpeg)
#
# pixfuse::jpeg is an INTERFACE target: with libjpeg-turbo found (its libjpeg API: pkg-config
# module libjpeg, Debian libjpeg62-turbo-dev; `cmake/install-deps.sh --jpeg`) it links it
# and defines PIXFUSE_HAVE_TURBOJPEG=1; without it, it is empty and decoding stays on the
# embedded stb_image. A libjpeg that is not libjpeg-turbo (no jpeg_skip_scanlines /
# jpeg_crop_scanline, which region decoding needs) counts as absent. The core library stays
# header-only and links nothing for it.
# PIXFUSE_WITH_TURBOJPEG: AUTO (default: use it if found), ON (required), OFF.
include_guard(GLOBAL)

set(PIXFUSE_WITH_TURBOJPEG AUTO CACHE STRING "Decode JPEG with libjpeg-turbo: AUTO, ON or OFF")
set_property(CACHE PIXFUSE_WITH_TURBOJPEG PROPERTY STRINGS AUTO ON OFF)

add_library(pixfuse_jpeg INTERFACE)
add_library(pixfuse::jpeg ALIAS pixfuse_jpeg)
set(PIXFUSE_HAVE_TURBOJPEG OFF)
if(PIXFUSE_WITH_TURBOJPEG STREQUAL "AUTO" AND CMAKE_CROSSCOMPILING)
  # pkg-config would find the build machine's library; ask for it explicitly (ON) with a
  # pkg-config set up for the target.
  message(STATUS "pixfuse: cross-compiling, libjpeg-turbo not searched (PIXFUSE_WITH_TURBOJPEG=ON to use it)")
elseif(NOT PIXFUSE_WITH_TURBOJPEG STREQUAL "OFF")
  find_package(PkgConfig QUIET)
  if(PkgConfig_FOUND)
    pkg_check_modules(PIXFUSE_TURBOJPEG QUIET IMPORTED_TARGET GLOBAL libjpeg)
  endif()
  if(PIXFUSE_TURBOJPEG_FOUND AND NOT DEFINED CACHE{PIXFUSE_LIBJPEG_IS_TURBO})
    include(CheckSymbolExists)
    include(CMakePushCheckState)
    cmake_push_check_state(RESET)
    set(CMAKE_REQUIRED_INCLUDES ${PIXFUSE_TURBOJPEG_INCLUDE_DIRS})
    set(CMAKE_REQUIRED_LIBRARIES ${PIXFUSE_TURBOJPEG_LINK_LIBRARIES})
    set(CMAKE_REQUIRED_QUIET ON)
    check_symbol_exists(jpeg_skip_scanlines "stdio.h;jpeglib.h" PIXFUSE_LIBJPEG_IS_TURBO)
    cmake_pop_check_state()
  endif()
  if(PIXFUSE_TURBOJPEG_FOUND AND NOT PIXFUSE_LIBJPEG_IS_TURBO)
    message(STATUS "pixfuse: the libjpeg found is not libjpeg-turbo (no jpeg_skip_scanlines); not used")
    set(PIXFUSE_TURBOJPEG_FOUND FALSE)
  endif()
  if(PIXFUSE_TURBOJPEG_FOUND)
    target_link_libraries(pixfuse_jpeg INTERFACE PkgConfig::PIXFUSE_TURBOJPEG)
    target_compile_definitions(pixfuse_jpeg INTERFACE PIXFUSE_HAVE_TURBOJPEG=1)
    set(PIXFUSE_HAVE_TURBOJPEG ON)
    message(STATUS "pixfuse: JPEG decoding with libjpeg-turbo ${PIXFUSE_TURBOJPEG_VERSION}")
  elseif(PIXFUSE_WITH_TURBOJPEG STREQUAL "ON")
    message(FATAL_ERROR "PIXFUSE_WITH_TURBOJPEG=ON: libjpeg-turbo (pkg-config libjpeg) not found "
                        "(install it: cmake/install-deps.sh --jpeg)")
  else()
    message(STATUS "pixfuse: libjpeg-turbo not found; JPEG decoding with stb_image (cmake/install-deps.sh --jpeg)")
  endif()
endif()
