// pixfuse-prep, the command-line contract: flags, outputs, bad arguments and bad files.
// Runs the built binary (PIXFUSE_PREP) and checks its exit status, output and tensor.
#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

// The reference kernels, not the dispatched ones: what pixfuse-prep writes must equal the
// spec (the fused kernels equal it on every target, tests/cpu), and this file then does
// not compile the SIMD kernels for every target again.
#include "pixfuse/cpu/reference.hpp"
#include "pixfuse/io/decode.hpp"
#include "pixfuse/io/npy.hpp"
#include "pixfuse/plan/lower.hpp"
#include "pixfuse/recipe/presets.hpp"
#include "pixfuse/recipe/recipe.hpp"
#include "prep_runner.hpp"

namespace fs = std::filesystem;
namespace pf = pixfuse;

namespace {
// The reference kernels running `recipe` on `view`: what pixfuse-prep must write.
template <class R>
void reference(const R& recipe, const pf::AnyImageView& view, const pf::AnyTensorView& out) {
  pf::run_reference(pf::make_plan(recipe, pf::InputShape::of(view)), view, out);
}
}  // namespace

using namespace prep_test;

TEST_F(Prep, ImagenetPresetMatchesTheLibrary) {
  const Result r = prep("--preset imagenet " + kData + " -o " + path("out.npy"));
  ASSERT_EQ(r.status, 0) << r.out;
  const pf::io::NpyArray a = pf::io::read_npy(path("out.npy"));
  ASSERT_EQ(a.shape, (std::vector<std::int64_t>{5, 3, 224, 224}));
  EXPECT_EQ(a.dtype, pf::DType::f32);
  // Row 1 is camera.png (sorted), a gray image converted to RGB.
  const pf::io::DecodedImage img = pf::io::decode_file(kData + "/camera.png");
  std::vector<float> want(3 * 224 * 224);
  reference(pf::presets::imagenet(), img.view(),
            pf::AnyTensorView(want.data(), pf::DType::f32, pf::Layout::nchw, {1, 3, 224, 224}));
  EXPECT_EQ(0, std::memcmp(a.data<float>() + want.size(), want.data(), want.size() * 4));
}

TEST_F(Prep, ResampledPixelsAsU8Nhwc) {
  const Result r =
      prep("--resize 32x24 --compat opencv --filter bicubic --dtype u8 --scale 1 --mean 0 --std 1 "
           "--layout nhwc " +
           kData + "/rocket.jpg -o " + path("out.npy"));
  ASSERT_EQ(r.status, 0) << r.out;
  const pf::io::NpyArray a = pf::io::read_npy(path("out.npy"));
  ASSERT_EQ(a.shape, (std::vector<std::int64_t>{1, 24, 32, 3}));
  const pf::io::DecodedImage img = pf::io::decode_file(kData + "/rocket.jpg");
  std::vector<std::uint8_t> want(24 * 32 * 3);
  reference(pf::to_rgb() |
                pf::resize(32, 24).filter(pf::Filter::bicubic).compat(pf::Compat::opencv) |
                pf::nhwc() | pf::cast<std::uint8_t>(),
            img.view(),
            pf::AnyTensorView(want.data(), pf::DType::u8, pf::Layout::nhwc, {1, 3, 24, 32}));
  EXPECT_EQ(0, std::memcmp(a.data<std::uint8_t>(), want.data(), want.size()));
}

TEST_F(Prep, EveryDtypeAndLetterbox) {
  for (const char* dtype : {"f32", "f16", "bf16", "u8", "i8"}) {
    const Result r = prep(std::string("--preset yolo --letterbox 64 --dtype ") + dtype + " " +
                          kData + "/coffee.jpg -o " + path("out.npy"));
    ASSERT_EQ(r.status, 0) << r.out;
    const pf::io::NpyArray a = pf::io::read_npy(path("out.npy"));
    EXPECT_EQ(a.shape, (std::vector<std::int64_t>{1, 3, 64, 64})) << dtype;
  }
  // Letterbox padding: 600x400 -> 64x43, 10 rows of padding above, value 114/255.
  const Result r =
      prep("--preset yolo --letterbox 64 " + kData + "/coffee.jpg -o " + path("out.npy"));
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_EQ(pf::io::read_npy(path("out.npy")).data<float>()[0], 114.0f / 255.0f);
}

TEST_F(Prep, BadFilesAreReportedAndTheRestLand) {
  write("a_empty.jpg", "");
  write("b_text.png", "this is not an image");
  const std::string jpeg = slurp(kData + "/chelsea.jpg");
  write("c_truncated.jpg", jpeg.substr(0, 200));
  fs::copy_file(kData + "/chelsea.jpg", path("d_good.jpg"));
  fs::copy_file(kData + "/camera.png", path("e_good.png"));
  write("f_ignored.txt", "not an image extension: not picked up from a directory");
  const Result r = prep("--preset imagenet " + dir_.string() + " " + path("missing.jpg") + " -o " +
                        path("out.npy") + " --manifest " + path("m.jsonl"));
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("a_empty.jpg: empty file"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("b_text.png: not a decodable image"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("c_truncated.jpg: "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("missing.jpg: cannot open: No such file or directory"), std::string::npos)
      << r.out;
  EXPECT_EQ(pf::io::read_npy(path("out.npy")).shape[0], 2);
  const std::string m = slurp(path("m.jsonl"));
  EXPECT_EQ(std::count(m.begin(), m.end(), '\n'), 6);  // 5 directory files + the missing path
  EXPECT_NE(m.find("\"path\": \"" + path("d_good.jpg") +
                   "\", \"status\": \"ok\", \"error\": null, \"width\": 451, "
                   "\"height\": 300, \"row\": 0"),
            std::string::npos)
      << m;
  EXPECT_NE(m.find("\"path\": \"" + path("e_good.png") + "\", \"status\": \"ok\""),
            std::string::npos)
      << m;
  EXPECT_NE(m.find("\"row\": 1"), std::string::npos) << m;
  EXPECT_NE(m.find("\"status\": \"error\", \"error\": \"" + path("a_empty.jpg") + ": empty file\""),
            std::string::npos)
      << m;
}

TEST_F(Prep, NothingSucceededIsAFailure) {
  write("x.jpg", "junk");
  const Result r = prep("--preset imagenet " + path("x.jpg") + " -o " + path("out.npy"));
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.out.find("no image succeeded"), std::string::npos) << r.out;
  EXPECT_FALSE(fs::exists(path("out.npy")));
}

TEST_F(Prep, ShapeMismatchFailsThatImageOnly) {
  const Result r = prep("--resize-shorter 64 " + kData + "/chelsea.jpg " + kData + "/coffee.jpg " +
                        kData + "/astronaut.jpg -o " + path("out.npy"));
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find(
                "astronaut.jpg: output shape (3, 64, 64) differs from the batch's (3, 64, 96)"),
            std::string::npos)
      << r.out;
  EXPECT_EQ(pf::io::read_npy(path("out.npy")).shape, (std::vector<std::int64_t>{2, 3, 64, 96}));
}

TEST_F(Prep, BadArgumentsNameTheFlag) {
  const std::string out = " -o " + path("o.npy") + " " + kData;
  const std::pair<std::string, std::string> cases[] = {
      {"--frobnicate", "--frobnicate: unknown option"},
      {"--resize 224", "--resize: expected WxH with positive integers (e.g. 224x224), got '224'"},
      {"--resize 0x5", "--resize: expected WxH with positive integers (e.g. 224x224), got '0x5'"},
      {"--dtype f64", "--dtype: expected one of f32, f16, bf16, u8, i8, got 'f64'"},
      {"--compat skimage",
       "--compat: expected one of pil, torchvision, opencv, jax, got 'skimage'"},
      {"--filter gauss", "--filter: expected one of nearest, bilinear"},
      {"--preset vit", "--preset: expected one of imagenet, clip, yolo, got 'vit'"},
      {"--mean 0.5,x", "--mean: expected 1 to 4 comma-separated numbers"},
      {"--scale 1/0", "--scale: expected a number or 1/N (e.g. 1/255), got '1/0'"},
      {"--threads -2", "--threads: expected a positive integer, got '-2'"},
      {"--resize 8x8 --letterbox 8x8",
       "--resize, --resize-shorter, --resize-longer, --letterbox: expected at most one"},
      {"--resize 8x8 --no-antialias", "recipe: compat pil: Pillow always antialiases"},
      {"--resize 8x8 --filter lanczos4",
       "recipe: resize filter: expected nearest, area (Pillow's BOX)"},
      {"--resize 8x8 --mean 1,2 --std 1,2,3", "--mean, --std: expected the same number of values"},
      {"--target avx9", "--target: expected auto or one of --list-targets"},
  };
  for (const auto& [args, message] : cases) {
    const Result r = prep(args + out);
    EXPECT_EQ(r.status, 2) << args << "\n" << r.out;
    EXPECT_NE(r.out.find("pixfuse-prep: " + message), std::string::npos) << args << "\n" << r.out;
  }
  const Result last = prep(out + " --resize");
  EXPECT_EQ(last.status, 2);
  EXPECT_NE(last.out.find("pixfuse-prep: --resize: expected a value after it"), std::string::npos)
      << last.out;
  EXPECT_EQ(prep(kData).status, 2);  // no -o
  const Result none = prep("-o " + path("o.npy"));
  EXPECT_NE(none.out.find("INPUT: expected at least one image file or directory"),
            std::string::npos);
}

TEST_F(Prep, TimeRepeatThreadsAndTargets) {
  const Result one = prep("--preset clip --time --repeat 3 " + kData + " -o " + path("a.npy"));
  ASSERT_EQ(one.status, 0) << one.out;
  const std::string last = one.out.substr(one.out.rfind('{'));
  for (const char* key : {"\"images\": 5", "\"failed\": 0", "\"repeat\": 3", "\"decode_s\": ",
                          "\"preprocess_s\": ", "\"write_s\": ", "\"preprocess_img_per_s\": "})
    EXPECT_NE(last.find(key), std::string::npos) << key << " in " << last;
  const Result two = prep("--preset clip --threads 2 " + kData + " -o " + path("b.npy"));
  ASSERT_EQ(two.status, 0) << two.out;
  EXPECT_EQ(slurp(path("a.npy")), slurp(path("b.npy")));
  const Result targets = prep("--list-targets");
  EXPECT_EQ(targets.status, 0);
  EXPECT_NE(targets.out.find("scalar\n"), std::string::npos);
  // Every listed target runs, says so, and writes the same bytes (clip is an integer
  // convention: torchvision-exact on u8).
  std::istringstream names(targets.out);
  int listed = 0;
  for (std::string name; std::getline(names, name);) {
    ++listed;
    const Result r = prep("--target " + name + " --preset clip " + kData + " -o " + path("c.npy"));
    ASSERT_EQ(r.status, 0) << name << "\n" << r.out;
    EXPECT_NE(r.out.find("target " + name + ","), std::string::npos) << r.out;
    EXPECT_EQ(slurp(path("a.npy")), slurp(path("c.npy"))) << name;
  }
  EXPECT_GE(listed, 2);  // the reference and at least one Highway target
  EXPECT_EQ(prep("--help").status, 0);
}

TEST_F(Prep, FastDecodeRunsTheRecipeOnTheReducedImage) {
  if (!pf::io::have_turbojpeg())
    GTEST_SKIP() << "built without libjpeg-turbo: --fast-decode decodes at full size";
  // chelsea.jpg (451x300) to 32x32: the shorter side shrinks 9.4x, so 1/4 (113x75).
  const Result r = prep("--fast-decode --resize-shorter 32 --crop 32 " + kData +
                        "/chelsea.jpg -o " + path("o.npy"));
  ASSERT_EQ(r.status, 0) << r.out;
  pf::io::DecodeOptions o;
  o.reduce = 4;
  const pf::io::DecodedImage img = pf::io::decode_file(kData + "/chelsea.jpg", o);
  ASSERT_EQ(img.width(), 113);
  std::vector<float> want(3 * 32 * 32);
  reference(pf::to_rgb() | pf::resize_shorter(32) | pf::center_crop(32, 32) |
                pf::normalize(pf::over(255), {0.0f}, {1.0f}) | pf::nchw() | pf::cast<float>(),
            img.view(),
            pf::AnyTensorView(want.data(), pf::DType::f32, pf::Layout::nchw, {1, 3, 32, 32}));
  const pf::io::NpyArray a = pf::io::read_npy(path("o.npy"));
  ASSERT_EQ(a.shape, (std::vector<std::int64_t>{1, 3, 32, 32}));
  EXPECT_EQ(0, std::memcmp(a.data<float>(), want.data(), want.size() * 4));
}

TEST_F(Prep, ExifOrientationIsFoldedIntoThePlan) {
  // exif6.jpg is stored 40x24 with orientation 6: the output is the upright 24x40 image.
  const std::string f = std::string(PIXFUSE_TEST_DATA_DIR) + "/data/bad/exif6.jpg";
  const Result r = prep("--resize 12x20 --dtype u8 --scale 1 " + f + " -o " + path("o.npy"));
  ASSERT_EQ(r.status, 0) << r.out;
  const pf::io::DecodedImage img = pf::io::decode_file(f);
  std::vector<std::uint8_t> want(3 * 20 * 12);
  const auto recipe = pf::to_rgb() | pf::resize(12, 20) |
                      pf::normalize(pf::ScaleFactor(1.0f), {0.0f}, {1.0f}) | pf::nchw() |
                      pf::cast<std::uint8_t>();
  pf::run_reference(
      pf::make_plan(recipe, pf::InputShape::of(img.view(), pf::Orientation::rotate_90_cw)),
      img.view(), pf::AnyTensorView(want.data(), pf::DType::u8, pf::Layout::nchw, {1, 3, 20, 12}));
  const pf::io::NpyArray a = pf::io::read_npy(path("o.npy"));
  ASSERT_EQ(a.shape, (std::vector<std::int64_t>{1, 3, 20, 12}));
  EXPECT_EQ(0, std::memcmp(a.data<std::uint8_t>(), want.data(), want.size()));
  // --no-exif: the stored orientation, a different tensor shape.
  ASSERT_EQ(prep("--no-exif --resize 12x20 " + f + " -o " + path("n.npy")).status, 0);
  const Result landscape = prep("--no-exif --resize-shorter 12 " + f + " -o " + path("n.npy"));
  EXPECT_NE(landscape.out.find("shape (1, 3, 12, 20)"), std::string::npos) << landscape.out;
}
