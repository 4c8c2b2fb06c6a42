// Decoding image files into owned pixels: stb_image (embedded, see detail/stb_image.hpp)
// by default, libjpeg-turbo for JPEG when built with it (io/jpeg_turbo.hpp).
//
// JPEG (baseline and progressive; CMYK with libjpeg-turbo, or stb's conversion), PNG (8-
// and 16-bit, gray, palette, alpha), BMP, TGA and GIF (first frame). Gray stays 1 channel,
// gray+alpha becomes RGBA, palette becomes RGB or RGBA; 16-bit PNGs decode to u16 (or to
// u8, their high byte, as Pillow reads 16-bit RGB, with keep_16_bit = false), everything
// else to u8. The EXIF orientation is read (io/exif.hpp), not applied: pass it to
// InputShape::of(view, orientation) and the Plan folds it in. Failures throw
// pixfuse::Error naming the file and the reason; images over max_pixels are rejected
// from their header, before any pixel memory is allocated (decompression bombs).
//
// Untrusted bytes: the format is the one its signature names (io/format.hpp; TGA only
// with a .tga name), and only that format's reader sees the file; what stb_image must not
// be given is refused or repaired first (io/detail/stb_preflight.hpp); a JPEG's scan count
// is bounded (DecodeOptions::max_jpeg_scans). docs/HOSTILE_INPUT.md has the whole story.
#pragma once

#include <cstddef>
#include <cstdint>
#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "pixfuse/core/error.hpp"
#include "pixfuse/core/image_view.hpp"
#include "pixfuse/io/detail/jpeg_structure.hpp"
#include "pixfuse/io/detail/stb_preflight.hpp"
#include "pixfuse/io/detail/stb_reader.hpp"
#include "pixfuse/io/exif.hpp"
#include "pixfuse/io/file.hpp"
#include "pixfuse/io/format.hpp"
#include "pixfuse/io/jpeg_turbo.hpp"
#include "pixfuse/plan/orientation.hpp"

namespace pixfuse::io {

// Whether this build decodes JPEG with libjpeg-turbo (else stb_image).
constexpr bool have_turbojpeg() noexcept { return PIXFUSE_HAVE_TURBOJPEG != 0; }

struct DecodeOptions {
  // Largest width * height accepted, checked on the header. The default is the size at
  // which Pillow raises DecompressionBombError (2 * Image.MAX_IMAGE_PIXELS).
  std::int64_t max_pixels = 178956970;
  // JPEG with libjpeg-turbo only: decode at 1/reduce (1, 2, 4 or 8) by DCT scaling.
  // Other formats, and builds without libjpeg-turbo, ignore it (DecodedImage::reduction
  // says what was done).
  int reduce = 1;
  // false: 16-bit PNGs decode to u8, the high byte of each sample.
  bool keep_16_bit = true;
  // false: JPEG through stb_image even when libjpeg-turbo is available.
  bool use_turbojpeg = true;
  // JPEG with libjpeg-turbo only: the rectangle of the image (at 1/reduce) the caller
  // needs, e.g. pixfuse::source_region(plan); decoding may then cover only a rectangle
  // containing it, with the same pixels there as the full decode (DecodedImage::region()
  // says what was decoded). Empty (the default): the whole image.
  Rect region{};
  // Largest number of scans (SOS markers) a JPEG may have: a progressive JPEG is decoded
  // in one pass over the image per scan, so this bounds decoding time. Encoders write
  // about 10; 256 is the limit NVIDIA's nvImageCodec and others apply.
  int max_jpeg_scans = 256;
};

// What a file's header says, read without decoding pixels.
struct ImageInfo {
  int width = 0, height = 0;  // full size, as stored
  int channels = 0;           // of the decoded pixels: 1, 3 or 4
  bool sixteen_bit = false;
  std::string format;                             // "jpeg", "png", "gif", "bmp", "tga"
  Orientation orientation = Orientation::normal;  // EXIF, not applied
  // Size after DecodeOptions::reduce (JPEG with libjpeg-turbo), else width and height.
  int decoded_width(int reduce) const {
    return reduce > 1 && can_reduce ? (width + reduce - 1) / reduce : width;
  }
  int decoded_height(int reduce) const {
    return reduce > 1 && can_reduce ? (height + reduce - 1) / reduce : height;
  }
  bool can_reduce = false;  // decode() would honour DecodeOptions::reduce
  bool cmyk = false;        // stored as CMYK or YCCK (decoded to RGB)
};

class DecodedImage {
 public:
  DecodedImage() = default;

  AnyImageView view() const {
    return AnyImageView(static_cast<unsigned char*>(pixels_.get()) + offset_, dtype_, width_,
                        height_, channels_,
                        row_stride_
                            ? static_cast<std::int64_t>(row_stride_)
                            : static_cast<std::int64_t>(width_) * channels_ * size_of(dtype_));
  }
  int width() const noexcept { return width_; }
  int height() const noexcept { return height_; }
  int channels() const noexcept { return channels_; }
  DType dtype() const noexcept { return dtype_; }
  // "jpeg", "png", "gif", "bmp", "tga".
  const std::string& format() const noexcept { return format_; }
  // The EXIF orientation of the file (not applied to the pixels).
  Orientation orientation() const noexcept { return orientation_; }
  // 1, or the DCT reduction the pixels were decoded at (full_width() is ceil(stored / reduction)).
  int reduction() const noexcept { return reduction_; }
  // The rectangle of the image (at 1/reduction) the pixels cover: all of it unless a
  // region decode (DecodeOptions::region) left rows or columns out. Run a plan lowered
  // for full_width() x full_height() on them through pixfuse::for_region(plan, region()).
  Rect region() const noexcept { return {region_x_, region_y_, width_, height_}; }
  int full_width() const noexcept { return full_width_ ? full_width_ : width_; }
  int full_height() const noexcept { return full_height_ ? full_height_ : height_; }
  bool is_region() const noexcept { return full_width() != width_ || full_height() != height_; }

 private:
  friend DecodedImage decode(const unsigned char*, std::size_t, const std::string&,
                             const DecodeOptions&);
  struct Free {
    void (*release)(void*) noexcept;  // null: std::free (TurboJPEG's path mallocs)
    void operator()(void* p) const noexcept {
      if (release) release(p);
      else std::free(p);
    }
  };
  std::unique_ptr<void, Free> pixels_{nullptr, Free{nullptr}};
  int width_ = 0, height_ = 0, channels_ = 0;
  DType dtype_ = DType::u8;
  std::string format_;
  Orientation orientation_ = Orientation::normal;
  int reduction_ = 1;
  int region_x_ = 0, region_y_ = 0, full_width_ = 0, full_height_ = 0;
  std::size_t offset_ = 0, row_stride_ = 0;  // a region's pixels within their buffer (0: packed)
};

namespace detail {
inline bool via_turbo(ImageFormat format, const DecodeOptions& o) {
  return PIXFUSE_HAVE_TURBOJPEG && o.use_turbojpeg && format == ImageFormat::jpeg;
}

inline void check_pixels(const std::string& name, int w, int h, const DecodeOptions& o) {
  const std::int64_t pixels = static_cast<std::int64_t>(w) * h;
  if (pixels > o.max_pixels)
    throw Error(
        name, pixfuse::detail::to_text("at most ", o.max_pixels, " pixels"),
        pixfuse::detail::to_text(w, "x", h, " = ", pixels,
                                 " pixels (possible decompression bomb; raise max_pixels)"));
}

// What decode needs after reading the header: the format, the decoder, the header's
// facts, and the bytes to decode (the caller's, or a repaired copy: stb_preflight.hpp).
struct Prepared {
  ImageInfo info;
  ImageFormat format = ImageFormat::jpeg;
  bool turbo = false;
  std::vector<unsigned char> repaired;
  const unsigned char* bytes = nullptr;
  std::size_t size = 0;
  std::string shortfall;  // why the data cannot hold the declared image (JPEG, PNG), or empty
};

// A header may declare a width or height of 0 (a GIF's logical screen, found by fuzzing):
// stb_image then "decodes" an image of no pixels, which is refused here by name.
inline void check_not_empty(const ImageInfo& info, const std::string& name) {
  if (info.width < 1 || info.height < 1)
    throw Error(name, "an image of at least 1x1 pixels",
                pixfuse::detail::to_text(info.width, "x", info.height, " in its ", info.format,
                                         " header"));
}

inline Prepared prepare(const unsigned char* bytes, std::size_t size, const std::string& name,
                        const DecodeOptions& options) {
  if (size == 0) throw Error(name + ": empty file");
  if (size > static_cast<std::size_t>(std::numeric_limits<int>::max()))
    throw Error(name + ": file larger than 2 GiB");
  Prepared p;
  p.format = identify_format(bytes, size, name);
  p.turbo = via_turbo(p.format, options);
  p.bytes = bytes;
  p.size = size;
  ImageInfo& info = p.info;
  info.format = io::name(p.format);
  info.orientation = exif_orientation(bytes, size);
  if (p.format == ImageFormat::jpeg) {
    // Each scan of a progressive JPEG is a pass over the whole image.
    const JpegStructure j = read_jpeg_structure(bytes, size);
    if (j.scans > options.max_jpeg_scans)
      throw Error(name, pixfuse::detail::to_text("at most ", options.max_jpeg_scans, " JPEG scans"),
                  pixfuse::detail::to_text(
                      j.scans, " (each scan is a decoding pass; raise max_jpeg_scans)"));
    p.shortfall = jpeg_data_shortfall(j);
  }
#if PIXFUSE_HAVE_TURBOJPEG
  if (p.turbo) {
    const turbo::Header h = turbo::read_header(bytes, size, name);
    info.width = h.width;
    info.height = h.height;
    info.channels = h.channels;
    info.can_reduce = true;
    info.cmyk = h.cmyk;
    check_not_empty(info, name);
    return p;
  }
#endif
  Preflight pre = stb_preflight(p.format, bytes, size);
  if (!pre.problem.empty())
    throw Error(name + ": not a decodable image (" + info.format + ": " + pre.problem + ")");
  if (!pre.shortfall.empty()) p.shortfall = std::move(pre.shortfall);
  if (!pre.repaired.empty()) {
    p.repaired = std::move(pre.repaired);
    p.bytes = p.repaired.data();
    p.size = p.repaired.size();
  }
  // stb_image calls a PNG too large for it "corrupt": take the size from IHDR first, so
  // that a bomb is reported as one.
  if (p.format == ImageFormat::png && size >= 24 && std::memcmp(bytes + 12, "IHDR", 4) == 0) {
    const std::uint32_t w = be32(bytes + 16), h = be32(bytes + 20);
    if (w > (1u << 24) || h > (1u << 24) || std::uint64_t{w} * h > (std::uint64_t{1} << 28)) {
      info.width = static_cast<int>(std::min<std::uint32_t>(w, 0x7FFFFFFF));
      info.height = static_cast<int>(std::min<std::uint32_t>(h, 0x7FFFFFFF));
      info.channels = 3;  // not decodable here anyway: check_limits or stb will refuse it
      return p;
    }
  }
  const int len = static_cast<int>(p.size);
  int file_channels = 0;
  if (!stb::read_info(p.format, p.bytes, len, &info.width, &info.height, &file_channels))
    throw Error(name + ": not a decodable image (" + stb::reason(p.format) + ")");
  info.channels = file_channels == 2 ? 4 : file_channels;  // gray+alpha -> RGBA
  info.sixteen_bit = options.keep_16_bit && stb::is_16_bit(p.format, p.bytes, len);
  check_not_empty(info, name);
  return p;
}
}  // namespace detail

// Read the header of an encoded image held in memory: size, channels, format, EXIF
// orientation. Throws (naming `name`) when it is not a decodable image; does not apply
// max_pixels (check_limits does), so a bomb's declared size can still be reported.
// `name` is usually the path: a name ending in .tga is the only way to TGA (io/format.hpp).
inline ImageInfo probe(const unsigned char* bytes, std::size_t size, const std::string& name,
                       const DecodeOptions& options = {}) {
  return detail::prepare(bytes, size, name, options).info;
}

// Throws (naming `name`) when the header's size is over options.max_pixels.
inline void check_limits(const ImageInfo& info, const std::string& name,
                         const DecodeOptions& options = {}) {
  detail::check_pixels(name, info.width, info.height, options);
}

// Decode an encoded image held in memory; `name` (usually the path) prefixes errors.
inline DecodedImage decode(const unsigned char* bytes, std::size_t size, const std::string& name,
                           const DecodeOptions& options = {}) {
  const detail::Prepared p = detail::prepare(bytes, size, name, options);
  const ImageInfo& info = p.info;
  check_limits(info, name, options);  // before any pixel memory is allocated
  // Decoding time follows the declared size: a file too short for it is refused first.
  if (!p.shortfall.empty())
    throw Error(name + ": not a decodable image (" + info.format + ": " + p.shortfall + ")");
  DecodedImage img;
  img.format_ = info.format;
  img.orientation_ = info.orientation;
#if PIXFUSE_HAVE_TURBOJPEG
  if (p.turbo) {
    const int r =
        options.reduce == 2 || options.reduce == 4 || options.reduce == 8 ? options.reduce : 1;
    const turbo::Header h{info.width, info.height, info.channels, info.cmyk};
    const turbo::Decoded d = turbo::decode(bytes, size, h, r, &options.region, name);
    img.pixels_.reset(d.pixels);
    img.offset_ = d.offset;
    img.row_stride_ = d.row_stride;
    img.width_ = static_cast<int>(d.region.width);
    img.height_ = static_cast<int>(d.region.height);
    img.region_x_ = static_cast<int>(d.region.x);
    img.region_y_ = static_cast<int>(d.region.y);
    img.full_width_ = d.full_width;
    img.full_height_ = d.full_height;
    img.channels_ = info.channels;
    img.reduction_ = r;
    return img;
  }
#endif
  int w = 0, h = 0;
  const bool stored_16 =
      info.sixteen_bit || detail::stb::is_16_bit(p.format, p.bytes, static_cast<int>(p.size));
  void* pixels =
      detail::stb::read(p.format, p.bytes, static_cast<int>(p.size), &w, &h, info.channels,
                        info.sixteen_bit,
                        detail::stb::budget(p.format, info.width, info.height, stored_16, p.size));
  if (pixels == nullptr)
    throw Error(name + ": cannot decode (" + detail::stb::reason(p.format) + ")");
  img.pixels_ =
      std::unique_ptr<void, DecodedImage::Free>(pixels,
                                                DecodedImage::Free{detail::stb::free_pixels});
  if (w != info.width || h != info.height) {  // the header read twice must agree
    throw Error(name,
                pixfuse::detail::to_text("the size its header gives, ", info.width, "x",
                                         info.height),
                pixfuse::detail::to_text(w, "x", h, " decoded"));
  }
  img.width_ = w;
  img.height_ = h;
  img.channels_ = info.channels;
  img.dtype_ = info.sixteen_bit ? DType::u16 : DType::u8;
  return img;
}

inline DecodedImage decode_file(const std::string& path, const DecodeOptions& options = {}) {
  const std::vector<unsigned char> bytes = read_file(path);
  return decode(bytes.data(), bytes.size(), path, options);
}

}  // namespace pixfuse::io
