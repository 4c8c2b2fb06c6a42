// Decoding: libjpeg-turbo against Pillow's pixels, reduced-size decodes against Pillow's
// draft(), the awkward formats, and bad files (each rejected with a reason naming it).
// Fixtures: tests/data/bad, made by tests/data/make_bad_inputs.py with Pillow.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "pixfuse/io/decode.hpp"
#include "pixfuse/io/npy.hpp"

namespace pf = pixfuse;
namespace io = pixfuse::io;

namespace {

const std::string kBad = std::string(PIXFUSE_TEST_DATA_DIR) + "/data/bad/";

// Largest |decoded - reference| over all samples; -1 if the shapes differ.
int max_diff(const io::DecodedImage& img, const io::NpyArray& ref) {
  const std::vector<std::int64_t> shape =
      ref.shape.size() == 2 ? std::vector<std::int64_t>{ref.shape[0], ref.shape[1], 1} : ref.shape;
  if (shape != std::vector<std::int64_t>{img.height(), img.width(), img.channels()}) return -1;
  const auto* a = static_cast<const std::uint8_t*>(img.view().data);
  const auto* b = ref.data<std::uint8_t>();
  int worst = 0;
  for (std::int64_t i = 0; i < ref.elements(); ++i)
    worst = std::max(worst, std::abs(int(a[i]) - int(b[i])));
  return worst;
}

std::string error_of(const std::vector<unsigned char>& bytes, const std::string& name,
                     const io::DecodeOptions& o = {}) {
  try {
    (void)io::decode(bytes.data(), bytes.size(), name, o);
  } catch (const pf::Error& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST(Decode, JpegEqualsPillow) {
  for (const char* name : {"rgb420", "rgb444", "progressive", "gray", "cmyk", "exif6"}) {
    const io::DecodedImage img = io::decode_file(kBad + name + ".jpg");
    const int d = max_diff(img, io::read_npy(kBad + name + ".pil.npy"));
    EXPECT_GE(d, 0) << name << ": shape differs from Pillow's";
    if (io::have_turbojpeg()) {
      EXPECT_EQ(d, 0) << name << ": libjpeg-turbo with Pillow's settings must give Pillow's pixels";
    } else {
      // stb_image has its own IDCT and chroma upsampling: close, not equal.
      EXPECT_LE(d, 40) << name;
    }
  }
}

TEST(Decode, ReducedDecodeEqualsPillowDraft) {
  if (!io::have_turbojpeg())
    GTEST_SKIP() << "built without libjpeg-turbo: DecodeOptions::reduce is ignored";
  for (int r : {2, 4, 8}) {
    io::DecodeOptions o;
    o.reduce = r;
    const io::DecodedImage img = io::decode_file(kBad + "draft.jpg", o);
    EXPECT_EQ(img.reduction(), r);
    EXPECT_EQ(max_diff(img, io::read_npy(kBad + "draft.r" + std::to_string(r) + ".pil.npy")), 0)
        << "1/" << r;
  }
  // Sizes round up, as libjpeg's: 37x29 at 1/4 is 10x8.
  io::DecodeOptions o;
  o.reduce = 4;
  const io::DecodedImage odd = io::decode_file(kBad + "rgb420.jpg", o);
  EXPECT_EQ(odd.width(), 10);
  EXPECT_EQ(odd.height(), 8);
}

TEST(Decode, ReduceIsIgnoredForOtherFormats) {
  io::DecodeOptions o;
  o.reduce = 2;
  const io::DecodedImage img = io::decode_file(kBad + "gray.png", o);
  EXPECT_EQ(img.reduction(), 1);
  EXPECT_EQ(img.width(), 20);
}

TEST(Decode, PngVariantsEqualPillow) {
  const io::DecodedImage gray = io::decode_file(kBad + "gray.png");
  EXPECT_EQ(gray.channels(), 1);
  EXPECT_EQ(max_diff(gray, io::read_npy(kBad + "gray_png.pil.npy")), 0);
  const io::DecodedImage rgba = io::decode_file(kBad + "rgba.png");
  EXPECT_EQ(rgba.channels(), 4);
  EXPECT_EQ(max_diff(rgba, io::read_npy(kBad + "rgba_png.pil.npy")), 0);
  const io::DecodedImage palette = io::decode_file(kBad + "palette.png");
  EXPECT_EQ(palette.channels(), 3);
  EXPECT_EQ(max_diff(palette, io::read_npy(kBad + "palette_png.pil.npy")), 0);
}

TEST(Decode, SixteenBitPng) {
  const io::NpyArray ref = io::read_npy(kBad + "rgb16.u16.npy");  // (10, 16, 3) values v * 257 + 1
  const io::DecodedImage wide = io::decode_file(kBad + "rgb16.png");
  ASSERT_EQ(wide.dtype(), pf::DType::u16);
  ASSERT_EQ(wide.width(), 16);
  ASSERT_EQ(wide.height(), 10);
  EXPECT_EQ(0, std::memcmp(wide.view().data, ref.data<std::uint16_t>(), ref.bytes.size()));
  io::DecodeOptions o;
  o.keep_16_bit = false;  // the high byte, as Pillow reads 16-bit RGB
  const io::DecodedImage narrow = io::decode_file(kBad + "rgb16.png", o);
  ASSERT_EQ(narrow.dtype(), pf::DType::u8);
  const auto* p = static_cast<const std::uint8_t*>(narrow.view().data);
  for (std::int64_t i = 0; i < ref.elements(); ++i)
    ASSERT_EQ(p[i], ref.data<std::uint16_t>()[i] >> 8) << i;
}

TEST(Decode, ExtremeShapes) {
  const io::DecodedImage one = io::decode_file(kBad + "tiny_1x1.png");
  EXPECT_EQ(one.width() * one.height(), 1);
  const io::DecodedImage wide = io::decode_file(kBad + "wide_4000x3.png");
  EXPECT_EQ(wide.width(), 4000);
  EXPECT_EQ(wide.height(), 3);
  const io::DecodedImage tall = io::decode_file(kBad + "tall_3x4000.png");
  EXPECT_EQ(tall.width(), 3);
  EXPECT_EQ(tall.height(), 4000);
}

TEST(Decode, ExifOrientationIsReportedNotApplied) {
  const io::DecodedImage img = io::decode_file(kBad + "exif6.jpg");
  EXPECT_EQ(img.orientation(), pf::Orientation::rotate_90_cw);
  EXPECT_EQ(img.width(), 40);  // stored size
  EXPECT_EQ(img.height(), 24);
  EXPECT_EQ(io::decode_file(kBad + "rgb420.jpg").orientation(), pf::Orientation::normal);
}

TEST(Decode, BombsAreRejectedFromTheHeader) {
  for (const char* name : {"bomb.png", "bomb.jpg"}) {
    const std::vector<unsigned char> bytes = io::read_file(kBad + name);
    const std::string e = error_of(bytes, name);
    EXPECT_NE(e.find(std::string(name) + ": expected at most 178956970 pixels"), std::string::npos)
        << e;
    EXPECT_NE(e.find("possible decompression bomb"), std::string::npos) << e;
  }
  EXPECT_NE(
      error_of(io::read_file(kBad + "bomb.png"), "b").find("100000x100000 = 10000000000 pixels"),
      std::string::npos);
  // A lower limit rejects ordinary images too, and probe() says so without decoding.
  io::DecodeOptions o;
  o.max_pixels = 100;
  const std::vector<unsigned char> small = io::read_file(kBad + "rgb420.jpg");
  EXPECT_NE(error_of(small, "small.jpg", o)
                .find("small.jpg: expected at most 100 pixels, got 37x29 = 1073"),
            std::string::npos);
  const io::ImageInfo info =
      io::probe(small.data(), small.size(), "small.jpg", o);  // the size, not a verdict
  EXPECT_EQ(info.width, 37);
  EXPECT_THROW(io::check_limits(info, "small.jpg", o), pf::Error);
  const std::vector<unsigned char> bomb = io::read_file(kBad + "bomb.png");
  EXPECT_EQ(io::probe(bomb.data(), bomb.size(), "bomb.png").width, 100000);
}

TEST(Decode, BadFilesNameTheFileAndTheReason) {
  const std::vector<unsigned char> jpeg = io::read_file(kBad + "rgb420.jpg");
  EXPECT_EQ(error_of({}, "e.jpg"), "e.jpg: empty file");
  const std::string text = "not an image at all";
  EXPECT_NE(error_of({text.begin(), text.end()}, "t.png").find("t.png: not a decodable"),
            std::string::npos);
  // Truncated anywhere: in the header, or in the entropy-coded data.
  // (libjpeg-turbo: "Premature end of JPEG file" is an error, as Pillow's "image file is
  // truncated"; stb_image may fill the missing part instead, so only the header cuts are
  // errors for it.)
  for (std::size_t n : {std::size_t{3}, std::size_t{100}, jpeg.size() / 2}) {
    const std::string e =
        error_of({jpeg.begin(), jpeg.begin() + static_cast<std::ptrdiff_t>(n)}, "cut.jpg");
    if (io::have_turbojpeg() || n < 200) {
      EXPECT_EQ(e.rfind("cut.jpg: ", 0), 0u) << n << ": " << e;
    }
  }
  // A corrupt header (the SOF marker's precision byte).
  std::vector<unsigned char> bad = jpeg;
  for (std::size_t i = 2; i + 1 < bad.size(); ++i)
    if (bad[i] == 0xFF && bad[i + 1] == 0xC0) {
      bad[i + 4] = 0x03;
      break;
    }
  EXPECT_EQ(error_of(bad, "sof.jpg").rfind("sof.jpg: ", 0), 0u);
  const std::vector<unsigned char> png = io::read_file(kBad + "gray.png");
  EXPECT_EQ(error_of({png.begin(), png.begin() + 60}, "cut.png").rfind("cut.png: ", 0), 0u);
}

TEST(Decode, AFailureDoesNotSpoilTheNextDecode) {
  // The JPEG decoder is reused per thread: after a failed header or data it must still
  // decode the next good file.
  const std::vector<unsigned char> jpeg = io::read_file(kBad + "rgb420.jpg");
  for (std::size_t cut : {std::size_t{3}, std::size_t{200}, jpeg.size() / 2}) {
    EXPECT_NE(error_of({jpeg.begin(), jpeg.begin() + static_cast<std::ptrdiff_t>(cut)}, "cut.jpg"),
              "");
    EXPECT_EQ(error_of(jpeg, "good.jpg"), "") << "after a cut at " << cut;
  }
}

TEST(Decode, UnreadablePaths) {
  try {
    (void)io::decode_file(kBad + "does_not_exist.jpg");
    FAIL();
  } catch (const pf::Error& e) {
    EXPECT_NE(std::string(e.what()).find(
                  "does_not_exist.jpg: cannot open: No such file or directory"),
              std::string::npos);
  }
  try {
    (void)io::decode_file(kBad);  // a directory
    FAIL();
  } catch (const pf::Error& e) {
    EXPECT_NE(std::string(e.what()).find("Is a directory"), std::string::npos) << e.what();
  }
}
