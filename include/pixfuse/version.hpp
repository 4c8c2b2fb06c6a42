// The library's version, written only here: CMake's project(VERSION) and the Python
// package's metadata (pyproject.toml) read these three lines.
#pragma once

#define PIXFUSE_VERSION_MAJOR 0
#define PIXFUSE_VERSION_MINOR 1
#define PIXFUSE_VERSION_PATCH 0

#define PIXFUSE_VERSION_TEXT_(n) #n
#define PIXFUSE_VERSION_TEXT(major, minor, patch) \
  PIXFUSE_VERSION_TEXT_(major) "." PIXFUSE_VERSION_TEXT_(minor) "." PIXFUSE_VERSION_TEXT_(patch)

namespace pixfuse {
inline constexpr const char* version_string =
    PIXFUSE_VERSION_TEXT(PIXFUSE_VERSION_MAJOR, PIXFUSE_VERSION_MINOR, PIXFUSE_VERSION_PATCH);
}
