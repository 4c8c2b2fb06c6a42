// The .npy reader: the input is a .npy file. Parsing either gives an array whose bytes
// are exactly what its shape and dtype say, or an Error naming the file and why; an
// array that passes npy_images gives a view inside its bytes (the first image of a
// stack), every sample of which is read.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "fuzz.hpp"
#include "pixfuse/io/npy.hpp"

namespace io = pixfuse::io;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string name = "input.npy";
  const std::vector<unsigned char> bytes(data, data + size);
  try {
    const io::NpyHeader h = io::detail::parse_npy_header(bytes.data(), bytes.size(), name);
    const io::NpyArray a = io::parse_npy(bytes, name);
    fuzz::check(static_cast<std::size_t>(a.elements()) * pixfuse::size_of(a.dtype) ==
                    a.bytes.size(),
                "array bytes differ from shape x dtype");
    fuzz::check(h.data_offset + a.bytes.size() == bytes.size(), "data offset");
    const io::NpyImages m = io::npy_images(h, name);
    fuzz::check(m.count >= 1 && m.width >= 1 && m.height >= 1, "empty image accepted");
    const std::size_t image_bytes =
        static_cast<std::size_t>(m.pixels() * m.channels) * pixfuse::size_of(m.dtype);
    fuzz::check(image_bytes * static_cast<std::size_t>(m.count) == a.bytes.size(),
                "images do not tile the array");
    const pixfuse::AnyImageView v = io::npy_image_view(a, m, name);
    unsigned sum = 0;
    const auto* p = static_cast<const unsigned char*>(v.data);
    for (std::size_t i = 0; i < image_bytes; ++i) sum += p[i];
    volatile unsigned sink = sum;
    (void)sink;
  } catch (const pixfuse::Error& e) {
    fuzz::check_reason(e, name);
    const std::string m = e.what();
    for (unsigned char c : m)
      fuzz::check(c >= 0x20 && c < 0x7F, "non-printable byte in a message: " + m);
  }
  return 0;
}
