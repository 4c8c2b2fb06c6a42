// Decoding from memory, every format, both decoders: the input is the file. It is
// decoded under a name ending in .tga (so TGA is reachable; the other formats are
// claimed by their signatures first) with stb_image, and JPEGs also with libjpeg-turbo at
// full size and, for a rectangle the input chooses, as a region at 1/2 (DCT scaling) when
// the build has it. A decode either gives an image whose size and buffer agree with its
// header (every sample is read, so AddressSanitizer sees the whole buffer) or throws an
// Error naming the file and why.
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz.hpp"
#include "pixfuse/io/decode.hpp"

namespace io = pixfuse::io;

namespace {

void decode_once(const std::uint8_t* data, std::size_t size, const io::DecodeOptions& o) {
  const std::string name = "input.tga";
  try {
    const io::DecodedImage img = io::decode(data, size, name, o);  // probes first
    fuzz::check(img.width() >= 1 && img.height() >= 1, "decoded an empty image");
    fuzz::check(static_cast<std::int64_t>(img.width()) * img.height() <= o.max_pixels,
                "decoded past max_pixels");
    fuzz::check(img.channels() == 1 || img.channels() == 3 || img.channels() == 4, "channel count");
    const pixfuse::AnyImageView v = img.view();
    const auto* p = static_cast<const unsigned char*>(v.data);
    unsigned sum = 0;
    const std::int64_t row_bytes =
        std::int64_t{v.width} * v.channels * static_cast<std::int64_t>(pixfuse::size_of(v.dtype));
    for (std::int64_t y = 0; y < v.height; ++y)
      for (std::int64_t i = 0; i < row_bytes; ++i) sum += p[y * v.row_stride + i];
    volatile unsigned sink = sum;
    (void)sink;
  } catch (const pixfuse::Error& e) {
    fuzz::check_reason(e, name);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  io::DecodeOptions o;
  o.max_pixels = 1 << 14;  // keeps each run fast (128x128); the bomb check itself is what is tested
  o.use_turbojpeg = false;
  decode_once(data, size, o);
  o.keep_16_bit = false;
  if (size >= 8 && data[0] == 0x89) decode_once(data, size, o);  // PNG: the 16 -> 8 bit path
  if (io::have_turbojpeg() && size >= 3 && data[0] == 0xFF && data[1] == 0xD8) {
    o.use_turbojpeg = true;
    decode_once(data, size, o);
    // A region decode (rows skipped, columns cropped) of a rectangle the input's last
    // bytes choose, at 1/2 by DCT scaling.
    const unsigned a = data[size - 1], b = data[size - 2];
    o.region = pixfuse::Rect{a % 32, b % 32, 1 + (a >> 3), 1 + (b >> 3)};
    o.reduce = 2;
    decode_once(data, size, o);
  }
  return 0;
}
