// pixfuse-prep --device: cpu, cuda or auto. Without a GPU (or without a CUDA build) auto
// falls back to the CPU with one line and an explicit cuda fails naming the flag; with a
// GPU both run there and the integer convention's bytes equal the CPU's.
#include <gtest/gtest.h>

#include <string>

#include "prep_runner.hpp"

using prep_test::kData;
using prep_test::Result;
using prep_test::prep;
using prep_test::slurp;

namespace {

class PrepDevice : public prep_test::Prep {};

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (std::size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

// pil bilinear on u8 with an identity value map: integer arithmetic from end to end.
const std::string kRecipe = " --resize-shorter 64 --crop 64 --dtype u8 --scale 1 --mean 0 --std 1 ";

TEST_F(PrepDevice, RejectsAnUnknownDevice) {
  const Result r = prep("--device gpu " + kData + " -o " + path("o.npy"));
  EXPECT_EQ(r.status, 2) << r.out;
  EXPECT_NE(r.out.find("pixfuse-prep: --device: expected cpu, cuda or auto, got 'gpu'"),
            std::string::npos)
      << r.out;
}

TEST_F(PrepDevice, AutoUsesTheGpuOrSaysWhyNotInOneLine) {
  const Result cpu = prep("--device cpu" + kRecipe + kData + " -o " + path("cpu.npy"));
  ASSERT_EQ(cpu.status, 0) << cpu.out;
  EXPECT_NE(cpu.out.find(", device cpu, 0 failed"), std::string::npos) << cpu.out;
  const Result autod = prep("--device auto" + kRecipe + kData + " -o " + path("auto.npy"));
  ASSERT_EQ(autod.status, 0) << autod.out;
  EXPECT_EQ(slurp(path("cpu.npy")), slurp(path("auto.npy")));
  const bool fell_back = autod.out.find("--device auto:") != std::string::npos;
  if (!PIXFUSE_PREP_CUDA) {
    EXPECT_TRUE(fell_back) << autod.out;
    EXPECT_NE(autod.out.find(
                  "pixfuse-prep: --device auto: this pixfuse-prep was built without CUDA "
                  "(configure with -DPIXFUSE_CUDA=ON); using the CPU\n"),
              std::string::npos)
        << autod.out;
  }
  if (fell_back) {
    EXPECT_EQ(count(autod.out, "using the CPU"), 1u) << autod.out;
    EXPECT_NE(autod.out.find(", device cpu, 0 failed"), std::string::npos) << autod.out;
  } else {
    EXPECT_NE(autod.out.find(", device cuda: "), std::string::npos) << autod.out;
  }
}

// Whether this pixfuse-prep finds a GPU, as --device auto tells.
bool have_gpu() {
  static const bool yes = [] {
    const std::string out =
        (std::filesystem::temp_directory_path() / "pixfuse_prep_device_probe.npy").string();
    const Result r = prep("--device auto" + kRecipe + kData + "/chelsea.jpg --quiet -o " + out);
    std::filesystem::remove(out);
    return r.out.find("--device auto:") == std::string::npos;
  }();
  return yes;
}

TEST_F(PrepDevice, ExplicitCudaWithoutAGpuFailsNamingTheFlag) {
  if (have_gpu()) GTEST_SKIP() << "a GPU is here: ExplicitCudaOnTheGpuEqualsTheCpu covers it";
  const Result cuda = prep("--device cuda" + kRecipe + kData + " -o " + path("cuda.npy"));
  EXPECT_EQ(cuda.status, 2) << cuda.out;
  const std::string why =
      PIXFUSE_PREP_CUDA ? "pixfuse-prep: --device cuda: no CUDA device (cudaGetDeviceCount: "
                        : "pixfuse-prep: --device cuda: this pixfuse-prep was built without CUDA";
  EXPECT_NE(cuda.out.find(why), std::string::npos) << cuda.out;
  EXPECT_FALSE(std::filesystem::exists(path("cuda.npy")));
}

TEST_F(PrepDevice, ExplicitCudaOnTheGpuEqualsTheCpu) {
  if (!have_gpu()) GTEST_SKIP() << "no usable GPU (see ExplicitCudaWithoutAGpuFailsNamingTheFlag)";
  // A file that is not an image beside the photos: reported, and the others still land.
  write("junk.jpg", "not a jpeg");
  const std::string inputs = kData + " " + path("junk.jpg");
  const Result cuda =
      prep("--device cuda --batch 2" + kRecipe + inputs + " -o " + path("cuda.npy"));
  ASSERT_EQ(cuda.status, 0) << cuda.out;
  EXPECT_NE(cuda.out.find(", device cuda: "), std::string::npos) << cuda.out;
  EXPECT_NE(cuda.out.find(" 1 failed"), std::string::npos) << cuda.out;
  const Result cpu = prep("--device cpu --batch 2" + kRecipe + inputs + " -o " + path("cpu.npy"));
  ASSERT_EQ(cpu.status, 0) << cpu.out;
  for (const char* shard : {"_00000.npy", "_00001.npy", "_00002.npy"})
    EXPECT_EQ(slurp(path(std::string("cpu") + shard)), slurp(path(std::string("cuda") + shard)))
        << shard;
}

}  // namespace
