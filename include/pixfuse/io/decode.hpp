// Decoding image files into owned pixels, with stb_image (embedded, see detail/stb_image.hpp).
//
// JPEG (baseline and progressive), PNG (8- and 16-bit, gray, palette, alpha), BMP, TGA
// and GIF (first frame). Gray stays 1 channel, gray+alpha becomes RGBA, palette becomes
// RGB or RGBA; 16-bit PNGs decode to u16, everything else to u8. Failures throw
// pixfuse::Error naming the file and stb's reason; images over max_pixels are rejected
// from their header, before any pixel memory is allocated (decompression bombs).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "pixfuse/core/error.hpp"
#include "pixfuse/core/image_view.hpp"
#include "pixfuse/io/detail/stb_image.hpp"
#include "pixfuse/io/file.hpp"

namespace pixfuse::io {

struct DecodeOptions {
  // Largest width * height accepted; Pillow's DecompressionBombError threshold by default.
  std::int64_t max_pixels = 178956970;
};

class DecodedImage {
 public:
  DecodedImage() = default;

  AnyImageView view() const {
    return AnyImageView(pixels_.get(), dtype_, width_, height_, channels_,
                        static_cast<std::int64_t>(width_) * channels_ * size_of(dtype_));
  }
  int width() const noexcept { return width_; }
  int height() const noexcept { return height_; }
  int channels() const noexcept { return channels_; }
  DType dtype() const noexcept { return dtype_; }
  // "jpeg", "png", "gif", "bmp", "tga".
  const std::string& format() const noexcept { return format_; }

 private:
  friend DecodedImage decode(const unsigned char*, std::size_t, const std::string&,
                             const DecodeOptions&);
  struct Free {
    void operator()(void* p) const noexcept { stbi_image_free(p); }
  };
  std::unique_ptr<void, Free> pixels_;
  int width_ = 0, height_ = 0, channels_ = 0;
  DType dtype_ = DType::u8;
  std::string format_;
};

namespace detail {
inline std::string sniff_format(const unsigned char* b, std::size_t n) {
  if (n >= 3 && b[0] == 0xFF && b[1] == 0xD8 && b[2] == 0xFF) return "jpeg";
  if (n >= 8 && b[0] == 0x89 && b[1] == 'P' && b[2] == 'N' && b[3] == 'G') return "png";
  if (n >= 4 && b[0] == 'G' && b[1] == 'I' && b[2] == 'F' && b[3] == '8') return "gif";
  if (n >= 2 && b[0] == 'B' && b[1] == 'M') return "bmp";
  return "tga";  // the one format without a signature; stb decides
}
}  // namespace detail

// Decode an encoded image held in memory; `name` (usually the path) prefixes errors.
inline DecodedImage decode(const unsigned char* bytes, std::size_t size, const std::string& name,
                           const DecodeOptions& options = {}) {
  if (size == 0) throw Error(name + ": empty file");
  if (size > static_cast<std::size_t>(std::numeric_limits<int>::max()))
    throw Error(name + ": file larger than 2 GiB");
  const int len = static_cast<int>(size);
  int w = 0, h = 0, file_channels = 0;
  if (!stbi_info_from_memory(bytes, len, &w, &h, &file_channels))
    throw Error(name + ": not a decodable image (" + stbi_failure_reason() + ")");
  if (static_cast<std::int64_t>(w) * h > options.max_pixels)
    throw Error(name, pixfuse::detail::to_text("at most ", options.max_pixels, " pixels"),
                pixfuse::detail::to_text(w, "x", h, " = ", static_cast<std::int64_t>(w) * h,
                                " pixels (possible decompression bomb; raise max_pixels)"));
  const int channels = file_channels == 2 ? 4 : file_channels;  // gray+alpha -> RGBA
  const bool sixteen = stbi_is_16_bit_from_memory(bytes, len) != 0;
  void* pixels = sixteen ? static_cast<void*>(stbi_load_16_from_memory(bytes, len, &w, &h,
                                                                       &file_channels, channels))
                         : static_cast<void*>(stbi_load_from_memory(bytes, len, &w, &h,
                                                                    &file_channels, channels));
  if (pixels == nullptr) throw Error(name + ": cannot decode (" + stbi_failure_reason() + ")");
  DecodedImage img;
  img.pixels_.reset(pixels);
  img.width_ = w;
  img.height_ = h;
  img.channels_ = channels;
  img.dtype_ = sixteen ? DType::u16 : DType::u8;
  img.format_ = detail::sniff_format(bytes, size);
  return img;
}

inline DecodedImage decode_file(const std::string& path, const DecodeOptions& options = {}) {
  const std::vector<unsigned char> bytes = read_file(path);
  return decode(bytes.data(), bytes.size(), path, options);
}

}  // namespace pixfuse::io
