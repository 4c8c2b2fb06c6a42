// EXIF orientation parsing: both byte orders, JPEG and PNG containers, and hostile input
// (every truncation, lying offsets and counts) which must give `normal`, never a bad read.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "pixfuse/io/exif.hpp"
#include "pixfuse/io/file.hpp"

namespace pf = pixfuse;
namespace io = pixfuse::io;

namespace {

using Bytes = std::vector<unsigned char>;

// A TIFF payload with IFD0 holding `entries` entries; the orientation entry last.
Bytes tiff(bool little, std::uint16_t orientation, std::uint16_t type = 3, int other_entries = 1) {
  Bytes b;
  auto u16 = [&](std::uint32_t v) {
    if (little) b.insert(b.end(), {std::uint8_t(v), std::uint8_t(v >> 8)});
    else b.insert(b.end(), {std::uint8_t(v >> 8), std::uint8_t(v)});
  };
  auto u32 = [&](std::uint32_t v) {
    if (little)
      b.insert(b.end(), {std::uint8_t(v), std::uint8_t(v >> 8), std::uint8_t(v >> 16),
                         std::uint8_t(v >> 24)});
    else
      b.insert(b.end(), {std::uint8_t(v >> 24), std::uint8_t(v >> 16), std::uint8_t(v >> 8),
                         std::uint8_t(v)});
  };
  b.insert(b.end(), little ? std::initializer_list<unsigned char>{'I', 'I'}
                           : std::initializer_list<unsigned char>{'M', 'M'});
  u16(42);
  u32(8);
  u16(static_cast<std::uint32_t>(other_entries + 1));
  for (int i = 0; i < other_entries; ++i) {  // ImageWidth, LONG
    u16(0x0100);
    u16(4);
    u32(1);
    u32(640);
  }
  u16(0x0112);
  u16(type);
  u32(1);
  u16(orientation);
  u16(0);
  u32(0);  // next IFD
  return b;
}

Bytes jpeg_with(const Bytes& tiff_payload) {
  Bytes b{0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x04, 'J', 'F'};  // SOI, a short APP0
  const std::size_t len = tiff_payload.size() + 8;
  b.insert(b.end(),
           {0xFF, 0xE1, std::uint8_t(len >> 8), std::uint8_t(len), 'E', 'x', 'i', 'f', 0, 0});
  b.insert(b.end(), tiff_payload.begin(), tiff_payload.end());
  b.insert(b.end(), {0xFF, 0xDA, 0x00, 0x02, 0xFF, 0xD9});
  return b;
}

pf::Orientation of(const Bytes& b) { return io::exif_orientation(b.data(), b.size()); }

}  // namespace

TEST(Exif, EveryOrientationBothByteOrders) {
  for (bool little : {true, false})
    for (std::uint16_t v = 1; v <= 8; ++v)
      EXPECT_EQ(of(jpeg_with(tiff(little, v))), static_cast<pf::Orientation>(v))
          << little << " " << v;
}

TEST(Exif, InvalidValuesAreNormal) {
  EXPECT_EQ(of(jpeg_with(tiff(true, 0))), pf::Orientation::normal);
  EXPECT_EQ(of(jpeg_with(tiff(true, 9))), pf::Orientation::normal);
  EXPECT_EQ(of(jpeg_with(tiff(true, 6, /*type LONG*/ 4))), pf::Orientation::normal);
  EXPECT_EQ(of(Bytes{}), pf::Orientation::normal);
  EXPECT_EQ(of(Bytes{0xFF, 0xD8}), pf::Orientation::normal);
}

TEST(Exif, EveryTruncationIsSafe) {
  const Bytes full = jpeg_with(tiff(false, 6, 3, 3));
  ASSERT_EQ(of(full), pf::Orientation::rotate_90_cw);
  for (std::size_t n = 0; n < full.size(); ++n) {
    // Heap copies of exactly n bytes: AddressSanitizer sees any read past them.
    const Bytes cut(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(n));
    const pf::Orientation o = io::exif_orientation(cut.empty() ? nullptr : cut.data(), cut.size());
    EXPECT_TRUE(o == pf::Orientation::normal || o == pf::Orientation::rotate_90_cw) << n;
  }
  // The TIFF payload alone, cut everywhere.
  const Bytes t = tiff(true, 3);
  for (std::size_t n = 0; n <= t.size(); ++n) {
    const Bytes cut(t.begin(), t.begin() + static_cast<std::ptrdiff_t>(n));
    (void)io::exif_orientation_from_tiff(cut.empty() ? nullptr : cut.data(), cut.size());
  }
}

TEST(Exif, LyingOffsetsAndCounts) {
  Bytes t = tiff(true, 6);
  t[4] = 0xF0;  // IFD0 offset far past the end
  EXPECT_EQ(io::exif_orientation_from_tiff(t.data(), t.size()), pf::Orientation::normal);
  t = tiff(true, 6);
  t[8] = 0xFF;  // 65535 entries in a 40-byte payload
  t[9] = 0xFF;
  EXPECT_EQ(io::exif_orientation_from_tiff(t.data(), t.size()),
            pf::Orientation::rotate_90_cw);  // found before the end
  t = tiff(true, 6, 3, 0);
  t[8] = 0xFF;
  t.resize(19);  // the orientation value (bytes 18-19) is cut in half
  EXPECT_EQ(io::exif_orientation_from_tiff(t.data(), t.size()), pf::Orientation::normal);
  // A segment length longer than the file.
  Bytes j = jpeg_with(tiff(true, 6));
  j[12] = 0x7F;
  EXPECT_EQ(of(j), pf::Orientation::normal);
  // The IFD offset wraps around 32 bits.
  t = tiff(true, 6);
  t[4] = 0xFE;
  t[5] = 0xFF;
  t[6] = 0xFF;
  t[7] = 0xFF;
  EXPECT_EQ(io::exif_orientation_from_tiff(t.data(), t.size()), pf::Orientation::normal);
}

TEST(Exif, PngExifChunk) {
  const Bytes t = tiff(false, 8);
  Bytes b{0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
  b.insert(b.end(),
           {0, 0, 0, 13, 'I', 'H', 'D', 'R', 0, 0, 0, 1, 0, 0, 0, 1, 8, 2, 0, 0, 0, 0, 0, 0, 0});
  b.insert(b.end(), {0, 0, 0, std::uint8_t(t.size()), 'e', 'X', 'I', 'f'});
  b.insert(b.end(), t.begin(), t.end());
  b.insert(b.end(), {0, 0, 0, 0});  // CRC (not checked)
  EXPECT_EQ(of(b), pf::Orientation::rotate_90_ccw);
  b[8 + 25 + 3] = 0xFF;  // the chunk claims more bytes than the file has
  EXPECT_EQ(of(b), pf::Orientation::normal);
}

TEST(Exif, PillowWrittenFile) {
  const Bytes b = io::read_file(std::string(PIXFUSE_TEST_DATA_DIR) + "/data/bad/exif6.jpg");
  EXPECT_EQ(of(b), pf::Orientation::rotate_90_cw);
}
