# pixfuse::json: what include/pixfuse/recipe/json.hpp (recipe files, to_json / from_json)
# needs besides the header-only library: nlohmann-json (Debian nlohmann-json3-dev,
# installed by cmake/install-deps.sh). The rest of pixfuse does not use it.
#
#   include(PixfuseJson)
#   target_link_libraries(app PRIVATE pixfuse::pixfuse pixfuse::json)
#
# Defined only when nlohmann-json is found (PIXFUSE_HAVE_JSON says which).
include_guard(GLOBAL)

# GLOBAL: pixfuse::json is global, so what it links must be visible from every directory.
if(CMAKE_VERSION VERSION_GREATER_EQUAL 3.24)
  find_package(nlohmann_json 3 CONFIG QUIET GLOBAL)
else()
  find_package(nlohmann_json 3 CONFIG QUIET)
endif()
set(PIXFUSE_HAVE_JSON ${nlohmann_json_FOUND})
if(nlohmann_json_FOUND AND NOT TARGET pixfuse::json)
  add_library(pixfuse_json INTERFACE)
  add_library(pixfuse::json ALIAS pixfuse_json)
  target_link_libraries(pixfuse_json INTERFACE nlohmann_json::nlohmann_json)
endif()
