// The EXIF orientation reader: the input is a file (JPEG, PNG or anything), then the same
// bytes as a bare TIFF/EXIF payload. Any input gives an orientation from 1 to 8; the
// reads stay inside the input (AddressSanitizer checks).
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

#include "fuzz.hpp"
#include "pixfuse/io/exif.hpp"

namespace io = pixfuse::io;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // A copy of exactly `size` bytes: libFuzzer's buffer is exact too, the replay's not.
  const std::vector<unsigned char> bytes(data, data + size);
  const unsigned char* b = bytes.empty() ? nullptr : bytes.data();
  for (pixfuse::Orientation o :
       {io::exif_orientation(b, size), io::exif_orientation_from_tiff(b, size)}) {
    const int v = static_cast<int>(o);
    fuzz::check(v >= 1 && v <= 8, "orientation out of range");
  }
  return 0;
}
