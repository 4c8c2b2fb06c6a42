// stb_image, embedded: every function static to the including translation unit, so a
// header-only pixfuse needs no library and cannot clash with another copy of stb.
//
// The copy is stb_image v2.30 (stb_image_v2_30.h, byte for byte nothings/stb commit
// 013ac3beddff3dbffafd5177e7972067cd2b5083, MIT / public domain): Debian 12's libstb
// packages v2.27, whose JPEG reader has defects no check of the input can rule out (signed
// overflow of the DC predictor and of DC x quantiser, shifts by negative amounts when the
// entropy-coded data ends early, a Huffman size table written past its end); v2.28 fixed
// them. The defects v2.30 still has are kept away by io/detail/stb_preflight.hpp.
//
// pixfuse calls stb's per-format readers (io/detail/stb_reader.hpp), never its try-every-format
// loader: the format is decided by io/format.hpp.
//
// Define PIXFUSE_STB_IMAGE_EXTERNAL if your program compiles stb_image itself
// (STB_IMAGE_IMPLEMENTATION in one of your files) and pixfuse should use that copy: then
// only stb's public API is reachable, so decoding goes through stbi_load_from_memory; the
// signatures io/format.hpp accepts are ones stb's own tests attribute to the same format,
// and the pre-flight checks still run, but they were written for v2.30.
#pragma once

#include "pixfuse/io/detail/stb_memory.hpp"

#pragma GCC system_header  // third-party code: not subject to our -Werror

#if !defined(PIXFUSE_STB_IMAGE_EXTERNAL)
// Every allocation stb makes goes through a per-decode budget (stb_memory.hpp).
#define STBI_MALLOC(size) ::pixfuse::io::detail::stb_memory::allocate(size)
#define STBI_REALLOC(block, size) ::pixfuse::io::detail::stb_memory::reallocate(block, size)
#define STBI_FREE(block) ::pixfuse::io::detail::stb_memory::release(block)
#define STB_IMAGE_STATIC
#define STB_IMAGE_IMPLEMENTATION
#define STBI_NO_STDIO         // pixfuse reads files itself (clear errors, one read, EXIF)
#define STBI_FAILURE_USERMSG  // readable reasons ("Corrupt JPEG") for the manifest
#define STBI_NO_PSD           // formats pixfuse does not advertise
#define STBI_NO_PIC
#define STBI_NO_PNM
#define STBI_NO_HDR
#include "pixfuse/io/detail/stb_image_v2_30.h"
#else
#include <stb/stb_image.h>
#endif
