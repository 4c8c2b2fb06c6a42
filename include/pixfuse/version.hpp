#pragma once

#define PIXFUSE_VERSION_MAJOR 0
#define PIXFUSE_VERSION_MINOR 1
#define PIXFUSE_VERSION_PATCH 0

namespace pixfuse {
inline constexpr const char* version_string = "0.1.0";
}
