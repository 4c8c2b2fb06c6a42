// stb_image, embedded: every function static to the including translation unit, so a
// header-only pixfuse needs no library and cannot clash with another copy of stb.
// Define PIXFUSE_STB_IMAGE_EXTERNAL if your program compiles stb_image itself
// (STB_IMAGE_IMPLEMENTATION in one of your files) and pixfuse should use that copy.
#pragma once
#pragma GCC system_header  // third-party code: not subject to our -Werror

#if !defined(PIXFUSE_STB_IMAGE_EXTERNAL)
#define STB_IMAGE_STATIC
#define STB_IMAGE_IMPLEMENTATION
#define STBI_NO_STDIO         // pixfuse reads files itself (clear errors, one read, EXIF)
#define STBI_FAILURE_USERMSG  // readable reasons ("Corrupt JPEG") for the manifest
#define STBI_NO_PSD           // formats pixfuse does not advertise
#define STBI_NO_PIC
#define STBI_NO_PNM
#define STBI_NO_HDR
#endif
#include <stb/stb_image.h>
