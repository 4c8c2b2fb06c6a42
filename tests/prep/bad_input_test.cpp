// pixfuse-prep on bad and awkward inputs, all in one run: each is either handled (its
// values checked) or reported with a reason naming the file, and every good image still
// lands in the tensor at the row the manifest gives it. Nothing is dropped silently.
//
// The recipe is `--crop 1x1 --dtype u8 --scale 1`: no resize, so each output row is the
// decoded image's centre pixel as RGB, checkable against Pillow's decoded pixels
// (tests/data/bad/*.pil.npy) without running a kernel here.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "pixfuse/io/decode.hpp"
#include "pixfuse/io/npy.hpp"
#include "prep_runner.hpp"

namespace fs = std::filesystem;
namespace pf = pixfuse;
namespace io = pixfuse::io;
using namespace prep_test;

namespace {

struct Rgb {
  int r = 0, g = 0, b = 0;
};

// Centre pixel of an (H, W[, C]) u8 or u16 (high byte) array, as center_crop(1, 1) picks
// it: offset round((size - 1) / 2), half to even (Python's round).
Rgb centre(const void* data, pf::DType dtype, std::int64_t h, std::int64_t w, std::int64_t c) {
  const auto y = static_cast<std::int64_t>(std::nearbyint((h - 1) / 2.0));
  const auto x = static_cast<std::int64_t>(std::nearbyint((w - 1) / 2.0));
  auto at = [&](std::int64_t k) {
    const std::int64_t i = (y * w + x) * c + k;
    return dtype == pf::DType::u16 ? static_cast<const std::uint16_t*>(data)[i] >> 8
                                   : static_cast<int>(static_cast<const std::uint8_t*>(data)[i]);
  };
  return c == 1 ? Rgb{at(0), at(0), at(0)} : Rgb{at(0), at(1), at(2)};
}
Rgb centre(const io::NpyArray& a) {
  return centre(a.bytes.data(), a.dtype, a.shape[0], a.shape[1],
                a.shape.size() > 2 ? a.shape[2] : 1);
}
Rgb centre(const io::DecodedImage& d) {
  return centre(d.view().data, d.dtype(), d.height(), d.width(), d.channels());
}

}  // namespace

TEST_F(Prep, EveryBadInputIsReportedAndEveryGoodOneLands) {
  // Good-but-awkward inputs, with the centre pixel each must give.
  struct Good {
    std::string file;
    Rgb want;
  };
  std::vector<Good> good;
  auto fixture = [&](const std::string& file, const std::string& reference) {
    fs::copy_file(kBad + "/" + file, path(file));
    good.push_back({file, centre(io::read_npy(kBad + "/" + reference))});
  };
  fixture("cmyk.jpg", "cmyk.pil.npy");  // CMYK (Adobe): Pillow's CMYK -> RGB
  fixture("progressive.jpg", "progressive.pil.npy");
  fixture("gray.jpg", "gray.pil.npy");
  fixture("rgb420.jpg", "rgb420.pil.npy");
  fixture("gray.png", "gray_png.pil.npy");
  fixture("rgba.png", "rgba_png.pil.npy");  // alpha dropped
  fixture("palette.png", "palette_png.pil.npy");
  fixture("rgb16.png", "rgb16_png.pil.npy");  // 16-bit: the high byte, as Pillow
  for (const char* f : {"tiny_1x1.png", "wide_4000x3.png", "tall_3x4000.png"}) {
    fs::copy_file(kBad + "/" + f, path(f));
    good.push_back({f, centre(io::decode_file(kBad + "/" + f))});
  }
  // EXIF orientation 6: stored 40x24, upright 24x40; the centre of the upright image is
  // stored pixel (x 20, y 11) (rotate_90_cw: upright (u, v) = stored (v, H - 1 - u)).
  fs::copy_file(kBad + "/exif6.jpg", path("exif6.jpg"));
  {
    const io::NpyArray s = io::read_npy(kBad + "/exif6.pil.npy");
    const std::uint8_t* p = s.data<std::uint8_t>() + (11 * 40 + 20) * 3;
    good.push_back({"exif6.jpg", {p[0], p[1], p[2]}});
  }

  // Bad inputs, with the reason each must be reported with.
  const std::string jpeg = slurp(kBad + "/rgb420.jpg");
  write("bad_empty.jpg", "");
  write("bad_text.png", "this is not an image");
  const std::string photo = slurp(kData + "/chelsea.jpg");
  write("bad_truncated.jpg", photo.substr(0, photo.size() / 2));  // cut in the image data
  std::string corrupt = jpeg;
  corrupt[corrupt.find("\xFF\xC0") + 4] = 3;  // SOF precision 3 bits
  write("bad_corrupt.jpg", corrupt);
  fs::copy_file(kBad + "/bomb.png", path("bad_bomb.png"));
  fs::copy_file(kBad + "/bomb.jpg", path("bad_bomb.jpg"));
  fs::create_directory(path("x.jpg"));  // a directory with an image's name: scanned into (empty)
  const std::vector<std::pair<std::string, std::string>> bad = {
      {"bad_empty.jpg", "bad_empty.jpg: empty file"},
      {"bad_text.png", "bad_text.png: not a decodable image"},
      {"bad_truncated.jpg",
       io::have_turbojpeg() ? "bad_truncated.jpg: cannot decode JPEG (Premature end of JPEG file)"
                            : "bad_truncated.jpg: "},
      {"bad_corrupt.jpg", "bad_corrupt.jpg: not a decodable"},
      {"bad_bomb.png",
       "bad_bomb.png: expected at most 178956970 pixels, got 100000x100000 = 10000000000 pixels "
       "(possible decompression bomb"},
      {"bad_bomb.jpg", "bad_bomb.jpg: expected at most 178956970 pixels, got 65000x60000"},
  };

  const Result r =
      prep("--crop 1x1 --dtype u8 --scale 1 --layout nhwc " + dir_.string() + " " +
           path("missing.jpg") + " -o " + path("out.npy") + " --manifest " + path("m.jsonl"));
  ASSERT_EQ(r.status, 0) << r.out;
  const std::string m = slurp(path("m.jsonl"));
  const io::NpyArray out = io::read_npy(path("out.npy"));
  ASSERT_EQ(out.shape, (std::vector<std::int64_t>{static_cast<std::int64_t>(good.size()), 1, 1, 3}))
      << r.out;
  for (const Good& g : good) {
    const std::string line = manifest_line(m, g.file);
    ASSERT_NE(line.find("\"status\": \"ok\""), std::string::npos) << g.file << ": " << line;
    const long long row = field(line, "row");
    ASSERT_GE(row, 0) << line;
    const std::uint8_t* px = out.data<std::uint8_t>() + row * 3;
    // libjpeg-turbo gives Pillow's pixels; stb_image's JPEG decoder is close, not equal.
    const int tol = io::have_turbojpeg() || g.file.find(".jpg") == std::string::npos ? 0 : 40;
    EXPECT_NEAR(px[0], g.want.r, tol) << g.file;
    EXPECT_NEAR(px[1], g.want.g, tol) << g.file;
    EXPECT_NEAR(px[2], g.want.b, tol) << g.file;
  }
  EXPECT_EQ(field(manifest_line(m, "exif6.jpg"), "orientation"), 6);
  for (const auto& [file, reason] : bad) {
    EXPECT_NE(r.out.find("pixfuse-prep: " + path(file).substr(0, path(file).size() - file.size()) +
                         reason),
              std::string::npos)
        << file << " should be reported as '" << reason << "' in\n"
        << r.out;
    const std::string line = manifest_line(m, file);
    EXPECT_NE(line.find("\"status\": \"error\""), std::string::npos) << line;
    EXPECT_EQ(field(line, "row"), -1) << line;
  }
  EXPECT_NE(r.out.find("missing.jpg: cannot open: No such file or directory"), std::string::npos)
      << r.out;
  // Bomb sizes come from the header and are in the manifest.
  EXPECT_EQ(field(manifest_line(m, "bad_bomb.png"), "width"), 100000);
  // Every input has a manifest line: good, bad, and the missing path.
  EXPECT_EQ(std::count(m.begin(), m.end(), '\n'), static_cast<long>(good.size() + bad.size() + 1));
  EXPECT_NE(r.out.find(std::to_string(bad.size() + 1) + " failed"), std::string::npos) << r.out;
}

TEST_F(Prep, NoExifKeepsTheStoredOrientation) {
  const Result r = prep("--no-exif --crop 1x1 --dtype u8 --scale 1 " + kBad + "/exif6.jpg -o " +
                        path("out.npy") + " --manifest " + path("m.jsonl"));
  ASSERT_EQ(r.status, 0) << r.out;
  const io::NpyArray s = io::read_npy(kBad + "/exif6.pil.npy");
  const std::uint8_t* want =
      s.data<std::uint8_t>() + (12 * 40 + 20) * 3;         // stored centre (x 20, y 12)
  const io::NpyArray out = io::read_npy(path("out.npy"));  // (1, 3, 1, 1)
  const int tol = io::have_turbojpeg() ? 0 : 40;
  for (int c = 0; c < 3; ++c) EXPECT_NEAR(out.data<std::uint8_t>()[c], want[c], tol) << c;
  EXPECT_EQ(field(slurp(path("m.jsonl")), "orientation"), 1);
}

TEST_F(Prep, UnreadablePaths) {
  // Entries of a list are files: a directory there is reported, not scanned.
  fs::create_directory(path("dir.jpg"));
  fs::copy_file(kBad + "/gray.png", path("ok.png"));
  write("list.txt", "dir.jpg\nok.png\nnot_there.png\n");
  std::string locked;
  if (geteuid() != 0) {
    fs::copy_file(kBad + "/gray.png", path("locked.png"));
    fs::permissions(path("locked.png"), fs::perms::none);
    locked = " " + path("locked.png");
  }
  const Result r = prep("--crop 1x1 @" + path("list.txt") + locked + " -o " + path("out.npy"));
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find(path("dir.jpg") + ": cannot read: Is a directory"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find(path("not_there.png") + ": cannot open: No such file or directory"),
            std::string::npos)
      << r.out;
  EXPECT_EQ(io::read_npy(path("out.npy")).shape[0], 1);
  if (geteuid() == 0)
    GTEST_SKIP()
        << "running as root: a chmod 000 file is still readable, permission denied not tested";
  EXPECT_NE(r.out.find(path("locked.png") + ": cannot open: Permission denied"), std::string::npos)
      << r.out;
}

TEST_F(Prep, MaxPixels) {
  const Result r = prep("--crop 1x1 --max-pixels 1000 " + kBad + "/rgb420.jpg " + kBad +
                        "/gray.png -o " + path("out.npy"));
  ASSERT_EQ(r.status, 0) << r.out;  // gray.png is 240 pixels, rgb420.jpg 1073
  EXPECT_NE(r.out.find("rgb420.jpg: expected at most 1000 pixels, got 37x29 = 1073 pixels"),
            std::string::npos)
      << r.out;
  EXPECT_EQ(io::read_npy(path("out.npy")).shape[0], 1);
  EXPECT_EQ(prep("--max-pixels 0 x.png -o y.npy").status, 2);
}
