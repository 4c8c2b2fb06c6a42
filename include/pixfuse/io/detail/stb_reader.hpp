// pixfuse's calls into the embedded stb_image (io/detail/stb_image.hpp): one reader per
// format, chosen by io/format.hpp, and a reason for every failure.
#pragma once

#include <cstddef>
#include <cstring>
#include <string>

#include "pixfuse/io/detail/stb_image.hpp"
#include "pixfuse/io/format.hpp"

namespace pixfuse::io::detail::stb {

// The size and channel count `format`'s reader finds in the header; false when it cannot.
inline bool read_info(ImageFormat format, const unsigned char* bytes, int len, int* w, int* h,
                      int* channels) {
#if !defined(PIXFUSE_STB_IMAGE_EXTERNAL)
  const stb_memory::Budget budget(std::size_t{1} << 20);  // the readers' state only
  stbi__g_failure_reason = nullptr;
  stbi__context s;
  stbi__start_mem(&s, bytes, len);
  switch (format) {
    case ImageFormat::jpeg: return stbi__jpeg_info(&s, w, h, channels) != 0;
    case ImageFormat::png: return stbi__png_info(&s, w, h, channels) != 0;
    case ImageFormat::gif: return stbi__gif_info(&s, w, h, channels) != 0;
    case ImageFormat::bmp: return stbi__bmp_info(&s, w, h, channels) != 0;
    case ImageFormat::tga: return stbi__tga_info(&s, w, h, channels) != 0;
  }
  return false;
#else
  (void)format;
  return stbi_info_from_memory(bytes, len, w, h, channels) != 0;
#endif
}

// Whether a PNG stores 16-bit samples (the other formats never do).
inline bool is_16_bit(ImageFormat format, const unsigned char* bytes, int len) {
  if (format != ImageFormat::png) return false;
#if !defined(PIXFUSE_STB_IMAGE_EXTERNAL)
  stbi__context s;
  stbi__start_mem(&s, bytes, len);
  return stbi__png_is16(&s) != 0;
#else
  return stbi_is_16_bit_from_memory(bytes, len) != 0;
#endif
}

// How a block from read() is freed.
inline void free_pixels(void* p) noexcept {
#if !defined(PIXFUSE_STB_IMAGE_EXTERNAL)
  stb_memory::release(p);
#else
  stbi_image_free(p);
#endif
}

// What stb may allocate to decode a width x height image from `file_bytes` bytes: four
// times the largest sample buffer it holds (4 channels; a JPEG's planes rounded up to whole
// 32x32 MCUs), twice the file (a PNG's gathered IDAT chunks grow by doubling), and 1 MiB
// for decoder state. The readers' legitimate peaks stay below: PNG raw rows + pixels + a
// channel conversion, 3x; progressive JPEG planes and coefficients (2 bytes a sample),
// ~3x; GIF's canvas, background and history, 2.3x. So at most 16 bytes a pixel (32 for a
// 16-bit PNG), plus 64 MiB for a JPEG's rounding, plus twice the file.
inline std::size_t budget(ImageFormat format, int width, int height, bool sixteen_bit,
                          std::size_t file_bytes) {
  const std::size_t w = static_cast<std::size_t>(width), h = static_cast<std::size_t>(height);
  const std::size_t samples =
      (format == ImageFormat::jpeg ? (w + 32) * (h + 32) : w * h + 4096) * 4;
  return 4 * samples * (sixteen_bit ? 2 : 1) + 2 * file_bytes + (std::size_t{1} << 20);
}

// Decode with `format`'s reader into `channels` interleaved channels of 8 or 16 bits
// (free with free_pixels), allocating at most `budget_bytes`; nullptr on failure
// (reason()).
inline void* read(ImageFormat format, const unsigned char* bytes, int len, int* w, int* h,
                  int channels, bool sixteen_bit, std::size_t budget_bytes) {
  int file_channels = 0;
#if !defined(PIXFUSE_STB_IMAGE_EXTERNAL)
  const stb_memory::Budget budget(budget_bytes);
  stbi__g_failure_reason = nullptr;
  stbi__context s;
  stbi__start_mem(&s, bytes, len);
  stbi__result_info ri;
  std::memset(&ri, 0, sizeof ri);
  ri.bits_per_channel = 8;
  ri.channel_order = STBI_ORDER_RGB;
  void* p = nullptr;
  switch (format) {
    case ImageFormat::jpeg: p = stbi__jpeg_load(&s, w, h, &file_channels, channels, &ri); break;
    case ImageFormat::png: p = stbi__png_load(&s, w, h, &file_channels, channels, &ri); break;
    case ImageFormat::gif: p = stbi__gif_load(&s, w, h, &file_channels, channels, &ri); break;
    case ImageFormat::bmp: p = stbi__bmp_load(&s, w, h, &file_channels, channels, &ri); break;
    case ImageFormat::tga: p = stbi__tga_load(&s, w, h, &file_channels, channels, &ri); break;
  }
  if (p == nullptr) return nullptr;
  // What stbi_load[_16] does after the reader: the sample width asked for.
  if (sixteen_bit && ri.bits_per_channel != 16)
    return stbi__convert_8_to_16(static_cast<stbi_uc*>(p), *w, *h, channels);
  if (!sixteen_bit && ri.bits_per_channel != 8)
    return stbi__convert_16_to_8(static_cast<stbi__uint16*>(p), *w, *h, channels);
  return p;
#else
  (void)format;
  (void)budget_bytes;
  return sixteen_bit ? static_cast<void*>(
                           stbi_load_16_from_memory(bytes, len, w, h, &file_channels, channels))
                     : static_cast<void*>(
                           stbi_load_from_memory(bytes, len, w, h, &file_channels, channels));
#endif
}

// stb's reason for the last failure on this thread; never empty (some of its readers fail
// without one).
inline std::string reason(ImageFormat format) {
#if !defined(PIXFUSE_STB_IMAGE_EXTERNAL)
  if (stb_memory::Budget::last_exceeded())
    return std::string(
               "decoding needs more memory than an image of its declared size can: corrupt ") +
           name(format) + " data or a decompression bomb";
#endif
  const char* r = stbi_failure_reason();
  if (r != nullptr && *r != '\0') return r;
  return std::string("corrupt or unsupported ") + name(format) + " data";
}

}  // namespace pixfuse::io::detail::stb
