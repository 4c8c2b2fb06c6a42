// pixfuse-prep as the main job: output batches, @lists, .npy inputs, fast decode, the
// summary table and --time (values that need the kernels are checked in prep_test.cpp).
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
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

TEST_F(Prep, BatchesSplitTheRowsInOrder) {
  const Result one = prep("--resize 16x12 --dtype u8 " + kData + " -o " + path("all.npy"));
  ASSERT_EQ(one.status, 0) << one.out;
  const Result r = prep("--resize 16x12 --dtype u8 --batch 2 " + kData + " -o " + path("b.npy") +
                        " --manifest " + path("m.jsonl"));
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("wrote " + path("b_00000.npy") + " .. " + path("b_00002.npy") +
                       " (3 files): 5 image(s), "
                       "shape (2, 3, 12, 16)"),
            std::string::npos)
      << r.out;
  EXPECT_FALSE(fs::exists(path("b.npy")));
  const io::NpyArray all = io::read_npy(path("all.npy"));
  std::string joined;
  for (const char* f : {"b_00000.npy", "b_00001.npy", "b_00002.npy"}) {
    const io::NpyArray part = io::read_npy(path(f));
    EXPECT_EQ(part.shape[0], std::string(f) == "b_00002.npy" ? 1 : 2) << f;
    joined.append(part.bytes.begin(), part.bytes.end());
  }
  EXPECT_EQ(joined, std::string(all.bytes.begin(), all.bytes.end()));
  const std::string m = slurp(path("m.jsonl"));
  const std::string rocket = manifest_line(m, "rocket.jpg");  // 5th image: batch 2, row 0
  EXPECT_EQ(field(rocket, "batch"), 2) << rocket;
  EXPECT_EQ(field(rocket, "row"), 0) << rocket;
  EXPECT_EQ(field(manifest_line(m, "camera.png"), "batch"), 0);
  EXPECT_EQ(field(manifest_line(m, "camera.png"), "row"), 1);
}

TEST_F(Prep, ListFilesResolveRelativeToTheList) {
  fs::create_directories(path("sub"));
  fs::copy_file(kData + "/rocket.jpg", path("sub/r.jpg"));
  write("sub/list.txt", "# a comment\n\n  r.jpg  \n" + kData + "/coffee.jpg\r\n");
  const Result r = prep("--resize 8x8 @" + path("sub/list.txt") + " -o " + path("o.npy") +
                        " --manifest " + path("m.jsonl"));
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_EQ(io::read_npy(path("o.npy")).shape[0], 2);
  const std::string m = slurp(path("m.jsonl"));
  EXPECT_NE(m.find("\"index\": 0, \"path\": \"" + path("sub/r.jpg") + "\""), std::string::npos)
      << m;
  EXPECT_NE(m.find("\"index\": 1, \"path\": \"" + kData + "/coffee.jpg\""), std::string::npos) << m;
  const Result missing = prep("--resize 8x8 @" + path("nope.txt") + " -o " + path("o.npy"));
  EXPECT_EQ(missing.status, 2);
  EXPECT_NE(missing.out.find("@" + path("nope.txt") + ": cannot open the list file"),
            std::string::npos);
}

TEST_F(Prep, NpyInputsOneImagePerSlice) {
  // (2, 3, 4, 3) u8: two 4x3 RGB images; (3, 4, 1) f32: one gray image.
  std::vector<std::uint8_t> u8(2 * 3 * 4 * 3);
  for (std::size_t i = 0; i < u8.size(); ++i) u8[i] = static_cast<std::uint8_t>(i * 3);
  io::write_npy(path("two.npy"), u8.data(), pf::DType::u8, {2, 3, 4, 3});
  std::vector<float> f32(3 * 4);
  for (std::size_t i = 0; i < f32.size(); ++i) f32[i] = static_cast<float>(i) * 0.25f;
  io::write_npy(path("one.npy"), f32.data(), pf::DType::f32, {3, 4, 1});
  io::write_npy(path("bad.npy"), f32.data(), pf::DType::f32, {3, 2, 2});  // 2 channels
  // The identity recipe: same size, no normalisation; NHWC f32.
  const Result r =
      prep("--resize 4x3 --scale 1 --layout nhwc " + path("two.npy") + " " + path("bad.npy") + " " +
           path("one.npy") + " -o " + path("o.npy") + " --manifest " + path("m.jsonl"));
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("bad.npy: expected 1, 3 or 4 channels (last axis), got 2"),
            std::string::npos)
      << r.out;
  const io::NpyArray o = io::read_npy(path("o.npy"));
  ASSERT_EQ(o.shape, (std::vector<std::int64_t>{3, 3, 4, 3}));
  for (std::size_t i = 0; i < u8.size(); ++i) EXPECT_EQ(o.data<float>()[i], u8[i]) << i;
  for (std::size_t i = 0; i < f32.size(); ++i)
    EXPECT_EQ(o.data<float>()[u8.size() + i * 3 + 1], f32[i]) << i;
  const std::string m = slurp(path("m.jsonl"));
  EXPECT_NE(m.find("\"path\": \"" + path("two.npy") + "\", \"slice\": 1, \"status\": \"ok\""),
            std::string::npos)
      << m;
}

TEST_F(Prep, FastDecodeReducesOnlyWhenTheRecipeShrinksEnough) {
  // chelsea.jpg is 451x300. To 32x32 the shorter side shrinks 9.4x: 1/4 (needs >= 8x);
  // to 224 only 1.3x: full size.
  const Result r = prep("--fast-decode --resize-shorter 32 --crop 32 " + kData +
                        "/chelsea.jpg -o " + path("a.npy") + " --manifest " + path("m.jsonl"));
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_EQ(field(slurp(path("m.jsonl")), "reduction"), io::have_turbojpeg() ? 4 : 1);
  EXPECT_EQ(io::read_npy(path("a.npy")).shape, (std::vector<std::int64_t>{1, 3, 32, 32}));
  ASSERT_EQ(prep("--fast-decode --preset imagenet " + kData + "/chelsea.jpg -o " + path("b.npy") +
                 " --manifest " + path("m.jsonl"))
                .status,
            0);
  EXPECT_EQ(field(slurp(path("m.jsonl")), "reduction"), 1);
  // Without --fast-decode, never.
  ASSERT_EQ(prep("--resize-shorter 32 --crop 32 " + kData + "/chelsea.jpg -o " + path("c.npy") +
                 " --manifest " + path("m.jsonl"))
                .status,
            0);
  EXPECT_EQ(field(slurp(path("m.jsonl")), "reduction"), 1);
}

TEST_F(Prep, SummaryTableAndQuietAndNoProgressOffATerminal) {
  const Result r = prep("--preset imagenet --threads 2 --time " + kData + " -o " + path("o.npy"));
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("pixfuse-prep: 5 image(s) in "), std::string::npos) << r.out;
  for (const char* row :
       {"stage", "decode", "preprocess", "write", "0 failed, 2 thread(s), peak RSS "})
    EXPECT_NE(r.out.find(row), std::string::npos) << row << " in\n" << r.out;
  EXPECT_EQ(r.out.find('\r'), std::string::npos) << "no progress bar when stderr is not a terminal";
  const std::string json = r.out.substr(r.out.rfind('{'));
  for (const char* key : {"\"images\": 5", "\"threads\": 2",
                          "\"total_s\": ", "\"img_per_s\": ", "\"peak_rss_mib\": "})
    EXPECT_NE(json.find(key), std::string::npos) << key << " in " << json;
  const Result quiet = prep("--preset imagenet --quiet " + kData + " -o " + path("o.npy"));
  EXPECT_EQ(quiet.out.find("stage"), std::string::npos) << quiet.out;
  EXPECT_NE(quiet.out.find("pixfuse-prep: wrote "), std::string::npos) << quiet.out;
}

TEST_F(Prep, NewFlagsValidateTheirValues) {
  const std::string out = " -o " + path("o.npy") + " " + kData;
  for (const auto& [args, message] : std::vector<std::pair<std::string, std::string>>{
           {"--batch 0", "--batch: expected a positive integer, got '0'"},
           {"--batch x", "--batch: expected a positive integer, got 'x'"},
           {"--max-pixels -5", "--max-pixels: expected a positive integer, got '-5'"},
           {"--max-pixels", "--max-pixels: expected a value after it"}}) {
    const Result r = prep(out + " " + args);
    EXPECT_EQ(r.status, 2) << args;
    EXPECT_NE(r.out.find("pixfuse-prep: " + message), std::string::npos) << args << "\n" << r.out;
  }
}

TEST_F(Prep, PillowPipelinesExactAndDraftUnderEveryOrientation) {
  // tests/data/jpeg/orient1..8.jpg (131x97, 4:2:0, EXIF orientation 1..8) and what Pillow
  // makes of them (tests/data/make_jpeg_fixtures.py): exif_transpose, Resize(24),
  // CenterCrop(20), as u8 HWC; with and without im.draft("RGB", (32, 24)) first.
  const std::string jpeg = std::string(PIXFUSE_TEST_DATA_DIR) + "/data/jpeg/";
  std::string inputs;
  for (int o = 1; o <= 8; ++o) inputs += " " + jpeg + "orient" + std::to_string(o) + ".jpg";
  const std::string recipe =
      "--resize-shorter 24 --crop 20 --dtype u8 --scale 1 --mean 0 --std 1 --layout nhwc";
  struct Mode {
    std::string flags, fixture;
    int reduction;
  };
  const bool turbo = io::have_turbojpeg();
  for (const Mode& m :
       {Mode{"", "exact", 1}, Mode{"--no-region-decode", "exact", 1},
        Mode{"--fast-decode=pil", "draft", turbo ? 4 : 1},
        Mode{"--fast-decode=pil --no-region-decode --threads 2", "draft", turbo ? 4 : 1}}) {
    const Result r = prep(m.flags + " " + recipe + inputs + " -o " + path("o.npy") +
                          " --manifest " + path("m.jsonl"));
    ASSERT_EQ(r.status, 0) << r.out;
    if (m.flags.find("pil") != std::string::npos) {
      EXPECT_NE(r.out.find("fast decode (pil)"), std::string::npos) << r.out;
    }
    const io::NpyArray a = io::read_npy(path("o.npy"));
    ASSERT_EQ(a.shape, (std::vector<std::int64_t>{8, 20, 20, 3}));
    const std::string manifest = slurp(path("m.jsonl"));
    for (int o = 1; o <= 8; ++o) {
      const std::string line = manifest_line(manifest, "orient" + std::to_string(o) + ".jpg");
      EXPECT_EQ(field(line, "orientation"), o) << line;
      EXPECT_EQ(field(line, "reduction"), m.reduction) << line;
      if (!turbo) continue;  // stb_image's pixels are not Pillow's
      const io::NpyArray want =
          io::read_npy(jpeg + "orient" + std::to_string(o) + "." + m.fixture + ".npy");
      ASSERT_EQ(want.bytes.size(), 20u * 20 * 3);
      EXPECT_EQ(0, std::memcmp(a.data<std::uint8_t>() + (o - 1) * 1200, want.bytes.data(), 1200))
          << m.flags << ", orientation " << o;
    }
  }
  const Result bad = prep("--fast-decode=draft " + recipe + inputs + " -o " + path("o.npy"));
  EXPECT_EQ(bad.status, 2);
  EXPECT_NE(bad.out.find("--fast-decode: expected no value or =pil, got 'draft'"),
            std::string::npos)
      << bad.out;
}
