// io::Loader: files, encoded bytes in memory, decoded views and .npy slices into batches
// whose rows equal jit's output for each decoded image; a status per source naming the
// step that failed; rows packed or kept; bounded work ahead of the consumer; a
// BatchDevice and its CPU fallback; early destruction.
#include "pixfuse/io/loader.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "pixfuse/io/decode.hpp"
#include "pixfuse/io/inputs.hpp"
#include "pixfuse/io/npy.hpp"
#include "pixfuse/pixfuse.hpp"
#include "../api/expected.hpp"
#include "../test_images.hpp"

namespace fs = std::filesystem;
namespace pf = pixfuse;
namespace io = pixfuse::io;
using api_test::expected_output;

namespace {

const std::string kData = std::string(PIXFUSE_TEST_DATA_DIR) + "/../examples/data";
const std::string kBad = std::string(PIXFUSE_TEST_DATA_DIR) + "/data/bad";
const std::vector<std::string> kPhotos = {"astronaut.jpg", "camera.png", "chelsea.jpg",
                                          "coffee.jpg", "rocket.jpg"};

// Small output, every stage: fast enough for many images.
auto small_recipe() {
  return pf::to_rgb() |
         pf::resize_shorter(40).filter(pf::Filter::bilinear).compat(pf::Compat::pil) |
         pf::center_crop<32, 24>() |
         pf::normalize(pf::over(255), {0.5f, 0.4f, 0.3f}, {0.2f, 0.25f, 0.3f}) | pf::nchw() |
         pf::cast<float>();
}

std::vector<unsigned char> read_all(const std::string& path) { return io::read_file(path); }

std::vector<unsigned char> row_of(const io::LoadedBatch& b, std::int64_t row) {
  const pf::AnyTensorView r = b.tensor.view().slot(row);
  const auto* p = static_cast<const unsigned char*>(r.data);
  return std::vector<unsigned char>(p, p + r.size_bytes());
}

// What the loader must write for a file: the decoded image through a fresh plan, with its
// EXIF orientation.
template <class R>
std::vector<unsigned char> expected_for_file(const R& recipe, const std::string& path) {
  io::DecodeOptions d;
  d.keep_16_bit = false;
  const io::DecodedImage img = io::decode_file(path, d);
  return expected_output(recipe, img.view(), img.orientation());
}

// Every batch of a loader, in order.
std::vector<io::LoadedBatch> drain(io::Loader& loader) {
  std::vector<io::LoadedBatch> out;
  for (io::LoadedBatch b; loader.next(b);) out.push_back(std::move(b));
  return out;
}

class Scratch : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("pixfuse_loader_" +
            std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }
  void write(const std::string& name, const std::string& bytes) const {
    std::ofstream(path(name), std::ios::binary) << bytes;
  }
  fs::path dir_;
};

}  // namespace

TEST(Loader, FilesInBatchesEqualJitOnTheDecodedImages) {
  for (int threads : {1, 2, 3}) {
    pf::Executor executor(threads);
    std::vector<io::Source> sources;
    for (const std::string& f : kPhotos) sources.push_back(io::Source::file(kData + "/" + f));
    io::LoaderOptions o;
    o.batch_size = 2;
    io::Loader loader(executor, sources, pf::jit(pf::presets::imagenet()), o);
    EXPECT_EQ(loader.batch_count(), 3u);
    const std::vector<io::LoadedBatch> batches = drain(loader);
    ASSERT_EQ(batches.size(), 3u);
    for (std::size_t k = 0; k < batches.size(); ++k) {
      const io::LoadedBatch& b = batches[k];
      EXPECT_EQ(b.index, k);
      EXPECT_EQ(b.first, 2 * k);
      ASSERT_EQ(b.size(), k == 2 ? 1u : 2u);
      EXPECT_EQ(b.tensor.shape(),
                (pf::TensorShape{static_cast<std::int64_t>(b.size()), 3, 224, 224}));
      EXPECT_EQ(reinterpret_cast<std::uintptr_t>(b.tensor.data()) % 64, 0u);
      for (std::size_t j = 0; j < b.size(); ++j) {
        const io::SourceStatus& s = b.status[j];
        ASSERT_TRUE(s.ok()) << s.message;
        EXPECT_EQ(s.index, 2 * k + j);
        EXPECT_EQ(s.source, kData + "/" + kPhotos[2 * k + j]);
        EXPECT_EQ(s.row, static_cast<std::int64_t>(j));
        EXPECT_EQ(s.failed, io::Stage::none);
        EXPECT_EQ(row_of(b, s.row), expected_for_file(pf::presets::imagenet(), s.source))
            << s.source << " threads " << threads;
      }
    }
    EXPECT_EQ(batches[0].status[0].width, 512);  // astronaut.jpg
    EXPECT_EQ(batches[1].status[0].width, 451);  // chelsea.jpg
    EXPECT_EQ(batches[1].status[0].height, 300);
    const io::Decoder jpeg =
        io::have_turbojpeg() ? io::Decoder::libjpeg_turbo : io::Decoder::stb_image;
    EXPECT_EQ(batches[1].status[0].decoder, jpeg);
    EXPECT_EQ(batches[0].status[1].decoder, io::Decoder::stb_image);  // camera.png
    const io::LoaderStats st = loader.stats();
    EXPECT_EQ(st.images, 5u);
    EXPECT_EQ(st.failed, 0u);
    EXPECT_GT(st.decode_seconds, 0.0);
    ASSERT_TRUE(loader.output_plan());
    EXPECT_EQ(loader.output_plan()->out_width, 224);
  }
}

TEST(Loader, EncodedBytesInMemoryGiveTheFilesOutput) {
  pf::Executor executor(2);
  std::vector<std::vector<unsigned char>> bytes;
  for (const std::string& f : kPhotos) bytes.push_back(read_all(kData + "/" + f));
  std::vector<io::Source> in_memory, files;
  for (std::size_t i = 0; i < kPhotos.size(); ++i) {
    in_memory.push_back(
        io::Source::encoded(bytes[i].data(), bytes[i].size(), i == 1 ? std::string() : kPhotos[i]));
    files.push_back(io::Source::file(kData + "/" + kPhotos[i]));
  }
  const auto jit = pf::jit(small_recipe());
  const io::LoadedBatch a = io::load(executor, in_memory, jit);
  const io::LoadedBatch b = io::load(executor, files, jit);
  ASSERT_EQ(a.ok_count(), 5u);
  ASSERT_EQ(a.tensor.size_bytes(), b.tensor.size_bytes());
  EXPECT_EQ(0, std::memcmp(a.tensor.data(), b.tensor.data(), a.tensor.size_bytes()));
  EXPECT_EQ(a.status[0].source, "astronaut.jpg");
  EXPECT_EQ(a.status[1].source, "sources[1]");  // unnamed bytes
  EXPECT_EQ(a.status[2].width, 451);

  // Bad bytes are reported with their name; the good ones land.
  const std::string junk = "not an image at all";
  const std::vector<io::Source> mixed = {io::Source::encoded(junk.data(), junk.size()),
                                         io::Source::encoded(bytes[2].data(), bytes[2].size(),
                                                             "chelsea"),
                                         io::Source::encoded(bytes[2].data(), 300, "cut")};
  const io::LoadedBatch m = io::load(executor, mixed, jit);
  ASSERT_EQ(m.status.size(), 3u);
  EXPECT_EQ(m.status[0].failed, io::Stage::header);
  EXPECT_EQ(m.status[0].message.rfind("sources[0]: not a decodable image", 0), 0u)
      << m.status[0].message;
  EXPECT_TRUE(m.status[1].ok());
  EXPECT_EQ(m.status[1].row, 0);
  EXPECT_FALSE(m.status[2].ok());
  EXPECT_EQ(m.status[2].message.rfind("cut: ", 0), 0u) << m.status[2].message;
  EXPECT_EQ(m.tensor.shape().n, 1);
  EXPECT_EQ(row_of(m, 0), row_of(a, 2));
}

TEST(Loader, DecodedViewsWithOrientation) {
  pf::Executor executor(2);
  std::vector<test_images::Image<std::uint8_t>> owned;
  std::vector<io::Source> sources;
  for (int i = 0; i < 9; ++i)
    owned.push_back(test_images::noise_u8(50 + 7 * i, 44 + 3 * i, i % 3 == 0 ? 1 : 3, 10u + i));
  const pf::Orientation orientations[] = {pf::Orientation::normal, pf::Orientation::rotate_90_cw,
                                          pf::Orientation::flip_x};
  for (int i = 0; i < 9; ++i)
    sources.push_back(io::Source::decoded(owned[static_cast<std::size_t>(i)].view(),
                                          "frame " + std::to_string(i), orientations[i % 3]));
  io::LoaderOptions o;
  o.batch_size = 4;
  io::Loader loader(executor, sources, small_recipe(), o);  // the recipe itself: a jit inside
  std::size_t seen = 0;
  for (io::LoadedBatch b; loader.next(b);) {
    for (const io::SourceStatus& s : b.status) {
      ASSERT_TRUE(s.ok()) << s.message;
      EXPECT_EQ(s.decoder, io::Decoder::none);
      EXPECT_EQ(s.orientation, orientations[s.index % 3]);
      EXPECT_EQ(row_of(b, s.row),
                expected_output(small_recipe(), owned[s.index].view(), orientations[s.index % 3]))
          << s.source;
      ++seen;
    }
  }
  EXPECT_EQ(seen, 9u);
}

TEST_F(Scratch, NpySlicesAndListedInputs) {
  std::vector<std::uint8_t> u8(3 * 30 * 40 * 3);
  for (std::size_t i = 0; i < u8.size(); ++i) u8[i] = static_cast<std::uint8_t>(i * 7);
  io::write_npy(path("three.npy"), u8.data(), pf::DType::u8, {3, 30, 40, 3});
  io::write_npy(path("bad.npy"), u8.data(), pf::DType::u8, {30, 40, 2});
  io::write_npy(path("empty.npy"), u8.data(), pf::DType::u8, {0, 30, 40, 3});
  fs::copy_file(kData + "/rocket.jpg", path("r.jpg"));
  write("list.txt", "r.jpg\nthree.npy\n# comment\nbad.npy\nempty.npy\n");
  const io::InputList in = io::list_inputs({"@" + path("list.txt")});
  ASSERT_EQ(in.sources.size(), 1u + 3u + 1u + 1u);
  EXPECT_EQ(in.sources[1].kind, io::SourceKind::npy);
  EXPECT_EQ(in.sources[3].slice, 2);
  EXPECT_EQ(in.sources[4].slice, -1);         // bad.npy: one image, fails on reading
  EXPECT_FALSE(in.sources[5].error.empty());  // empty.npy: N = 0
  EXPECT_THROW(io::list_inputs({"@" + path("nope.txt")}), pf::Error);

  pf::Executor executor(2);
  io::LoaderOptions o;
  o.batch_size = 4;
  o.keep_failed_rows = true;
  io::Loader loader(executor, in.sources, pf::jit(small_recipe()), o);
  const std::vector<io::LoadedBatch> batches = drain(loader);
  ASSERT_EQ(batches.size(), 2u);
  EXPECT_EQ(batches[0].tensor.shape().n, 4);  // every source keeps its row
  EXPECT_EQ(batches[1].tensor.shape().n, 2);
  for (int s = 0; s < 3; ++s) {
    const io::SourceStatus& st = batches[0].status[static_cast<std::size_t>(1 + s)];
    ASSERT_TRUE(st.ok()) << st.message;
    EXPECT_EQ(st.slice, s);
    EXPECT_EQ(st.width, 40);
    const pf::AnyImageView view(u8.data() + static_cast<std::size_t>(s) * 30 * 40 * 3,
                                pf::DType::u8, 40, 30, 3, 120);
    EXPECT_EQ(row_of(batches[0], st.row), expected_output(small_recipe(), view));
  }
  const io::SourceStatus& bad = batches[1].status[0];
  EXPECT_EQ(bad.failed, io::Stage::header);
  EXPECT_EQ(bad.message, path("bad.npy") + ": expected 1, 3 or 4 channels (last axis), got 2");
  EXPECT_EQ(bad.row, -1);
  const std::vector<unsigned char> zeros = row_of(batches[1], 0);
  EXPECT_TRUE(std::all_of(zeros.begin(), zeros.end(), [](unsigned char c) { return c == 0; }));
  EXPECT_EQ(batches[1].status[1].failed, io::Stage::list);
  EXPECT_NE(batches[1].status[1].message.find(
                "empty.npy: expected (N, H, W, C) with N > 0, got N = 0"),
            std::string::npos);
}

TEST_F(Scratch, EveryFailureNamesItsStage) {
  const std::vector<unsigned char> photo = io::read_file(kData + "/chelsea.jpg");
  write("truncated.jpg",
        std::string(photo.begin(), photo.begin() + static_cast<std::ptrdiff_t>(photo.size() / 2)));
  write("junk.png", "junk");
  std::vector<io::Source> sources = {
      io::Source::file(kData + "/chelsea.jpg"),    // fixes the shape: 3x24x32
      io::Source::file(path("missing.jpg")),       // read
      io::Source::file(path("junk.png")),          // header
      io::Source::file(kBad + "/bomb.png"),        // limit
      io::Source::file(kData + "/astronaut.jpg"),  // a different output shape
      io::Source::failed(io::SourceKind::file, "gone/",
                         "gone/: cannot list the directory: denied"),  // list
  };
  if (io::have_turbojpeg()) sources.push_back(io::Source::file(path("truncated.jpg")));  // decode
  pf::Executor executor(2);
  const auto jit = pf::jit(pf::to_rgb() | pf::resize_shorter(24) | pf::cast(pf::DType::u8));
  const io::LoadedBatch b = io::load(executor, sources, jit);
  ASSERT_EQ(b.status.size(), sources.size());
  EXPECT_TRUE(b.status[0].ok()) << b.status[0].message;
  EXPECT_EQ(b.status[1].failed, io::Stage::read);
  EXPECT_EQ(b.status[1].message, path("missing.jpg") + ": cannot open: No such file or directory");
  EXPECT_EQ(b.status[2].failed, io::Stage::header);
  EXPECT_EQ(b.status[3].failed, io::Stage::limit);
  EXPECT_EQ(b.status[3].width, 100000);  // from the header, for the report
  EXPECT_NE(b.status[3].message.find("possible decompression bomb"), std::string::npos)
      << b.status[3].message;
  EXPECT_EQ(b.status[4].failed, io::Stage::shape);
  EXPECT_EQ(b.status[4].message.rfind(
                kData +
                    "/astronaut.jpg: output shape (3, 24, 24) differs from the batch's (3, 24, 36)",
                0),
            0u)
      << b.status[4].message;
  EXPECT_EQ(b.status[5].failed, io::Stage::list);
  EXPECT_EQ(b.status[5].message, "gone/: cannot list the directory: denied");
  if (io::have_turbojpeg()) {
    EXPECT_EQ(b.status[6].failed, io::Stage::decode);
    EXPECT_EQ(b.status[6].width, 451);  // the header was fine
  }
  EXPECT_EQ(b.tensor.shape(), (pf::TensorShape{1, 3, 24, 36}));
  for (const io::SourceStatus& s : b.status) {
    if (!s.ok()) {
      EXPECT_EQ(s.row, -1);
    }
  }
}

TEST(Loader, NothingLowersGivesAnEmptyTensor) {
  pf::Executor executor(2);
  const std::string junk = "junk";
  const io::LoadedBatch b = io::load(executor,
                                     {io::Source::encoded(junk.data(), junk.size(), "a"),
                                      io::Source::file("/nonexistent/x.jpg")},
                                     pf::jit(small_recipe()));
  EXPECT_EQ(b.status.size(), 2u);
  EXPECT_EQ(b.ok_count(), 0u);
  EXPECT_EQ(b.tensor.shape().n, 0);
}

// The Loader never works further ahead than `prefetch` batches past the one handed out,
// whatever the number of sources; every source is delivered once, in order.
TEST(Loader, WorkAheadIsBoundedAndOrderKept) {
  std::vector<test_images::Image<std::uint8_t>> owned;
  for (int i = 0; i < 7; ++i) owned.push_back(test_images::noise_u8(40 + i, 30 + i, 3, 70u + i));
  std::vector<io::Source> sources;
  for (int i = 0; i < 203; ++i)
    sources.push_back(io::Source::decoded(owned[static_cast<std::size_t>(i % 7)].view()));
  for (std::size_t prefetch : {1u, 2u, 3u}) {
    pf::Executor executor(3);
    std::atomic<std::size_t> processed{0};
    io::LoaderOptions o;
    o.batch_size = 8;
    o.prefetch = prefetch;
    o.on_image_done = [&] { ++processed; };
    io::Loader loader(executor, sources, pf::jit(small_recipe()), o);
    std::size_t next_index = 0, k = 0;
    for (io::LoadedBatch b; loader.next(b); ++k) {
      EXPECT_LE(processed.load(), (k + 1 + prefetch) * 8)
          << "batch " << k << " prefetch " << prefetch;
      for (const io::SourceStatus& s : b.status) {
        EXPECT_EQ(s.index, next_index++);
        ASSERT_TRUE(s.ok()) << s.message;
      }
    }
    EXPECT_EQ(next_index, 203u);
    EXPECT_EQ(processed.load(), 203u);
  }
}

TEST(Loader, ReusedBatchKeepsItsBufferAndMovedOutTensorsStayValid) {
  std::vector<test_images::Image<std::uint8_t>> owned;
  for (int i = 0; i < 4; ++i) owned.push_back(test_images::noise_u8(60, 50, 3, 5u + i));
  std::vector<io::Source> sources;
  for (int i = 0; i < 40; ++i)
    sources.push_back(io::Source::decoded(owned[static_cast<std::size_t>(i % 4)].view()));
  pf::Executor executor(2);
  io::LoaderOptions o;
  o.batch_size = 5;
  io::Loader loader(executor, sources, pf::jit(small_recipe()), o);
  std::vector<pf::Batch> kept;  // as a binding hands each tensor to its caller
  io::LoadedBatch b;
  while (loader.next(b)) {
    kept.push_back(std::move(b.tensor));
    EXPECT_EQ(b.tensor.capacity_bytes(), 0u);  // moved out: the loader gives it a new buffer
  }
  ASSERT_EQ(kept.size(), 8u);
  for (std::size_t k = 0; k < kept.size(); ++k) {
    const pf::Batch& t = kept[k];
    ASSERT_EQ(t.shape().n, 5);
    const auto* p = static_cast<const unsigned char*>(t.data());
    for (std::size_t j = 0; j < 5; ++j) {
      const std::vector<unsigned char> want =
          expected_output(small_recipe(), owned[(5 * k + j) % 4].view());
      EXPECT_EQ(std::vector<unsigned char>(p + j * want.size(), p + (j + 1) * want.size()), want)
          << k << " " << j;
    }
  }
}

TEST(Loader, DestroyedMidwayStopsCleanly) {
  std::vector<test_images::Image<std::uint8_t>> owned;
  owned.push_back(test_images::noise_u8(300, 200, 3, 1u));
  std::vector<io::Source> sources(500, io::Source::decoded(owned[0].view()));
  pf::Executor executor(3);
  {
    io::LoaderOptions o;
    o.batch_size = 10;
    io::Loader loader(executor, sources, pf::jit(small_recipe()), o);
    io::LoadedBatch b;
    ASSERT_TRUE(loader.next(b));
    EXPECT_TRUE(b.status[9].ok());
  }  // workers are mid-batch: they stop after their image
  {
    io::Loader unused(executor, sources, pf::jit(small_recipe()));  // never started
  }
  // The executor is intact afterwards.
  std::atomic<int> n{0};
  executor.parallel_for(100, [&](std::size_t) { ++n; });
  EXPECT_EQ(n.load(), 100);
}

namespace {
// A device that runs the plans with the CPU kernels, or fails on demand.
class FakeDevice : public pf::BatchDevice {
 public:
  explicit FakeDevice(bool fail) : fail_(fail) {}
  void run(const std::vector<const pf::Plan*>& plans, const std::vector<pf::AnyImageView>& images,
           const pf::AnyTensorView& out) override {
    ++calls;
    if (fail_) throw std::runtime_error("fake device: out of memory");
    EXPECT_EQ(out.shape.n, static_cast<std::int64_t>(images.size()));
    for (std::size_t i = 0; i < images.size(); ++i)
      pf::run(*plans[i], images[i], out.slot(static_cast<std::int64_t>(i)));
  }
  std::string describe() const override { return "fake"; }
  int calls = 0;

 private:
  bool fail_;
};
}  // namespace

TEST(Loader, BatchDeviceAndItsCpuFallback) {
  std::vector<test_images::Image<std::uint8_t>> owned;
  for (int i = 0; i < 6; ++i) owned.push_back(test_images::noise_u8(48 + i, 40, 3, 30u + i));
  std::vector<io::Source> sources;
  for (int i = 0; i < 6; ++i)
    sources.push_back(io::Source::decoded(owned[static_cast<std::size_t>(i)].view()));
  const std::string junk = "junk";
  sources[2] = io::Source::encoded(junk.data(), junk.size(), "junk");
  for (bool fail : {false, true}) {
    for (bool keep : {false, true}) {
      FakeDevice device(fail);
      pf::Executor executor(2);
      io::LoaderOptions o;
      o.batch_size = 4;
      o.device = &device;
      o.keep_failed_rows = keep;
      io::Loader loader(executor, sources, pf::jit(small_recipe()), o);
      const std::vector<io::LoadedBatch> batches = drain(loader);
      ASSERT_EQ(batches.size(), 2u);
      EXPECT_EQ(device.calls, 2);
      EXPECT_EQ(batches[0].device_error.empty(), !fail);
      if (fail) {
        EXPECT_EQ(batches[0].device_error, "fake device: out of memory");
      }
      EXPECT_EQ(batches[0].status[2].failed, io::Stage::header);
      EXPECT_EQ(batches[0].tensor.shape().n, keep ? 4 : 3);
      for (const io::LoadedBatch& b : batches)
        for (const io::SourceStatus& s : b.status) {
          if (s.ok()) {
            EXPECT_EQ(row_of(b, s.row), expected_output(small_recipe(), owned[s.index].view()))
                << s.index;
          }
        }
    }
  }
}

TEST(Loader, FastDecodeReducesJpegs) {
  if (!io::have_turbojpeg()) GTEST_SKIP() << "built without libjpeg-turbo: no DCT scaling";
  pf::Executor executor(1);
  io::LoaderOptions o;
  o.decode.fast = io::FastDecode::conservative;
  const auto jit = pf::jit(pf::to_rgb() | pf::resize_shorter(32) | pf::center_crop(32, 32) |
                           pf::cast(pf::DType::u8));
  const io::LoadedBatch b = io::load(executor, {io::Source::file(kData + "/chelsea.jpg")}, jit, o);
  ASSERT_TRUE(b.status[0].ok()) << b.status[0].message;
  EXPECT_EQ(b.status[0].reduction, 4);
  io::DecodeOptions d;
  d.reduce = 4;
  const io::DecodedImage img = io::decode_file(kData + "/chelsea.jpg", d);
  EXPECT_EQ(row_of(b, 0), expected_output(jit.recipe(), img.view()));
}

// The Loader decodes through io::decode_for: region decode (the default) gives the whole
// decode's output, and Pillow's draft rule reduces as pil_draft_reduction says.
TEST(Loader, RegionAndPillowDraftDecodes) {
  pf::Executor executor(2);
  const auto jit = pf::jit(pf::to_rgb() | pf::resize_shorter(40) | pf::center_crop(32, 32) |
                           pf::cast(pf::DType::u8));
  const std::vector<io::Source> sources = {io::Source::file(kData + "/chelsea.jpg")};
  io::LoaderOptions whole;
  whole.decode.region = false;
  const io::LoadedBatch region = io::load(executor, sources, jit);
  const io::LoadedBatch full = io::load(executor, sources, jit, whole);
  ASSERT_TRUE(region.status[0].ok()) << region.status[0].message;
  ASSERT_TRUE(full.status[0].ok()) << full.status[0].message;
  EXPECT_EQ(row_of(region, 0), row_of(full, 0));
  EXPECT_EQ(region.status[0].reduction, 1);

  io::LoaderOptions pil;
  pil.decode.fast = io::FastDecode::pil;
  const io::LoadedBatch draft = io::load(executor, sources, jit, pil);
  ASSERT_TRUE(draft.status[0].ok()) << draft.status[0].message;
  // chelsea.jpg is 451x300: drafted towards 60x40, Pillow takes 1/4.
  const int want = io::have_turbojpeg() ? 4 : 1;
  EXPECT_EQ(io::pil_draft_reduction(*jit.plan(pf::InputShape{451, 300, 3, pf::DType::u8})), 4);
  EXPECT_EQ(draft.status[0].reduction, want);
  if (io::have_turbojpeg()) {
    io::DecodeOptions d;
    d.reduce = want;
    const io::DecodedImage img = io::decode_file(kData + "/chelsea.jpg", d);
    EXPECT_EQ(row_of(draft, 0), expected_output(jit.recipe(), img.view()));
  }
}

TEST(Loader, RejectsBadOptions) {
  pf::Executor executor(1);
  io::LoaderOptions o;
  o.batch_size = 0;
  EXPECT_THROW(io::Loader(executor, {}, pf::jit(small_recipe()), o), pf::Error);
  o.batch_size = 1;
  o.prefetch = 0;
  EXPECT_THROW(io::Loader(executor, {}, pf::jit(small_recipe()), o), pf::Error);
  io::Loader empty(executor, {}, pf::jit(small_recipe()));
  io::LoadedBatch b;
  EXPECT_FALSE(empty.next(b));
}
